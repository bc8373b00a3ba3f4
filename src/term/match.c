/* match.c — matching terms against patterns (selective receive's test).
 *
 * A pattern is a term that may hold variables (OT_TYPE_VAR, numbered in
 * order of first appearance in the pattern's text) and the wildcard _.
 * Matching follows Erlang's `case T of Pattern -> ...`:
 *   - a variable binds the sub-term; a variable seen again must bind a term
 *     exactly equal (=:=) to the first;
 *   - literals match by =:= (so 1 does not match 1.0);
 *   - tuples and lists match element by element, [H | T] binds the rest;
 *   - a map pattern matches any map that holds all of its keys (exactly
 *     equal keys) with values matching; extra keys are ignored.
 *
 * How it is made fast. The pattern is interpreted directly: it is an
 * ordinary term (printed, copied and sent like any other), so there is no
 * place to keep a compiled form of it. Instead, the shapes that matter are
 * decided in a few word operations:
 *   - small integers, atoms and [] are interned immediates, equal exactly
 *     when their words are equal (a small integer never equals a float
 *     under =:=), so a literal of these kinds is one comparison. A local
 *     pid is immediate too, but may equal a boxed pid after the node was
 *     renamed: a differing word falls back to ot_equal.
 *   - a tuple pattern whose elements are immediates, variables and _ (the
 *     typical message pattern, {ping, From, N}) is matched by ot_match
 *     itself: the header word decides kind and arity at once, then one
 *     loop over the elements. Its variables appear in text order, so a
 *     counter of those bound so far tells a first occurrence from a repeat.
 *   - a map pattern whose values are immediates, variables and _, against
 *     a map of at most 32 keys, is also one loop: each pattern key is
 *     looked for from just after the previous one found (both key arrays
 *     ascend in the same order) by word comparison, which for interned
 *     keys is exact. Its variables are met in key order, so a 64-bit set
 *     held in a register tracks them.
 * Anything else, or anything those loops cannot settle (a repeated
 * variable whose words differ, a boxed literal, a larger map, a key that
 * is not interned, a variable numbered 64 or more), goes to the general
 * matcher, which starts over. It walks the pattern with an explicit stack
 * (inline for 32 levels), deciding immediates and variables in place and
 * pushing only what remains of a tuple, list or map when it descends into
 * a compound element; map keys there are found by word comparison when
 * interned and the map is small, else by binary search in exact order
 * (a word comparison first at each step). Nothing recurses on the C stack, and a
 * match allocates nothing unless the pattern nests deeper than 32 levels
 * or has variables numbered 64 and up. */
#include <stdlib.h>

#include "term/term_internal.h"

/* The outcome of one pattern element against one term element. */
enum { M_FAIL = 0, M_OK = 1, M_DEEP = 2 };

/* What remains to match of a tuple, list or map when matching descended
 * into one of its elements. A range (tuple elements, or a list tail with
 * n = 1): the next n pattern words p[] against term words t[]. A map
 * (j != OT__RANGE): pattern map box p from key index n on, against term
 * map box t from key index j on. */
typedef struct mframe {
    const ot_term *p, *t;
    size_t n;
    size_t j;
} mframe;

/* The low byte of every variable's word (the payload above is its number). */
#define OT__VAR_LOW ((OT__SPECIAL_VAR << 3) | OT__TAG_SPECIAL)

/* Small integers, atoms, specials ([], variables, _) and local pids: the
 * tags whose low two bits are not both zero (boxed is 000, list 100). */
static inline bool is_immediate(ot_term t) { return (t & 3) != 0; }

#define OT__RANGE SIZE_MAX
#define OT__NOT_FOUND SIZE_MAX
#define INLINE_FRAMES 32
/* Immediate map keys are found by a linear scan of word comparisons in
 * maps up to this size (the size of BEAM's flat maps), by binary search in
 * exact order beyond. */
#define LINEAR_KEYS 32

