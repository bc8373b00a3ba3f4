/* test_print.c — ot_print, ot_inspect, ot_fprint and the float text, on
 * hand-checked cases. Every expected string below was read from real
 * `elixir -e 'IO.puts inspect(...)'` (Elixir 1.14.0, OTP 25) and
 * `io_lib:format("~100000000tp", [...])` runs, not produced by otter. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "term/term_internal.h"
#include "testutil.h"

static ot_heap *h;

static void setup(void) { h = ot_heap_new(); }
static void teardown(void) { ot_heap_free(h); }

TestSuite(print, .init = setup, .fini = teardown);

static void check(ot_term t, size_t limit, ot_syntax syn, const char *want)
{
    ot_print_opts o = { .syntax = syn, .limit = limit };
    char *got = ot_inspect(t, &o);
    cr_assert(got, "ot_inspect failed for %s", want);
    cr_expect_str_eq(got, want, "got %s, want %s", got, want);
    /* the three entry points agree */
    char buf[4096];
    ssize_t n = ot_print(buf, sizeof buf, t, &o);
    cr_expect_eq(n, (ssize_t)strlen(want));
    if (n < (ssize_t)sizeof buf)
        cr_expect_str_eq(buf, want);
    free(got);
}

#define EX(t, want) check((t), 0, OT_SYNTAX_ELIXIR, (want))
#define ERL(t, want) check((t), 0, OT_SYNTAX_ERLANG, (want))
#define EXL(t, lim, want) check((t), (lim), OT_SYNTAX_ELIXIR, (want))

static ot_term A(const char *s) { return ot_atom(s); }
static ot_term I(int64_t v) { return ot_int(h, v); }
static ot_term F(double v) { return ot_float(h, v); }
static ot_term S(const char *s) { return ot_string(h, s); }
static ot_term P(ot_term k, ot_term v) { return ot_tuple(h, 2, k, v); }

static ot_term decode_hex(const char *hex)
{
    uint8_t buf[512];
    long n = tu_unhex(hex, strlen(hex), buf);
    cr_assert(n > 0);
    ot_term t;
    cr_assert(ot_decode(h, buf, (size_t)n, NULL, &t, NULL) > 0, "decode %s", hex);
    return t;
}

/* ---------------------------------------------------------------- atoms */

Test(print, atoms_elixir)
{
    EX(A("ping"), ":ping");
    EX(A("with space"), ":\"with space\"");
    EX(A("true"), "true");
    EX(A("false"), "false");
    EX(A("nil"), "nil");
    EX(A("Elixir.Foo.Bar"), "Foo.Bar");
    EX(A("Elixir.Foo.Bar1_x"), "Foo.Bar1_x");
    EX(A("Elixir"), "Elixir");
    EX(A("Elixir.Elixir"), "Elixir.Elixir");
    EX(A("Elixir.Elixir.Foo"), "Elixir.Elixir.Foo");
    EX(A("Elixir.foo"), ":\"Elixir.foo\"");
    EX(A("Elixir.Foo.bar"), ":\"Elixir.Foo.bar\"");
    EX(A("Foo.Bar"), ":\"Foo.Bar\"");
    EX(A("Foo"), ":Foo");
    EX(A("+"), ":+");
    EX(A("::"), ":\"::\"");
    EX(A("..//"), ":..//");
    EX(A(".."), ":..");
    EX(A("..."), ":...");
    EX(A("%{}"), ":%{}");
    EX(A("<<>>"), ":<<>>");
    EX(A("->"), ":->");
    EX(A("^^^"), ":\"^^^\"");
    EX(A("//"), ":\"//\"");
    EX(A("=>"), ":\"=>\"");
    EX(A("|"), ":|");
    EX(A("\\\\"), ":\\\\");
    EX(A("when"), ":when");
    EX(A("not in"), ":\"not in\"");
    EX(A("~"), ":\"~\"");
    EX(A("$"), ":\"$\"");
    EX(A("@@"), ":\"@@\"");
    EX(A("foo?"), ":foo?");
    EX(A("foo!"), ":foo!");
    EX(A("foo?x"), ":\"foo?x\"");
    EX(A("a??"), ":\"a??\"");
    EX(A("foo@bar"), ":foo@bar");
    EX(A("Foo@bar"), ":Foo@bar");
    EX(A("_"), ":_");
    EX(A(""), ":\"\"");
    EX(A("1a"), ":\"1a\"");
    EX(A("@a"), ":\"@a\"");
    EX(A("?"), ":\"?\"");
    EX(A("!"), ":!");
    EX(A("é"), ":é");
    EX(A("héllo"), ":héllo");
    EX(A("日本"), ":日本");
    EX(A("Émile"), ":Émile");
    EX(A("a\nb"), ":\"a\\nb\"");
    EX(A("a\"b"), ":\"a\\\"b\"");
    EX(A("a\\b"), ":\"a\\\\b\"");
    EX(A("a#{b}"), ":\"a\\#{b}\"");
    EX(A("a\xc2\x85"), ":\"a\\x85\"");
    EX(A("ab\xc2\xa0"), ":\"ab\xc2\xa0\"");
    EX(A("\xef\xbb\xbf"), ":\"\\uFEFF\"");
    EX(A("do"), ":do");
}

