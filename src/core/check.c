/* check.c — the invariant checker of the core (docs/assertions.md): walks
 * the run queues, the process table, every mailbox and timer heap and the
 * registry, and says what is wrong with the first structure that breaks a
 * rule, for the tests to call where the runtime is quiet.
 *
 * The walk needs the structures to hold still. A process calls it; every
 * other scheduler is first parked in a process of its own that spins
 * until the walk is over, so that no scheduler thread changes a queue, a
 * mailbox or a process state meanwhile. Threads that are not schedulers
 * (plain threads, the I/O threads) may still send, wake and spawn: what
 * they touch is either under a lock the walk takes too (shared queues,
 * timer heaps, the registry) or only ever prepended to (inboxes, remote
 * queues). A wake-up by such a thread makes a process RUNNABLE a moment
 * before it is queued; a spawn counts a process a moment before it has a
 * state: those two findings are looked at again, a bounded number of
 * times, before they are reported. Everything else is reported at once. */
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>

#include "core/core_internal.h"

static _Thread_local char why[320];

const char *ot__check_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return why;
}

#define PIDF "<0.%u.%u>"
#define PIDA(p) ot__lpid_id((p)->pid), ot__lpid_serial((p)->pid)

/* ---------------------------------------------------------------- mailboxes */

/* Is term t (a message or reason) inside the words of its signal s? */
static bool term_in_sig(const ot__sig *s, ot_term t)
{
    if (t == OT_NONE || (!ot__is_boxed(t) && !ot__is_cons(t)))
        return true;
    const uint64_t *at = ot__is_boxed(t) ? ot__box_ptr(t) : (const uint64_t *)ot__cons_ptr(t);
    return at >= s->words && at < s->words + s->nwords;
}

const char *ot__check_mailbox(ot__proc *p)
{
    size_t len = OT__MQ_LEN(p), n = 0, bytes = 0;
    ot__sig **tail = &p->mq_head;
    for (ot__sig *s = p->mq_head; s; s = s->next) {
        if (++n > len)
            return ot__check_fail("mailbox of " PIDF ": more messages than its length %zu", PIDA(p), len);
        if (s->kind != OT__SIG_MSG)
            return ot__check_fail("mailbox of " PIDF ": message %zu is a signal of kind %u", PIDA(p), n,
                                  s->kind);
        if (!term_in_sig(s, s->term))
            return ot__check_fail("mailbox of " PIDF ": message %zu's term is outside its block", PIDA(p), n);
        bytes += OT__SIG_BYTES(s);
        tail = &s->next;
    }
    if (n != len)
        return ot__check_fail("mailbox of " PIDF ": %zu messages, length says %zu", PIDA(p), n, len);
    if (p->mq_tail != tail)
        return ot__check_fail("mailbox of " PIDF ": the tail is not the last message's link", PIDA(p));
    size_t counted = atomic_load_explicit(&p->mq_bytes, memory_order_relaxed);
    if (bytes != counted)
        return ot__check_fail("mailbox of " PIDF ": %zu bytes of messages, counted %zu", PIDA(p), bytes,
                              counted);
    /* The inbox: pushed by others (only ever prepended), drained by p. */
    ot__sig *in = atomic_load_explicit(&p->inbox, memory_order_acquire);
    uint32_t serial = atomic_load_explicit(&p->serial, memory_order_relaxed);
    size_t k = 0;
    for (ot__sig *s = in == OT__INBOX_CLOSED ? NULL : in; s; s = s->next) {
        if (++k > ((size_t)1 << 28))
            return ot__check_fail("inbox of " PIDF ": a cycle", PIDA(p));
        if (s->kind < OT__SIG_MSG || s->kind > OT__SIG_DOWN)
            return ot__check_fail("inbox of " PIDF ": a signal of unknown kind %u", PIDA(p), s->kind);
        if (s->to_serial > serial)
            return ot__check_fail("inbox of " PIDF ": a signal for a later life (%u)", PIDA(p), s->to_serial);
        if (!term_in_sig(s, s->term) || !term_in_sig(s, s->ref))
            return ot__check_fail("inbox of " PIDF ": a signal's term is outside its block", PIDA(p));
    }
    return NULL;
}

/* ---------------------------------------------------------------- timers */

