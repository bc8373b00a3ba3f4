/* signals.c — signals between processes of different nodes, both ways.
 *
 * Out: the core hands every signal for a pid of another node (or for
 * {name, node}) to ot__dist_hook_signal, which turns it into its control
 * message — SEND, REG_SEND, LINK, UNLINK_ID, EXIT, EXIT2, MONITOR_P,
 * DEMONITOR_P, MONITOR_P_EXIT — queued on the node's connection (made
 * first if there is none), and notes the links and monitors that cross
 * it so that a lost connection can fire them.
 *
 * In: ot__dist_dispatch acts on each control message the reader decoded,
 * as the core's own signals, so a remote process links, monitors and
 * exits just as a local one; a signal for a process that is gone gets
 * Erlang's answer (noproc) back over the connection. */
#include <errno.h>

#include "distribution/distribution_internal.h"

/* ---------------------------------------------------------------- helpers */

ot_term ot__dist_placeholder_pid(ot_heap *h)
{
    return ot_pid(h, ot__local_node(), 0, 0, ot__local_creation());
}

static ot_term node_of(ot_term to)
{
    ot_pid_parts pp;
    if (ot_pid_get(to, &pp) == 0)
        return pp.node;
    return ot_tuple_get(to, 1);
}

/* The process part of a destination: the pid, or the name of {name, node}. */
static ot_term proc_of(ot_term to)
{
    return ot_is_pid(to) ? to : ot_tuple_get(to, 0);
}

static bool from_peer(ot__dnode *d, ot_term pid)
{
    ot_pid_parts pp;
    return ot_pid_get(pid, &pp) == 0 && pp.node == d->node;
}

/* A node that cannot be reached: what Erlang does when the connection
 * attempt fails at once. */
static void unreachable(uint32_t kind, ot_term from, ot_term to, ot_term ref)
{
    if (!ot__is_lpid(from))
        return;
    if (kind == OT__SIG_LINK)
        ot__send_signal(from, OT__SIG_EXIT_LINKED, to, OT_NONE, OT_ATOM(NOCONNECTION));
    else if (kind == OT__SIG_MONITOR)
        ot__send_signal(from, OT__SIG_DOWN, to, ref, OT_ATOM(NOCONNECTION));
}

/* Queues a control message on d's connection, connecting when needed
 * (d->lock not held). With `later`, the packet waits for the next one
 * (or a tick) to go out with it. */
static int queue_opt(ot__dnode *d, ot_term ctl, ot_term msg, bool later)
{
    pthread_mutex_lock(&d->lock);
    uint64_t gen = 0;
    bool connect = ot__conn_start_locked(d, &gen);
    size_t start = d->out.len;
    int rc = ot__packet_put(&d->out, ctl, msg);
    bool kick = false;
    if (!rc && !later)
        ot__conn_flush_locked(d, start, &kick);
    pthread_mutex_unlock(&d->lock);
    if (!rc)
        atomic_fetch_add_explicit(&d->packets_out, 1, memory_order_relaxed);
    if (connect)
        ot__conn_spawn_connector(d, gen);
    if (kick)
        ot__conn_kick(d);
    return rc;
}

static int queue(ot__dnode *d, ot_term ctl, ot_term msg)
{
    return queue_opt(d, ctl, msg, false);
}

int ot__dist_send_control_later(ot_term node, ot_term control)
{
    ot__dnode *d = atomic_load(&ot__self_node.alive) ? ot__dnode_get(node, false) : NULL;
    if (!d)
        return -ENOTCONN;
    return queue_opt(d, control, OT_NONE, true);
}

int ot__dist_send_control(ot_term node, ot_term control, ot_term msg)
{
    if (!atomic_load(&ot__self_node.alive) || !ot__valid_node_name(node) ||
        node == ot__local_node())
        return -ENOTCONN;
    ot__dnode *d = ot__dnode_get(node, true);
    if (!d)
        return -ENOMEM;
    return queue(d, control, msg);
}

