/* rpc.c — serving other nodes' calls: the table of C functions callable
 * by module/function/arity, SPAWN_REQUEST (what erpc:call, erpc:cast and
 * spawn/4 send, DFLAG_SPAWN), and the `rex` server of rpc's older paths.
 *
 * erpc:call(N, M, F, A) arrives as a request to spawn erpc:execute_call/4
 * with [Ref, M, F, A] and the monitor option. otter spawns a process
 * that answers SPAWN_REPLY with its pid, runs the registered function,
 * and exits with the reason execute_call would: {Ref, return, Value},
 * {Ref, throw, V}, {Ref, exit, R} or {Ref, error, R, Stack}; the caller's
 * monitor carries that reason back (MONITOR_P_EXIT). An unknown function
 * raises undef with the stack [{M, F, A, []}], as on BEAM. A fun (spawn
 * of erlang:apply/2 with one) cannot run on an otter node: the request is
 * refused with notsup, which BEAM's spawn reports on its side. */
#include <errno.h>
#include <string.h>

#include "distribution/distribution_internal.h"
#include "otter/call.h"

/* ---------------------------------------------------------------- the table */

typedef struct fent {
    struct fent *next;
    ot_term m, f;
    unsigned arity;
    ot_rpc_fn fn;
    void *arg;
} fent;

#define FTAB_SIZE 256
static pthread_rwlock_t ftab_lock = PTHREAD_RWLOCK_INITIALIZER;
static fent *ftab[FTAB_SIZE];
static pthread_once_t builtins_once = PTHREAD_ONCE_INIT;

static size_t fslot(ot_term m, ot_term f, unsigned arity)
{
    return (size_t)((m * 31 + f) * 0x9E3779B97F4A7C15ULL + arity) >> 56;
}

static int reg(ot_term m, ot_term f, unsigned arity, ot_rpc_fn fn, void *arg)
{
    size_t s = fslot(m, f, arity) % FTAB_SIZE;
    pthread_rwlock_wrlock(&ftab_lock);
    fent *e = ftab[s];
    while (e && !(e->m == m && e->f == f && e->arity == arity))
        e = e->next;
    if (!e) {
        e = ot__calloc(1, sizeof *e);
        if (!e) {
            pthread_rwlock_unlock(&ftab_lock);
            return -ENOMEM;
        }
        e->m = m;
        e->f = f;
        e->arity = arity;
        e->next = ftab[s];
        ftab[s] = e;
    }
    e->fn = fn;
    e->arg = arg;
    pthread_rwlock_unlock(&ftab_lock);
    return 0;
}

static void builtins_init(void)
{
    ot__rpc_builtins_register();
}

/* Registration by the built-ins themselves (before the once completes). */
int ot__rpc_register_builtin(const char *m, const char *f, unsigned arity, ot_rpc_fn fn)
{
    return reg(ot_atom(m), ot_atom(f), arity, fn, NULL);
}

int ot_rpc_register(const char *module, const char *function, unsigned arity, ot_rpc_fn fn,
                    void *arg)
{
    if (!module || !function || !fn || arity > 255)
        return -EINVAL;
    ot_term m = ot_atom(module), f = ot_atom(function);
    if (m == OT_NONE || f == OT_NONE)
        return -EINVAL;
    pthread_once(&builtins_once, builtins_init);
    return reg(m, f, arity, fn, arg);
}

int ot_rpc_unregister(const char *module, const char *function, unsigned arity)
{
    if (!module || !function)
        return -EINVAL;
    pthread_once(&builtins_once, builtins_init);
    ot_term m = ot_atom_existing(module, strlen(module));
    ot_term f = ot_atom_existing(function, strlen(function));
    if (m == OT_NONE || f == OT_NONE)
        return -ENOENT;
    size_t s = fslot(m, f, arity) % FTAB_SIZE;
    int rc = -ENOENT;
    pthread_rwlock_wrlock(&ftab_lock);
    for (fent **pp = &ftab[s]; *pp; pp = &(*pp)->next) {
        fent *e = *pp;
        if (e->m == m && e->f == f && e->arity == arity) {
            *pp = e->next;
            ot__free(e);
            rc = 0;
            break;
        }
    }
    pthread_rwlock_unlock(&ftab_lock);
    return rc;
}

ot_term ot_rpc_registered(ot_heap *h)
{
    if (!h)
        return OT_NONE;
    pthread_once(&builtins_once, builtins_init);
    ot_term list = OT_NIL;
    pthread_rwlock_rdlock(&ftab_lock);
    for (size_t i = 0; i < FTAB_SIZE; i++)
        for (fent *e = ftab[i]; e; e = e->next)
            list = ot_cons(h, ot_tuple(h, 3, e->m, e->f, ot_int(h, e->arity)), list);
    pthread_rwlock_unlock(&ftab_lock);
    return list;
}

