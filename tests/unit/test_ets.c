/* test_ets.c — otter's shared tables against what Erlang's ets does: each
 * table type's semantics (and a property test that runs random operation
 * sequences on a real ets table in `erl` and on an otter table and compares
 * every result), ordered_set order against term order, protection seen
 * from other processes and plain threads, owners exiting, heirs,
 * give_away, update_counter, match patterns, bad arguments, concurrent
 * use from both schedulers, and memory that comes back. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "otter/ets.h"
#include "proctest.h"
#include "testutil.h"
#include "base/alloc.h"
#include "ets/ets_internal.h"

#define P(x) ((void *)(uintptr_t)(x))
#define T(x) ((ot_term)(uintptr_t)(x))

static ot_heap *H(void) { return ot_proc_heap(); }
static ot_term B(const char *fmt) { return ot_build(H(), fmt); }

/* The tables' invariants (docs/assertions.md): t's, then every table's. */
static void check_tables(ot_term t)
{
    const char *bad = ot__ets_check(t);
    CHECK(bad == NULL, "%s", bad);
    bad = ot__ets_check_all();
    CHECK(bad == NULL, "%s", bad);
}

/* t's text, Erlang syntax, in a rotating static buffer. */
static const char *txt(ot_term t)
{
    static _Thread_local char bufs[4][512];
    static _Thread_local int k;
    char *b = bufs[k++ % 4];
    ot_print_opts o = {.syntax = OT_SYNTAX_ERLANG};
    if (t == OT_NONE)
        return "NONE";
    ot_print(b, 512, t, &o);
    return b;
}

/* Is t (printed in Erlang syntax) exactly `want`? */
#define CHECK_TERM(t, want) CHECK(strcmp(txt(t), want) == 0, "got %s, want %s", txt(t), want)

static ot_term new_table(const char *name, const char *opts)
{
    ot_term tab = OT_NONE;
    int rc = ot_ets_new(H(), ot_atom(name), B(opts), &tab);
    CHECK(rc == 0, "ot_ets_new(%s, %s): %s", name, opts, ot_strerror(rc));
    return tab;
}

static ot_term lookup(ot_term tab, ot_term key)
{
    ot_term out = OT_NONE;
    int rc = ot_ets_lookup(H(), tab, key, &out);
    CHECK(rc == 0, "lookup %s: %s", txt(key), ot_strerror(rc));
    return out;
}

static ot_term tab2list(ot_term tab)
{
    ot_term out = OT_NONE;
    int rc = ot_ets_tab2list(H(), tab, &out);
    CHECK(rc == 0, "tab2list: %s", ot_strerror(rc));
    return out;
}

/* ---------------------------------------------------------------- the notebook */

static void notebook_body(void *arg)
{
    (void)arg;
    int64_t ets0 = ot__mem_get(OT__MEM_ETS);
    ot_term tid = new_table("users", "[set, public]");
    CHECK(ot_is_ref(tid), "an unnamed table's id is a reference: %s", txt(tid));
    ot_heap *h = ot_heap_new();
    char name[32];
    for (int i = 1; i <= 10000; i++) {
        int n = snprintf(name, sizeof name, "User %d", i);
        CHECK(ot_ets_insert(tid, ot_tuple(h, 2, ot_int(h, i), ot_binary(h, name, (size_t)n))) == 0);
        if (i % 500 == 0)
            ot_heap_reset(h);
    }
    ot_heap_free(h);
    CHECK(ot_ets_size(tid) == 10000);
    CHECK_TERM(lookup(tid, ot_int(NULL, 4242)), "[{4242,<<\"User 4242\">>}]");
    CHECK_TERM(lookup(tid, ot_int(NULL, 10001)), "[]");
    ssize_t bytes = ot_ets_memory(tid);
    CHECK(bytes > 10000 * 16 && bytes < 10000 * 64, "%zd bytes for 10,000 objects", bytes);
    int64_t grown = ot__mem_get(OT__MEM_ETS) - ets0;
    CHECK(grown >= bytes, "the ets category grew %lld, the table holds %zd", (long long)grown, bytes);
    ot_term words = OT_NONE;
    CHECK(ot_ets_info_item(H(), tid, ot_atom("memory"), &words) == 0);
    int64_t w = 0;
    CHECK(ot_get_int64(words, &w) == 0 && w == (bytes + 7) / 8);
    CHECK(ot_ets_delete(tid) == 0);
    int64_t after = ot__mem_get(OT__MEM_ETS) - ets0;
    /* what stays: the slots of the table registry, made once */
    CHECK(after >= 0 && after < 64 * 1024, "ets category after delete: %+lld", (long long)after);
    CHECK(ot_ets_lookup(H(), tid, ot_int(NULL, 1), &words) == -EBADF);
}

Test(ets, notebook_cell) { pt_run(notebook_body, NULL, 2); }

/* ---------------------------------------------------------------- set */

static void set_body(void *arg)
{
    (void)arg;
    ot_term t = new_table("s", "[]");
    CHECK(ot_ets_insert(t, B("{1, a}")) == 0);
    CHECK(ot_ets_insert(t, B("{1, b}")) == 0); /* replaces */
    CHECK(ot_ets_insert(t, B("{1.0, c}")) == 0); /* another key: =:= */
    CHECK_TERM(lookup(t, B("1")), "[{1,b}]");
    CHECK_TERM(lookup(t, B("1.0")), "[{1.0,c}]");
    CHECK(ot_ets_insert(t, B("{0.0, z}")) == 0);
    CHECK_TERM(lookup(t, B("-0.0")), "[{0.0,z}]"); /* OTP 25: -0.0 =:= 0.0 */
    CHECK(ot_ets_insert(t, B("[{k, 3}, {k, 1}, {k, 2}]")) == 0); /* last wins */
    CHECK_TERM(lookup(t, B("k")), "[{k,2}]");
    CHECK(ot_ets_insert_new(t, B("[{k, 9}, {new, 1}]")) == 0);
    CHECK_TERM(lookup(t, B("new")), "[]");
    CHECK(ot_ets_insert_new(t, B("[{y, 1}, {y, 2}]")) == 1);
    CHECK_TERM(lookup(t, B("y")), "[{y,2}]");
    CHECK(ot_ets_member(t, B("y")) == 1 && ot_ets_member(t, B("zz")) == 0);
    ot_term v;
    CHECK(ot_ets_lookup_element(H(), t, B("k"), 2, &v) == 0);
    CHECK_TERM(v, "2");
    CHECK(ot_ets_lookup_element(H(), t, B("k"), 3, &v) == -EINVAL);
    CHECK(ot_ets_lookup_element(H(), t, B("k"), 0, &v) == -EINVAL);
    CHECK(ot_ets_lookup_element(H(), t, B("nope"), 1, &v) == -ENOENT);
    CHECK(ot_ets_take(H(), t, B("k"), &v) == 0);
    CHECK_TERM(v, "[{k,2}]");
    CHECK(ot_ets_take(H(), t, B("k"), &v) == 0);
    CHECK_TERM(v, "[]");
    CHECK(ot_ets_delete_object(t, B("{1, a}")) == 0);
    CHECK_TERM(lookup(t, B("1")), "[{1,b}]");
    CHECK(ot_ets_delete_object(t, B("{1, b}")) == 0);
    CHECK_TERM(lookup(t, B("1")), "[]");
    CHECK(ot_ets_delete_key(t, B("1.0")) == 0 && ot_ets_delete_key(t, B("1.0")) == 0);
    /* every kind of term survives the trip, shared binaries too */
    ot_term big = B("{big, <<\"0123456789012345678901234567890123456789012345678901234567890123456789\">>,"
                    " 123456789012345678901234567890, -5, -123456789012, 3.25, [1, 2 | 3], \"chars\","
                    " #{a => 1, \"k\" => [x]}, {}, <<1, 2:4>>, 'quoted atom'}");
    CHECK(ot_ets_insert(t, big) == 0);
    ot_term got = lookup(t, B("big"));
    CHECK(ot_is_list(got) && ot_equal(ot_hd(got), big), "%s", txt(got));
    ot_term self_obj = ot_tuple(H(), 3, ot_atom("me"), ot_self(), ot_make_ref(H()));
    CHECK(ot_ets_insert(t, self_obj) == 0);
    got = lookup(t, B("me"));
    CHECK(ot_is_list(got) && ot_equal(ot_hd(got), self_obj));
    /* a key with a large binary is found by content */
    ot_term bigkey = ot_tuple_get(big, 1);
    CHECK(ot_ets_insert(t, ot_tuple(H(), 2, bigkey, ot_atom("v"))) == 0);
    ot_term copy = ot_binary(H(), ot_binary_data(bigkey, NULL), 70);
    CHECK_TERM(lookup(t, ot_tuple(H(), 0)), "[]");
    got = lookup(t, copy);
    CHECK(ot_list_length(got) == 1, "%s", txt(got));
    ssize_t n = ot_ets_size(t);
    CHECK(ot_ets_delete_all_objects(t) == 0 && ot_ets_size(t) == 0, "size was %zd", n);
    CHECK(ot_ets_insert(t, B("{after, clear}")) == 0 && ot_ets_size(t) == 1);
    check_tables(t);
    CHECK(ot_ets_delete(t) == 0);
}

