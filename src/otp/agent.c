/* agent.c — Elixir's Agent (include/otter/agent.h): a server whose state is
 * one term, and the table of functions that requests may name.
 *
 * A request carries the index of its function in a process-wide table, not
 * the function's address: a message from another node could otherwise make
 * an agent jump anywhere. The table only grows (a program has few agent
 * functions); lookups by index are lock-free, registrations take a lock
 * and are found again through a small open-addressing hash by address. */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "otp/otp_internal.h"
#include "otter/agent.h"

/* ---------------------------------------------------------------- functions */

enum fn_kind { FN_GET = 1, FN_UPDATE, FN_GET_UPDATE };

#define FN_MAX 4096             /* distinct agent functions in one program */
#define FN_HASH (2 * FN_MAX)

typedef struct fn_entry {
    void (*fn)(void);           /* the function, cast back by kind */
    enum fn_kind kind;
} fn_entry;

static fn_entry fn_table[FN_MAX];
static _Atomic uint32_t fn_count;
static _Atomic uint32_t fn_hash[FN_HASH];   /* index + 1; 0 = empty */
static pthread_mutex_t fn_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t fn_slot(void (*fn)(void), enum fn_kind kind)
{
    uint64_t x = (uint64_t)(uintptr_t)fn * 0x9e3779b97f4a7c15u ^ (uint64_t)kind;
    return (size_t)(x >> 40) % FN_HASH;
}

/* Looks fn up from slot i on; the index or -1. */
static int64_t fn_find(void (*fn)(void), enum fn_kind kind, size_t *slot)
{
    for (size_t i = fn_slot(fn, kind), n = 0; n < FN_HASH; i = (i + 1) % FN_HASH, n++) {
        uint32_t v = atomic_load_explicit(&fn_hash[i], memory_order_acquire);
        if (!v) {
            *slot = i;
            return -1;
        }
        if (fn_table[v - 1].fn == fn && fn_table[v - 1].kind == kind)
            return v - 1;
    }
    *slot = FN_HASH;
    return -1;
}

/* The index of fn in the table, registering it on first use; -1 if the
 * table is full. Any thread. */
static int64_t fn_index(void (*fn)(void), enum fn_kind kind)
{
    size_t slot;
    int64_t i = fn_find(fn, kind, &slot);
    if (i >= 0)
        return i;
    pthread_mutex_lock(&fn_lock);
    i = fn_find(fn, kind, &slot);
    if (i < 0 && slot < FN_HASH) {
        uint32_t n = atomic_load_explicit(&fn_count, memory_order_relaxed);
        if (n < FN_MAX) {
            fn_table[n].fn = fn;
            fn_table[n].kind = kind;
            atomic_store_explicit(&fn_count, n + 1, memory_order_release);
            atomic_store_explicit(&fn_hash[slot], n + 1, memory_order_release);
            i = n;
        }
    }
    pthread_mutex_unlock(&fn_lock);
    return i;
}

/* The function a request names, if it is one of kind `kind`; NULL if the
 * request names none (a forged or foreign request). */
static void (*fn_of(ot_term index, enum fn_kind kind))(void)
{
    int64_t i;
    if (ot_get_int64(index, &i) != 0 || i < 0 ||
        i >= (int64_t)atomic_load_explicit(&fn_count, memory_order_acquire))
        return NULL;
    return fn_table[i].kind == kind ? fn_table[i].fn : NULL;
}

/* ---------------------------------------------------------------- the server */

static ot_server_ret agent_init(ot_server *s, void *arg)
{
    ot_agent_init_fn init;
    memcpy(&init, &arg, sizeof init);
    ot_term state = init ? init(s->arg, ot_proc_heap()) : OT_NIL;
    if (state == OT_NONE)
        return OT_SRV_STOP(OT__ATOM(BAD_RETURN_VALUE));
    if (ot_server_set_term(s, state) != 0)
        return OT_SRV_STOP(OT__ATOM(SYSTEM_LIMIT));
    return OT_SRV_OK;
}

/* {Op, Fn, Arg} with a known Op; false otherwise. */
static bool request_parse(ot_term req, ot_term *op, ot_term *fn, ot_term *arg)
{
    if (!ot_is_tuple(req) || ot_tuple_arity(req) != 3)
        return false;
    *op = ot_tuple_get(req, 0);
    *fn = ot_tuple_get(req, 1);
    *arg = ot_tuple_get(req, 2);
    return true;
}

/* Makes `state` the agent's state; a stop return if it cannot. */
static bool set_state(ot_server *s, ot_term state, ot_server_ret *stop)
{
    if (state == OT_NONE) {
        *stop = OT_SRV_STOP(OT__ATOM(BAD_RETURN_VALUE));
        return false;
    }
    if (ot_server_set_term(s, state) != 0) {
        *stop = OT_SRV_STOP(OT__ATOM(SYSTEM_LIMIT));
        return false;
    }
    return true;
}

static ot_server_ret bad_request(ot_term tag, ot_term req)
{
    return OT_SRV_STOP(ot_tuple(ot_proc_heap(), 2, tag, req));
}

