/* server.c — gen_server for C (include/otter/server.h): starting with an
 * init handshake, the stackless message loop, calls, casts, info, system
 * messages (sys:get_state, get_status, suspend, resume, proc_lib:stop),
 * and stopping with terminate.
 *
 * The loop is stackless: srv_loop handles every message waiting, then
 * gives up its stack with ot_hibernate(srv_loop, s) and is started again
 * by the runtime on a fresh stack when the next message comes.
 *
 * The server's record (struct srv) is made by the starter and owned by
 * the server's process from its first instant (ot__spawn_owned): the
 * runtime's exit hook srv_gone frees it whatever ends the process. The
 * hook also closes the start handshake: the server acks {ack, Pid, ok}
 * once init has returned OK; if the process ends before that (init
 * returned stop or ignore, or the process died in init) the hook sends
 * {nack, Pid, {error, Reason} | ignore} once the process is gone, its
 * links told and its name free, as proc_lib's init_fail and sync_start
 * together promise. So starting needs no monitor. */
#include <errno.h>
#include <stdio.h>

#include "core/core_internal.h"
#include "otp/otp_internal.h"
#include "otter/server.h"

enum srv_phase { SRV_INIT = 0, SRV_RUNNING, SRV_IGNORED };

struct srv {
    ot_server pub;
    const ot_server_callbacks *cb;
    void *init_arg;         /* init's argument */
    ot_term starter;        /* who waits for the ack */
    uint64_t *term_block;   /* malloc'd: an ot_heap header, then pub.term's words */
    uint64_t *arg_block;    /* the same for pub.arg */
    ot_msg *msg;            /* the message being handled (freed by srv_gone
                               if a callback ends the process) */
    uint8_t phase;          /* enum srv_phase */
    bool suspended;         /* sys:suspend: only system messages are handled */
};

/* ---------------------------------------------------------------- term state */

/* Term blocks (otp_internal.h): an ot_heap header over exactly the words
 * a term needs, so an idle server's term state costs its own size. */
void ot__term_block_free(uint64_t *block)
{
    if (!block)
        return;
    ot__heap_release_fixed((ot_heap *)block);
    ot__free(block);
}

ot_term ot__term_block_new(ot_term t, uint64_t **block)
{
    *block = NULL;
    size_t words = ot__copy_words(t);
    if (words == SIZE_MAX)
        return OT_NONE;
    if (!words)
        return t;
    size_t hdr = (sizeof(ot_heap) + 7) / 8;
    uint64_t *b = ot__malloc((hdr + words) * sizeof(uint64_t));
    if (!b)
        return OT_NONE;
    ot_heap *h = (ot_heap *)b;
    ot__heap_init_fixed(h, b + hdr, words);
    ot_term copy = ot_copy(h, t);
    if (copy == OT_NONE) {
        ot__term_block_free(b);
        return OT_NONE;
    }
    *block = b;
    return copy;
}

int ot_server_set_term(ot_server *pub, ot_term t)
{
    struct srv *s = (struct srv *)pub;
    if (!pub || t == OT_NONE)
        return -EINVAL;
    uint64_t *block;
    ot_term copy = ot__term_block_new(t, &block);
    if (copy == OT_NONE)
        return -ENOMEM;
    ot__term_block_free(s->term_block);
    s->term_block = block;
    pub->term = copy;
    return 0;
}

static void srv_free(struct srv *s)
{
    ot__term_block_free(s->term_block);
    ot__term_block_free(s->arg_block);
    ot__free(s);
}

/* ---------------------------------------------------------------- life */

/* The exit hook: the process is gone (outside any process). Ends the
 * start handshake if init never acked, then frees the record. */
static void srv_gone(void *arg, ot_term pid, ot_term reason)
{
    struct srv *s = arg;
    ot_msg_free(s->msg);
    if (s->phase != SRV_RUNNING) {
        uint64_t mem[8];
        ot_heap local;
        ot__heap_init_fixed(&local, mem, 8);
        ot_term ret = s->phase == SRV_IGNORED ? OT__ATOM(IGNORE) : ot_tuple(&local, 2, OT_ATOM(ERROR), reason);
        ot_send(s->starter, ot_tuple(&local, 3, OT__ATOM(NACK), pid, ret));
        ot__heap_release_fixed(&local);
    } else if (s->cb->release) {
        s->cb->release(s->pub.state);
    }
    srv_free(s);
}