Test(print, atoms_erlang)
{
    ERL(A("ping"), "ping");
    ERL(A("with space"), "'with space'");
    ERL(A("A"), "'A'");
    ERL(A("aB_9"), "aB_9");
    ERL(A("ab@c"), "ab@c");
    ERL(A("_a"), "'_a'");
    ERL(A(""), "''");
    ERL(A("a'b"), "'a\\'b'");
    ERL(A("receive"), "'receive'");
    ERL(A("maybe"), "maybe");
    ERL(A("Elixir.Foo"), "'Elixir.Foo'");
    ERL(A("é"), "é");
    ERL(A("\xc3\x97"), "'\xc3\x97'");      /* × */
    ERL(A("\xc2\x85x"), "'\\205x'");
    ERL(A("a\xe6\x97\xa5"), "'a\xe6\x97\xa5'"); /* 'a日' */
    ERL(A("true"), "true");
}

/* ---------------------------------------------------------------- numbers */

Test(print, integers)
{
    EX(I(0), "0");
    EX(I(-42), "-42");
    EX(I(INT64_MAX), "9223372036854775807");
    EX(I(INT64_MIN), "-9223372036854775808");
    uint64_t limbs[2] = { 1, 1 };
    EX(ot_bigint(h, true, limbs, 2), "-18446744073709551617");
    ERL(ot_bigint(h, false, limbs, 2), "18446744073709551617");
    /* 10^40 = 0x1d6329f1c35ca4bfabb9f5610000000000 */
    ot_term big;
    cr_assert_eq(ot_parse(h, "10000000000000000000000000000000000000000", 41, false, &big, NULL), 0);
    EX(big, "10000000000000000000000000000000000000000");
}

static void float_is(double d, const char *want)
{
    ot__buf sb = { 0 };
    ot__float_text(&sb, d);
    char *got = ot__buf_take(&sb, NULL);
    cr_expect_str_eq(got, want, "float text: got %s want %s", got, want);
    free(got);
}

