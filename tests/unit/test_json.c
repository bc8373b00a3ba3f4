/* test_json.c — ot_to_json and ot_from_json. Output is read back by
 * jansson and by Node.js (JSON.parse) and compared structurally with
 * hand-written expected JSON; floats must read back bit for bit. */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
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
TestSuite(json, .init = setup, .fini = teardown);

typedef struct jcase {
    ot_term t;
    const char *want;   /* expected JSON, written by hand */
} jcase;

static size_t cases(jcase *c)
{
    size_t n = 0;
    ot_term node = ot__local_node();
    uint32_t ids[3] = {3, 2, 1};
    ot_term k1[3] = {ot_atom("a"), ot_binary(h, "b", 1), ot_int(h, 1)};
    ot_term v1[3] = {ot_int(h, 1), ot_atom("x"), OT_NIL};
    ot_term k2[2] = {ot_tuple(h, 2, ot_atom("a"), ot_int(h, 1)), ot_binary(h, "\xff", 1)};
    ot_term v2[2] = {ot_atom("true"), ot_atom("nil")};
    uint64_t big[2] = {0, 1};
    c[n++] = (jcase){ot_atom("true"), "true"};
    c[n++] = (jcase){ot_atom("false"), "false"};
    c[n++] = (jcase){ot_atom("nil"), "null"};
    c[n++] = (jcase){ot_atom("ok"), "\"ok\""};
    c[n++] = (jcase){ot_atom("h\xc3\xa9"), "\"h\\u00e9\""};
    c[n++] = (jcase){ot_int(h, 42), "42"};
    c[n++] = (jcase){ot_int(h, -7), "-7"};
    c[n++] = (jcase){ot_int(h, INT64_MAX), "9223372036854775807"};
    c[n++] = (jcase){ot_int(h, INT64_MIN), "-9223372036854775808"};
    c[n++] = (jcase){ot_uint(h, UINT64_MAX), "\"18446744073709551615\""};
    c[n++] = (jcase){ot_bigint(h, true, big, 2), "\"-18446744073709551616\""};
    c[n++] = (jcase){ot_float(h, 1.5), "1.5"};
    c[n++] = (jcase){ot_float(h, 0.1), "0.1"};
    c[n++] = (jcase){ot_float(h, 1.0), "1.0"};
    c[n++] = (jcase){ot_float(h, -2.5e-300), "-2.5e-300"};
    c[n++] = (jcase){ot_string(h, "h\xc3\xa9llo \"q\"\n"), "\"h\\u00e9llo \\\"q\\\"\\n\""};
    c[n++] = (jcase){ot_binary(h, "a\0b", 3), "\"a\\u0000b\""};
    c[n++] = (jcase){ot_binary(h, "", 0), "\"\""};
    c[n++] = (jcase){ot_binary(h, "\xff\x01", 2), "\"<<255, 1>>\""};
    c[n++] = (jcase){ot_bitstring(h, "\xa0", 3), "\"<<5::size(3)>>\""};
    c[n++] = (jcase){OT_NIL, "[]"};
    c[n++] = (jcase){ot_list(h, 3, ot_int(h, 1), ot_atom("a"), OT_NIL), "[1, \"a\", []]"};
    c[n++] = (jcase){ot_charlist(h, "hi"), "[104, 105]"};
    c[n++] = (jcase){ot_cons(h, ot_int(h, 1), ot_cons(h, ot_int(h, 2), ot_atom("t"))), "[1, 2, \"t\"]"};
    c[n++] = (jcase){ot_tuple(h, 0), "[]"};
    c[n++] = (jcase){ot_tuple(h, 2, ot_atom("ok"), ot_float(h, 2.0)), "[\"ok\", 2.0]"};
    c[n++] = (jcase){ot_map(h, 0, NULL, NULL), "{}"};
    c[n++] = (jcase){ot_map(h, 3, k1, v1), "{\"1\": [], \"a\": 1, \"b\": \"x\"}"};
    c[n++] = (jcase){ot_map(h, 2, k2, v2), "{\"{:a, 1}\": true, \"<<255>>\": null}"};
    c[n++] = (jcase){ot_pid(h, node, 84, 0, ot__local_creation()), "\"#PID<0.84.0>\""};
    c[n++] = (jcase){ot_ref(h, node, ot__local_creation(), ids, 3), "\"#Reference<0.1.2.3>\""};
    c[n++] = (jcase){ot_port(h, node, 5, ot__local_creation()), "\"#Port<0.5>\""};
    c[n++] = (jcase){ot_tuple(h, 1, ot_map(h, 1, (ot_term[]){ot_atom("k")}, (ot_term[]){ot_list(h, 1, ot_tuple(h, 0))})),
                     "[{\"k\": [[]]}]"};
    return n;
}

