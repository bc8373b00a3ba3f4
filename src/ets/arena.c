/* arena.c — where a table's objects live: chunks of growing size carved
 * by a bump pointer, with exact-size free lists for blocks given back, so
 * that a small object costs its own bytes and nothing more (no malloc
 * header, no rounding to 16). Blocks over ETS_SMALL_MAX bytes are separate
 * allocations. Every byte is counted for the table and in `ets`. */
#include <string.h>
#include <sys/mman.h>

#include "ets/ets_internal.h"

#define FIRST_CHUNK 1024
#define HUGE_PAGE ((size_t)2 << 20)
#define MAX_CHUNK HUGE_PAGE

void *ot__ets_big_alloc(size_t n, bool zero, void **raw)
{
    if (n < HUGE_PAGE) {
        *raw = zero ? ot__calloc(1, n) : ot__malloc(n);
        return *raw;
    }
    char *r = ot__malloc(n + HUGE_PAGE);
    if (!r)
        return NULL;
    char *p = (char *)(((uintptr_t)r + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
#ifdef MADV_HUGEPAGE
    madvise(p, n & ~(HUGE_PAGE - 1), MADV_HUGEPAGE); /* a hint: failure is harmless */
#endif
    if (zero)
        memset(p, 0, n);
    *raw = r;
    return p;
}

void ot__ets_arena_init(ets_arena *a, unsigned align)
{
    memset(a, 0, sizeof *a);
    a->align = align;
    a->next_chunk = FIRST_CHUNK;
}

static void push_free(ets_arena *a, void *p, size_t n)
{
    void *head = a->free[n / 4];
    memcpy(p, &head, sizeof head);
    a->free[n / 4] = p;
    a->free_bytes += n;
}

void *ot__ets_alloc(ets_table *t, size_t n)
{
    ets_arena *a = &t->arena;
    n = ets_round(a, n);
    if (n > ETS_SMALL_MAX) {
        void *p = ot__malloc(n);
        if (p)
            ets_account(t, (int64_t)n);
        return p;
    }
    void *p = a->free[n / 4];
    if (p) {
        memcpy(&a->free[n / 4], p, sizeof p);
        a->free_bytes -= n;
        return p;
    }
    if ((size_t)(a->end - a->top) < n) {
        size_t size = a->next_chunk;
        void *raw;
        ets_chunk *c = ot__ets_big_alloc(size, false, &raw);
        if (!c)
            return NULL;
        c->raw = raw;
        if (a->next_chunk < MAX_CHUNK)
            a->next_chunk *= 2;
        /* What is left of the old chunk serves later blocks of that size. */
        size_t rest = (size_t)(a->end - a->top) & ~(size_t)(a->align - 1);
        if (rest >= 8)
            push_free(a, a->top, rest);
        c->size = size;
        c->next = a->chunks;
        a->chunks = c;
        a->top = c->data;
        a->end = (uint8_t *)c + size;
        a->bytes += size;
        ets_account(t, (int64_t)size);
    }
    p = a->top;
    a->top += n;
    return p;
}

void ot__ets_free(ets_table *t, void *p, size_t n)
{
    ets_arena *a = &t->arena;
    n = ets_round(a, n);
    if (n > ETS_SMALL_MAX) {
        ot__free(p);
        ets_account(t, -(int64_t)n);
        return;
    }
    push_free(a, p, n);
}

void ot__ets_arena_clear(ets_table *t)
{
    ets_arena *a = &t->arena;
    ets_chunk *c = a->chunks;
    while (c) {
        ets_chunk *next = c->next;
        ets_account(t, -(int64_t)c->size);
        ot__free(c->raw);
        c = next;
    }
    ot__ets_arena_init(a, a->align);
}