/* ---------------------------------------------------------------- out */

bool ot__dist_hook_signal(uint32_t kind, ot_term from, ot_term to, ot_term ref, ot_term term)
{
    ot_term node = node_of(to);
    if (node == ot__local_node())
        return false; /* a pid of an earlier life of this node: no such process */
    ot__dnode *d = NULL;
    if (atomic_load(&ot__self_node.alive) && ot__valid_node_name(node))
        d = ot__dnode_get(node, true);
    if (!d) {
        unreachable(kind, from, to, ref);
        return true;
    }
    uint64_t mem[24];
    ot_heap h;
    ot__heap_init_fixed(&h, mem, sizeof mem / sizeof mem[0]);
    ot_term f = ot_is_pid(from) ? from : ot__dist_placeholder_pid(&h);
    ot_term ctl = OT_NONE, msg = OT_NONE;
    bool add = false, drop = false;
    int relkind = 0;
    ot_term rlocal = from, rremote = to, rref = OT_NONE;

    pthread_mutex_lock(&d->lock);
    switch (kind) {
    case OT__SIG_MSG:
        if (ot_is_pid(to))
            ctl = ot_tuple(&h, 3, ot_int(&h, OT__DOP_SEND), OT_ATOM(EMPTY), to);
        else
            ctl = ot_tuple(&h, 4, ot_int(&h, OT__DOP_REG_SEND), f, OT_ATOM(EMPTY), proc_of(to));
        msg = term;
        break;
    case OT__SIG_LINK:
        if (!ot_is_pid(to) || !ot__is_lpid(from))
            goto none;
        ctl = ot_tuple(&h, 3, ot_int(&h, OT__DOP_LINK), from, to);
        add = true;
        relkind = OT__DREL_LINK;
        break;
    case OT__SIG_UNLINK:
        if (!ot_is_pid(to) || !ot__is_lpid(from))
            goto none;
        ctl = ot_tuple(&h, 4, ot_int(&h, OT__DOP_UNLINK_ID), ot_uint(&h, ++d->next_unlink_id), from,
                       to);
        drop = true;
        relkind = OT__DREL_LINK;
        break;
    case OT__SIG_EXIT:
        if (!ot_is_pid(to))
            goto none;
        ctl = ot_tuple(&h, 4, ot_int(&h, OT__DOP_EXIT2), f, to, term);
        break;
    case OT__SIG_EXIT_LINKED:
        if (!ot_is_pid(to))
            goto none;
        ctl = ot_tuple(&h, 4, ot_int(&h, OT__DOP_EXIT), f, to, term);
        drop = true;
        relkind = OT__DREL_LINK;
        break;
    case OT__SIG_MONITOR:
        if (!ot__is_lpid(from))
            goto none;
        ctl = ot_tuple(&h, 4, ot_int(&h, OT__DOP_MONITOR_P), from, proc_of(to), ref);
        add = true;
        relkind = OT__DREL_MON_OUT;
        rref = ref;
        break;
    case OT__SIG_DEMONITOR:
        if (!ot__is_lpid(from))
            goto none;
        ctl = ot_tuple(&h, 4, ot_int(&h, OT__DOP_DEMONITOR_P), from, proc_of(to), ref);
        drop = true;
        relkind = OT__DREL_MON_OUT;
        rref = ref;
        break;
    case OT__SIG_DOWN: {
        if (!ot_is_pid(to))
            goto none;
        /* A monitor set by name reports the name, as BEAM does. */
        ot__drel *r = ot__drel_take(d, OT__DREL_MON_IN, OT_NONE, OT_NONE, ref);
        ot_term item = r && r->name != OT_NONE ? r->name : f;
        ot__drel_free(r);
        ctl = ot_tuple(&h, 5, ot_int(&h, OT__DOP_MONITOR_P_EXIT), item, to, ref, term);
        break;
    }
    default:
        goto none;
    }
    if (add) {
        if (!ot__drel_add(d, relkind, rlocal, rremote, rref, OT_NONE)) {
            pthread_mutex_unlock(&d->lock);
            ot__heap_release_fixed(&h);
            unreachable(kind, from, to, ref); /* out of memory: as if unreachable */
            return true;
        }
    } else if (drop) {
        ot__drel_free(ot__drel_take(d, relkind, rlocal, rremote, rref));
    }
    uint64_t gen = 0;
    bool connect = ot__conn_start_locked(d, &gen);
    size_t start = d->out.len;
    int rc = ctl == OT_NONE ? -ENOMEM : ot__packet_put(&d->out, ctl, msg);
    bool kick = false;
    if (!rc)
        ot__conn_flush_locked(d, start, &kick);
    pthread_mutex_unlock(&d->lock);
    ot__heap_release_fixed(&h);
    if (!rc)
        atomic_fetch_add_explicit(&d->packets_out, 1, memory_order_relaxed);
    if (connect)
        ot__conn_spawn_connector(d, gen);
    if (kick)
        ot__conn_kick(d);
    return true;

none:
    pthread_mutex_unlock(&d->lock);
    ot__heap_release_fixed(&h);
    return true; /* nothing that can travel: dropped */
}

