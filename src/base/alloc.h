/* alloc.h — every allocation otter makes goes through here, so that tests
 * can fail the Nth allocation on demand (as SQLite's test_malloc does) and
 * so that memory categories can be counted.
 *
 * ot__malloc/ot__calloc/ot__realloc behave as the libc functions, but
 * return NULL when fault injection says so. ot__free is free(). */
#ifndef OTTER_BASE_ALLOC_H
#define OTTER_BASE_ALLOC_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "otter/base.h"

void *ot__malloc(size_t n);
void *ot__calloc(size_t count, size_t n);
void *ot__realloc(void *p, size_t n);
void ot__free(void *p);

/* ot_test_fail_alloc_after: make the allocation after the next n succeed
 * fail (n = 0: the very next one), and keep failing if `sticky`; a negative
 * n turns injection off. Returns how many allocations failed since the last
 * call. Test builds only; thread-safe. */
OT_API long ot_test_fail_alloc_after(long n, int sticky);

/* Memory categories of ot_memory() that the lower layers count, in bytes.
 * Updated with relaxed atomics: cheap, and exact once writers are quiet. */
enum ot__mem_cat {
    OT__MEM_BINARY,     /* bytes of shared (refc) binaries */
    OT__MEM_ATOM,       /* atom table: allocated */
    OT__MEM_ATOM_USED,  /* atom table: used by atom texts */
    OT__MEM_ETS,        /* tables */
    OT__MEM_PROCESSES,  /* process control blocks, stacks, heaps, mailboxes */
    OT__MEM_PROCESSES_USED,
    OT__MEM_SYSTEM_OTHER,
    OT__MEM_NCATS
};
extern _Atomic int64_t ot__mem_counters[OT__MEM_NCATS];

static inline void ot__mem_add(enum ot__mem_cat c, int64_t delta)
{
    atomic_fetch_add_explicit(&ot__mem_counters[c], delta, memory_order_relaxed);
}
static inline int64_t ot__mem_get(enum ot__mem_cat c)
{
    return atomic_load_explicit(&ot__mem_counters[c], memory_order_relaxed);
}

#endif