Test(print, float_text_erlang)
{
    float_is(0.0, "0.0");
    float_is(-0.0, "-0.0");
    float_is(1.0, "1.0");
    float_is(0.1, "0.1");
    float_is(100.0, "100.0");
    float_is(1000.0, "1.0e3");
    float_is(1.0e15, "1.0e15");
    float_is(1.0e16, "1.0e16");
    float_is(123456789012345678.0, "1.2345678901234568e17");
    float_is(0.0001, "0.0001");
    float_is(1.0e-5, "1.0e-5");
    float_is(1.234e-5, "1.234e-5");
    float_is(0.000123, "1.23e-4");
    float_is(0.00123, "0.00123");
    float_is(123.456, "123.456");
    float_is(123456.0, "123456.0");
    float_is(12345678.9, "12345678.9");
    float_is(1.2345678912345e10, "12345678912.345");
    float_is(9007199254740993.0, "9.007199254740992e15");
    float_is(1.0e23, "1.0e23");
    float_is(1.2e21, "1.2e21");
    float_is(1.23e20, "1.23e20");
    float_is(5.0e-324, "5.0e-324");
    float_is(1.7976931348623157e308, "1.7976931348623157e308");
    float_is(1.5e300, "1.5e300");
    float_is(0.003, "0.003");
}

Test(print, floats_elixir)
{
    EX(F(1000.0), "1000.0");
    EX(F(1.0e15), "1000000000000000.0");
    EX(F(1.0e16), "1.0e16");
    EX(F(-1000.0), "-1000.0");
    EX(F(-0.0), "-0.0");
    EX(F(0.1), "0.1");
    EX(F(1.5), "1.5");
    EX(F(1.0e-5), "1.0e-5");
    EX(F(9007199254740993.0), "9007199254740992.0");
    EX(F(12345678912.345), "12345678912.345");
    ERL(F(1000.0), "1.0e3");
}

/* ---------------------------------------------------------------- binaries */

Test(print, binaries_elixir)
{
    EX(S(""), "\"\"");
    EX(S("hello"), "\"hello\"");
    EX(S("a\a\b\t\n\v\f\r\x1b\x7f\"\\#{x}#\xc3\xa9\xef\xbb\xbf"),
       "\"a\\a\\b\\t\\n\\v\\f\\r\\e\\d\\\"\\\\\\#{x}#\xc3\xa9\\uFEFF\"");
    EX(ot_binary(h, "\xe9", 1), "<<233>>");
    EX(ot_binary(h, "\xc3\xa9\0", 3), "<<195, 169, 0>>");
    EX(ot_binary(h, "\xef\xbf\xbe", 3), "<<239, 191, 190>>");
    EX(ot_binary(h, "\x01\x02\x03", 3), "<<1, 2, 3>>");
    EX(ot_bitstring(h, "\x01\x02\x30", 20), "<<1, 2, 3::size(4)>>");
    EX(ot_bitstring(h, "\x60", 3), "<<3::size(3)>>");
    EX(ot_bitstring(h, "\x01\x02\x60", 19), "<<1, 2, 3::size(3)>>");
}

Test(print, binaries_erlang)
{
    ERL(S(""), "<<>>");
    ERL(S("hello"), "<<\"hello\">>");
    ERL(S("\xc3\xa9"), "<<\"\xc3\xa9\"/utf8>>");
    ERL(ot_binary(h, "\xe9", 1), "<<\"\xc3\xa9\">>");
    ERL(S("\xe6\x97\xa5\xe6\x9c\xac"), "<<230,151,165,230,156,172>>");
    ERL(S("\"\\"), "<<\"\\\"\\\\\">>");
    ERL(ot_binary(h, "\0", 1), "<<0>>");
    ERL(ot_binary(h, "\x7f", 1), "<<127>>");
    ERL(ot_bitstring(h, "\x01\x02\x60", 19), "<<1,2,3:3>>");
}

/* ---------------------------------------------------------------- lists */

