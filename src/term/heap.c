/* heap.c — heaps (arenas of terms), shared binaries, and deep copy.
 *
 * A heap grows by blocks that double in size; nothing is freed before the
 * whole heap. Copying works from an explicit work stack rather than by
 * recursion, so that a long or deeply nested term can be copied on a small
 * process stack. */
#include <errno.h>
#include <stdlib.h>

#include "term/term_internal.h"

#define FIRST_BLOCK_WORDS 120
#define MAX_BLOCK_WORDS (1u << 20)

/* ---------------------------------------------------------------- blocks */

static ot__heapblock *block_new(size_t words)
{
    ot__heapblock *b = ot__malloc(sizeof *b + words * sizeof(uint64_t));
    if (!b)
        return NULL;
    b->prev = NULL;
    b->words = words;
    return b;
}

ot_heap *ot_heap_new(void)
{
    ot_heap *h = ot__malloc(sizeof *h);
    if (!h)
        return NULL;
    ot__heapblock *b = block_new(FIRST_BLOCK_WORDS);
    if (!b) {
        ot__free(h);
        return NULL;
    }
    h->block = b;
    h->top = b->data;
    h->end = b->data + b->words;
    h->offheap = NULL;
    h->bytes = sizeof *b + b->words * sizeof(uint64_t);
    h->fixed = false;
    h->category = -1;
    return h;
}

/* Keeps the heap's category (if any) in step with h->bytes. */
static inline void count_bytes(ot_heap *h, int64_t delta)
{
    if (h->category >= 0)
        ot__mem_add((enum ot__mem_cat)h->category, delta);
}

void ot__heap_count_as(ot_heap *h, int cat)
{
    count_bytes(h, -(int64_t)h->bytes);
    h->category = (int8_t)cat;
    count_bytes(h, (int64_t)h->bytes);
}

uint64_t *ot__heap_alloc_slow(ot_heap *h, size_t n)
{
    if (h->fixed)
        return NULL;
    size_t words = h->block ? h->block->words * 2 : FIRST_BLOCK_WORDS;
    if (words > MAX_BLOCK_WORDS)
        words = MAX_BLOCK_WORDS;
    if (words < n)
        words = n;
    ot__heapblock *b = block_new(words);
    if (!b)
        return NULL;
    b->prev = h->block;
    h->block = b;
    h->bytes += sizeof *b + words * sizeof(uint64_t);
    count_bytes(h, (int64_t)(sizeof *b + words * sizeof(uint64_t)));
    h->top = b->data + n;
    h->end = b->data + words;
    return b->data;
}

static void drop_offheap(ot_heap *h)
{
    for (ot__refcbin *r = h->offheap; r; r = r->next)
        ot__binbuf_unref(r->buf);
    h->offheap = NULL;
}

void ot_heap_free(ot_heap *h)
{
    if (!h)
        return;
    drop_offheap(h);
    count_bytes(h, -(int64_t)h->bytes);
    ot__heapblock *b = h->block;
    while (b) {
        ot__heapblock *prev = b->prev;
        ot__free(b);
        b = prev;
    }
    ot__free(h);
}

void ot_heap_reset(ot_heap *h)
{
    drop_offheap(h);
    ot__heapblock *b = h->block;
    while (b->prev) {
        ot__heapblock *prev = b->prev;
        ot__free(b);
        b = prev;
    }
    h->block = b;
    h->top = b->data;
    h->end = b->data + b->words;
    count_bytes(h, (int64_t)(sizeof *b + b->words * sizeof(uint64_t)) - (int64_t)h->bytes);
    h->bytes = sizeof *b + b->words * sizeof(uint64_t);
}

size_t ot_heap_bytes(const ot_heap *h)
{
    return h->bytes;
}

void ot__heap_init_fixed(ot_heap *h, uint64_t *mem, size_t words)
{
    h->block = NULL;
    h->top = mem;
    h->end = mem + words;
    h->offheap = NULL;
    h->bytes = words * sizeof(uint64_t);
    h->fixed = true;
    h->category = -1;
}

void ot__heap_release_fixed(ot_heap *h)
{
    drop_offheap(h);
}

void ot__offheap_release(ot__refcbin *list)
{
    for (ot__refcbin *r = list; r; r = r->next)
        ot__binbuf_unref(r->buf);
}