static ot_server_ret agent_call(ot_server *s, ot_term req, ot_term from)
{
    (void)from;
    ot_heap *h = ot_proc_heap();
    ot_term op, fn, arg;
    ot_server_ret stop;
    if (!request_parse(req, &op, &fn, &arg))
        return bad_request(OT__ATOM(BAD_CALL), req);
    if (op == OT__ATOM(GET)) {
        ot_agent_get_fn f = (ot_agent_get_fn)fn_of(fn, FN_GET);
        if (!f)
            return bad_request(OT__ATOM(BAD_CALL), req);
        ot_term reply = f(s->term, arg, h);
        return reply == OT_NONE ? OT_SRV_STOP(OT__ATOM(BAD_RETURN_VALUE)) : OT_SRV_REPLY(reply);
    }
    if (op == OT__ATOM(UPDATE)) {
        ot_agent_update_fn f = (ot_agent_update_fn)fn_of(fn, FN_UPDATE);
        if (!f)
            return bad_request(OT__ATOM(BAD_CALL), req);
        if (!set_state(s, f(s->term, arg, h), &stop))
            return stop;
        return OT_SRV_REPLY(OT_ATOM(OK));
    }
    if (op == OT__ATOM(GET_AND_UPDATE)) {
        ot_agent_get_update_fn f = (ot_agent_get_update_fn)fn_of(fn, FN_GET_UPDATE);
        if (!f)
            return bad_request(OT__ATOM(BAD_CALL), req);
        ot_term next = OT_NONE;
        ot_term reply = f(s->term, arg, h, &next);
        if (reply == OT_NONE)
            return OT_SRV_STOP(OT__ATOM(BAD_RETURN_VALUE));
        /* The reply may be part of the old state, which set_state frees. */
        reply = ot_copy(h, reply);
        if (reply == OT_NONE)
            return OT_SRV_STOP(OT__ATOM(SYSTEM_LIMIT));
        if (!set_state(s, next, &stop))
            return stop;
        return OT_SRV_REPLY(reply);
    }
    return bad_request(OT__ATOM(BAD_CALL), req);
}

static ot_server_ret agent_cast(ot_server *s, ot_term req)
{
    ot_term op, fn, arg;
    ot_server_ret stop;
    ot_agent_update_fn f = NULL;
    if (request_parse(req, &op, &fn, &arg) && op == OT__ATOM(CAST))
        f = (ot_agent_update_fn)fn_of(fn, FN_UPDATE);
    if (!f)
        return bad_request(OT__ATOM(BAD_CAST), req);
    if (!set_state(s, f(s->term, arg, ot_proc_heap()), &stop))
        return stop;
    return OT_SRV_NOREPLY;
}

static const ot_server_callbacks agent_callbacks = {
    .init = agent_init,
    .handle_call = agent_call,
    .handle_cast = agent_cast,
    .initial_call = "proc_lib:init_p/5",
};

/* ---------------------------------------------------------------- API */

int ot_agent_start(ot_heap *h, ot_agent_init_fn init, ot_term arg, const ot_server_opts *opts,
                   ot_term *result)
{
    ot_server_opts o = {0};
    if (opts)
        o = *opts;
    o.term_arg = arg == OT_NONE ? OT_NIL : arg;
    void *p;
    memcpy(&p, &init, sizeof p);
    return ot_server_start(h, &agent_callbacks, p, &o, result);
}

/* A call {op, Fn, arg} with fn registered as `kind`. */
static int agent_request(ot_heap *h, ot_term agent, ot_term op, void (*fn)(void), enum fn_kind kind,
                         ot_term arg, int64_t timeout_ms, ot_term *result)
{
    if (!fn || arg == OT_NONE) {
        if (result)
            *result = OT_ATOM(BADARG);
        return -EINVAL;
    }
    int64_t i = fn_index(fn, kind);
    if (i < 0) {
        if (result)
            *result = OT__ATOM(SYSTEM_LIMIT);
        return -ENOMEM;
    }
    uint64_t mem[4];
    ot_heap local;
    ot__heap_init_fixed(&local, mem, 4);
    ot_term req = ot_tuple(&local, 3, op, ot_int(NULL, i), arg);
    ot_term r;
    int rc = ot_call(h, agent, req, timeout_ms, &r);
    ot__heap_release_fixed(&local);
    if (result)
        *result = r;
    return rc;
}

int ot_agent_get(ot_heap *h, ot_term agent, ot_agent_get_fn fn, ot_term arg, int64_t timeout_ms,
                 ot_term *result)
{
    return agent_request(h, agent, OT__ATOM(GET), (void (*)(void))fn, FN_GET, arg, timeout_ms, result);
}

int ot_agent_update(ot_heap *h, ot_term agent, ot_agent_update_fn fn, ot_term arg,
                    int64_t timeout_ms, ot_term *result)
{
    return agent_request(h, agent, OT__ATOM(UPDATE), (void (*)(void))fn, FN_UPDATE, arg, timeout_ms,
                         result);
}

int ot_agent_get_and_update(ot_heap *h, ot_term agent, ot_agent_get_update_fn fn, ot_term arg,
                            int64_t timeout_ms, ot_term *result)
{
    return agent_request(h, agent, OT__ATOM(GET_AND_UPDATE), (void (*)(void))fn, FN_GET_UPDATE, arg,
                         timeout_ms, result);
}

int ot_agent_cast(ot_term agent, ot_agent_update_fn fn, ot_term arg)
{
    if (!fn || arg == OT_NONE)
        return -EINVAL;
    int64_t i = fn_index((void (*)(void))fn, FN_UPDATE);
    if (i < 0)
        return -ENOMEM;
    uint64_t mem[4];
    ot_heap local;
    ot__heap_init_fixed(&local, mem, 4);
    int rc = ot_cast(agent, ot_tuple(&local, 3, OT__ATOM(CAST), ot_int(NULL, i), arg));
    ot__heap_release_fixed(&local);
    return rc;
}

int ot_agent_stop(ot_term agent, ot_term reason, int64_t timeout_ms)
{
    return ot_server_stop(NULL, agent, reason, timeout_ms, NULL);
}
