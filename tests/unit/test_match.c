/* test_match.c — ot_match and ot_pattern_vars: literals, wildcards,
 * variables, repeated variables, nesting, map patterns, long lists, and a
 * table of (pattern, term) pairs cross-checked against Erlang's own
 * `case T of Pattern -> ...` (tests/oracle/order_match.erl). ot_match has
 * short paths for flat tuple and map patterns beside its general matcher:
 * the cases on their border are tested one by one, and thousands of random
 * (pattern, term) pairs are checked against a plain recursive definition
 * of matching and, a few hundred of them, against Erlang. */
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

/* ---------------------------------------------------------------- paths */

/* ot_match takes a short path for a tuple or map pattern whose elements
 * (values) are immediates and variables, and hands anything that path
 * does not decide to the general matcher. These cases sit on the border
 * between the two. */

Test(match, flat_tuples)
{
    ot_term b[70];
    ot_term self = ot_pid(h, ot__local_node(), 84, 0, ot__local_creation());
    /* a local pid literal is an immediate: same word, match */
    ot_term p = ot_tuple(h, 2, self, pat("X"));
    cr_assert(ot_match(p, ot_tuple(h, 2, self, ot_int(h, 1)), b));
    cr_assert(!ot_match(p, ot_tuple(h, 2, ot_pid(h, ot__local_node(), 85, 0, 0), ot_int(h, 1)), b));
    /* boxed literals inside a flat tuple: decided by the general matcher */
    p = pat("{1.0, <<\"ab\">>, X}");
    cr_assert(ot_match(p, term("{1.0, <<\"ab\">>, z}"), b));
    cr_assert_eq(b[0], ot_atom("z"));
    cr_assert(!ot_match(p, term("{1, <<\"ab\">>, z}"), b));
    /* literal mismatches of each immediate kind */
    cr_assert(!ot_match(pat("{a, X}"), term("{b, 1}"), b));
    cr_assert(!ot_match(pat("{1, X}"), term("{2, 1}"), b));
    cr_assert(!ot_match(pat("{[], X}"), term("{[a], 1}"), b));
    cr_assert(!ot_match(pat("{1, X}"), term("{1.0, 1}"), b));
    cr_assert(!ot_match(pat("{a, b}"), term("{a}"), NULL));      /* arity */
    cr_assert(!ot_match(pat("{a}"), term("[a]"), NULL));         /* not a tuple */
    cr_assert(!ot_match(pat("{a}"), ot_int(h, 1), NULL));
    cr_assert(!ot_match(pat("{a}"), OT_NONE, NULL));
    cr_assert(ot_match(pat("{}"), ot_tuple(h, 0), NULL));
    /* repeated variables: the same word, equal terms, different terms */
    p = pat("{X, Y, X, Y}");
    cr_assert(ot_match(p, term("{1, a, 1, a}"), b));
    cr_assert(ot_match(p, term("{[1], a, [1], a}"), b)); /* equal, not the same word */
    cr_assert(ot_equal(b[0], term("[1]")));
    cr_assert(!ot_match(p, term("{1, a, 2, a}"), b));
    cr_assert(!ot_match(p, term("{1, a, 1.0, a}"), b));
    /* variables numbered out of text order, as in a tuple assembled by
     * hand: the general matcher keeps track */
    ot_term v0 = ot__make_var(0), v1 = ot__make_var(1), v65 = ot__make_var(65);
    p = ot_tuple(h, 3, v1, v0, v1);
    cr_assert(ot_match(p, term("{a, b, a}"), b));
    cr_assert_eq(b[0], ot_atom("b"));
    cr_assert_eq(b[1], ot_atom("a"));
    cr_assert(!ot_match(p, term("{a, b, c}"), b));
    /* a variable numbered 64 or more */
    p = ot_tuple(h, 3, v65, ot_atom("k"), v65);
    cr_assert(ot_match(p, term("{x, k, x}"), b));
    cr_assert_eq(b[65], ot_atom("x"));
    cr_assert(!ot_match(p, term("{x, k, y}"), b));
    /* no binds: variables act as _ */
    cr_assert(ot_match(pat("{X, X}"), term("{1, 2}"), NULL));
    cr_assert(ot_match(pat("{_, a}"), term("{1, a}"), NULL));
}

