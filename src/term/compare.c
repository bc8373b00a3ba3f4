/* compare.c — Erlang's term order, exact equality and hashing.
 *
 * Order of types (OTP 25): number < atom < reference < fun < port < pid
 * < tuple < map < nil < list < bitstring. Within a type:
 *   numbers     by value; an integer and a float compare exactly (a bignum
 *               against a float never goes through a lossy double). In the
 *               exact order (=:=, map keys) every integer is before every
 *               float. As in OTP 25 (and unlike OTP 27), -0.0 =:= 0.0.
 *   atoms       by their text (UTF-8 bytes, which is code point order).
 *   references  by node name, node creation, then the id words from the
 *               last to the first, a shorter reference read as if padded
 *               with zero words (so <0.0.1.2> and <0.0.1.2.0> are equal,
 *               as BEAM has them).
 *   funs        local before export; export by module, function, arity;
 *               local by module, index, old uniq, free variable count, then
 *               the rest of their bytes (BEAM compares the free variables
 *               as terms: otter, holding funs as bytes, compares bytes).
 *   ports       by node name, node creation, then number.
 *   pids        by serial, then number, then node name, then creation;
 *               a pid of the running node is an immediate word
 *               (term_internal.h) and compares through the same fields.
 *   tuples      by arity, then element by element.
 *   maps        by size, then keys in map-key order compared exactly, then
 *               values in that order compared as the outer comparison does.
 *   lists       element by element; a proper prefix is smaller.
 *   bitstrings  by their common leading bits, then by length.
 *
 * The comparison walks terms with an explicit stack of element ranges, so
 * neither long lists nor deep nesting recurse on the C stack; the stack
 * lives inline for the first 32 levels and only deeper terms allocate. */
#include <math.h>
#include <stdlib.h>

#include "term/term_internal.h"

/* ---------------------------------------------------------------- classes */

/* Rank of a term's type in the term order. Pattern variables and OT_NONE,
 * which are not terms, sort after everything so the order stays total. */
enum {
    R_NUMBER, R_ATOM, R_REF, R_FUN, R_PORT, R_PID, R_TUPLE, R_MAP, R_NIL,
    R_LIST, R_BITS, R_VAR, R_NONE
};

static int rank_of(ot_term t)
{
    switch (ot__tag(t)) {
    case OT__TAG_SMALL: return R_NUMBER;
    case OT__TAG_ATOM: return R_ATOM;
    case OT__TAG_LIST: return R_LIST;
    case OT__TAG_SPECIAL: return t == OT_NIL ? R_NIL : R_VAR;
    case OT__TAG_LPID: return R_PID;
    case OT__TAG_BOXED:
        if (t == OT_NONE)
            return R_NONE;
        switch (ot__box_kind(t)) {
        case OT__B_BIGNUM:
        case OT__B_FLOAT: return R_NUMBER;
        case OT__B_TUPLE: return R_TUPLE;
        case OT__B_HEAPBIN:
        case OT__B_REFCBIN: return R_BITS;
        case OT__B_MAP: return R_MAP;
        case OT__B_PID: return R_PID;
        case OT__B_PORT: return R_PORT;
        case OT__B_REF: return R_REF;
        case OT__B_FUN: return R_FUN;
        default: return R_NONE;
        }
    default: return R_NONE;
    }
}

static inline int sgn64(uint64_t a, uint64_t b) { return a < b ? -1 : a > b; }
static inline int sgn_i64(int64_t a, int64_t b) { return a < b ? -1 : a > b; }

static inline double float_val(ot_term t)
{
    double d;
    memcpy(&d, ot__box_ptr(t) + 1, sizeof d);
    return d;
}

static inline bool is_float_box(ot_term t)
{
    return ot__is_boxed(t) && ot__box_kind(t) == OT__B_FLOAT;
}

/* ---------------------------------------------------------------- numbers */

static size_t bitlen_limbs(const uint64_t *l, size_t n)
{
    while (n > 0 && l[n - 1] == 0)
        n--;
    if (n == 0)
        return 0;
    return 64 * (n - 1) + (64 - (size_t)__builtin_clzll(l[n - 1]));
}

/* Magnitude of an integer (limbs l[0..n)) against |d| (finite, nonzero):
 * -1, 0 or 1, exactly. */