bool ot__rpc_lookup(ot_term m, ot_term f, unsigned arity, ot__rpc_entry *out)
{
    pthread_once(&builtins_once, builtins_init);
    size_t s = fslot(m, f, arity) % FTAB_SIZE;
    bool found = false;
    pthread_rwlock_rdlock(&ftab_lock);
    for (fent *e = ftab[s]; e; e = e->next)
        if (e->m == m && e->f == f && e->arity == arity) {
            out->fn = e->fn;
            out->arg = e->arg;
            found = true;
            break;
        }
    pthread_rwlock_unlock(&ftab_lock);
    return found;
}

ot_term ot__rpc_stack(ot_heap *h, ot_term m, ot_term f, ot_term args)
{
    return ot_list(h, 1, ot_tuple(h, 4, m, f, args, OT_NIL));
}

ot_rpc_class ot_rpc_apply(ot_heap *h, ot_term m, ot_term f, ot_term args, ot_term *result)
{
    ot_term dummy;
    if (!result)
        result = &dummy;
    ssize_t n = ot_list_length(args);
    if (!h || !ot_is_atom(m) || !ot_is_atom(f) || n < 0 || n > 255) {
        *result = OT_ATOM(BADARG);
        return OT_RPC_ERROR;
    }
    ot__rpc_entry e;
    if (!ot__rpc_lookup(m, f, (unsigned)n, &e)) {
        *result = OT_ATOM(UNDEF);
        return OT_RPC_ERROR;
    }
    *result = OT_NONE;
    ot_rpc_class c = e.fn(h, args, result, e.arg);
    if (*result == OT_NONE) {
        /* the function ran out of memory building its answer */
        *result = ot_atom("system_limit");
        return OT_RPC_ERROR;
    }
    return c;
}

/* ---------------------------------------------------------------- spawn requests */

enum work_kind { WORK_CALL = 1, WORK_CAST, WORK_SPAWN, WORK_UNDEF };

static bool is_fun_apply(ot_term m, ot_term f, ot_term args)
{
    return m == ot_atom("erlang") && f == ot_atom("apply") && ot_list_length(args) == 2 &&
           ot_is_fun(ot_hd(args));
}

/* The process that serves one spawn request. */
static void worker_main(void *arg)
{
    ot__dnode *d = arg;
    ot__proc *p = ot__proc_current();
    ot_term a = ot_spawn_arg();
    int64_t kind = 0, flags = 0;
    ot_get_int64(ot_tuple_get(a, 0), &kind);
    ot_term reqid = ot_tuple_get(a, 1), from = ot_tuple_get(a, 2);
    ot_get_int64(ot_tuple_get(a, 3), &flags);
    ot_term m = ot_tuple_get(a, 4), f = ot_tuple_get(a, 5), args = ot_tuple_get(a, 6);
    ot_term ref = ot_tuple_get(a, 7);
    ot_heap *h = ot_proc_heap();

    /* The link and monitor the request asked for, set up as if the peer
     * had sent them, before the reply can reach it. */
    if (flags & OT__SPAWN_FLAG_LINK) {
        pthread_mutex_lock(&d->lock);
        ot__drel_add(d, OT__DREL_LINK, p->pid, from, OT_NONE, OT_NONE);
        pthread_mutex_unlock(&d->lock);
        ot__send_signal(p->pid, OT__SIG_LINK, from, OT_NONE, OT_NONE);
    }
    if (flags & OT__SPAWN_FLAG_MONITOR) {
        pthread_mutex_lock(&d->lock);
        ot__drel_add(d, OT__DREL_MON_IN, p->pid, from, reqid, OT_NONE);
        pthread_mutex_unlock(&d->lock);
        ot__send_signal(p->pid, OT__SIG_MONITOR, from, reqid, OT_NONE);
    }
    ot__proc_handle_signals(p);
    ot_term reply = ot_tuple(h, 5, ot_int(h, OT__DOP_SPAWN_REPLY), reqid, from, ot_int(h, flags), p->pid);
    if (kind == WORK_CALL || kind == WORK_CAST)
        /* erpc waits for the outcome, not for the pid: the reply leaves
         * with the outcome (or with any earlier packet), one write for both */
        ot__dist_send_control_later(d->node, reply);
    else
        ot__dist_send_control(d->node, reply, OT_NONE);

    if (kind == WORK_UNDEF)
        ot_exit(ot_tuple(h, 2, OT_ATOM(UNDEF), ot__rpc_stack(h, m, f, args)));
    ot_term r;
    ot_rpc_class c;
    if (is_fun_apply(m, f, args)) {
        /* erpc:call(Node, Fun): a fun cannot run here */
        r = ot_tuple(h, 2, ot_atom("erpc"), ot_atom("notsup"));
        c = OT_RPC_ERROR;
        if (kind == WORK_CALL)
            ot_exit(ot_tuple(h, 3, ref, OT_ATOM(ERROR), r));
    } else {
        c = ot_rpc_apply(h, m, f, args, &r);
    }
    ot_term stack = ot__rpc_stack(h, m, f, args);
    if (kind == WORK_CALL) {
        switch (c) {
        case OT_RPC_RETURN: ot_exit(ot_tuple(h, 3, ref, OT_ATOM(RETURN), r));
        case OT_RPC_THROW: ot_exit(ot_tuple(h, 3, ref, OT_ATOM(THROW), r));
        case OT_RPC_EXIT: ot_exit(ot_tuple(h, 3, ref, ot_atom("exit"), r));
        case OT_RPC_ERROR: ot_exit(ot_tuple(h, 4, ref, OT_ATOM(ERROR), r, stack));
        }
    }
    /* A cast or a spawned function: what a process running it would exit with. */
    switch (c) {
    case OT_RPC_RETURN: ot_exit(OT_ATOM(NORMAL));
    case OT_RPC_THROW:
        ot_exit(ot_tuple(h, 2, ot_tuple(h, 2, ot_atom("nocatch"), r), stack));
    case OT_RPC_EXIT: ot_exit(r);
    case OT_RPC_ERROR:
        if (kind == WORK_CAST)
            ot_exit(ot_tuple(h, 2, ot_atom("exception"), ot_tuple(h, 2, r, stack)));
        ot_exit(ot_tuple(h, 2, r, stack));
    }
}

