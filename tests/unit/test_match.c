/* test_match.c — ot_match and ot_pattern_vars: literals, wildcards,
 * variables, repeated variables, nesting, map patterns, long lists, and a
 * table of (pattern, term) pairs cross-checked against Erlang's own
 * `case T of Pattern -> ...` (tests/oracle/order_match.erl). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otter/term.h"
#include "term/term_internal.h"
#include "testutil.h"

static ot_heap *h;
static void setup(void) { h = ot_heap_new(); }
static void teardown(void) { ot_heap_free(h); }
TestSuite(match, .init = setup, .fini = teardown);

static ot_term pat(const char *text)
{
    ot_term t;
    ot_parse_error e = {0, NULL};
    cr_assert_eq(ot_parse(h, text, strlen(text), true, &t, &e), 0, "%s: %s", text, e.what);
    return t;
}

static ot_term term(const char *text)
{
    ot_term t;
    ot_parse_error e = {0, NULL};
    cr_assert_eq(ot_parse(h, text, strlen(text), false, &t, &e), 0, "%s: %s", text, e.what);
    return t;
}

Test(match, literals)
{
    cr_assert(ot_match(pat("ok"), ot_atom("ok"), NULL));
    cr_assert(!ot_match(pat("ok"), ot_atom("error"), NULL));
    cr_assert(ot_match(pat("1"), ot_int(h, 1), NULL));
    cr_assert(!ot_match(pat("1"), ot_float(h, 1.0), NULL)); /* =:= */
    cr_assert(!ot_match(pat("1.0"), ot_int(h, 1), NULL));
    cr_assert(ot_match(pat("1.0"), ot_float(h, 1.0), NULL));
    cr_assert(ot_match(pat("0.0"), ot_float(h, -0.0), NULL)); /* OTP 25 */
    cr_assert(ot_match(pat("<<\"ab\">>"), ot_binary(h, "ab", 2), NULL));
    cr_assert(!ot_match(pat("<<\"ab\">>"), ot_binary(h, "abc", 3), NULL));
    cr_assert(ot_match(pat("\"ab\""), ot_charlist(h, "ab"), NULL));
    cr_assert(ot_match(pat("123456789012345678901234567890"), term("123456789012345678901234567890"), NULL));
    cr_assert(ot_match(pat("[]"), OT_NIL, NULL));
    cr_assert(!ot_match(pat("[]"), ot_tuple(h, 0), NULL));
    cr_assert(!ot_match(pat("{}"), OT_NIL, NULL));
    cr_assert(!ot_match(pat("ok"), OT_NONE, NULL));
    cr_assert(!ot_match(OT_NONE, ot_atom("ok"), NULL));
}

Test(match, wildcards_and_variables)
{
    ot_term b[4];
    ot_term p = pat("{pong, From, _}");
    cr_assert_eq(ot_pattern_vars(p), 1);
    ot_term self = ot_pid(h, ot__local_node(), 84, 0, ot__local_creation());
    cr_assert(ot_match(p, ot_tuple(h, 3, ot_atom("pong"), self, ot_int(h, 9)), b));
    cr_assert_eq(b[0], self);
    cr_assert(!ot_match(p, ot_tuple(h, 2, ot_atom("pong"), self), b));
    cr_assert(!ot_match(p, ot_tuple(h, 3, ot_atom("ping"), self, OT_NIL), b));
    cr_assert(ot_match(pat("_"), ot_tuple(h, 0), NULL));
    cr_assert_eq(ot_pattern_vars(pat("_")), 0);
    cr_assert_eq(ot_pattern_vars(pat("{A, B, _C, A, [D | _]}")), 4);
    p = pat("{_, _}");
    cr_assert(ot_match(p, ot_tuple(h, 2, ot_int(h, 1), ot_int(h, 2)), NULL)); /* _ need not agree */
}