static int cmp_mag_int_double(const uint64_t *l, size_t n, double d)
{
    int e;
    double f = frexp(fabs(d), &e); /* |d| = f * 2^e, 0.5 <= f < 1 */
    size_t ib = bitlen_limbs(l, n);
    if (e <= 0)                    /* |d| < 1 */
        return ib == 0 ? -1 : 1;
    if (ib != (size_t)e)
        return ib < (size_t)e ? -1 : 1;
    /* Same bit length e: |d| = m * 2^shift with a 53-bit integer m. */
    uint64_t m = (uint64_t)ldexp(f, 53);
    long shift = (long)e - 53;
    if (shift < 0) {
        /* e <= 52: the integer fits one limb. */
        uint64_t ip = m >> -shift;
        bool frac = (m & ((UINT64_C(1) << -shift) - 1)) != 0;
        if (l[0] != ip)
            return l[0] < ip ? -1 : 1;
        return frac ? -1 : 0;
    }
    size_t nl = ((size_t)e + 63) / 64;
    for (size_t k = nl; k-- > 0;) {
        long s = shift - 64 * (long)k;
        uint64_t dl;
        if (s >= 0)
            dl = s < 64 ? m << s : 0;
        else
            dl = -s < 64 ? m >> -s : 0;
        uint64_t il = k < n ? l[k] : 0;
        if (il != dl)
            return il < dl ? -1 : 1;
    }
    return 0;
}

/* An integer term against a double, exactly. */
static int cmp_int_double(ot_term i, double d)
{
    if (ot__is_small(i)) {
        int64_t v = ot__small_val(i);
        /* Small integers within 2^53 convert to double exactly. */
        if (v > -(INT64_C(1) << 53) && v < (INT64_C(1) << 53)) {
            double x = (double)v;
            return x < d ? -1 : x > d;
        }
    }
    bool neg;
    const uint64_t *l;
    uint64_t scratch;
    size_t n = ot__int_limbs(i, &neg, &l, &scratch);
    int isg = n == 0 ? 0 : neg ? -1 : 1;
    int dsg = d < 0 ? -1 : d > 0;
    if (isg != dsg)
        return isg < dsg ? -1 : 1;
    if (isg == 0)
        return 0;
    int c = cmp_mag_int_double(l, n, d);
    return neg ? -c : c;
}

static int cmp_ints(ot_term a, ot_term b)
{
    if (ot__is_small(a) && ot__is_small(b))
        return sgn_i64(ot__small_val(a), ot__small_val(b));
    bool na, nb;
    const uint64_t *la, *lb;
    uint64_t sa, sb;
    size_t ka = ot__int_limbs(a, &na, &la, &sa);
    size_t kb = ot__int_limbs(b, &nb, &lb, &sb);
    while (ka > 0 && la[ka - 1] == 0)
        ka--;
    while (kb > 0 && lb[kb - 1] == 0)
        kb--;
    int ga = ka == 0 ? 0 : na ? -1 : 1;
    int gb = kb == 0 ? 0 : nb ? -1 : 1;
    if (ga != gb)
        return ga < gb ? -1 : 1;
    int c = 0;
    if (ka != kb) {
        c = ka < kb ? -1 : 1;
    } else {
        for (size_t k = ka; k-- > 0;)
            if (la[k] != lb[k]) {
                c = la[k] < lb[k] ? -1 : 1;
                break;
            }
    }
    return ga < 0 ? -c : c;
}

/* Two numbers; exact: every integer before every float. */
static int cmp_numbers(ot_term a, ot_term b, bool exact)
{
    bool fa = is_float_box(a), fb = is_float_box(b);
    if (fa && fb) {
        double x = float_val(a), y = float_val(b);
        return x < y ? -1 : x > y; /* -0.0 == 0.0, as OTP 25 */
    }
    if (!fa && !fb)
        return cmp_ints(a, b);
    if (exact)
        return fa ? 1 : -1;
    return fa ? -cmp_int_double(b, float_val(a)) : cmp_int_double(a, float_val(b));
}

/* ---------------------------------------------------------------- leaves */

static int cmp_atoms(ot_term a, ot_term b)
{
    size_t la, lb;
    const char *ta = ot__atom_text_idx(ot__atom_index(a), &la);
    const char *tb = ot__atom_text_idx(ot__atom_index(b), &lb);
    int c = memcmp(ta, tb, la < lb ? la : lb);
    if (c)
        return c < 0 ? -1 : 1;
    return la < lb ? -1 : la > lb;
}