Test(ets, set_semantics) { pt_run(set_body, NULL, 2); }

/* ---------------------------------------------------------------- bags */

static void bag_body(void *arg)
{
    (void)arg;
    ot_term b = new_table("b", "[bag]");
    ot_term d = new_table("d", "[duplicate_bag]");
    const char *singles[] = {"{k, 3}", "{k, 1}", "{k, 2}", "{k, 1}"};
    for (int i = 0; i < 4; i++) {
        CHECK(ot_ets_insert(b, B(singles[i])) == 0);
        CHECK(ot_ets_insert(d, B(singles[i])) == 0);
    }
    CHECK_TERM(lookup(b, B("k")), "[{k,3},{k,1},{k,2}]");
    CHECK_TERM(lookup(d, B("k")), "[{k,3},{k,1},{k,2},{k,1}]");
    ot_term v;
    CHECK(ot_ets_lookup_element(H(), b, B("k"), 2, &v) == 0);
    CHECK_TERM(v, "[3,1,2]");
    CHECK(ot_ets_delete_object(d, B("{k, 1}")) == 0); /* every copy */
    CHECK_TERM(lookup(d, B("k")), "[{k,3},{k,2}]");
    CHECK(ot_ets_delete_object(b, B("{k, 3}")) == 0);
    CHECK_TERM(lookup(b, B("k")), "[{k,1},{k,2}]");
    /* OTP 25 puts a list into a bag last element first */
    CHECK(ot_ets_insert(b, B("[{j, 3}, {j, 1}, {j, 2}, {j, 1}]")) == 0);
    CHECK_TERM(lookup(b, B("j")), "[{j,1},{j,2},{j,3}]");
    CHECK(ot_ets_insert(d, B("[{j, 3}, {j, 1}]")) == 0);
    CHECK_TERM(lookup(d, B("j")), "[{j,3},{j,1}]");
    CHECK(ot_ets_insert_new(b, B("{j, 7}")) == 0);
    CHECK(ot_ets_size(b) == 5 && ot_ets_size(d) == 4, "%zd %zd", ot_ets_size(b), ot_ets_size(d));
    CHECK(ot_ets_delete_key(b, B("j")) == 0 && ot_ets_size(b) == 2);
    ot_term out;
    CHECK(ot_ets_update_counter(H(), b, B("k"), B("1"), OT_NONE, &out) == -EINVAL);
    CHECK(ot_ets_take(H(), d, B("k"), &out) == 0);
    CHECK_TERM(out, "[{k,3},{k,2}]");
    check_tables(b);
    check_tables(d);
    CHECK(ot_ets_delete(b) == 0 && ot_ets_delete(d) == 0);
}

Test(ets, bag_and_duplicate_bag) { pt_run(bag_body, NULL, 2); }

/* ---------------------------------------------------------------- ordered_set */

static int cmp_terms(const void *a, const void *b)
{
    return ot_compare(*(const ot_term *)a, *(const ot_term *)b);
}

static void ordered_body(void *arg)
{
    (void)arg;
    ot_term t = new_table("o", "[ordered_set]");
    const char *keys[] = {"b", "1.5", "a", "2", "\"s\"", "<<\"b\">>", "{t}", "[]", "-7", "{1, 2}",
                          "[1 | 2]", "3.0", "99999999999999999999999", "<<>>", "#{a => 1}", "{}"};
    size_t nk = sizeof keys / sizeof keys[0];
    ot_term sorted[32];
    for (size_t i = 0; i < nk; i++) {
        sorted[i] = B(keys[i]);
        CHECK(ot_ets_insert(t, ot_tuple(H(), 2, sorted[i], ot_int(NULL, (int64_t)i))) == 0);
    }
    CHECK(ot_ets_insert(t, B("{2.0, replaced}")) == 0); /* == 2: the same key */
    CHECK_TERM(lookup(t, B("2")), "[{2.0,replaced}]");
    qsort(sorted, nk, sizeof sorted[0], cmp_terms);
    ot_term l = tab2list(t);
    size_t i = 0;
    for (; l != OT_NIL && i < nk; l = ot_tl(l), i++)
        CHECK(ot_compare(ot_tuple_get(ot_hd(l), 0), sorted[i]) == 0, "position %zu: %s vs %s", i,
              txt(ot_hd(l)), txt(sorted[i]));
    CHECK(i == nk && l == OT_NIL);
    /* first/next and last/prev walk the same order */
    ot_term k;
    i = 0;
    for (int rc = ot_ets_first(H(), t, &k); rc == 1; rc = ot_ets_next(H(), t, k, &k), i++)
        CHECK(ot_compare(k, sorted[i]) == 0, "next %zu: %s", i, txt(k));
    CHECK(i == nk && k == ot_atom("$end_of_table"));
    i = nk;
    for (int rc = ot_ets_last(H(), t, &k); rc == 1; rc = ot_ets_prev(H(), t, k, &k))
        CHECK(i > 0 && ot_compare(k, sorted[--i]) == 0, "prev: %s", txt(k));
    CHECK(i == 0);
    /* next/prev of a key that is not there */
    CHECK(ot_ets_next(H(), t, B("1.75"), &k) == 1);
    CHECK_TERM(k, "2.0");
    CHECK(ot_ets_prev(H(), t, B("1.75"), &k) == 1);
    CHECK_TERM(k, "1.5");
    CHECK(ot_ets_prev(H(), t, B("-100"), &k) == 0);
    /* deleting keeps the order */
    for (size_t j = 0; j < nk; j += 2)
        CHECK(ot_ets_delete_key(t, sorted[j]) == 0);
    l = tab2list(t);
    for (size_t j = 1; j < nk; j += 2, l = ot_tl(l))
        CHECK(l != OT_NIL && ot_compare(ot_tuple_get(ot_hd(l), 0), sorted[j]) == 0);
    CHECK(l == OT_NIL);
    /* many keys: the tree stays ordered and balanced enough */
    ot_term u = new_table("o2", "[ordered_set]");
    uint64_t rng = 7;
    for (int j = 0; j < 5000; j++)
        ot_ets_insert(u, ot_tuple(H(), 1, ot_int(NULL, (int64_t)(tu_rng(&rng) % 3000))));
    for (int j = 0; j < 2000; j++)
        ot_ets_delete_key(u, ot_int(NULL, (int64_t)(tu_rng(&rng) % 3000)));
    int64_t prev = -1;
    size_t count = 0;
    for (l = tab2list(u); l != OT_NIL; l = ot_tl(l), count++) {
        int64_t x;
        ot_get_int64(ot_tuple_get(ot_hd(l), 0), &x);
        CHECK(x > prev);
        prev = x;
    }
    CHECK((ssize_t)count == ot_ets_size(u));
    check_tables(u);
    check_tables(t);
    CHECK(ot_ets_delete(u) == 0 && ot_ets_delete(t) == 0);
}

