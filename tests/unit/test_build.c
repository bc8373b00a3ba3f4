/* test_build.c — the term core: heaps, atoms, builders and readers, deep
 * copy, shared binaries and their memory count, allocation failure. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "base/alloc.h"
#include "otter/term.h"
#include "term/term_internal.h"
#include "testutil.h"

Test(atoms, interned_once_and_limited)
{
    ot_term a = ot_atom("hello");
    cr_assert_eq(a, ot_atom("hello"), "the same text gives the same atom");
    cr_assert_neq(a, ot_atom("hellO"));
    size_t len;
    cr_assert_str_eq(ot_atom_text(a, &len), "hello");
    cr_assert_eq(len, 5);
    cr_assert_eq(ot_atom("ok"), OT_ATOM(OK), "predefined atoms have fixed indices");
    cr_assert_eq(ot_atom(""), OT_ATOM(EMPTY));
    cr_assert_str_eq(ot_atom_text(OT_ATOM(GEN_CALL), NULL), "$gen_call");

    char buf[1024];
    memset(buf, 'x', 255);
    buf[255] = 0;
    cr_assert_neq(ot_atom(buf), OT_NONE, "255 characters is the longest atom");
    buf[255] = 'x';
    buf[256] = 0;
    cr_assert_eq(ot_atom(buf), OT_NONE, "256 characters is too long");
    /* 255 characters of 4 bytes each are fine: the limit counts characters. */
    for (int i = 0; i < 255; i++)
        memcpy(buf + 4 * i, "\xf0\x9f\x98\x80", 4);
    buf[1020] = 0;
    cr_assert_neq(ot_atom(buf), OT_NONE);
    cr_assert_eq(ot_atom("\xc3\x28"), OT_NONE, "invalid UTF-8");
    cr_assert_eq(ot_atom("\xed\xa0\x80"), OT_NONE, "a surrogate is not a character");
    cr_assert_eq(ot_atom_existing("never-made-before-xyz", 21), OT_NONE);
    cr_assert_eq(ot_atom_existing("hello", 5), a);
    cr_assert_eq(ot__atom_latin1_len(ot__atom_index(ot_atom("caf\xc3\xa9"))), 4);
    cr_assert_eq(ot__atom_latin1_len(ot__atom_index(ot_atom("\xe2\x82\xac"))), -1, "the euro sign is not Latin-1");
}

Test(build, integers_are_normalised)
{
    ot_heap *h = ot_heap_new();
    int64_t v;
    cr_assert_eq(ot_get_int64(ot_int(h, INT64_MAX), &v), 0);
    cr_assert_eq(v, INT64_MAX);
    cr_assert_eq(ot_get_int64(ot_int(h, INT64_MIN), &v), 0);
    cr_assert_eq(v, INT64_MIN);
    /* A bignum that fits a small integer becomes one: one representation. */
    uint64_t limbs[3] = {5, 0, 0};
    cr_assert_eq(ot_bigint(h, true, limbs, 3), ot_int(NULL, -5));
    uint64_t two64[2] = {0, 1};
    ot_term big = ot_bigint(h, false, two64, 2);
    cr_assert(ot_is_int(big));
    cr_assert_eq(ot_get_int64(big, &v), -ERANGE);
    uint64_t u;
    cr_assert_eq(ot_get_uint64(ot_uint(h, UINT64_MAX), &u), 0);
    cr_assert_eq(u, UINT64_MAX);
    cr_assert_eq(ot_float(h, 0.0 / 0.0), OT_NONE, "Erlang has no NaN");
    double d;
    cr_assert_eq(ot_get_double(ot_float(h, -2.5), &d), 0);
    cr_assert_eq(d, -2.5);
    ot_heap_free(h);
}