static const uint8_t *bits_data(const uint64_t *p)
{
    if (ot__hdr_kind(p[0]) == OT__B_HEAPBIN)
        return (const uint8_t *)(p + 1);
    return ((const ot__refcbin *)(p + 1))->bytes;
}

static int cmp_bits(const uint64_t *p, const uint64_t *q)
{
    uint64_t na = ot__hdr_size(p[0]), nb = ot__hdr_size(q[0]);
    uint64_t m = na < nb ? na : nb;
    const uint8_t *x = bits_data(p), *y = bits_data(q);
    size_t whole = (size_t)(m / 8);
    if (whole) {
        int c = memcmp(x, y, whole);
        if (c)
            return c < 0 ? -1 : 1;
    }
    if (m % 8) {
        uint8_t mask = (uint8_t)(0xff << (8 - m % 8));
        uint8_t bx = x[whole] & mask, by = y[whole] & mask;
        if (bx != by)
            return bx < by ? -1 : 1;
    }
    return sgn64(na, nb);
}

/* A node: its name atom, then its creation. */
static int cmp_node(ot_term na, uint64_t ca, ot_term nb, uint64_t cb)
{
    if (na != nb) {
        int c = cmp_atoms(na, nb);
        if (c)
            return c;
    }
    return sgn64((uint32_t)ca, (uint32_t)cb);
}

static uint32_t ref_word(const uint64_t *p, size_t i)
{
    return (uint32_t)(p[3 + i / 2] >> (32 * (i % 2)));
}

static int cmp_refs(const uint64_t *p, const uint64_t *q)
{
    int c = cmp_node(p[1], p[2], q[1], q[2]);
    if (c)
        return c;
    size_t na = (size_t)ot__hdr_size(p[0]), nb = (size_t)ot__hdr_size(q[0]);
    size_t n = na > nb ? na : nb;
    for (size_t i = n; i-- > 0;) {
        uint32_t x = i < na ? ref_word(p, i) : 0;
        uint32_t y = i < nb ? ref_word(q, i) : 0;
        if (x != y)
            return x < y ? -1 : 1;
    }
    return 0;
}

/* A pid's fields, whichever its form (immediate local pid or boxed). */
typedef struct pidf {
    ot_term node;
    uint64_t data;      /* id | serial << 32 */
    uint32_t creation;
} pidf;

static pidf pid_fields(ot_term t)
{
    if (ot__is_lpid(t))
        return (pidf){ot__local_node(),
                      (uint64_t)ot__lpid_id(t) | ((uint64_t)ot__lpid_serial(t) << 32),
                      ot__local_creation()};
    const uint64_t *p = ot__box_ptr(t);
    return (pidf){p[1], p[2], (uint32_t)p[3]};
}

static int cmp_pids(ot_term a, ot_term b)
{
    pidf x = pid_fields(a), y = pid_fields(b);
    /* serial first, then number (data is id | serial << 32), then node */
    if (x.data != y.data)
        return sgn64(x.data, y.data);
    return cmp_node(x.node, x.creation, y.node, y.creation);
}

static int cmp_ports(const uint64_t *p, const uint64_t *q)
{
    int c = cmp_node(p[1], p[3], q[1], q[3]);
    return c ? c : sgn64(p[2], q[2]);
}

/* The parts of a fun's stored encoding that BEAM orders by. The decoder
 * stores funs re-encoded with UTF-8 atoms, so only tags 118/119 (atoms)
 * and 97/98 (integers) occur in the fields read here. */
typedef struct fun_key {
    bool local;
    const uint8_t *mod, *fn;     /* atom texts */
    size_t mod_len, fn_len;
    int64_t arity;               /* export: arity */
    int64_t index, uniq, nfree;  /* local: Index, OldUniq, NumFree */
    size_t env_off;              /* local: where the free variables start */
} fun_key;

/* Reads an atom at b[*i]; false if the bytes are not one. */
static bool fun_atom(const uint8_t *b, size_t n, size_t *i, const uint8_t **text, size_t *len)
{
    if (*i >= n)
        return false;
    size_t l, h;
    switch (b[*i]) {
    case 119: case 115: h = 2; if (*i + 2 > n) return false; l = b[*i + 1]; break;
    case 118: case 100: h = 3; if (*i + 3 > n) return false; l = (size_t)b[*i + 1] << 8 | b[*i + 2]; break;
    default: return false;
    }
    if (*i + h + l > n)
        return false;
    *text = b + *i + h;
    *len = l;
    *i += h + l;
    return true;
}

