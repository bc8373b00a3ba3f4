/* alloc.c — allocation with fault injection, and the memory counters. */
#include "base/alloc.h"

#include <stdlib.h>
#include <string.h>

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

/* Fault injection state. `armed` is the fast path's only load; the
 * countdown is decremented with one atomic read-modify-write per counted
 * allocation, so that among threads racing for it exactly one sees 0. */
static _Atomic int armed;
static _Atomic long countdown;
static long armed_n;
static _Atomic int persist;
static _Atomic(const void *) scope;     /* NULL: every thread */
static _Atomic long fail_count;
static _Thread_local char thread_mark;  /* its address names the thread */
static _Thread_local unsigned long failures_here;

unsigned long ot__alloc_failures_here(void)
{
    return failures_here;
}

/* Counts a failure on this thread; returns p. */
static void *noted(void *p, size_t n)
{
    if (!p && n)
        failures_here++;
    return p;
}

static int should_fail(void)
{
    if (!atomic_load_explicit(&armed, memory_order_acquire))
        return 0;
    const void *sc = atomic_load_explicit(&scope, memory_order_relaxed);
    if (sc && sc != (const void *)&thread_mark)
        return 0;
    long c = atomic_fetch_sub(&countdown, 1);
    if (c > 0)
        return 0;
    if (c < 0 && !atomic_load_explicit(&persist, memory_order_relaxed))
        return 0;
    atomic_fetch_add(&fail_count, 1);
    return 1;
}

long ot_test_fail_alloc_after(long n, int flags)
{
    atomic_store(&armed, 0);
    long failed = atomic_exchange(&fail_count, 0);
    atomic_store(&persist, (flags & OT_TEST_FAIL_PERSIST) != 0);
    atomic_store(&scope, (flags & OT_TEST_FAIL_THIS_THREAD) ? (const void *)&thread_mark : NULL);
    atomic_store(&countdown, n);
    armed_n = n;
    if (n >= 0)
        atomic_store(&armed, 1);
    return failed;
}

long ot_test_alloc_seen(void)
{
    if (!atomic_load(&armed))
        return 0;
    return armed_n - atomic_load(&countdown);
}

void *ot__malloc(size_t n)
{
    return noted(should_fail() ? NULL : malloc(n), 1);
}

void *ot__calloc(size_t count, size_t n)
{
    return noted(should_fail() ? NULL : calloc(count, n), count * n);
}

void *ot__realloc(void *p, size_t n)
{
    return noted(should_fail() ? NULL : realloc(p, n), n);
}

void ot__free(void *p)
{
    free(p);
}

char *ot__strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *d = ot__malloc(len + 1);
    if (d) {
        memcpy(d, s, len);
        d[len] = 0;
    }
    return d;
}

char *ot__strdup(const char *s)
{
    return ot__strndup(s, SIZE_MAX);
}

/* The vital ones are neither counted nor failed: a sweep's Nth
 * allocation is always one that may fail. */
void *ot__malloc_vital(size_t n)
{
    return malloc(n);
}

void *ot__calloc_vital(size_t count, size_t n)
{
    return calloc(count, n);
}
