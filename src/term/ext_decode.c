/* ext_decode.c — Erlang's external term format to terms, for untrusted
 * bytes.
 *
 * Accepts what OTP 25's binary_to_term/1 accepts: every tag OTP 25 writes,
 * the older ones (ATOM_EXT, SMALL_ATOM_EXT, PID_EXT, PORT_EXT,
 * REFERENCE_EXT, NEW_REFERENCE_EXT, FLOAT_EXT, V4_PORT_EXT) and a
 * compressed term (tag 80, zlib) as the outermost term. It rejects what
 * BEAM rejects: invalid UTF-8 in atoms, atoms over 255 characters, NaN and
 * infinite floats, BIT_BINARY_EXT bit counts outside 1..8 (0 only for an
 * empty bitstring), duplicate map keys, a compressed payload that does not
 * inflate to its stated size. Integers are normalised (a big that fits a
 * small integer becomes one) and map keys sorted with ot_compare_exact.
 * Deviations from BEAM, all on the strict side: references need 1 to 5
 * words (BEAM also takes 0 in NEW_REFERENCE_EXT), an EXPORT_EXT arity must
 * be 0..255, a NEW_FUN_EXT Size field must match its bytes.
 *
 * Funs are opaque: a fun's fields and free variables are decoded (so they
 * are validated and count toward the limits) and the fun is kept as its
 * re-encoding with UTF-8 atoms, so equal funs have equal bytes whatever
 * atom encoding they arrived in; ext_encode.c writes them back.
 *
 * Nothing recurses: containers are frames on an explicit stack; a tuple's
 * last element and a list's tail are decoded after their frame is popped.
 * Counts read from the input are checked against the bytes left before
 * anything is allocated for them (every term takes at least one byte), so
 * memory stays proportional to the input. On failure the heap is rolled
 * back to where it was, shared binaries taken since released. */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <zlib.h>

#include "term/ext.h"
#include "term/term_internal.h"


#define DEFAULT_MAX_DEPTH 10000
#define DEFAULT_MAX_BYTES ((size_t)64 << 20)
/* Old reference formats carry an 18-bit first word. */
#define OLD_REF_FIRST_MAX 0x3ffffu
/* Maps up to this size are sorted in place by insertion. */
#define SMALL_SORT 32