Test(ets, ordered_set_is_in_term_order) { pt_run(ordered_body, NULL, 2); }

/* ---------------------------------------------------------------- keypos, counters */

static void keypos_body(void *arg)
{
    (void)arg;
    ot_term t = new_table("kp", "[{keypos, 2}]");
    CHECK(ot_ets_insert(t, B("{user, 7, \"Ann\"}")) == 0);
    CHECK(ot_ets_insert(t, B("{a}")) == -EINVAL);
    CHECK(ot_ets_insert(t, B("[{x, 1}, {b}]")) == -EINVAL);
    CHECK(ot_ets_size(t) == 1, "nothing of a bad list goes in");
    CHECK_TERM(lookup(t, B("7")), "[{user,7,\"Ann\"}]");
    ot_term out;
    CHECK(ot_ets_update_counter(H(), t, B("7"), B("{1, 1}"), OT_NONE, &out) == -EINVAL); /* not an integer */
    CHECK(ot_ets_update_counter(H(), t, B("7"), B("{2, 1}"), OT_NONE, &out) == -EINVAL); /* the key */
    CHECK(ot_ets_delete(t) == 0);
}

Test(ets, keypos) { pt_run(keypos_body, NULL, 2); }

static void counter_body(void *arg)
{
    (void)arg;
    ot_term t = new_table("c", "[set]");
    ot_term out;
    CHECK(ot_ets_update_counter(H(), t, B("n"), B("1"), OT_NONE, &out) == -ENOENT);
    CHECK(ot_ets_insert(t, B("{c, 5, 7}")) == 0);
    CHECK(ot_ets_update_counter(H(), t, B("c"), B("1"), OT_NONE, &out) == 0);
    CHECK_TERM(out, "6");
    CHECK(ot_ets_update_counter(H(), t, B("c"), B("[{2, 10}, {3, -1}, {2, 1, 10, 0}]"), OT_NONE, &out) == 0);
    CHECK_TERM(out, "[16,6,0]");
    CHECK_TERM(lookup(t, B("c")), "[{c,0,6}]");
    CHECK(ot_ets_update_counter(H(), t, B("c"), B("{3, -10, 0, -5}"), OT_NONE, &out) == 0);
    CHECK_TERM(out, "-5");
    CHECK(ot_ets_update_counter(H(), t, B("c"), B("{4, 1}"), OT_NONE, &out) == -EINVAL);
    CHECK(ot_ets_update_counter(H(), t, B("c"), B("[{2, 1}, {9, 1}]"), OT_NONE, &out) == -EINVAL);
    CHECK_TERM(lookup(t, B("c")), "[{c,0,-5}]"); /* a failed list changes nothing */
    CHECK(ot_ets_update_counter(H(), t, B("c"), B("{2, 1180591620717411303424}"), OT_NONE, &out) == 0);
    CHECK_TERM(out, "1180591620717411303424");
    CHECK(ot_ets_update_counter(H(), t, B("c"), B("{2, -1180591620717411303425}"), OT_NONE, &out) == 0);
    CHECK_TERM(out, "-1");
    CHECK(ot_ets_update_counter(H(), t, B("c"), B("{2, 1152921504606846975}"), OT_NONE, &out) == 0);
    CHECK(ot_ets_update_counter(H(), t, B("c"), B("{2, 1152921504606846975}"), OT_NONE, &out) == 0);
    CHECK_TERM(out, "2305843009213693949");
    CHECK(ot_ets_update_counter(H(), t, B("nc"), B("{2, 3}"), B("{nc, 10, x}"), &out) == 0);
    CHECK_TERM(out, "13");
    CHECK_TERM(lookup(t, B("nc")), "[{nc,13,x}]");
    CHECK(ot_ets_update_counter(H(), t, B("nd"), B("{3, 1}"), B("{nc, 10, x}"), &out) == -EINVAL);
    CHECK(ot_ets_update_element(t, B("nc"), B("[{3, y}, {2, 0}]")) == 1);
    CHECK_TERM(lookup(t, B("nc")), "[{nc,0,y}]");
    CHECK(ot_ets_update_element(t, B("zz"), B("{2, 0}")) == 0);
    CHECK(ot_ets_update_element(t, B("nc"), B("{1, 0}")) == -EINVAL);
    /* ordered_set counters too */
    ot_term o = new_table("oc", "[ordered_set]");
    CHECK(ot_ets_update_counter(H(), o, B("1"), B("5"), B("{1.0, 0}"), &out) == 0);
    CHECK_TERM(out, "5");
    CHECK_TERM(tab2list(o), "[{1,5}]");
    CHECK(ot_ets_delete(t) == 0 && ot_ets_delete(o) == 0);
}

Test(ets, update_counter) { pt_run(counter_body, NULL, 2); }

/* ---------------------------------------------------------------- match */