Test(match, flat_maps)
{
    ot_term b[70];
    /* variables met in key order, bound in text order */
    ot_term p = pat("#{z => A, a => B, m => C}");
    cr_assert(ot_match(p, term("#{a => 1, b => 2, m => 3, y => 4, z => 5}"), b));
    cr_assert(ot_equal(b[0], ot_int(h, 5)));
    cr_assert(ot_equal(b[1], ot_int(h, 1)));
    cr_assert(ot_equal(b[2], ot_int(h, 3)));
    /* a key missing at the start, in the middle, at the end */
    cr_assert(!ot_match(p, term("#{b => 1, m => 3, z => 5}"), b));
    cr_assert(!ot_match(p, term("#{a => 1, b => 3, z => 5}"), b));
    cr_assert(!ot_match(p, term("#{a => 1, m => 3, y => 5}"), b));
    /* fewer keys left than the pattern needs */
    cr_assert(!ot_match(pat("#{a => _, b => _}"), term("#{b => 1, c => 2}"), NULL));
    /* repeated variables across values */
    p = pat("#{a => X, b => X}");
    cr_assert(ot_match(p, term("#{a => [1], b => [1]}"), b));
    cr_assert(!ot_match(p, term("#{a => 1, b => 2}"), b));
    /* literal values: immediates by word, boxed ones by the general path */
    cr_assert(ot_match(pat("#{a => 1, b => []}"), term("#{a => 1, b => []}"), NULL));
    cr_assert(!ot_match(pat("#{a => 1}"), term("#{a => 1.0}"), NULL));
    cr_assert(!ot_match(pat("#{a => x}"), term("#{a => y}"), NULL));
    cr_assert(ot_match(pat("#{a => <<\"v\">>}"), term("#{a => <<\"v\">>}"), NULL));
    cr_assert(!ot_match(pat("#{a => <<\"v\">>}"), term("#{a => <<\"w\">>}"), NULL));
    /* keys that are not interned: found by the general path */
    p = pat("#{<<\"k\">> => V, {t} => W}");
    cr_assert(ot_match(p, term("#{a => 0, <<\"k\">> => 1, {t} => 2}"), b));
    cr_assert(ot_equal(b[0], ot_int(h, 1)));
    cr_assert(ot_equal(b[1], ot_int(h, 2)));
    cr_assert(!ot_match(p, term("#{<<\"k\">> => 1, {u} => 2}"), b));
    /* small integer and [] keys, integer against float keys */
    cr_assert(ot_match(pat("#{1 => A, [] => B}"), term("#{1 => a, 1.0 => f, [] => n}"), b));
    cr_assert_eq(b[0], ot_atom("a"));
    cr_assert_eq(b[1], ot_atom("n"));
    cr_assert(!ot_match(pat("#{2 => _}"), term("#{2.0 => a}"), NULL));
    /* a term with more than 32 keys: binary search */
    ot_term keys[40], vals[40];
    char name[8];
    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof name, "k%02d", i);
        keys[i] = ot_atom(name);
        vals[i] = ot_int(h, i);
    }
    ot_term big = ot_map(h, 40, keys, vals);
    cr_assert(ot_match(pat("#{k00 => A, k17 => B, k39 => C}"), big, b));
    cr_assert(ot_equal(b[1], ot_int(h, 17)));
    cr_assert(ot_equal(b[2], ot_int(h, 39)));
    cr_assert(!ot_match(pat("#{k17 => _, k40 => _}"), big, NULL));
    /* a variable numbered 64 or more, and no binds */
    ot_term v65 = ot__make_var(65), k = ot_atom("k");
    p = ot_map(h, 1, &k, &v65);
    cr_assert(ot_match(p, term("#{k => 7}"), b));
    cr_assert(ot_equal(b[65], ot_int(h, 7)));
    cr_assert(ot_match(pat("#{a => X, b => X}"), term("#{a => 1, b => 2}"), NULL));
    /* not a map */
    cr_assert(!ot_match(pat("#{a => _}"), term("{a}"), NULL));
    cr_assert(!ot_match(pat("#{}"), ot_int(h, 3), NULL));
}