Test(match, repeated_variables)
{
    ot_term b[2];
    ot_term p = pat("{X, X}");
    cr_assert(ot_match(p, term("{{a, [1]}, {a, [1]}}"), b));
    cr_assert(ot_equal(b[0], term("{a, [1]}")));
    cr_assert(!ot_match(p, term("{1, 1.0}"), b));
    cr_assert(!ot_match(p, term("{a, b}"), b));
    p = pat("{_X, _X}");
    cr_assert(!ot_match(p, term("{a, b}"), b)); /* _X is a variable, not _ */
    /* first binding inside a map value, checked after in text order */
    p = pat("{#{b => X, a => Y}, Y, X}");
    cr_assert(ot_match(p, term("{#{a => 1, b => 2, c => 3}, 1, 2}"), b));
    cr_assert(ot_equal(b[0], ot_int(h, 2)));
    cr_assert(ot_equal(b[1], ot_int(h, 1)));
    cr_assert(!ot_match(p, term("{#{a => 1, b => 2}, 2, 1}"), b));
}

Test(match, maps)
{
    ot_term b[2];
    ot_term p = pat("#{k => V}");
    cr_assert(ot_match(p, term("#{k => 1, j => 2}"), b));
    cr_assert(ot_equal(b[0], ot_int(h, 1)));
    cr_assert(!ot_match(p, term("#{j => 2}"), b));
    cr_assert(!ot_match(p, term("[k]"), b));
    cr_assert(ot_match(pat("#{}"), term("#{a => 1}"), NULL)); /* any map */
    cr_assert(!ot_match(pat("#{}"), OT_NIL, NULL));
    cr_assert(ot_match(pat("#{1 := one}"), term("#{1 => one}"), NULL));
    cr_assert(!ot_match(pat("#{1 := one}"), term("#{1.0 => one}"), NULL)); /* exact keys */
    cr_assert(!ot_match(pat("#{a => 1, b => 2}"), term("#{a => 1}"), NULL));
    /* a large term map: binary search from the pattern's keys */
    ot_term keys[1000], vals[1000];
    for (int i = 0; i < 1000; i++) {
        keys[i] = ot_int(h, i);
        vals[i] = ot_int(h, i * i);
    }
    ot_term m = ot_map(h, 1000, keys, vals);
    p = pat("#{3 => A, 999 => B}");
    cr_assert(ot_match(p, m, b));
    cr_assert(ot_equal(b[0], ot_int(h, 9)));
    cr_assert(ot_equal(b[1], ot_int(h, 998001)));
    cr_assert(!ot_match(pat("#{1000 => _}"), m, NULL));
}

Test(match, lists)
{
    ot_term b[3];
    ot_term p = pat("[H | T]");
    cr_assert(ot_match(p, term("[1, 2, 3]"), b));
    cr_assert(ot_equal(b[0], ot_int(h, 1)));
    cr_assert(ot_equal(b[1], term("[2, 3]")));
    cr_assert(!ot_match(p, OT_NIL, b));
    cr_assert(ot_match(pat("[a, b | _]"), term("[a, b]"), NULL));
    cr_assert(!ot_match(pat("[a, b]"), term("[a, b, c]"), NULL));
    cr_assert(ot_match(pat("[a | b]"), term("[a | b]"), NULL));
    /* a long list, matched without recursion on the tail */
    size_t n = 1000000;
    ot_term l = OT_NIL, pl = pat("[]");
    for (size_t i = 0; i < n; i++) {
        l = ot_cons(h, ot_int(h, (int64_t)(i % 7)), l);
        pl = ot_cons(h, i == n / 2 ? pat("X") : ot_int(h, (int64_t)(i % 7)), pl);
    }
    cr_assert(ot_match(pl, l, b));
    cr_assert(ot_equal(b[0], ot_int(h, (int64_t)((n / 2) % 7))));
    ot_term pl2 = ot_cons(h, ot_tuple(h, 1, pat("_")), ot_tl(pl));
    cr_assert(!ot_match(pl2, l, b));
}

