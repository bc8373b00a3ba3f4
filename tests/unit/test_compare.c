/* test_compare.c — term order, exact equality and hashing, checked against
 * real Erlang (tests/oracle/order_oracle.erl) and by properties. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otter/term.h"
#include "term/term_internal.h"
#include "testutil.h"

/* ---------------------------------------------------------------- writer */

/* A tiny Erlang expression writer, independent of print.c: terms are
 * written as expressions that evaluate to them (identifiers through
 * binary_to_term of their external form). */
/* ---------------------------------------------------------------- generator */

static ot_term gen_term(ot_heap *h, uint64_t *rng, int depth);

static ot_term gen_number(ot_heap *h, uint64_t *rng)
{
    static const double specials[] = {0.0, -0.0, 1.0, -1.0, 0.5, 1e300, -1e300, 4.5e15,
                                      9007199254740992.0, 9007199254740993.0,
                                      1152921504606846976.0, 18446744073709551616.0,
                                      1180591620717411303424.0, -1180591620717411303424.0,
                                      3.0, 2.9999999999999996, 5e-324};
    switch (tu_rng(rng) % 9) {
    case 0: return ot_int(h, (int64_t)(tu_rng(rng) % 7) - 3);
    case 1: return ot_int(h, (int64_t)tu_rng(rng));
    case 2: {
        /* near powers of two, where int/float comparisons are delicate */
        int e = 50 + (int)(tu_rng(rng) % 30);
        uint64_t limbs[2] = {0, 0};
        if (e < 64)
            limbs[0] = UINT64_C(1) << e;
        else
            limbs[1] = UINT64_C(1) << (e - 64);
        int64_t delta = (int64_t)(tu_rng(rng) % 5) - 2;
        if (delta >= 0)
            limbs[0] += (uint64_t)delta;
        else if (limbs[0] >= (uint64_t)-delta)
            limbs[0] -= (uint64_t)-delta;
        else {
            limbs[0] -= (uint64_t)-delta;
            limbs[1] -= 1;
        }
        return ot_bigint(h, tu_rng(rng) & 1, limbs, 2);
    }
    case 3: {
        uint64_t limbs[3] = {tu_rng(rng), tu_rng(rng), tu_rng(rng) % 4};
        return ot_bigint(h, tu_rng(rng) & 1, limbs, 1 + tu_rng(rng) % 3);
    }
    case 4: return ot_float(h, specials[tu_rng(rng) % (sizeof specials / sizeof specials[0])]);
    case 5: {
        int e = 50 + (int)(tu_rng(rng) % 30);
        return ot_float(h, ldexp((tu_rng(rng) & 1) ? 1.0 : -1.0, e));
    }
    case 6: return ot_float(h, (double)((int64_t)(tu_rng(rng) % 7) - 3));
    case 7: return ot_float(h, ((double)(int64_t)tu_rng(rng)) / 1e3);
    default: return ot_int(h, (int64_t)(tu_rng(rng) % 2001) - 1000);
    }
}

static ot_term gen_node(uint64_t *rng)
{
    static const char *nodes[] = {"a@h", "b@h", "nonode@nohost", "zz@host"};
    return ot_atom(nodes[tu_rng(rng) % 4]);
}