/* Reads a small integer at b[*i]; false if the bytes are not one. */
static bool fun_int(const uint8_t *b, size_t n, size_t *i, int64_t *v)
{
    if (*i + 2 <= n && b[*i] == 97) {
        *v = b[*i + 1];
        *i += 2;
        return true;
    }
    if (*i + 5 <= n && b[*i] == 98) {
        *v = (int32_t)((uint32_t)b[*i + 1] << 24 | (uint32_t)b[*i + 2] << 16 | (uint32_t)b[*i + 3] << 8 | b[*i + 4]);
        *i += 5;
        return true;
    }
    return false;
}

static bool fun_parse(const uint64_t *p, fun_key *k)
{
    const uint8_t *b = (const uint8_t *)(p + 1);
    size_t n = (size_t)ot__hdr_size(p[0]);
    memset(k, 0, sizeof *k);
    if (n < 1)
        return false;
    size_t i = 1;
    if (b[0] == 113) {
        return fun_atom(b, n, &i, &k->mod, &k->mod_len) && fun_atom(b, n, &i, &k->fn, &k->fn_len) &&
               fun_int(b, n, &i, &k->arity);
    }
    if (b[0] != 112 || n < 1 + 4 + 1 + 16 + 4 + 4)
        return false;
    k->local = true;
    k->index = (int64_t)((uint32_t)b[22] << 24 | (uint32_t)b[23] << 16 | (uint32_t)b[24] << 8 | b[25]);
    k->nfree = (int64_t)((uint32_t)b[26] << 24 | (uint32_t)b[27] << 16 | (uint32_t)b[28] << 8 | b[29]);
    i = 30;
    int64_t old_index;
    if (!fun_atom(b, n, &i, &k->mod, &k->mod_len) || !fun_int(b, n, &i, &old_index) ||
        !fun_int(b, n, &i, &k->uniq))
        return false;
    k->env_off = i; /* the creator pid, then the free variables */
    return true;
}

static int cmp_text(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
    int c = memcmp(a, b, na < nb ? na : nb);
    if (c)
        return c < 0 ? -1 : 1;
    return sgn64(na, nb);
}

/* BEAM's order of funs (OTP 25): every local fun before every export fun;
 * export funs by module, function, arity; local funs by module, index,
 * old uniq, number of free variables, then (here) the remaining bytes. */
static int cmp_funs(const uint64_t *p, const uint64_t *q)
{
    size_t na = (size_t)ot__hdr_size(p[0]), nb = (size_t)ot__hdr_size(q[0]);
    const uint8_t *ba = (const uint8_t *)(p + 1), *bb = (const uint8_t *)(q + 1);
    fun_key x, y;
    if (fun_parse(p, &x) && fun_parse(q, &y)) {
        if (x.local != y.local)
            return x.local ? -1 : 1;
        int c = cmp_text(x.mod, x.mod_len, y.mod, y.mod_len);
        if (c)
            return c;
        if (!x.local) {
            c = cmp_text(x.fn, x.fn_len, y.fn, y.fn_len);
            return c ? c : sgn64((uint64_t)x.arity, (uint64_t)y.arity);
        }
        if (x.index != y.index)
            return x.index < y.index ? -1 : 1;
        if (x.uniq != y.uniq)
            return x.uniq < y.uniq ? -1 : 1;
        if (x.nfree != y.nfree)
            return x.nfree < y.nfree ? -1 : 1;
        return cmp_text(ba + x.env_off, na - x.env_off, bb + y.env_off, nb - y.env_off);
    }
    return cmp_text(ba, na, bb, nb);
}

/* ---------------------------------------------------------------- walk */

/* Pending work: n more pairs (a[i], b[i]) to compare, in `exact` mode. */
typedef struct range {
    const ot_term *a, *b;
    size_t n;
    bool exact;
} range;

#define INLINE_RANGES 32

typedef struct rstack {
    range *items;
    size_t n, cap;
    range inline_items[INLINE_RANGES];
} rstack;

static int compare_walk(ot_term a, ot_term b, bool exact);