typedef struct mstate {
    ot_term *binds;         /* NULL: variables act as _ */
    uint64_t bound;         /* bit v: variable v (< 64) is bound */
    uint64_t *high;         /* variables 64 and up: bit v - 64, or NULL */
    size_t high_words;
    mframe *frames;
    size_t n, cap;
    mframe inline_frames[INLINE_FRAMES];
} mstate;

/* Binds variable v (64 or more) to x through the allocated bit set: M_OK,
 * or M_FAIL if it was bound to a different term or the set cannot grow. */
static int bind_high(mstate *ms, uint64_t v, ot_term x)
{
    uint64_t k = v - 64;
    size_t w = (size_t)(k / 64);
    if (w >= ms->high_words) {
        size_t nw = ms->high_words ? ms->high_words * 2 : 4;
        while (nw <= w)
            nw *= 2;
        uint64_t *nb = ot__calloc(nw, sizeof *nb);
        if (!nb)
            return M_FAIL;
        if (ms->high) {
            memcpy(nb, ms->high, ms->high_words * sizeof *nb);
            ot__free(ms->high);
        }
        ms->high = nb;
        ms->high_words = nw;
    }
    uint64_t bit = UINT64_C(1) << (k % 64);
    if (ms->high[w] & bit)
        return ms->binds[v] == x || ot_equal(ms->binds[v], x);
    ms->high[w] |= bit;
    ms->binds[v] = x;
    return M_OK;
}

/* Pattern variable or wildcard `var` against x. */
static inline int bind_var(mstate *ms, ot_term var, ot_term x)
{
    if (var == OT__ANY || !ms->binds)
        return M_OK; /* without binds, variables act as _ */
    uint64_t v = ot__special_payload(var);
    if (v >= 64)
        return bind_high(ms, v, x);
    uint64_t bit = UINT64_C(1) << v;
    if (ms->bound & bit)
        return ms->binds[v] == x || ot_equal(ms->binds[v], x);
    ms->bound |= bit;
    ms->binds[v] = x;
    return M_OK;
}

/* One pattern element e against term element x, decided without
 * descending: M_OK, M_FAIL, or M_DEEP when e is a tuple, list, map or
 * boxed literal (the caller descends). */
static inline int step(mstate *ms, ot_term e, ot_term x)
{
    switch (ot__tag(e)) {
    case OT__TAG_SMALL:
    case OT__TAG_ATOM:
        return e == x;
    case OT__TAG_SPECIAL:
        if (e == OT__ANY || ot__special_sub(e) == OT__SPECIAL_VAR)
            return bind_var(ms, e, x);
        return e == x; /* [] */
    case OT__TAG_LPID:
        return e == x || ot_equal(e, x);
    default:
        return M_DEEP;
    }
}

/* The index of key k in the ascending term keys tk[j..nt), or
 * OT__NOT_FOUND. */
static inline size_t map_find(const ot_term *tk, size_t j, size_t nt, ot_term k)
{
    if ((ot__is_atom(k) || ot__is_small(k) || k == OT_NIL) && nt - j <= LINEAR_KEYS) {
        /* interned immediates: the same key has the same word */
        for (; j < nt; j++)
            if (tk[j] == k)
                return j;
        return OT__NOT_FOUND;
    }
    size_t lo = j, hi = nt;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tk[mid] == k)
            return mid;
        int c = ot_compare_exact(tk[mid], k);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return OT__NOT_FOUND;
}

/* Saves what remains of the current tuple, list or map; false if the
 * stack cannot grow. */
static bool push(mstate *ms, const ot_term *p, const ot_term *t, size_t n, size_t j)
{
    if (ms->n == ms->cap) {
        size_t cap = ms->cap * 2;
        mframe *f = ot__malloc(cap * sizeof *f);
        if (!f)
            return false;
        memcpy(f, ms->frames, ms->n * sizeof *f);
        if (ms->frames != ms->inline_frames)
            ot__free(ms->frames);
        ms->frames = f;
        ms->cap = cap;
    }
    ms->frames[ms->n++] = (mframe){p, t, n, j};
    return true;
}