void ot__rpc_spawn_request(ot__dnode *d, ot__dmsg *m)
{
    ot_term mod = ot_tuple_get(m->mfa, 0), fun = ot_tuple_get(m->mfa, 1);
    ot_term args = m->msg;
    int64_t flags = 0;
    for (ot_term o = m->opts; ot_is_list(o) && o != OT_NIL; o = ot_tl(o)) {
        ot_term x = ot_hd(o);
        if (x == ot_atom("link"))
            flags |= OT__SPAWN_FLAG_LINK;
        else if (x == ot_atom("monitor") ||
                 (ot_tuple_arity(x) == 2 && ot_tuple_get(x, 0) == ot_atom("monitor")))
            flags |= OT__SPAWN_FLAG_MONITOR;
    }
    ot_heap *h = ot_heap_new();
    if (!h)
        return;
    int kind;
    ot_term wm = mod, wf = fun, wargs = args, ref = OT_NONE;
    const char *refuse = NULL;
    unsigned n = (unsigned)ot_list_length(args);
    if (mod == ot_atom("erpc") && fun == ot_atom("execute_call") && n == 4) {
        kind = WORK_CALL;
        ref = ot_hd(args);
        wm = ot_hd(ot_tl(args));
        wf = ot_hd(ot_tl(ot_tl(args)));
        wargs = ot_hd(ot_tl(ot_tl(ot_tl(args))));
    } else if (mod == ot_atom("erpc") && fun == ot_atom("execute_cast") && n == 3) {
        kind = WORK_CAST;
        wm = ot_hd(args);
        wf = ot_hd(ot_tl(args));
        wargs = ot_hd(ot_tl(ot_tl(args)));
    } else if (is_fun_apply(mod, fun, args)) {
        refuse = "notsup";
        kind = 0;
        char who[128];
        ot_print(who, sizeof who, m->from, NULL);
        ot__dist_log("%s on %s sent a fun to run: an otter node runs only registered C functions "
                     "(spawn refused with notsup)", who, ot_atom_text(d->node, NULL));
    } else {
        ot__rpc_entry e;
        kind = ot__rpc_lookup(mod, fun, n, &e) ? WORK_SPAWN : WORK_UNDEF;
    }
    if (kind && (!ot_is_atom(wm) || !ot_is_atom(wf) || ot_list_length(wargs) < 0)) {
        /* erpc's caller checks these; anyone else gets badarg as exit */
        wm = ot_is_atom(wm) ? wm : OT_ATOM(UNDEFINED);
        wf = ot_is_atom(wf) ? wf : OT_ATOM(UNDEFINED);
        wargs = ot_list_length(wargs) < 0 ? OT_NIL : wargs;
    }
    ot_term pid = OT_NONE;
    if (!refuse) {
        ot_spawn_opts o = {
            .term_arg = ot_tuple(h, 8, ot_int(h, kind), m->ref, m->from, ot_int(h, flags), wm, wf,
                                 wargs, ref == OT_NONE ? OT_NIL : ref),
            .initial_call = kind == WORK_CALL ? "erpc:execute_call/4"
                          : kind == WORK_CAST ? "erpc:execute_cast/3" : "erlang:apply/2",
        };
        pid = o.term_arg == OT_NONE ? OT_NONE : ot_spawn_opt(worker_main, d, &o);
        if (pid == OT_NONE)
            refuse = "system_limit";
    }
    if (refuse)
        ot__dist_send_control(d->node,
                              ot_tuple(h, 5, ot_int(h, OT__DOP_SPAWN_REPLY), m->ref, m->from,
                                       ot_int(h, flags), ot_atom(refuse)),
                              OT_NONE);
    ot_heap_free(h);
}

