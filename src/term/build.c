/* build.c — building terms on a heap. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>

#include "term/term_internal.h"

static inline bool is_term(ot_term t) { return t != OT_NONE; }

ot_term ot_int(ot_heap *h, int64_t v)
{
    if (ot__small_fits(v))
        return ot__make_small(v);
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    return ot_bigint(h, v < 0, &mag, 1);
}

ot_term ot_uint(ot_heap *h, uint64_t v)
{
    if (v <= (uint64_t)OT__SMALL_MAX)
        return ot__make_small((int64_t)v);
    return ot_bigint(h, false, &v, 1);
}

ot_term ot_bigint(ot_heap *h, bool negative, const uint64_t *limbs, size_t n)
{
    while (n > 0 && limbs[n - 1] == 0)
        n--;
    if (n == 0)
        return ot__make_small(0);
    if (n == 1) {
        if (!negative && limbs[0] <= (uint64_t)OT__SMALL_MAX)
            return ot__make_small((int64_t)limbs[0]);
        if (negative && limbs[0] <= (uint64_t)OT__SMALL_MAX + 1)
            return ot__make_small(-(int64_t)(limbs[0] - 1) - 1);
    }
    if (!h || n > ((UINT64_C(1) << 54) - 1))
        return OT_NONE;
    uint64_t *p = ot__heap_alloc(h, 1 + n);
    if (!p)
        return OT_NONE;
    p[0] = ot__hdr(OT__B_BIGNUM, ((uint64_t)n << 1) | (negative ? 1 : 0));
    memcpy(p + 1, limbs, n * sizeof *limbs);
    return ot__make_boxed(p);
}

ot_term ot_float(ot_heap *h, double v)
{
    if (!isfinite(v) || !h)
        return OT_NONE;
    uint64_t *p = ot__heap_alloc(h, 2);
    if (!p)
        return OT_NONE;
    p[0] = ot__hdr(OT__B_FLOAT, 0);
    memcpy(&p[1], &v, sizeof v);
    return ot__make_boxed(p);
}

ot_term ot_bitstring(ot_heap *h, const void *data, size_t nbits)
{
    if (!h || (nbits && !data))
        return OT_NONE;
    uint8_t *bytes;
    ot_term t = ot__binary_uninit(h, nbits, &bytes);
    if (t == OT_NONE)
        return OT_NONE;
    size_t n = ot__bits_to_bytes(nbits);
    if (n) {
        memcpy(bytes, data, n);
        if (nbits % 8)
            bytes[n - 1] &= (uint8_t)(0xff << (8 - nbits % 8));
    }
    return t;
}

ot_term ot_binary(ot_heap *h, const void *data, size_t n)
{
    if (n > SIZE_MAX / 8)
        return OT_NONE;
    return ot_bitstring(h, data, n * 8);
}

ot_term ot_string(ot_heap *h, const char *s)
{
    return s ? ot_binary(h, s, strlen(s)) : OT_NONE;
}

ot_term ot_charlist(ot_heap *h, const char *s)
{
    if (!s || !h)
        return OT_NONE;
    size_t n = strlen(s), chars;
    if (!ot__utf8_valid((const uint8_t *)s, n, &chars))
        return OT_NONE;
    if (chars == 0)
        return OT_NIL;
    ot_term *cells = ot__heap_alloc(h, 2 * chars);
    if (!cells)
        return OT_NONE;
    size_t i = 0, k = 0;
    while (i < n) {
        uint32_t cp;
        i += ot__utf8_decode((const uint8_t *)s + i, n - i, &cp);
        cells[2 * k] = ot__make_small(cp);
        cells[2 * k + 1] = k + 1 < chars ? ot__make_cons(&cells[2 * (k + 1)]) : OT_NIL;
        k++;
    }
    return ot__make_cons(cells);
}

ot_term ot_tuplev(ot_heap *h, size_t n, const ot_term *elems)
{
    if (!h)
        return OT_NONE;
    for (size_t i = 0; i < n; i++)
        if (!is_term(elems[i]))
            return OT_NONE;
    uint64_t *p = ot__heap_alloc(h, 1 + n);
    if (!p)
        return OT_NONE;
    p[0] = ot__hdr(OT__B_TUPLE, n);
    if (n)
        memcpy(p + 1, elems, n * sizeof *elems);
    return ot__make_boxed(p);
}

ot_term ot_tuple(ot_heap *h, size_t n, ...)
{
    if (!h)
        return OT_NONE;
    uint64_t *p = ot__heap_alloc(h, 1 + n);
    if (!p)
        return OT_NONE;
    p[0] = ot__hdr(OT__B_TUPLE, n);
    va_list ap;
    va_start(ap, n);
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        p[1 + i] = va_arg(ap, ot_term);
        ok &= is_term(p[1 + i]);
    }
    va_end(ap);
    return ok ? ot__make_boxed(p) : OT_NONE;
}

ot_term ot_cons(ot_heap *h, ot_term head, ot_term tail)
{
    if (!h || !is_term(head) || !is_term(tail))
        return OT_NONE;
    ot_term *c = ot__heap_alloc(h, 2);
    if (!c)
        return OT_NONE;
    c[0] = head;
    c[1] = tail;
    return ot__make_cons(c);
}

ot_term ot_listv(ot_heap *h, size_t n, const ot_term *elems)
{
    if (n == 0)
        return OT_NIL;
    if (!h)
        return OT_NONE;
    ot_term *cells = ot__heap_alloc(h, 2 * n);
    if (!cells)
        return OT_NONE;
    for (size_t i = 0; i < n; i++) {
        if (!is_term(elems[i]))
            return OT_NONE;
        cells[2 * i] = elems[i];
        cells[2 * i + 1] = i + 1 < n ? ot__make_cons(&cells[2 * (i + 1)]) : OT_NIL;
    }
    return ot__make_cons(cells);
}

ot_term ot_list(ot_heap *h, size_t n, ...)
{
    if (n == 0)
        return OT_NIL;
    if (!h)
        return OT_NONE;
    ot_term *cells = ot__heap_alloc(h, 2 * n);
    if (!cells)
        return OT_NONE;
    va_list ap;
    va_start(ap, n);
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        cells[2 * i] = va_arg(ap, ot_term);
        ok &= is_term(cells[2 * i]);
        cells[2 * i + 1] = i + 1 < n ? ot__make_cons(&cells[2 * (i + 1)]) : OT_NIL;
    }
    va_end(ap);
    return ok ? ot__make_cons(cells) : OT_NONE;
}

ot_term ot__map_from_sorted(ot_heap *h, size_t n, const ot_term *keys, const ot_term *vals)
{
    uint64_t *p = ot__heap_alloc(h, 1 + 2 * n);
    if (!p)
        return OT_NONE;
    p[0] = ot__hdr(OT__B_MAP, n);
    if (n) {
        memcpy(p + 1, keys, n * sizeof *keys);
        memcpy(p + 1 + n, vals, n * sizeof *vals);
    }
    return ot__make_boxed(p);
}

/* Sorting pairs by key (exact order), later pairs after earlier equal ones. */
typedef struct pair_ix {
    ot_term key;
    size_t ix;
} pair_ix;