Test(build, containers_and_readers)
{
    ot_heap *h = ot_heap_new();
    ot_term t = ot_tuple(h, 3, ot_atom("point"), ot_int(h, 3), ot_int(h, 4));
    cr_assert_eq(ot_tuple_arity(t), 3);
    cr_assert_eq(ot_tuple_get(t, 0), ot_atom("point"));
    cr_assert_eq(ot_tuple_get(t, 3), OT_NONE);
    ot_term l = ot_list(h, 3, ot_int(h, 1), ot_int(h, 2), ot_int(h, 3));
    cr_assert_eq(ot_list_length(l), 3);
    cr_assert_eq(ot_list_length(ot_cons(h, ot_int(h, 1), ot_int(h, 2))), -EINVAL, "improper");
    cr_assert_eq(ot_hd(ot_tl(l)), ot_int(h, 2));
    cr_assert_eq(ot_tuple(h, 2, ot_atom("a"), OT_NONE), OT_NONE, "OT_NONE propagates");
    cr_assert_eq(ot_list(h, 2, OT_NONE, OT_NIL), OT_NONE);

    ot_term cl = ot_charlist(h, "h\xc3\xa9");
    cr_assert_eq(ot_list_length(cl), 2);
    cr_assert_eq(ot_hd(ot_tl(cl)), ot_int(h, 0xe9), "charlists hold code points");

    /* Maps: keys sorted (integers before floats), the last duplicate wins. */
    ot_term ks[4] = {ot_atom("b"), ot_float(h, 1.0), ot_int(h, 1), ot_atom("b")};
    ot_term vs[4] = {ot_int(h, 1), ot_int(h, 2), ot_int(h, 3), ot_int(h, 4)};
    ot_term m = ot_map(h, 4, ks, vs);
    cr_assert_eq(ot_map_size(m), 3);
    cr_assert_eq(ot_map_key(m, 0), ot_int(h, 1));
    cr_assert(ot_is_float(ot_map_key(m, 1)));
    cr_assert_eq(ot_map_get(m, ot_atom("b")), ot_int(h, 4));
    cr_assert_eq(ot_map_get(m, ot_atom("zz")), OT_NONE);
    ot_term m2 = ot_map_put(h, m, ot_atom("a"), ot_int(h, 9));
    cr_assert_eq(ot_map_size(m2), 4);
    cr_assert_eq(ot_map_size(m), 3, "maps are immutable");
    cr_assert_eq(ot_map_get(ot_map_put(h, m2, ot_atom("a"), ot_int(h, 10)), ot_atom("a")), ot_int(h, 10));

    /* Pids of the running node are immediate; others are boxed. */
    ot_term lp = ot_pid(NULL, ot_atom("nonode@nohost"), 7, 1, 0);
    cr_assert(ot_is_pid(lp));
    ot_pid_parts pp;
    cr_assert_eq(ot_pid_get(lp, &pp), 0);
    cr_assert_eq(pp.id, 7);
    cr_assert_eq(pp.serial, 1);
    cr_assert_eq(ot_pid(NULL, ot_atom("other@host"), 7, 1, 0), OT_NONE, "a remote pid needs a heap");
    ot_term rp = ot_pid(h, ot_atom("other@host"), 7, 1, 3);
    cr_assert_eq(ot_pid_get(rp, &pp), 0);
    cr_assert_eq(pp.node, ot_atom("other@host"));
    cr_assert_eq(pp.creation, 3);
    uint32_t ids[3] = {1, 2, 3};
    ot_ref_parts rr;
    cr_assert_eq(ot_ref_get(ot_ref(h, ot_atom("n@h"), 1, ids, 3), &rr), 0);
    cr_assert_eq(rr.n, 3);
    cr_assert_eq(rr.ids[2], 3);
    ot_heap_free(h);
}

Test(build, bitstrings_keep_their_bits)
{
    ot_heap *h = ot_heap_new();
    uint8_t b = 0xff;
    ot_term t = ot_bitstring(h, &b, 3);
    cr_assert_eq(ot_bitstring_bits(t), 3);
    cr_assert(!ot_is_binary(t));
    size_t n;
    cr_assert_eq(ot_binary_data(t, &n)[0], 0xe0, "unused low bits are cleared");
    cr_assert_eq(n, 1);
    cr_assert(ot_is_binary(ot_binary(h, "", 0)));
    cr_assert_eq(ot_bitstring_bits(ot_binary(h, "", 0)), 0);
    ot_heap_free(h);
}

Test(build, large_binaries_are_shared_and_counted)
{
    int64_t before = ot__mem_get(OT__MEM_BINARY);
    char data[1000];
    memset(data, 'c', sizeof data);
    ot_heap *a = ot_heap_new(), *b = ot_heap_new();
    ot_term big = ot_binary(a, data, sizeof data);
    cr_assert_eq(ot__mem_get(OT__MEM_BINARY) - before, 1000, "binary bytes are counted");
    ot_term copy = ot_copy(b, ot_tuple(a, 2, big, big));
    size_t n;
    cr_assert_eq(ot_binary_data(ot_tuple_get(copy, 0), &n), ot_binary_data(big, NULL), "shared, not copied");
    cr_assert_eq(n, 1000);
    cr_assert_eq(ot__mem_get(OT__MEM_BINARY) - before, 1000, "one copy of the bytes");
    ot_heap_free(a);
    cr_assert_eq(ot_binary_data(ot_tuple_get(copy, 1), NULL)[999], 'c', "still held by the copy");
    ot_heap_free(b);
    cr_assert_eq(ot__mem_get(OT__MEM_BINARY), before, "freed with the last reference");
    /* 64 bytes and less live on the heap itself. */
    ot_heap *c = ot_heap_new();
    ot_binary(c, data, 64);
    cr_assert_eq(ot__mem_get(OT__MEM_BINARY), before);
    ot_heap_free(c);
}