static int sort_list_text(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The list's elements as sorted text, "a|b|c" (hash tables' order is not
 * Erlang's, so tests compare sets). */
static const char *sorted_text(ot_term l)
{
    static char out[1024];
    const char *items[64];
    char store[64][64];
    size_t n = 0;
    for (; l != OT_NIL && n < 64; l = ot_tl(l), n++) {
        snprintf(store[n], sizeof store[n], "%s", txt(ot_hd(l)));
        items[n] = store[n];
    }
    qsort(items, n, sizeof items[0], sort_list_text);
    out[0] = 0;
    for (size_t i = 0; i < n; i++) {
        strcat(out, items[i]);
        if (i + 1 < n)
            strcat(out, "|");
    }
    return out;
}

static void match_body(void *arg)
{
    (void)arg;
    ot_term t = new_table("m", "[bag]");
    CHECK(ot_ets_insert(t, B("[{k, 1, x}, {k, 2, y}, {j, 2, z}, {j, 3, x}, {i}]")) == 0);
    ot_term out;
    CHECK(ot_ets_match_object(H(), t, ot_pattern(H(), "{_, 2, _}"), &out) == 0);
    CHECK(strcmp(sorted_text(out), "{j,2,z}|{k,2,y}") == 0, "%s", sorted_text(out));
    CHECK(ot_ets_match(H(), t, ot_pattern(H(), "{k, N, V}"), &out) == 0); /* key bound */
    CHECK(strcmp(sorted_text(out), "[1,x]|[2,y]") == 0, "%s", sorted_text(out));
    CHECK(ot_ets_match(H(), t, ot_pattern(H(), "{K, _, x}"), &out) == 0);
    CHECK(strcmp(sorted_text(out), "[j]|[k]") == 0, "%s", sorted_text(out));
    CHECK(ot_ets_match(H(), t, ot_pattern(H(), "{K, N, N}"), &out) == 0);
    CHECK_TERM(out, "[]");
    CHECK(ot_ets_match_object(H(), t, ot_pattern(H(), "{_}"), &out) == 0);
    CHECK_TERM(out, "[{i}]");
    CHECK(ot_ets_match_object(H(), t, ot_pattern(H(), "_"), &out) == 0);
    CHECK(ot_list_length(out) == 5);
    CHECK(ot_ets_match_object(H(), t, B("[]"), &out) == 0);
    CHECK_TERM(out, "[]");
    CHECK(ot_ets_match_delete(t, ot_pattern(H(), "{_, _, x}")) == 2);
    CHECK(ot_ets_match_delete(t, ot_pattern(H(), "{k, _, _}")) == 1);
    CHECK(strcmp(sorted_text(tab2list(t)), "{i}|{j,2,z}") == 0, "%s", sorted_text(tab2list(t)));
    /* ordered_set: results in term order, deletes by pattern */
    ot_term o = new_table("mo", "[ordered_set]");
    for (int i = 10; i > 0; i--)
        ot_ets_insert(o, ot_tuple(H(), 2, ot_int(NULL, i), ot_int(NULL, i % 3)));
    CHECK(ot_ets_match(H(), o, ot_pattern(H(), "{K, 0}"), &out) == 0);
    CHECK(ot_equal(out, B("[[3], [6], [9]]")), "%s", txt(out));
    CHECK(ot_ets_match_delete(o, ot_pattern(H(), "{_, 1}")) == 4);
    CHECK(ot_ets_match_delete(o, ot_pattern(H(), "{5, _}")) == 1);
    CHECK_TERM(tab2list(o), "[{2,2},{3,0},{6,0},{8,2},{9,0}]");
    CHECK(ot_ets_delete(t) == 0 && ot_ets_delete(o) == 0);
}

Test(ets, match_patterns) { pt_run(match_body, NULL, 2); }

/* ---------------------------------------------------------------- traversal, fold */

static int fold_sum(ot_term obj, void *acc)
{
    int64_t v = 0;
    ot_get_int64(ot_tuple_get(obj, 1), &v);
    *(int64_t *)acc += v;
    return 0;
}

static ot_term fold_tab;

static int fold_deleting(ot_term obj, void *acc)
{
    /* writing the table from inside the fold is allowed */
    ot_ets_delete_key(fold_tab, ot_int(NULL, 1000 - 1 - (*(int64_t *)acc)++));
    (void)obj;
    return 0;
}

static void traverse_body(void *arg)
{
    (void)arg;
    ot_term t = new_table("tr", "[set]");
    ot_term k;
    CHECK(ot_ets_first(H(), t, &k) == 0 && k == ot_atom("$end_of_table"));
    for (int i = 0; i < 1000; i++)
        ot_ets_insert(t, ot_tuple(H(), 2, ot_int(NULL, i), ot_int(NULL, i)));
    int seen[1000] = {0};
    size_t n = 0;
    for (int rc = ot_ets_first(H(), t, &k); rc == 1; rc = ot_ets_next(H(), t, k, &k), n++) {
        int64_t x = -1;
        ot_get_int64(k, &x);
        CHECK(x >= 0 && x < 1000 && !seen[x]++, "key %s", txt(k));
    }
    CHECK(n == 1000);
    CHECK(ot_ets_next(H(), t, ot_int(NULL, 5000), &k) == -EINVAL);
    int64_t sum = 0;
    CHECK(ot_ets_foldl(t, fold_sum, &sum) == 0 && sum == 999 * 1000 / 2);
    fold_tab = t;
    int64_t calls = 0;
    CHECK(ot_ets_foldl(t, fold_deleting, &calls) == 0);
    CHECK(calls == 1000 && ot_ets_size(t) == 0, "%lld calls, %zd left", (long long)calls, ot_ets_size(t));
    CHECK(ot_ets_delete(t) == 0);
}

Test(ets, traversal_and_fold) { pt_run(traverse_body, NULL, 2); }

/* ---------------------------------------------------------------- protection */

typedef struct probe_arg {
    ot_term parent;
    ot_term tabs[3];
} probe_arg;

/* From another process: what may it do with public, protected, private? */
static void prober(void *p)
{
    probe_arg *a = p;
    ot_heap *h = ot_proc_heap();
    char res[64] = "";
    for (int i = 0; i < 3; i++) {
        ot_term out;
        int r = ot_ets_lookup(h, a->tabs[i], ot_atom("k"), &out);
        int w = ot_ets_insert(a->tabs[i], ot_build(h, "{k2, v}"));
        int d = ot_ets_delete_key(a->tabs[i], ot_atom("k2"));
        ot_term info;
        int inf = ot_ets_info_item(h, a->tabs[i], ot_atom("size"), &info);
        snprintf(res + strlen(res), sizeof res - strlen(res), "%s%c%c%c%c", i ? "," : "",
                 r == 0 ? 'r' : r == -EACCES ? '-' : '?', w == 0 ? 'w' : w == -EACCES ? '-' : '?',
                 d == 0 ? 'd' : d == -EACCES ? '-' : '?', inf == 0 ? 'i' : '?');
    }
    int g = ot_ets_give_away(a->tabs[0], ot_self(), ot_atom("x"));
    snprintf(res + strlen(res), sizeof res - strlen(res), ",%s", g == -EPERM ? "noperm" : "?");
    ot_send(a->parent, ot_tuple(h, 2, ot_atom("res"), ot_string(h, res)));
}

static void protection_body(void *arg)
{
    (void)arg;
    probe_arg a = {ot_self(), {new_table("pub", "[public]"), new_table("pro", "[]"),
                               new_table("pri", "[private]")}};
    for (int i = 0; i < 3; i++)
        CHECK(ot_ets_insert(a.tabs[i], B("{k, v}")) == 0);
    ot_spawn(prober, &a);
    ot_term binds[1];
    ot_msg *m = ot_receive(ot_pattern(H(), "{res, R}"), 5000, binds);
    CHECK(m != NULL);
    if (m) {
        size_t n;
        const uint8_t *d = ot_binary_data(binds[0], &n);
        CHECK(n == strlen("rwdi,r--i,---i,noperm") && memcmp(d, "rwdi,r--i,---i,noperm", n) == 0,
              "%.*s", (int)n, (const char *)d);
        ot_msg_free(m);
    }
    /* info of every table works for anyone; the owner can do everything */
    CHECK(ot_ets_insert(a.tabs[2], B("{mine, 1}")) == 0);
    for (int i = 0; i < 3; i++)
        CHECK(ot_ets_delete(a.tabs[i]) == 0);
}

Test(ets, protection_from_another_process) { pt_run(protection_body, NULL, 2); }

/* A plain thread (not a process): public tables fully, protected read-only. */
typedef struct thread_arg {
    ot_term pub, pro;
    int results[4];
} thread_arg;

static void *plain_thread(void *p)
{
    thread_arg *a = p;
    ot_heap *h = ot_heap_new();
    ot_term out;
    a->results[0] = ot_ets_insert(a->pub, ot_build(h, "{from_thread, 1}"));
    a->results[1] = ot_ets_lookup(h, a->pro, ot_atom("k"), &out);
    a->results[2] = ot_ets_insert(a->pro, ot_build(h, "{from_thread, 1}"));
    a->results[3] = ot_ets_new(h, ot_atom("x"), OT_NIL, &out);
    ot_heap_free(h);
    return NULL;
}

static void thread_body(void *arg)
{
    (void)arg;
    thread_arg a = {new_table("tpub", "[public]"), new_table("tpro", "[protected]"), {0}};
    /* plain memory, not the copy stack: the thread reads it while we wait */
    thread_arg *heap_a = malloc(sizeof a);
    *heap_a = a;
    CHECK(ot_ets_insert(a.pro, B("{k, v}")) == 0);
    pthread_t th;
    CHECK(pthread_create(&th, NULL, plain_thread, heap_a) == 0);
    pthread_join(th, NULL); /* brief: the thread only makes a few calls */
    CHECK(heap_a->results[0] == 0 && heap_a->results[1] == 0 && heap_a->results[2] == -EACCES &&
              heap_a->results[3] == -EPERM,
          "%d %d %d %d", heap_a->results[0], heap_a->results[1], heap_a->results[2], heap_a->results[3]);
    CHECK_TERM(lookup(a.pub, B("from_thread")), "[{from_thread,1}]");
    free(heap_a);
}

Test(ets, plain_threads) { pt_run(thread_body, NULL, 2); }

/* ---------------------------------------------------------------- owners */

static void owner_proc(void *p)
{
    ot_term parent = T(p);
    ot_heap *h = ot_proc_heap();
    ot_term named, unnamed;
    ot_ets_new(h, ot_atom("owned_named"), ot_build(h, "[named_table, public]"), &named);
    ot_ets_new(h, ot_atom("owned"), ot_build(h, "[public]"), &unnamed);
    ot_ets_insert(unnamed, ot_build(h, "{a, 1}"));
    ot_send(parent, ot_tuple(h, 3, ot_atom("tabs"), named, unnamed));
    ot_msg_free(ot_receive(ot_atom("die"), OT_INFINITY, NULL));
    ot_exit(ot_atom("bye"));
}

static void owner_exit_body(void *arg)
{
    (void)arg;
    for (int round = 0; round < 20; round++) {
        ot_term pid = ot_spawn(owner_proc, P(ot_self()));
        ot_term ref = ot_monitor(H(), pid);
        ot_term binds[2];
        ot_msg *m = ot_receive(ot_pattern(H(), "{tabs, N, U}"), 5000, binds);
        CHECK(m != NULL);
        if (!m)
            return;
        ot_term named = binds[0], unnamed = ot_copy(H(), binds[1]);
        ot_msg_free(m);
        CHECK(named == ot_atom("owned_named"));
        ot_term info;
        CHECK(ot_ets_info_item(H(), unnamed, ot_atom("owner"), &info) == 0 && info == pid);
        ot_send(pid, ot_atom("die"));
        m = ot_receive(ot_tuple(H(), 5, ot_atom("DOWN"), ref, ot_atom("process"), pid, ot_atom("bye")), 5000,
                       NULL);
        CHECK(m != NULL);
        ot_msg_free(m);
        /* the DOWN came after the tables went */
        CHECK(ot_ets_info(H(), unnamed, &info) == 0 && info == OT_ATOM(UNDEFINED), "%s", txt(info));
        CHECK(ot_ets_info(H(), named, &info) == 0 && info == OT_ATOM(UNDEFINED));
        CHECK(ot_ets_lookup(H(), unnamed, ot_atom("a"), &info) == -EBADF);
        CHECK(ot_ets_insert(named, B("{x}")) == -EBADF);
        ot_heap_reset(H());
    }
}

Test(ets, owner_exit_deletes_before_down) { pt_run(owner_exit_body, NULL, 2); }

static void heir_owner(void *p)
{
    ot_term heir = T(p);
    ot_heap *h = ot_proc_heap();
    ot_term tab;
    ot_term opts = ot_list(h, 2, ot_atom("named_table"), ot_tuple(h, 3, ot_atom("heir"), heir, ot_build(h, "{gift, [1]}")));
    ot_ets_new(h, ot_atom("inherited"), opts, &tab);
    ot_ets_insert(tab, ot_build(h, "{x, 1}"));
    ot_send(heir, ot_atom("made"));
    ot_msg_free(ot_receive(ot_atom("die"), OT_INFINITY, NULL));
    /* a crash, not a normal exit */
    ot_exit(ot_atom("crash"));
}

static void heir_body(void *arg)
{
    (void)arg;
    ot_term self = ot_self();
    ot_term pid = ot_spawn(heir_owner, P(self));
    ot_term ref = ot_monitor(H(), pid);
    ot_msg_free(ot_receive(ot_atom("made"), 5000, NULL));
    ot_term info;
    CHECK(ot_ets_info_item(H(), ot_atom("inherited"), ot_atom("heir"), &info) == 0 && info == self);
    ot_send(pid, ot_atom("die"));
    /* the first message is the transfer: it comes before the DOWN */
    ot_term binds[3];
    ot_msg *m = ot_receive(OT_NONE, 5000, NULL);
    CHECK(m != NULL, "no message");
    if (m) {
        CHECK(ot_match(ot_pattern(H(), "{'ETS-TRANSFER', Tab, From, Data}"), ot_msg_term(m), binds),
              "first: %s", txt(ot_msg_term(m)));
        CHECK(binds[0] == ot_atom("inherited") && binds[1] == pid);
        CHECK_TERM(binds[2], "{gift,[1]}");
        ot_msg_free(m);
    }
    m = ot_receive(ot_tuple(H(), 5, ot_atom("DOWN"), ref, ot_atom("process"), pid, ot_atom("crash")), 5000, NULL);
    CHECK(m != NULL);
    ot_msg_free(m);
    CHECK(ot_ets_info_item(H(), ot_atom("inherited"), ot_atom("owner"), &info) == 0 && info == self);
    CHECK(ot_ets_info_item(H(), ot_atom("inherited"), ot_atom("heir"), &info) == 0 && info == self,
          "the heir stays, as in OTP: %s", txt(info));
    CHECK_TERM(lookup(ot_atom("inherited"), B("x")), "[{x,1}]");
    /* setopts: no heir any more */
    CHECK(ot_ets_setopts(ot_atom("inherited"), B("{heir, none}")) == 0);
    CHECK(ot_ets_info_item(H(), ot_atom("inherited"), ot_atom("heir"), &info) == 0);
    CHECK_TERM(info, "none");
    CHECK(ot_ets_setopts(ot_atom("inherited"), B("{heir, 1, 2}")) == -EINVAL);
    CHECK(ot_ets_delete(ot_atom("inherited")) == 0);
}

Test(ets, heir_gets_the_table) { pt_run(heir_body, NULL, 2); }

static void dead_heir_owner(void *p)
{
    ot_term heir = T(p);
    ot_heap *h = ot_proc_heap();
    ot_term tab;
    ot_ets_new(h, ot_atom("orphan"), ot_list(h, 2, ot_atom("named_table"),
                                             ot_tuple(h, 3, ot_atom("heir"), heir, ot_atom("d"))), &tab);
}

static void quick(void *p) { (void)p; }

static void dead_heir_body(void *arg)
{
    (void)arg;
    ot_term dead = ot_spawn(quick, NULL);
    ot_term r = ot_monitor(H(), dead);
    ot_msg_free(ot_receive(ot_tuple(H(), 5, ot_atom("DOWN"), r, ot_atom("process"), dead, ot_atom("normal")), 5000, NULL));
    ot_term pid = ot_spawn(dead_heir_owner, P(dead));
    r = ot_monitor(H(), pid);
    ot_msg_free(ot_receive(ot_tuple(H(), 5, ot_atom("DOWN"), r, ot_atom("process"), pid, ot_atom("normal")), 5000, NULL));
    ot_term info;
    CHECK(ot_ets_info(H(), ot_atom("orphan"), &info) == 0 && info == OT_ATOM(UNDEFINED), "%s", txt(info));
}

Test(ets, dead_heir_means_delete) { pt_run(dead_heir_body, NULL, 2); }

static void receiver(void *p)
{
    ot_term parent = T(p);
    ot_term binds[3];
    ot_msg *m = ot_receive(ot_pattern(ot_proc_heap(), "{'ETS-TRANSFER', Tab, From, Gift}"), 5000, binds);
    if (!m)
        return;
    ot_heap *h = ot_proc_heap();
    ot_term tab = ot_copy(h, binds[0]);
    int rc = ot_ets_insert(tab, ot_build(h, "{by_new_owner}"));
    ot_send(parent, ot_tuple(h, 4, ot_atom("got"), ot_copy(h, binds[2]), ot_int(h, rc), ot_copy(h, binds[1])));
    ot_msg_free(m);
    ot_msg_free(ot_receive(ot_atom("stop"), 5000, NULL));
}

static void give_away_body(void *arg)
{
    (void)arg;
    ot_term t = new_table("given", "[]");
    ot_term self = ot_self();
    ot_term dead = ot_spawn(quick, NULL);
    ot_term r = ot_monitor(H(), dead);
    ot_msg_free(ot_receive(ot_tuple(H(), 5, ot_atom("DOWN"), r, ot_atom("process"), dead, ot_atom("normal")), 5000, NULL));
    CHECK(ot_ets_give_away(t, self, B("g")) == -EINVAL);
    CHECK(ot_ets_give_away(t, dead, B("g")) == -ESRCH);
    CHECK(ot_ets_give_away(t, B("not_a_pid"), B("g")) == -EINVAL);
    ot_term pid = ot_spawn(receiver, P(self));
    CHECK(ot_ets_give_away(t, pid, B("{gift, 1}")) == 0);
    ot_term binds[3];
    ot_msg *m = ot_receive(ot_pattern(H(), "{got, G, Rc, From}"), 5000, binds);
    CHECK(m != NULL);
    if (m) {
        CHECK_TERM(binds[0], "{gift,1}");
        CHECK_TERM(binds[1], "0"); /* the new owner may write the protected table */
        CHECK(binds[2] == self);
        ot_msg_free(m);
    }
    CHECK(ot_ets_insert(t, B("{old_owner}")) == -EACCES);
    CHECK(ot_ets_give_away(t, self, B("back")) == -EPERM);
    r = ot_monitor(H(), pid);
    ot_send(pid, ot_atom("stop"));
    ot_msg_free(ot_receive(ot_tuple(H(), 5, ot_atom("DOWN"), r, ot_atom("process"), pid, ot_atom("normal")), 5000, NULL));
    ot_term info;
    CHECK(ot_ets_info(H(), t, &info) == 0 && info == OT_ATOM(UNDEFINED));
}

Test(ets, give_away) { pt_run(give_away_body, NULL, 2); }

/* ---------------------------------------------------------------- bad arguments */

static void bad_args_body(void *arg)
{
    (void)arg;
    ot_term out;
    CHECK(ot_ets_new(H(), B("\"notatom\""), OT_NIL, &out) == -EINVAL);
    CHECK(ot_ets_new(H(), ot_atom("x"), B("[set | bag]"), &out) == -EINVAL);
    CHECK(ot_ets_new(H(), ot_atom("x"), B("[nonsense]"), &out) == -EINVAL);
    CHECK(ot_ets_new(H(), ot_atom("x"), B("[{keypos, 0}]"), &out) == -EINVAL);
    CHECK(ot_ets_new(H(), ot_atom("x"), B("[{heir, self}]"), &out) == -EINVAL);
    ot_term n = new_table("dup_name", "[named_table]");
    CHECK(ot_ets_new(H(), ot_atom("dup_name"), B("[named_table]"), &out) == -EEXIST);
    CHECK(ot_ets_new(H(), ot_atom("dup_name"), B("[]"), &out) == 0, "unnamed tables share names");
    CHECK(ot_ets_lookup(H(), ot_make_ref(H()), B("k"), &out) == -EBADF);
    CHECK(ot_ets_lookup(H(), ot_atom("no_such_table"), B("k"), &out) == -EBADF);
    CHECK(ot_ets_lookup(H(), B("{1}"), B("k"), &out) == -EBADF);
    CHECK(ot_ets_info(H(), ot_make_ref(H()), &out) == -EBADF);
    CHECK(ot_ets_info(H(), ot_atom("no_such_table"), &out) == 0 && out == OT_ATOM(UNDEFINED));
    CHECK(ot_ets_info_item(H(), n, ot_atom("colour"), &out) == -EINVAL);
    CHECK(ot_ets_insert(n, B("notatuple")) == -EINVAL);
    CHECK(ot_ets_insert(n, B("{}")) == -EINVAL);
    CHECK(ot_ets_insert(n, B("[{a} | {b}]")) == -EINVAL);
    CHECK(ot_ets_insert(n, OT_NONE) == -EINVAL);
    CHECK(ot_ets_insert(n, ot_list(H(), 2, B("{ok}"), ot_tuple(H(), 2, B("bad"), ot_pattern(H(), "X")))) == -EINVAL);
    CHECK(ot_ets_insert_new(n, ot_tuple(H(), 1, ot_pattern(H(), "X"))) == -EINVAL);
    CHECK(ot_ets_lookup(H(), n, OT_NONE, &out) == -EINVAL);
    CHECK(ot_ets_lookup(H(), n, ot_pattern(H(), "X"), &out) == -EINVAL);
    CHECK(ot_ets_size(n) == 0);
    /* an id outlives its table and never names another */
    ot_term u = new_table("u", "[]");
    CHECK(ot_ets_delete(u) == 0);
    ot_term u2 = new_table("u", "[]");
    CHECK(!ot_equal(u, u2));
    CHECK(ot_ets_insert(u, B("{a}")) == -EBADF);
    CHECK(ot_ets_delete(u) == -EBADF);
    CHECK(ot_ets_size(u2) == 0);
    CHECK(ot_ets_whereis(H(), ot_atom("dup_name")) != OT_NONE);
    CHECK(ot_ets_whereis(H(), ot_atom("no_such_table")) == OT_NONE);
}

Test(ets, bad_arguments) { pt_run(bad_args_body, NULL, 2); }

/* ---------------------------------------------------------------- info, all */

static void info_body(void *arg)
{
    (void)arg;
    ot_term n = new_table("info_t", "[named_table, ordered_set, public, {keypos, 2}]");
    ot_term u = new_table("info_u", "[duplicate_bag, private]");
    ot_term all;
    CHECK(ot_ets_all(H(), &all) == 0);
    bool seen_n = false, seen_u = false;
    for (ot_term l = all; l != OT_NIL; l = ot_tl(l)) {
        seen_n |= ot_hd(l) == n;
        seen_u |= ot_equal(ot_hd(l), u);
    }
    CHECK(seen_n && seen_u, "%s", txt(all));
    ot_term info;
    CHECK(ot_ets_info(H(), n, &info) == 0);
    char want[512];
    ot_term ref = ot_ets_whereis(H(), n);
    ssize_t bytes = ot_ets_memory(n);
    snprintf(want, sizeof want,
             "[{id,%s},{decentralized_counters,false},{read_concurrency,false},"
             "{write_concurrency,false},{compressed,false},{memory,%zd},{owner,%s},{heir,none},"
             "{name,info_t},{size,0},{node,nonode@nohost},{named_table,true},{type,ordered_set},"
             "{keypos,2},{protection,public}]",
             txt(ref), (bytes + 7) / 8, txt(ot_self()));
    ot_print_opts o = {.syntax = OT_SYNTAX_ERLANG};
    char got[512];
    ot_print(got, sizeof got, info, &o);
    /* the printer puts spaces after commas: compare without them */
    char *w = got;
    for (char *r = got; *r; r++)
        if (*r != ' ')
            *w++ = *r;
    *w = 0;
    if (strcmp(got, want) != 0)
        fprintf(stderr, "info:\n got %s\nwant %s\n", got, want);
    CHECK(strcmp(got, want) == 0, "info differs (see stderr)");
    CHECK(ot_ets_info_item(H(), u, ot_atom("type"), &info) == 0);
    CHECK_TERM(info, "duplicate_bag");
    CHECK(ot_ets_info_item(H(), u, ot_atom("protection"), &info) == 0);
    CHECK_TERM(info, "private");
    CHECK(ot_ets_delete(n) == 0 && ot_ets_delete(u) == 0);
}

Test(ets, info_and_all) { pt_run(info_body, NULL, 2); }

/* ---------------------------------------------------------------- shutdown, memory */

static void idle_owner(void *p)
{
    (void)p;
    ot_heap *h = ot_proc_heap();
    ot_term a, b;
    ot_ets_new(h, ot_atom("left1"), ot_build(h, "[public]"), &a);
    ot_ets_new(h, ot_atom("left2"), ot_list(h, 1, ot_tuple(h, 3, ot_atom("heir"), ot_spawn_arg(), ot_atom("d"))), &b);
    ot_heap *oh = ot_heap_new();
    for (int i = 0; i < 2000; i++) {
        ot_ets_insert(a, ot_tuple(oh, 2, ot_int(oh, i),
                                  ot_binary(oh, "a shared binary of more than sixty-four bytes, "
                                                "so counted by reference...", 74)));
        ot_ets_insert(b, ot_tuple(oh, 1, ot_int(oh, i)));
    }
    ot_heap_free(oh);
    ot_send(ot_spawn_arg(), ot_atom("filled"));
    ot_msg_free(ot_receive(ot_atom("never"), OT_INFINITY, NULL));
}

static void shutdown_body(void *arg)
{
    (void)arg;
    ot_spawn_opts o = {.term_arg = ot_self()};
    for (int i = 0; i < 4; i++)
        ot_spawn_opt(idle_owner, NULL, &o);
    new_table("mine_left", "[named_table]");
    /* every owner has filled its tables before the runtime goes down */
    for (int i = 0; i < 4; i++) {
        ot_msg *m = ot_receive(ot_atom("filled"), TU_POLL_CAP_MS, NULL);
        CHECK(m != NULL, "owner %d filled its tables", i);
        ot_msg_free(m);
    }
    /* return with the tables alive: ot_run must take them all down */
}

Test(ets, runtime_shutdown_frees_live_tables)
{
    pt_run(quick, NULL, 1); /* the registry's first slots, made once */
    pt_run(shutdown_body, NULL, 2);
    int64_t ets0 = ot__mem_get(OT__MEM_ETS);
    int64_t bin0 = ot__mem_get(OT__MEM_BINARY);
    pt_run(shutdown_body, NULL, 2);
    cr_assert_eq(ot__mem_get(OT__MEM_ETS), ets0, "ets bytes left: %lld", (long long)(ot__mem_get(OT__MEM_ETS) - ets0));
    cr_assert_eq(ot__mem_get(OT__MEM_BINARY), bin0);
}

/* ---------------------------------------------------------------- concurrency */

#define HAMMER_KEYS 512
#define HAMMER_OPS 20000

typedef struct hammer_arg {
    ot_term parent, tab;
    int seed;
} hammer_arg;

static void hammer(void *p)
{
    hammer_arg *a = p;
    ot_heap *h = ot_heap_new();
    uint64_t rng = (uint64_t)a->seed * 7919 + 1;
    int bad = 0;
    for (int i = 0; i < HAMMER_OPS; i++) {
        int64_t k = (int64_t)(tu_rng(&rng) % HAMMER_KEYS);
        ot_term key = ot_int(h, k);
        ot_term out;
        switch (tu_rng(&rng) % 6) {
        case 0: case 1:
            bad |= ot_ets_insert(a->tab, ot_tuple(h, 3, key, ot_int(h, k * 2), ot_string(h, "value"))) != 0;
            break;
        case 2:
            bad |= ot_ets_delete_key(a->tab, key) != 0;
            break;
        case 3:
            bad |= ot_ets_update_counter(h, a->tab, key, ot_build(h, "{2, 2}"), ot_tuple(h, 3, key, ot_int(h, 0), OT_NIL), &out) != 0;
            break;
        default:
            if (ot_ets_lookup(h, a->tab, key, &out) != 0)
                bad = 1;
            else if (out != OT_NIL) {
                int64_t v = 1;
                ot_get_int64(ot_tuple_get(ot_hd(out), 1), &v);
                bad |= v % 2 != 0; /* only even values are ever written */
            }
        }
        if (i % 256 == 0)
            ot_heap_reset(h);
    }
    ot_heap_free(h);
    ot_send(a->parent, ot_tuple(ot_proc_heap(), 2, ot_atom("done"), ot_int(NULL, bad)));
}

static void hammer_body(void *arg)
{
    const char *type = arg;
    ot_term t = new_table("hammered", type);
    hammer_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (hammer_arg){ot_self(), t, i};
        ot_spawn(hammer, &args[i]);
    }
    for (int i = 0; i < 4; i++) {
        ot_term binds[1];
        ot_msg *m = ot_receive(ot_pattern(H(), "{done, Bad}"), 60000, binds);
        CHECK(m != NULL && binds[0] == ot_int(NULL, 0), "a worker saw a torn object");
        ot_msg_free(m);
    }
    /* the table is consistent: every key once, size right */
    ot_term l = tab2list(t);
    char seen[HAMMER_KEYS] = {0};
    ssize_t n = 0;
    for (; l != OT_NIL; l = ot_tl(l), n++) {
        int64_t k = -1;
        ot_get_int64(ot_tuple_get(ot_hd(l), 0), &k);
        CHECK(k >= 0 && k < HAMMER_KEYS && !seen[k]++);
    }
    CHECK(n == ot_ets_size(t));
    check_tables(t);
    CHECK(ot_ets_delete(t) == 0);
}

