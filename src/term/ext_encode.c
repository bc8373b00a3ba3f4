/* ext_encode.c — terms to Erlang's external term format.
 *
 * The bytes are those of OTP 25's erlang:term_to_binary/1 (flags 0) or
 * term_to_binary(T, [{minor_version, 2}]) (OT_ENCODE_UTF8_ATOMS):
 *   - integers in the smallest form: SMALL_INTEGER_EXT for 0..255,
 *     INTEGER_EXT for other 32-bit values, SMALL_BIG_EXT up to 255 bytes of
 *     magnitude, LARGE_BIG_EXT beyond;
 *   - atoms: without the flag, ATOM_EXT in Latin-1 when every character is
 *     below 256; otherwise (and always with the flag) SMALL_ATOM_UTF8_EXT, or
 *     ATOM_UTF8_EXT when the UTF-8 text is over 255 bytes;
 *   - proper lists of 1..65535 integers 0..255 as STRING_EXT, other lists as
 *     LIST_EXT (length, elements, tail);
 *   - NEW_FLOAT_EXT, BINARY_EXT / BIT_BINARY_EXT, NEW_PID_EXT, NEW_PORT_EXT
 *     for port numbers below 2^28 and V4_PORT_EXT above (as OTP 25 does,
 *     its local port numbers having 28 bits), NEWER_REFERENCE_EXT, MAP_EXT
 *     in the map's stored order;
 *   - funs are kept by the decoder as their bytes with every atom in UTF-8
 *     (see ext_decode.c); they are written back as they are, or with their
 *     atoms rewritten to ATOM_EXT where BEAM would do so.
 *
 * Nothing here recurses: containers are walked with an explicit stack of
 * iterators, a list's tail and a container's last element are taken after
 * their frame is popped, so long lists and right-nested chains need no
 * stack at all, and deep nesting needs heap memory, not C stack. */
#include <errno.h>
#include <stdlib.h>

#include "term/ext.h"
#include "term/term_internal.h"


/* Largest port number OTP 25 writes as NEW_PORT_EXT. */
#define NEW_PORT_MAX 0x0fffffffu

/* Longest list written as STRING_EXT (BEAM's MAX_STRING_LEN). */
#define STRING_EXT_MAX 0xffff

/* ---------------------------------------------------------------- output */

/* An output cursor. With out NULL it only counts. With `grow` the buffer
 * (from ot__malloc) grows as needed; otherwise, once a write does not
 * fit, `full` is set and nothing more is written. */
typedef struct enc {
    uint8_t *out;
    size_t cap;
    size_t pos;
    bool full;
    bool grow;
} enc;

static bool grow_to(enc *e, size_t n)
{
    size_t cap = e->cap * 2;
    if (cap < e->pos + n)
        cap = e->pos + n;
    uint8_t *out = ot__realloc(e->out, cap);
    if (!out) {
        e->full = true;
        return false;
    }
    e->out = out;
    e->cap = cap;
    return true;
}

static inline bool room(enc *e, size_t n)
{
    if (!e->out) {
        e->pos += n;
        return false;
    }
    if (!e->full && e->cap - e->pos >= n)
        return true;
    if (e->grow && !e->full)
        return grow_to(e, n);
    e->full = true;
    return false;
}

static inline void put_bytes(enc *e, const void *p, size_t n)
{
    if (room(e, n)) {
        memcpy(e->out + e->pos, p, n);
        e->pos += n;
    }
}
static inline void put8(enc *e, unsigned v)
{
    if (room(e, 1))
        e->out[e->pos++] = (uint8_t)v;
}

static inline void put16(enc *e, unsigned v)
{
    if (room(e, 2)) {
        e->out[e->pos] = (uint8_t)(v >> 8);
        e->out[e->pos + 1] = (uint8_t)v;
        e->pos += 2;
    }
}

/* A tag byte and a 32-bit big-endian value: one room check. */
static inline void put8_32(enc *e, unsigned tag, uint32_t v)
{
    if (room(e, 5)) {
        uint8_t *p = e->out + e->pos;
        p[0] = (uint8_t)tag;
        p[1] = (uint8_t)(v >> 24);
        p[2] = (uint8_t)(v >> 16);
        p[3] = (uint8_t)(v >> 8);
        p[4] = (uint8_t)v;
        e->pos += 5;
    }
}