Test(print, lists)
{
    EX(OT_NIL, "[]");
    ERL(OT_NIL, "[]");
    EX(ot_list(h, 3, I(1), I(2), I(3)), "[1, 2, 3]");
    ERL(ot_list(h, 3, I(1), I(2), I(3)), "[1,2,3]");
    ot_term imp = ot_cons(h, I(1), ot_cons(h, I(2), I(3)));
    EX(imp, "[1, 2 | 3]");
    ERL(imp, "[1,2|3]");
    EX(ot_cons(h, I(1), I(2)), "[1 | 2]");
    EX(ot_charlist(h, "hi"), "'hi'");
    ERL(ot_charlist(h, "hi"), "\"hi\"");
    EX(ot_charlist(h, "a\a\b\t\n\v\f\r\x1b'\\#{x}#\""), "'a\\a\\b\\t\\n\\v\\f\\r\\e\\'\\\\\\#{x}#\"'");
    EX(ot_list(h, 1, I(127)), "[127]");
    EX(ot_list(h, 1, I(233)), "[233]");
    ERL(ot_list(h, 1, I(233)), "\"\xc3\xa9\"");
    ERL(ot_list(h, 1, I(26085)), "[26085]");
    ERL(ot_list(h, 1, I(127)), "[127]");
    ot_term kw = ot_list(h, 2, P(A("a"), I(1)), P(A("b"), ot_list(h, 1, P(A("c"), I(2)))));
    EX(kw, "[a: 1, b: [c: 2]]");
    ERL(kw, "[{a,1},{b,[{c,2}]}]");
    EX(ot_list(h, 5, P(A("Elixir"), I(1)), P(A("with space"), I(3)), P(A("Foo"), I(4)),
               P(A("::"), I(5)), P(A("+"), I(6))),
       "[\"Elixir\": 1, \"with space\": 3, Foo: 4, \"::\": 5, +: 6]");
    EX(ot_list(h, 1, P(A("Elixir.Foo"), I(1))), "[{Foo, 1}]");
    EX(ot_list(h, 1, P(S("a"), I(1))), "[{\"a\", 1}]");
}

Test(print, long_list_and_deep_nesting)
{
    /* a million elements: no recursion on the tail */
    ot_term l = OT_NIL;
    for (int i = 0; i < 1000000; i++)
        l = ot_cons(h, I(1), l);
    ssize_t n = ot_print(NULL, 0, l, NULL);
    cr_assert_eq(n, 2 + 1000000 + 2 * 999999);
    /* 200,000 levels of nesting: an explicit stack, not the C stack */
    ot_term d = OT_NIL;
    for (int i = 0; i < 200000; i++)
        d = ot_tuple(h, 1, d);
    n = ot_print(NULL, 0, d, NULL);
    cr_assert_eq(n, 2 * 200000 + 2);
    char *s = ot_inspect(d, NULL);
    cr_assert(s);
    bool shape = strncmp(s, "{{{{", 4) == 0 && strncmp(s + 200000, "[]}}}", 5) == 0 &&
                 strlen(s) == (size_t)n;
    free(s);
    cr_assert(shape);
}

/* ---------------------------------------------------------------- tuples, maps */

Test(print, tuples_and_maps)
{
    EX(ot_tuple(h, 0), "{}");
    EX(ot_tuple(h, 2, I(1), S("x")), "{1, \"x\"}");
    ERL(ot_tuple(h, 2, I(1), S("x")), "{1,<<\"x\">>}");
    EX(ot_map(h, 0, NULL, NULL), "%{}");
    ERL(ot_map(h, 0, NULL, NULL), "#{}");
    ot_term k1[2] = { A("a"), A("b") }, v1[2] = { I(1), I(2) };
    EX(ot_map(h, 2, k1, v1), "%{a: 1, b: 2}");
    ERL(ot_map(h, 2, k1, v1), "#{a => 1,b => 2}");
    ot_term k2[1] = { S("a") }, v2[1] = { I(1) };
    EX(ot_map(h, 1, k2, v2), "%{\"a\" => 1}");
    ot_term k3[4] = { S("a"), A("b"), I(1), F(1.0) }, v3[4] = { I(1), I(2), I(3), I(4) };
    EX(ot_map(h, 4, k3, v3), "%{1 => 3, 1.0 => 4, :b => 2, \"a\" => 1}");
    ot_term k4[2] = { A("Elixir.Foo"), A("a") };
    EX(ot_map(h, 2, k4, v1), "%{Foo => 1, :a => 2}");
    ot_term k5[3] = { A("Elixir"), A("a"), A("Foo") }, v5[3] = { I(1), I(2), I(3) };
    EX(ot_map(h, 3, k5, v5), "%{\"Elixir\": 1, Foo: 3, a: 2}");
    /* a struct of a module that does not exist prints as a map */
    ot_term k6[2] = { A("__struct__"), A("a") }, v6[2] = { A("Elixir.Nope"), I(1) };
    EX(ot_map(h, 2, k6, v6), "%{__struct__: Nope, a: 1}");
    ot_term v7[2] = { S("x"), I(1) };
    EX(ot_map(h, 2, k6, v7), "%{__struct__: \"x\", a: 1}");
}