Test(ets, hammered_from_both_schedulers_set) { pt_run(hammer_body, "[public]", 2); }
Test(ets, hammered_from_both_schedulers_ordered_set) { pt_run(hammer_body, "[public, ordered_set]", 2); }

/* ---------------------------------------------------------------- against erl */

#define CASES_PER_TYPE 8
#define OPS_PER_CASE 120

static const char *const prop_types[] = {"[set, public]", "[ordered_set, public]", "[bag, public]",
                                         "[duplicate_bag, public]", "[set, {keypos, 2}]"};
#define NTYPES (sizeof prop_types / sizeof prop_types[0])

typedef struct prop {
    ot_heap *h;                       /* ops and results, kept after ot_run */
    ot_term ops[NTYPES][CASES_PER_TYPE][OPS_PER_CASE];
    ot_term results[NTYPES][CASES_PER_TYPE][OPS_PER_CASE];
} prop;

/* Keys: a few, so that operations meet; `narrow` draws from the first
 * three only (lists that repeat keys, the interesting case for bags). */
static ot_term rand_key_from(ot_heap *h, uint64_t *rng, bool narrow)
{
    static const char *const keys[] = {"1", "1.0", "a", "0", "2", "3", "2.5", "b", "{1}", "[x]",
                                       "<<\"k\">>", "-0.0", "0.0"};
    size_t n = narrow ? 3 : sizeof keys / sizeof keys[0];
    return ot_build(h, keys[tu_rng(rng) % n]);
}

