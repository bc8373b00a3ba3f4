/* links.c — links, monitors and exit signals, with Erlang's rules:
 * links are bidirectional and carry a dying process's reason to its
 * partners; `kill` sent with exit/2 cannot be trapped; a process that traps
 * exits receives {:EXIT, from, reason} instead of dying; monitors deliver
 * {:DOWN, ref, :process, item, reason} once.
 *
 * Each process keeps its own relations (ot__rel list) and changes them only
 * when it handles a signal or makes a call, so no lock guards them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/core_internal.h"

enum rel_kind { REL_LINK = 1, REL_MONITOR = 2, REL_MONITORED_BY = 3 };

/* The ot__rel flags double as the kind: is_monitor => REL_MONITOR,
 * is_monitored_by => REL_MONITORED_BY, neither => REL_LINK. */
static enum rel_kind rel_kind(const ot__rel *r)
{
    return r->is_monitor ? REL_MONITOR : r->is_monitored_by ? REL_MONITORED_BY : REL_LINK;
}

/* A relation in one block (from the small-block caches, as a signal's):
 * the entry, then copies of its reference
 * and of a boxed pid (a remote pid, or {name, node} for a monitor by name),
 * which every gen:call makes twice (the caller's monitor and the server's
 * monitored-by entry). */
static ot__rel *rel_new(enum rel_kind k, ot_term pid, ot_term ref)
{
    bool boxed = !ot__is_lpid(pid) && (ot__is_boxed(pid) || ot__is_cons(pid));
    size_t wr = ref != OT_NONE && (ot__is_boxed(ref) || ot__is_cons(ref)) ? ot__copy_words(ref) : 0;
    size_t wp = boxed ? ot__copy_words(pid) : 0;
    if (wr == SIZE_MAX || wp == SIZE_MAX || wr + wp > UINT32_MAX)
        return NULL;
    size_t bytes = sizeof(ot__rel) + (wr + wp) * sizeof(uint64_t);
    ot__rel *r = ot__small_alloc(bytes);
    if (!r)
        return NULL;
    memset(r, 0, sizeof *r);
    r->is_monitor = k == REL_MONITOR;
    r->is_monitored_by = k == REL_MONITORED_BY;
    r->nwords = (uint32_t)(wr + wp);
    ot_heap h;
    ot__heap_init_fixed(&h, r->words, wr + wp);
    r->ref = ref == OT_NONE ? OT_NONE : ot_copy(&h, ref);
    r->pid = boxed ? ot_copy(&h, pid) : pid;
    /* References, pids and {name, node} never hold a shared binary: the
     * words need no heap to outlive the copy. */
    ot__heap_release_fixed(&h);
    ot__mem_add(OT__MEM_PROCESSES, (int64_t)(sizeof *r + r->nwords * sizeof(uint64_t)));
    return r;
}

static void rel_free(ot__rel *r)
{
    size_t bytes = sizeof *r + r->nwords * sizeof(uint64_t);
    ot__mem_add(OT__MEM_PROCESSES, -(int64_t)bytes);
    ot__small_free(r, bytes);
}

/* References are the keys of every monitor (and a gen:call makes and
 * drops one per call): hashed and compared by their words, which are
 * canonical (node atom, creation, packed ids), rather than through the
 * general term hash and order. */
static inline bool is_ref_box(ot_term t)
{
    return ot__is_boxed(t) && ot__box_kind(t) == OT__B_REF;
}

static inline size_t ref_box_words(ot_term t)
{
    return 3 + (ot__hdr_size(*ot__box_ptr(t)) + 1) / 2;
}

static uint64_t rel_term_hash(ot_term t)
{
    if (!is_ref_box(t))
        return ot_hash(t);
    const uint64_t *w = ot__box_ptr(t);
    uint64_t h = w[1] * 0x9e3779b97f4a7c15u;
    for (size_t i = 3, n = ref_box_words(t); i < n; i++)
        h = (h ^ w[i]) * 0x9e3779b97f4a7c15u;
    return h ^ (h >> 29);
}

static bool rel_term_equal(ot_term a, ot_term b)
{
    if (a == b)
        return true;
    if (is_ref_box(a) && is_ref_box(b)) {
        const uint64_t *x = ot__box_ptr(a), *y = ot__box_ptr(b);
        if (x[0] != y[0])
            return false;
        for (size_t i = 1, n = ref_box_words(a); i < n; i++)
            if (x[i] != y[i])
                return false;
        return true;
    }
    return ot_equal(a, b);
}