/* ---------------------------------------------------------------- in */

/* Delivers a message to a local pid; anything else drops it. */
static void deliver(ot_term to, ot_term msg)
{
    if (!ot__is_lpid(to))
        return;
    ot__sig *s = ot__sig_new(OT__SIG_MSG, OT_NONE, OT_NONE, msg);
    if (s && !ot__deliver(to, s))
        ot__sig_free(s);
}

/* An answer to the peer from the reader: Erlang's reply of a process
 * that is not there. */
static void answer(ot__dnode *d, ot_term ctl)
{
    queue(d, ctl, OT_NONE);
}

#define PROTO(text) do { *why = text; return -EBADMSG; } while (0)
/* A signal that names a sender must name one of the peer's own pids. */
#define FROM_PEER(op) do { if (!from_peer(d, m->from)) PROTO(op " from a pid of another node"); } while (0)

/* One handler per operation that comes in: each returns 0, or -EBADMSG
 * with *why saying what the peer got wrong. */

static int in_reg_send(ot__dnode *d, ot__dmsg *m, const char **why)
{
    FROM_PEER("REG_SEND");
    ot_term pid = ot_whereis(m->name);
    if (pid != OT_NONE)
        deliver(pid, m->msg);
    return 0;
}

/* A link from the peer, or EXIT noproc back if the pid is not here. */
static int in_link(ot__dnode *d, ot__dmsg *m, const char **why)
{
    FROM_PEER("LINK");
    bool ok = false;
    if (ot__is_lpid(m->to)) {
        pthread_mutex_lock(&d->lock);
        ok = ot__drel_add(d, OT__DREL_LINK, m->to, m->from, OT_NONE, OT_NONE);
        pthread_mutex_unlock(&d->lock);
        if (ok && !ot__send_signal(m->to, OT__SIG_LINK, m->from, OT_NONE, OT_NONE)) {
            pthread_mutex_lock(&d->lock);
            ot__drel_free(ot__drel_take(d, OT__DREL_LINK, m->to, m->from, OT_NONE));
            pthread_mutex_unlock(&d->lock);
            ok = false;
        }
    }
    if (!ok) {
        uint64_t mem[16];
        ot_heap h;
        ot__heap_init_fixed(&h, mem, sizeof mem / sizeof mem[0]);
        answer(d, ot_tuple(&h, 4, ot_int(&h, OT__DOP_EXIT), m->to, m->from, OT_ATOM(NOPROC)));
        ot__heap_release_fixed(&h);
    }
    return 0;
}