/* Empties the process heap that callbacks build on. */
static void scratch_reset(void)
{
    ot__proc *p = ot__proc_current();
    if (p && p->user_heap)
        ot_heap_reset(p->user_heap);
}

/* Stops the server: terminate(reason), the reply if any, exit(reason). */
static _Noreturn void srv_stop(struct srv *s, ot_term reason, ot_term from, ot_term reply)
{
    if (reason == OT_NONE)
        reason = OT__ATOM(BAD_RETURN_VALUE);
    /* reason, from and reply may live on the process heap, which terminate
     * is free to reset: copies go on a heap of their own until the end. */
    ot_heap *keep = ot_heap_new();
    if (keep) {
        ot_term r = ot_copy(keep, reason);
        ot_term f = from == OT_NONE ? OT_NONE : ot_copy(keep, from);
        ot_term y = reply == OT_NONE ? OT_NONE : ot_copy(keep, reply);
        if (r != OT_NONE && (from == OT_NONE || f != OT_NONE) && (reply == OT_NONE || y != OT_NONE)) {
            reason = r;
            from = f;
            reply = y;
        }
    }
    if (s->cb->terminate)
        s->cb->terminate(&s->pub, reason);
    if (from != OT_NONE && reply != OT_NONE)
        ot_reply(from, reply);
    /* The reason goes to the process heap (freed by the exit), so that
     * keep can be freed before the call that never returns. */
    ot_heap *ph = ot_proc_heap();
    ot_term last = ph ? ot_copy(ph, reason) : OT_NONE;
    if (last != OT_NONE) {
        ot_heap_free(keep);
        reason = last;
    }
    ot_exit(reason);
}

/* ---------------------------------------------------------------- system */

/* {system, From, Request}: sys's messages. */
static bool system_parse(ot_term msg, ot_term *from, ot_term *req)
{
    if (!ot_is_tuple(msg) || ot_tuple_arity(msg) != 3 || ot_tuple_get(msg, 0) != OT_ATOM(SYSTEM))
        return false;
    ot_term f = ot_tuple_get(msg, 1);
    if (!ot_is_tuple(f) || ot_tuple_arity(f) != 2 || !ot_is_pid(ot_tuple_get(f, 0)))
        return false;
    *from = f;
    *req = ot_tuple_get(msg, 2);
    return true;
}

static bool is_system(ot_term msg, void *ctx)
{
    (void)ctx;
    ot_term f, r;
    return system_parse(msg, &f, &r);
}

static ot_term state_term(struct srv *s, ot_heap *h)
{
    if (s->cb->format_state) {
        ot_term t = s->cb->format_state(&s->pub, h);
        return t == OT_NONE ? OT_ATOM(UNDEFINED) : t;
    }
    return s->pub.term;
}

/* sys:get_status's answer, shaped as gen_server's:
 * {status, Pid, {module, gen_server}, [PDict, SysState, Parent, Debug, Misc]}. */
static ot_term status_term(struct srv *s, ot_heap *h)
{
    char who[96], header[160];
    ot_print_opts po = {.syntax = OT_SYNTAX_ERLANG};
    ot_print(who, sizeof who, s->pub.name != OT_NONE ? s->pub.name : s->pub.self, &po);
    snprintf(header, sizeof header, "Status for generic server %s", who);
    ot_term running = s->suspended ? OT_ATOM(SUSPENDED) : OT_ATOM(RUNNING);
    return ot_build(h,
                    "{status, ~t, {module, gen_server}, [[], ~t, ~t, [], "
                    "[{header, ~t}, {data, [{\"Status\", ~t}, {\"Parent\", ~t}, "
                    "{\"Logged events\", []}]}, {data, [{\"State\", ~t}]}]]}",
                    s->pub.self, running, s->pub.parent, ot_charlist(h, header), running,
                    s->pub.parent, state_term(s, h));
}