static uint64_t rel_key_hash(enum rel_kind k, ot_term pid, ot_term ref)
{
    return (ref != OT_NONE ? rel_term_hash(ref) : rel_term_hash(pid)) * 31 + (uint64_t)k;
}

static uint64_t rel_hash(const ot__rel *r)
{
    enum rel_kind k = rel_kind(r);
    return rel_key_hash(k, r->pid, k == REL_LINK ? OT_NONE : r->ref);
}

/* Finds (and with unlink, removes) a relation of kind k with pid (links)
 * or with ref (monitors). */
static ot__rel *rel_find(ot__proc *p, enum rel_kind k, ot_term pid, ot_term ref, bool unlink)
{
    ot__relset *rs = p->rels;
    if (!rs || !rs->count)
        return NULL;
    size_t b = rel_key_hash(k, pid, ref) & (rs->nbuckets - 1);
    for (ot__rel **pp = &rs->buckets[b]; *pp; pp = &(*pp)->next) {
        ot__rel *r = *pp;
        if (rel_kind(r) != k)
            continue;
        if (ref != OT_NONE ? rel_term_equal(r->ref, ref) : rel_term_equal(r->pid, pid)) {
            if (unlink) {
                ot__spin_lock(&p->rel_lock);
                *pp = r->next;
                rs->count--;
                ot__spin_unlock(&p->rel_lock);
            }
            return r;
        }
    }
    return NULL;
}

static bool rel_grow(ot__relset *rs)
{
    size_t n = rs->nbuckets ? rs->nbuckets * 2 : 8;
    ot__rel **nb = ot__calloc(n, sizeof *nb);
    if (!nb)
        return false;
    for (size_t i = 0; i < rs->nbuckets; i++) {
        ot__rel *r = rs->buckets[i];
        while (r) {
            ot__rel *next = r->next;
            size_t b = rel_hash(r) & (n - 1);
            r->next = nb[b];
            nb[b] = r;
            r = next;
        }
    }
    ot__mem_add(OT__MEM_PROCESSES, (int64_t)((n - rs->nbuckets) * sizeof *nb));
    ot__free(rs->buckets);
    rs->buckets = nb;
    rs->nbuckets = n;
    return true;
}

/* Adds r; false (r not taken) if memory runs out. */
static bool rel_insert(ot__proc *p, ot__rel *r)
{
    ot__spin_lock(&p->rel_lock);
    ot__relset *rs = p->rels;
    bool ok = true;
    if (!rs) {
        rs = ot__calloc(1, sizeof *rs);
        if (rs) {
            ot__mem_add(OT__MEM_PROCESSES, (int64_t)sizeof *rs);
            p->rels = rs;
        }
    }
    if (!rs || (rs->count >= rs->nbuckets && !rel_grow(rs) && !rs->nbuckets)) {
        ok = false;
    } else {
        size_t b = rel_hash(r) & (rs->nbuckets - 1);
        r->next = rs->buckets[b];
        rs->buckets[b] = r;
        rs->count++;
    }
    ot__spin_unlock(&p->rel_lock);
    return ok;
}

size_t ot__rels_snapshot(ot__proc *p, int kind, ot_term *out, size_t max, ot_heap *h)
{
    size_t n = 0;
    ot__spin_lock(&p->rel_lock);
    ot__relset *rs = p->rels;
    for (size_t i = 0; rs && i < rs->nbuckets; i++)
        for (ot__rel *r = rs->buckets[i]; r; r = r->next)
            if ((int)rel_kind(r) == kind) {
                if (n < max)
                    out[n] = ot_copy(h, r->pid);
                n++;
            }
    ot__spin_unlock(&p->rel_lock);
    return n;
}

ot_term ot__rels_list(ot_heap *h, ot__proc *p, int kind, ot_term tag)
{
    ot_term small[64];
    size_t n = ot__rels_snapshot(p, kind, small, 64, h);
    ot_term *items = small;
    if (n > 64) {
        items = ot__malloc(n * sizeof *items);
        if (!items)
            return OT_NONE;
        n = ot__rels_snapshot(p, kind, items, n, h); /* may have changed: take what fits */
    }
    ot_term list = OT_NIL;
    for (size_t i = n; i-- > 0;) {
        ot_term item = tag != OT_NONE ? ot_tuple(h, 2, tag, items[i]) : items[i];
        list = ot_cons(h, item, list);
    }
    if (items != small)
        ot__free(items);
    return list;
}

