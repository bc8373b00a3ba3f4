/* timer.c — time: monotonic clocks, receive timeouts, sleep, send_after,
 * send_interval and cancel_timer.
 *
 * Each scheduler keeps a binary heap of timers ordered by deadline and
 * fires the due ones every time round its loop; a sleeping scheduler
 * wakes at its next deadline. A wakeup timer carries the generation of the
 * wait it belongs to, so a timer of a wait that already ended does nothing
 * (timers are never removed early, only left to expire). Left alone, those
 * stale wakeups would pile up: every receive with a timeout that gets its
 * message in time (every gen:call) leaves one behind until its deadline,
 * millions for a busy server called with the usual 5 s. So adding a wakeup
 * sweeps them out whenever the heap has doubled since the last sweep. */
#include <errno.h>
#include <stdlib.h>

#include "core/core_internal.h"

#define TIMER_REF_TAG 0x3ffffu  /* first word of a timer reference */

static _Atomic uint64_t next_timer_id = 1;

int64_t ot_monotonic_ns(void) { return ot__now_ns(); }
int64_t ot_monotonic_ms(void) { return ot__now_ns() / 1000000; }

/* ---------------------------------------------------------------- heap */

/* Makes the heap's size and earliest deadline readable without the lock;
 * called with the lock held, after every change. */
static void publish(ot__timerheap *th)
{
    OT__ASSERT(ot__spin_held(&th->lock) && th->n <= th->cap);
    atomic_store_explicit(&th->first, th->n ? th->items[0].deadline_ns : INT64_MAX,
                          memory_order_release);
    atomic_store_explicit(&th->count, th->n, memory_order_release);
}

static bool heap_push(ot__timerheap *th, const ot__timer *t)
{
    OT__ASSERT(ot__spin_held(&th->lock));
    OT__ASSERT(t->msg ? t->msg->kind == OT__SIG_MSG : t->proc != NULL && t->interval_ns == 0);
    if (th->n == th->cap) {
        size_t cap = th->cap ? th->cap * 2 : 64;
        ot__timer *items = ot__realloc(th->items, cap * sizeof *items);
        if (!items)
            return false;
        th->items = items;
        th->cap = cap;
    }
    size_t i = th->n++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (th->items[parent].deadline_ns <= t->deadline_ns)
            break;
        th->items[i] = th->items[parent];
        i = parent;
    }
    th->items[i] = *t;
    publish(th);
    return true;
}

static void heap_remove_at(ot__timerheap *th, size_t i)
{
    OT__ASSERT(ot__spin_held(&th->lock) && i < th->n);
    ot__timer last = th->items[--th->n];
    if (i == th->n) {
        publish(th);
        return;
    }
    /* Sift last down from i (or up, if it is smaller than i's parent). */
    while (i > 0 && th->items[(i - 1) / 2].deadline_ns > last.deadline_ns) {
        th->items[i] = th->items[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= th->n)
            break;
        if (c + 1 < th->n && th->items[c + 1].deadline_ns < th->items[c].deadline_ns)
            c++;
        if (th->items[c].deadline_ns >= last.deadline_ns)
            break;
        th->items[i] = th->items[c];
        i = c;
    }
    th->items[i] = last;
    publish(th);
}

/* A wakeup whose wait is over (or whose process is gone). */
static bool stale_wakeup(const ot__timer *t)
{
    return !t->msg &&
           (atomic_load_explicit(&t->proc->serial, memory_order_acquire) != ot__lpid_serial(t->pid) ||
            atomic_load_explicit(&t->proc->timer_seq, memory_order_acquire) != t->seq);
}

/* Drops the stale wakeups and rebuilds the heap: O(n), done when n has
 * doubled since the last sweep, so O(1) per timer added. Caller holds the
 * lock. (A wakeup judged live may end right after: it stays, harmless.) */
