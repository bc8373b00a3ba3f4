/* alloc.c — allocation with fault injection, and the memory counters. */
#include "base/alloc.h"

#include <stdlib.h>

_Atomic int64_t ot__mem_counters[OT__MEM_NCATS];

/* Fault injection state: countdown < 0 means off. */
static _Atomic long fail_countdown = -1;
static _Atomic int fail_sticky;
static _Atomic long fail_count;

static int should_fail(void)
{
    long c = atomic_load_explicit(&fail_countdown, memory_order_relaxed);
    if (c < 0)
        return 0;
    if (c == 0) {
        if (!atomic_load(&fail_sticky))
            atomic_store(&fail_countdown, -1);
        atomic_fetch_add(&fail_count, 1);
        return 1;
    }
    atomic_fetch_sub(&fail_countdown, 1);
    return 0;
}

long ot_test_fail_alloc_after(long n, int sticky)
{
    long failed = atomic_exchange(&fail_count, 0);
    atomic_store(&fail_sticky, sticky);
    atomic_store(&fail_countdown, n < 0 ? -1 : n);
    return failed;
}

void *ot__malloc(size_t n)
{
    return should_fail() ? NULL : malloc(n);
}

void *ot__calloc(size_t count, size_t n)
{
    return should_fail() ? NULL : calloc(count, n);
}

void *ot__realloc(void *p, size_t n)
{
    return should_fail() ? NULL : realloc(p, n);
}

void ot__free(void *p)
{
    free(p);
}
