/* flat.c — the compact byte form of objects inside tables: encoding a term
 * into it, rebuilding the term on a heap, skipping, hashing, equality.
 *
 * Each term starts with one tag byte:
 *   0x00..0x3f  the integer 0..63                0x40  integer >= 64: varint
 *   0x41  negative integer: varint of -v - 1     0x42  atom: varint index
 *   0x43  []                                     0x44  local pid: varint id, serial
 *   0x45  float: 8 bytes (-0.0 stored as 0.0)    0x46  bignum: varint (limbs << 1 | neg), limbs
 *   0x47  list: varint n, n elements, tail       0x48  bitstring: varint bits, bytes
 *   0x49  shared binary: buffer pointer, varint offset, varint bits
 *   0x4a  map: varint n, n keys, n values        0x4b  pid: node, id, serial, creation
 *   0x4c  port: node, id, creation               0x4d  reference: node, creation, n, ids
 *   0x4e  fun: varint length, external bytes     0x4f  tuple: varint arity
 *   0x50..0x5e  tuple of arity 0..14             0x60..0x9f  binary of 0..63 bytes
 *   0xa0  binary: varint length, bytes
 * Varints are LEB128. Equal terms (=:=) have equal encodings when binaries
 * are written inline, which is how keys are written. */
#include <errno.h>
#include <string.h>

#include "ets/ets_internal.h"

enum {
    F_POS = 0x40, F_NEG, F_ATOM, F_NIL, F_LPID, F_FLOAT, F_BIG, F_LIST, F_BITS, F_REFC,
    F_MAP, F_PID, F_PORT, F_REF, F_FUN, F_TUPLE,
    F_TUPLE0 = 0x50, F_TUPLE_MAX = 0x5e,
    F_BIN0 = 0x60, F_BIN_MAX = 0x9f,
    F_BIN = 0xa0,
};
#define INLINE_INT_MAX 63
#define INLINE_TUPLE_MAX 14
#define INLINE_BIN_MAX 63

/* ---------------------------------------------------------------- buffer */

static inline int room(ets_enc *b, size_t n)
{
    return ot__buf_reserve(&b->buf, n) ? 0 : -ENOMEM;
}

static inline void put_byte(ets_enc *b, uint8_t c) { b->buf.bytes[b->buf.len++] = c; }