static void sweep_stale(ot__timerheap *th)
{
    OT__ASSERT(ot__spin_held(&th->lock));
    size_t k = 0;
    for (size_t i = 0; i < th->n; i++)
        if (!stale_wakeup(&th->items[i]))
            th->items[k++] = th->items[i];
    th->n = k;
    for (size_t i = k / 2; i-- > 0;) {
        ot__timer t = th->items[i];
        size_t j = i;
        for (;;) {
            size_t c = 2 * j + 1;
            if (c >= k)
                break;
            if (c + 1 < k && th->items[c + 1].deadline_ns < th->items[c].deadline_ns)
                c++;
            if (th->items[c].deadline_ns >= t.deadline_ns)
                break;
            th->items[j] = th->items[c];
            j = c;
        }
        th->items[j] = t;
    }
    publish(th);
    th->sweep_at = th->n * 2 > 1024 ? th->n * 2 : 1024;
}

static ot__timerheap *heap_of(ot__sched *s)
{
    return &(s ? s : &ot__rt->scheds[0])->timers;
}

static void wake_sched(ot__sched *s)
{
    /* A timer added from another thread may be earlier than the deadline
     * the scheduler sleeps towards: nudge it. */
    if (s && s != ot__sched_current()) {
        ot__sched_nudge(s);
    }
}

int ot__timer_wait(ot__sched *s, ot__proc *p, int64_t deadline_ns)
{
    ot__timer t = {
        .deadline_ns = deadline_ns,
        .seq = atomic_load_explicit(&p->timer_seq, memory_order_relaxed),
        .pid = p->pid,
        .proc = p,
    };
    ot__timerheap *th = heap_of(s);
    ot__spin_lock(&th->lock);
    if (th->n >= th->sweep_at)
        sweep_stale(th);
    bool ok = heap_push(th, &t);
    ot__spin_unlock(&th->lock);
    return ok ? 0 : -ENOMEM;
}

/* Fires one due timer (outside the heap lock). */
static void fire(ot__sched *s, ot__timer *t, int64_t now)
{
    if (!t->msg) {
        ot__proc *p = t->proc;
        atomic_fetch_add_explicit(&p->pins, 1, memory_order_seq_cst);
        if (atomic_load_explicit(&p->serial, memory_order_seq_cst) == ot__lpid_serial(t->pid) &&
            atomic_load_explicit(&p->timer_seq, memory_order_acquire) == t->seq) {
            atomic_store_explicit(&p->timed_out, true, memory_order_seq_cst);
            if (atomic_load_explicit(&p->state, memory_order_seq_cst) == OT__P_WAITING)
                ot__wake(p);
        }
        atomic_fetch_sub_explicit(&p->pins, 1, memory_order_release);
        return;
    }
    ot_term to = t->pid;
    ot__sig *again = NULL;
    if (t->interval_ns)
        again = ot__sig_new(OT__SIG_MSG, t->msg->from, OT_NONE, t->msg->term);
    if (ot__is_atom(to))
        to = ot_whereis(to);
    if (to == OT_NONE || !ot__deliver(to, t->msg))
        ot__sig_free(t->msg);
    if (again) {
        ot__timer n = *t;
        n.msg = again;
        n.deadline_ns = (t->deadline_ns + t->interval_ns > now) ? t->deadline_ns + t->interval_ns
                                                                 : now + t->interval_ns;
        ot__timerheap *th = &s->timers;
        ot__spin_lock(&th->lock);
        if (!heap_push(th, &n))
            ot__sig_free(again);
        ot__spin_unlock(&th->lock);
    }
}

int64_t ot__timers_run(ot__sched *s, int64_t now)
{
    ot__timerheap *th = &s->timers;
    for (;;) {
        ot__spin_lock(&th->lock);
        if (th->n == 0) {
            ot__spin_unlock(&th->lock);
            return INT64_MAX;
        }
        if (th->items[0].deadline_ns > now) {
            int64_t d = th->items[0].deadline_ns;
            ot__spin_unlock(&th->lock);
            return d;
        }
        ot__timer t = th->items[0];
        heap_remove_at(th, 0);
        ot__spin_unlock(&th->lock);
        fire(s, &t, now);
    }
}

void ot__timers_free(ot__sched *s)
{
    ot__timerheap *th = &s->timers;
    ot__spin_lock(&th->lock); /* for publish's rule: nothing else runs now */
    for (size_t i = 0; i < th->n; i++)
        ot__sig_free(th->items[i].msg);
    ot__free(th->items);
    th->items = NULL;
    th->n = th->cap = 0;
    publish(th);
    ot__spin_unlock(&th->lock);
}

