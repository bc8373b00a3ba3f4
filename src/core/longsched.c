/* longsched.c — long-schedule events: a process that ran longer than the
 * threshold without giving the scheduler a chance (C cannot be preempted at
 * arbitrary points, so it is detected and shown rather than stopped). The
 * last 256 events are kept in a ring for introspection
 * (introspect/process_info.c turns them into terms). */
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "core/core_internal.h"

#define RING OT__LONG_SCHED_KEPT

static ot__long_sched ring[RING];
static _Atomic uint64_t ring_next;
static ot__spin ring_lock;

void ot__long_sched_record(ot_term pid, int64_t at_ns, int64_t duration_ns, bool ongoing)
{
    ot__spin_lock(&ring_lock);
    uint64_t i = atomic_fetch_add(&ring_next, 1);
    ring[i % RING] = (ot__long_sched){.pid = pid, .at_ns = at_ns, .duration_ns = duration_ns, .ongoing = ongoing};
    ot__spin_unlock(&ring_lock);
}

size_t ot__long_sched_copy(ot__long_sched *out, size_t max)
{
    ot__spin_lock(&ring_lock);
    uint64_t n = atomic_load(&ring_next);
    uint64_t first = n > RING ? n - RING : 0;
    size_t k = 0;
    for (uint64_t i = first; i < n && k < max; i++)
        out[k++] = ring[i % RING];
    ot__spin_unlock(&ring_lock);
    return k;
}

/* ---------------------------------------------------------------- watchdog */

static pthread_t watchdog;
static _Atomic bool watchdog_stop;
static bool watchdog_running;
_Atomic uint32_t ot__watchdog_parked;
_Atomic uint64_t ot__watchdog_rounds;

/* Does every scheduler sleep (or is about to)? */
static bool all_asleep(ot__runtime *rt)
{
    for (unsigned i = 0; i < rt->nscheds; i++)
        if (!atomic_load_explicit(&rt->scheds[i].sleep_word, memory_order_seq_cst))
            return false;
    return true;
}

void ot__watchdog_unpark(void)
{
    if (atomic_exchange_explicit(&ot__watchdog_parked, 0, memory_order_seq_cst))
        ot__futex_wake(&ot__watchdog_parked);
}

static void *watchdog_main(void *arg)
{
    (void)arg;
    ot__runtime *rt = ot__rt;
    int64_t period = (int64_t)rt->long_schedule_ns / 2;
    if (period < 1000000)
        period = 1000000;
    struct timespec ts = {period / 1000000000, period % 1000000000};
    while (!atomic_load(&watchdog_stop)) {
        /* With every scheduler asleep there is nothing to watch: park
         * until one wakes, rather than waking this thread 200 times a
         * second on an idle node. The mark is set before the second look
         * and a waking scheduler clears its sleep word before looking at
         * the mark, so one of the two sees the other. */
        if (all_asleep(rt)) {
            atomic_store_explicit(&ot__watchdog_parked, 1, memory_order_seq_cst);
            if (all_asleep(rt) && !atomic_load(&watchdog_stop))
                ot__futex_wait(&ot__watchdog_parked, 1, -1);
            atomic_store_explicit(&ot__watchdog_parked, 0, memory_order_seq_cst);
            continue;
        }
        nanosleep(&ts, NULL);
        atomic_fetch_add_explicit(&ot__watchdog_rounds, 1, memory_order_relaxed);
        ot__sched_balance();
        uint64_t now = ot__cycles();
        double scale = ot__ns_per_cycle();
        for (unsigned i = 0; i < rt->nscheds; i++) {
            ot__sched *s = &rt->scheds[i];
            uint64_t start = atomic_load_explicit(&s->slice_start, memory_order_acquire);
            if (!start || start == s->watch_reported || now < start)
                continue;
            int64_t ran = (int64_t)((double)(now - start) * scale);
            if ((uint64_t)ran <= rt->long_schedule_ns)
                continue;
            ot_term pid = atomic_load_explicit(&s->slice_pid, memory_order_acquire);
            if (atomic_load_explicit(&s->slice_start, memory_order_acquire) != start)
                continue; /* the slice ended meanwhile: its end reports it */
            s->watch_reported = start;
            ot__long_sched_record(pid, ot__now_ns() - ran, ran, true);
        }
    }
    return NULL;
}

int ot__watchdog_start(void)
{
    atomic_store(&watchdog_stop, false);
    watchdog_running = pthread_create(&watchdog, NULL, watchdog_main, NULL) == 0;
    return watchdog_running ? 0 : -EAGAIN;
}

void ot__watchdog_stop(void)
{
    if (!watchdog_running)
        return;
    atomic_store(&watchdog_stop, true);
    ot__watchdog_unpark();
    pthread_join(watchdog, NULL);
    watchdog_running = false;
}
