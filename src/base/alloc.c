/* alloc.c — allocation with fault injection, and the memory counters. */
#include "base/alloc.h"

#include <stdlib.h>

_Atomic int64_t ot__mem_counters[OT__MEM_NCATS];
ot__memslot ot__mem_slots[OT__MEM_SLOTS];
_Thread_local int ot__mem_tl_slot = -1;
static _Atomic int slots_claimed;

int ot__mem_claim_slot(void)
{
    int s = atomic_fetch_add(&slots_claimed, 1);
    ot__mem_tl_slot = s < OT__MEM_SLOTS ? s : -2;
    return ot__mem_tl_slot;
}

int64_t ot__mem_get(enum ot__mem_cat c)
{
    int64_t sum = atomic_load_explicit(&ot__mem_counters[c], memory_order_relaxed);
    int n = atomic_load(&slots_claimed);
    for (int s = 0; s < n && s < OT__MEM_SLOTS; s++)
        sum += atomic_load_explicit(&ot__mem_slots[s].v[c], memory_order_relaxed);
    return sum;
}

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