/* Pushes a range; false if the stack could not grow. */
static bool rs_push(rstack *rs, const ot_term *a, const ot_term *b, size_t n, bool exact)
{
    if (rs->n == rs->cap) {
        size_t cap = rs->cap * 2;
        range *items = ot__malloc(cap * sizeof *items);
        if (!items)
            return false;
        memcpy(items, rs->items, rs->n * sizeof *items);
        if (rs->items != rs->inline_items)
            ot__free(rs->items);
        rs->items = items;
        rs->cap = cap;
    }
    rs->items[rs->n++] = (range){a, b, n, exact};
    return true;
}

/* Compares pairs on the C stack right away: the fallback when the work
 * stack cannot grow (memory exhausted). */
static int compare_range_now(const ot_term *a, const ot_term *b, size_t n, bool exact)
{
    for (size_t i = 0; i < n; i++) {
        int c = compare_walk(a[i], b[i], exact);
        if (c)
            return c;
    }
    return 0;
}

static int compare_walk(ot_term a, ot_term b, bool exact)
{
    rstack rs;
    rs.items = rs.inline_items;
    rs.n = 0;
    rs.cap = INLINE_RANGES;
    int result = 0;

    for (;;) {
        if (a == b)
            goto next;
        /* Immediates of the same kind first: the common case. */
        if (ot__is_small(a) && ot__is_small(b)) {
            result = sgn_i64(ot__small_val(a), ot__small_val(b));
            goto out;
        }
        if (ot__is_atom(a) && ot__is_atom(b)) {
            result = cmp_atoms(a, b);
            if (result)
                goto out;
            goto next;
        }
        int ra = rank_of(a), rb = rank_of(b);
        if (ra != rb) {
            result = ra < rb ? -1 : 1;
            goto out;
        }
        switch (ra) {
        case R_NUMBER:
            result = cmp_numbers(a, b, exact);
            if (result)
                goto out;
            goto next;
        case R_LIST: {
            const ot_term *ca = ot__cons_ptr(a), *cb = ot__cons_ptr(b);
            /* Equal immediate heads: move along the tails in place. */
            while (ca[0] == cb[0]) {
                a = ca[1];
                b = cb[1];
                if (!ot__is_cons(a) || !ot__is_cons(b) || a == b)
                    goto again;
                ca = ot__cons_ptr(a);
                cb = ot__cons_ptr(b);
            }
            if (!rs_push(&rs, ca + 1, cb + 1, 1, exact)) {
                result = compare_walk(ca[0], cb[0], exact);
                if (!result)
                    result = compare_walk(ca[1], cb[1], exact);
                if (result)
                    goto out;
                goto next;
            }
            a = ca[0];
            b = cb[0];
            goto again;
        }
        case R_TUPLE: {
            const uint64_t *p = ot__box_ptr(a), *q = ot__box_ptr(b);
            uint64_t n = ot__hdr_size(p[0]), m = ot__hdr_size(q[0]);
            if (n != m) {
                result = sgn64(n, m);
                goto out;
            }
            if (n == 0)
                goto next;
            if (n > 1 && !rs_push(&rs, p + 2, q + 2, (size_t)n - 1, exact)) {
                result = compare_range_now(p + 1, q + 1, (size_t)n, exact);
                if (result)
                    goto out;
                goto next;
            }
            a = p[1];
            b = q[1];
            goto again;
        }
        case R_MAP: {
            const uint64_t *p = ot__box_ptr(a), *q = ot__box_ptr(b);
            uint64_t n = ot__hdr_size(p[0]), m = ot__hdr_size(q[0]);
            if (n != m) {
                result = sgn64(n, m);
                goto out;
            }
            if (n == 0)
                goto next;
            /* Values after keys; keys always compare exactly. */
            if (!rs_push(&rs, p + 1 + n, q + 1 + n, (size_t)n, exact)) {
                result = compare_range_now(p + 1, q + 1, (size_t)n, true);
                if (!result)
                    result = compare_range_now(p + 1 + n, q + 1 + n, (size_t)n, exact);
                if (result)
                    goto out;
                goto next;
            }
            if (n > 1 && !rs_push(&rs, p + 2, q + 2, (size_t)n - 1, true)) {
                result = compare_range_now(p + 1, q + 1, (size_t)n, true);
                if (result)
                    goto out;
                goto next;
            }
            a = p[1];
            b = q[1];
            exact = true;
            goto again;
        }
        case R_BITS:
            result = cmp_bits(ot__box_ptr(a), ot__box_ptr(b));
            break;
        case R_REF:
            result = cmp_refs(ot__box_ptr(a), ot__box_ptr(b));
            break;
        case R_PID:
            result = cmp_pids(a, b);
            break;
        case R_PORT:
            result = cmp_ports(ot__box_ptr(a), ot__box_ptr(b));
            break;
        case R_FUN:
            result = cmp_funs(ot__box_ptr(a), ot__box_ptr(b));
            break;
        case R_VAR:
            result = sgn64(a, b);
            break;
        default:
            result = 0; /* OT_NONE against OT_NONE */
            break;
        }
        if (result)
            goto out;
    next:
        while (rs.n > 0 && rs.items[rs.n - 1].n == 0)
            rs.n--;
        if (rs.n == 0) {
            result = 0;
            goto out;
        }
        {
            range *r = &rs.items[rs.n - 1];
            a = *r->a++;
            b = *r->b++;
            exact = r->exact;
            if (--r->n == 0)
                rs.n--;
        }
    again:;
    }
out:
    if (rs.items != rs.inline_items)
        ot__free(rs.items);
    return result;
}