static ot_term gen_leaf(ot_heap *h, uint64_t *rng)
{
    static const char *atoms[] = {"a", "b", "ab", "ok", "", "Z", "é", "\xe2\x82\xac", "a b", "aa"};
    switch (tu_rng(rng) % 9) {
    case 0:
    case 1: return gen_number(h, rng);
    case 2: return ot_atom(atoms[tu_rng(rng) % 10]);
    case 3: {
        uint8_t b[6];
        size_t n = tu_rng(rng) % 4;
        for (size_t i = 0; i < n; i++)
            b[i] = (uint8_t)(tu_rng(rng) % 3 ? 'a' + tu_rng(rng) % 3 : tu_rng(rng));
        size_t bits = 8 * n;
        if (n == 0 || tu_rng(rng) % 3 == 0) {
            b[n] = (uint8_t)tu_rng(rng);
            bits += 1 + tu_rng(rng) % 7;
        }
        return ot_bitstring(h, b, bits);
    }
    case 4:
        return ot_pid(h, gen_node(rng), (uint32_t)(tu_rng(rng) % 3), (uint32_t)(tu_rng(rng) % 3),
                      (uint32_t)(tu_rng(rng) % 3));
    case 5:
        return ot_port(h, gen_node(rng), tu_rng(rng) % 3, (uint32_t)(tu_rng(rng) % 3));
    case 6: {
        uint32_t ids[5];
        size_t n = 1 + tu_rng(rng) % 5;
        for (size_t i = 0; i < n; i++)
            ids[i] = (uint32_t)(tu_rng(rng) % 3);
        ot_term node = gen_node(rng);
        uint32_t creation = (uint32_t)(tu_rng(rng) % 2);
        if (node == OT_ATOM(NONODE) && creation == 0 && n > 3)
            n = 3; /* BEAM rejects 4- and 5-word references of its own node */
        return ot_ref(h, node, creation, ids, n);
    }
    case 7: return OT_NIL;
    default: return ot_int(h, (int64_t)(tu_rng(rng) % 3));
    }
}

static ot_term gen_term(ot_heap *h, uint64_t *rng, int depth)
{
    if (depth <= 0 || tu_rng(rng) % 3 == 0)
        return gen_leaf(h, rng);
    ot_term el[4];
    size_t n = tu_rng(rng) % 4;
    for (size_t i = 0; i < n; i++)
        el[i] = gen_term(h, rng, depth - 1);
    switch (tu_rng(rng) % 4) {
    case 0: return ot_tuplev(h, n, el);
    case 1: return ot_listv(h, n, el);
    case 2: {
        if (n == 0)
            return OT_NIL;
        ot_term l = gen_leaf(h, rng);
        for (size_t i = n; i-- > 0;)
            l = ot_cons(h, el[i], l);
        return l;
    }
    default: {
        ot_term vals[4];
        for (size_t i = 0; i < n; i++)
            vals[i] = gen_term(h, rng, depth - 1);
        return ot_map(h, n, el, vals);
    }
    }
}

/* ---------------------------------------------------------------- oracle */

#define N_ORACLE 400

typedef struct ix_term {
    ot_term t;
    int ix;
} ix_term;

static int by_compare(const void *a, const void *b)
{
    const ix_term *x = a, *y = b;
    int c = ot_compare(x->t, y->t);
    return c ? c : (x->ix > y->ix) - (x->ix < y->ix);
}

static int by_exact(const void *a, const void *b)
{
    const ix_term *x = a, *y = b;
    return ot_compare_exact(x->t, y->t);
}