/* ---------------------------------------------------------------- random */

/* Random (pattern, term) pairs: a term, and a pattern derived from it that
 * keeps some of its shape, so that a good share of the pairs match. Both
 * are written as text and parsed. The pattern mixes everything the
 * matcher distinguishes: flat and nested tuples, lists with tails, map
 * patterns with some of the term's keys (in any text order, so variables
 * are met out of order), variables new and repeated, _, literals of every
 * kind, and changed literals that make it fail. */

typedef struct rgen {
    uint64_t s;
    bool erlang;         /* text Erlang reads too: no pids */
    char *t, *p;         /* term and pattern text */
    size_t tl, pl, cap;
    int nvars;
    size_t var_from[16], var_to[16]; /* term text each variable first bound */
    unsigned ntails;     /* list tail variables, never repeated */
} rgen;

static uint64_t rnd(rgen *g)
{
    g->s ^= g->s << 13;
    g->s ^= g->s >> 7;
    g->s ^= g->s << 17;
    return g->s;
}

static unsigned pick(rgen *g, unsigned n) { return (unsigned)(rnd(g) % n); }

static void put(char *buf, size_t *len, size_t cap, const char *s)
{
    size_t n = strlen(s);
    cr_assert_lt(*len + n, cap, "random text too long");
    memcpy(buf + *len, s, n + 1);
    *len += n;
}

static void put_t(rgen *g, const char *s) { put(g->t, &g->tl, g->cap, s); }
static void put_p(rgen *g, const char *s) { put(g->p, &g->pl, g->cap, s); }

static const char *const leaves[] = {
    "a", "b", "ok", "'EXIT'", "0", "1", "-1", "42", "1152921504606846975",
    "1152921504606846976", "-1152921504606846977", "1.0", "0.0", "2.5", "[]",
    "<<>>", "<<\"ab\">>", "<<1,2,3>>", "\"ab\"", "<0.84.0>", "<0.85.0>",
};
#define NLEAVES (sizeof leaves / sizeof leaves[0])
#define NLEAVES_ERLANG (NLEAVES - 2)

/* Map keys, pairwise not =:= (1 and 1.0 are different keys). */
static const char *const mkeys[] = {
    "a", "b", "c", "ok", "1", "2", "-1", "1.0", "2.5", "[]", "<<\"k\">>",
    "\"k\"", "{k}", "{1,2}", "1152921504606846976", "k0", "k1", "k2", "k3",
    "k4", "k5", "k6", "k7", "k8", "k9", "k10", "k11", "k12", "k13", "k14",
    "k15", "k16", "k17", "k18", "k19", "k20", "k21", "k22", "k23", "k24",
    "k25", "k26", "k27", "k28", "k29", "k30", "k31", "k32", "k33", "k34",
};
#define NMKEYS (sizeof mkeys / sizeof mkeys[0])

static const char *leaf(rgen *g)
{
    return leaves[pick(g, g->erlang ? NLEAVES_ERLANG : NLEAVES)];
}

/* n distinct key indices into keys[]; now and then, where the values are
 * leaves, a map larger than the matcher's linear key search. */
static unsigned map_keys(rgen *g, unsigned *keys, int depth)
{
    unsigned n = depth <= 1 && pick(g, 6) == 0 ? 30 + pick(g, 6) : pick(g, 6);
    bool used[NMKEYS] = {false};
    for (unsigned i = 0; i < n; i++) {
        unsigned k;
        do
            k = pick(g, NMKEYS);
        while (used[k]);
        used[k] = true;
        keys[i] = k;
    }
    return n;
}

