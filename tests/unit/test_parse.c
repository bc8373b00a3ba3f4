/* test_parse.c — ot_build, ot_parse and ot_pattern: every syntax element,
 * every directive, every error with its offset, allocation failure, and a
 * cross-check against Erlang's own reader (tests/oracle/order_same.erl). */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otter/term.h"
#include "term/term_internal.h"
#include "testutil.h"

static ot_heap *h;
static void setup(void) { h = ot_heap_new(); }
static void teardown(void) { ot_heap_free(h); }

TestSuite(parse, .init = setup, .fini = teardown);

static ot_term P(const char *text)
{
    ot_term t = OT_NONE;
    ot_parse_error e = {0, NULL};
    int rc = ot_parse(h, text, strlen(text), false, &t, &e);
    cr_assert_eq(rc, 0, "parse of %s failed at %zu: %s", text, e.offset, e.what ? e.what : "?");
    return t;
}

#define EXPECT(text, term) \
    cr_assert(ot_equal(P(text), (term)), "%s parsed to something else", text)

/* ---------------------------------------------------------------- literals */

Test(parse, atoms)
{
    EXPECT("ok", ot_atom("ok"));
    EXPECT("node@host", ot_atom("node@host"));
    EXPECT("a_B9", ot_atom("a_B9"));
    EXPECT("'hello world'", ot_atom("hello world"));
}

Test(parse, adjacent_quoted_atoms_are_an_error)
{
    /* Unlike strings, quoted atoms do not join: 'it''s' is two atoms. */
    ot_term t;
    ot_parse_error e;
    cr_assert_eq(ot_parse(h, "'it''s'", 7, false, &t, &e), -EINVAL);
    cr_assert_eq(e.offset, 4);
}

Test(parse, quoted_atom_escapes)
{
    EXPECT("'a\\'b'", ot_atom("a'b"));
    EXPECT("'\\\\'", ot_atom("\\"));
    EXPECT("'\\n\\t\\s\\e\\d\\b\\f\\r\\v'", ot_atom("\n\t \x1b\x7f\b\f\r\v"));
    EXPECT("'\\101\\x42\\x{43}\\x{20AC}'", ot_atom("ABC\xe2\x82\xac"));
    EXPECT("'\\^a\\^Z'", ot_atom("\x01\x1a"));
    EXPECT("'é'", ot_atom("\xc3\xa9"));
    EXPECT("émile", ot_atom("\xc3\xa9mile"));
    EXPECT("''", ot_atom(""));
}

Test(parse, integers)
{
    EXPECT("0", ot_int(h, 0));
    EXPECT("42", ot_int(h, 42));
    EXPECT("-7", ot_int(h, -7));
    EXPECT("1_000_000", ot_int(h, 1000000));
    EXPECT("16#ff", ot_int(h, 255));
    EXPECT("16#FF", ot_int(h, 255));
    EXPECT("-16#ff", ot_int(h, -255));
    EXPECT("2#101", ot_int(h, 5));
    EXPECT("36#zz", ot_int(h, 36 * 36 - 1));
    EXPECT("$a", ot_int(h, 'a'));
    EXPECT("$\\n", ot_int(h, '\n'));
    EXPECT("$\\x{1F600}", ot_int(h, 0x1F600));
    EXPECT("$é", ot_int(h, 0xe9));
    EXPECT("$ ", ot_int(h, ' '));
    EXPECT("-$a", ot_int(h, -'a'));
    EXPECT("1152921504606846975", ot_int(h, (INT64_C(1) << 60) - 1));
    EXPECT("1152921504606846976", ot_int(h, INT64_C(1) << 60));
    EXPECT("9223372036854775807", ot_int(h, INT64_MAX));
    EXPECT("-9223372036854775808", ot_int(h, INT64_MIN));
    EXPECT("18446744073709551615", ot_uint(h, UINT64_MAX));
    uint64_t l[2] = {0, 1};
    EXPECT("18446744073709551616", ot_bigint(h, false, l, 2));
    EXPECT("-16#10000000000000000", ot_bigint(h, true, l, 2));
}