const char *ot__check_timers(ot__sched *s)
{
    ot__timerheap *th = &s->timers;
    const char *bad = NULL;
    ot__spin_lock(&th->lock);
    size_t n = th->n;
    if (n > th->cap)
        bad = ot__check_fail("timers of scheduler %u: %zu timers in room for %zu", s->index + 1, n, th->cap);
    else if (atomic_load_explicit(&th->count, memory_order_relaxed) != n)
        bad = ot__check_fail("timers of scheduler %u: count %zu, heap %zu", s->index + 1,
                             atomic_load_explicit(&th->count, memory_order_relaxed), n);
    else if (n ? atomic_load_explicit(&th->first, memory_order_relaxed) != th->items[0].deadline_ns
               : atomic_load_explicit(&th->first, memory_order_relaxed) % INT64_MAX != 0) /* 0: never set */
        bad = ot__check_fail("timers of scheduler %u: the published first deadline is not the heap's",
                             s->index + 1);
    for (size_t i = 0; !bad && i < n; i++) {
        const ot__timer *t = &th->items[i];
        if (i > 0 && th->items[(i - 1) / 2].deadline_ns > t->deadline_ns)
            bad = ot__check_fail("timers of scheduler %u: entry %zu is due before its parent", s->index + 1, i);
        else if (t->msg && t->msg->kind != OT__SIG_MSG)
            bad = ot__check_fail("timers of scheduler %u: entry %zu carries a signal of kind %u", s->index + 1,
                                 i, t->msg->kind);
        else if (!t->msg && (!t->proc || t->interval_ns || t->proc != ot__proc_at(ot__lpid_id(t->pid))))
            bad = ot__check_fail("timers of scheduler %u: wake-up %zu names no process block", s->index + 1, i);
    }
    ot__spin_unlock(&th->lock);
    return bad;
}

/* ---------------------------------------------------------------- run queues */

/* What one walk found about every process block: how many run queue
 * entries and how many `current` fields name it. */
typedef struct places {
    uint32_t end;           /* ids below end were looked at */
    uint8_t *queued;
    uint8_t *current;
} places;

static const char *note_queued(places *pl, ot__proc *p, const char *queue, ot__sched *s)
{
    if (p->id == 0 || ot__proc_at(p->id) != p)
        return ot__check_fail("%s queue of scheduler %u: an entry that is no process block", queue,
                              s->index + 1);
    if (p->id >= pl->end) /* spawned by another thread since the walk began */
        return NULL;
    if (pl->queued[p->id] < 255)
        pl->queued[p->id]++;
    if (pl->queued[p->id] > 1)
        return ot__check_fail("process " PIDF " is queued twice (again in the %s queue of scheduler %u)",
                              PIDA(p), queue, s->index + 1);
    uint32_t st = atomic_load_explicit(&p->state, memory_order_acquire);
    if (st != OT__P_RUNNABLE)
        return ot__check_fail("process " PIDF " is in the %s queue of scheduler %u in state %u", PIDA(p),
                              queue, s->index + 1, st);
    return NULL;
}

/* The three queues of s (see sched.c). s is the caller's scheduler or
 * parked: its own thread touches none of them now. */