/* Two bytes: one room check. */
static inline void put8_8(enc *e, unsigned a, unsigned b)
{
    if (room(e, 2)) {
        e->out[e->pos] = (uint8_t)a;
        e->out[e->pos + 1] = (uint8_t)b;
        e->pos += 2;
    }
}

static inline void put32(enc *e, uint32_t v)
{
    if (room(e, 4)) {
        uint8_t *p = e->out + e->pos;
        p[0] = (uint8_t)(v >> 24);
        p[1] = (uint8_t)(v >> 16);
        p[2] = (uint8_t)(v >> 8);
        p[3] = (uint8_t)v;
        e->pos += 4;
    }
}

static inline void put64(enc *e, uint64_t v)
{
    put32(e, (uint32_t)(v >> 32));
    put32(e, (uint32_t)v);
}

/* ---------------------------------------------------------------- atoms */

/* Is every character of the UTF-8 text s below 256? Counts them in *chars. */
static bool utf8_is_latin1(const uint8_t *s, size_t n, size_t *chars)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] >= 0xc4)
            return false;              /* a lead byte of U+0100 or above */
        if ((s[i] & 0xc0) != 0x80)
            count++;                   /* not a continuation byte */
    }
    *chars = count;
    return true;
}

/* Writes an atom given by its UTF-8 text. */
static void put_atom_text(enc *e, const uint8_t *s, size_t n, int flags)
{
    size_t chars;
    if (!(flags & OT_ENCODE_UTF8_ATOMS) && utf8_is_latin1(s, n, &chars)) {
        put8(e, TAG_ATOM);
        put16(e, (unsigned)chars);
        if (chars == n) {
            put_bytes(e, s, n);
            return;
        }
        for (size_t i = 0; i < n; i++) {
            if (s[i] < 0x80) {
                put8(e, s[i]);
            } else {
                put8(e, (unsigned)(((s[i] & 0x03) << 6) | (s[i + 1] & 0x3f)));
                i++;
            }
        }
        return;
    }
    if (n < 256) {
        put8(e, TAG_SMALL_ATOM_UTF8);
        put8(e, (unsigned)n);
    } else {
        put8(e, TAG_ATOM_UTF8);
        put16(e, (unsigned)n);
    }
    put_bytes(e, s, n);
}

static inline void put_atom(enc *e, ot_term a, int flags)
{
    const ot__atom_enc *ae = &ot__atom_encs[ot__atom_index(a)];
    unsigned k = (flags & OT_ENCODE_UTF8_ATOMS) != 0;
    size_t n = ae->len[k];
    const uint8_t *x = ae->bytes[k];
    if (room(e, n)) {
        uint8_t *o = e->out + e->pos;
        for (size_t i = 0; i < n; i++)
            o[i] = x[i];
        e->pos += n;
    }
}

/* ---------------------------------------------------------------- numbers */

/* Writes a magnitude (little-endian limbs, top limb non-zero) as a big. */
static int put_big(enc *e, bool neg, const uint64_t *limbs, size_t n)
{
    uint64_t top = limbs[n - 1];
    size_t topbytes = 0;
    while (top) {
        topbytes++;
        top >>= 8;
    }
    uint64_t nbytes = (uint64_t)(n - 1) * 8 + topbytes;
    if (nbytes > UINT32_MAX)
        return -E2BIG;
    if (nbytes < 256) {
        put8(e, TAG_SMALL_BIG);
        put8(e, (unsigned)nbytes);
    } else {
        put8(e, TAG_LARGE_BIG);
        put32(e, (uint32_t)nbytes);
    }
    put8(e, neg ? 1 : 0);
    if (room(e, (size_t)nbytes)) {
        uint8_t *p = e->out + e->pos;
        for (size_t i = 0; i < (size_t)nbytes; i++)
            p[i] = (uint8_t)(limbs[i / 8] >> (8 * (i % 8)));
        e->pos += (size_t)nbytes;
    }
    return 0;
}

static void put_small(enc *e, int64_t v)
{
    if (v >= 0 && v <= 255) {
        put8_8(e, TAG_SMALL_INTEGER, (unsigned)v);
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
        put8_32(e, TAG_INTEGER, (uint32_t)v);
    } else {
        uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
        put_big(e, v < 0, &mag, 1);
    }
}

/* ---------------------------------------------------------------- funs */