/* ---------------------------------------------------------------- identifiers */

Test(print, identifiers)
{
    ot_term local = ot__local_node();
    ot_term pid = ot_pid(h, local, 84, 0, 0);
    EX(ot_tuple(h, 3, A("ping"), pid, I(42)), "{:ping, #PID<0.84.0>, 42}");
    ERL(ot_tuple(h, 3, A("ping"), pid, I(42)), "{ping,<0.84.0>,42}");
    /* a pid of the local node with another creation is still shown as 0 */
    EX(ot_pid(h, local, 5, 7, 3), "#PID<0.5.7>");
    uint32_t ids[3] = { 1, 2, 3 };
    EX(ot_ref(h, local, 0, ids, 3), "#Reference<0.3.2.1>");
    ERL(ot_ref(h, local, 0, ids, 3), "#Ref<0.3.2.1>");
    EX(ot_port(h, local, 5, 0), "#Port<0.5>");
    ERL(ot_port(h, local, 5, 0), "#Port<0.5>");
    /* other nodes: the node name's atom index (documented) */
    ot_term other = A("foo@host");
    char want[64];
    snprintf(want, sizeof want, "#PID<%u.5.7>", ot__atom_index(other));
    EX(ot_pid(h, other, 5, 7, 3), want);
    snprintf(want, sizeof want, "<%u.5.7>", ot__atom_index(other));
    ERL(ot_pid(h, other, 5, 7, 3), want);
    /* opts->local_node overrides the running node */
    ot_print_opts o = { .local_node = other };
    char *s = ot_inspect(ot_pid(h, other, 5, 7, 3), &o);
    cr_expect_str_eq(s, "#PID<0.5.7>");
    free(s);
}

Test(print, funs)
{
    /* bytes from term_to_binary/1 of each fun */
    ot_term enum_map = decode_hex("837164000b456c697869722e456e756d6400036d61706102");
    EX(enum_map, "&Enum.map/2");
    ERL(enum_map, "fun 'Elixir.Enum':map/2");
    ot_term lists_map = decode_hex("83716400056c697374736400036d61706102");
    EX(lists_map, "&:lists.map/2");
    ERL(lists_map, "fun lists:map/2");
    ot_term plus = decode_hex("837164000665726c616e676400012b6102");
    EX(plus, "&:erlang.+/2");
    ERL(plus, "fun erlang:'+'/2");
    ot_term bar = decode_hex("837164000a456c697869722e466f6f6400034261726100");
    EX(bar, "&Foo.\"Bar\"/0");
    ERL(bar, "fun 'Elixir.Foo':'Bar'/0");
    EX(decode_hex("837164000a456c697869722e466f6f6400022e2e6100"), "&Foo.\"..\"/0");
    EX(decode_hex("837164000a456c697869722e466f6f6400023a3a6100"), "&Foo.::/0");
    EX(decode_hex("837164000a456c697869722e466f6f64000a776974682073706163656103"),
       "&Foo.\"with space\"/3");
}