static void run_oracle(uint64_t seed, int depth)
{
    ot_heap *h = ot_heap_new();
    uint64_t rng = seed;
    ot_term *terms = calloc(N_ORACLE, sizeof *terms);
    tu_text in = {0};
    for (int i = 0; i < N_ORACLE; i++) {
        /* every third term is a near copy of an earlier one, for ties */
        if (i > 0 && tu_rng(&rng) % 3 == 0) {
            ot_term base = terms[tu_rng(&rng) % (uint64_t)i];
            terms[i] = tu_rng(&rng) % 2 ? ot_copy(h, base) : ot_tuple(h, 2, base, gen_leaf(h, &rng));
        } else {
            terms[i] = gen_term(h, &rng, depth);
        }
        cr_assert_neq(terms[i], OT_NONE);
        tu_erlang_term(&in, terms[i]);
        tu_puts(&in, "\n");
    }
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "escript '%s'", tu_source_path("tests/oracle/order_oracle.erl"));
    size_t outlen;
    int status;
    char *out = tu_run(cmd, in.d, in.n, &outlen, &status);
    cr_assert_eq(status, 0, "oracle failed: %s", out);
    char *line2 = strchr(out, '\n');
    cr_assert(line2);
    *line2++ = 0;
    char *line3 = strchr(line2, '\n');
    cr_assert(line3);
    *line3++ = 0;

    /* every pair */
    size_t k = 0;
    int mismatches = 0;
    for (int i = 0; i < N_ORACLE; i++)
        for (int j = i + 1; j < N_ORACLE; j++, k++) {
            int code = out[k] - '0';
            int want_cmp = code % 3 - 1;
            bool want_exact = code >= 3;
            int got = ot_compare(terms[i], terms[j]);
            bool got_exact = ot_equal(terms[i], terms[j]);
            if (got != want_cmp || got_exact != want_exact) {
                if (mismatches++ < 5) {
                    tu_text a = {0}, b = {0};
                    tu_erlang_term(&a, terms[i]);
                    tu_erlang_term(&b, terms[j]);
                    cr_log_error("%s vs %s: erlang %d/%d otter %d/%d", a.d, b.d, want_cmp,
                                 want_exact, got, got_exact);
                    free(a.d);
                    free(b.d);
                }
            }
            /* antisymmetry and consistency of the exact order with =:= */
            cr_assert_eq(ot_compare(terms[j], terms[i]), -got);
            cr_assert_eq(ot_compare_exact(terms[i], terms[j]) == 0, got_exact);
            cr_assert_eq(ot_compare_exact(terms[j], terms[i]), -ot_compare_exact(terms[i], terms[j]));
            if (got_exact)
                cr_assert_eq(ot_hash(terms[i]), ot_hash(terms[j]));
        }
    cr_assert_eq(k, strlen(out), "pair count");
    cr_assert_eq(mismatches, 0, "%d pairs disagree with Erlang", mismatches);

    /* lists:sort order */
    ix_term *sorted = calloc(N_ORACLE, sizeof *sorted);
    for (int i = 0; i < N_ORACLE; i++)
        sorted[i] = (ix_term){terms[i], i};
    qsort(sorted, N_ORACLE, sizeof *sorted, by_compare);
    char *p = line2;
    for (int i = 0; i < N_ORACLE; i++) {
        int want = (int)strtol(p, &p, 10);
        cr_assert_eq(sorted[i].ix, want, "sorted position %d: erlang %d otter %d", i, want, sorted[i].ix);
        if (*p == ',')
            p++;
    }

    /* exact (map key) order, chunk by chunk */
    p = line3;
    for (int c0 = 0; c0 < N_ORACLE; c0 += 32) {
        int m = 0;
        ix_term chunk[32];
        for (int i = c0; i < c0 + 32 && i < N_ORACLE; i++) {
            /* the last of =:= keys wins, as maps:from_list */
            bool replaced = false;
            for (int q = 0; q < m; q++)
                if (ot_equal(chunk[q].t, terms[i])) {
                    chunk[q] = (ix_term){terms[i], i};
                    replaced = true;
                }
            if (!replaced)
                chunk[m++] = (ix_term){terms[i], i};
        }
        qsort(chunk, (size_t)m, sizeof *chunk, by_exact);
        for (int q = 0; q < m; q++) {
            int want = (int)strtol(p, &p, 10);
            cr_assert_eq(chunk[q].ix, want, "exact order, chunk at %d, position %d", c0, q);
            if (*p == ',')
                p++;
        }
        if (*p == ';')
            p++;
    }
    free(sorted);
    free(out);
    free(in.d);
    free(terms);
    ot_heap_free(h);
}

Test(compare, oracle_leaves) { run_oracle(0x1234567, 0); }
Test(compare, oracle_nested) { run_oracle(0xfeedbeef, 3); }
Test(compare, oracle_deep) { run_oracle(42, 5); }

/* ---------------------------------------------------------------- fixed cases */

Test(compare, type_order)
{
    ot_heap *h = ot_heap_new();
    uint32_t ids[3] = {1, 2, 3};
    ot_term node = ot_atom("a@h");
    ot_term ordered[] = {
        ot_int(h, 5), ot_atom("a"), ot_ref(h, node, 1, ids, 3),
        ot_port(h, node, 1, 1), ot_pid(h, node, 1, 2, 3), ot_tuple(h, 0),
        ot_map(h, 0, NULL, NULL), OT_NIL, ot_list(h, 1, ot_int(h, 1)), ot_binary(h, "", 0)};
    size_t n = sizeof ordered / sizeof ordered[0];
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            int want = i < j ? -1 : i > j;
            cr_assert_eq(ot_compare(ordered[i], ordered[j]), want, "%zu vs %zu", i, j);
            cr_assert_eq(ot_compare_exact(ordered[i], ordered[j]), want);
        }
    ot_heap_free(h);
}