/* p against t, with the bindings and stack of ms (empty on entry). */
static bool walk(mstate *ms, ot_term p, ot_term t)
{
    const uint64_t *pm, *tm; /* map boxes being matched */
    size_t i, j;             /* their next pattern key and term key */
    int r;

again:
    r = step(ms, p, t);
    if (r == M_OK)
        goto next;
    if (r == M_FAIL)
        return false;
    if (ot__is_cons(p)) {
        /* along the list in place; a compound head is matched first and
         * the tail saved */
        for (;;) {
            if (!ot__is_cons(t))
                return false;
            const ot_term *pc = ot__cons_ptr(p), *tc = ot__cons_ptr(t);
            r = step(ms, pc[0], tc[0]);
            if (r == M_FAIL)
                return false;
            if (r == M_DEEP) {
                if (!push(ms, pc + 1, tc + 1, 1, OT__RANGE))
                    return false;
                p = pc[0];
                t = tc[0];
                goto again;
            }
            p = pc[1];
            t = tc[1];
            if (!ot__is_cons(p))
                goto again; /* the tail pattern: [], a variable, ... */
        }
    }
    if (ot__is_boxed(p)) {
        const uint64_t *pb = ot__box_ptr(p);
        switch (ot__hdr_kind(pb[0])) {
        case OT__B_TUPLE: {
            /* kind and arity in one word */
            if (!ot__is_boxed(t) || *ot__box_ptr(t) != pb[0])
                return false;
            const ot_term *pe = pb + 1, *te = ot__box_ptr(t) + 1;
            size_t n = (size_t)ot__hdr_size(pb[0]);
            for (size_t k = 0; k < n; k++) {
                r = step(ms, pe[k], te[k]);
                if (r == M_FAIL)
                    return false;
                if (r == M_DEEP) {
                    if (k + 1 < n && !push(ms, pe + k + 1, te + k + 1, n - k - 1, OT__RANGE))
                        return false;
                    p = pe[k];
                    t = te[k];
                    goto again;
                }
            }
            goto next;
        }
        case OT__B_MAP:
            if (!ot__is_boxed(t) || ot__box_kind(t) != OT__B_MAP)
                return false;
            pm = pb;
            tm = ot__box_ptr(t);
            if (ot__hdr_size(pm[0]) > ot__hdr_size(tm[0]))
                return false;
            i = 0;
            j = 0;
            goto map;
        default:
            break;
        }
    }
    /* a literal leaf: exact equality */
    if (!ot_equal(p, t))
        return false;
    goto next;

map: {
        size_t np = (size_t)ot__hdr_size(pm[0]), nt = (size_t)ot__hdr_size(tm[0]);
        const ot_term *pk = pm + 1, *pv = pm + 1 + np, *tk = tm + 1, *tv = tm + 1 + nt;
        for (; i < np; i++) {
            size_t k = map_find(tk, j, nt, pk[i]);
            if (k == OT__NOT_FOUND)
                return false;
            j = k + 1;
            r = step(ms, pv[i], tv[k]);
            if (r == M_FAIL)
                return false;
            if (r == M_DEEP) {
                if (i + 1 < np && !push(ms, pm, tm, i + 1, j))
                    return false;
                p = pv[i];
                t = tv[k];
                goto again;
            }
        }
    }

next:
    if (ms->n == 0)
        return true;
    {
        mframe *f = &ms->frames[ms->n - 1];
        if (f->j != OT__RANGE) {
            pm = f->p;
            tm = f->t;
            i = f->n;
            j = f->j;
            ms->n--;
            goto map;
        }
        p = *f->p++;
        t = *f->t++;
        if (--f->n == 0)
            ms->n--;
    }
    goto again;
}