/* ---------------------------------------------------------------- rex */

/* rpc's result shapes (rpc:execute_call/3). */
static ot_term rpc_result(ot_heap *h, ot_term m, ot_term f, ot_term args)
{
    ot_term r;
    ot_rpc_class c = ot_rpc_apply(h, m, f, args, &r);
    ot_term exit_tag = ot_atom("badrpc");
    switch (c) {
    case OT_RPC_RETURN:
    case OT_RPC_THROW:
        return r;
    case OT_RPC_EXIT:
        return ot_tuple(h, 2, exit_tag, ot_tuple(h, 2, OT_ATOM(EXIT), r));
    case OT_RPC_ERROR:
        return ot_tuple(h, 2, exit_tag,
                        ot_tuple(h, 2, OT_ATOM(EXIT), ot_tuple(h, 2, r, ot__rpc_stack(h, m, f, args))));
    }
    return r;
}

/* One rpc request, in a process of its own (the function may block):
 * {gen, From, M, F, A} answers with ot_reply, {rex, Pid, M, F, A} with
 * Pid ! {rex, Result}. */
static void rex_worker(void *arg)
{
    (void)arg;
    ot_term a = ot_spawn_arg();
    ot_heap *h = ot_proc_heap();
    ot_term res = rpc_result(h, ot_tuple_get(a, 2), ot_tuple_get(a, 3), ot_tuple_get(a, 4));
    if (ot_tuple_get(a, 0) == ot_atom("gen"))
        ot_reply(ot_tuple_get(a, 1), res);
    else
        ot_send(ot_tuple_get(a, 1), ot_tuple(h, 2, ot_atom("rex"), res));
}

static bool is_call_req(ot_term req)
{
    size_t n = ot_tuple_arity(req);
    ot_term tag = ot_tuple_get(req, 0);
    return n == 5 && (tag == OT_ATOM(CALL) || tag == ot_atom("block_call")) &&
           ot_is_atom(ot_tuple_get(req, 1)) && ot_is_atom(ot_tuple_get(req, 2)) &&
           ot_list_length(ot_tuple_get(req, 3)) >= 0;
}

void ot__rex_main(void *arg)
{
    (void)arg;
    ot_heap *h = ot_proc_heap();
    for (;;) {
        ot_msg *msg = ot_receive(OT_NONE, OT_INFINITY, NULL);
        ot_term t = ot_msg_term(msg), from, req;
        ot_term work = OT_NONE;
        if (ot_call_parse(t, &from, &req)) {
            if (is_call_req(req))
                work = ot_tuple(h, 5, ot_atom("gen"), from, ot_tuple_get(req, 1),
                                ot_tuple_get(req, 2), ot_tuple_get(req, 3));
        } else if (ot_tuple_arity(t) == 2 && ot_is_pid(ot_tuple_get(t, 0))) {
            ot_term who = ot_tuple_get(t, 0), what = ot_tuple_get(t, 1);
            if (is_call_req(what) && ot_tuple_get(what, 0) == OT_ATOM(CALL))
                work = ot_tuple(h, 5, ot_atom("rex"), who, ot_tuple_get(what, 1),
                                ot_tuple_get(what, 2), ot_tuple_get(what, 3));
            else if (what == ot_atom("features_request"))
                ot_send(who, ot_tuple(h, 3, ot_atom("features_reply"), ot_node(),
                                      ot_list(h, 1, ot_atom("erpc"))));
        }
        if (work != OT_NONE) {
            ot_spawn_opts o = {.term_arg = work, .initial_call = "rpc:execute_call/3"};
            ot_spawn_opt(rex_worker, NULL, &o);
        }
        ot_msg_free(msg);
        ot_heap_reset(h);
    }
}

/* ---------------------------------------------------------------- net_kernel */

/* Answers {is_auth, Node} with yes, which net_adm:ping/1 and Node.ping/1
 * ask once connected; other requests are left unanswered. */
void ot__net_kernel_main(void *arg)
{
    (void)arg;
    for (;;) {
        ot_msg *msg = ot_receive(OT_NONE, OT_INFINITY, NULL);
        ot_term from, req;
        if (ot_call_parse(ot_msg_term(msg), &from, &req) && ot_tuple_arity(req) == 2 &&
            ot_tuple_get(req, 0) == ot_atom("is_auth"))
            ot_reply(from, ot_atom("yes"));
        ot_msg_free(msg);
    }
}