/* ---------------------------------------------------------------- binaries */

ot__binbuf *ot__binbuf_new(size_t size)
{
    ot__binbuf *b = ot__malloc(sizeof *b + size);
    if (!b)
        return NULL;
    atomic_init(&b->refs, 1);
    b->size = size;
    ot__mem_add(OT__MEM_BINARY, (int64_t)size);
    return b;
}

void ot__binbuf_ref(ot__binbuf *b)
{
    atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
}

void ot__binbuf_unref(ot__binbuf *b)
{
    if (atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1) {
        ot__mem_add(OT__MEM_BINARY, -(int64_t)b->size);
        ot__free(b);
    }
}

ot_term ot__refcbin_new(ot_heap *h, ot__binbuf *buf, const uint8_t *bytes, uint64_t nbits)
{
    uint64_t *p = ot__heap_alloc(h, OT__REFCBIN_WORDS);
    if (!p)
        return OT_NONE;
    p[0] = ot__hdr(OT__B_REFCBIN, nbits);
    ot__refcbin *r = (ot__refcbin *)(p + 1);
    r->buf = buf;
    r->bytes = bytes;
    r->next = h->offheap;
    h->offheap = r;
    ot__binbuf_ref(buf);
    return ot__make_boxed(p);
}

ot_term ot__binary_uninit(ot_heap *h, uint64_t nbits, uint8_t **bytes)
{
    size_t nbytes = ot__bits_to_bytes(nbits);
    if (nbytes <= OT__HEAPBIN_MAX) {
        size_t words = 1 + ot__bytes_to_words(nbytes);
        uint64_t *p = ot__heap_alloc(h, words);
        if (!p)
            return OT_NONE;
        p[words - 1] = 0; /* padding is zero, so whole words compare */
        p[0] = ot__hdr(OT__B_HEAPBIN, nbits);
        *bytes = (uint8_t *)(p + 1);
        return ot__make_boxed(p);
    }
    ot__binbuf *b = ot__binbuf_new(nbytes);
    if (!b)
        return OT_NONE;
    ot_term t = ot__refcbin_new(h, b, b->data, nbits);
    ot__binbuf_unref(b); /* the box holds the only reference now */
    if (t == OT_NONE)
        return OT_NONE;
    *bytes = b->data;
    return t;
}

/* ---------------------------------------------------------------- sizes */

size_t ot__box_words(const uint64_t *p)
{
    uint64_t size = ot__hdr_size(p[0]);
    switch (ot__hdr_kind(p[0])) {
    case OT__B_TUPLE: return 1 + (size_t)size;
    case OT__B_BIGNUM: return 1 + (size_t)(size >> 1);
    case OT__B_FLOAT: return 2;
    case OT__B_HEAPBIN: return 1 + ot__bytes_to_words(ot__bits_to_bytes(size));
    case OT__B_REFCBIN: return OT__REFCBIN_WORDS;
    case OT__B_MAP: return 1 + 2 * (size_t)size;
    case OT__B_PID: return 4;
    case OT__B_PORT: return 4;
    case OT__B_REF: return 3 + ((size_t)size + 1) / 2;
    case OT__B_FUN: return 1 + ot__bytes_to_words((size_t)size);
    default: return 1;
    }
}

/* ---------------------------------------------------------------- copy */

/* A work stack of (source, destination slot) pairs, inline first. */
typedef struct work {
    ot_term src;
    ot_term *dst;
} work;

typedef struct workstack {
    work *items;
    size_t n, cap;
    work inline_items[32];
} workstack;

static void ws_init(workstack *ws)
{
    ws->items = ws->inline_items;
    ws->n = 0;
    ws->cap = 32;
}

static bool ws_push(workstack *ws, ot_term src, ot_term *dst)
{
    if (ws->n == ws->cap) {
        size_t cap = ws->cap * 2;
        work *items = ot__malloc(cap * sizeof *items);
        if (!items)
            return false;
        memcpy(items, ws->items, ws->n * sizeof *items);
        if (ws->items != ws->inline_items)
            ot__free(ws->items);
        ws->items = items;
        ws->cap = cap;
    }
    ws->items[ws->n].src = src;
    ws->items[ws->n].dst = dst;
    ws->n++;
    return true;
}