/* Random terms of every kind, for the copy property. */
static ot_term random_term(ot_heap *h, uint64_t *rng, int depth)
{
    switch (tu_rng(rng) % (depth > 4 ? 6 : 10)) {
    case 0: return ot_int(h, (int64_t)tu_rng(rng));
    case 1: return ot_float(h, (double)(tu_rng(rng) % 100000) / 7.0);
    case 2: {
        char name[8];
        snprintf(name, sizeof name, "a%u", (unsigned)(tu_rng(rng) % 50));
        return ot_atom(name);
    }
    case 3: {
        char bytes[100];
        size_t n = tu_rng(rng) % sizeof bytes;
        memset(bytes, 'x', n);
        return ot_binary(h, bytes, n);
    }
    case 4: return ot_pid(h, ot_atom("n@h"), (uint32_t)tu_rng(rng), 0, 1);
    case 5: return OT_NIL;
    case 6: case 7: {
        size_t n = tu_rng(rng) % 6;
        ot_term e[6];
        for (size_t i = 0; i < n; i++)
            e[i] = random_term(h, rng, depth + 1);
        return tu_rng(rng) % 2 ? ot_tuplev(h, n, e) : ot_listv(h, n, e);
    }
    case 8: {
        size_t n = tu_rng(rng) % 5;
        ot_term k[5], v[5];
        for (size_t i = 0; i < n; i++) {
            k[i] = random_term(h, rng, depth + 1);
            v[i] = random_term(h, rng, depth + 1);
        }
        return ot_map(h, n, k, v);
    }
    default: return ot_cons(h, random_term(h, rng, depth + 1), random_term(h, rng, depth + 1));
    }
}

Test(copy, deep_copies_are_equal_and_independent)
{
    uint64_t rng = 42;
    for (int i = 0; i < 2000; i++) {
        ot_heap *a = ot_heap_new(), *b = ot_heap_new();
        ot_term t = random_term(a, &rng, 0);
        ot_term c = ot_copy(b, t);
        cr_assert(ot_equal(t, c), "copy %d differs", i);
        /* A copy into exactly ot__copy_words words cannot fail. */
        size_t w = ot__copy_words(t);
        uint64_t *mem = malloc((w ? w : 1) * 8);
        ot_heap fixed;
        ot__heap_init_fixed(&fixed, mem, w);
        ot_term f = ot_copy(&fixed, t);
        cr_assert(ot_equal(t, f));
        cr_assert_eq(fixed.top, fixed.end, "the word count is exact");
        ot_heap_free(a);
        cr_assert(ot_equal(c, f), "copies outlive the original heap");
        ot__heap_release_fixed(&fixed);
        free(mem);
        ot_heap_free(b);
    }
}

Test(copy, long_lists_need_no_deep_stack)
{
    ot_heap *h = ot_heap_new(), *g = ot_heap_new();
    ot_term l = OT_NIL;
    for (int i = 0; i < 1000000; i++)
        l = ot_cons(h, ot_int(h, i), l);
    ot_term deep = OT_NIL;
    for (int i = 0; i < 100000; i++)
        deep = ot_tuple(h, 1, deep);
    ot_term c = ot_copy(g, ot_tuple(h, 2, l, deep));
    cr_assert_eq(ot_list_length(ot_tuple_get(c, 0)), 1000000);
    ot_heap_free(h);
    ot_heap_free(g);
}

Test(alloc, failures_give_none_and_lose_nothing)
{
    /* Fail each allocation in turn while building and copying: every
     * failure shows as OT_NONE, and nothing is lost (LeakSanitizer's check
     * at the end, in sanitizer builds). */
    for (long k = 0; k < 40; k++) {
        ot_test_fail_alloc_after(k, 0);
        ot_heap *h = ot_heap_new();
        if (!h)
            continue;
        ot_term big = OT_NIL;
        char data[200] = {0};
        for (int i = 0; i < 300 && big != OT_NONE; i++)
            big = ot_cons(h, ot_tuple(h, 2, ot_binary(h, data, sizeof data), ot_int(h, i)), big);
        ot_heap *g = ot_heap_new();
        if (g && big != OT_NONE)
            (void)ot_copy(g, big);
        ot_heap_free(g);
        ot_heap_free(h);
    }
    ot_test_fail_alloc_after(-1, 0);
    ot_heap *h = ot_heap_new();
    cr_assert_not_null(h, "injection is off again");
    ot_heap_free(h);
    cr_assert_eq(tu_leaks(), 0, "leaks: see the report above");
}

Test(heap, reset_keeps_first_block)
{
    ot_heap *h = ot_heap_new();
    size_t first = ot_heap_bytes(h);
    for (int i = 0; i < 10000; i++)
        ot_tuple(h, 2, ot_int(h, i), OT_NIL);
    cr_assert_gt(ot_heap_bytes(h), first);
    ot_heap_reset(h);
    cr_assert_eq(ot_heap_bytes(h), first);
    cr_assert_neq(ot_tuple(h, 1, OT_NIL), OT_NONE);
    ot_heap_free(h);
}

Test(errors, every_code_has_a_name)
{
    cr_assert_str_eq(ot_strerror(-EBADMSG), "malformed data");
    cr_assert_str_eq(ot_strerror(0), "success");
    cr_assert_str_eq(ot_strerror(EINVAL), ot_strerror(-EINVAL));
}
