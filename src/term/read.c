/* read.c — reading terms: types, numbers, tuples, lists, binaries, maps,
 * identifiers. */
#include <errno.h>
#include <math.h>

#include "term/term_internal.h"

ot_type ot_typeof(ot_term t)
{
    switch (ot__tag(t)) {
    case OT__TAG_SMALL: return OT_TYPE_INT;
    case OT__TAG_ATOM: return OT_TYPE_ATOM;
    case OT__TAG_LIST: return OT_TYPE_LIST;
    case OT__TAG_LPID: return OT_TYPE_PID;
    case OT__TAG_SPECIAL:
        switch (ot__special_sub(t)) {
        case OT__SPECIAL_NIL: return OT_TYPE_NIL;
        case OT__SPECIAL_VAR:
        case OT__SPECIAL_ANY: return OT_TYPE_VAR;
        default: return OT_TYPE_NONE;
        }
    case OT__TAG_BOXED:
        if (t == OT_NONE)
            return OT_TYPE_NONE;
        switch (ot__box_kind(t)) {
        case OT__B_TUPLE: return OT_TYPE_TUPLE;
        case OT__B_BIGNUM: return OT_TYPE_INT;
        case OT__B_FLOAT: return OT_TYPE_FLOAT;
        case OT__B_HEAPBIN:
        case OT__B_REFCBIN: return OT_TYPE_BINARY;
        case OT__B_MAP: return OT_TYPE_MAP;
        case OT__B_PID: return OT_TYPE_PID;
        case OT__B_PORT: return OT_TYPE_PORT;
        case OT__B_REF: return OT_TYPE_REF;
        case OT__B_FUN: return OT_TYPE_FUN;
        default: return OT_TYPE_NONE;
        }
    default: return OT_TYPE_NONE;
    }
}

bool ot_is_int(ot_term t) { return ot_typeof(t) == OT_TYPE_INT; }
bool ot_is_float(ot_term t) { return ot_typeof(t) == OT_TYPE_FLOAT; }
bool ot_is_number(ot_term t) { ot_type y = ot_typeof(t); return y == OT_TYPE_INT || y == OT_TYPE_FLOAT; }
bool ot_is_atom(ot_term t) { return ot__is_atom(t); }
bool ot_is_bitstring(ot_term t)
{
    if (!ot__is_boxed(t))
        return false;
    unsigned k = ot__box_kind(t);
    return k == OT__B_HEAPBIN || k == OT__B_REFCBIN;
}
bool ot_is_binary(ot_term t) { return ot_is_bitstring(t) && ot__hdr_size(*ot__box_ptr(t)) % 8 == 0; }
bool ot_is_tuple(ot_term t) { return ot__is_boxed(t) && ot__box_kind(t) == OT__B_TUPLE; }
bool ot_is_list(ot_term t) { return t == OT_NIL || ot__is_cons(t); }
bool ot_is_map(ot_term t) { return ot__is_boxed(t) && ot__box_kind(t) == OT__B_MAP; }
bool ot_is_pid(ot_term t) { return ot_typeof(t) == OT_TYPE_PID; }
bool ot_is_port(ot_term t) { return ot_typeof(t) == OT_TYPE_PORT; }
bool ot_is_ref(ot_term t) { return ot_typeof(t) == OT_TYPE_REF; }
bool ot_is_fun(ot_term t) { return ot_typeof(t) == OT_TYPE_FUN; }

size_t ot__int_limbs(ot_term t, bool *neg, const uint64_t **limbs, uint64_t *scratch)
{
    if (ot__is_small(t)) {
        int64_t v = ot__small_val(t);
        *neg = v < 0;
        *scratch = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
        *limbs = scratch;
        return v == 0 ? 0 : 1;
    }
    const uint64_t *p = ot__box_ptr(t);
    uint64_t size = ot__hdr_size(p[0]);
    *neg = size & 1;
    *limbs = p + 1;
    return (size_t)(size >> 1);
}

ssize_t ot_bigint_limbs(ot_term t, bool *negative, const uint64_t **limbs)
{
    static _Thread_local uint64_t scratch;
    if (!ot_is_int(t))
        return -EINVAL;
    return (ssize_t)ot__int_limbs(t, negative, limbs, &scratch);
}

int ot_get_int64(ot_term t, int64_t *v)
{
    if (ot__is_small(t)) {
        *v = ot__small_val(t);
        return 0;
    }
    if (!ot_is_int(t))
        return -EINVAL;
    bool neg;
    const uint64_t *l;
    uint64_t s;
    size_t n = ot__int_limbs(t, &neg, &l, &s);
    if (n != 1)
        return -ERANGE;
    if (!neg && l[0] <= (uint64_t)INT64_MAX) {
        *v = (int64_t)l[0];
        return 0;
    }
    if (neg && l[0] <= (uint64_t)INT64_MAX + 1) {
        *v = (int64_t)(0 - l[0]);
        return 0;
    }
    return -ERANGE;
}

int ot_get_uint64(ot_term t, uint64_t *v)
{
    if (!ot_is_int(t))
        return -EINVAL;
    bool neg;
    const uint64_t *l;
    uint64_t s;
    size_t n = ot__int_limbs(t, &neg, &l, &s);
    if (n == 0) {
        *v = 0;
        return 0;
    }
    if (neg || n != 1)
        return -ERANGE;
    *v = l[0];
    return 0;
}