/* The general matcher: p against t with a fresh state. */
static __attribute__((noinline)) bool match_general(ot_term p, ot_term t, ot_term *binds)
{
    mstate ms;
    ms.binds = binds;
    ms.bound = 0;
    ms.high = NULL;
    ms.high_words = 0;
    ms.frames = ms.inline_frames;
    ms.n = 0;
    ms.cap = INLINE_FRAMES;
    bool ok = walk(&ms, p, t);
    if (ms.frames != ms.inline_frames)
        ot__free(ms.frames);
    if (ms.high)
        ot__free(ms.high);
    return ok;
}

/* A tuple pattern p (box pb) against t: its elements in one loop while
 * they are immediates and variables, else the general matcher. In a flat
 * tuple, element order is text order, so variables numbered by the parser
 * appear as 0, 1, 2, ... with repeats: a counter of the variables bound so
 * far replaces the bit set (a variable numbered beyond the counter, as in
 * a pattern assembled by hand, goes to the general matcher). */
static inline bool match_tuple(ot_term p, const uint64_t *pb, ot_term t, ot_term *binds)
{
    uint64_t hdr = pb[0];
    if (!ot__is_boxed(t) || *ot__box_ptr(t) != hdr)
        return false; /* not a tuple, or another arity */
    const uint64_t *tb = ot__box_ptr(t);
    size_t n = (size_t)ot__hdr_size(hdr);
    uint64_t next = 0; /* variables 0 .. next-1 are bound */
    for (size_t k = 1; k <= n; k++) {
        ot_term e = pb[k], x = tb[k];
        if ((e & 0xff) == OT__VAR_LOW) {
            uint64_t v = ot__special_payload(e);
            if (!binds)
                goto general;
            if (v == next) {
                binds[v] = x;
                next++;
                continue;
            }
            if (v < next && binds[v] == x)
                continue;
            goto general;
        }
        if (e == x && is_immediate(e))
            continue; /* the same immediate */
        if (ot__is_small(e) || ot__is_atom(e) || e == OT_NIL)
            return false; /* distinct interned immediates */
        if (e != OT__ANY)
            goto general;
    }
    return true;
general:
    return match_general(p, t, binds);
}

/* A map pattern p (box pb) against t, in one loop while t has at most
 * LINEAR_KEYS keys and p's values are immediates and variables; else the
 * general matcher. Each pattern key is looked for from just after the
 * previous one found (both key arrays ascend in the same order) by word
 * comparison: the same word is the same key, and for an interned key (an
 * atom, a small integer, []) a different word is a different key. Any
 * other key whose word is not found in place goes to the general matcher.
 * Variables in map values are met in key order, not text order, so here
 * they are tracked with a bit set. */
static __attribute__((noinline)) bool match_map(ot_term p, const uint64_t *pb, ot_term t,
                                                ot_term *binds)
{
    if (!ot__is_boxed(t) || ot__box_kind(t) != OT__B_MAP)
        return false;
    const uint64_t *tb = ot__box_ptr(t);
    size_t np = (size_t)ot__hdr_size(pb[0]), nt = (size_t)ot__hdr_size(tb[0]);
    if (np > nt)
        return false;
    if (nt > LINEAR_KEYS)
        goto general;
    const ot_term *pk = pb + 1, *pv = pb + 1 + np, *tk = tb + 1, *tv = tb + 1 + nt;
    uint64_t bound = 0;
    /* j < nt at the top of the loop: np <= nt to begin with, a key found
     * in place keeps nt - j >= np - i, and a key found further on checks */
    size_t j = 0;
    for (size_t i = 0; i < np; i++, j++) {
        ot_term k = pk[i];
        if (tk[j] != k) {
            if (!ot__is_atom(k) && !ot__is_small(k) && k != OT_NIL)
                goto general;
            do {
                if (++j == nt)
                    return false; /* the key is missing */
            } while (tk[j] != k);
            if (nt - j < np - i)
                return false; /* fewer keys left in t than in p */
        }
        ot_term e = pv[i], x = tv[j];
        if ((e & 0xff) == OT__VAR_LOW) {
            uint64_t v = ot__special_payload(e);
            if (v >= 64 || !binds)
                goto general;
            uint64_t bit = UINT64_C(1) << v;
            if (bound & bit) {
                if (binds[v] != x)
                    goto general;
            } else {
                bound |= bit;
                binds[v] = x;
            }
        } else if (e != x || !is_immediate(e)) {
            if (ot__is_small(e) || ot__is_atom(e) || e == OT_NIL)
                return false; /* distinct interned immediates */
            if (e != OT__ANY)
                goto general;
        }
    }
    return true;
general:
    return match_general(p, t, binds);
}