/* Takes every relation out of p (it is exiting), as a list. */
static ot__rel *rel_take_all(ot__proc *p)
{
    ot__spin_lock(&p->rel_lock);
    ot__relset *rs = p->rels;
    p->rels = NULL;
    ot__spin_unlock(&p->rel_lock);
    if (!rs)
        return NULL;
    ot__rel *all = NULL;
    for (size_t i = 0; i < rs->nbuckets; i++) {
        ot__rel *r = rs->buckets[i];
        while (r) {
            ot__rel *next = r->next;
            r->next = all;
            all = r;
            r = next;
        }
    }
    ot__mem_add(OT__MEM_PROCESSES, -(int64_t)(sizeof *rs + rs->nbuckets * sizeof(ot__rel *)));
    ot__free(rs->buckets);
    ot__free(rs);
    return all;
}

static void rel_push(ot__proc *p, ot__rel *r)
{
    if (!rel_insert(p, r))
        rel_free(r); /* out of memory: the relation is lost, as a dropped signal */
}

int ot__rel_add_link(ot__proc *p, ot_term other)
{
    if (rel_find(p, REL_LINK, other, OT_NONE, false))
        return 0;
    ot__rel *r = rel_new(REL_LINK, other, OT_NONE);
    if (!r)
        return -ENOMEM;
    rel_push(p, r);
    return 0;
}

ot_term ot_make_ref(ot_heap *h)
{
    static _Atomic uint64_t counter;
    if (!h)
        h = ot_proc_heap();
    if (!h)
        return OT_NONE;
    uint64_t n = atomic_fetch_add_explicit(&counter, 1, memory_order_relaxed) + 1;
    uint32_t ids[3] = {(uint32_t)(n & 0x3ffff), (uint32_t)(n >> 18), (uint32_t)(n >> 50)};
    return ot_ref(h, ot__local_node(), ot__local_creation(), ids, 3);
}

/* Used by spawn with the monitor option: both sides set up at once, the
 * target not yet running. */
ot_term ot__rel_add_monitor(ot__proc *watcher, ot_term target, ot__proc *target_p)
{
    ot_heap *h = ot_proc_heap();
    ot_term ref = ot_make_ref(h);
    if (ref == OT_NONE)
        return OT_NONE;
    ot__rel *a = rel_new(REL_MONITOR, target, ref);
    ot__rel *b = rel_new(REL_MONITORED_BY, watcher->pid, ref);
    if (!a || !b) {
        if (a)
            rel_free(a);
        if (b)
            rel_free(b);
        return OT_NONE;
    }
    rel_push(watcher, a);
    rel_push(target_p, b);
    return a->ref;
}

/* ---------------------------------------------------------------- messages */

/* Appends a message built from parts to p's own mailbox. */
/* Appends a message built from parts to p's own mailbox; it carries the
 * sequential trace token of the signal it came from (0: none). */
static void self_message(ot__proc *p, ot_term msg, uint16_t trace)
{
    if (msg == OT_NONE)
        return;
    ot__sig *m = ot__sig_new(OT__SIG_MSG, p->pid, OT_NONE, msg);
    if (m) {
        m->trace = trace;
        ot__mq_append(p, m);
    }
}

static void exit_message(ot__proc *p, ot_term from, ot_term reason, uint16_t trace)
{
    uint64_t mem[4];
    ot_heap h;
    ot__heap_init_fixed(&h, mem, 4);
    ot_term t = ot_tuple(&h, 3, OT_ATOM(EXIT), from, reason);
    self_message(p, t, trace);
}

static void down_message(ot__proc *p, ot_term ref, ot_term item, ot_term reason, uint16_t trace)
{
    uint64_t mem[6];
    ot_heap h;
    ot__heap_init_fixed(&h, mem, 6);
    ot_term t = ot_tuple(&h, 5, OT_ATOM(DOWN), ref, OT_ATOM(PROCESS), item, reason);
    self_message(p, t, trace);
}

/* Marks p to exit with reason once the current batch of signals is done. */
static void doom(ot__proc *p, ot_term reason)
{
    if (p->exit_reason != OT_NONE)
        return;
    ot_term r = ot__proc_keep(p, reason);
    p->exit_reason = r == OT_NONE ? OT_ATOM(ERROR) : r;
}

/* An exit signal arriving at p (not dying). */
static void receive_exit(ot__proc *p, ot_term from, ot_term reason, bool linked, uint16_t trace)
{
    if (!linked && reason == OT_ATOM(KILL)) {
        doom(p, OT_ATOM(KILLED));
        return;
    }
    if (p->trap_exit) {
        exit_message(p, from, reason, trace);
        return;
    }
    if (reason == OT_ATOM(NORMAL)) {
        if (!linked && from == p->pid)
            doom(p, reason);
        return;
    }
    doom(p, reason);
}