static int in_unlink(ot__dnode *d, ot__dmsg *m, const char **why)
{
    FROM_PEER("UNLINK");
    pthread_mutex_lock(&d->lock);
    ot__drel_free(ot__drel_take(d, OT__DREL_LINK, m->to, m->from, OT_NONE));
    pthread_mutex_unlock(&d->lock);
    ot__send_signal(m->to, OT__SIG_UNLINK, m->from, OT_NONE, OT_NONE);
    /* the acknowledgement goes before any other signal to the peer */
    if (m->base == OT__DOP_UNLINK_ID) {
        uint64_t mem[16];
        ot_heap h;
        ot__heap_init_fixed(&h, mem, sizeof mem / sizeof mem[0]);
        answer(d, ot_tuple(&h, 4, ot_int(&h, OT__DOP_UNLINK_ID_ACK), m->id, m->to, m->from));
        ot__heap_release_fixed(&h);
    }
    return 0;
}

static int in_exit(ot__dnode *d, ot__dmsg *m, const char **why)
{
    FROM_PEER("EXIT");
    pthread_mutex_lock(&d->lock);
    ot__drel_free(ot__drel_take(d, OT__DREL_LINK, m->to, m->from, OT_NONE));
    pthread_mutex_unlock(&d->lock);
    ot__send_signal(m->to, OT__SIG_EXIT_LINKED, m->from, OT_NONE, m->reason);
    return 0;
}

static int in_exit2(ot__dnode *d, ot__dmsg *m, const char **why)
{
    FROM_PEER("EXIT2");
    ot__send_signal(m->to, OT__SIG_EXIT, m->from, OT_NONE, m->reason);
    return 0;
}

/* A monitor from the peer (of a pid or a registered name), or
 * MONITOR_P_EXIT noproc back if there is no such process. */
static int in_monitor(ot__dnode *d, ot__dmsg *m, const char **why)
{
    FROM_PEER("MONITOR_P");
    ot_term name = ot_is_atom(m->to) ? m->to : OT_NONE;
    ot_term pid = name != OT_NONE ? ot_whereis(name) : m->to;
    bool ok = false;
    if (pid != OT_NONE && ot__is_lpid(pid)) {
        pthread_mutex_lock(&d->lock);
        ok = ot__drel_add(d, OT__DREL_MON_IN, pid, m->from, m->ref, name);
        pthread_mutex_unlock(&d->lock);
        if (ok && !ot__send_signal(pid, OT__SIG_MONITOR, m->from, m->ref, OT_NONE)) {
            pthread_mutex_lock(&d->lock);
            ot__drel_free(ot__drel_take(d, OT__DREL_MON_IN, OT_NONE, OT_NONE, m->ref));
            pthread_mutex_unlock(&d->lock);
            ok = false;
        }
    }
    if (!ok) {
        uint64_t mem[16];
        ot_heap h;
        ot__heap_init_fixed(&h, mem, sizeof mem / sizeof mem[0]);
        answer(d, ot_tuple(&h, 5, ot_int(&h, OT__DOP_MONITOR_P_EXIT), m->to, m->from, m->ref,
                           OT_ATOM(NOPROC)));
        ot__heap_release_fixed(&h);
    }
    return 0;
}

static int in_demonitor(ot__dnode *d, ot__dmsg *m, const char **why)
{
    FROM_PEER("DEMONITOR_P");
    pthread_mutex_lock(&d->lock);
    ot__drel *r = ot__drel_take(d, OT__DREL_MON_IN, OT_NONE, OT_NONE, m->ref);
    pthread_mutex_unlock(&d->lock);
    if (r)
        ot__send_signal(r->local, OT__SIG_DEMONITOR, m->from, m->ref, OT_NONE);
    ot__drel_free(r);
    return 0;
}