Test(parse, floats)
{
    EXPECT("1.5", ot_float(h, 1.5));
    EXPECT("-0.25", ot_float(h, -0.25));
    EXPECT("6.02e23", ot_float(h, 6.02e23));
    EXPECT("1.0E-9", ot_float(h, 1.0e-9));
    EXPECT("1.0e+3", ot_float(h, 1000.0));
    EXPECT("0.1", ot_float(h, 0.1));
    EXPECT("1_0.5", ot_float(h, 10.5));
    EXPECT("4.9406564584124654e-324", ot_float(h, 5e-324));
    EXPECT("1.7976931348623157e308", ot_float(h, 1.7976931348623157e308));
    cr_assert(ot_is_float(P("2.0")));
    cr_assert(!ot_equal(P("2.0"), ot_int(h, 2)));
}

Test(parse, strings_are_charlists)
{
    EXPECT("\"\"", OT_NIL);
    EXPECT("\"abc\"", ot_charlist(h, "abc"));
    EXPECT("\"a\\\"b\\n\"", ot_charlist(h, "a\"b\n"));
    EXPECT("\"héllo €\"", ot_charlist(h, "h\xc3\xa9llo \xe2\x82\xac"));
    EXPECT("\"ab\" \"cd\"", ot_charlist(h, "abcd"));
    EXPECT("\"\\x{1F600}\"", ot_list(h, 1, ot_int(h, 0x1F600)));
}

Test(parse, binaries)
{
    EXPECT("<<>>", ot_binary(h, "", 0));
    EXPECT("<<\"bytes\">>", ot_binary(h, "bytes", 5));
    EXPECT("<<1,2,3>>", ot_binary(h, "\x01\x02\x03", 3));
    EXPECT("<< 1 , 2 >>", ot_binary(h, "\x01\x02", 2));
    EXPECT("<<\"é\"/utf8>>", ot_binary(h, "\xc3\xa9", 2));
    EXPECT("<<\"é\">>", ot_binary(h, "\xe9", 1));
    EXPECT("<<\"€\"/utf16>>", ot_binary(h, "\x20\xac", 2));
    EXPECT("<<$a/utf32-little>>", ot_binary(h, "a\0\0\0", 4));
    EXPECT("<<300:16>>", ot_binary(h, "\x01\x2c", 2));
    EXPECT("<<300:16/little>>", ot_binary(h, "\x2c\x01", 2));
    EXPECT("<<-1:12>>", ot_bitstring(h, "\xff\xf0", 12));
    EXPECT("<<1:4,2:4>>", ot_binary(h, "\x12", 1));
    EXPECT("<<5:3>>", ot_bitstring(h, "\xa0", 3));
    EXPECT("<<300>>", ot_binary(h, "\x2c", 1));
    EXPECT("<<1.5/float>>", ot_binary(h, "\x3f\xf8\0\0\0\0\0\0", 8));
    EXPECT("<<1.5>>", ot_binary(h, "\x3f\xf8\0\0\0\0\0\0", 8));
    EXPECT("<<1.5:32/float>>", ot_binary(h, "\x3f\xc0\0\0", 4));
    EXPECT("<<\"ab\":16>>", ot_binary(h, "\0a\0b", 4));
    EXPECT("<<16#10000000000000001:72>>", ot_binary(h, "\x01\0\0\0\0\0\0\0\x01", 9));
    EXPECT("<<-2:72>>", ot_binary(h, "\xff\xff\xff\xff\xff\xff\xff\xff\xfe", 9));
}