/* Fun bytes are stored with UTF-8 atoms (SMALL_ATOM_UTF8_EXT/ATOM_UTF8_EXT).
 * Without OT_ENCODE_UTF8_ATOMS they are rewritten: every atom as
 * put_atom_text writes it, and the Size field of every NEW_FUN_EXT (nested
 * ones included) recomputed. The stored bytes come from the decoder, which
 * wrote them with this encoder, so they hold only the tags written here;
 * anything else gives -EINVAL. */

typedef struct tframe {
    size_t left;       /* terms still to copy at this level */
    size_t size_pos;   /* output offset of a NEW_FUN_EXT Size field, or SIZE_MAX */
} tframe;

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Copies an atom from src (at *i), rewritten for flags. */
static bool transcode_atom(enc *e, const uint8_t *src, size_t n, size_t *i, int flags)
{
    size_t at = *i, len;
    if (at >= n)
        return false;
    switch (src[at]) {
    case TAG_SMALL_ATOM_UTF8:
        if (n - at < 2)
            return false;
        len = src[at + 1];
        at += 2;
        break;
    case TAG_ATOM_UTF8:
        if (n - at < 3)
            return false;
        len = (size_t)src[at + 1] << 8 | src[at + 2];
        at += 3;
        break;
    default:
        return false;
    }
    if (n - at < len)
        return false;
    put_atom_text(e, src + at, len, flags);
    *i = at + len;
    return true;
}

static int transcode_fun(enc *e, const uint8_t *src, size_t n, int flags)
{
    tframe inline_stack[16];
    tframe *stack = inline_stack;
    size_t sp = 0, cap = 16;
    int rc = -EINVAL;
    size_t i = 0;
    /* The fun itself is one term at the bottom level. */
    stack[sp++] = (tframe){ 1, SIZE_MAX };
    while (sp > 0) {
        tframe *f = &stack[sp - 1];
        if (f->left == 0) {
            if (f->size_pos != SIZE_MAX && e->out && !e->full) {
                uint32_t size = (uint32_t)(e->pos - f->size_pos);
                uint8_t *p = e->out + f->size_pos;
                p[0] = (uint8_t)(size >> 24);
                p[1] = (uint8_t)(size >> 16);
                p[2] = (uint8_t)(size >> 8);
                p[3] = (uint8_t)size;
            }
            sp--;
            continue;
        }
        f->left--;
        if (i >= n)
            goto out;
        uint8_t tag = src[i];
        size_t fixed = 0;       /* bytes copied as they are, tag included */
        size_t push = 0;        /* nested terms that follow */
        bool is_fun = false;
        switch (tag) {
        case TAG_SMALL_INTEGER: fixed = 2; break;
        case TAG_INTEGER: fixed = 5; break;
        case TAG_NEW_FLOAT: fixed = 9; break;
        case TAG_NIL: fixed = 1; break;
        case TAG_SMALL_BIG:
            if (n - i < 2) goto out;
            fixed = 3 + (size_t)src[i + 1];
            break;
        case TAG_LARGE_BIG:
            if (n - i < 5) goto out;
            fixed = 6 + (size_t)rd32(src + i + 1);
            break;
        case TAG_STRING:
            if (n - i < 3) goto out;
            fixed = 3 + ((size_t)src[i + 1] << 8 | src[i + 2]);
            break;
        case TAG_BINARY:
            if (n - i < 5) goto out;
            fixed = 5 + (size_t)rd32(src + i + 1);
            break;
        case TAG_BIT_BINARY:
            if (n - i < 5) goto out;
            fixed = 6 + (size_t)rd32(src + i + 1);
            break;
        case TAG_SMALL_ATOM_UTF8:
        case TAG_ATOM_UTF8:
            if (!transcode_atom(e, src, n, &i, flags))
                goto out;
            continue;
        case TAG_NEW_PID:
        case TAG_NEW_PORT:
        case TAG_V4_PORT: {
            put8(e, tag);
            i++;
            if (!transcode_atom(e, src, n, &i, flags))
                goto out;
            size_t rest = tag == TAG_NEW_PORT ? 8 : 12;
            if (n - i < rest)
                goto out;
            put_bytes(e, src + i, rest);
            i += rest;
            continue;
        }
        case TAG_NEWER_REFERENCE: {
            if (n - i < 3)
                goto out;
            size_t words = (size_t)src[i + 1] << 8 | src[i + 2];
            put_bytes(e, src + i, 3);
            i += 3;
            if (!transcode_atom(e, src, n, &i, flags))
                goto out;
            size_t rest = 4 + 4 * words;
            if (n - i < rest)
                goto out;
            put_bytes(e, src + i, rest);
            i += rest;
            continue;
        }
        case TAG_SMALL_TUPLE:
            if (n - i < 2) goto out;
            fixed = 2;
            push = src[i + 1];
            break;
        case TAG_LARGE_TUPLE:
            if (n - i < 5) goto out;
            fixed = 5;
            push = rd32(src + i + 1);
            break;
        case TAG_LIST:
            if (n - i < 5) goto out;
            fixed = 5;
            push = (size_t)rd32(src + i + 1) + 1;
            break;
        case TAG_MAP:
            if (n - i < 5) goto out;
            fixed = 5;
            push = 2 * (size_t)rd32(src + i + 1);
            break;
        case TAG_EXPORT:
            fixed = 1;
            push = 3;
            break;
        case TAG_NEW_FUN:
            /* tag, Size:4, Arity:1, Uniq:16, Index:4, NumFree:4 */
            if (n - i < 30) goto out;
            fixed = 30;
            push = 4 + (size_t)rd32(src + i + 26);
            is_fun = true;
            break;
        default:
            goto out;
        }
        if (n - i < fixed)
            goto out;
        size_t size_pos = e->pos + 1;
        put_bytes(e, src + i, fixed);
        i += fixed;
        if (push) {
            if (sp == cap) {
                tframe *ns = ot__malloc(2 * cap * sizeof *ns);
                if (!ns) {
                    rc = -ENOMEM;
                    goto out;
                }
                memcpy(ns, stack, sp * sizeof *ns);
                if (stack != inline_stack)
                    ot__free(stack);
                stack = ns;
                cap *= 2;
            }
            stack[sp++] = (tframe){ push, is_fun ? size_pos : SIZE_MAX };
        }
    }
    rc = i == n ? 0 : -EINVAL;
out:
    if (stack != inline_stack)
        ot__free(stack);
    return rc;
}

