/* erpc.c — calling other nodes: ot_erpc_call (erpc:call/5) and
 * ot_spawn_remote (spawn/4), over SPAWN_REQUEST as OTP 25's erpc does.
 *
 * The request is sent with the caller's pid and a fresh ReqId; the
 * connection remembers it (an OT__DREL_SPAWN entry), turns the peer's
 * SPAWN_REPLY and, for erpc, the monitor's MONITOR_P_EXIT into messages
 * for the caller — {spawn_reply, ReqId, ok | error, X} and
 * {'DOWN', ReqId, process, Pid, Reason} — and answers them with
 * noconnection if the connection is lost first. The caller waits for
 * them with a selective receive, so its other messages stay put. */
#include <errno.h>

#include "distribution/distribution_internal.h"

/* ---------------------------------------------------------------- replies */

bool ot__rpc_spawn_reply(ot__dnode *d, ot__dmsg *m)
{
    pthread_mutex_lock(&d->lock);
    ot__drel *r = ot__drel_find(d, OT__DREL_SPAWN, OT_NONE, OT_NONE, m->ref);
    if (!r || r->local != m->to) {
        pthread_mutex_unlock(&d->lock);
        return false;
    }
    ot__drel_take(d, OT__DREL_SPAWN, OT_NONE, OT_NONE, m->ref);
    bool is_pid = ot_is_pid(m->result);
    bool monitored = is_pid && (m->flags & OT__SPAWN_FLAG_MONITOR);
    bool demonitor = false;
    if (monitored) {
        if (r->abandoned)
            demonitor = true;
        else if (!ot__drel_add(d, OT__DREL_SPAWN_MON, r->local, m->result, m->ref, OT_NONE))
            demonitor = true; /* cannot track it: stop it at its source */
    }
    pthread_mutex_unlock(&d->lock);
    uint64_t mem[16];
    ot_heap h;
    ot__heap_init_fixed(&h, mem, 16);
    if (demonitor)
        ot__dist_send_control(d->node,
                              ot_tuple(&h, 4, ot_int(&h, OT__DOP_DEMONITOR_P), r->local, m->result,
                                       m->ref),
                              OT_NONE);
    if (!r->abandoned && (!is_pid || r->want_ok))
        ot_send(r->local, ot_tuple(&h, 4, ot_atom("spawn_reply"), m->ref,
                                   is_pid ? OT_ATOM(OK) : OT_ATOM(ERROR), m->result));
    if (!r->abandoned && monitored && demonitor)
        ot_send(r->local, ot_tuple(&h, 5, OT_ATOM(DOWN), m->ref, OT_ATOM(PROCESS), m->result,
                                   ot_atom("system_limit")));
    ot__heap_release_fixed(&h);
    ot__drel_free(r);
    return true;
}

bool ot__rpc_monitor_exit(ot__dnode *d, ot__dmsg *m)
{
    pthread_mutex_lock(&d->lock);
    ot__drel *r = ot__drel_take(d, OT__DREL_SPAWN_MON, OT_NONE, OT_NONE, m->ref);
    pthread_mutex_unlock(&d->lock);
    if (!r)
        return false;
    if (!r->abandoned) {
        uint64_t mem[8];
        ot_heap h;
        ot__heap_init_fixed(&h, mem, 8);
        ot_send(r->local, ot_tuple(&h, 5, OT_ATOM(DOWN), m->ref, OT_ATOM(PROCESS), m->from,
                                   m->reason));
        ot__heap_release_fixed(&h);
    }
    ot__drel_free(r);
    return true;
}

/* ---------------------------------------------------------------- requests */

/* Sends SPAWN_REQUEST for m:f(args) to d, noting it for the caller.
 * Returns 0 or a negative errno. */
static int request(ot__dnode *d, ot_heap *h, ot_term reqid, ot_term m, ot_term f, ot_term args,
                   bool monitor, bool want_ok)
{
    ot__proc *self = ot__proc_current();
    ssize_t arity = ot_list_length(args);
    ot_term gl = ot__dist_group_leader();
    if (gl == OT_NONE)
        gl = self->pid;
    ot_term ctl = ot_tuple(h, 6, ot_int(h, OT__DOP_SPAWN_REQUEST), reqid, self->pid, gl,
                           ot_tuple(h, 3, m, f, ot_int(h, arity)),
                           monitor ? ot_list(h, 1, ot_atom("monitor")) : OT_NIL);
    if (ctl == OT_NONE)
        return -ENOMEM;
    pthread_mutex_lock(&d->lock);
    bool ok = ot__drel_add(d, OT__DREL_SPAWN, self->pid, OT_NONE, reqid, OT_NONE);
    if (ok) {
        ot__drel *r = ot__drel_find(d, OT__DREL_SPAWN, OT_NONE, OT_NONE, reqid);
        r->want_ok = want_ok;
    }
    pthread_mutex_unlock(&d->lock);
    if (!ok)
        return -ENOMEM;
    int rc = ot__dist_send_control(d->node, ctl, args);
    if (rc) {
        pthread_mutex_lock(&d->lock);
        ot__drel_free(ot__drel_take(d, OT__DREL_SPAWN, OT_NONE, OT_NONE, reqid));
        pthread_mutex_unlock(&d->lock);
    }
    return rc;
}