static inline void put_varint(ets_enc *b, uint64_t v)
{
    while (v >= 0x80) {
        b->buf.bytes[b->buf.len++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    b->buf.bytes[b->buf.len++] = (uint8_t)v;
}

static inline size_t varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static inline uint64_t get_varint(const uint8_t **pp)
{
    const uint8_t *p = *pp;
    uint64_t v = 0;
    unsigned shift = 0;
    for (;;) {
        uint8_t c = *p++;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            break;
        shift += 7;
    }
    *pp = p;
    return v;
}

/* ---------------------------------------------------------------- encode */

static int enc(ets_enc *b, ot_term t, bool canon, int depth);

static int enc_bytes(ets_enc *b, const uint8_t *bytes, uint64_t nbits)
{
    size_t n = ot__bits_to_bytes(nbits);
    int rc = room(b, 1 + 10 + n);
    if (rc)
        return rc;
    if (nbits % 8) {
        put_byte(b, F_BITS);
        put_varint(b, nbits);
        memcpy(b->buf.bytes + b->buf.len, bytes, n);
        b->buf.bytes[b->buf.len + n - 1] &= (uint8_t)(0xff << (8 - nbits % 8));
    } else if (n <= INLINE_BIN_MAX) {
        put_byte(b, (uint8_t)(F_BIN0 + n));
        if (n)
            memcpy(b->buf.bytes + b->buf.len, bytes, n);
    } else {
        put_byte(b, F_BIN);
        put_varint(b, n);
        memcpy(b->buf.bytes + b->buf.len, bytes, n);
    }
    b->buf.len += n;
    return 0;
}

static int enc_box(ets_enc *b, ot_term t, bool canon, int depth)
{
    const uint64_t *p = ot__box_ptr(t);
    uint64_t size = ot__hdr_size(p[0]);
    int rc;
    switch (ot__hdr_kind(p[0])) {
    case OT__B_TUPLE:
        if ((rc = room(b, 11)))
            return rc;
        if (size <= INLINE_TUPLE_MAX) {
            put_byte(b, (uint8_t)(F_TUPLE0 + size));
        } else {
            put_byte(b, F_TUPLE);
            put_varint(b, size);
        }
        for (uint64_t i = 0; i < size; i++)
            if ((rc = enc(b, p[1 + i], canon, depth + 1)))
                return rc;
        return 0;
    case OT__B_BIGNUM: {
        size_t n = (size_t)(size >> 1);
        if ((rc = room(b, 11 + 8 * n)))
            return rc;
        put_byte(b, F_BIG);
        put_varint(b, size);
        memcpy(b->buf.bytes + b->buf.len, p + 1, 8 * n);
        b->buf.len += 8 * n;
        return 0;
    }
    case OT__B_FLOAT: {
        double d;
        memcpy(&d, p + 1, 8);
        if (d == 0.0)
            d = 0.0; /* -0.0 =:= 0.0 in OTP 25: one encoding */
        if ((rc = room(b, 9)))
            return rc;
        put_byte(b, F_FLOAT);
        memcpy(b->buf.bytes + b->buf.len, &d, 8);
        b->buf.len += 8;
        return 0;
    }
    case OT__B_HEAPBIN:
        return enc_bytes(b, (const uint8_t *)(p + 1), size);
    case OT__B_REFCBIN: {
        const ot__refcbin *r = (const ot__refcbin *)(p + 1);
        size_t n = ot__bits_to_bytes(size);
        if (canon || n <= OT__HEAPBIN_MAX)
            return enc_bytes(b, r->bytes, size);
        if ((rc = room(b, 1 + sizeof(void *) + 20)))
            return rc;
        put_byte(b, F_REFC);
        memcpy(b->buf.bytes + b->buf.len, &r->buf, sizeof(void *));
        b->buf.len += sizeof(void *);
        put_varint(b, (uint64_t)(r->bytes - r->buf->data));
        put_varint(b, size);
        b->refc = true;
        return 0;
    }
    case OT__B_MAP:
        if ((rc = room(b, 11)))
            return rc;
        put_byte(b, F_MAP);
        put_varint(b, size);
        for (uint64_t i = 0; i < 2 * size; i++)
            if ((rc = enc(b, p[1 + i], canon, depth + 1)))
                return rc;
        return 0;
    case OT__B_PID: {
        ot_pid_parts pp;
        if (ot_pid_get(t, &pp))
            return -EINVAL;
        if ((rc = room(b, 1 + 4 * 10)))
            return rc;
        put_byte(b, F_PID);
        put_varint(b, ot__atom_index(pp.node));
        put_varint(b, pp.id);
        put_varint(b, pp.serial);
        put_varint(b, pp.creation);
        return 0;
    }
    case OT__B_PORT: {
        ot_port_parts pp;
        if (ot_port_get(t, &pp))
            return -EINVAL;
        if ((rc = room(b, 1 + 3 * 10)))
            return rc;
        put_byte(b, F_PORT);
        put_varint(b, ot__atom_index(pp.node));
        put_varint(b, pp.id);
        put_varint(b, pp.creation);
        return 0;
    }
    case OT__B_REF: {
        ot_ref_parts rp;
        if (ot_ref_get(t, &rp))
            return -EINVAL;
        if ((rc = room(b, 1 + 8 * 10)))
            return rc;
        put_byte(b, F_REF);
        put_varint(b, ot__atom_index(rp.node));
        put_varint(b, rp.creation);
        put_varint(b, rp.n);
        for (uint32_t i = 0; i < rp.n; i++)
            put_varint(b, rp.ids[i]);
        return 0;
    }
    case OT__B_FUN:
        if ((rc = room(b, 11 + size)))
            return rc;
        put_byte(b, F_FUN);
        put_varint(b, size);
        memcpy(b->buf.bytes + b->buf.len, p + 1, size);
        b->buf.len += size;
        return 0;
    default:
        return -EINVAL;
    }
}

static int enc(ets_enc *b, ot_term t, bool canon, int depth)
{
    if (depth > ETS_MAX_DEPTH)
        return -E2BIG;
    int rc;
    switch (ot__tag(t)) {
    case OT__TAG_SMALL: {
        int64_t v = ot__small_val(t);
        if ((rc = room(b, 11)))
            return rc;
        if (v >= 0 && v <= INLINE_INT_MAX) {
            put_byte(b, (uint8_t)v);
        } else if (v >= 0) {
            put_byte(b, F_POS);
            put_varint(b, (uint64_t)v);
        } else {
            put_byte(b, F_NEG);
            put_varint(b, (uint64_t)(-(v + 1)));
        }
        return 0;
    }
    case OT__TAG_ATOM:
        if ((rc = room(b, 6)))
            return rc;
        put_byte(b, F_ATOM);
        put_varint(b, ot__atom_index(t));
        return 0;
    case OT__TAG_SPECIAL:
        if (t != OT_NIL)
            return -EINVAL; /* pattern variables are not stored */
        if ((rc = room(b, 1)))
            return rc;
        put_byte(b, F_NIL);
        return 0;
    case OT__TAG_LPID:
        if ((rc = room(b, 11)))
            return rc;
        put_byte(b, F_LPID);
        put_varint(b, ot__lpid_id(t));
        put_varint(b, ot__lpid_serial(t));
        return 0;
    case OT__TAG_LIST: {
        uint64_t n = 0;
        ot_term c = t;
        while (ot__is_cons(c)) {
            n++;
            c = ot__cons_ptr(c)[1];
        }
        if ((rc = room(b, 11)))
            return rc;
        put_byte(b, F_LIST);
        put_varint(b, n);
        c = t;
        while (ot__is_cons(c)) {
            if ((rc = enc(b, ot__cons_ptr(c)[0], canon, depth + 1)))
                return rc;
            c = ot__cons_ptr(c)[1];
        }
        return enc(b, c, canon, depth + 1);
    }
    case OT__TAG_BOXED:
        if (t == OT_NONE)
            return -EINVAL;
        return enc_box(b, t, canon, depth);
    default:
        return -EINVAL;
    }
}

int ot__ets_enc_object(ets_enc *b, ot_term obj, uint32_t keypos, size_t *start)
{
    if (!ot__is_boxed(obj) || ot__box_kind(obj) != OT__B_TUPLE)
        return -EINVAL;
    const uint64_t *p = ot__box_ptr(obj);
    uint64_t arity = ot__hdr_size(p[0]);
    if (arity < keypos)
        return -EINVAL;
    b->buf.len = 0;
    b->refc = false;
    int rc = room(b, ETS_HDR_MAX + 11);
    if (rc)
        return rc;
    b->buf.len = ETS_HDR_MAX;
    if (arity <= INLINE_TUPLE_MAX) {
        put_byte(b, (uint8_t)(F_TUPLE0 + arity));
    } else {
        put_byte(b, F_TUPLE);
        put_varint(b, arity);
    }
    for (uint64_t i = 0; i < arity; i++)
        if ((rc = enc(b, p[1 + i], i + 1 == keypos, 1)))
            return rc;
    size_t body = b->buf.len - ETS_HDR_MAX;
    uint64_t h = ((uint64_t)body << 1) | (b->refc ? 1 : 0);
    size_t hl = varint_len(h);
    size_t save = b->buf.len;
    b->buf.len = ETS_HDR_MAX - hl;
    *start = b->buf.len;
    put_varint(b, h);
    b->buf.len = save;
    return 0;
}

int ot__ets_enc_key(ets_enc *b, ot_term key)
{
    b->buf.len = 0;
    b->refc = false;
    return enc(b, key, true, 0);
}

/* ---------------------------------------------------------------- skip */

const uint8_t *ot__ets_skip(const uint8_t *p)
{
    for (;;) {
        uint8_t tag = *p++;
        if (tag <= INLINE_INT_MAX)
            return p;
        if (tag >= F_BIN0 && tag <= F_BIN_MAX)
            return p + (tag - F_BIN0);
        if (tag >= F_TUPLE0 && tag <= F_TUPLE_MAX) {
            for (unsigned i = 0; i < (unsigned)(tag - F_TUPLE0); i++)
                p = ot__ets_skip(p);
            return p;
        }
        switch (tag) {
        case F_POS: case F_NEG: case F_ATOM:
            get_varint(&p);
            return p;
        case F_NIL:
            return p;
        case F_LPID:
            get_varint(&p);
            get_varint(&p);
            return p;
        case F_FLOAT:
            return p + 8;
        case F_BIG: {
            uint64_t s = get_varint(&p);
            return p + 8 * (s >> 1);
        }
        case F_LIST: {
            uint64_t n = get_varint(&p);
            for (uint64_t i = 0; i < n; i++)
                p = ot__ets_skip(p);
            continue; /* the tail */
        }
        case F_BITS: {
            uint64_t bits = get_varint(&p);
            return p + ot__bits_to_bytes(bits);
        }
        case F_REFC:
            p += sizeof(void *);
            get_varint(&p);
            get_varint(&p);
            return p;
        case F_MAP: {
            uint64_t n = get_varint(&p);
            for (uint64_t i = 0; i < 2 * n; i++)
                p = ot__ets_skip(p);
            return p;
        }
        case F_PID:
            for (int i = 0; i < 4; i++)
                get_varint(&p);
            return p;
        case F_PORT:
            for (int i = 0; i < 3; i++)
                get_varint(&p);
            return p;
        case F_REF: {
            get_varint(&p);
            get_varint(&p);
            uint64_t n = get_varint(&p);
            for (uint64_t i = 0; i < n; i++)
                get_varint(&p);
            return p;
        }
        case F_FUN: {
            uint64_t n = get_varint(&p);
            return p + n;
        }
        case F_TUPLE: {
            uint64_t n = get_varint(&p);
            for (uint64_t i = 0; i < n; i++)
                p = ot__ets_skip(p);
            return p;
        }
        case F_BIN: {
            uint64_t n = get_varint(&p);
            return p + n;
        }
        default:
            return p; /* not reached: tables hold only what enc wrote */
        }
    }
}

/* The arity of the tuple encoded at *pp; advances past its header. */
static size_t tuple_header(const uint8_t **pp)
{
    uint8_t tag = *(*pp)++;
    if (tag >= F_TUPLE0 && tag <= F_TUPLE_MAX)
        return tag - F_TUPLE0;
    return (size_t)get_varint(pp);
}

size_t ot__ets_obj_arity(const uint8_t *o)
{
    size_t len;
    const uint8_t *p = ets_obj_body(o, &len, NULL);
    return tuple_header(&p);
}

const uint8_t *ot__ets_obj_elem(const uint8_t *o, size_t pos, size_t *len)
{
    size_t blen;
    const uint8_t *p = ets_obj_body(o, &blen, NULL);
    size_t arity = tuple_header(&p);
    if (pos < 1 || pos > arity)
        return NULL;
    for (size_t i = 1; i < pos; i++)
        p = ot__ets_skip(p);
    *len = (size_t)(ot__ets_skip(p) - p);
    return p;
}

/* ---------------------------------------------------------------- decode */

static ot_term dec(ot_heap *h, const uint8_t **pp);

static ot_term dec_bits(ot_heap *h, const uint8_t **pp, uint64_t nbits)
{
    uint8_t *bytes;
    ot_term t = ot__binary_uninit(h, nbits, &bytes);
    size_t n = ot__bits_to_bytes(nbits);
    if (t != OT_NONE && n)
        memcpy(bytes, *pp, n);
    *pp += n;
    return t;
}

static ot_term dec(ot_heap *h, const uint8_t **pp)
{
    const uint8_t *p = *pp;
    uint8_t tag = *p++;
    ot_term t;
    if (tag <= INLINE_INT_MAX) {
        *pp = p;
        return ot__make_small(tag);
    }
    if (tag >= F_BIN0 && tag <= F_BIN_MAX) {
        size_t n = tag - F_BIN0;
        uint64_t words = 1 + ot__bytes_to_words(n);
        uint64_t *b = ot__heap_alloc(h, words);
        *pp = p + n;
        if (!b)
            return OT_NONE;
        b[words - 1] = 0;
        b[0] = ot__hdr(OT__B_HEAPBIN, (uint64_t)n * 8);
        if (n)
            memcpy(b + 1, p, n);
        return ot__make_boxed(b);
    }
    if ((tag >= F_TUPLE0 && tag <= F_TUPLE_MAX) || tag == F_TUPLE) {
        size_t n = tag == F_TUPLE ? (size_t)get_varint(&p) : (size_t)(tag - F_TUPLE0);
        uint64_t *b = ot__heap_alloc(h, 1 + n);
        if (!b)
            return OT_NONE;
        b[0] = ot__hdr(OT__B_TUPLE, n);
        for (size_t i = 0; i < n; i++) {
            b[1 + i] = dec(h, &p);
            if (b[1 + i] == OT_NONE)
                return OT_NONE;
        }
        *pp = p;
        return ot__make_boxed(b);
    }
    switch (tag) {
    case F_POS: {
        uint64_t v = get_varint(&p);
        *pp = p;
        return v <= (uint64_t)OT__SMALL_MAX ? ot__make_small((int64_t)v) : ot_uint(h, v);
    }
    case F_NEG: {
        uint64_t v = get_varint(&p);
        *pp = p;
        if (v <= (uint64_t)(-(OT__SMALL_MIN + 1)))
            return ot__make_small(-(int64_t)v - 1);
        uint64_t mag = v + 1; /* up to 2^64: fits, v < 2^63 here */
        return ot_bigint(h, true, &mag, 1);
    }
    case F_ATOM:
        t = ot__make_atom((uint32_t)get_varint(&p));
        *pp = p;
        return t;
    case F_NIL:
        *pp = p;
        return OT_NIL;
    case F_LPID: {
        uint32_t id = (uint32_t)get_varint(&p);
        uint32_t serial = (uint32_t)get_varint(&p);
        *pp = p;
        return ot__make_lpid(id, serial);
    }
    case F_FLOAT: {
        uint64_t *b = ot__heap_alloc(h, 2);
        *pp = p + 8;
        if (!b)
            return OT_NONE;
        b[0] = ot__hdr(OT__B_FLOAT, 0);
        memcpy(b + 1, p, 8);
        return ot__make_boxed(b);
    }
    case F_BIG: {
        uint64_t s = get_varint(&p);
        size_t n = (size_t)(s >> 1);
        uint64_t *b = ot__heap_alloc(h, 1 + n);
        *pp = p + 8 * n;
        if (!b)
            return OT_NONE;
        b[0] = ot__hdr(OT__B_BIGNUM, s);
        memcpy(b + 1, p, 8 * n);
        return ot__make_boxed(b);
    }
    case F_LIST: {
        size_t n = (size_t)get_varint(&p);
        uint64_t *c = ot__heap_alloc(h, 2 * n);
        if (!c)
            return OT_NONE;
        for (size_t i = 0; i < n; i++) {
            c[2 * i] = dec(h, &p);
            if (c[2 * i] == OT_NONE)
                return OT_NONE;
            if (i + 1 < n)
                c[2 * i + 1] = ot__make_cons(c + 2 * i + 2);
        }
        ot_term tail = dec(h, &p);
        if (tail == OT_NONE)
            return OT_NONE;
        c[2 * n - 1] = tail;
        *pp = p;
        return ot__make_cons(c);
    }
    case F_BITS: {
        uint64_t bits = get_varint(&p);
        t = dec_bits(h, &p, bits);
        *pp = p;
        return t;
    }
    case F_BIN: {
        uint64_t n = get_varint(&p);
        t = dec_bits(h, &p, n * 8);
        *pp = p;
        return t;
    }
    case F_REFC: {
        ot__binbuf *buf;
        memcpy(&buf, p, sizeof buf);
        p += sizeof buf;
        uint64_t off = get_varint(&p);
        uint64_t bits = get_varint(&p);
        *pp = p;
        return ot__refcbin_new(h, buf, buf->data + off, bits);
    }
    case F_MAP: {
        size_t n = (size_t)get_varint(&p);
        uint64_t *b = ot__heap_alloc(h, 1 + 2 * n);
        if (!b)
            return OT_NONE;
        b[0] = ot__hdr(OT__B_MAP, n);
        for (size_t i = 0; i < 2 * n; i++) {
            b[1 + i] = dec(h, &p);
            if (b[1 + i] == OT_NONE)
                return OT_NONE;
        }
        *pp = p;
        return ot__make_boxed(b);
    }
    case F_PID: {
        ot_term node = ot__make_atom((uint32_t)get_varint(&p));
        uint32_t id = (uint32_t)get_varint(&p);
        uint32_t serial = (uint32_t)get_varint(&p);
        uint32_t creation = (uint32_t)get_varint(&p);
        *pp = p;
        return ot_pid(h, node, id, serial, creation);
    }
    case F_PORT: {
        ot_term node = ot__make_atom((uint32_t)get_varint(&p));
        uint64_t id = get_varint(&p);
        uint32_t creation = (uint32_t)get_varint(&p);
        *pp = p;
        return ot_port(h, node, id, creation);
    }
    case F_REF: {
        ot_term node = ot__make_atom((uint32_t)get_varint(&p));
        uint32_t creation = (uint32_t)get_varint(&p);
        uint32_t ids[5] = {0};
        size_t n = (size_t)get_varint(&p);
        for (size_t i = 0; i < n; i++) {
            uint64_t v = get_varint(&p);
            if (i < 5)
                ids[i] = (uint32_t)v;
        }
        *pp = p;
        return ot_ref(h, node, creation, ids, n > 5 ? 5 : n);
    }
    case F_FUN: {
        size_t n = (size_t)get_varint(&p);
        size_t words = 1 + ot__bytes_to_words(n);
        uint64_t *b = ot__heap_alloc(h, words);
        *pp = p + n;
        if (!b)
            return OT_NONE;
        b[words - 1] = 0;
        b[0] = ot__hdr(OT__B_FUN, n);
        memcpy(b + 1, p, n);
        return ot__make_boxed(b);
    }
    default:
        return OT_NONE;
    }
}

ot_term ot__ets_decode(ot_heap *h, const uint8_t **pp)
{
    return dec(h, pp);
}

ot_term ot__ets_obj_decode(ot_heap *h, const uint8_t *o)
{
    size_t len;
    const uint8_t *p = ets_obj_body(o, &len, NULL);
    return dec(h, &p);
}

/* ---------------------------------------------------------------- references */

/* Calls fn on every shared buffer in the term encoded at *pp. */
static void walk_refc(const uint8_t **pp, void (*fn)(ot__binbuf *))
{
    const uint8_t *p = *pp;
    uint8_t tag = *p;
    if (tag == F_REFC) {
        ot__binbuf *buf;
        memcpy(&buf, p + 1, sizeof buf);
        fn(buf);
        *pp = ot__ets_skip(p);
        return;
    }
    size_t n;
    p++;
    if ((tag >= F_TUPLE0 && tag <= F_TUPLE_MAX) || tag == F_TUPLE) {
        n = tag == F_TUPLE ? (size_t)get_varint(&p) : (size_t)(tag - F_TUPLE0);
    } else if (tag == F_MAP) {
        n = 2 * (size_t)get_varint(&p);
    } else if (tag == F_LIST) {
        n = (size_t)get_varint(&p) + 1;
    } else {
        *pp = ot__ets_skip(*pp);
        return;
    }
    for (size_t i = 0; i < n; i++)
        walk_refc(&p, fn);
    *pp = p;
}

static void obj_walk_refc(const uint8_t *o, void (*fn)(ot__binbuf *))
{
    size_t len;
    bool refc;
    const uint8_t *p = ets_obj_body(o, &len, &refc);
    if (refc)
        walk_refc(&p, fn);
}

void ot__ets_obj_retain(const uint8_t *o) { obj_walk_refc(o, ot__binbuf_ref); }
void ot__ets_obj_release(const uint8_t *o) { obj_walk_refc(o, ot__binbuf_unref); }

/* ---------------------------------------------------------------- equality */

bool ot__ets_obj_equal(const uint8_t *a, const uint8_t *b)
{
    size_t la, lb;
    bool ra, rb;
    const uint8_t *pa = ets_obj_body(a, &la, &ra);
    const uint8_t *pb = ets_obj_body(b, &lb, &rb);
    if (la == lb && memcmp(pa, pb, la) == 0)
        return true;
    if (!ra && !rb)
        return false; /* canonical encodings differ: the terms differ */
    /* A shared binary on either side: compare the terms. */
    ot_heap *h = ot_heap_new();
    if (!h)
        return false;
    ot_term ta = dec(h, &pa), tb = dec(h, &pb);
    bool eq = ta != OT_NONE && tb != OT_NONE && ot_equal(ta, tb);
    ot_heap_free(h);
    return eq;
}

/* ---------------------------------------------------------------- hash */

static inline uint64_t rd64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint64_t fmix(uint64_t h)
{
    /* the finaliser of MurmurHash3 */
    h ^= h >> 33;
    h *= UINT64_C(0xff51afd7ed558ccd);
    h ^= h >> 33;
    h *= UINT64_C(0xc4ceb9fe1a85ec53);
    h ^= h >> 33;
    return h;
}

uint64_t ot__ets_hash(const uint8_t *p, size_t n)
{
    const uint64_t k1 = UINT64_C(0x9e3779b97f4a7c15), k2 = UINT64_C(0xc2b2ae3d27d4eb4f);
    if (n <= 8) { /* most keys: one word and the finaliser */
        uint64_t v = 0;
        memcpy(&v, p, n);
        return fmix(v ^ ((uint64_t)n << 59));
    }
    uint64_t h = (uint64_t)n * k2;
    while (n >= 8) {
        h = (h ^ (rd64(p) * k1)) * k2;
        h ^= h >> 29;
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t v = 0;
        memcpy(&v, p, n);
        h = (h ^ (v * k1)) * k2;
    }
    return fmix(h);
}
