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
 * The walk uses an explicit stack (inline for 32 levels) and no recursion
 * on list tails; a match allocates nothing unless the pattern nests deeper
 * than that or has more than 256 variables. */
#include <stdlib.h>

#include "term/term_internal.h"

typedef struct mrange {
    const ot_term *p, *t;
    size_t n;
} mrange;

#define INLINE_RANGES 32
#define INLINE_VARWORDS 4   /* 256 variables tracked without allocation */

typedef struct mstate {
    mrange *items;
    size_t n, cap;
    uint64_t *bound;        /* bit i: variable i is bound */
    size_t bound_words;
    mrange inline_items[INLINE_RANGES];
    uint64_t inline_bound[INLINE_VARWORDS];
} mstate;

static bool ms_push(mstate *ms, const ot_term *p, const ot_term *t, size_t n)
{
    if (n == 0)
        return true;
    if (ms->n == ms->cap) {
        size_t cap = ms->cap * 2;
        mrange *items = ot__malloc(cap * sizeof *items);
        if (!items)
            return false;
        memcpy(items, ms->items, ms->n * sizeof *items);
        if (ms->items != ms->inline_items)
            ot__free(ms->items);
        ms->items = items;
        ms->cap = cap;
    }
    ms->items[ms->n++] = (mrange){p, t, n};
    return true;
}

/* Marks variable v bound; returns 1 if it was already, 0 if not, -1 if the
 * bit set could not grow. */
static int mark_bound(mstate *ms, uint64_t v)
{
    size_t w = (size_t)(v / 64);
    if (w >= ms->bound_words) {
        size_t nw = ms->bound_words * 2;
        while (nw <= w)
            nw *= 2;
        uint64_t *nb = ot__calloc(nw, sizeof *nb);
        if (!nb)
            return -1;
        memcpy(nb, ms->bound, ms->bound_words * sizeof *nb);
        if (ms->bound != ms->inline_bound)
            ot__free(ms->bound);
        ms->bound = nb;
        ms->bound_words = nw;
    }
    uint64_t bit = UINT64_C(1) << (v % 64);
    int was = (ms->bound[w] & bit) != 0;
    ms->bound[w] |= bit;
    return was;
}

/* Map pattern p against map term t: every key of p in t. Pushes the value
 * pairs; false if a key is missing (or the stack cannot grow). */