Test(parse, containers)
{
    EXPECT("{}", ot_tuple(h, 0));
    EXPECT("{a, 1}", ot_tuple(h, 2, ot_atom("a"), ot_int(h, 1)));
    EXPECT("{ {} , { { } } }", ot_tuple(h, 2, ot_tuple(h, 0), ot_tuple(h, 1, ot_tuple(h, 0))));
    EXPECT("[]", OT_NIL);
    EXPECT("[ ]", OT_NIL);
    EXPECT("[1, 2]", ot_list(h, 2, ot_int(h, 1), ot_int(h, 2)));
    EXPECT("[1 | 2]", ot_cons(h, ot_int(h, 1), ot_int(h, 2)));
    EXPECT("[1, 2 | [3]]", ot_list(h, 3, ot_int(h, 1), ot_int(h, 2), ot_int(h, 3)));
    EXPECT("[[]|[]]", ot_list(h, 1, OT_NIL));
    EXPECT("#{}", ot_map(h, 0, NULL, NULL));
    ot_term k[2] = {ot_atom("a"), ot_int(h, 1)}, v[2] = {ot_int(h, 1), ot_atom("x")};
    EXPECT("#{a => 1, 1 => x}", ot_map(h, 2, k, v));
    EXPECT("#{1 => y, a => 1, 1 => x}", ot_map(h, 2, k, v)); /* last wins */
    EXPECT("% a comment\n {a, % another\n 1}", ot_tuple(h, 2, ot_atom("a"), ot_int(h, 1)));
    ot_term m = P("#{2 => a, 1.0 => b, 0.5 => c, 3 => d}");
    int64_t i;
    cr_assert(ot_get_int64(ot_map_key(m, 0), &i) == 0 && i == 2);
    cr_assert(ot_get_int64(ot_map_key(m, 1), &i) == 0 && i == 3);
    cr_assert(ot_is_float(ot_map_key(m, 2)));
}

Test(parse, identifiers)
{
    ot_term node = ot__local_node();
    EXPECT("<0.84.0>", ot_pid(h, node, 84, 0, ot__local_creation()));
    EXPECT("#PID<0.1.2>", ot_pid(h, node, 1, 2, ot__local_creation()));
    EXPECT("#Port<0.5>", ot_port(h, node, 5, ot__local_creation()));
    uint32_t ids[3] = {3, 2, 1};
    EXPECT("#Ref<0.1.2.3>", ot_ref(h, node, ot__local_creation(), ids, 3));
    ot_pid_parts pp;
    cr_assert_eq(ot_pid_get(P("<0.7.9>"), &pp), 0);
    cr_assert_eq(pp.node, node);
    cr_assert_eq(pp.id, 7);
    cr_assert_eq(pp.serial, 9);
}

Test(parse, long_and_deep)
{
    /* a 200,000-element list and 100,000 levels of nesting */
    size_t n = 200000;
    char *s = malloc(4 * n + 16);
    size_t k = 0;
    s[k++] = '[';
    for (size_t i = 0; i < n; i++) {
        if (i)
            s[k++] = ',';
        k += (size_t)sprintf(s + k, "%zu", i % 10);
    }
    s[k++] = ']';
    ot_term t;
    cr_assert_eq(ot_parse(h, s, k, false, &t, NULL), 0);
    cr_assert_eq(ot_list_length(t), (ssize_t)n);
    size_t depth = 100000;
    k = 0;
    s = realloc(s, 5 * depth + 16);
    for (size_t i = 0; i < depth; i++) {
        if (i % 3 == 0) {
            s[k++] = '[';
        } else if (i % 3 == 1) {
            s[k++] = '{';
        } else {
            s[k++] = '#';
            s[k++] = '{';
        }
    }
    s[k++] = 'x';
    for (size_t i = depth; i-- > 0;) {
        if (i % 3 == 2) {
            s[k++] = '=';
            s[k++] = '>';
            s[k++] = '1';
        }
        s[k++] = i % 3 == 0 ? ']' : '}';
    }
    cr_assert_eq(ot_parse(h, s, k, false, &t, NULL), 0);
    free(s);
}

/* ---------------------------------------------------------------- build */