bool ot__rels_handle_signal(ot__proc *p, ot__sig *s)
{
    bool dying = atomic_load_explicit(&p->state, memory_order_relaxed) == OT__P_EXITING;
    switch (s->kind) {
    case OT__SIG_EXIT:
        if (!dying)
            receive_exit(p, s->from, s->term, false, s->trace);
        return false;
    case OT__SIG_EXIT_LINKED: {
        if (dying)
            return false;
        ot__rel *r = rel_find(p, REL_LINK, s->from, OT_NONE, true);
        if (!r)
            return false; /* unlinked meanwhile */
        rel_free(r);
        receive_exit(p, s->from, s->term, true, s->trace);
        return false;
    }
    case OT__SIG_LINK:
        if (dying)
            ot__send_signal(s->from, OT__SIG_EXIT_LINKED, p->pid, OT_NONE, p->exit_reason);
        else
            ot__rel_add_link(p, s->from);
        return false;
    case OT__SIG_UNLINK: {
        ot__rel *r = rel_find(p, REL_LINK, s->from, OT_NONE, true);
        if (r)
            rel_free(r);
        return false;
    }
    case OT__SIG_MONITOR:
        if (dying) {
            ot__send_signal(s->from, OT__SIG_DOWN, p->pid, s->ref, p->exit_reason);
        } else {
            ot__rel *r = rel_new(REL_MONITORED_BY, s->from, s->ref);
            if (r)
                rel_push(p, r);
        }
        return false;
    case OT__SIG_DEMONITOR: {
        ot__rel *r = rel_find(p, REL_MONITORED_BY, OT_NONE, s->ref, true);
        if (r)
            rel_free(r);
        return false;
    }
    case OT__SIG_DOWN: {
        if (dying)
            return false;
        ot__rel *r = rel_find(p, REL_MONITOR, OT_NONE, s->ref, true);
        if (!r)
            return false; /* demonitored meanwhile */
        down_message(p, r->ref, r->pid, s->term, s->trace);
        rel_free(r);
        return false;
    }
    default:
        return false;
    }
}

void ot__rels_on_exit(ot__proc *p, ot_term reason)
{
    ot__rel *r = rel_take_all(p);
    bool told = false;   /* a traced process's end is recorded once at least */
    while (r) {
        ot__rel *n = r->next;
        switch (rel_kind(r)) {
        case REL_LINK:
            if (p->trace)
                ot__trace_exit_signal(p, r->pid, false, reason);
            told = true;
            ot__send_signal_traced(r->pid, OT__SIG_EXIT_LINKED, p->pid, OT_NONE, reason, p->trace);
            break;
        case REL_MONITORED_BY:
            if (p->trace)
                ot__trace_exit_signal(p, r->pid, true, reason);
            told = true;
            ot__send_signal_traced(r->pid, OT__SIG_DOWN, p->pid, r->ref, reason, p->trace);
            break;
        case REL_MONITOR:
            if (ot_is_pid(r->pid) || ot__is_remote(r->pid)) /* {name, node}: another node's */
                ot__send_signal(r->pid, OT__SIG_DEMONITOR, p->pid, r->ref, OT_NONE);
            break;
        }
        rel_free(r);
        r = n;
    }
    if (p->trace && !told)
        ot__trace_exit_signal(p, OT_NONE, false, reason);   /* ends its activation */
    ot__trace_hold(p, 0);
}

/* ---------------------------------------------------------------- calls */

int ot_link(ot_term pid)
{
    ot__proc *p = ot__proc_current();
    if (!p)
        return -EPERM;
    if (!ot_is_pid(pid))
        return -EINVAL;
    if (pid == p->pid)
        return 0;
    if (rel_find(p, REL_LINK, pid, OT_NONE, false))
        return 0;
    int err = ot__rel_add_link(p, pid);
    if (err)
        return err;
    if (!ot__send_signal(pid, OT__SIG_LINK, p->pid, OT_NONE, OT_NONE)) {
        ot__rel *r = rel_find(p, REL_LINK, pid, OT_NONE, true);
        if (r)
            rel_free(r);
        /* as in ot_monitor: noconnection when no distribution layer runs */
        bool remote = !ot__is_lpid(pid) && !ot__remote_available();
        receive_exit(p, pid, remote ? OT_ATOM(NOCONNECTION) : OT_ATOM(NOPROC), true, 0);
        if (p->exit_reason != OT_NONE)
            ot__proc_exit_now(p, p->exit_reason);
    }
    ot__proc_charge(p, 1);
    return 0;
}