static const char *check_queues(ot__sched *s, places *pl)
{
    const char *bad;
    size_t n = 0;
    ot__proc *last = NULL;
    for (ot__proc *p = s->lq_head; p; p = p->rq_next) {
        if (++n > pl->end)
            return ot__check_fail("local queue of scheduler %u: a cycle", s->index + 1);
        if ((bad = note_queued(pl, p, "local", s)))
            return bad;
        if (p->slot && p->home != s)
            return ot__check_fail("process " PIDF " with frames on scheduler %u is queued on %u", PIDA(p),
                                  p->home ? p->home->index + 1 : 0, s->index + 1);
        last = p;
    }
    if (s->lq_tail != last)
        return ot__check_fail("local queue of scheduler %u: the tail is not the last entry", s->index + 1);
    n = 0;
    for (ot__proc *p = atomic_load_explicit(&s->remote, memory_order_acquire); p; p = p->rq_next) {
        if (++n > pl->end)
            return ot__check_fail("remote queue of scheduler %u: a cycle", s->index + 1);
        if ((bad = note_queued(pl, p, "remote", s)))
            return bad;
        if (p->slot && p->home != s)
            return ot__check_fail("remote queue of scheduler %u: process " PIDF " has frames elsewhere",
                                  s->index + 1, PIDA(p));
    }
    bad = NULL;
    n = 0;
    last = NULL;
    ot__spin_lock(&s->rq_lock);
    for (ot__proc *p = s->rq_head; p && !bad; p = p->rq_next) {
        if (++n > pl->end)
            bad = ot__check_fail("shared queue of scheduler %u: a cycle", s->index + 1);
        else if (!(bad = note_queued(pl, p, "shared", s)) && p->slot)
            bad = ot__check_fail("shared queue of scheduler %u: process " PIDF " has frames", s->index + 1,
                                 PIDA(p));
        last = p;
    }
    size_t len = atomic_load_explicit(&s->rq_len, memory_order_relaxed);
    uint64_t since = atomic_load_explicit(&s->rq_head_since, memory_order_relaxed);
    if (bad) {
    } else if (s->rq_tail != last) {
        bad = ot__check_fail("shared queue of scheduler %u: the tail is not the last entry", s->index + 1);
    } else if (n != len) {
        bad = ot__check_fail("shared queue of scheduler %u: %zu entries, length says %zu", s->index + 1, n, len);
    } else if (since != (s->rq_head ? s->rq_head->queued_at : 0)) {
        bad = ot__check_fail("shared queue of scheduler %u: the head's time is not the head's", s->index + 1);
    }
    ot__spin_unlock(&s->rq_lock);
    if (bad)
        return bad;
    /* The slots: a resident's frames are where it says. */
    for (unsigned k = 0; k < OT__SLOTS_PER_SCHED; k++) {
        ot__proc *r = s->slots[k].resident;
        if (r && (r->slot != &s->slots[k] || r->home != s))
            return ot__check_fail("slot %u of scheduler %u: its resident " PIDF " is elsewhere", k,
                                  s->index + 1, PIDA(r));
    }
    ot__proc *c = s->current;
    if (c) {
        if (c->id == 0 || c->id >= pl->end || ot__proc_at(c->id) != c)
            return ot__check_fail("scheduler %u runs something that is no process block", s->index + 1);
        pl->current[c->id]++;
    }
    return NULL;
}

/* One look at every process block. *again: the finding may be a moment
 * of a thread's wake-up or spawn, worth looking at again. */
static const char *check_table(places *pl, bool *again)
{
    const char *bad;
    size_t live = 0;
    for (uint32_t id = 1; id < pl->end; id++) {
        ot__proc *p = ot__proc_at(id);
        if (!p)
            continue;
        uint32_t st = atomic_load_explicit(&p->state, memory_order_acquire);
        unsigned q = pl->queued[id], c = pl->current[id];
        if (p->id != id)
            return ot__check_fail("process block %u says it is %u", id, p->id);
        if (st == OT__P_FREE) {
            if (q || c)
                return ot__check_fail("free process block %u is queued or running", id);
            if (p->mq_head || OT__MQ_LEN(p))
                return ot__check_fail("free process block %u has messages", id);
            continue;
        }
        live++;
        if (ot__lpid_id(p->pid) != id || ot__lpid_serial(p->pid) != atomic_load(&p->serial))
            return ot__check_fail("process block %u: its pid is not its id and serial", id);
        switch (st) {
        case OT__P_RUNNABLE:
            if (c)
                return ot__check_fail("process " PIDF " is RUNNABLE and running", PIDA(p));
            if (q != 1) {
                *again = true;
                return ot__check_fail("process " PIDF " is RUNNABLE and in no run queue", PIDA(p));
            }
            break;
        case OT__P_RUNNING:
            if (q || c != 1)
                return ot__check_fail("process " PIDF " is RUNNING but %s", PIDA(p),
                                      q ? "queued" : "no scheduler runs it");
            break;
        case OT__P_WAITING:
            if (q || c)
                return ot__check_fail("process " PIDF " is WAITING but %s", PIDA(p), q ? "queued" : "running");
            break;
        case OT__P_EXITING:
            /* Teardown runs on a scheduler thread, and every one is busy. */
            return ot__check_fail("process " PIDF " is EXITING while no teardown can run", PIDA(p));
        default:
            return ot__check_fail("process " PIDF " is in no state (%u)", PIDA(p), st);
        }
        if (p->slot) {
            ot__sched *h = p->home;
            if (!h || p->slot < h->slots || p->slot >= h->slots + OT__SLOTS_PER_SCHED)
                return ot__check_fail("process " PIDF ": its frames' slot is not its scheduler's", PIDA(p));
            if (p->slot->resident != p && (p->saved_len == 0 || p->saved_len > p->saved_cap) && !c)
                return ot__check_fail("process " PIDF ": frames neither in its slot nor saved", PIDA(p));
        }
        if ((bad = ot__check_mailbox(p)))
            return bad;
        if (p->name != OT_NONE && ot_whereis(p->name) != p->pid)
            return ot__check_fail("process " PIDF " has a name the registry does not give it", PIDA(p));
        ot__spin_lock(&p->rel_lock);
        size_t rels = 0;
        ot__relset *rs = p->rels;
        for (size_t b = 0; rs && b < rs->nbuckets; b++)
            for (ot__rel *r = rs->buckets[b]; r && rels <= rs->count; r = r->next)
                rels++;
        bool rels_ok = !rs || rels == rs->count;
        ot__spin_unlock(&p->rel_lock);
        if (!rels_ok)
            return ot__check_fail("process " PIDF ": %zu links and monitors, counted %zu", PIDA(p), rels,
                                  rs->count);
    }
    size_t counted = atomic_load(&ot__rt->live);
    if (live != counted) {
        *again = true;
        return ot__check_fail("%zu live processes, counted %zu", live, counted);
    }
    return NULL;
}