/* ---------------------------------------------------------------- walk */

/* Does the list starting at cons cell t go out as STRING_EXT? */
static bool is_string_ext(ot_term t)
{
    size_t n = 0;
    while (ot__is_cons(t)) {
        ot_term hd = ot__cons_ptr(t)[0];
        if (!ot__is_small(hd) || ot__small_val(hd) < 0 || ot__small_val(hd) > 255)
            return false;
        if (++n > STRING_EXT_MAX)
            return false;
        t = ot__cons_ptr(t)[1];
    }
    return t == OT_NIL;
}

enum { F_ARRAY, F_MAP, F_LIST };

/* An iterator over the children of a container still to be written. */
typedef struct eframe {
    unsigned kind;
    const ot_term *arr;   /* tuple elements, or map keys (values follow) */
    size_t i, n;          /* next child and child count (map: 2 * pairs) */
    ot_term cur;          /* list: the rest of the list */
} eframe;

typedef struct estack {
    eframe *items;
    size_t n, cap;
    eframe inline_items[32];
} estack;

static bool es_push(estack *s, eframe f)
{
    if (s->n == s->cap) {
        size_t cap = s->cap * 2;
        eframe *items = ot__malloc(cap * sizeof *items);
        if (!items)
            return false;
        memcpy(items, s->items, s->n * sizeof *items);
        if (s->items != s->inline_items)
            ot__free(s->items);
        s->items = items;
        s->cap = cap;
    }
    s->items[s->n++] = f;
    return true;
}

/* Writes the head of term t: a whole term for leaves, the tag and size of
 * a container whose children are then pushed as an iterator. */