/* The caller gave up on reqid: forget it, stopping a monitor at its
 * source; a reply still on its way is dropped when it comes. */
static void abandon(ot__dnode *d, ot_term reqid)
{
    ot__proc *self = ot__proc_current();
    pthread_mutex_lock(&d->lock);
    ot__drel *mon = ot__drel_take(d, OT__DREL_SPAWN_MON, OT_NONE, OT_NONE, reqid);
    ot__drel *req = ot__drel_find(d, OT__DREL_SPAWN, OT_NONE, OT_NONE, reqid);
    if (req)
        req->abandoned = true;
    pthread_mutex_unlock(&d->lock);
    if (mon) {
        uint64_t mem[8];
        ot_heap h;
        ot__heap_init_fixed(&h, mem, 8);
        ot__dist_send_control(d->node,
                              ot_tuple(&h, 4, ot_int(&h, OT__DOP_DEMONITOR_P), self->pid,
                                       mon->remote, reqid),
                              OT_NONE);
        ot__heap_release_fixed(&h);
        ot__drel_free(mon);
    }
}

/* What the caller waits for: {spawn_reply, ReqId, _, _} or
 * {'DOWN', ReqId, process, _, _}. */
struct waiting {
    ot_term reqid;
    bool down_only;     /* erpc: only an error spawn_reply or the DOWN */
};

static bool answer_for(ot_term msg, void *ctx)
{
    struct waiting *w = ctx;
    size_t n = ot_tuple_arity(msg);
    if (n == 4 && ot_tuple_get(msg, 0) == ot_atom("spawn_reply"))
        return ot_equal(ot_tuple_get(msg, 1), w->reqid);
    if (n == 5 && ot_tuple_get(msg, 0) == OT_ATOM(DOWN))
        return ot_equal(ot_tuple_get(msg, 1), w->reqid);
    return false;
}

static int setup(ot_term node, ot__dnode **d)
{
    if (!ot__proc_current())
        return -EPERM;
    if (!atomic_load(&ot__self_node.alive))
        return -ENOENT;
    if (!ot__valid_node_name(node))
        return -EINVAL;
    *d = ot__dnode_get(node, true);
    return *d ? 0 : -ENOMEM;
}

static int spawn_error(ot_term atom)
{
    if (atom == ot_atom("notsup"))
        return -ENOTSUP;
    if (atom == OT_ATOM(NOCONNECTION))
        return -ENOTCONN;
    return -EPROTO;
}