int ot_get_double(ot_term t, double *v)
{
    if (ot_is_float(t)) {
        memcpy(v, ot__box_ptr(t) + 1, sizeof *v);
        return 0;
    }
    if (!ot_is_int(t))
        return -EINVAL;
    bool neg;
    const uint64_t *l;
    uint64_t s;
    size_t n = ot__int_limbs(t, &neg, &l, &s);
    double d = 0;
    for (size_t i = n; i-- > 0;)
        d = d * 18446744073709551616.0 + (double)l[i];
    *v = neg ? -d : d;
    return 0;
}

size_t ot_tuple_arity(ot_term t)
{
    if (!ot__is_boxed(t))
        return 0;
    uint64_t h = *ot__box_ptr(t);
    return ot__hdr_kind(h) == OT__B_TUPLE ? (size_t)ot__hdr_size(h) : 0;
}

ot_term ot_tuple_get(ot_term t, size_t i)
{
    if (!ot__is_boxed(t))
        return OT_NONE;
    const uint64_t *p = ot__box_ptr(t);
    return ot__hdr_kind(p[0]) == OT__B_TUPLE && i < ot__hdr_size(p[0]) ? p[1 + i] : OT_NONE;
}

ot_term ot_hd(ot_term t) { return ot__is_cons(t) ? ot__cons_ptr(t)[0] : OT_NONE; }
ot_term ot_tl(ot_term t) { return ot__is_cons(t) ? ot__cons_ptr(t)[1] : OT_NONE; }

ssize_t ot_list_length(ot_term t)
{
    ssize_t n = 0;
    while (ot__is_cons(t)) {
        n++;
        t = ot__cons_ptr(t)[1];
    }
    return t == OT_NIL ? n : -EINVAL;
}

const uint8_t *ot_binary_data(ot_term t, size_t *nbytes)
{
    if (!ot_is_bitstring(t))
        return NULL;
    const uint64_t *p = ot__box_ptr(t);
    if (nbytes)
        *nbytes = ot__bits_to_bytes(ot__hdr_size(p[0]));
    if (ot__hdr_kind(p[0]) == OT__B_HEAPBIN)
        return (const uint8_t *)(p + 1);
    return ((const ot__refcbin *)(p + 1))->bytes;
}

size_t ot_bitstring_bits(ot_term t)
{
    return ot_is_bitstring(t) ? (size_t)ot__hdr_size(*ot__box_ptr(t)) : 0;
}

size_t ot_map_size(ot_term m)
{
    return ot_is_map(m) ? (size_t)ot__hdr_size(*ot__box_ptr(m)) : 0;
}

ot_term ot_map_get(ot_term m, ot_term key)
{
    if (!ot_is_map(m) || key == OT_NONE)
        return OT_NONE;
    const uint64_t *p = ot__box_ptr(m);
    size_t n = (size_t)ot__hdr_size(p[0]);
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = ot_compare_exact(p[1 + mid], key);
        if (c == 0)
            return p[1 + n + mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return OT_NONE;
}

ot_term ot_map_key(ot_term m, size_t i)
{
    size_t n = ot_map_size(m);
    return i < n ? ot__box_ptr(m)[1 + i] : OT_NONE;
}

ot_term ot_map_value(ot_term m, size_t i)
{
    size_t n = ot_map_size(m);
    return i < n ? ot__box_ptr(m)[1 + n + i] : OT_NONE;
}

int ot_pid_get(ot_term t, ot_pid_parts *out)
{
    if (ot__is_lpid(t)) {
        out->node = ot__local_node();
        out->id = ot__lpid_id(t);
        out->serial = ot__lpid_serial(t);
        out->creation = ot__local_creation();
        return 0;
    }
    if (!ot_is_pid(t))
        return -EINVAL;
    const uint64_t *p = ot__box_ptr(t);
    out->node = p[1];
    out->id = (uint32_t)p[2];
    out->serial = (uint32_t)(p[2] >> 32);
    out->creation = (uint32_t)p[3];
    return 0;
}

int ot_port_get(ot_term t, ot_port_parts *out)
{
    if (!ot_is_port(t))
        return -EINVAL;
    const uint64_t *p = ot__box_ptr(t);
    out->node = p[1];
    out->id = p[2];
    out->creation = (uint32_t)p[3];
    return 0;
}

int ot_ref_get(ot_term t, ot_ref_parts *out)
{
    if (!ot_is_ref(t))
        return -EINVAL;
    const uint64_t *p = ot__box_ptr(t);
    out->node = p[1];
    out->creation = (uint32_t)p[2];
    out->n = (uint32_t)ot__hdr_size(p[0]);
    memset(out->ids, 0, sizeof out->ids);
    for (uint32_t i = 0; i < out->n; i++)
        out->ids[i] = (uint32_t)(p[3 + i / 2] >> (32 * (i % 2)));
    return 0;
}

const uint8_t *ot_fun_bytes(ot_term t, size_t *n)
{
    if (!ot_is_fun(t))
        return NULL;
    const uint64_t *p = ot__box_ptr(t);
    if (n)
        *n = (size_t)ot__hdr_size(p[0]);
    return (const uint8_t *)(p + 1);
}