Test(parse, directives)
{
    ot_term self = ot_pid(h, ot__local_node(), 84, 0, ot__local_creation());
    ot_term t = ot_build(h, "{~a, ~p, ~i}", "ping", self, 42);
    cr_assert(ot_equal(t, ot_tuple(h, 3, ot_atom("ping"), self, ot_int(h, 42))));
    t = ot_build(h, "[~s, ~l, ~u, ~f, ~t]", "héllo", (int64_t)INT64_MIN, (uint64_t)UINT64_MAX, 2.5,
                 ot_atom("x"));
    cr_assert(ot_equal(t, ot_list(h, 5, ot_string(h, "héllo"), ot_int(h, INT64_MIN),
                                  ot_uint(h, UINT64_MAX), ot_float(h, 2.5), ot_atom("x"))));
    t = ot_build(h, "~b", "a\0b", (size_t)3);
    cr_assert(ot_equal(t, ot_binary(h, "a\0b", 3)));
    t = ot_build(h, "{'a~~b', \"~~\"}");
    cr_assert(ot_equal(t, ot_tuple(h, 2, ot_atom("a~b"), ot_charlist(h, "~"))));
    t = ot_build(h, "#{~a => ~i, count => ~i}", "k", -1, 2);
    ot_term k[2] = {ot_atom("k"), ot_atom("count")}, v[2] = {ot_int(h, -1), ot_int(h, 2)};
    cr_assert(ot_equal(t, ot_map(h, 2, k, v)));
    t = ot_build(h, "<<~i, ~i:16, ~s, ~b/binary, ~t/binary, ~f/float>>", 1, 2, "ab", "c", (size_t)1,
                 ot_binary(h, "d", 1), 1.5);
    cr_assert(ot_equal(t, ot_binary(h, "\x01\x00\x02" "abcd\x3f\xf8\0\0\0\0\0\0", 15)));
    t = ot_build(h, "[~i | ~t]", 1, ot_atom("tail"));
    cr_assert(ot_equal(t, ot_cons(h, ot_int(h, 1), ot_atom("tail"))));
    t = ot_build(h, "{~i,~i,~i,~i,~i,~i,~i,~i,~i,~i,~i,~i}", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
    cr_assert_eq(ot_tuple_arity(t), 12);
    cr_assert(ot_equal(ot_tuple_get(t, 11), ot_int(h, 12)));
}

static ot_term vbuild_helper(ot_heap *hh, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ot_term t = ot_vbuild(hh, fmt, ap);
    va_end(ap);
    return t;
}

Test(parse, vbuild)
{
    ot_term t = vbuild_helper(h, "{~a, ~i}", "x", 5);
    cr_assert(ot_equal(t, ot_tuple(h, 2, ot_atom("x"), ot_int(h, 5))));
}

Test(parse, build_errors)
{
    cr_assert_eq(ot_build(h, "{~a}", (const char *)NULL), OT_NONE);
    cr_assert_eq(ot_build(h, "{~a}", "\xff"), OT_NONE);
    cr_assert_eq(ot_build(h, "~f", NAN), OT_NONE);
    cr_assert_eq(ot_build(h, "~f", INFINITY), OT_NONE);
    cr_assert_eq(ot_build(h, "~t", OT_NONE), OT_NONE);
    cr_assert_eq(ot_build(h, "~q", 1), OT_NONE);
    cr_assert_eq(ot_build(h, "{a,", 1), OT_NONE);
    cr_assert_eq(ot_build(h, "\"~a\"", "x"), OT_NONE);
    cr_assert_eq(ot_build(h, "X"), OT_NONE);
    cr_assert_eq(ot_build(NULL, "a"), OT_NONE);
    cr_assert_eq(ot_build(h, NULL), OT_NONE);
    ot_parse_error ot__build_error(void);
    cr_assert_eq(ot_build(h, "{a, ~q}", 1), OT_NONE);
    ot_parse_error e = ot__build_error();
    cr_assert_eq(e.offset, 4);
    cr_assert_not_null(e.what);
}

/* ---------------------------------------------------------------- patterns */

Test(parse, patterns)
{
    ot_term t;
    cr_assert_eq(ot_parse(h, "{pong, From, _, _Rest, From}", 28, true, &t, NULL), 0);
    cr_assert_eq(ot_pattern_vars(t), 2);
    cr_assert_eq(ot_typeof(ot_tuple_get(t, 1)), OT_TYPE_VAR);
    cr_assert_eq(ot_typeof(ot_tuple_get(t, 2)), OT_TYPE_VAR);
    cr_assert_eq(ot_tuple_get(t, 1), ot_tuple_get(t, 4));
    cr_assert_neq(ot_tuple_get(t, 1), ot_tuple_get(t, 3));
    ot_term p = ot_pattern(h, "{~a, X, #{k := Y}}", "tag");
    cr_assert_neq(p, OT_NONE);
    cr_assert_eq(ot_pattern_vars(p), 2);
    /* variables only in patterns */
    ot_parse_error e;
    cr_assert_eq(ot_parse(h, "{a, X}", 6, false, &t, &e), -EINVAL);
    cr_assert_eq(e.offset, 4);
    cr_assert_eq(ot_parse(h, "_", 1, false, &t, &e), -EINVAL);
    /* map keys must be literal */
    cr_assert_eq(ot_parse(h, "#{X => 1}", 9, true, &t, &e), -EINVAL);
    cr_assert_eq(e.offset, 2);
    cr_assert_eq(ot_parse(h, "#{a => 1, {b, _} => 1}", 22, true, &t, &e), -EINVAL);
    cr_assert_eq(e.offset, 10);
    cr_assert_eq(ot_parse(h, "<<X:8>>", 7, true, &t, &e), -EINVAL);
}

/* ---------------------------------------------------------------- errors */

typedef struct bad {
    const char *text;
    size_t offset;
} bad;

Test(parse, errors_with_offsets)
{
    static const bad cases[] = {
        {"", 0},
        {"   ", 3},
        {"{", 1},
        {"{a", 2},
        {"{a,}", 3},
        {"{a b}", 3},
        {"[1,2", 4},
        {"[1|2,3]", 4},
        {"[1|]", 3},
        {"#{a}", 3},
        {"#{a => }", 7},
        {"#{a => 1", 8},
        {"#", 0},
        {"'abc", 0},
        {"\"abc", 0},
        {"<<1,2", 0},
        {"<<1 2>>", 4},
        {"<<a>>", 2},
        {"<<1/foo>>", 4},
        {"<<1:x>>", 4},
        {"16#", 3},
        {"37#1", 0},
        {"1#1", 0},
        {"2#102", 4},
        {"1e10", 1},
        {"1.e5", 1},
        {"1.5e999", 0},
        {"-a", 0},
        {"$", 0},
        {"a b", 2},
        {"{a}}", 3},
        {"~a", 0},
        {"<1.2.3>", 0},
        {"<0.1>", 0},
        {"#Ref<0>", 0},
        {"#Fun<a.b>", 0},
        {"'\\x{110000}'", 1},
        {"'\\xZZ'", 1},
        {"\"\\x{D800}\"", 1},
        {"{a, \xff}", 4},
        {"ok.", 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ot_term t = OT_NONE;
        ot_parse_error e = {999, NULL};
        int rc = ot_parse(h, cases[i].text, strlen(cases[i].text), false, &t, &e);
        cr_assert_eq(rc, -EINVAL, "%s: rc %d", cases[i].text, rc);
        cr_assert_not_null(e.what, "%s", cases[i].text);
        cr_assert_eq(e.offset, cases[i].offset, "%s: offset %zu (%s), want %zu", cases[i].text,
                     e.offset, e.what, cases[i].offset);
    }
    /* a 256-character atom is too long; 255 is fine */
    char atom[300];
    memset(atom, 'a', 256);
    ot_term t;
    ot_parse_error e;
    cr_assert_eq(ot_parse(h, atom, 256, false, &t, &e), -EINVAL);
    cr_assert_eq(ot_parse(h, atom, 255, false, &t, &e), 0);
    cr_assert_eq(ot_parse(NULL, "a", 1, false, &t, &e), -EINVAL);
}

Test(parse, allocation_failure)
{
    const char *texts[] = {"{a, [1,2,3], #{k => <<\"bytes\">>}, \"str\", 16#ffffffffffffffffffff, 1.5}",
                           "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"};
    for (size_t k = 0; k < 2; k++) {
        bool succeeded = false;
        for (long n = 0; n < 200 && !succeeded; n++) {
            ot_heap *hh = ot_heap_new();
            ot_test_fail_alloc_after(n, 0);
            ot_term t = OT_NONE;
            int rc = ot_parse(hh, texts[k], strlen(texts[k]), false, &t, NULL);
            ot_test_fail_alloc_after(-1, 0);
            cr_assert(rc == 0 || rc == -ENOMEM, "rc %d", rc);
            if (rc == 0) {
                ot_term want;
                cr_assert_eq(ot_parse(hh, texts[k], strlen(texts[k]), false, &want, NULL), 0);
                cr_assert(ot_equal(t, want));
                succeeded = true;
            }
            ot_heap_free(hh);
        }
        cr_assert(succeeded);
    }
}

/* ---------------------------------------------------------------- oracle */

/* Texts Erlang reads too; each is parsed by otter, written back as an
 * Erlang expression by the small writer below (not print.c), and Erlang
 * checks that its own reading of the text is =:= to otter's. */
static const char *oracle_texts[] = {
    "ok", "'hello world'", "'a\\'b\\\\c'", "'\\x{20AC}uro'", "node@host", "'é'", "émile",
    "0", "-7", "1_000", "16#ff", "-16#FF", "2#101", "36#zz", "$a", "$\\n", "$\\x{1F600}", "-$a",
    "123456789012345678901234567890", "-16#ffffffffffffffffffffffff", "1152921504606846976",
    "1.5", "-0.25", "6.02e23", "1.0E-9", "0.1", "1.7976931348623157e308", "4.9406564584124654e-324",
    "\"\"", "\"abc\"", "\"a\\\"b\\n\\t\\s\\e\\d\\^a\"", "\"héllo €\"", "\"ab\" \"cd\"", "\"\\101\\x41\"",
    "<<>>", "<<\"bytes\">>", "<<1,2,3>>", "<<\"é\"/utf8>>", "<<\"é\">>", "<<\"€\"/utf16>>",
    "<<$a/utf32-little>>", "<<300:16>>", "<<300:16/little>>", "<<-1:12>>", "<<1:4,2:4>>",
    "<<5:3>>", "<<300>>", "<<1.5/float>>", "<<1.5:32/float>>", "<<\"ab\":16>>",
    "<<16#10000000000000001:72>>", "<<-2:72>>", "<<-1:64/little>>", "<<\"é\"/utf8, 0:1>>",
    "{}", "{a, 1}", "{{}, {{}}}", "[]", "[1, 2]", "[1 | 2]", "[1, 2 | [3]]", "[[] | []]",
    "#{}", "#{a => 1, 1 => x}", "#{1 => y, a => 1, 1 => x}", "#{2 => a, 1.0 => b, 0.5 => c}",
    "#{#{} => [], {k} => #{x => y}}", "[a | #{}]", "{[\"s\"], <<\"b\">>, 'A'}",
};

Test(parse, oracle_erlang_reads_alike)
{
    size_t n = sizeof oracle_texts / sizeof oracle_texts[0];
    tu_text in = {0};
    for (size_t i = 0; i < n; i++) {
        ot_term t = P(oracle_texts[i]);
        tu_puts(&in, oracle_texts[i]);
        tu_puts(&in, "\t");
        tu_erlang_term(&in, t);
        tu_puts(&in, "\n");
    }
    /* and a sanity line that must come out 0, so a broken oracle shows */
    tu_puts(&in, "{a}\t{b}\n");
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "escript '%s'", tu_source_path("tests/oracle/order_same.erl"));
    size_t len;
    int status;
    char *out = tu_run(cmd, in.d, in.n, &len, &status);
    cr_assert_eq(status, 0, "oracle: %s", out);
    cr_assert_geq(len, n + 1);
    for (size_t i = 0; i < n; i++)
        cr_expect_eq(out[i], '1', "%s: Erlang reads it differently (%c)", oracle_texts[i], out[i]);
    cr_assert_eq(out[n], '0');
    free(out);
    free(in.d);
}

/* ---------------------------------------------------------------- print */

/* Round trip through the printer once print.c is in: random terms printed
 * in Erlang syntax parse back to =:= terms. */
static ot_term gen(ot_heap *hh, uint64_t *rng, int depth)
{
    uint64_t r = tu_rng(rng);
    if (depth <= 0 || r % 3 == 0) {
        switch (tu_rng(rng) % 8) {
        case 0: return ot_int(hh, (int64_t)tu_rng(rng));
        case 1: {
            double d;
            uint64_t bits = tu_rng(rng);
            memcpy(&d, &bits, sizeof d);
            return isfinite(d) ? ot_float(hh, d) : ot_float(hh, 1.0 / 3);
        }
        case 2: {
            static const char *atoms[] = {"ok", "Hello", "with space", "é", "'q'", "a@b", "", "end", "\n"};
            return ot_atom(atoms[tu_rng(rng) % 9]);
        }
        case 3: {
            uint8_t b[5];
            size_t nb = 1 + tu_rng(rng) % 4;
            for (size_t i = 0; i < nb; i++)
                b[i] = (uint8_t)tu_rng(rng);
            return ot_bitstring(hh, b, 8 * nb + (nb && tu_rng(rng) % 4 == 0 ? 3 : 0));
        }
        case 4: return ot_string(hh, "text \"q\" é");
        case 5: {
            uint64_t l[3] = {tu_rng(rng), tu_rng(rng), tu_rng(rng)};
            return ot_bigint(hh, tu_rng(rng) & 1, l, 3);
        }
        case 6: return ot_pid(hh, ot__local_node(), (uint32_t)(tu_rng(rng) % 1000), 0, ot__local_creation());
        default: return OT_NIL;
        }
    }
    ot_term el[4], vals[4];
    size_t n = tu_rng(rng) % 4;
    for (size_t i = 0; i < n; i++)
        el[i] = gen(hh, rng, depth - 1);
    switch (r % 4) {
    case 0: return ot_tuplev(hh, n, el);
    case 1: return ot_listv(hh, n, el);
    case 2: return n ? ot_cons(hh, el[0], gen(hh, rng, 0)) : ot_charlist(hh, "chars");
    default:
        for (size_t i = 0; i < n; i++)
            vals[i] = gen(hh, rng, depth - 1);
        return ot_map(hh, n, el, vals);
    }
}

Test(parse, round_trip_through_printer)
{
    ot_print_opts erl = {OT_SYNTAX_ERLANG, 0, OT_NONE};
    uint64_t rng = 7;
    for (int i = 0; i < 2000; i++) {
        ot_term t = gen(h, &rng, 4);
        char *s = ot_inspect(t, &erl);
        cr_assert_not_null(s);
        ot_term back = OT_NONE;
        ot_parse_error e = {0, NULL};
        int rc = ot_parse(h, s, strlen(s), false, &back, &e);
        cr_assert_eq(rc, 0, "%s: at %zu %s", s, e.offset, e.what);
        cr_assert(ot_equal(t, back), "round trip of %s", s);
        free(s);
    }
}