/* ---------------------------------------------------------------- limits */

Test(print, limits)
{
    ot_term l4 = ot_list(h, 4, I(1), I(2), I(3), I(4));
    EXL(l4, 2, "[1, 2, ...]");
    ot_term nested = ot_list(h, 2, ot_list(h, 3, I(1), I(2), I(3)), ot_list(h, 3, I(4), I(5), I(6)));
    EXL(nested, 3, "[[1, 2, ...], [4, ...]]");
    ot_term imp = ot_cons(h, I(1), ot_cons(h, I(2), I(3)));
    EXL(imp, 2, "[1, 2 | 3]");
    EXL(imp, 1, "[1, ...]");
    EXL(ot_cons(h, I(1), I(2)), 1, "[1 | 2]");
    EXL(ot_tuple(h, 3, I(1), I(2), I(3)), 2, "{1, 2, ...}");
    EXL(ot_tuple(h, 2, ot_list(h, 2, I(1), I(2)), ot_list(h, 2, I(3), I(4))), 2,
        "{[1, ...], [...]}");
    ot_term mk[3] = { A("a"), A("b"), A("c") };
    ot_term mv[3] = { ot_list(h, 3, I(1), I(2), I(3)), I(2), I(3) };
    EXL(ot_map(h, 3, mk, mv), 2, "%{a: [1, ...], b: 2, ...}");
    ot_term ik[2] = { I(1), I(3) }, iv[2] = { I(2), I(4) };
    EXL(ot_map(h, 2, ik, iv), 1, "%{1 => 2, ...}");
    ot_term b3 = ot_binary(h, "\x01\x02\x03", 3);
    EXL(b3, 2, "<<1, 2, ...>>");
    EXL(b3, 3, "<<1, 2, 3>>");
    EXL(b3, 1, "<<1, ...>>");
    ot_term bits = ot_bitstring(h, "\x01\x02\x30", 20);
    EXL(bits, 2, "<<1, 2, ...>>");
    EXL(bits, 3, "<<1, 2, 3::size(4)>>");
    EXL(ot_charlist(h, "hello"), 2, "'hello'");
    EXL(S("hello"), 2, "\"hello\"");
    EXL(ot_list(h, 3, P(A("a"), I(1)), P(A("b"), I(2)), P(A("c"), I(3))), 2, "[a: 1, b: 2, ...]");
    EXL(ot_list(h, 1, ot_list(h, 1, ot_list(h, 1, I(1)))), 1, "[[...]]");
    EXL(ot_list(h, 1, b3), 1, "[<<...>>]");
    EXL(ot_list(h, 1, OT_NIL), 1, "[[]]");
    EXL(ot_list(h, 1, ot_map(h, 0, NULL, NULL)), 1, "[%{}]");
    EXL(ot_list(h, 1, ot_map(h, 1, mk, mv + 1)), 1, "[%{...}]");
    EXL(ot_cons(h, I(1), ot_cons(h, ot_list(h, 2, I(2), I(3)), I(4))), 2, "[1, [...] | 4]");
    /* Erlang syntax marks cuts as io_lib's depth limit does */
    check(l4, 2, OT_SYNTAX_ERLANG, "[1,2|...]");
    check(ot_tuple(h, 3, I(1), I(2), I(3)), 2, OT_SYNTAX_ERLANG, "{1,2,...}");
}

/* ---------------------------------------------------------------- API contracts */