static int put_term_head(enc *e, estack *s, ot_term t, int flags)
{
    switch (ot__tag(t)) {
    case OT__TAG_SMALL:
        put_small(e, ot__small_val(t));
        return 0;
    case OT__TAG_ATOM:
        put_atom(e, t, flags);
        return 0;
    case OT__TAG_SPECIAL:
        if (t != OT_NIL)
            return -EINVAL;    /* a pattern variable or wildcard */
        put8(e, TAG_NIL);
        return 0;
    case OT__TAG_LPID:
        put8(e, TAG_NEW_PID);
        put_atom(e, ot__local_node(), flags);
        put32(e, ot__lpid_id(t));
        put32(e, ot__lpid_serial(t));
        put32(e, ot__local_creation());
        return 0;
    case OT__TAG_LIST: {
        if (is_string_ext(t)) {
            size_t n = 0;
            for (ot_term c = t; ot__is_cons(c); c = ot__cons_ptr(c)[1])
                n++;
            put8(e, TAG_STRING);
            put16(e, (unsigned)n);
            if (room(e, n)) {
                uint8_t *p = e->out + e->pos;
                for (ot_term c = t; ot__is_cons(c); c = ot__cons_ptr(c)[1])
                    *p++ = (uint8_t)ot__small_val(ot__cons_ptr(c)[0]);
                e->pos += n;
            }
            return 0;
        }
        uint64_t n = 0;
        for (ot_term c = t; ot__is_cons(c); c = ot__cons_ptr(c)[1])
            n++;
        if (n > UINT32_MAX)
            return -E2BIG;
        put8_32(e, TAG_LIST, (uint32_t)n);
        return es_push(s, (eframe){ F_LIST, NULL, 0, 0, t }) ? 0 : -ENOMEM;
    }
    case OT__TAG_BOXED:
        break;
    default:
        return -EINVAL;
    }
    if (t == OT_NONE)
        return -EINVAL;
    const uint64_t *p = ot__box_ptr(t);
    uint64_t size = ot__hdr_size(p[0]);
    switch (ot__hdr_kind(p[0])) {
    case OT__B_TUPLE:
        if (size < 256) {
            put8_8(e, TAG_SMALL_TUPLE, (unsigned)size);
        } else {
            if (size > UINT32_MAX)
                return -E2BIG;
            put8(e, TAG_LARGE_TUPLE);
            put32(e, (uint32_t)size);
        }
        if (size == 0)
            return 0;
        return es_push(s, (eframe){ F_ARRAY, p + 1, 0, (size_t)size, 0 }) ? 0 : -ENOMEM;
    case OT__B_MAP:
        if (size > UINT32_MAX)
            return -E2BIG;
        put8_32(e, TAG_MAP, (uint32_t)size);
        if (size == 0)
            return 0;
        return es_push(s, (eframe){ F_MAP, p + 1, 0, 2 * (size_t)size, 0 }) ? 0 : -ENOMEM;
    case OT__B_BIGNUM:
        return put_big(e, size & 1, p + 1, (size_t)(size >> 1));
    case OT__B_FLOAT:
        put8(e, TAG_NEW_FLOAT);
        put64(e, p[1]);
        return 0;
    case OT__B_HEAPBIN:
    case OT__B_REFCBIN: {
        size_t nbytes = ot__bits_to_bytes(size);
        const uint8_t *data = ot__hdr_kind(p[0]) == OT__B_HEAPBIN ? (const uint8_t *)(p + 1)
                                                                  : ((const ot__refcbin *)(p + 1))->bytes;
        if (nbytes > UINT32_MAX)
            return -E2BIG;
        if (size % 8 == 0) {
            put8_32(e, TAG_BINARY, (uint32_t)nbytes);
        } else {
            put8(e, TAG_BIT_BINARY);
            put32(e, (uint32_t)nbytes);
            put8(e, (unsigned)(size % 8));
        }
        put_bytes(e, data, nbytes);
        return 0;
    }
    case OT__B_PID:
        put8(e, TAG_NEW_PID);
        put_atom(e, p[1], flags);
        put32(e, (uint32_t)p[2]);
        put32(e, (uint32_t)(p[2] >> 32));
        put32(e, (uint32_t)p[3]);
        return 0;
    case OT__B_PORT:
        if (p[2] > NEW_PORT_MAX) {
            put8(e, TAG_V4_PORT);
            put_atom(e, p[1], flags);
            put64(e, p[2]);
        } else {
            put8(e, TAG_NEW_PORT);
            put_atom(e, p[1], flags);
            put32(e, (uint32_t)p[2]);
        }
        put32(e, (uint32_t)p[3]);
        return 0;
    case OT__B_REF:
        put8(e, TAG_NEWER_REFERENCE);
        put16(e, (unsigned)size);
        put_atom(e, p[1], flags);
        put32(e, (uint32_t)p[2]);
        for (size_t i = 0; i < size; i++)
            put32(e, (uint32_t)(p[3 + i / 2] >> (32 * (i % 2))));
        return 0;
    case OT__B_FUN:
        if (flags & OT_ENCODE_UTF8_ATOMS) {
            put_bytes(e, p + 1, (size_t)size);
            return 0;
        }
        return transcode_fun(e, (const uint8_t *)(p + 1), (size_t)size, flags);
    default:
        return -EINVAL;
    }
}