int ot_erpc_call(ot_heap *h, ot_term node, ot_term m, ot_term f, ot_term args, int64_t timeout_ms,
                 ot_term *result)
{
    ot_term dummy;
    if (!result)
        result = &dummy;
    if (!h)
        h = ot_proc_heap();
    *result = OT_ATOM(BADARG);
    if (!h)
        return -EPERM;
    if (!ot_is_atom(node) || !ot_is_atom(m) || !ot_is_atom(f) || ot_list_length(args) < 0)
        return -EINVAL;
    if (node == ot__local_node()) {
        ot_term r;
        ot_rpc_class c = ot_rpc_apply(h, m, f, args, &r);
        *result = c == OT_RPC_ERROR ? ot_tuple(h, 2, r, ot__rpc_stack(h, m, f, args)) : r;
        return (int)c;
    }
    ot__dnode *d;
    int rc = setup(node, &d);
    if (rc)
        return rc;
    uint64_t mem[64];
    ot_heap local;
    ot__heap_init_fixed(&local, mem, 64);
    ot_term reqid = ot_make_ref(&local), res = ot_make_ref(&local);
    ot_term call_args = ot_list(&local, 4, res, m, f, args);
    rc = call_args == OT_NONE ? -ENOMEM
       : request(d, &local, reqid, ot_atom("erpc"), ot_atom("execute_call"), call_args, true, false);
    if (rc) {
        ot__heap_release_fixed(&local);
        *result = rc == -ENOTCONN ? OT_ATOM(NOCONNECTION) : ot_atom("system_limit");
        return rc;
    }
    struct waiting w = {reqid, true};
    ot_msg *msg = ot_receive_if(answer_for, &w, timeout_ms);
    if (!msg) {
        abandon(d, reqid);
        /* a reply that raced with the timeout is not left behind */
        ot_msg_free(ot_receive_if(answer_for, &w, 0));
        ot__heap_release_fixed(&local);
        *result = OT_ATOM(TIMEOUT);
        return -ETIMEDOUT;
    }
    ot_term t = ot_msg_term(msg);
    if (ot_tuple_arity(t) == 4) {
        ot_term why = ot_tuple_get(t, 3);
        *result = ot_copy(h, why);
        rc = spawn_error(why);
    } else {
        ot_term reason = ot_tuple_get(t, 4);
        size_t n = ot_tuple_arity(reason);
        ot_term tag = ot_tuple_get(reason, 1);
        if ((n == 3 || n == 4) && ot_equal(ot_tuple_get(reason, 0), res)) {
            ot_term v = ot_tuple_get(reason, 2);
            if (n == 3 && tag == OT_ATOM(RETURN)) {
                rc = 0;
                *result = ot_copy(h, v);
            } else if (n == 3 && tag == OT_ATOM(THROW)) {
                rc = OT_RPC_THROW;
                *result = ot_copy(h, v);
            } else if (n == 3 && tag == ot_atom("exit")) {
                rc = OT_RPC_EXIT;
                *result = ot_copy(h, v);
            } else if (n == 4 && tag == OT_ATOM(ERROR)) {
                rc = OT_RPC_ERROR;
                *result = ot_tuple(h, 2, ot_copy(h, v), ot_copy(h, ot_tuple_get(reason, 3)));
            } else if (n == 3 && tag == OT_ATOM(ERROR) && ot_tuple_arity(v) == 2 &&
                       ot_tuple_get(v, 0) == ot_atom("erpc")) {
                rc = spawn_error(ot_tuple_get(v, 1));
                *result = ot_copy(h, ot_tuple_get(v, 1));
            } else {
                rc = -ECONNABORTED;
                *result = ot_copy(h, reason);
            }
        } else if (reason == OT_ATOM(NOCONNECTION)) {
            rc = -ENOTCONN;
            *result = reason;
        } else {
            rc = -ECONNABORTED;
            *result = ot_copy(h, reason);
        }
    }
    ot_msg_free(msg);
    ot__heap_release_fixed(&local);
    if (*result == OT_NONE) {
        *result = ot_atom("system_limit");
        return -ENOMEM;
    }
    return rc;
}

/* Node.spawn on this node itself: the registered function runs in a new
 * local process, as a spawn request from elsewhere would run it. */
static void spawn_here(void *unused)
{
    (void)unused;
    ot_term mfa = ot_spawn_arg();   /* {M, F, Args} */
    ot_term result;
    ot_rpc_class c = ot_rpc_apply(ot_proc_heap(), ot_tuple_get(mfa, 0), ot_tuple_get(mfa, 1),
                                  ot_tuple_get(mfa, 2), &result);
    if (c != OT_RPC_RETURN)
        ot_exit(result);
}

ot_term ot_spawn_remote(ot_heap *h, ot_term node, ot_term m, ot_term f, ot_term args, int *err)
{
    int dummy;
    if (!err)
        err = &dummy;
    if (!h)
        h = ot_proc_heap();
    if (!h) {
        *err = -EPERM;
        return OT_NONE;
    }
    if (!ot_is_atom(node) || !ot_is_atom(m) || !ot_is_atom(f) || ot_list_length(args) < 0) {
        *err = -EINVAL;
        return OT_NONE;
    }
    if (node == ot_node()) {
        ot_spawn_opts o = {.term_arg = ot_tuple(h, 3, m, f, args)};
        ot_term pid = o.term_arg == OT_NONE ? OT_NONE : ot_spawn_opt(spawn_here, NULL, &o);
        *err = pid == OT_NONE ? -ENOMEM : 0;
        return pid;
    }
    ot__dnode *d;
    int rc = setup(node, &d);
    if (rc) {
        *err = rc;
        return OT_NONE;
    }
    uint64_t mem[32];
    ot_heap local;
    ot__heap_init_fixed(&local, mem, 32);
    ot_term reqid = ot_make_ref(&local);
    rc = request(d, &local, reqid, m, f, args, false, true);
    if (rc) {
        ot__heap_release_fixed(&local);
        *err = rc;
        return OT_NONE;
    }
    struct waiting w = {reqid, false};
    ot_msg *msg = ot_receive_if(answer_for, &w, (int64_t)ot__self_node.setup_ms * 2 + 5000);
    ot_term pid = OT_NONE;
    if (!msg) {
        abandon(d, reqid);
        ot_msg_free(ot_receive_if(answer_for, &w, 0));
        *err = -ETIMEDOUT;
    } else {
        ot_term t = ot_msg_term(msg);
        if (ot_tuple_get(t, 2) == OT_ATOM(OK)) {
            pid = ot_copy(h, ot_tuple_get(t, 3));
            *err = pid == OT_NONE ? -ENOMEM : 0;
        } else {
            *err = spawn_error(ot_tuple_get(t, 3));
        }
        ot_msg_free(msg);
    }
    ot__heap_release_fixed(&local);
    return pid;
}