/* ot_compare: Erlang's term order (==, <): -1, 0 or 1. Never fails. */
int ot_compare(ot_term a, ot_term b)
{
    if (a == b)
        return 0;
    if (ot__is_small(a) && ot__is_small(b))
        return sgn_i64(ot__small_val(a), ot__small_val(b));
    return compare_walk(a, b, false);
}

/* ot_compare_exact: the map-key order, 0 exactly when ot_equal. */
int ot_compare_exact(ot_term a, ot_term b)
{
    if (a == b)
        return 0;
    if (ot__is_small(a) && ot__is_small(b))
        return sgn_i64(ot__small_val(a), ot__small_val(b));
    if (ot__is_atom(a) && ot__is_atom(b))
        return cmp_atoms(a, b);
    return compare_walk(a, b, true);
}

/* ot_equal: Erlang's =:=. Never fails. */
bool ot_equal(ot_term a, ot_term b)
{
    if (a == b)
        return true;
    /* Distinct immediates (atoms are interned) are never equal; a local
     * pid equals a boxed pid only if the node was renamed since. */
    if (ot__is_lpid(a) || ot__is_lpid(b))
        return rank_of(a) == R_PID && rank_of(b) == R_PID && cmp_pids(a, b) == 0;
    if (!ot__is_boxed(a) && !ot__is_cons(a))
        return false;
    if (!ot__is_boxed(b) && !ot__is_cons(b))
        return false;
    if (ot__tag(a) != ot__tag(b))
        return false;
    return compare_walk(a, b, true) == 0;
}

/* ---------------------------------------------------------------- hash */

static inline uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + UINT64_C(0x9e3779b97f4a7c15) + (h << 6) + (h >> 2);
    h *= UINT64_C(0xff51afd7ed558ccd);
    return h ^ (h >> 32);
}

static uint64_t hash_bytes(uint64_t h, const uint8_t *p, size_t n)
{
    uint64_t x = UINT64_C(0xcbf29ce484222325);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        x = (x ^ w) * UINT64_C(0x100000001b3);
        x ^= x >> 29;
    }
    for (; i < n; i++)
        x = (x ^ p[i]) * UINT64_C(0x100000001b3);
    return mix(h, x);
}