int ot_unlink(ot_term pid)
{
    ot__proc *p = ot__proc_current();
    if (!p)
        return -EPERM;
    if (!ot_is_pid(pid))
        return -EINVAL;
    ot__rel *r = rel_find(p, REL_LINK, pid, OT_NONE, true);
    if (r) {
        rel_free(r);
        ot__send_signal(pid, OT__SIG_UNLINK, p->pid, OT_NONE, OT_NONE);
    }
    return 0;
}

ot_term ot_monitor(ot_heap *h, ot_term target)
{
    ot__proc *p = ot__proc_current();
    if (!p)
        return OT_NONE;
    /* {name, node()} is the local name; {name, other} goes to that node */
    if (ot_is_tuple(target) && !ot__is_remote(target) && ot_tuple_arity(target) == 2 &&
        ot__is_atom(ot_tuple_get(target, 0)) && ot_tuple_get(target, 1) == ot__local_node())
        target = ot_tuple_get(target, 0);
    if (!ot_is_pid(target) && !ot__is_atom(target) && !ot__is_remote(target))
        return OT_NONE;
    if (!h)
        h = ot_proc_heap();
    ot_term ref = ot_make_ref(h);
    if (ref == OT_NONE)
        return OT_NONE;
    ot_term pid = target;
    ot_term item = target;
    if (ot__is_atom(target)) {
        pid = ot_whereis(target);
        item = ot_tuple(h, 2, target, ot__local_node());
        if (item == OT_NONE)
            return OT_NONE;
    }
    ot__rel *r = rel_new(REL_MONITOR, item, ref);
    if (!r)
        return OT_NONE;
    rel_push(p, r);
    if (pid == OT_NONE || !ot__send_signal(pid, OT__SIG_MONITOR, p->pid, ref, OT_NONE)) {
        rel_find(p, REL_MONITOR, OT_NONE, ref, true);
        /* the distribution layer answers unreachable nodes itself; without
         * it, another node's process is behind a connection that is not there */
        bool remote = pid != OT_NONE && ot__is_remote(pid) && !ot__remote_available();
        down_message(p, ref, item, remote ? OT_ATOM(NOCONNECTION) : OT_ATOM(NOPROC), 0);
        rel_free(r);
    }
    ot__proc_charge(p, 1);
    return ref;
}

int ot_demonitor(ot_term ref, bool flush)
{
    ot__proc *p = ot__proc_current();
    if (!p)
        return -EPERM;
    ot__rel *r = rel_find(p, REL_MONITOR, OT_NONE, ref, true);
    int rc = 0;
    if (r) {
        ot_term pid = ot__is_lpid(r->pid) || ot__is_remote(r->pid) ? r->pid : OT_NONE;
        if (pid == OT_NONE && ot_is_tuple(r->pid))
            pid = ot_whereis(ot_tuple_get(r->pid, 0));
        if (pid != OT_NONE)
            ot__send_signal(pid, OT__SIG_DEMONITOR, p->pid, r->ref, OT_NONE);
        rel_free(r);
    } else {
        rc = -ENOENT;
    }
    if (flush) {
        ot__proc_handle_signals(p);
        for (ot__sig **pp = &p->mq_head; *pp;) {
            ot__sig *s = *pp;
            if (ot_tuple_arity(s->term) == 5 && ot_tuple_get(s->term, 0) == OT_ATOM(DOWN) &&
                ot_equal(ot_tuple_get(s->term, 1), ref)) {
                *pp = s->next;
                if (p->mq_tail == &s->next)
                    p->mq_tail = pp;
                OT__MQ_LEN_SET(p, OT__MQ_LEN(p) - 1);
                OT__MQ_BYTES_ADD(p, -OT__SIG_BYTES(s));
                ot__sig_free(s);
                rc = 0;
                break;
            }
            pp = &s->next;
        }
    }
    return rc;
}

int ot_exit_signal(ot_term pid, ot_term reason)
{
    if (!ot_is_pid(pid) || reason == OT_NONE)
        return -EINVAL;
    ot__proc *p = ot__proc_current();
    if (p && pid == p->pid) {
        receive_exit(p, pid, reason, false, 0);
        if (p->exit_reason != OT_NONE)
            ot__proc_exit_now(p, p->exit_reason);
        return 0;
    }
    ot__send_signal(pid, OT__SIG_EXIT, p ? p->pid : OT_ATOM(UNDEFINED), OT_NONE, reason);
    if (p)
        ot__proc_charge(p, 1);
    return 0;
}