/* A random term into the term text (to_p false) or the pattern text
 * (to_p true: a literal part of a pattern). */
static void rterm(rgen *g, bool to_p, int depth)
{
    void (*out)(rgen *, const char *) = to_p ? put_p : put_t;
    unsigned kind = depth <= 0 ? 0 : pick(g, 8);
    if (kind <= 3) {
        out(g, leaf(g));
    } else if (kind == 4 || kind == 5) {
        unsigned n = pick(g, 4);
        out(g, "{");
        for (unsigned i = 0; i < n; i++) {
            if (i)
                out(g, ", ");
            rterm(g, to_p, depth - 1);
        }
        out(g, "}");
    } else if (kind == 6) {
        unsigned n = pick(g, 4);
        out(g, "[");
        for (unsigned i = 0; i < n; i++) {
            if (i)
                out(g, ", ");
            rterm(g, to_p, depth - 1);
        }
        if (n && pick(g, 4) == 0) {
            out(g, " | ");
            out(g, leaf(g));
        }
        out(g, "]");
    } else {
        unsigned keys[40];
        unsigned n = map_keys(g, keys, depth);
        out(g, "#{");
        for (unsigned i = 0; i < n; i++) {
            if (i)
                out(g, ", ");
            out(g, mkeys[keys[i]]);
            out(g, to_p ? " := " : " => "); /* Erlang's patterns need := */
            rterm(g, to_p, depth - 1);
        }
        out(g, "}");
    }
}

/* A term and a pattern for it, side by side. */
static void rpair(rgen *g, int depth)
{
    unsigned how = pick(g, 20);
    char name[16];
    if (how == 0) { /* _ */
        put_p(g, "_");
        rterm(g, false, depth);
        return;
    }
    if (how <= 3) { /* a variable, new or seen before */
        if (g->nvars > 0 && (how == 1 || g->nvars == 16)) {
            int v = (int)pick(g, (unsigned)g->nvars);
            snprintf(name, sizeof name, v % 5 == 4 ? "_V%d" : "V%d", v);
            put_p(g, name);
            if (pick(g, 4)) { /* usually the same text again */
                size_t n = g->var_to[v] - g->var_from[v];
                char *copy = malloc(n + 1);
                memcpy(copy, g->t + g->var_from[v], n);
                copy[n] = 0;
                put_t(g, copy);
                free(copy);
            } else {
                rterm(g, false, depth);
            }
            return;
        }
        int v = g->nvars++;
        snprintf(name, sizeof name, v % 5 == 4 ? "_V%d" : "V%d", v);
        put_p(g, name);
        g->var_from[v] = g->tl;
        rterm(g, false, depth);
        g->var_to[v] = g->tl;
        return;
    }
    if (how == 4) { /* another term: a literal that usually differs */
        rterm(g, true, depth);
        rterm(g, false, depth);
        return;
    }
    unsigned kind = depth <= 0 ? 0 : pick(g, 8);
    if (kind <= 2) { /* the same literal */
        const char *l = leaf(g);
        put_p(g, l);
        put_t(g, l);
    } else if (kind <= 4) {
        unsigned n = pick(g, 5);
        put_p(g, "{");
        put_t(g, "{");
        for (unsigned i = 0; i < n; i++) {
            if (i) {
                put_p(g, ", ");
                put_t(g, ", ");
            }
            rpair(g, depth - 1);
        }
        put_p(g, "}");
        put_t(g, "}");
    } else if (kind == 5) {
        /* a list of n elements; the pattern pairs the first m and then
         * either ends, or binds the rest to a tail (_ or a fresh variable
         * never repeated), or asks for more elements than there are */
        unsigned n = pick(g, 4), m = pick(g, n + 1);
        unsigned end = pick(g, 3);
        put_p(g, "[");
        put_t(g, "[");
        for (unsigned i = 0; i < m; i++) {
            if (i) {
                put_p(g, ", ");
                put_t(g, ", ");
            }
            rpair(g, depth - 1);
        }
        for (unsigned i = m; i < n; i++) {
            if (i)
                put_t(g, ", ");
            rterm(g, false, depth - 1);
        }
        if (end == 0 && m > 0) {
            snprintf(name, sizeof name, " | Tail%u", g->ntails++);
            put_p(g, name);
        } else if (end == 1 && m > 0) {
            put_p(g, " | _");
        } else if (m == n && pick(g, 4) == 0) {
            put_p(g, m ? ", " : "");
            rterm(g, true, 0);
        }
        put_p(g, "]");
        put_t(g, "]");
    } else {
        unsigned keys[40];
        unsigned n = map_keys(g, keys, depth);
        /* the term's keys; the pattern has each with probability 1/2,
         * in the same (random) text order, and now and then a key the
         * term lacks */
        put_p(g, "#{");
        put_t(g, "#{");
        bool first_p = true;
        for (unsigned i = 0; i < n; i++) {
            if (i)
                put_t(g, ", ");
            put_t(g, mkeys[keys[i]]);
            put_t(g, " => ");
            if (pick(g, 2)) {
                if (!first_p)
                    put_p(g, ", ");
                first_p = false;
                put_p(g, mkeys[keys[i]]);
                put_p(g, " := ");
                rpair(g, depth - 1);
            } else {
                rterm(g, false, depth - 1);
            }
        }
        if (pick(g, 8) == 0) {
            if (!first_p)
                put_p(g, ", ");
            put_p(g, "absent := _");
        }
        put_p(g, "}");
        put_t(g, "}");
    }
}

