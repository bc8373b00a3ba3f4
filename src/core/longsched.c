/* longsched.c — long-schedule events: a process that ran longer than the
 * threshold without giving the scheduler a chance (C cannot be preempted at
 * arbitrary points, so it is detected and shown rather than stopped). The
 * last 256 events are kept in a ring for introspection. */
#include "core/core_internal.h"

#define RING 256

static ot__long_sched ring[RING];
static _Atomic uint64_t ring_next;
static ot__spin ring_lock;

void ot__long_sched_record(ot_term pid, int64_t at_ns, int64_t duration_ns)
{
    ot__spin_lock(&ring_lock);
    uint64_t i = atomic_fetch_add(&ring_next, 1);
    ring[i % RING] = (ot__long_sched){.pid = pid, .at_ns = at_ns, .duration_ns = duration_ns};
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