/* The DOWN of a monitor of ours (an erpc's, or a process's). */
static int in_monitor_exit(ot__dnode *d, ot__dmsg *m, const char **why)
{
    if (ot_is_pid(m->from))
        FROM_PEER("MONITOR_P_EXIT");
    if (ot__rpc_monitor_exit(d, m))
        return 0;
    pthread_mutex_lock(&d->lock);
    ot__drel *r = ot__drel_take(d, OT__DREL_MON_OUT, OT_NONE, OT_NONE, m->ref);
    pthread_mutex_unlock(&d->lock);
    if (r)
        ot__send_signal(r->local, OT__SIG_DOWN, m->from, m->ref, m->reason);
    ot__drel_free(r);
    return 0;
}

static int in_spawn_request(ot__dnode *d, ot__dmsg *m, const char **why)
{
    FROM_PEER("SPAWN_REQUEST");
    ot__rpc_spawn_request(d, m);
    return 0;
}

int ot__dist_dispatch(ot__dnode *d, ot__dmsg *m, const char **why)
{
    switch (m->base) {
    case OT__DOP_SEND:
        deliver(m->to, m->msg);
        return 0;
    case OT__DOP_REG_SEND:
        return in_reg_send(d, m, why);
    case OT__DOP_ALIAS_SEND:
        /* otter makes no aliases (it does not announce DFLAG_ALIAS): a
         * message to one is dropped, as BEAM drops one to a dead alias. */
        return 0;
    case OT__DOP_LINK:
        return in_link(d, m, why);
    case OT__DOP_UNLINK:
    case OT__DOP_UNLINK_ID:
        return in_unlink(d, m, why);
    case OT__DOP_UNLINK_ID_ACK:
    case OT__DOP_GROUP_LEADER:
        return 0;
    case OT__DOP_EXIT:
        return in_exit(d, m, why);
    case OT__DOP_EXIT2:
        return in_exit2(d, m, why);
    case OT__DOP_MONITOR_P:
        return in_monitor(d, m, why);
    case OT__DOP_DEMONITOR_P:
        return in_demonitor(d, m, why);
    case OT__DOP_MONITOR_P_EXIT:
        return in_monitor_exit(d, m, why);
    case OT__DOP_SPAWN_REQUEST:
        return in_spawn_request(d, m, why);
    case OT__DOP_SPAWN_REPLY:
        ot__rpc_spawn_reply(d, m);
        return 0;
    default:
        *why = "unknown operation";
        return -ENOTSUP;
    }
}

/* ---------------------------------------------------------------- lost */

void ot__dist_fire(ot__dnode *d, ot__drel *r)
{
    (void)d;
    while (r) {
        ot__drel *n = r->next;
        uint64_t mem[8];
        ot_heap h;
        ot__heap_init_fixed(&h, mem, 8);
        switch (r->kind) {
        case OT__DREL_LINK:
            ot__send_signal(r->local, OT__SIG_EXIT_LINKED, r->remote, OT_NONE,
                            OT_ATOM(NOCONNECTION));
            break;
        case OT__DREL_MON_OUT:
            ot__send_signal(r->local, OT__SIG_DOWN, r->remote, r->ref, OT_ATOM(NOCONNECTION));
            break;
        case OT__DREL_MON_IN:
            ot__send_signal(r->local, OT__SIG_DEMONITOR, r->remote, r->ref, OT_NONE);
            break;
        case OT__DREL_SPAWN:
            if (!r->abandoned)
                ot_send(r->local, ot_tuple(&h, 4, ot_atom("spawn_reply"), r->ref, OT_ATOM(ERROR),
                                           OT_ATOM(NOCONNECTION)));
            break;
        case OT__DREL_SPAWN_MON:
            if (!r->abandoned)
                ot_send(r->local, ot_tuple(&h, 5, OT_ATOM(DOWN), r->ref, OT_ATOM(PROCESS), r->remote,
                                           OT_ATOM(NOCONNECTION)));
            break;
        }
        ot__heap_release_fixed(&h);
        ot__drel_free(r);
        r = n;
    }
}