/* ---------------------------------------------------------------- parking */

static _Atomic int check_busy;
static _Atomic unsigned parked;
static _Atomic bool unpark;

static void parker(void *arg)
{
    (void)arg;
    atomic_fetch_add_explicit(&parked, 1, memory_order_acq_rel);
    while (!atomic_load_explicit(&unpark, memory_order_acquire))
        ot__cpu_relax();
}

/* Parks every scheduler but the caller's: pids in out (OT_NONE where one
 * could not be made); returns how many were made. */
static unsigned park_others(ot__sched *self, ot_term *out)
{
    unsigned made = 0;
    atomic_store(&parked, 0);
    atomic_store(&unpark, false);
    for (unsigned i = 0; i < ot__rt->nscheds; i++) {
        out[i] = OT_NONE;
        if (i == self->index)
            continue;
        ot_spawn_opts o = {.name = OT_NONE, .label = OT_NONE, .term_arg = OT_NONE,
                           .initial_call = "otter:check_parker/0", .scheduler = i + 1};
        out[i] = ot_spawn_opt(parker, NULL, &o);
        made += out[i] != OT_NONE;
    }
    while (atomic_load_explicit(&parked, memory_order_acquire) < made)
        ot_yield();
    return made;
}

static void unpark_others(const ot_term *pids)
{
    atomic_store_explicit(&unpark, true, memory_order_release);
    for (unsigned i = 0; i < ot__rt->nscheds; i++)
        while (pids[i] != OT_NONE && ot_is_alive(pids[i]))
            ot_yield();
}

/* ---------------------------------------------------------------- all */

#define AGAIN_TRIES 200

const char *ot__check_core(void)
{
    ot__proc *me = ot__proc_current();
    if (!ot__rt || !me)
        return ot__check_fail("ot__check_core: called outside a process");
    while (atomic_exchange(&check_busy, 1))
        ot_yield();
    ot__sched *self = ot__tl_sched;
    ot_term pids[1024];
    const char *bad = NULL;
    places pl = {0};
    if (ot__rt->nscheds > sizeof pids / sizeof pids[0]) {
        bad = ot__check_fail("ot__check_core: more than %zu schedulers", sizeof pids / sizeof pids[0]);
        goto out;
    }
    if (park_others(self, pids) + 1 < ot__rt->nscheds) {
        bad = ot__check_fail("ot__check_core: could not park every scheduler (no memory)");
        goto out_unpark;
    }
    for (int tries = 0; tries < AGAIN_TRIES; tries++) {
        pl.end = ot__proc_ids_end();
        ot__free(pl.queued);
        pl.queued = ot__calloc(2, pl.end);
        if (!pl.queued) {
            bad = ot__check_fail("ot__check_core: no memory to check with");
            break;
        }
        pl.current = pl.queued + pl.end;
        bad = NULL;
        for (unsigned i = 0; !bad && i < ot__rt->nscheds; i++)
            bad = check_queues(&ot__rt->scheds[i], &pl);
        for (unsigned i = 0; !bad && i < ot__rt->nscheds; i++)
            bad = ot__check_timers(&ot__rt->scheds[i]);
        if (!bad)
            bad = ot__registry_check();
        bool again = false;
        if (!bad)
            bad = check_table(&pl, &again);
        if (!bad || !again)
            break;
        sched_yield(); /* a thread between a wake-up and its queueing: let it finish */
    }
    ot__free(pl.queued);
out_unpark:
    unpark_others(pids);
out:
    atomic_store(&check_busy, 0);
    return bad;
}