static int pair_cmp(const void *a, const void *b)
{
    const pair_ix *x = a, *y = b;
    int c = ot_compare_exact(x->key, y->key);
    if (c)
        return c;
    return x->ix < y->ix ? -1 : x->ix > y->ix;
}

ot_term ot_map(ot_heap *h, size_t n, const ot_term *keys, const ot_term *values)
{
    if (!h)
        return OT_NONE;
    for (size_t i = 0; i < n; i++)
        if (!is_term(keys[i]) || !is_term(values[i]))
            return OT_NONE;
    pair_ix *pairs = ot__malloc((n ? n : 1) * sizeof *pairs);
    if (!pairs)
        return OT_NONE;
    for (size_t i = 0; i < n; i++) {
        pairs[i].key = keys[i];
        pairs[i].ix = i;
    }
    qsort(pairs, n, sizeof *pairs, pair_cmp);
    /* Keep the last of each run of equal keys. */
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (i + 1 < n && ot_compare_exact(pairs[i].key, pairs[i + 1].key) == 0)
            continue;
        pairs[m++] = pairs[i];
    }
    uint64_t *p = ot__heap_alloc(h, 1 + 2 * m);
    if (!p) {
        ot__free(pairs);
        return OT_NONE;
    }
    p[0] = ot__hdr(OT__B_MAP, m);
    for (size_t i = 0; i < m; i++) {
        p[1 + i] = pairs[i].key;
        p[1 + m + i] = values[pairs[i].ix];
    }
    ot__free(pairs);
    return ot__make_boxed(p);
}