static bool match_map(mstate *ms, const uint64_t *p, const uint64_t *t)
{
    size_t np = (size_t)ot__hdr_size(p[0]), nt = (size_t)ot__hdr_size(t[0]);
    if (np > nt)
        return false;
    const ot_term *pk = p + 1, *pv = p + 1 + np, *tk = t + 1, *tv = t + 1 + nt;
    /* Both key arrays ascend in exact order: walk them together, skipping
     * ahead in t by binary search when t is much larger. */
    size_t j = 0;
    for (size_t i = 0; i < np; i++) {
        size_t lo = j, hi = nt;
        bool found = false;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            int c = ot_compare_exact(tk[mid], pk[i]);
            if (c == 0) {
                lo = mid;
                found = true;
                break;
            }
            if (c < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (!found)
            return false;
        if (!ms_push(ms, pv + i, tv + lo, 1))
            return false;
        j = lo + 1;
    }
    return true;
}

static bool match_walk(ot_term p, ot_term t, ot_term *binds)
{
    mstate ms;
    ms.items = ms.inline_items;
    ms.n = 0;
    ms.cap = INLINE_RANGES;
    ms.bound = ms.inline_bound;
    ms.bound_words = INLINE_VARWORDS;
    memset(ms.inline_bound, 0, sizeof ms.inline_bound);
    bool ok = true;

    for (;;) {
        if (ot__is_special(p) && p != OT_NIL) {
            if (p == OT__ANY || !binds)
                goto next; /* without binds, variables act as _ */
            uint64_t v = ot__special_payload(p);
            int was = mark_bound(&ms, v);
            if (was < 0) {
                ok = false;
                goto out;
            }
            if (was) {
                if (!ot_equal(binds[v], t)) {
                    ok = false;
                    goto out;
                }
            } else {
                binds[v] = t;
            }
            goto next;
        }
        if (p == t)
            goto next; /* the same word: same immediate or same object */
        if (ot__is_cons(p)) {
            if (!ot__is_cons(t)) {
                ok = false;
                goto out;
            }
            const ot_term *pc = ot__cons_ptr(p), *tc = ot__cons_ptr(t);
            /* Heads that are immediates or variables are decided here; the
             * tail continues in place. */
            ot_term ph = pc[0];
            if (ot__is_boxed(ph) || ot__is_cons(ph)) {
                if (!ms_push(&ms, pc + 1, tc + 1, 1)) {
                    ok = false;
                    goto out;
                }
                p = ph;
                t = tc[0];
                continue;
            }
            if (ot__is_special(ph) && ph != OT_NIL) {
                if (!ms_push(&ms, pc + 1, tc + 1, 1)) {
                    ok = false;
                    goto out;
                }
                p = ph;
                t = tc[0];
                continue;
            }
            if (ph != tc[0] && (!ot__is_lpid(ph) || !ot_equal(ph, tc[0]))) {
                ok = false; /* distinct immediates never match */
                goto out;
            }
            p = pc[1];
            t = tc[1];
            continue;
        }
        if (ot__is_boxed(p)) {
            const uint64_t *pb = ot__box_ptr(p);
            unsigned kind = ot__hdr_kind(pb[0]);
            if (kind == OT__B_TUPLE) {
                if (!ot__is_boxed(t) || ot__box_kind(t) != OT__B_TUPLE ||
                    ot__hdr_size(*ot__box_ptr(t)) != ot__hdr_size(pb[0])) {
                    ok = false;
                    goto out;
                }
                const uint64_t *tb = ot__box_ptr(t);
                size_t n = (size_t)ot__hdr_size(pb[0]);
                if (!ms_push(&ms, pb + 1, tb + 1, n)) {
                    ok = false;
                    goto out;
                }
                goto next;
            }
            if (kind == OT__B_MAP) {
                if (!ot__is_boxed(t) || ot__box_kind(t) != OT__B_MAP ||
                    !match_map(&ms, pb, ot__box_ptr(t))) {
                    ok = false;
                    goto out;
                }
                goto next;
            }
        }
        /* A literal leaf (or immediate): exact equality. */
        if (!ot_equal(p, t)) {
            ok = false;
            goto out;
        }
    next:
        while (ms.n > 0 && ms.items[ms.n - 1].n == 0)
            ms.n--;
        if (ms.n == 0)
            break;
        {
            mrange *r = &ms.items[ms.n - 1];
            p = *r->p++;
            t = *r->t++;
            r->n--;
        }
    }
out:
    if (ms.items != ms.inline_items)
        ot__free(ms.items);
    if (ms.bound != ms.inline_bound)
        ot__free(ms.bound);
    return ok;
}

/* ot_match: does t match pattern p? Binds variables into binds (see
 * term.h). Never fails otherwise; allocates only for very deep patterns or
 * more than 256 variables, and answers false if that allocation fails. With
 * binds NULL, variables match like _ (term.h allows NULL only for patterns
 * without variables). */
bool ot_match(ot_term p, ot_term t, ot_term *binds)
{
    if (p == OT_NONE || t == OT_NONE)
        return false;
    /* Fast path: a literal immediate pattern. */
    if (ot__is_small(p) || ot__is_atom(p))
        return p == t;
    return match_walk(p, t, binds);
}

/* ot_pattern_vars: 1 + the highest variable number in p, 0 if none. */
size_t ot_pattern_vars(ot_term p)
{
    mrange inline_items[INLINE_RANGES];
    mrange *items = inline_items;
    size_t n = 0, cap = INLINE_RANGES;
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
                    mrange *ni = ot__malloc(2 * cap * sizeof *ni);
                    if (!ni)
                        break; /* cannot happen but for memory: a lower bound */
                    memcpy(ni, items, n * sizeof *ni);
                    if (items != inline_items)
                        ot__free(items);
                    items = ni;
                    cap *= 2;
                }
                items[n++] = (mrange){c + 1, NULL, 1};
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
                    mrange *ni = ot__malloc(2 * cap * sizeof *ni);
                    if (!ni)
                        break;
                    memcpy(ni, items, n * sizeof *ni);
                    if (items != inline_items)
                        ot__free(items);
                    items = ni;
                    cap *= 2;
                }
                items[n++] = (mrange){first, NULL, k};
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