static void handle_system(struct srv *s, ot_term from, ot_term req)
{
    ot_heap *h = ot_proc_heap();
    if (req == OT__ATOM(GET_STATE)) {
        ot_reply(from, state_term(s, h));
    } else if (req == OT__ATOM(GET_STATUS)) {
        ot_term st = status_term(s, h);
        ot_reply(from, st == OT_NONE ? OT_ATOM(ERROR) : st);
    } else if (req == OT__ATOM(SUSPEND)) {
        s->suspended = true;
        ot_reply(from, OT_ATOM(OK));
    } else if (req == OT__ATOM(RESUME)) {
        s->suspended = false;
        ot_reply(from, OT_ATOM(OK));
    } else if (ot_is_tuple(req) && ot_tuple_arity(req) == 2 && ot_tuple_get(req, 0) == OT__ATOM(TERMINATE)) {
        srv_stop(s, ot_tuple_get(req, 1), from, OT_ATOM(OK));
    } else {
        ot_reply(from, ot_build(h, "{error, {~t, ~t}}", OT__ATOM(UNKNOWN_SYSTEM_MSG), req));
    }
}

/* ---------------------------------------------------------------- loop */

/* Acts on what a callback returned; `from` is the caller for calls. */
static void after_callback(struct srv *s, ot_server_ret r, ot_term from)
{
    switch (r.action) {
    case OT_SERVER_NOREPLY:
        return;
    case OT_SERVER_REPLY:
        if (from == OT_NONE || r.reply == OT_NONE)
            srv_stop(s, OT__ATOM(BAD_RETURN_VALUE), OT_NONE, OT_NONE);
        ot_reply(from, r.reply);
        return;
    case OT_SERVER_STOP:
        srv_stop(s, r.reason, from, r.reply);
    default:
        srv_stop(s, OT__ATOM(BAD_RETURN_VALUE), OT_NONE, OT_NONE);
    }
}

static void dispatch(struct srv *s, ot_term msg)
{
    const ot_server_callbacks *cb = s->cb;
    ot_term from, req;
    if (ot_call_parse(msg, &from, &req)) {
        if (!cb->handle_call)
            srv_stop(s, ot_tuple(ot_proc_heap(), 2, OT__ATOM(BAD_CALL), req), OT_NONE, OT_NONE);
        after_callback(s, cb->handle_call(&s->pub, req, from), from);
    } else if (ot_cast_parse(msg, &req)) {
        if (!cb->handle_cast)
            srv_stop(s, ot_tuple(ot_proc_heap(), 2, OT__ATOM(BAD_CAST), req), OT_NONE, OT_NONE);
        after_callback(s, cb->handle_cast(&s->pub, req), OT_NONE);
    } else if (system_parse(msg, &from, &req)) {
        handle_system(s, from, req);
    } else if (s->pub.parent != s->pub.self && ot_is_tuple(msg) && ot_tuple_arity(msg) == 3 &&
               ot_tuple_get(msg, 0) == OT_ATOM(EXIT) && ot_tuple_get(msg, 1) == s->pub.parent) {
        /* The parent's exit, seen because the server traps exits. */
        srv_stop(s, ot_tuple_get(msg, 2), OT_NONE, OT_NONE);
    } else if (cb->handle_info) {
        after_callback(s, cb->handle_info(&s->pub, msg), OT_NONE);
    }
}

/* The server's loop, run by the runtime on a fresh stack whenever a
 * message arrives: handles every message there, then gives up the stack. */
static void srv_loop(void *arg)
{
    struct srv *s = arg;
    for (;;) {
        ot_msg *m = s->suspended ? ot_receive_if(is_system, NULL, 0) : ot_receive(OT_NONE, 0, NULL);
        if (!m)
            ot_hibernate(srv_loop, s);
        s->msg = m;
        dispatch(s, ot_msg_term(m));
        s->msg = NULL;
        ot_msg_free(m);
        scratch_reset();
    }
}

/* ---------------------------------------------------------------- starting */

/* The server process's first function. */
static void srv_boot(void *arg)
{
    struct srv *s = arg;
    const ot_server_callbacks *cb = s->cb;
    s->pub.self = ot_self();
    if (s->pub.parent == OT_NONE)
        s->pub.parent = s->pub.self; /* started without link: as gen_server */
    ot_server_ret r = {OT_SERVER_NOREPLY, OT_NONE, OT_NONE};
    if (cb->init)
        r = cb->init(&s->pub, s->init_arg);
    else
        s->pub.state = s->init_arg;
    if (r.action == OT_SERVER_NOREPLY) {
        s->phase = SRV_RUNNING;
        scratch_reset();
        uint64_t mem[4];
        ot_heap local;
        ot__heap_init_fixed(&local, mem, 4);
        ot_send(s->starter, ot_tuple(&local, 3, OT__ATOM(ACK), s->pub.self, OT_ATOM(OK)));
        srv_loop(s);
    }
    /* init failed: exit; the exit hook tells the starter (init_fail). */
    if (r.action == OT_SERVER_IGNORE) {
        s->phase = SRV_IGNORED;
        ot_exit(OT_ATOM(NORMAL));
    }
    ot_exit(r.action == OT_SERVER_STOP && r.reason != OT_NONE ? r.reason : OT__ATOM(BAD_RETURN_VALUE));
}