static ot_term rand_key(ot_heap *h, uint64_t *rng) { return rand_key_from(h, rng, false); }

static ot_term rand_obj_from(ot_heap *h, uint64_t *rng, bool keypos2, bool narrow)
{
    ot_term k = rand_key_from(h, rng, narrow);
    ot_term v = tu_rng(rng) % 4 ? ot_int(h, (int64_t)(tu_rng(rng) % 4)) : ot_atom("v");
    switch (tu_rng(rng) % 8) {
    case 0: return keypos2 ? ot_tuple(h, 2, v, k) : ot_tuple(h, 1, k);
    case 1: return keypos2 ? ot_tuple(h, 1, k) /* too short */ : ot_tuple(h, 3, k, v, v);
    default: return keypos2 ? ot_tuple(h, 2, v, k) : ot_tuple(h, 2, k, v);
    }
}

static ot_term rand_obj(ot_heap *h, uint64_t *rng, bool keypos2) { return rand_obj_from(h, rng, keypos2, false); }

static ot_term rand_op(ot_heap *h, uint64_t *rng, bool keypos2)
{
    switch (tu_rng(rng) % 12) {
    case 0: case 1: case 2:
        return ot_tuple(h, 2, ot_atom("insert"), rand_obj(h, rng, keypos2));
    case 3: {
        ot_term l = OT_NIL;
        for (int n = (int)(tu_rng(rng) % 5); n > 0; n--)
            l = ot_cons(h, rand_obj_from(h, rng, keypos2, true), l);
        return ot_tuple(h, 2, ot_atom(tu_rng(rng) % 2 ? "insert" : "insert_new"), l);
    }
    case 4: return ot_tuple(h, 2, ot_atom("insert_new"), rand_obj(h, rng, keypos2));
    case 5: return ot_tuple(h, 2, ot_atom("delete"), rand_key(h, rng));
    case 6: return ot_tuple(h, 2, ot_atom("delete_object"), rand_obj(h, rng, keypos2));
    case 7: return ot_tuple(h, 2, ot_atom("lookup"), rand_key_from(h, rng, tu_rng(rng) % 2));
    case 8: return ot_tuple(h, 2, ot_atom("take"), rand_key(h, rng));
    case 9: return ot_tuple(h, 2, ot_atom("member"), rand_key(h, rng));
    case 10: return ot_tuple(h, 3, ot_atom("lookup_element"), rand_key(h, rng), ot_int(h, 1 + (int64_t)(tu_rng(rng) % 3)));
    default:
        return tu_rng(rng) % 2 ? ot_atom("tab2list")
                               : ot_tuple(h, 3, ot_atom("update_counter"), rand_key(h, rng),
                                          tu_rng(rng) % 2 ? ot_int(h, 1) : ot_build(h, "{2, 3, 4, 0}"));
    }
}