/* ---------------------------------------------------------------- sleep */

void ot_sleep(int64_t ms)
{
    ot__proc *p = ot__proc_current();
    if (!p || ms < 0)
        return;
    int64_t deadline = ot__now_ns() + ms * 1000000;
    atomic_store_explicit(&p->timed_out, false, memory_order_relaxed);
    atomic_fetch_add_explicit(&p->timer_seq, 1, memory_order_release);
    if (ms == 0 || ot__timer_wait(p->home, p, deadline) != 0) {
        ot_yield();
        return;
    }
    atomic_store_explicit(&p->where, OT__IN_SLEEP, memory_order_relaxed);
    while (!atomic_load_explicit(&p->timed_out, memory_order_acquire)) {
        ot__proc_switch_out(p, OT__WANT_WAIT);
        ot__proc_handle_signals(p);
    }
    atomic_store_explicit(&p->where, OT__IN_CODE, memory_order_relaxed);
    atomic_fetch_add_explicit(&p->timer_seq, 1, memory_order_release);
    atomic_store_explicit(&p->timed_out, false, memory_order_relaxed);
}

/* ---------------------------------------------------------------- send_after */

static ot_term timer_ref(ot_heap *h, uint64_t id)
{
    uint32_t ids[3] = {TIMER_REF_TAG, (uint32_t)id, (uint32_t)(id >> 32)};
    return ot_ref(h, ot__local_node(), ot__local_creation(), ids, 3);
}

static ot_term start_timer(ot_heap *h, int64_t ms, ot_term to, ot_term msg, bool repeat)
{
    if (!ot__rt || ms < 0 || msg == OT_NONE || (!ot__is_atom(to) && !ot__is_lpid(to)))
        return OT_NONE;
    if (!h)
        h = ot_proc_heap();
    if (!h)
        return OT_NONE;
    ot__proc *self = ot__proc_current();
    ot__sig *m = ot__sig_new(OT__SIG_MSG, self ? self->pid : OT_NONE, OT_NONE, msg);
    if (!m)
        return OT_NONE;
    uint64_t id = atomic_fetch_add(&next_timer_id, 1);
    ot_term ref = timer_ref(h, id);
    ot__timer t = {
        .deadline_ns = ot__now_ns() + ms * 1000000,
        .seq = id,
        .pid = to,
        .msg = m,
        .interval_ns = repeat ? (ms > 0 ? ms : 1) * 1000000 : 0,
    };
    ot__sched *s = ot__sched_current();
    if (!s)
        s = &ot__rt->scheds[0];
    ot__timerheap *th = &s->timers;
    ot__spin_lock(&th->lock);
    bool ok = ref != OT_NONE && heap_push(th, &t);
    ot__spin_unlock(&th->lock);
    if (!ok) {
        ot__sig_free(m);
        return OT_NONE;
    }
    wake_sched(s);
    return ref;
}

ot_term ot_send_after(ot_heap *h, int64_t ms, ot_term to, ot_term msg)
{
    return start_timer(h, ms, to, msg, false);
}

ot_term ot_send_interval(ot_heap *h, int64_t ms, ot_term to, ot_term msg)
{
    return start_timer(h, ms, to, msg, true);
}

int64_t ot_cancel_timer(ot_term ref)
{
    ot_ref_parts rp;
    if (!ot__rt || ot_ref_get(ref, &rp) != 0 || rp.n != 3 || rp.ids[0] != TIMER_REF_TAG)
        return -EINVAL;
    uint64_t id = rp.ids[1] | ((uint64_t)rp.ids[2] << 32);
    for (unsigned i = 0; i < ot__rt->nscheds; i++) {
        ot__timerheap *th = &ot__rt->scheds[i].timers;
        ot__spin_lock(&th->lock);
        for (size_t k = 0; k < th->n; k++) {
            if (th->items[k].msg && th->items[k].seq == id) {
                ot__timer t = th->items[k];
                heap_remove_at(th, k);
                ot__spin_unlock(&th->lock);
                ot__sig_free(t.msg);
                int64_t left = (t.deadline_ns - ot__now_ns()) / 1000000;
                return left < 0 ? 0 : left;
            }
        }
        ot__spin_unlock(&th->lock);
    }
    return -ENOENT;
}