/* What the starter waits for: the server's ack or nack. */
struct start_wait {
    ot_term pid;
    bool ack;
};

static bool start_reply(ot_term msg, void *ctx)
{
    struct start_wait *w = ctx;
    if (!ot_is_tuple(msg) || ot_tuple_arity(msg) != 3 || ot_tuple_get(msg, 1) != w->pid)
        return false;
    ot_term tag = ot_tuple_get(msg, 0);
    w->ack = tag == OT__ATOM(ACK);
    return w->ack || tag == OT__ATOM(NACK);
}

static bool exit_of(ot_term msg, void *ctx)
{
    struct start_wait *w = ctx;
    return ot_is_tuple(msg) && ot_tuple_arity(msg) == 3 && ot_tuple_get(msg, 0) == OT_ATOM(EXIT) &&
           ot_tuple_get(msg, 1) == w->pid;
}

/* proc_lib's flush_EXIT: after an unlink no EXIT of pid can arrive, so
 * one already there is all there is. */
static void flush_exit(struct start_wait *w, bool linked)
{
    if (!linked)
        return;
    ot_unlink(w->pid);
    ot_msg_free(ot_receive_if(exit_of, w, 0));
}

static int start_fail(ot_term *result, int err, ot_term reason)
{
    if (result)
        *result = reason;
    return err;
}

int ot_server_start(ot_heap *h, const ot_server_callbacks *cb, void *arg,
                    const ot_server_opts *opts, ot_term *result)
{
    ot_server_opts o = {0};
    if (opts)
        o = *opts;
    ot_term self = ot_self();
    if (!self || (!h && !(h = ot_proc_heap())))
        return start_fail(result, -EPERM, OT_ATOM(BADARG));
    if (!cb || (o.name != OT_NONE && !ot_is_atom(o.name)))
        return start_fail(result, -EINVAL, OT_ATOM(BADARG));

    struct srv *s = ot__calloc(1, sizeof *s);
    if (!s)
        return start_fail(result, -ENOMEM, OT__ATOM(SYSTEM_LIMIT));
    s->cb = cb;
    s->init_arg = arg;
    s->starter = self;
    s->pub.term = OT_ATOM(UNDEFINED);
    s->pub.parent = o.link ? self : OT_NONE;
    s->pub.name = o.name;
    s->pub.arg = o.term_arg == OT_NONE ? OT_NIL : ot__term_block_new(o.term_arg, &s->arg_block);
    if (s->pub.arg == OT_NONE) {
        srv_free(s);
        return start_fail(result, -ENOMEM, OT__ATOM(SYSTEM_LIMIT));
    }
    ot_spawn_opts so = {
        .link = o.link,
        .name = o.name,
        .label = o.label,
        .initial_call = cb->initial_call ? cb->initial_call : "proc_lib:init_p/5",
    };
    /* From here on s belongs to the server's process. */
    ot_term pid = ot__spawn_owned(srv_boot, s, &so, srv_gone);
    if (pid == OT_NONE) {
        srv_free(s);
        ot_term holder = o.name != OT_NONE ? ot_whereis(o.name) : OT_NONE;
        if (holder != OT_NONE)
            return start_fail(result, -EEXIST, ot_tuple(h, 2, OT__ATOM(ALREADY_STARTED), holder));
        return start_fail(result, -EAGAIN, OT__ATOM(SYSTEM_LIMIT));
    }

    struct start_wait w = {pid, false};
    int64_t timeout = o.timeout_ms > 0 ? o.timeout_ms : OT_INFINITY;
    ot_msg *m = ot_receive_if(start_reply, &w, timeout);
    if (!m) {
        /* proc_lib's kill_flush_EXIT, then the nack the exit hook sends. */
        if (o.link)
            ot_unlink(pid);
        ot_exit_signal(pid, OT_ATOM(KILL));
        ot_msg_free(ot_receive_if(start_reply, &w, OT_INFINITY));
        if (w.ack) {
            /* It acked just before the kill: no nack will come, so wait
             * for its end with a monitor (killed, or noproc if gone). */
            uint64_t mem[16];
            ot_heap local;
            ot__heap_init_fixed(&local, mem, 16);
            ot__await dw = {OT_NONE, ot_monitor(&local, pid), false};
            if (dw.mref != OT_NONE)
                ot_msg_free(ot_receive_if(ot__await_pred, &dw, OT_INFINITY));
            ot__heap_release_fixed(&local);
        }
        flush_exit(&w, o.link);
        return start_fail(result, -ETIMEDOUT, OT_ATOM(TIMEOUT));
    }
    if (w.ack) {
        ot_msg_free(m);
        if (result)
            *result = pid;
        return 0;
    }
    ot_term ret = ot_tuple_get(ot_msg_term(m), 2);
    int rc = ret == OT__ATOM(IGNORE) ? OT_SERVER_IGNORED : -ECANCELED;
    ot_term out = rc == OT_SERVER_IGNORED ? ret : ot_copy(h, ot_tuple_get(ret, 1));
    ot_msg_free(m);
    flush_exit(&w, o.link);
    if (out == OT_NONE)
        return start_fail(result, -ENOMEM, OT__ATOM(SYSTEM_LIMIT));
    if (result)
        *result = out;
    return rc;
}