/* Writes the whole of t. */
static int put_term(enc *e, ot_term t, int flags)
{
    estack s;
    s.items = s.inline_items;
    s.n = 0;
    s.cap = sizeof s.inline_items / sizeof s.inline_items[0];
    int rc;
    for (;;) {
        rc = put_term_head(e, &s, t, flags);
        if (rc < 0 || e->full)
            break;
        /* The next term to write: the next child of the innermost
         * unfinished container. A frame is popped before its last child
         * is written, so right-nested chains do not grow the stack. */
        for (;;) {
            if (s.n == 0)
                goto done;
            eframe *f = &s.items[s.n - 1];
            if (f->kind == F_LIST) {
                if (ot__is_cons(f->cur)) {
                    const ot_term *cell = ot__cons_ptr(f->cur);
                    t = cell[0];
                    f->cur = cell[1];
                } else {
                    t = f->cur;     /* the tail, [] for a proper list */
                    s.n--;
                }
                break;
            }
            size_t i = f->i++;
            if (f->kind == F_ARRAY)
                t = f->arr[i];
            else
                t = (i % 2 == 0) ? f->arr[i / 2] : f->arr[f->n / 2 + i / 2];
            if (f->i == f->n)
                s.n--;
            break;
        }
    }
done:
    if (s.items != s.inline_items)
        ot__free(s.items);
    if (rc == 0 && e->full)
        rc = -ENOBUFS;
    return rc;
}

/* ---------------------------------------------------------------- fast walk */

/* Most terms are shallow. For them a recursive walk that checks for room
 * once per term and copies atoms as whole words is about twice as fast as
 * the iterator stack above; past FAST_DEPTH levels (or for the sizing
 * pass) put_term takes over, so the C stack stays small whatever the
 * input. */
#define FAST_DEPTH 32
/* Bytes ensured before writing any fixed-size leaf: a 61-bit integer as a
 * big (11), a 16-byte atom copy, a float (9). */
#define FAST_LEAF 24

static int fast_term(enc *e, ot_term t, int flags, unsigned depth)
{
    for (;;) {
        if (e->cap - e->pos < FAST_LEAF) {
            /* Near the end of a fixed buffer, write exactly what fits. */
            if (!e->grow || e->full)
                return put_term(e, t, flags);
            if (!grow_to(e, FAST_LEAF))
                return 0;
        }
        uint8_t *o = e->out + e->pos;
        switch (ot__tag(t)) {
        case OT__TAG_SMALL: {
            int64_t v = ot__small_val(t);
            if (v >= 0 && v <= 255) {
                o[0] = TAG_SMALL_INTEGER;
                o[1] = (uint8_t)v;
                e->pos += 2;
            } else if (v >= INT32_MIN && v <= INT32_MAX) {
                uint32_t u = (uint32_t)v;
                o[0] = TAG_INTEGER;
                o[1] = (uint8_t)(u >> 24);
                o[2] = (uint8_t)(u >> 16);
                o[3] = (uint8_t)(u >> 8);
                o[4] = (uint8_t)u;
                e->pos += 5;
            } else {
                put_small(e, v);
            }
            return 0;
        }
        case OT__TAG_ATOM: {
            const ot__atom_enc *ae = &ot__atom_encs[ot__atom_index(t)];
            unsigned k = (flags & OT_ENCODE_UTF8_ATOMS) != 0;
            size_t n = ae->len[k];
            if (n <= 16) {
                memcpy(o, ae->bytes[k], 16);  /* encodings are padded to 16 */
                e->pos += n;
            } else {
                put_bytes(e, ae->bytes[k], n);
            }
            return 0;
        }
        case OT__TAG_LIST: {
            if (depth >= FAST_DEPTH || is_string_ext(t))
                return put_term(e, t, flags);
            uint64_t n = 0;
            for (ot_term c = t; ot__is_cons(c); c = ot__cons_ptr(c)[1])
                n++;
            if (n > UINT32_MAX)
                return -E2BIG;
            put8_32(e, TAG_LIST, (uint32_t)n);
            for (; ot__is_cons(t); t = ot__cons_ptr(t)[1]) {
                int rc = fast_term(e, ot__cons_ptr(t)[0], flags, depth + 1);
                if (rc < 0)
                    return rc;
            }
            continue;   /* the tail */
        }
        case OT__TAG_BOXED: {
            if (t == OT_NONE)
                return -EINVAL;
            const uint64_t *p = ot__box_ptr(t);
            unsigned kind = ot__hdr_kind(p[0]);
            uint64_t size = ot__hdr_size(p[0]);
            if (kind == OT__B_HEAPBIN && size % 8 == 0) {
                size_t nbytes = (size_t)(size / 8);
                put8_32(e, TAG_BINARY, (uint32_t)nbytes);
                put_bytes(e, p + 1, nbytes);
                return 0;
            }
            if ((kind != OT__B_TUPLE && kind != OT__B_MAP) || depth >= FAST_DEPTH)
                break;
            if (size > UINT32_MAX)
                return -E2BIG;
            if (kind == OT__B_TUPLE) {
                if (size < 256) {
                    o[0] = TAG_SMALL_TUPLE;
                    o[1] = (uint8_t)size;
                    e->pos += 2;
                } else {
                    put8_32(e, TAG_LARGE_TUPLE, (uint32_t)size);
                }
                if (size == 0)
                    return 0;
                for (size_t i = 0; i + 1 < size; i++) {
                    int rc = fast_term(e, p[1 + i], flags, depth + 1);
                    if (rc < 0)
                        return rc;
                }
                t = p[size];    /* the last element, without a new frame */
                continue;
            }
            put8_32(e, TAG_MAP, (uint32_t)size);
            const ot_term *keys = p + 1, *vals = p + 1 + size;
            for (size_t i = 0; i < size; i++) {
                int rc = fast_term(e, keys[i], flags, depth + 1);
                if (rc == 0)
                    rc = fast_term(e, vals[i], flags, depth + 1);
                if (rc < 0)
                    return rc;
            }
            return 0;
        }
        default:
            break;
        }
        /* Leaves of other kinds, and deep containers. */
        return put_term(e, t, flags);
    }
}