/* "unknown tag N" for every byte value, so that err->what stays static. */
#define UT_S(x) "unknown tag " #x
#define UT(x) UT_S(x),
#define UT10(p) UT(p##0) UT(p##1) UT(p##2) UT(p##3) UT(p##4) \
                UT(p##5) UT(p##6) UT(p##7) UT(p##8) UT(p##9)
static const char *const unknown_tag[256] = {
    UT(0) UT(1) UT(2) UT(3) UT(4) UT(5) UT(6) UT(7) UT(8) UT(9)
    UT10(1) UT10(2) UT10(3) UT10(4) UT10(5) UT10(6) UT10(7) UT10(8) UT10(9)
    UT10(10) UT10(11) UT10(12) UT10(13) UT10(14) UT10(15) UT10(16) UT10(17)
    UT10(18) UT10(19) UT10(20) UT10(21) UT10(22) UT10(23) UT10(24)
    UT(250) UT(251) UT(252) UT(253) UT(254) UT(255)
};

/* ---------------------------------------------------------------- state */

enum { K_TUPLE, K_LIST, K_MAP, K_FUN, K_EXPORT };

/* A container whose children are being decoded. */
typedef struct dframe {
    unsigned kind;
    size_t depth;      /* nesting depth of the container itself */
    size_t next;       /* index of the next child */
    size_t n;          /* children: tuple arity, list elements + 1 (tail),
                          2 * map pairs, fun fields + free variables */
    ot_term *base;     /* tuple elements, list cells, map keys, fun fields */
    ot_term *dst;      /* list tail slot; map/fun: where the result goes */
    size_t start;      /* input offset of the container's tag */
} dframe;

typedef struct dec {
    const uint8_t *buf;
    size_t len;        /* bytes that may be read: min(input, max_bytes) */
    size_t real_len;   /* bytes of the input */
    size_t pos;
    bool zipped;       /* reading a decompressed payload */
    size_t zip_off;    /* input offset of the compressed stream */
    ot_heap *h;
    size_t max_depth;
    bool no_new_atoms;
    ot_decode_error *err;
    dframe *stack;
    size_t sp, cap;
    dframe inline_stack[16];
} dec;

/* Records a failure at input offset off (an offset in the decompressed
 * payload is reported as the offset of the compressed stream). */
static int fail(dec *d, int rc, size_t off, const char *what)
{
    if (d->err) {
        d->err->offset = d->zipped ? d->zip_off : off;
        d->err->what = what;
    }
    return rc;
}

/* Are n more bytes readable at the current position? */
static int need(dec *d, size_t n)
{
    if (d->len - d->pos >= n)
        return 0;
    if (d->real_len - d->pos >= n)
        return fail(d, -E2BIG, d->pos, "term larger than max_bytes");
    return fail(d, -EBADMSG, d->pos, "truncated");
}

/* Could `count` terms (at least a byte each) follow? Checked before
 * allocating room for them; off is where the count was read. */
static int room_for(dec *d, uint64_t count, size_t off)
{
    if (d->len - d->pos >= count)
        return 0;
    if (d->real_len - d->pos >= count)
        return fail(d, -E2BIG, off, "term larger than max_bytes");
    return fail(d, -EBADMSG, off, "count larger than the bytes left");
}

static inline uint8_t rd8(dec *d) { return d->buf[d->pos++]; }

static inline uint16_t rd16(dec *d)
{
    const uint8_t *p = d->buf + d->pos;
    d->pos += 2;
    return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rd32(dec *d)
{
    const uint8_t *p = d->buf + d->pos;
    d->pos += 4;
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t rd64(dec *d)
{
    uint64_t hi = rd32(d);
    return hi << 32 | rd32(d);
}

static int oom(dec *d, size_t off)
{
    return fail(d, -ENOMEM, off, "out of memory");
}

/* ---------------------------------------------------------------- heap rollback */

typedef struct heap_mark {
    ot__heapblock *block;
    uint64_t *top, *end;
    ot__refcbin *offheap;
    size_t bytes;
} heap_mark;

static heap_mark heap_save(const ot_heap *h)
{
    return (heap_mark){ h->block, h->top, h->end, h->offheap, h->bytes };
}

/* Frees what was allocated on h since m and drops binary references taken
 * since, leaving h as it was. */
static void heap_rollback(ot_heap *h, const heap_mark *m)
{
    for (ot__refcbin *r = h->offheap; r && r != m->offheap; r = r->next)
        ot__binbuf_unref(r->buf);
    h->offheap = m->offheap;
    while (h->block != m->block) {
        ot__heapblock *prev = h->block->prev;
        ot__free(h->block);
        h->block = prev;
    }
    h->top = m->top;
    h->end = m->end;
    h->bytes = m->bytes;
}

/* ---------------------------------------------------------------- atoms */

/* Interns (or looks up) the atom of n bytes at s, Latin-1 or UTF-8. */
static int make_atom(dec *d, const uint8_t *s, size_t n, bool latin1, size_t off, ot_term *out)
{
    uint8_t conv[2 * OT_ATOM_MAX_CHARS];
    const char *text = (const char *)s;
    size_t len = n;
    if (latin1) {
        if (n > OT_ATOM_MAX_CHARS)
            return fail(d, -EBADMSG, off, "atom longer than 255 characters");
        len = 0;
        for (size_t i = 0; i < n; i++) {
            if (s[i] < 0x80) {
                conv[len++] = s[i];
            } else {
                conv[len++] = (uint8_t)(0xc0 | (s[i] >> 6));
                conv[len++] = (uint8_t)(0x80 | (s[i] & 0x3f));
            }
        }
        text = (const char *)conv;
    } else {
        size_t chars;
        if (n > 4 * OT_ATOM_MAX_CHARS)
            return fail(d, -EBADMSG, off, "atom longer than 255 characters");
        if (!ot__utf8_valid(s, n, &chars))
            return fail(d, -EBADMSG, off, "atom is not valid UTF-8");
        if (chars > OT_ATOM_MAX_CHARS)
            return fail(d, -EBADMSG, off, "atom longer than 255 characters");
    }
    ot_term a = ot_atom_existing(text, len);
    if (a == OT_NONE) {
        if (d->no_new_atoms)
            return fail(d, -ENOENT, off, "unknown atom");
        a = ot_atom_len(text, len);
        if (a == OT_NONE) {
            if (ot_atom_count() >= OT_ATOM_MAX_COUNT)
                return fail(d, -E2BIG, off, "atom table full");
            return oom(d, off);
        }
    }
    *out = a;
    return 0;
}

/* Reads an atom whose tag is at the current position. */
static int read_atom(dec *d, ot_term *out)
{
    size_t off = d->pos;
    int rc = need(d, 1);
    if (rc)
        return rc;
    uint8_t tag = rd8(d);
    size_t n;
    bool latin1;
    switch (tag) {
    case TAG_ATOM:
    case TAG_ATOM_UTF8:
        if ((rc = need(d, 2)))
            return rc;
        n = rd16(d);
        latin1 = tag == TAG_ATOM;
        break;
    case TAG_SMALL_ATOM:
    case TAG_SMALL_ATOM_UTF8:
        if ((rc = need(d, 1)))
            return rc;
        n = rd8(d);
        latin1 = tag == TAG_SMALL_ATOM;
        break;
    default:
        return fail(d, -EBADMSG, off, "expected an atom");
    }
    if ((rc = need(d, n)))
        return rc;
    rc = make_atom(d, d->buf + d->pos, n, latin1, off, out);
    d->pos += n;
    return rc;
}

/* ---------------------------------------------------------------- numbers */

/* A big integer of n little-endian magnitude bytes at the current
 * position, normalised. */
static int read_big(dec *d, size_t n, bool neg, size_t off, ot_term *out)
{
    int rc = need(d, n);
    if (rc)
        return rc;
    const uint8_t *p = d->buf + d->pos;
    d->pos += n;
    size_t m = n;
    while (m > 0 && p[m - 1] == 0)
        m--;
    if (m <= 8) {
        uint64_t v = 0;
        for (size_t i = m; i-- > 0;)
            v = v << 8 | p[i];
        if (!neg && v <= (uint64_t)OT__SMALL_MAX) {
            *out = ot__make_small((int64_t)v);
            return 0;
        }
        if (neg && v <= (uint64_t)OT__SMALL_MAX + 1) {
            *out = ot__make_small(-(int64_t)(v - 1) - 1);
            return 0;
        }
    }
    size_t limbs = (m + 7) / 8;
    uint64_t *b = ot__heap_alloc(d->h, 1 + limbs);
    if (!b)
        return oom(d, off);
    b[0] = ot__hdr(OT__B_BIGNUM, ((uint64_t)limbs << 1) | (neg ? 1 : 0));
    memset(b + 1, 0, limbs * sizeof *b);
    for (size_t i = 0; i < m; i++)
        b[1 + i / 8] |= (uint64_t)p[i] << (8 * (i % 8));
    *out = ot__make_boxed(b);
    return 0;
}

static int make_float(dec *d, double v, size_t off, ot_term *out)
{
    if (!isfinite(v))
        return fail(d, -EBADMSG, off, "float is not finite");
    ot_term t = ot_float(d->h, v);
    if (t == OT_NONE)
        return oom(d, off);
    *out = t;
    return 0;
}

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static void c_locale_init(void) { c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0); }

static bool is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

/* FLOAT_EXT: 31 bytes of text, up to the first NUL, in the form BEAM
 * accepts: [+-]digits(.|,)digits, optionally e[+-]digits. */
static int read_old_float(dec *d, size_t off, ot_term *out)
{
    int rc = need(d, 31);
    if (rc)
        return rc;
    const uint8_t *s = d->buf + d->pos;
    d->pos += 31;
    size_t n = 0;
    while (n < 31 && s[n])
        n++;
    char text[32];
    size_t i = 0;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    size_t mark = i;
    while (i < n && is_digit(s[i]))
        i++;
    bool ok = i > mark && i < n && (s[i] == '.' || s[i] == ',');
    if (ok) {
        mark = ++i;
        while (i < n && is_digit(s[i]))
            i++;
        ok = i > mark;
    }
    if (ok && i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        mark = i;
        while (i < n && is_digit(s[i]))
            i++;
        ok = i > mark;
    }
    if (!ok || i != n)
        return fail(d, -EBADMSG, off, "malformed FLOAT_EXT text");
    for (i = 0; i < n; i++)
        text[i] = s[i] == ',' ? '.' : (char)s[i];
    text[n] = 0;
    pthread_once(&c_locale_once, c_locale_init);
    double v = c_locale ? strtod_l(text, NULL, c_locale) : strtod(text, NULL);
    return make_float(d, v, off, out);
}

/* ---------------------------------------------------------------- identifiers */

static int read_pid(dec *d, uint8_t tag, size_t off, ot_term *out)
{
    ot_term node;
    int rc = read_atom(d, &node);
    if (rc)
        return rc;
    if ((rc = need(d, tag == TAG_NEW_PID ? 12 : 9)))
        return rc;
    uint32_t id = rd32(d), serial = rd32(d);
    uint32_t creation = tag == TAG_NEW_PID ? rd32(d) : rd8(d);
    ot_term t = ot_pid(d->h, node, id, serial, creation);
    if (t == OT_NONE)
        return oom(d, off);
    *out = t;
    return 0;
}

static int read_port(dec *d, uint8_t tag, size_t off, ot_term *out)
{
    ot_term node;
    int rc = read_atom(d, &node);
    if (rc)
        return rc;
    size_t n = tag == TAG_V4_PORT ? 12 : tag == TAG_NEW_PORT ? 8 : 5;
    if ((rc = need(d, n)))
        return rc;
    uint64_t id = tag == TAG_V4_PORT ? rd64(d) : rd32(d);
    uint32_t creation = tag == TAG_PORT ? rd8(d) : rd32(d);
    ot_term t = ot_port(d->h, node, id, creation);
    if (t == OT_NONE)
        return oom(d, off);
    *out = t;
    return 0;
}

static int read_ref(dec *d, uint8_t tag, size_t off, ot_term *out)
{
    int rc;
    size_t words = 1;
    if (tag != TAG_REFERENCE) {
        if ((rc = need(d, 2)))
            return rc;
        size_t at = d->pos;
        words = rd16(d);
        if (words < 1 || words > 5)
            return fail(d, -EBADMSG, at, "reference must have 1 to 5 words");
    }
    ot_term node;
    if ((rc = read_atom(d, &node)))
        return rc;
    uint32_t ids[5], creation = 0;
    if (tag == TAG_REFERENCE) {
        if ((rc = need(d, 5)))
            return rc;
        ids[0] = rd32(d);
        creation = rd8(d);
    } else {
        size_t cbytes = tag == TAG_NEWER_REFERENCE ? 4 : 1;
        if ((rc = need(d, cbytes + 4 * words)))
            return rc;
        creation = cbytes == 4 ? rd32(d) : rd8(d);
        for (size_t i = 0; i < words; i++)
            ids[i] = rd32(d);
    }
    if (tag != TAG_NEWER_REFERENCE && ids[0] > OLD_REF_FIRST_MAX)
        return fail(d, -EBADMSG, off, "reference word out of range");
    ot_term t = ot_ref(d->h, node, creation, ids, words);
    if (t == OT_NONE)
        return oom(d, off);
    *out = t;
    return 0;
}

/* ---------------------------------------------------------------- frames */

static int push(dec *d, dframe f)
{
    if (f.depth >= d->max_depth)
        return fail(d, -E2BIG, f.start, "nesting deeper than max_depth");
    if (d->sp == d->cap) {
        size_t cap = d->cap * 2;
        dframe *s = ot__malloc(cap * sizeof *s);
        if (!s)
            return oom(d, f.start);
        memcpy(s, d->stack, d->sp * sizeof *s);
        if (d->stack != d->inline_stack)
            ot__free(d->stack);
        d->stack = s;
        d->cap = cap;
    }
    d->stack[d->sp++] = f;
    return 0;
}

typedef struct kv {
    ot_term k, v;
} kv;

static int kv_cmp(const void *a, const void *b)
{
    return ot_compare_exact(((const kv *)a)->k, ((const kv *)b)->k);
}

/* Sorts a decoded map's pairs by key; rejects duplicate keys. */
static int finish_map(dec *d, dframe *f)
{
    size_t n = f->n / 2;
    ot_term *ks = f->base, *vs = f->base + n;
    bool sorted = true;
    for (size_t i = 1; i < n && sorted; i++)
        sorted = ot_compare_exact(ks[i - 1], ks[i]) < 0;
    if (sorted)
        return 0;
    if (n <= SMALL_SORT) {
        for (size_t i = 1; i < n; i++) {
            ot_term k = ks[i], v = vs[i];
            size_t j = i;
            while (j > 0 && ot_compare_exact(ks[j - 1], k) > 0) {
                ks[j] = ks[j - 1];
                vs[j] = vs[j - 1];
                j--;
            }
            ks[j] = k;
            vs[j] = v;
        }
    } else {
        kv *pairs = ot__malloc(n * sizeof *pairs);
        if (!pairs)
            return oom(d, f->start);
        for (size_t i = 0; i < n; i++)
            pairs[i] = (kv){ ks[i], vs[i] };
        qsort(pairs, n, sizeof *pairs, kv_cmp);
        for (size_t i = 0; i < n; i++) {
            ks[i] = pairs[i].k;
            vs[i] = pairs[i].v;
        }
        ot__free(pairs);
    }
    for (size_t i = 1; i < n; i++)
        if (ot_compare_exact(ks[i - 1], ks[i]) == 0)
            return fail(d, -EBADMSG, f->start, "duplicate map key");
    return 0;
}

/* Builds the fun box of a decoded NEW_FUN_EXT or EXPORT_EXT: its fields
 * re-encoded with UTF-8 atoms after the header bytes of the input. */
static int finish_fun(dec *d, dframe *f)
{
    const ot_term *fld = f->base;
    size_t hdr;         /* bytes copied from the input after the tag */
    if (f->kind == K_FUN) {
        /* tag, Size:4, Arity:1, Uniq:16, Index:4, NumFree:4 */
        size_t size = (size_t)d->buf[f->start + 1] << 24 | (size_t)d->buf[f->start + 2] << 16 |
                      (size_t)d->buf[f->start + 3] << 8 | d->buf[f->start + 4];
        if (size != d->pos - f->start - 1)
            return fail(d, -EBADMSG, f->start + 1, "fun size does not match its bytes");
        if (!ot__is_atom(fld[0]))
            return fail(d, -EBADMSG, f->start, "fun module is not an atom");
        if (!ot__is_small(fld[1]) || !ot__is_small(fld[2]))
            return fail(d, -EBADMSG, f->start, "fun index or uniq is not an integer");
        if (!ot_is_pid(fld[3]))
            return fail(d, -EBADMSG, f->start, "fun creator is not a pid");
        hdr = 29;
    } else {
        if (!ot__is_atom(fld[0]) || !ot__is_atom(fld[1]))
            return fail(d, -EBADMSG, f->start, "export module or function is not an atom");
        if (!ot__is_small(fld[2]) || ot__small_val(fld[2]) < 0 || ot__small_val(fld[2]) > 255)
            return fail(d, -EBADMSG, f->start, "export arity is not 0..255");
        hdr = 0;
    }
    size_t total = 1 + hdr;
    for (size_t i = 0; i < f->n; i++) {
        ssize_t s = ot__ext_encode_body(fld[i], NULL, 0, OT_ENCODE_UTF8_ATOMS);
        if (s < 0)
            return s == -ENOMEM ? oom(d, f->start) : fail(d, (int)s, f->start, "fun too large");
        total += (size_t)s;
    }
    if (total - 1 > UINT32_MAX)
        return fail(d, -E2BIG, f->start, "fun too large");
    size_t words = 1 + ot__bytes_to_words(total);
    uint64_t *p = ot__heap_alloc(d->h, words);
    if (!p)
        return oom(d, f->start);
    p[0] = ot__hdr(OT__B_FUN, total);
    p[words - 1] = 0;
    uint8_t *out = (uint8_t *)(p + 1);
    out[0] = d->buf[f->start];
    memcpy(out + 1, d->buf + f->start + 1, hdr);
    if (f->kind == K_FUN) {
        uint32_t size = (uint32_t)(total - 1);
        out[1] = (uint8_t)(size >> 24);
        out[2] = (uint8_t)(size >> 16);
        out[3] = (uint8_t)(size >> 8);
        out[4] = (uint8_t)size;
    }
    size_t at = 1 + hdr;
    for (size_t i = 0; i < f->n; i++) {
        ssize_t s = ot__ext_encode_body(fld[i], out + at, total - at, OT_ENCODE_UTF8_ATOMS);
        if (s < 0)
            return s == -ENOMEM ? oom(d, f->start) : fail(d, (int)s, f->start, "fun too large");
        at += (size_t)s;
    }
    *f->dst = ot__make_boxed(p);
    return 0;
}

/* ---------------------------------------------------------------- terms */

/* Decodes the term at the current position into *slot: a leaf entirely,
 * a container by allocating it and pushing a frame for its children. */
static int dec_term(dec *d, ot_term *slot, size_t depth)
{
    size_t off = d->pos;
    int rc = need(d, 1);
    if (rc)
        return rc;
    uint8_t tag = d->buf[d->pos];
    switch (tag) {
    case TAG_SMALL_INTEGER:
        if ((rc = need(d, 2)))
            return rc;
        d->pos++;
        *slot = ot__make_small(rd8(d));
        return 0;
    case TAG_INTEGER:
        if ((rc = need(d, 5)))
            return rc;
        d->pos++;
        *slot = ot__make_small((int32_t)rd32(d));
        return 0;
    case TAG_SMALL_BIG:
    case TAG_LARGE_BIG: {
        size_t hl = tag == TAG_SMALL_BIG ? 3 : 6;
        if ((rc = need(d, hl)))
            return rc;
        d->pos++;
        size_t n = tag == TAG_SMALL_BIG ? rd8(d) : rd32(d);
        bool neg = rd8(d) != 0;
        return read_big(d, n, neg, off, slot);
    }
    case TAG_NEW_FLOAT: {
        if ((rc = need(d, 9)))
            return rc;
        d->pos++;
        uint64_t bits = rd64(d);
        double v;
        memcpy(&v, &bits, sizeof v);
        return make_float(d, v, off, slot);
    }
    case TAG_FLOAT:
        d->pos++;
        return read_old_float(d, off, slot);
    case TAG_ATOM:
    case TAG_SMALL_ATOM:
    case TAG_ATOM_UTF8:
    case TAG_SMALL_ATOM_UTF8:
        return read_atom(d, slot);
    case TAG_NIL:
        d->pos++;
        *slot = OT_NIL;
        return 0;
    case TAG_STRING: {
        if ((rc = need(d, 3)))
            return rc;
        d->pos++;
        size_t n = rd16(d);
        if ((rc = need(d, n)))
            return rc;
        if (n == 0) {
            *slot = OT_NIL;
            return 0;
        }
        ot_term *cells = ot__heap_alloc(d->h, 2 * n);
        if (!cells)
            return oom(d, off);
        for (size_t i = 0; i < n; i++) {
            cells[2 * i] = ot__make_small(d->buf[d->pos + i]);
            cells[2 * i + 1] = i + 1 < n ? ot__make_cons(&cells[2 * i + 2]) : OT_NIL;
        }
        d->pos += n;
        *slot = ot__make_cons(cells);
        return 0;
    }
    case TAG_BINARY:
    case TAG_BIT_BINARY: {
        size_t hl = tag == TAG_BINARY ? 5 : 6;
        if ((rc = need(d, hl)))
            return rc;
        d->pos++;
        size_t n = rd32(d);
        uint64_t nbits = (uint64_t)n * 8;
        if (tag == TAG_BIT_BINARY) {
            size_t at = d->pos;
            unsigned bits = rd8(d);
            if (n == 0 ? bits != 0 : (bits < 1 || bits > 8))
                return fail(d, -EBADMSG, at, "bit count of BIT_BINARY_EXT not in 1..8");
            if (n)
                nbits = (uint64_t)(n - 1) * 8 + bits;
        }
        if ((rc = need(d, n)))
            return rc;
        uint8_t *bytes;
        ot_term t = ot__binary_uninit(d->h, nbits, &bytes);
        if (t == OT_NONE)
            return oom(d, off);
        if (n) {
            memcpy(bytes, d->buf + d->pos, n);
            if (nbits % 8)
                bytes[n - 1] &= (uint8_t)(0xff << (8 - nbits % 8));
        }
        d->pos += n;
        *slot = t;
        return 0;
    }
    case TAG_NEW_PID:
    case TAG_PID:
        d->pos++;
        return read_pid(d, tag, off, slot);
    case TAG_NEW_PORT:
    case TAG_PORT:
    case TAG_V4_PORT:
        d->pos++;
        return read_port(d, tag, off, slot);
    case TAG_NEWER_REFERENCE:
    case TAG_NEW_REFERENCE:
    case TAG_REFERENCE:
        d->pos++;
        return read_ref(d, tag, off, slot);
    case TAG_SMALL_TUPLE:
    case TAG_LARGE_TUPLE: {
        size_t hl = tag == TAG_SMALL_TUPLE ? 2 : 5;
        if ((rc = need(d, hl)))
            return rc;
        d->pos++;
        size_t at = d->pos;
        size_t n = tag == TAG_SMALL_TUPLE ? rd8(d) : rd32(d);
        if ((rc = room_for(d, n, at)))
            return rc;
        uint64_t *p = ot__heap_alloc(d->h, 1 + n);
        if (!p)
            return oom(d, off);
        p[0] = ot__hdr(OT__B_TUPLE, n);
        *slot = ot__make_boxed(p);
        if (n == 0)
            return 0;
        return push(d, (dframe){ K_TUPLE, depth, 0, n, p + 1, NULL, off });
    }
    case TAG_LIST: {
        if ((rc = need(d, 5)))
            return rc;
        d->pos++;
        size_t at = d->pos;
        uint64_t n = rd32(d);
        if ((rc = room_for(d, n + 1, at)))
            return rc;
        if (n == 0)    /* just a tail: the term is the tail itself */
            return push(d, (dframe){ K_LIST, depth, 0, 1, NULL, slot, off });
        ot_term *cells = ot__heap_alloc(d->h, 2 * (size_t)n);
        if (!cells)
            return oom(d, off);
        for (size_t i = 0; i + 1 < n; i++)
            cells[2 * i + 1] = ot__make_cons(&cells[2 * i + 2]);
        *slot = ot__make_cons(cells);
        return push(d, (dframe){ K_LIST, depth, 0, (size_t)n + 1, cells,
                                 &cells[2 * n - 1], off });
    }
    case TAG_MAP: {
        if ((rc = need(d, 5)))
            return rc;
        d->pos++;
        size_t at = d->pos;
        uint64_t n = rd32(d);
        if ((rc = room_for(d, 2 * n, at)))
            return rc;
        uint64_t *p = ot__heap_alloc(d->h, 1 + 2 * (size_t)n);
        if (!p)
            return oom(d, off);
        p[0] = ot__hdr(OT__B_MAP, n);
        *slot = ot__make_boxed(p);
        if (n == 0)
            return 0;
        return push(d, (dframe){ K_MAP, depth, 0, 2 * (size_t)n, p + 1, slot, off });
    }
    case TAG_NEW_FUN: {
        if ((rc = need(d, 30)))
            return rc;
        d->pos += 26;
        size_t at = d->pos;
        uint64_t nfree = rd32(d);
        if ((rc = room_for(d, 4 + nfree, at)))
            return rc;
        ot_term *fields = ot__heap_alloc(d->h, 4 + (size_t)nfree);
        if (!fields)
            return oom(d, off);
        return push(d, (dframe){ K_FUN, depth, 0, 4 + (size_t)nfree, fields, slot, off });
    }
    case TAG_EXPORT: {
        d->pos++;
        if ((rc = room_for(d, 3, off)))
            return rc;
        ot_term *fields = ot__heap_alloc(d->h, 3);
        if (!fields)
            return oom(d, off);
        return push(d, (dframe){ K_EXPORT, depth, 0, 3, fields, slot, off });
    }
    case TAG_COMPRESSED:
        return fail(d, -EBADMSG, off, "compressed term inside a term");
    default:
        return fail(d, -EBADMSG, off, unknown_tag[tag]);
    }
}

/* Decodes one whole term at the current position into *out. */
static int dec_all(dec *d, ot_term *out)
{
    ot_term *slot = out;
    size_t depth = 0;
    for (;;) {
        int rc = dec_term(d, slot, depth);
        if (rc)
            return rc;
        /* The next slot to fill: the next child of the innermost
         * unfinished container. */
        for (;;) {
            if (d->sp == 0)
                return 0;
            dframe *f = &d->stack[d->sp - 1];
            if (f->next == f->n) {
                if (f->kind == K_MAP)
                    rc = finish_map(d, f);
                else if (f->kind == K_FUN || f->kind == K_EXPORT)
                    rc = finish_fun(d, f);
                if (rc)
                    return rc;
                d->sp--;
                continue;
            }
            size_t i = f->next++;
            depth = f->depth + 1;
            switch (f->kind) {
            case K_LIST:
                if (i + 1 == f->n) {
                    slot = f->dst;          /* the tail */
                    depth = f->depth;
                } else {
                    slot = &f->base[2 * i];
                }
                break;
            case K_MAP:
                slot = (i % 2 == 0) ? &f->base[i / 2] : &f->base[f->n / 2 + i / 2];
                break;
            default:
                slot = &f->base[i];
                break;
            }
            /* A tuple or list needs no more work once its last child is
             * placed: pop it first, so right-nested chains stay flat. */
            if (f->next == f->n && (f->kind == K_TUPLE || f->kind == K_LIST))
                d->sp--;
            break;
        }
    }
}

/* ---------------------------------------------------------------- compressed */

static voidpf z_alloc(voidpf opaque, uInt items, uInt size)
{
    (void)opaque;
    return ot__calloc(items, size);
}

static void z_free(voidpf opaque, voidpf p)
{
    (void)opaque;
    ot__free(p);
}

/* Tag 80 at the current position: UncompressedSize:4, then a zlib stream
 * that must inflate to exactly that many bytes, which hold the term (bytes
 * after the term inside the payload are ignored, as BEAM does). */
static int dec_compressed(dec *d, ot_term *out, size_t max_bytes)
{
    size_t off = d->pos;
    int rc = need(d, 5);
    if (rc)
        return rc;
    d->pos++;
    size_t size = rd32(d);
    if (size > max_bytes)
        return fail(d, -E2BIG, off + 1, "uncompressed size larger than max_bytes");
    if (size == 0)
        return fail(d, -EBADMSG, off + 1, "uncompressed size is 0");
    uint8_t *plain = ot__malloc(size);
    if (!plain)
        return oom(d, off);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    zs.zalloc = z_alloc;
    zs.zfree = z_free;
    if (inflateInit(&zs) != Z_OK) {
        ot__free(plain);
        return oom(d, off);
    }
    size_t zip_off = d->pos;
    size_t in_len = d->real_len - d->pos;
    zs.next_in = (Bytef *)(uintptr_t)(d->buf + d->pos);
    zs.avail_in = in_len > UINT_MAX ? UINT_MAX : (uInt)in_len;
    zs.next_out = plain;
    zs.avail_out = (uInt)size;
    int zr = inflate(&zs, Z_FINISH);
    size_t produced = size - zs.avail_out;
    size_t consumed = (size_t)zs.total_in;
    bool input_left = zs.avail_in > 0;
    inflateEnd(&zs);
    if (zr == Z_MEM_ERROR) {
        ot__free(plain);
        return oom(d, zip_off);
    }
    if (zr != Z_STREAM_END || produced != size) {
        ot__free(plain);
        const char *what = zr == Z_STREAM_END ? "compressed data shorter than its stated size"
                         : zr == Z_BUF_ERROR && produced == size && input_left
                             ? "compressed data longer than its stated size"
                         : zr == Z_BUF_ERROR ? "compressed data truncated"
                                             : "malformed compressed data";
        return fail(d, -EBADMSG, zip_off, what);
    }
    if (consumed > d->len - zip_off) {
        ot__free(plain);
        return fail(d, -E2BIG, zip_off, "term larger than max_bytes");
    }
    const uint8_t *saved_buf = d->buf;
    size_t saved_len = d->len, saved_real = d->real_len;
    d->buf = plain;
    d->len = d->real_len = size;
    d->pos = 0;
    d->zipped = true;
    d->zip_off = zip_off;
    rc = dec_all(d, out);
    d->zipped = false;
    d->buf = saved_buf;
    d->len = saved_len;
    d->real_len = saved_real;
    d->pos = zip_off + consumed;
    ot__free(plain);
    return rc;
}

/* ---------------------------------------------------------------- entry */

ssize_t ot_decode(ot_heap *h, const uint8_t *buf, size_t len, const ot_decode_opts *opts,
                  ot_term *out, ot_decode_error *err)
{
    ot_decode_opts o = opts ? *opts : (ot_decode_opts){ 0 };
    size_t max_bytes = o.max_bytes ? o.max_bytes : DEFAULT_MAX_BYTES;
    dec d;
    d.buf = buf;
    d.real_len = buf ? len : 0;
    d.len = d.real_len < max_bytes ? d.real_len : max_bytes;
    d.pos = 0;
    d.zipped = false;
    d.zip_off = 0;
    d.h = h;
    d.max_depth = o.max_depth ? o.max_depth : DEFAULT_MAX_DEPTH;
    d.no_new_atoms = o.no_new_atoms;
    d.err = err;
    d.stack = d.inline_stack;
    d.sp = 0;
    d.cap = sizeof d.inline_stack / sizeof d.inline_stack[0];
    if (!h || !out) {
        if (err) {
            err->offset = 0;
            err->what = "no heap or no output given";
        }
        return -EINVAL;
    }
    heap_mark mark = heap_save(h);
    ot_term result = OT_NONE;
    int rc = 0;
    if (!o.no_version) {
        if ((rc = need(&d, 1)))
            goto done;
        if (d.buf[0] != VERSION_MAGIC) {
            rc = fail(&d, -EBADMSG, 0, "missing version byte 131");
            goto done;
        }
        d.pos = 1;
    }
    if (d.pos < d.len && d.buf[d.pos] == TAG_COMPRESSED)
        rc = dec_compressed(&d, &result, max_bytes);
    else
        rc = dec_all(&d, &result);
done:
    if (d.stack != d.inline_stack)
        ot__free(d.stack);
    if (rc) {
        heap_rollback(h, &mark);
        return rc;
    }
    *out = result;
    return (ssize_t)d.pos;
}
