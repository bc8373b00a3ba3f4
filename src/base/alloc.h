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
/* Counters are kept per thread (a thread claims one of OT__MEM_SLOTS
 * slots on first use and alone writes it, with plain stores), so that
 * counting every message costs no locked instruction and no shared cache
 * line; a reader adds the slots up. Threads beyond the slots share one
 * atomic counter. */
#define OT__MEM_SLOTS 64
typedef struct ot__memslot {
    _Alignas(64) _Atomic int64_t v[OT__MEM_NCATS];
} ot__memslot;
extern ot__memslot ot__mem_slots[OT__MEM_SLOTS];
extern _Atomic int64_t ot__mem_counters[OT__MEM_NCATS];
extern _Thread_local int ot__mem_tl_slot;   /* -1: none yet, -2: none left */
int ot__mem_claim_slot(void);

static inline void ot__mem_add(enum ot__mem_cat c, int64_t delta)
{
    int s = ot__mem_tl_slot;
    if (s == -1)
        s = ot__mem_claim_slot();
    if (s >= 0) {
        _Atomic int64_t *v = &ot__mem_slots[s].v[c];
        atomic_store_explicit(v, atomic_load_explicit(v, memory_order_relaxed) + delta, memory_order_relaxed);
    } else {
        atomic_fetch_add_explicit(&ot__mem_counters[c], delta, memory_order_relaxed);
    }
}

/* ot__mem_get: the category's total over every thread. */
int64_t ot__mem_get(enum ot__mem_cat c);

#endif