/* ot_match: does t match pattern p? Binds variables into binds (see
 * term.h). Never fails otherwise; allocates only for patterns nested
 * deeper than 32 levels or with variables numbered 64 and up, and answers
 * false if that allocation fails. With binds NULL, variables match like _
 * (term.h allows NULL only for patterns without variables).
 *
 * A tuple or map pattern whose elements (values) are all immediates and
 * variables is matched right here in one loop; anything else (or anything
 * that loop leaves undecided) goes to the general matcher, which starts
 * over, so the bindings made here are simply overwritten. */
bool ot_match(ot_term p, ot_term t, ot_term *binds)
{
    if (ot__is_boxed(p)) {
        const uint64_t *pb = ot__box_ptr(p);
        if (ot__hdr_kind(pb[0]) == OT__B_TUPLE)
            return match_tuple(p, pb, t, binds);
        if (ot__hdr_kind(pb[0]) == OT__B_MAP)
            return match_map(p, pb, t, binds);
    } else if (ot__is_small(p) || ot__is_atom(p)) {
        return p == t;
    }
    if (p == OT_NONE || t == OT_NONE)
        return false;
    return match_general(p, t, binds);
}

/* ot_pattern_vars: 1 + the highest variable number in p, 0 if none. */
size_t ot_pattern_vars(ot_term p)
{
    mframe inline_items[INLINE_FRAMES];
    mframe *items = inline_items;
    size_t n = 0, cap = INLINE_FRAMES;
    uint64_t max = 0;
    bool any = false;

    for (;;) {
        if (ot__is_special(p) && p != OT_NIL && p != OT__ANY) {
            uint64_t v = ot__special_payload(p);
            if (!any || v > max)
                max = v;
            any = true;
        } else if (ot__is_cons(p)) {
            const ot_term *c = ot__cons_ptr(p);
            if (ot__is_boxed(c[0]) || ot__is_cons(c[0]) || ot__is_special(c[0])) {
                if (n == cap) {
                    mframe *ni = ot__malloc(2 * cap * sizeof *ni);
                    if (!ni)
                        break; /* cannot happen but for memory: a lower bound */
                    memcpy(ni, items, n * sizeof *ni);
                    if (items != inline_items)
                        ot__free(items);
                    items = ni;
                    cap *= 2;
                }
                items[n++] = (mframe){c + 1, NULL, 1, OT__RANGE};
                p = c[0];
            } else {
                p = c[1];
            }
            continue;
        } else if (ot__is_boxed(p)) {
            const uint64_t *b = ot__box_ptr(p);
            unsigned kind = ot__hdr_kind(b[0]);
            size_t k = (size_t)ot__hdr_size(b[0]);
            const ot_term *first = NULL;
            if (kind == OT__B_TUPLE) {
                first = b + 1;
            } else if (kind == OT__B_MAP) {
                first = b + 1 + k; /* keys hold no variables */
            }
            if (first && k) {
                if (n == cap) {
                    mframe *ni = ot__malloc(2 * cap * sizeof *ni);
                    if (!ni)
                        break;
                    memcpy(ni, items, n * sizeof *ni);
                    if (items != inline_items)
                        ot__free(items);
                    items = ni;
                    cap *= 2;
                }
                items[n++] = (mframe){first, NULL, k, OT__RANGE};
            }
        }
        while (n > 0 && items[n - 1].n == 0)
            n--;
        if (n == 0)
            break;
        p = *items[n - 1].p++;
        items[n - 1].n--;
    }
    if (items != inline_items)
        ot__free(items);
    return any ? (size_t)max + 1 : 0;
}