Test(compare, numbers_exact)
{
    ot_heap *h = ot_heap_new();
    /* 2^70 as bignum vs float; 2^70 + 1 is above the float 2^70 */
    uint64_t l70[2] = {0, 64};
    uint64_t l70p1[2] = {1, 64};
    ot_term i70 = ot_bigint(h, false, l70, 2), i70p1 = ot_bigint(h, false, l70p1, 2);
    ot_term f70 = ot_float(h, ldexp(1, 70));
    cr_assert_eq(ot_compare(i70, f70), 0);
    cr_assert_eq(ot_compare(i70p1, f70), 1);
    cr_assert_eq(ot_compare(f70, i70p1), -1);
    cr_assert(!ot_equal(i70, f70));
    cr_assert_eq(ot_compare_exact(i70, f70), -1);
    cr_assert_eq(ot_compare_exact(f70, ot_int(h, 0)), 1);
    /* 2^53 + 1 as an integer is above the float 2^53 */
    ot_term i = ot_int(h, (INT64_C(1) << 53) + 1), f = ot_float(h, 9007199254740992.0);
    cr_assert_eq(ot_compare(i, f), 1);
    cr_assert_eq(ot_compare(ot_int(h, 3), ot_float(h, 2.9999999999999996)), 1);
    cr_assert_eq(ot_compare(ot_int(h, -3), ot_float(h, -2.5)), -1);
    cr_assert_eq(ot_compare(ot_int(h, 0), ot_float(h, 5e-324)), -1);
    cr_assert_eq(ot_compare(ot_int(h, 0), ot_float(h, -0.0)), 0);
    /* OTP 25: -0.0 =:= 0.0 */
    cr_assert(ot_equal(ot_float(h, -0.0), ot_float(h, 0.0)));
    cr_assert_eq(ot_hash(ot_float(h, -0.0)), ot_hash(ot_float(h, 0.0)));
    /* BEAM's map key order: all integers before all floats */
    ot_term keys[4] = {ot_int(h, 2), ot_float(h, 1.0), ot_float(h, 0.5), ot_int(h, 3)};
    ot_term vals[4] = {ot_atom("a"), ot_atom("b"), ot_atom("c"), ot_atom("d")};
    ot_term m = ot_map(h, 4, keys, vals);
    double d;
    int64_t v;
    cr_assert(ot_get_int64(ot_map_key(m, 0), &v) == 0 && v == 2);
    cr_assert(ot_get_int64(ot_map_key(m, 1), &v) == 0 && v == 3);
    cr_assert(ot_is_float(ot_map_key(m, 2)) && ot_get_double(ot_map_key(m, 2), &d) == 0 && d == 0.5);
    cr_assert(ot_is_float(ot_map_key(m, 3)) && ot_get_double(ot_map_key(m, 3), &d) == 0 && d == 1.0);
    ot_heap_free(h);
}

Test(compare, long_and_deep)
{
    ot_heap *h = ot_heap_new();
    /* a million-element list compares without recursion */
    size_t n = 1000000;
    ot_term a = OT_NIL, b = OT_NIL;
    for (size_t i = 0; i < n; i++) {
        a = ot_cons(h, ot_tuple(h, 1, ot_int(h, (int64_t)i)), a);
        b = ot_cons(h, ot_tuple(h, 1, ot_int(h, (int64_t)i)), b);
    }
    cr_assert_eq(ot_compare(a, b), 0);
    cr_assert(ot_equal(a, b));
    cr_assert_eq(ot_hash(a), ot_hash(b));
    ot_term c = ot_cons(h, ot_int(h, 1), a);
    ot_term d = ot_cons(h, ot_int(h, 1), ot_cons(h, ot_tuple(h, 1, ot_int(h, 1000000)), ot_tl(a)));
    cr_assert_eq(ot_compare(c, d), -1);
    /* nesting 200,000 deep in heads and in tuples */
    ot_term x = OT_NIL, y = OT_NIL;
    for (size_t i = 0; i < 200000; i++) {
        x = i % 2 ? ot_tuple(h, 2, x, ot_atom("k")) : ot_cons(h, x, OT_NIL);
        y = i % 2 ? ot_tuple(h, 2, y, ot_atom("k")) : ot_cons(h, y, OT_NIL);
    }
    cr_assert(ot_equal(x, y));
    cr_assert_eq(ot_hash(x), ot_hash(y));
    ot_term y2 = ot_tuple(h, 2, x, ot_atom("l"));
    ot_term x2 = ot_tuple(h, 2, x, ot_atom("k"));
    cr_assert_eq(ot_compare(x2, y2), -1);
    ot_heap_free(h);
}