static void ws_free(workstack *ws)
{
    if (ws->items != ws->inline_items)
        ot__free(ws->items);
}

/* Children of a boxed object that are terms: tuples elements, map keys and
 * values; everything else is flat. */
static size_t box_term_children(const uint64_t *p, const ot_term **first)
{
    uint64_t size = ot__hdr_size(p[0]);
    switch (ot__hdr_kind(p[0])) {
    case OT__B_TUPLE: *first = p + 1; return (size_t)size;
    case OT__B_MAP: *first = p + 1; return 2 * (size_t)size;
    default: *first = NULL; return 0;
    }
}

size_t ot__copy_words(ot_term t)
{
    /* Sizes need no destination: reuse the stack with NULL slots. */
    workstack ws;
    ws_init(&ws);
    size_t words = 0;
    ot_term cur = t;
    for (;;) {
        while (ot__is_cons(cur)) {
            ot_term *cell = ot__cons_ptr(cur);
            words += 2;
            if (!ot__is_small(cell[0]) && !ot__is_atom(cell[0]) && cell[0] != OT_NIL)
                if (!ws_push(&ws, cell[0], NULL))
                    goto oom;
            cur = cell[1];
        }
        if (ot__is_boxed(cur)) {
            const uint64_t *p = ot__box_ptr(cur);
            words += ot__box_words(p);
            const ot_term *kids;
            size_t n = box_term_children(p, &kids);
            for (size_t i = 0; i < n; i++)
                if (ot__is_boxed(kids[i]) || ot__is_cons(kids[i]))
                    if (!ws_push(&ws, kids[i], NULL))
                        goto oom;
        }
        if (ws.n == 0)
            break;
        cur = ws.items[--ws.n].src;
    }
    ws_free(&ws);
    return words;
oom:
    ws_free(&ws);
    return SIZE_MAX;
}

/* Copies one boxed object; pushes its term children. */
static bool copy_box(ot_heap *h, workstack *ws, const uint64_t *p, ot_term *dst)
{
    size_t words = ot__box_words(p);
    uint64_t *q = ot__heap_alloc(h, words);
    if (!q)
        return false;
    if (ot__hdr_kind(p[0]) == OT__B_REFCBIN) {
        const ot__refcbin *r = (const ot__refcbin *)(p + 1);
        q[0] = p[0];
        ot__refcbin *nr = (ot__refcbin *)(q + 1);
        nr->buf = r->buf;
        nr->bytes = r->bytes;
        nr->next = h->offheap;
        h->offheap = nr;
        ot__binbuf_ref(r->buf);
        *dst = ot__make_boxed(q);
        return true;
    }
    memcpy(q, p, words * sizeof(uint64_t));
    *dst = ot__make_boxed(q);
    const ot_term *kids;
    size_t n = box_term_children(p, &kids);
    for (size_t i = 0; i < n; i++)
        if (ot__is_boxed(kids[i]) || ot__is_cons(kids[i]))
            if (!ws_push(ws, kids[i], q + 1 + i))
                return false;
    return true;
}

ot_term ot_copy(ot_heap *h, ot_term t)
{
    if (t == OT_NONE)
        return OT_NONE;
    if (!ot__is_boxed(t) && !ot__is_cons(t))
        return t;
    workstack ws;
    ws_init(&ws);
    ot_term result = OT_NONE;
    if (!ws_push(&ws, t, &result))
        goto fail;
    while (ws.n) {
        work w = ws.items[--ws.n];
        ot_term cur = w.src;
        ot_term *dst = w.dst;
        while (ot__is_cons(cur)) {
            ot_term *cell = ot__cons_ptr(cur);
            ot_term *nc = ot__heap_alloc(h, 2);
            if (!nc)
                goto fail;
            nc[0] = cell[0];
            *dst = ot__make_cons(nc);
            if (ot__is_boxed(cell[0]) || ot__is_cons(cell[0]))
                if (!ws_push(&ws, cell[0], &nc[0]))
                    goto fail;
            dst = &nc[1];
            cur = cell[1];
        }
        if (ot__is_boxed(cur)) {
            if (!copy_box(h, &ws, ot__box_ptr(cur), dst))
                goto fail;
        } else {
            *dst = cur;
        }
    }
    ws_free(&ws);
    return result;
fail:
    ws_free(&ws);
    return OT_NONE;
}