Test(match, nested_and_deep)
{
    ot_term b[1];
    ot_term p = pat("{ok, [{K, #{v => [_ | _]}}]}");
    cr_assert(ot_match(p, term("{ok, [{1, #{v => [x], w => y}}]}"), b));
    cr_assert(ot_equal(b[0], ot_int(h, 1)));
    /* deep nesting: 100,000 levels */
    ot_term deep_p = pat("X"), deep_t = ot_atom("leaf");
    for (int i = 0; i < 100000; i++) {
        deep_p = ot_tuple(h, 2, deep_p, ot_atom("k"));
        deep_t = ot_tuple(h, 2, deep_t, ot_atom("k"));
    }
    cr_assert_eq(ot_pattern_vars(deep_p), 1);
    cr_assert(ot_match(deep_p, deep_t, b));
    cr_assert_eq(b[0], ot_atom("leaf"));
}

Test(match, many_variables)
{
    /* more than 256 variables: the bound set grows beyond its inline words */
    char text[8000];
    size_t k = 0;
    text[k++] = '{';
    for (int i = 0; i < 300; i++)
        k += (size_t)sprintf(text + k, "%sV%d", i ? "," : "", i);
    for (int i = 0; i < 300; i++)
        k += (size_t)sprintf(text + k, ",V%d", i);
    text[k++] = '}';
    text[k] = 0;
    ot_term p = pat(text);
    cr_assert_eq(ot_pattern_vars(p), 300);
    ot_term el[600];
    for (int i = 0; i < 600; i++)
        el[i] = ot_int(h, i % 300);
    ot_term b[300];
    cr_assert(ot_match(p, ot_tuplev(h, 600, el), b));
    cr_assert(ot_equal(b[299], ot_int(h, 299)));
    el[599] = ot_int(h, 0);
    cr_assert(!ot_match(p, ot_tuplev(h, 600, el), b));
}

Test(match, built_patterns)
{
    ot_term b[1];
    ot_term ref = ot_build(h, "{~a, ~i}", "ref", 7);
    ot_term p = ot_pattern(h, "{reply, ~t, Value}", ref);
    cr_assert_eq(ot_pattern_vars(p), 1);
    cr_assert(ot_match(p, ot_build(h, "{reply, {ref, 7}, \"ok\"}"), b));
    cr_assert(ot_equal(b[0], ot_charlist(h, "ok")));
    cr_assert(!ot_match(p, ot_build(h, "{reply, {ref, 8}, \"ok\"}"), b));
}

/* ---------------------------------------------------------------- oracle */

typedef struct pair {
    const char *pattern, *term;
} pair;

