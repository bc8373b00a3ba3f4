/* alloc.h — every allocation otter makes goes through here, so that tests
 * can fail the Nth allocation on demand (as SQLite's test_malloc does) and
 * so that memory categories can be counted. tests/check_alloc.sh keeps it
 * true: it fails `make test` when src/ calls malloc, calloc, realloc,
 * strdup and their kin anywhere but src/base/alloc.c. Jansson's objects
 * are allocated here too (term/json.c hands it these functions).
 *
 * ot__malloc/ot__calloc/ot__realloc behave as the libc functions, but
 * return NULL when fault injection says so. ot__free is free(): memory
 * from here may be freed with free() (the public API says "caller frees
 * with free()" of what it returns) and the other way round.
 * docs/faults.md describes the hooks and how to write a sweep. */
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
/* ot__strdup / ot__strndup: copies of s (at most n bytes) in memory from
 * ot__malloc; NULL when it fails. */
char *ot__strdup(const char *s);
char *ot__strndup(const char *s, size_t n);
/* ot__alloc_failures_here: how many allocations have failed on the
 * calling thread (injected or real), ever. For callers of a library that
 * reports running out of memory as some other error (jansson's parser
 * does): compare before and after the call. */
unsigned long ot__alloc_failures_here(void);
/* ot__malloc_vital / ot__calloc_vital: allocations that have no way to
 * fail cleanly; they go through the hook, but fault injection neither
 * counts nor fails them. Each caller says why it needs one. */
void *ot__malloc_vital(size_t n);
void *ot__calloc_vital(size_t count, size_t n);

/* Flags of ot_test_fail_alloc_after. */
enum {
    OT_TEST_FAIL_ONCE = 0,        /* fail one allocation, then none */
    OT_TEST_FAIL_PERSIST = 1,     /* fail that one and every one after */
    OT_TEST_FAIL_THIS_THREAD = 2  /* count and fail only the calling thread's */
};

/* ot_test_fail_alloc_after: let the next n allocations succeed and fail
 * the one after (n = 0: the very next one); with OT_TEST_FAIL_PERSIST
 * every later one fails too. Allocations are counted over all threads
 * (atomically: exactly one allocation is the (n+1)th), or with
 * OT_TEST_FAIL_THIS_THREAD only the calling thread's. A negative n turns
 * injection off. Returns how many allocations failed since the previous
 * call (0: the operation between the two calls never reached the fault).
 * Arming races with allocations under way in other threads: their count
 * starts with the store. (The old second argument `sticky` is the
 * OT_TEST_FAIL_PERSIST bit.) */
OT_API long ot_test_fail_alloc_after(long n, int flags);
/* ot_test_alloc_seen: how many allocations the armed counter has counted
 * since ot_test_fail_alloc_after (arm it with a large n to measure how
 * many allocations an operation makes); 0 when injection is off. */
OT_API long ot_test_alloc_seen(void);

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