ot_term ot_map_put(ot_heap *h, ot_term m, ot_term key, ot_term value)
{
    if (!h || !ot_is_map(m) || !is_term(key) || !is_term(value))
        return OT_NONE;
    const uint64_t *src = ot__box_ptr(m);
    size_t n = (size_t)ot__hdr_size(src[0]);
    const ot_term *ks = src + 1, *vs = src + 1 + n;
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = ot_compare_exact(ks[mid], key);
        if (c == 0) {
            uint64_t *p = ot__heap_alloc(h, 1 + 2 * n);
            if (!p)
                return OT_NONE;
            memcpy(p, src, (1 + 2 * n) * sizeof *p);
            p[1 + n + mid] = value;
            return ot__make_boxed(p);
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    uint64_t *p = ot__heap_alloc(h, 1 + 2 * (n + 1));
    if (!p)
        return OT_NONE;
    p[0] = ot__hdr(OT__B_MAP, n + 1);
    ot_term *nk = p + 1, *nv = p + 2 + n;
    memcpy(nk, ks, lo * sizeof *nk);
    nk[lo] = key;
    memcpy(nk + lo + 1, ks + lo, (n - lo) * sizeof *nk);
    memcpy(nv, vs, lo * sizeof *nv);
    nv[lo] = value;
    memcpy(nv + lo + 1, vs + lo, (n - lo) * sizeof *nv);
    return ot__make_boxed(p);
}

ot_term ot_pid(ot_heap *h, ot_term node, uint32_t id, uint32_t serial, uint32_t creation)
{
    if (!ot__is_atom(node))
        return OT_NONE;
    if (node == ot__local_node() && creation == ot__local_creation() &&
        serial <= OT__LPID_SERIAL_MAX)
        return ot__make_lpid(id, serial);
    if (!h)
        return OT_NONE;
    uint64_t *p = ot__heap_alloc(h, 4);
    if (!p)
        return OT_NONE;
    p[0] = ot__hdr(OT__B_PID, 0);
    p[1] = node;
    p[2] = (uint64_t)id | ((uint64_t)serial << 32);
    p[3] = creation;
    return ot__make_boxed(p);
}

ot_term ot_port(ot_heap *h, ot_term node, uint64_t id, uint32_t creation)
{
    if (!h || !ot__is_atom(node))
        return OT_NONE;
    uint64_t *p = ot__heap_alloc(h, 4);
    if (!p)
        return OT_NONE;
    p[0] = ot__hdr(OT__B_PORT, 0);
    p[1] = node;
    p[2] = id;
    p[3] = creation;
    return ot__make_boxed(p);
}

ot_term ot_ref(ot_heap *h, ot_term node, uint32_t creation, const uint32_t *ids, size_t n)
{
    if (!h || !ot__is_atom(node) || n < 1 || n > 5)
        return OT_NONE;
    size_t words = 3 + (n + 1) / 2;
    uint64_t *p = ot__heap_alloc(h, words);
    if (!p)
        return OT_NONE;
    p[0] = ot__hdr(OT__B_REF, n);
    p[1] = node;
    p[2] = creation;
    for (size_t i = 0; i < (n + 1) / 2; i++) {
        uint64_t lo = ids[2 * i];
        uint64_t hi = 2 * i + 1 < n ? ids[2 * i + 1] : 0;
        p[3 + i] = lo | (hi << 32);
    }
    return ot__make_boxed(p);
}