static const pair table[] = {
    {"ok", "ok"}, {"ok", "error"}, {"1", "1"}, {"1", "1.0"}, {"1.0", "1"}, {"0.0", "-0.0"},
    {"X", "{a, b}"}, {"_", "[1]"}, {"{X, X}", "{1, 1}"}, {"{X, X}", "{1, 1.0}"},
    {"{X, Y, X}", "{[a], b, [a]}"}, {"{_X, _X}", "{a, b}"}, {"{_, _}", "{a, b}"},
    {"[H | T]", "[1, 2, 3]"}, {"[H | T]", "[]"}, {"[A, B]", "[1, 2]"}, {"[A, B]", "[1, 2, 3]"},
    {"[A, B | C]", "[1, 2 | 3]"}, {"\"abc\"", "[97, 98, 99]"}, {"[$a | Rest]", "\"abc\""},
    {"<<\"ab\">>", "<<97, 98>>"}, {"<<1, 2>>", "<<1, 2, 3>>"},
    {"#{k := V}", "#{k => 1, j => 2}"}, {"#{k := V}", "#{j => 2}"}, {"#{}", "#{a => 1}"},
    {"#{}", "[]"}, {"#{1 := V}", "#{1.0 => x}"}, {"#{1.0 := V}", "#{1.0 => x, 1 => y}"},
    {"#{a := X, b := X}", "#{a => 1, b => 1}"}, {"#{a := X, b := X}", "#{a => 1, b => 2}"},
    {"#{b := X, a := Y}", "#{a => 1, b => 2}"}, {"{#{a := X}, X}", "{#{a => 5}, 5}"},
    {"{ok, [{K, #{v := [_ | _]}}]}", "{ok, [{1, #{v => [x], w => y}}]}"},
    {"{ok, [{K, #{v := [_ | _]}}]}", "{ok, [{1, #{v => [], w => y}}]}"},
    {"{reply, Ref, {ok, Value}}", "{reply, 7, {ok, <<\"v\">>}}"},
    {"{'EXIT', Pid, normal}", "{'EXIT', x, normal}"}, {"{a, {b, {c, D}}}", "{a, {b, {c, 4.5}}}"},
    {"[X, X, X]", "[z, z, z]"}, {"[X, X, X]", "[z, z, y]"}, {"{}", "{}"}, {"{}", "[]"},
    {"123456789012345678901234567890", "123456789012345678901234567890"},
    {"{X, [X | _]}", "{1, [1, 2]}"}, {"{X, [X | _]}", "{1, [2, 1]}"},
    {"#{{k} := V}", "#{{k} => v}"}, {"#{<<\"b\">> := V}", "#{<<\"b\">> => 1, \"b\" => 2}"},
};

/* Parses "Name=Text" bindings after the leading 1 of a result line. */
Test(match, oracle_case_of)
{
    size_t n = sizeof table / sizeof table[0];
    size_t cap = 4096, len = 0;
    char *in = malloc(cap);
    for (size_t i = 0; i < n; i++) {
        size_t need = strlen(table[i].pattern) + strlen(table[i].term) + 3;
        if (len + need >= cap)
            in = realloc(in, cap = 2 * (len + need));
        len += (size_t)sprintf(in + len, "%s\t%s\n", table[i].pattern, table[i].term);
    }
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "escript '%s'", tu_source_path("tests/oracle/order_match.erl"));
    size_t outlen;
    int status;
    char *out = tu_run(cmd, in, len, &outlen, &status);
    cr_assert_eq(status, 0, "oracle: %s", out);
    char *line = out;
    int matched = 0;
    for (size_t i = 0; i < n; i++) {
        char *nl = strchr(line, '\n');
        cr_assert_not_null(nl, "oracle output ends early at %zu", i);
        *nl = 0;
        ot_term p = pat(table[i].pattern), t = term(table[i].term);
        ot_term binds[8];
        size_t nv = ot_pattern_vars(p);
        cr_assert_leq(nv, 8);
        bool got = ot_match(p, t, binds);
        bool want = line[0] == '1';
        cr_expect_eq(got, want, "%s against %s: Erlang %d, otter %d", table[i].pattern, table[i].term,
                     want, got);
        if (want && got) {
            matched++;
            /* each binding: TAB Name=Text, in order of first appearance */
            char *f = line + 1;
            size_t v = 0;
            while (*f == '\t') {
                char *eq = strchr(f, '=');
                char *end = strchr(eq, '\t');
                size_t tl = end ? (size_t)(end - eq - 1) : strlen(eq + 1);
                ot_term want_t;
                cr_assert_eq(ot_parse(h, eq + 1, tl, false, &want_t, NULL), 0, "%.*s", (int)tl, eq + 1);
                cr_assert_lt(v, nv);
                cr_expect(ot_equal(binds[v], want_t), "%s against %s: variable %zu differs",
                          table[i].pattern, table[i].term, v);
                v++;
                f = end ? end : eq + 1 + tl;
            }
            cr_expect_eq(v, nv, "%s: %zu bindings from Erlang, %zu variables", table[i].pattern, v, nv);
        }
        line = nl + 1;
    }
    cr_assert_gt(matched, 10);
    free(out);
    free(in);
}