/* ---------------------------------------------------------------- stop */

int ot_server_stop(ot_heap *h, ot_term server, ot_term reason, int64_t timeout_ms, ot_term *result)
{
    if (!ot_self() || (!h && !(h = ot_proc_heap())))
        return start_fail(result, -EPERM, OT_ATOM(BADARG));
    if ((!ot_is_pid(server) && !ot_is_atom(server)) || reason == OT_NONE)
        return start_fail(result, -EINVAL, OT_ATOM(BADARG));
    uint64_t mem[48];
    ot_heap local;
    ot__heap_init_fixed(&local, mem, sizeof mem / sizeof mem[0]);
    ot__await w = {OT_NONE, ot_monitor(&local, server), false};
    if (w.mref == OT_NONE) {
        ot__heap_release_fixed(&local);
        return start_fail(result, -ENOMEM, OT__ATOM(SYSTEM_LIMIT));
    }
    /* {system, {Self, Tag}, {terminate, Reason}}, as sys:terminate sends;
     * the stop waits for the monitor's DOWN (proc_lib:stop), not the
     * reply, so the tag is a reference of its own. */
    ot_term tag = ot_make_ref(&local);
    ot_term msg = tag == OT_NONE ? OT_NONE
        : ot_tuple(&local, 3, OT_ATOM(SYSTEM), ot_tuple(&local, 2, ot_self(), tag),
                   ot_tuple(&local, 2, OT__ATOM(TERMINATE), reason));
    int rc = msg == OT_NONE ? -ENOMEM : ot_send(server, msg);
    if (rc != 0 && rc != -ENOENT) {
        ot_demonitor(w.mref, true);
        ot__heap_release_fixed(&local);
        return start_fail(result, rc, rc == -ENOMEM ? OT__ATOM(SYSTEM_LIMIT) : OT_ATOM(BADARG));
    }
    ot_msg *m = ot_receive_if(ot__await_pred, &w, timeout_ms);
    if (!m) {
        ot_demonitor(w.mref, true);
        ot__heap_release_fixed(&local);
        return start_fail(result, -ETIMEDOUT, OT_ATOM(TIMEOUT));
    }
    /* The server's `ok` ({Tag, ok}) came before its DOWN: drop it. */
    ot__await tw = {tag, OT_NONE, false};
    ot_msg_free(ot_receive_if(ot__await_pred, &tw, 0));
    ot_term why = ot_tuple_get(ot_msg_term(m), 4);
    if (why == OT_ATOM(NOPROC))
        rc = -ESRCH;
    else if (ot_equal(why, reason))
        rc = 0;
    else
        rc = -ECONNABORTED;
    if (result)
        *result = rc == 0 ? reason : ot_copy(h, why);
    ot_msg_free(m);
    ot__heap_release_fixed(&local);
    return rc;
}

int ot_server_get_state(ot_heap *h, ot_term server, int64_t timeout_ms, ot_term *result)
{
    return ot__call_as(h, server, OT_ATOM(SYSTEM), OT__ATOM(GET_STATE), timeout_ms, result);
}