/* Fills g->t and g->p with a new pair. */
static void rnew(rgen *g)
{
    g->tl = g->pl = 0;
    g->t[0] = g->p[0] = 0;
    g->nvars = 0;
    g->ntails = 0;
    rpair(g, 3);
}

static void rinit(rgen *g, uint64_t seed, bool erlang)
{
    memset(g, 0, sizeof *g);
    g->s = seed;
    g->erlang = erlang;
    g->cap = 1 << 20;
    g->t = malloc(g->cap);
    g->p = malloc(g->cap);
    cr_assert(g->t && g->p);
}

static void rfree(rgen *g)
{
    free(g->t);
    free(g->p);
}

/* The plain definition of matching, for comparison: recursive, through
 * the public readers, maps by ot_map_get. */
static bool ref_match(ot_term p, ot_term t, ot_term *binds, bool *bound)
{
    switch (ot_typeof(p)) {
    case OT_TYPE_VAR: {
        if (p == OT__ANY)
            return true;
        size_t v = (size_t)ot__special_payload(p);
        if (bound[v])
            return ot_equal(binds[v], t);
        bound[v] = true;
        binds[v] = t;
        return true;
    }
    case OT_TYPE_TUPLE:
        if (!ot_is_tuple(t) || ot_tuple_arity(t) != ot_tuple_arity(p))
            return false;
        for (size_t i = 0; i < ot_tuple_arity(p); i++)
            if (!ref_match(ot_tuple_get(p, i), ot_tuple_get(t, i), binds, bound))
                return false;
        return true;
    case OT_TYPE_LIST:
        return ot_typeof(t) == OT_TYPE_LIST && ref_match(ot_hd(p), ot_hd(t), binds, bound) &&
               ref_match(ot_tl(p), ot_tl(t), binds, bound);
    case OT_TYPE_MAP:
        if (!ot_is_map(t))
            return false;
        for (size_t i = 0; i < ot_map_size(p); i++) {
            ot_term v = ot_map_get(t, ot_map_key(p, i));
            if (v == OT_NONE || !ref_match(ot_map_value(p, i), v, binds, bound))
                return false;
        }
        return true;
    default:
        return ot_equal(p, t);
    }
}