static int total_cmp(const void *pa, const void *pb)
{
    ot_term a = *(const ot_term *)pa, b = *(const ot_term *)pb;
    int c = ot_compare(a, b);
    if (c)
        return c;
    uint8_t *ea, *eb;
    ssize_t na = ot_encode_alloc(a, &ea, 0), nb = ot_encode_alloc(b, &eb, 0);
    int m = memcmp(ea, eb, (size_t)(na < nb ? na : nb));
    c = m ? m : (na > nb) - (na < nb);
    free(ea);
    free(eb);
    return c;
}

static ot_term apply_op(ot_heap *h, ot_term t, ot_term op)
{
    ot_term name = ot_is_atom(op) ? op : ot_tuple_get(op, 0);
    ot_term a1 = ot_tuple_get(op, 1), a2 = ot_tuple_get(op, 2);
    ot_term out = OT_NONE;
    int rc;
    const char *n = ot_atom_text(name, NULL);
    ot_term tr = OT_ATOM(TRUE);
    if (!strcmp(n, "insert")) {
        rc = ot_ets_insert(t, a1);
        out = tr;
    } else if (!strcmp(n, "insert_new")) {
        rc = ot_ets_insert_new(t, a1);
        out = rc == 1 ? tr : OT_ATOM(FALSE);
    } else if (!strcmp(n, "delete")) {
        rc = ot_ets_delete_key(t, a1);
        out = tr;
    } else if (!strcmp(n, "delete_object")) {
        rc = ot_ets_delete_object(t, a1);
        out = tr;
    } else if (!strcmp(n, "lookup")) {
        rc = ot_ets_lookup(h, t, a1, &out);
    } else if (!strcmp(n, "take")) {
        rc = ot_ets_take(h, t, a1, &out);
    } else if (!strcmp(n, "member")) {
        rc = ot_ets_member(t, a1);
        out = rc == 1 ? tr : OT_ATOM(FALSE);
    } else if (!strcmp(n, "lookup_element")) {
        int64_t pos;
        ot_get_int64(a2, &pos);
        rc = ot_ets_lookup_element(h, t, a1, (size_t)pos, &out);
    } else if (!strcmp(n, "update_counter")) {
        rc = ot_ets_update_counter(h, t, a1, a2, OT_NONE, &out);
    } else {
        rc = ot_ets_tab2list(h, t, &out);
        if (!rc) {
            ot_term v[512];
            size_t k = 0;
            for (ot_term l = out; l != OT_NIL && k < 512; l = ot_tl(l))
                v[k++] = ot_hd(l);
            qsort(v, k, sizeof v[0], total_cmp);
            out = ot_listv(h, k, v);
        }
    }
    return rc < 0 ? ot_atom("badarg") : out;
}