Test(print, snprintf_semantics)
{
    ot_term t = ot_tuple(h, 2, A("ok"), I(12345));   /* {:ok, 12345} : 12 chars */
    char buf[32];
    memset(buf, 'x', sizeof buf);
    cr_assert_eq(ot_print(buf, sizeof buf, t, NULL), 12);
    cr_assert_str_eq(buf, "{:ok, 12345}");
    memset(buf, 'x', sizeof buf);
    cr_assert_eq(ot_print(buf, 5, t, NULL), 12);
    cr_assert_str_eq(buf, "{:ok");
    cr_assert_eq(buf[5], 'x');
    memset(buf, 'x', sizeof buf);
    cr_assert_eq(ot_print(buf, 12, t, NULL), 12);
    cr_assert_str_eq(buf, "{:ok, 12345");
    cr_assert_eq(ot_print(buf, 13, t, NULL), 12);
    cr_assert_str_eq(buf, "{:ok, 12345}");
    memset(buf, 'x', sizeof buf);
    cr_assert_eq(ot_print(buf, 1, t, NULL), 12);
    cr_assert_eq(buf[0], 0);
    cr_assert_eq(buf[1], 'x');
    cr_assert_eq(ot_print(NULL, 0, t, NULL), 12);
    buf[0] = 'y';
    cr_assert_eq(ot_print(buf, 0, t, NULL), 12);
    cr_assert_eq(buf[0], 'y');
    cr_assert_eq(ot_print(buf, sizeof buf, OT_NONE, NULL), -EINVAL);
    cr_assert_null(ot_inspect(OT_NONE, NULL));
    cr_assert_eq(ot_fprint(stdout, OT_NONE, NULL), -EINVAL);
}

Test(print, fprint)
{
    char *path = tu_mktemp(".txt");
    FILE *f = fopen(path, "w+");
    cr_assert(f);
    ot_term l = OT_NIL;
    for (int i = 0; i < 5000; i++)
        l = ot_cons(h, S("ab"), l);
    ssize_t n = ot_fprint(f, l, NULL);
    ssize_t want = ot_print(NULL, 0, l, NULL);
    cr_assert_eq(n, want);
    rewind(f);
    char *text = malloc((size_t)want + 1);
    cr_assert_eq(fread(text, 1, (size_t)want + 1, f), (size_t)want);
    text[want] = 0;
    char *s = ot_inspect(l, NULL);
    cr_assert_str_eq(text, s);
    free(s);
    free(text);
    fclose(f);
    remove(path);
    free(path);
}

Test(print, allocation_failure)
{
    /* deep enough to need the heap for the walk's stack */
    ot_term d = OT_NIL;
    for (int i = 0; i < 1000; i++)
        d = ot_tuple(h, 1, d);
    char buf[8];
    for (long k = 0; k < 8; k++) {
        ot_test_fail_alloc_after(k, 1);
        char *s = ot_inspect(d, NULL);
        ssize_t n = ot_print(buf, sizeof buf, d, NULL);
        long failed = ot_test_fail_alloc_after(-1, 0);
        if (failed) {
            cr_expect_null(s, "ot_inspect must fail cleanly after %ld allocations", k);
            cr_expect(n == -ENOMEM || n == 2002);
        } else {
            cr_expect_not_null(s);
        }
        free(s);
    }
    /* a small term into a caller's buffer allocates nothing */
    ot_test_fail_alloc_after(0, 1);
    ssize_t n = ot_print(buf, sizeof buf, ot_tuple(h, 1, A("a")), NULL);
    ot_test_fail_alloc_after(-1, 0);
    cr_assert_eq(n, 4);
    cr_assert_str_eq(buf, "{:a}");
    /* bignums beyond the inline size need memory */
    uint64_t limbs[20];
    for (int i = 0; i < 20; i++)
        limbs[i] = UINT64_MAX;
    ot_term big = ot_bigint(h, false, limbs, 20);
    ot_test_fail_alloc_after(0, 1);
    n = ot_print(NULL, 0, big, NULL);
    ot_test_fail_alloc_after(-1, 0);
    cr_assert_eq(n, -ENOMEM);
}

Test(print, pattern_variables)
{
    ot_term p = ot_pattern(h, "{pong, From, _}");
    cr_assert(p != OT_NONE);
    EX(p, "{:pong, _0, _}");
    ERL(p, "{pong,_0,_}");
}