Test(match, random_against_reference)
{
    rgen g;
    rinit(&g, UINT64_C(0x9e3779b97f4a7c15), false);
    int matched = 0, n = 6000;
    for (int i = 0; i < n; i++) {
        ot_heap_reset(h);
        rnew(&g);
        ot_term p = pat(g.p), t = term(g.t);
        size_t nv = ot_pattern_vars(p);
        cr_assert_leq(nv, 64, "%s", g.p);
        ot_term got_b[64], want_b[64];
        bool bound[64] = {false};
        bool want = ref_match(p, t, want_b, bound);
        bool got = ot_match(p, t, got_b);
        cr_assert_eq(got, want, "%s against %s: expected %d", g.p, g.t, want);
        if (got) {
            matched++;
            for (size_t v = 0; v < nv; v++) {
                cr_assert(bound[v]);
                cr_assert(ot_equal(got_b[v], want_b[v]), "%s against %s: variable %zu", g.p, g.t, v);
            }
        }
        if (nv == 0)
            cr_assert_eq(ot_match(p, t, NULL), want, "%s against %s, no binds", g.p, g.t);
    }
    cr_assert_gt(matched, n / 10, "only %d of %d pairs match", matched, n);
    rfree(&g);
}

/* The same kind of pairs (without pids, which Erlang's text lacks) against
 * Erlang's own `case`, bindings included. */
Test(match, random_against_erlang)
{
    rgen g;
    rinit(&g, UINT64_C(0x2545f4914f6cdd1d), true);
    int n = 600;
    char **pats = calloc((size_t)n, sizeof *pats), **terms = calloc((size_t)n, sizeof *terms);
    size_t cap = 1 << 16, len = 0;
    char *in = malloc(cap);
    for (int i = 0; i < n; i++) {
        rnew(&g);
        pats[i] = strdup(g.p);
        terms[i] = strdup(g.t);
        size_t need = g.pl + g.tl + 3;
        if (len + need >= cap)
            in = realloc(in, cap = 2 * (len + need));
        len += (size_t)sprintf(in + len, "%s\t%s\n", g.p, g.t);
    }
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "escript '%s'", tu_source_path("tests/oracle/order_match.erl"));
    size_t outlen;
    int status;
    char *out = tu_run(cmd, in, len, &outlen, &status);
    cr_assert_eq(status, 0, "oracle: %s", out);
    char *line = out;
    int matched = 0;
    for (int i = 0; i < n; i++) {
        char *nl = strchr(line, '\n');
        cr_assert_not_null(nl, "oracle output ends early at %d", i);
        *nl = 0;
        ot_heap_reset(h);
        ot_term p = pat(pats[i]), t = term(terms[i]);
        ot_term binds[64];
        size_t nv = ot_pattern_vars(p);
        cr_assert_leq(nv, 64);
        bool got = ot_match(p, t, binds);
        bool want = line[0] == '1';
        cr_assert_eq(got, want, "%s against %s: Erlang %d, otter %d", pats[i], terms[i], want, got);
        if (got) {
            matched++;
            char *f = line + 1;
            size_t v = 0;
            while (*f == '\t') {
                char *eq = strchr(f, '=');
                char *end = strchr(eq, '\t');
                size_t tl = end ? (size_t)(end - eq - 1) : strlen(eq + 1);
                ot_term want_t;
                cr_assert_eq(ot_parse(h, eq + 1, tl, false, &want_t, NULL), 0, "%.*s", (int)tl, eq + 1);
                cr_assert_lt(v, nv);
                cr_assert(ot_equal(binds[v], want_t), "%s against %s: variable %zu differs",
                          pats[i], terms[i], v);
                v++;
                f = end ? end : eq + 1 + tl;
            }
            cr_assert_eq(v, nv, "%s: %zu bindings from Erlang, %zu variables", pats[i], v, nv);
        }
        line = nl + 1;
        free(pats[i]);
        free(terms[i]);
    }
    cr_assert_gt(matched, n / 10, "only %d of %d pairs match", matched, n);
    free(pats);
    free(terms);
    free(out);
    free(in);
    rfree(&g);
}