Test(compare, deep_under_allocation_failure)
{
    ot_heap *h = ot_heap_new();
    ot_term x = OT_NIL, y = OT_NIL, z = OT_NIL;
    for (size_t i = 0; i < 2000; i++) {
        x = ot_tuple(h, 2, x, ot_int(h, (int64_t)i));
        y = ot_tuple(h, 2, y, ot_int(h, (int64_t)i));
        z = ot_tuple(h, 2, z, ot_int(h, i == 0 ? 7 : (int64_t)i)); /* differs deepest */
    }
    uint64_t hx = ot_hash(x);
    /* with every allocation failing, the walk falls back to the C stack
     * and still gives the same answers */
    ot_test_fail_alloc_after(0, 1);
    bool eq = ot_equal(x, y);
    int c = ot_compare(z, x);
    uint64_t hy = ot_hash(y);
    ot_test_fail_alloc_after(-1, 0);
    cr_assert(eq);
    cr_assert_eq(c, 1);
    cr_assert_eq(hx, hy);
    cr_assert_eq(ot_compare(z, x), 1);
    ot_heap_free(h);
}

Test(compare, properties)
{
    ot_heap *h = ot_heap_new();
    uint64_t rng = 99;
    for (int i = 0; i < 20000; i++) {
        ot_term a = gen_term(h, &rng, 3), b = gen_term(h, &rng, 3), c = gen_term(h, &rng, 3);
        int ab = ot_compare(a, b), bc = ot_compare(b, c), ac = ot_compare(a, c);
        cr_assert_eq(ot_compare(b, a), -ab);
        if (ab <= 0 && bc <= 0)
            cr_assert_leq(ac, 0, "transitivity");
        if (ab >= 0 && bc >= 0)
            cr_assert_geq(ac, 0, "transitivity");
        int xab = ot_compare_exact(a, b), xbc = ot_compare_exact(b, c), xac = ot_compare_exact(a, c);
        if (xab <= 0 && xbc <= 0)
            cr_assert_leq(xac, 0, "exact transitivity");
        /* exact equality refines ==, and a copy is equal and hashes alike */
        if (ot_equal(a, b))
            cr_assert_eq(ab, 0);
        ot_term a2 = ot_copy(h, a);
        cr_assert(ot_equal(a, a2));
        cr_assert_eq(ot_hash(a), ot_hash(a2));
        cr_assert_eq(ot_compare(a, a2), 0);
        if (i % 1000 == 999)
            ot_heap_reset(h);
    }
    ot_heap_free(h);
}

Test(compare, refs_and_binaries)
{
    ot_heap *h = ot_heap_new();
    ot_term node = ot_atom("a@h");
    uint32_t r2[2] = {1, 2}, r3[3] = {1, 2, 0};
    ot_term a = ot_ref(h, node, 1, r2, 2), b = ot_ref(h, node, 1, r3, 3);
    cr_assert(ot_equal(a, b)); /* as BEAM: trailing zero words do not count */
    cr_assert_eq(ot_hash(a), ot_hash(b));
    /* a heap binary and a shared binary with the same bytes */
    char big[100];
    memset(big, 'x', sizeof big);
    ot_term s1 = ot_binary(h, big, 100), s2 = ot_binary(h, big, 100);
    cr_assert(ot_equal(s1, s2));
    cr_assert_eq(ot_hash(s1), ot_hash(s2));
    uint8_t b1 = 0x80, b2 = 0x40;
    cr_assert_eq(ot_compare(ot_bitstring(h, &b1, 1), ot_bitstring(h, &b2, 2)), 1);
    cr_assert_eq(ot_compare(ot_bitstring(h, &b1, 1), ot_binary(h, &b1, 1)), -1);
    ot_heap_free(h);
}