static void prop_body(void *arg)
{
    prop *p = arg;
    uint64_t rng = 12345;
    for (size_t ty = 0; ty < NTYPES; ty++)
        for (int c = 0; c < CASES_PER_TYPE; c++) {
            ot_term t;
            int rc = ot_ets_new(H(), ot_atom("prop"), ot_build(H(), prop_types[ty]), &t);
            CHECK(rc == 0);
            for (int i = 0; i < OPS_PER_CASE; i++) {
                ot_term op = rand_op(p->h, &rng, ty == 4);
                p->ops[ty][c][i] = op;
                p->results[ty][c][i] = apply_op(p->h, t, op);
            }
            check_tables(t);
            CHECK(ot_ets_delete(t) == 0);
        }
}

Test(ets, random_operations_agree_with_erlang, .timeout = 300)
{
    prop *p = calloc(1, sizeof *p);
    p->h = ot_heap_new();
    pt_run(prop_body, p, 2);
    tu_text in = {0};
    for (size_t ty = 0; ty < NTYPES; ty++)
        for (int c = 0; c < CASES_PER_TYPE; c++) {
            tu_printf(&in, "{%s, [", prop_types[ty]);
            for (int i = 0; i < OPS_PER_CASE; i++) {
                if (i)
                    tu_puts(&in, ", ");
                tu_erlang_term(&in, p->ops[ty][c][i]);
            }
            tu_puts(&in, "]}.\n");
        }
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "escript '%s' 2>&1", tu_source_path("tests/oracle/ets_oracle.erl"));
    size_t outlen;
    int status;
    char *out = tu_run(cmd, in.d, in.n, &outlen, &status);
    cr_assert_eq(status, 0, "oracle failed: %s", out);
    char *line = out;
    int mismatches = 0;
    ot_heap *dh = ot_heap_new();
    for (size_t ty = 0; ty < NTYPES; ty++)
        for (int c = 0; c < CASES_PER_TYPE; c++)
            for (int i = 0; i < OPS_PER_CASE; i++) {
                char *nl = strchr(line, '\n');
                cr_assert(nl, "oracle output ends early");
                *nl = 0;
                uint8_t bytes[8192];
                long nb = tu_unhex(line, strlen(line), bytes);
                ot_term want;
                cr_assert(nb > 0 && ot_decode(dh, bytes, (size_t)nb, NULL, &want, NULL) > 0);
                ot_term got = p->results[ty][c][i];
                if (!ot_equal(want, got) && mismatches++ < 8) {
                    tu_text a = {0}, b = {0}, o = {0};
                    tu_erlang_term(&a, want);
                    tu_erlang_term(&b, got);
                    tu_erlang_term(&o, p->ops[ty][c][i]);
                    cr_log_error("%s case %d op %d %s: erlang %s, otter %s", prop_types[ty], c, i, o.d,
                                 a.d, b.d);
                    free(a.d);
                    free(b.d);
                    free(o.d);
                }
                line = nl + 1;
            }
    cr_assert_eq(mismatches, 0, "%d results differ from Erlang's", mismatches);
    ot_heap_free(dh);
    ot_heap_free(p->h);
    free(out);
    free(in.d);
    free(p);
}