/* Hash of a leaf (anything that is not a tuple, map or list). */
static uint64_t hash_leaf(uint64_t h, ot_term t)
{
    switch (ot__tag(t)) {
    case OT__TAG_SMALL:
        return mix(mix(h, 1), (uint64_t)ot__small_val(t));
    case OT__TAG_ATOM:
        return mix(mix(h, 2), t);
    case OT__TAG_SPECIAL:
        return mix(mix(h, 3), t);
    case OT__TAG_LPID: {
        pidf f = pid_fields(t);
        return mix(mix(mix(mix(h, 8), f.node), f.data), f.creation);
    }
    default:
        break;
    }
    if (t == OT_NONE)
        return mix(h, 4);
    const uint64_t *p = ot__box_ptr(t);
    uint64_t size = ot__hdr_size(p[0]);
    switch (ot__hdr_kind(p[0])) {
    case OT__B_BIGNUM: {
        h = mix(mix(h, 5), size & 1);
        size_t n = (size_t)(size >> 1);
        for (size_t i = 0; i < n; i++)
            h = mix(h, p[1 + i]);
        return h;
    }
    case OT__B_FLOAT: {
        double d = float_val(t);
        if (d == 0)
            d = 0.0; /* -0.0 =:= 0.0 in OTP 25 */
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        return mix(mix(h, 6), bits);
    }
    case OT__B_HEAPBIN:
    case OT__B_REFCBIN: {
        const uint8_t *d = bits_data(p);
        size_t whole = (size_t)(size / 8);
        h = hash_bytes(mix(mix(h, 7), size), d, whole);
        if (size % 8)
            h = mix(h, d[whole] & (uint8_t)(0xff << (8 - size % 8)));
        return h;
    }
    case OT__B_PID: {
        pidf f = pid_fields(t);
        return mix(mix(mix(mix(h, 8), f.node), f.data), f.creation);
    }
    case OT__B_PORT:
        return mix(mix(mix(mix(h, 9), p[1]), p[2]), (uint32_t)p[3]);
    case OT__B_REF: {
        h = mix(mix(mix(h, 10), p[1]), (uint32_t)p[2]);
        size_t n = (size_t)size;
        while (n > 0 && ref_word(p, n - 1) == 0)
            n--; /* trailing zero words do not count, see cmp_refs */
        for (size_t i = 0; i < n; i++)
            h = mix(h, ref_word(p, i));
        return h;
    }
    case OT__B_FUN:
        return hash_bytes(mix(h, 11), (const uint8_t *)(p + 1), (size_t)size);
    default:
        return mix(h, 12);
    }
}

typedef struct hrange {
    const ot_term *t;
    size_t n;
} hrange;

/* Folds t into h in a fixed pre-order, whatever path the walk takes, so
 * the result never depends on whether the work stack could grow. */
static uint64_t hash_into(uint64_t h, ot_term t)
{
    hrange inline_items[INLINE_RANGES];
    hrange *items = inline_items;
    size_t n = 0, cap = INLINE_RANGES;

    for (;;) {
        if (ot__is_cons(t)) {
            const ot_term *c = ot__cons_ptr(t);
            h = mix(h, 13);
            if (ot__is_boxed(c[0]) || ot__is_cons(c[0])) {
                /* Nested head: hash it now, the tail later. */
                if (n == cap) {
                    hrange *ni = ot__malloc(2 * cap * sizeof *ni);
                    if (!ni) {
                        h = hash_into(h, c[0]); /* recursion only on OOM */
                        t = c[1];
                        continue;
                    }
                    memcpy(ni, items, n * sizeof *ni);
                    if (items != inline_items)
                        ot__free(items);
                    items = ni;
                    cap *= 2;
                }
                items[n++] = (hrange){c + 1, 1};
                t = c[0];
                continue;
            }
            h = hash_leaf(h, c[0]);
            t = c[1];
            continue;
        }
        if (ot__is_boxed(t)) {
            const uint64_t *p = ot__box_ptr(t);
            unsigned kind = ot__hdr_kind(p[0]);
            if (kind == OT__B_TUPLE || kind == OT__B_MAP) {
                size_t k = (size_t)ot__hdr_size(p[0]);
                h = mix(mix(h, kind == OT__B_TUPLE ? 14 : 15), k);
                if (kind == OT__B_MAP)
                    k *= 2;
                if (k > 0) {
                    if (n == cap) {
                        hrange *ni = ot__malloc(2 * cap * sizeof *ni);
                        if (!ni) {
                            for (size_t i = 0; i < k; i++)
                                h = hash_into(h, p[1 + i]);
                            goto next;
                        }
                        memcpy(ni, items, n * sizeof *ni);
                        if (items != inline_items)
                            ot__free(items);
                        items = ni;
                        cap *= 2;
                    }
                    items[n++] = (hrange){p + 1, k};
                }
                goto next;
            }
        }
        h = hash_leaf(h, t);
    next:
        while (n > 0 && items[n - 1].n == 0)
            n--;
        if (n == 0)
            break;
        t = *items[n - 1].t++;
        items[n - 1].n--;
    }
    if (items != inline_items)
        ot__free(items);
    return h;
}

/* ot_hash: equal terms (ot_equal) give equal hashes, within one run. */
uint64_t ot_hash(ot_term t)
{
    uint64_t h = hash_into(UINT64_C(0x243f6a8885a308d3), t);
    return h ^ (h >> 31);
}