Test(json, cases_read_back_by_jansson)
{
    jcase c[64];
    size_t n = cases(c);
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        char *s = ot_to_json(c[i].t, &len);
        cr_assert_not_null(s, "case %zu", i);
        cr_assert_eq(len, strlen(s));
        json_error_t e;
        json_t *got = json_loads(s, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
        json_t *want = json_loads(c[i].want, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
        cr_assert_not_null(got, "case %zu: %s is not JSON", i, s);
        cr_assert_not_null(want, "case %zu: expected text", i);
        cr_expect(json_equal(got, want), "case %zu: got %s, want %s", i, s, c[i].want);
        json_decref(got);
        json_decref(want);
        free(s);
    }
}

Test(json, cases_read_back_by_node)
{
    jcase c[64];
    size_t n = cases(c);
    size_t cap = 1 << 16, len = 0;
    char *in = malloc(cap);
    for (size_t i = 0; i < n; i++) {
        char *s = ot_to_json(c[i].t, NULL);
        cr_assert_not_null(s);
        len += (size_t)snprintf(in + len, cap - len, "%s\t%s\n", s, c[i].want);
        free(s);
    }
    const char *js =
        "node -e '"
        "const u=require(\"util\");"
        "const lines=require(\"fs\").readFileSync(0,\"utf8\").split(\"\\n\").filter(l=>l);"
        "process.stdout.write(lines.map(l=>{const [a,b]=l.split(\"\\t\");"
        "return u.isDeepStrictEqual(JSON.parse(a),JSON.parse(b))?\"1\":\"0\"}).join(\"\"))'";
    size_t outlen;
    int status;
    char *out = tu_run(js, in, len, &outlen, &status);
    cr_assert_eq(status, 0, "node failed: %s", out);
    cr_assert_eq(outlen, n, "node output: %s", out);
    for (size_t i = 0; i < n; i++)
        cr_expect_eq(out[i], '1', "case %zu (%s) differs for Node.js", i, c[i].want);
    free(out);
    free(in);
}

Test(json, floats_round_trip)
{
    /* random doubles: written once as an array, read back by jansson here
     * and by Node.js, which echoes each value with JS's shortest form */
    uint64_t rng = 5;
    enum { N = 2000 };
    double d[N];
    ot_term el[N];
    for (int i = 0; i < N; i++) {
        uint64_t bits = tu_rng(&rng);
        if (i % 3 == 0)
            bits = (bits & 0x800fffffffffffffULL) | ((uint64_t)(1023 + (int)(tu_rng(&rng) % 40) - 20) << 52);
        memcpy(&d[i], &bits, sizeof d[i]);
        if (!isfinite(d[i]))
            d[i] = (double)i / 7.0;
        el[i] = ot_float(h, d[i]);
    }
    char *s = ot_to_json(ot_listv(h, N, el), NULL);
    cr_assert_not_null(s);
    json_error_t e;
    json_t *a = json_loads(s, 0, &e);
    cr_assert_not_null(a);
    for (int i = 0; i < N; i++) {
        json_t *x = json_array_get(a, (size_t)i);
        cr_assert(json_is_real(x), "element %d is not a real", i);
        cr_assert_eq(json_real_value(x), d[i], "element %d: %.17g", i, d[i]);
    }
    json_decref(a);
    size_t outlen;
    int status;
    char *out = tu_run("node -e 'const a=JSON.parse(require(\"fs\").readFileSync(0,\"utf8\"));"
                       "process.stdout.write(a.map(String).join(\"\\n\"))'",
                       s, strlen(s), &outlen, &status);
    cr_assert_eq(status, 0);
    char *p = out;
    for (int i = 0; i < N; i++) {
        char *end;
        double v = strtod(p, &end);
        cr_assert_neq(end, p, "node output ends at %d", i);
        cr_assert_eq(v, d[i], "element %d: node read %.17g, want %.17g", i, v, d[i]);
        p = *end ? end + 1 : end;
    }
    free(out);
    free(s);
    /* the shortest form when every float allows it */
    s = ot_to_json(ot_list(h, 3, ot_float(h, 0.1), ot_float(h, 0.2), ot_float(h, 100.0)), NULL);
    cr_assert_str_eq(s, "[0.1,0.2,100.0]");
    free(s);
}

Test(json, to_json_edge_cases)
{
    cr_assert_null(ot_to_json(OT_NONE, NULL));
    /* a long list is fine */
    ot_term l = OT_NIL;
    for (int i = 0; i < 100000; i++)
        l = ot_cons(h, ot_int(h, i % 10), l);
    char *s = ot_to_json(l, NULL);
    cr_assert_not_null(s);
    cr_assert_eq(strlen(s), 2 * 100000 + 1);
    free(s);
    /* key collision: the atom a and the binary "a"; the binary (later in
     * map order) wins */
    ot_term k[2] = {ot_atom("a"), ot_binary(h, "a", 1)}, v[2] = {ot_int(h, 1), ot_int(h, 2)};
    s = ot_to_json(ot_map(h, 2, k, v), NULL);
    cr_assert_str_eq(s, "{\"a\":2}");
    free(s);
    /* compact, keys in map order (numbers, atoms, binaries) */
    ot_term k1[3] = {ot_binary(h, "b", 1), ot_atom("a"), ot_int(h, 1)};
    ot_term v1[3] = {ot_atom("x"), ot_int(h, 1), OT_NIL};
    s = ot_to_json(ot_map(h, 3, k1, v1), NULL);
    cr_assert_str_eq(s, "{\"1\":[],\"a\":1,\"b\":\"x\"}");
    free(s);
}

Test(json, from_json)
{
    const char *text = "{\"a\": [1, -2.5, \"s\", true, false, null, {}, []], \"b\": 1e2,"
                       " \"a\": 7, \"big\": 9223372036854775807}";
    ot_term t;
    ot_parse_error e;
    cr_assert_eq(ot_from_json(h, text, strlen(text), &t, &e), 0);
    cr_assert(ot_is_map(t));
    cr_assert_eq(ot_map_size(t), 3);
    cr_assert(ot_equal(ot_map_get(t, ot_binary(h, "a", 1)), ot_int(h, 7))); /* last wins */
    cr_assert(ot_equal(ot_map_get(t, ot_binary(h, "b", 1)), ot_float(h, 100.0)));
    cr_assert(ot_equal(ot_map_get(t, ot_binary(h, "big", 3)), ot_int(h, INT64_MAX)));
    const char *t2 = "[1, -2.5, \"s\\u00e9\", true, false, null, {}, []]";
    cr_assert_eq(ot_from_json(h, t2, strlen(t2), &t, &e), 0);
    ot_term want = ot_list(h, 8, ot_int(h, 1), ot_float(h, -2.5), ot_string(h, "s\xc3\xa9"),
                           ot_atom("true"), ot_atom("false"), ot_atom("nil"), ot_map(h, 0, NULL, NULL),
                           OT_NIL);
    cr_assert(ot_equal(t, want));
    cr_assert_eq(ot_from_json(h, "\"x\"", 3, &t, &e), 0);
    cr_assert(ot_equal(t, ot_binary(h, "x", 1)));
    cr_assert_eq(ot_from_json(h, "3", 1, &t, &e), 0);
    cr_assert(ot_equal(t, ot_int(h, 3)));
    /* round trip of representable terms */
    ot_term k[2] = {ot_binary(h, "x", 1), ot_binary(h, "y", 1)};
    ot_term v[2] = {ot_list(h, 2, ot_int(h, 1), ot_float(h, 0.1)), ot_atom("nil")};
    ot_term m = ot_map(h, 2, k, v);
    char *s = ot_to_json(m, NULL);
    cr_assert_eq(ot_from_json(h, s, strlen(s), &t, &e), 0);
    cr_assert(ot_equal(t, m));
    free(s);
}

Test(json, from_json_malformed)
{
    static const struct {
        const char *text;
        size_t offset_min, offset_max;
    } bad[] = {
        {"", 0, 0},
        {"{", 1, 1},
        {"[1,]", 3, 4},
        {"{\"a\" 1}", 5, 6},
        {"[1] x", 4, 5},
        {"\"\xff\"", 0, 2},
        {"99999999999999999999", 0, 20},
        {"nul", 0, 3},
        {"[\"a\\q\"]", 1, 5},
        {"{\"b\\u0000\": 1}", 0, 10}, /* jansson: no NUL in object keys */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ot_term t = OT_NONE;
        ot_parse_error e = {999, NULL};
        int rc = ot_from_json(h, bad[i].text, strlen(bad[i].text), &t, &e);
        cr_assert_eq(rc, -EINVAL, "%s: %d", bad[i].text, rc);
        cr_assert_not_null(e.what);
        cr_assert(e.offset >= bad[i].offset_min && e.offset <= bad[i].offset_max,
                  "%s: offset %zu (%s)", bad[i].text, e.offset, e.what);
    }
    /* deeper than jansson's 2048 levels */
    char deep[5000];
    memset(deep, '[', 2100);
    memset(deep + 2100, ']', 2100);
    ot_term t;
    ot_parse_error e;
    cr_assert_eq(ot_from_json(h, deep, 4200, &t, &e), -EINVAL);
    cr_assert_eq(ot_from_json(NULL, "1", 1, &t, &e), -EINVAL);
}

Test(json, from_json_allocation_failure)
{
    const char *text = "{\"a\": [1, 2.5, \"s\"], \"b\": {\"c\": [[], {}]}}";
    bool ok = false;
    for (long n = 0; n < 100 && !ok; n++) {
        ot_heap *hh = ot_heap_new();
        ot_test_fail_alloc_after(n, 0);
        ot_term t;
        int rc = ot_from_json(hh, text, strlen(text), &t, NULL);
        ot_test_fail_alloc_after(-1, 0);
        cr_assert(rc == 0 || rc == -ENOMEM, "rc %d", rc);
        ok = rc == 0;
        ot_heap_free(hh);
    }
    cr_assert(ok);
}