/* Writes t with the fast walk when writing, with put_term when sizing. */
static int put_any(enc *e, ot_term t, int flags)
{
    if (!e->out)
        return put_term(e, t, flags);
    int rc = fast_term(e, t, flags, 0);
    if (rc == 0 && e->full)
        rc = -ENOBUFS;
    return rc;
}

/* ot__ext_encode_body: t's external encoding without the version byte,
 * into out[0..cap), or only its size when out is NULL. Returns the byte
 * count, -ENOBUFS if cap is too small, -EINVAL for OT_NONE or a pattern
 * variable inside t, -E2BIG for a part too large for the format (over
 * 2^32 elements or bytes), -ENOMEM if the work stack cannot grow. Used by
 * the decoder to store funs. */
ssize_t ot__ext_encode_body(ot_term t, uint8_t *out, size_t cap, int flags)
{
    enc e = { out, out ? cap : 0, 0, false, false };
    int rc = put_any(&e, t, flags);
    return rc < 0 ? rc : (ssize_t)e.pos;
}

ssize_t ot_encoded_size(ot_term t, int flags)
{
    ssize_t n = ot__ext_encode_body(t, NULL, 0, flags);
    return n < 0 ? n : n + 1;
}

ssize_t ot_encode(ot_term t, uint8_t *buf, size_t cap, int flags)
{
    if (cap < 1 || !buf)
        return t == OT_NONE ? -EINVAL : -ENOBUFS;
    buf[0] = VERSION_MAGIC;
    ssize_t n = ot__ext_encode_body(t, buf + 1, cap - 1, flags);
    return n < 0 ? n : n + 1;
}

ssize_t ot_encode_alloc(ot_term t, uint8_t **out, int flags)
{
    /* One pass into a buffer that doubles as needed (rather than a sizing
     * pass and a writing pass). */
    *out = NULL;
    enc e = { ot__malloc(128), 128, 0, false, true };
    if (!e.out)
        return -ENOMEM;
    e.out[e.pos++] = VERSION_MAGIC;
    int rc = put_any(&e, t, flags);
    if (rc < 0) {
        ot__free(e.out);
        return rc == -ENOBUFS ? -ENOMEM : rc;
    }
    *out = e.out;
    return (ssize_t)e.pos;
}
