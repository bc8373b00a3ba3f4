/* test_ext.c — the external term format: every tag, every encoding
 * boundary, malformed and truncated input, limits, allocation failure.
 *
 * Expected bytes here were taken from OTP 25's term_to_binary/1 and
 * binary_to_term/1 by hand (erl -noshell), not from otter. The large-scale
 * comparison with a live BEAM is test_ext_oracle.c. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "otter/term.h"
#include "testutil.h"

#define B(...) ((const uint8_t[]){ __VA_ARGS__ }), sizeof((const uint8_t[]){ __VA_ARGS__ })
#define NONODE 100, 0, 13, 'n', 'o', 'n', 'o', 'd', 'e', '@', 'n', 'o', 'h', 'o', 's', 't'
#define AFOO 100, 0, 5, 'a', '@', 'f', 'o', 'o'

static ot_heap *h;
static void setup(void) { h = ot_heap_new(); }
static void teardown(void) { ot_heap_free(h); }

TestSuite(ext, .init = setup, .fini = teardown);

/* ---------------------------------------------------------------- helpers */

static void expect_encoding(ot_term t, int flags, const uint8_t *want, size_t n, const char *what)
{
    uint8_t *got = NULL;
    ssize_t len = ot_encode_alloc(t, &got, flags);
    cr_assert(len > 0, "%s: encode failed (%zd)", what, len);
    cr_expect(ot_encoded_size(t, flags) == len, "%s: ot_encoded_size %zd vs %zd", what,
              ot_encoded_size(t, flags), len);
    char *gh = tu_hex(got, (size_t)len), *wh = tu_hex(want, n);
    cr_expect((size_t)len == n && memcmp(got, want, n) == 0, "%s:\n  got  %.600s\n  want %.600s",
              what, gh, wh);
    /* And back: the bytes decode to an equal term. */
    ot_term back;
    ot_decode_error err;
    ssize_t r = ot_decode(h, want, n, NULL, &back, &err);
    cr_expect(r == (ssize_t)n, "%s: decode gave %zd (%s)", what, r, r < 0 ? err.what : "");
    if (r == (ssize_t)n)
        cr_expect(ot_equal(back, t), "%s: decodes to a different term", what);
    free(gh);
    free(wh);
    free(got);
}

#define ENC(t, flags, what, ...) expect_encoding((t), (flags), B(__VA_ARGS__), (what))

static ot_term decode_ok(const uint8_t *buf, size_t n)
{
    ot_term t = OT_NONE;
    ot_decode_error err = { 0, NULL };
    ssize_t r = ot_decode(h, buf, n, NULL, &t, &err);
    cr_assert(r == (ssize_t)n, "decode gave %zd (%s at %zu)", r, err.what ? err.what : "",
              err.offset);
    return t;
}

static void expect_fail(const uint8_t *buf, size_t n, const ot_decode_opts *o, int rc,
                        size_t offset, const char *what_part, int line)
{
    ot_term t = OT_NONE;
    ot_decode_error err = { 999, NULL };
    size_t before = ot_heap_bytes(h);
    ssize_t r = ot_decode(h, buf, n, o, &t, &err);
    cr_expect(r == rc, "line %d: decode gave %zd, want %d (%s)", line, r, rc,
              err.what ? err.what : "");
    cr_expect(err.offset == offset, "line %d: offset %zu, want %zu (%s)", line, err.offset, offset,
              err.what ? err.what : "");
    cr_expect(err.what && strstr(err.what, what_part), "line %d: what '%s', want '%s'", line,
              err.what ? err.what : "(null)", what_part);
    cr_expect(t == OT_NONE, "line %d: *out written on failure", line);
    cr_expect(ot_heap_bytes(h) == before, "line %d: heap grew on failure", line);
}

#define FAIL(rc, off, what, ...) expect_fail(B(__VA_ARGS__), NULL, (rc), (off), (what), __LINE__)

static ot_term big_pow2(unsigned bit, bool neg)
{
    uint64_t limbs[200] = { 0 };
    limbs[bit / 64] = UINT64_C(1) << (bit % 64);
    return ot_bigint(h, neg, limbs, bit / 64 + 1);
}

/* ---------------------------------------------------------------- integers */

Test(ext, integer_boundaries)
{
    ENC(ot_int(h, 0), 0, "0", 131, 97, 0);
    ENC(ot_int(h, 255), 0, "255", 131, 97, 255);
    ENC(ot_int(h, 256), 0, "256", 131, 98, 0, 0, 1, 0);
    ENC(ot_int(h, -1), 0, "-1", 131, 98, 255, 255, 255, 255);
    ENC(ot_int(h, INT32_MAX), 0, "2^31-1", 131, 98, 127, 255, 255, 255);
    ENC(ot_int(h, INT32_MIN), 0, "-2^31", 131, 98, 128, 0, 0, 0);
    ENC(ot_int(h, (int64_t)INT32_MAX + 1), 0, "2^31", 131, 110, 4, 0, 0, 0, 0, 128);
    ENC(ot_int(h, (int64_t)INT32_MIN - 1), 0, "-2^31-1", 131, 110, 4, 1, 1, 0, 0, 128);
    ENC(ot_int(h, INT64_C(1) << 59), 0, "2^59", 131, 110, 8, 0, 0, 0, 0, 0, 0, 0, 0, 8);
    ENC(ot_int(h, (INT64_C(1) << 60) - 1), 0, "2^60-1", 131, 110, 8, 0, 255, 255, 255, 255, 255,
        255, 255, 15);
    ENC(ot_int(h, INT64_C(1) << 60), 0, "2^60", 131, 110, 8, 0, 0, 0, 0, 0, 0, 0, 0, 16);
    ENC(ot_int(h, -(INT64_C(1) << 60)), 0, "-2^60", 131, 110, 8, 1, 0, 0, 0, 0, 0, 0, 0, 16);
    ENC(ot_int(h, -(INT64_C(1) << 60) - 1), 0, "-2^60-1", 131, 110, 8, 1, 1, 0, 0, 0, 0, 0, 0, 16);
    ENC(ot_int(h, INT64_MIN), 0, "-2^63", 131, 110, 8, 1, 0, 0, 0, 0, 0, 0, 0, 128);
    ENC(ot_uint(h, UINT64_MAX), 0, "2^64-1", 131, 110, 8, 0, 255, 255, 255, 255, 255, 255, 255,
        255);
    ENC(big_pow2(64, false), 0, "2^64", 131, 110, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
    ENC(big_pow2(64, true), 0, "-2^64", 131, 110, 9, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1);

    /* 2^2032 has 255 magnitude bytes: SMALL_BIG_EXT; 2^2040 has 256. */
    uint8_t want[300] = { 131, 110, 255, 0 };
    want[4 + 254] = 1;
    expect_encoding(big_pow2(2032, false), 0, want, 4 + 255, "2^2032");
    memset(want, 0, sizeof want);
    memcpy(want, (uint8_t[]){ 131, 111, 0, 0, 1, 0, 1 }, 7);
    want[7 + 255] = 1;
    expect_encoding(big_pow2(2040, true), 0, want, 7 + 256, "-2^2040");
}

Test(ext, integer_normalisation)
{
    /* Non-minimal forms decode to the same (small) integer, as in BEAM. */
    cr_expect(decode_ok(B(131, 110, 2, 0, 5, 0)) == ot_int(h, 5));
    cr_expect(decode_ok(B(131, 110, 1, 1, 0)) == ot_int(h, 0));
    cr_expect(decode_ok(B(131, 110, 0, 0)) == ot_int(h, 0));
    cr_expect(decode_ok(B(131, 110, 1, 2, 5)) == ot_int(h, -5)); /* any non-zero sign */
    cr_expect(decode_ok(B(131, 111, 0, 0, 0, 1, 0, 5)) == ot_int(h, 5));
    cr_expect(decode_ok(B(131, 98, 0, 0, 0, 7)) == ot_int(h, 7));
    /* The edges of otter's immediate integers. */
    ot_term t = decode_ok(B(131, 110, 10, 0, 255, 255, 255, 255, 255, 255, 255, 15, 0, 0));
    cr_expect(ot_equal(t, ot_int(h, (INT64_C(1) << 60) - 1)));
    t = decode_ok(B(131, 110, 8, 1, 0, 0, 0, 0, 0, 0, 0, 16));
    cr_expect(t == ot_int(h, -(INT64_C(1) << 60)), "-2^60 is an immediate");
    t = decode_ok(B(131, 110, 8, 0, 0, 0, 0, 0, 0, 0, 0, 16));
    cr_expect(ot_equal(t, big_pow2(60, false)));
    t = decode_ok(B(131, 110, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0));
    cr_expect(ot_equal(t, big_pow2(64, false)), "high zero bytes dropped");
}

/* ---------------------------------------------------------------- atoms */

Test(ext, atoms)
{
    ENC(ot_atom("a"), 0, "a", 131, 100, 0, 1, 'a');
    ENC(ot_atom("a"), OT_ENCODE_UTF8_ATOMS, "a utf8", 131, 119, 1, 'a');
    ENC(ot_atom(""), 0, "empty", 131, 100, 0, 0);
    ENC(ot_atom(""), OT_ENCODE_UTF8_ATOMS, "empty utf8", 131, 119, 0);
    ENC(ot_atom("é"), 0, "é", 131, 100, 0, 1, 0xe9);
    ENC(ot_atom("é"), OT_ENCODE_UTF8_ATOMS, "é utf8", 131, 119, 2, 0xc3, 0xa9);
    ENC(ot_atom("ĉ"), 0, "ĉ", 131, 119, 2, 0xc4, 0x89);
    ENC(ot_atom("ÿĉ"), 0, "ÿĉ", 131, 119, 4, 0xc3, 0xbf, 0xc4, 0x89);

    /* 255 characters: Latin-1 in 255 bytes, or UTF-8 over 255 bytes. */
    char text[1100];
    uint8_t want[1100];
    memset(text, 'a', 255);
    text[255] = 0;
    memcpy(want, (uint8_t[]){ 131, 100, 0, 255 }, 4);
    memset(want + 4, 'a', 255);
    expect_encoding(ot_atom(text), 0, want, 259, "255 a");
    memcpy(want, (uint8_t[]){ 131, 119, 255 }, 3);
    memset(want + 3, 'a', 255);
    expect_encoding(ot_atom(text), OT_ENCODE_UTF8_ATOMS, want, 258, "255 a utf8");
    for (int i = 0; i < 255; i++)
        memcpy(text + 2 * i, "é", 2);
    text[510] = 0;
    memcpy(want, (uint8_t[]){ 131, 100, 0, 255 }, 4);
    memset(want + 4, 0xe9, 255);
    expect_encoding(ot_atom(text), 0, want, 259, "255 é");
    memcpy(want, (uint8_t[]){ 131, 118, 1, 254 }, 4);
    for (int i = 0; i < 255; i++)
        memcpy(want + 4 + 2 * i, "é", 2);
    expect_encoding(ot_atom(text), OT_ENCODE_UTF8_ATOMS, want, 514, "255 é utf8");
    for (int i = 0; i < 255; i++)
        memcpy(text + 4 * i, "🦦", 4);
    text[1020] = 0;
    memcpy(want, (uint8_t[]){ 131, 118, 3, 252 }, 4);
    memcpy(want + 4, text, 1020);
    expect_encoding(ot_atom(text), 0, want, 1024, "255 otters");

    /* Old and Latin-1 forms decode to the same atoms. */
    cr_expect(decode_ok(B(131, 115, 3, 'a', 'b', 'c')) == ot_atom("abc"));
    cr_expect(decode_ok(B(131, 115, 1, 0xe9)) == ot_atom("é"));
    cr_expect(decode_ok(B(131, 118, 0, 2, 0xc3, 0xa9)) == ot_atom("é"));
}

Test(ext, atom_errors)
{
    FAIL(-EBADMSG, 1, "UTF-8", 131, 118, 0, 2, 0xc3, 0x28);
    FAIL(-EBADMSG, 1, "UTF-8", 131, 119, 4, 0xed, 0xa0, 0x80, 'a'); /* surrogate */
    FAIL(-EBADMSG, 1, "UTF-8", 131, 119, 4, 0xf4, 0x90, 0x80, 0x80);
    FAIL(-EBADMSG, 1, "UTF-8", 131, 119, 2, 0xc0, 0x80);             /* overlong */
    FAIL(-EBADMSG, 4, "expected an atom", 131, 104, 1, 88, 97, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0);

    uint8_t buf[600] = { 131, 100, 1, 0 };
    memset(buf + 4, 'x', 256);
    expect_fail(buf, 260, NULL, -EBADMSG, 1, "255 characters", __LINE__);
    buf[1] = 118;
    buf[2] = 2;
    buf[3] = 0;
    for (int i = 0; i < 256; i++)
        memcpy(buf + 4 + 2 * i, "é", 2);
    expect_fail(buf, 516, NULL, -EBADMSG, 1, "255 characters", __LINE__);

    ot_decode_opts o = { .no_new_atoms = true };
    expect_fail(B(131, 119, 6, 'z', 'q', 'x', 'j', 'k', 'w'), &o, -ENOENT, 1, "unknown atom",
                __LINE__);
    ot_term t;
    cr_expect(ot_decode(h, B(131, 119, 2, 'o', 'k'), &o, &t, NULL) == 5 && t == OT_ATOM(OK));
}

/* ---------------------------------------------------------------- floats */

Test(ext, floats)
{
    ENC(ot_float(h, 1.5), 0, "1.5", 131, 70, 63, 248, 0, 0, 0, 0, 0, 0);
    ENC(ot_float(h, -0.0), 0, "-0.0", 131, 70, 128, 0, 0, 0, 0, 0, 0, 0);
    ENC(ot_float(h, 5e-324), 0, "denormal", 131, 70, 0, 0, 0, 0, 0, 0, 0, 1);
    FAIL(-EBADMSG, 1, "not finite", 131, 70, 127, 240, 0, 0, 0, 0, 0, 0);
    FAIL(-EBADMSG, 1, "not finite", 131, 70, 255, 248, 0, 0, 0, 0, 0, 0);

    /* FLOAT_EXT: 31 bytes of text, as BEAM's parser takes them. */
    static const struct { const char *text; double v; bool ok; } cases[] = {
        { "1.50000000000000000000e+00", 1.5, true }, { "1.5", 1.5, true },
        { "-0.0", -0.0, true }, { "1.5E3", 1500, true }, { "+1.5", 1.5, true },
        { "1,5", 1.5, true }, { "00001.5", 1.5, true }, { "1.0e-320", 1.0e-320, true },
        { "1", 0, false }, { ".5", 0, false }, { "5.", 0, false }, { "1.5e", 0, false },
        { " 1.5", 0, false }, { "1.5 ", 0, false }, { "1.5x", 0, false }, { "inf", 0, false },
        { "nan", 0, false }, { "1e400", 0, false }, { "1.0e400", 0, false }, { "", 0, false },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t buf[33] = { 131, 99 };
        memcpy(buf + 2, cases[i].text, strlen(cases[i].text));
        ot_term t;
        ot_decode_error err = { 0, NULL };
        ssize_t r = ot_decode(h, buf, sizeof buf, NULL, &t, &err);
        if (cases[i].ok) {
            double v;
            cr_expect(r == 33 && ot_get_double(t, &v) == 0 && memcmp(&v, &cases[i].v, 8) == 0,
                      "FLOAT_EXT '%s'", cases[i].text);
        } else {
            cr_expect(r == -EBADMSG && err.offset == 1, "FLOAT_EXT '%s' gave %zd", cases[i].text,
                      r);
        }
    }
    /* Bytes after the first NUL are ignored. */
    uint8_t buf[33] = { 131, 99, '1', '.', '5', 0, 'x', 'y' };
    double v;
    cr_expect(ot_get_double(decode_ok(buf, 33), &v) == 0 && v == 1.5);
}

/* ---------------------------------------------------------------- lists */

Test(ext, lists_and_strings)
{
    ENC(OT_NIL, 0, "[]", 131, 106);
    ENC(ot_list(h, 2, ot_int(h, 1), ot_int(h, 2)), 0, "[1,2]", 131, 107, 0, 2, 1, 2);
    ENC(ot_list(h, 1, ot_int(h, 256)), 0, "[256]", 131, 108, 0, 0, 0, 1, 98, 0, 0, 1, 0, 106);
    ENC(ot_list(h, 1, ot_int(h, -1)), 0, "[-1]", 131, 108, 0, 0, 0, 1, 98, 255, 255, 255, 255, 106);
    ENC(ot_cons(h, ot_int(h, 1), ot_cons(h, ot_int(h, 2), ot_int(h, 3))), 0, "[1,2|3]", 131, 108,
        0, 0, 0, 2, 97, 1, 97, 2, 97, 3);
    ENC(ot_cons(h, OT_NIL, OT_NIL), 0, "[[]]", 131, 108, 0, 0, 0, 1, 106, 106);
    ENC(ot_cons(h, ot_int(h, 1), ot_string(h, "b")), 0, "[1|<<\"b\">>]", 131, 108, 0, 0, 0, 1,
        97, 1, 109, 0, 0, 0, 1, 'b');

    /* 65535 bytes is STRING_EXT's longest; one more is a LIST_EXT. */
    ot_term l = OT_NIL;
    for (int i = 0; i < 65535; i++)
        l = ot_cons(h, ot_int(h, 1), l);
    uint8_t *enc;
    ssize_t n = ot_encode_alloc(l, &enc, 0);
    cr_assert(n == 4 + 65535);
    cr_expect(enc[1] == 107 && enc[2] == 255 && enc[3] == 255);
    free(enc);
    l = ot_cons(h, ot_int(h, 1), l);
    n = ot_encode_alloc(l, &enc, 0);
    cr_assert(n == 6 + 2 * 65536 + 1);
    cr_expect(memcmp(enc, (uint8_t[]){ 131, 108, 0, 1, 0, 0, 97, 1 }, 8) == 0);
    cr_expect(enc[n - 1] == 106);
    ot_term back = decode_ok(enc, (size_t)n);
    cr_expect(ot_equal(back, l));
    free(enc);

    /* Lists with their tail given in a nested LIST_EXT, and empty
     * LIST_EXT/STRING_EXT, decode as BEAM reads them. */
    cr_expect(decode_ok(B(131, 108, 0, 0, 0, 0, 106)) == OT_NIL);
    cr_expect(decode_ok(B(131, 107, 0, 0)) == OT_NIL);
    ot_term t = decode_ok(B(131, 108, 0, 0, 0, 1, 97, 1, 108, 0, 0, 0, 1, 97, 2, 106));
    cr_expect(ot_equal(t, ot_list(h, 2, ot_int(h, 1), ot_int(h, 2))));
    t = decode_ok(B(131, 108, 0, 0, 0, 0, 100, 0, 1, 'x'));
    cr_expect(t == ot_atom("x"));
}

/* ---------------------------------------------------------------- binaries */

Test(ext, binaries)
{
    ENC(ot_binary(h, "", 0), 0, "<<>>", 131, 109, 0, 0, 0, 0);
    ENC(ot_string(h, "ab"), 0, "<<ab>>", 131, 109, 0, 0, 0, 2, 'a', 'b');
    ENC(ot_bitstring(h, (uint8_t[]){ 0xff }, 3), 0, "<<7:3>>", 131, 77, 0, 0, 0, 1, 3, 0xe0);
    ENC(ot_bitstring(h, (uint8_t[]){ 1, 2, 0x07 }, 23), 0, "<<1,2,3:7>>", 131, 77, 0, 0, 0, 3, 7,
        1, 2, 6);
    /* Around the 64-byte shared-binary threshold. */
    for (size_t n = 63; n <= 66; n++) {
        uint8_t data[70], want[80] = { 131, 109, 0, 0, 0, (uint8_t)n };
        for (size_t i = 0; i < n; i++)
            data[i] = want[6 + i] = (uint8_t)(i * 7);
        expect_encoding(ot_binary(h, data, n), 0, want, 6 + n, "binary around 64");
    }
    /* BIT_BINARY_EXT: 8 bits is a whole binary, unused bits are ignored,
     * an empty one is <<>>; other counts are malformed. */
    cr_expect(ot_equal(decode_ok(B(131, 77, 0, 0, 0, 1, 8, 255)), ot_binary(h, "\xff", 1)));
    cr_expect(ot_equal(decode_ok(B(131, 77, 0, 0, 0, 1, 3, 255)),
                       ot_bitstring(h, (uint8_t[]){ 0xe0 }, 3)));
    cr_expect(ot_equal(decode_ok(B(131, 77, 0, 0, 0, 0, 0)), ot_binary(h, "", 0)));
    FAIL(-EBADMSG, 6, "bit count", 131, 77, 0, 0, 0, 1, 0, 255);
    FAIL(-EBADMSG, 6, "bit count", 131, 77, 0, 0, 0, 1, 9, 255);
    FAIL(-EBADMSG, 6, "bit count", 131, 77, 0, 0, 0, 0, 3);
    FAIL(-EBADMSG, 6, "bit count", 131, 77, 0, 0, 0, 0, 8);
}

/* ---------------------------------------------------------------- tuples, maps */

Test(ext, tuples)
{
    ENC(ot_tuple(h, 0), 0, "{}", 131, 104, 0);
    ENC(ot_tuple(h, 2, ot_atom("ok"), ot_int(h, 1)), 0, "{ok,1}", 131, 104, 2, 100, 0, 2, 'o',
        'k', 97, 1);
    ot_term el[256];
    for (int i = 0; i < 256; i++)
        el[i] = OT_NIL;
    uint8_t want[300] = { 131, 104, 255 };
    memset(want + 3, 106, 255);
    expect_encoding(ot_tuplev(h, 255, el), 0, want, 258, "255-tuple");
    memcpy(want, (uint8_t[]){ 131, 105, 0, 0, 1, 0 }, 6);
    memset(want + 6, 106, 256);
    expect_encoding(ot_tuplev(h, 256, el), 0, want, 262, "256-tuple");
}

Test(ext, maps)
{
    ot_term k[4] = { ot_atom("b"), ot_atom("a"), ot_float(h, 1.0), ot_int(h, 2) };
    ot_term v[4] = { ot_int(h, 1), ot_int(h, 2), ot_atom("x"), ot_atom("y") };
    /* #{b=>1, a=>2, 1.0=>x, 2=>y} from term_to_binary/1. */
    ENC(ot_map(h, 4, k, v), 0, "map", 131, 116, 0, 0, 0, 4, 97, 2, 100, 0, 1, 'y', 70, 63, 240, 0,
        0, 0, 0, 0, 0, 100, 0, 1, 'x', 100, 0, 1, 'a', 97, 2, 100, 0, 1, 'b', 97, 1);
    ENC(ot_map(h, 0, NULL, NULL), 0, "#{}", 131, 116, 0, 0, 0, 0);
    /* Keys in any order are sorted; duplicates are rejected as BEAM does
     * (0.0 and -0.0 are the same key in OTP 25). */
    ot_term t = decode_ok(B(131, 116, 0, 0, 0, 2, 100, 0, 1, 'b', 97, 1, 100, 0, 1, 'a', 97, 2));
    cr_expect(ot_map_key(t, 0) == ot_atom("a") && ot_map_value(t, 0) == ot_int(h, 2));
    FAIL(-EBADMSG, 1, "duplicate map key", 131, 116, 0, 0, 0, 2, 100, 0, 1, 'a', 97, 1, 100, 0,
         1, 'a', 97, 2);
    FAIL(-EBADMSG, 1, "duplicate map key", 131, 116, 0, 0, 0, 2, 70, 0, 0, 0, 0, 0, 0, 0, 0, 97,
         1, 70, 128, 0, 0, 0, 0, 0, 0, 0, 97, 2);
    /* A large map with a duplicate, keys in reverse order. */
    uint8_t buf[300] = { 131, 116, 0, 0, 0, 40 };
    size_t at = 6;
    for (int i = 0; i < 40; i++) {
        buf[at++] = 97;
        buf[at++] = (uint8_t)(i == 39 ? 70 : 100 - i);
        buf[at++] = 106;
    }
    expect_fail(buf, at, NULL, -EBADMSG, 1, "duplicate map key", __LINE__);
    buf[at - 2] = 1;
    t = decode_ok(buf, at);
    cr_expect(ot_map_size(t) == 40 && ot_map_key(t, 0) == ot_int(h, 1) &&
              ot_map_key(t, 39) == ot_int(h, 100));
}

/* ---------------------------------------------------------------- identifiers */

Test(ext, identifiers)
{
    ot_term nonode = ot_atom("nonode@nohost"), afoo = ot_atom("a@foo");
    ENC(ot_pid(h, nonode, 9, 0, 0), 0, "local pid", 131, 88, NONODE, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0,
        0, 0);
    ENC(ot_pid(h, afoo, 0xffffffff, 0xffffffff, 0xffffffff), 0, "remote pid", 131, 88, AFOO, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255);
    ENC(ot_port(h, afoo, 0x0fffffff, 5), 0, "port 2^28-1", 131, 89, AFOO, 15, 255, 255, 255, 0, 0,
        0, 5);
    ENC(ot_port(h, afoo, 0x10000000, 0), 0, "port 2^28", 131, 120, AFOO, 0, 0, 0, 0, 16, 0, 0, 0,
        0, 0, 0, 0);
    ENC(ot_port(h, afoo, UINT64_MAX, 4), 0, "port 2^64-1", 131, 120, AFOO, 255, 255, 255, 255, 255,
        255, 255, 255, 0, 0, 0, 4);
    ENC(ot_ref(h, afoo, 7, (uint32_t[]){ 1, 2, 3 }, 3), 0, "ref", 131, 90, 0, 3, AFOO, 0, 0, 0, 7,
        0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3);
    ENC(ot_ref(h, afoo, 0, (uint32_t[]){ 1, 2, 3, 4, 5 }, 5), OT_ENCODE_UTF8_ATOMS, "ref5", 131,
        90, 0, 5, 119, 5, 'a', '@', 'f', 'o', 'o', 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3,
        0, 0, 0, 4, 0, 0, 0, 5);
    /* A local pid decodes to the immediate form ot_pid gives. */
    cr_expect(decode_ok(B(131, 88, NONODE, 0, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0, 0)) ==
              ot_pid(h, nonode, 9, 1, 0));
    /* Old forms. */
    cr_expect(ot_equal(decode_ok(B(131, 103, AFOO, 0, 0, 0, 7, 0, 0, 0, 8, 2)),
                       ot_pid(h, afoo, 7, 8, 2)));
    cr_expect(ot_equal(decode_ok(B(131, 102, AFOO, 0, 0, 0, 9, 1)), ot_port(h, afoo, 9, 1)));
    cr_expect(ot_equal(decode_ok(B(131, 89, AFOO, 0, 0, 0, 9, 0, 0, 0, 4)),
                       ot_port(h, afoo, 9, 4)));
    cr_expect(ot_equal(decode_ok(B(131, 120, AFOO, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 3)),
                       ot_port(h, afoo, UINT64_C(1) << 32, 3)));
    cr_expect(ot_equal(decode_ok(B(131, 101, AFOO, 0, 3, 255, 255, 2)),
                       ot_ref(h, afoo, 2, (uint32_t[]){ 0x3ffff }, 1)));
    cr_expect(ot_equal(decode_ok(B(131, 114, 0, 2, AFOO, 1, 0, 0, 0, 1, 0, 0, 0, 2)),
                       ot_ref(h, afoo, 1, (uint32_t[]){ 1, 2 }, 2)));
    FAIL(-EBADMSG, 1, "out of range", 131, 101, AFOO, 0, 4, 0, 0, 2);
    FAIL(-EBADMSG, 1, "out of range", 131, 114, 0, 1, AFOO, 2, 0, 4, 0, 0);
    FAIL(-EBADMSG, 2, "1 to 5 words", 131, 90, 0, 0, AFOO, 0, 0, 0, 0);
    FAIL(-EBADMSG, 2, "1 to 5 words", 131, 90, 0, 6, AFOO, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0,
         0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0, 6);
    FAIL(-EBADMSG, 2, "expected an atom", 131, 88, 97, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0);
}

/* ---------------------------------------------------------------- funs */

static uint8_t *read_corpus(const char *name, size_t *len)
{
    char rel[256];
    snprintf(rel, sizeof rel, "tests/fuzz/corpus/%s", name);
    FILE *f = fopen(tu_source_path(rel), "rb");
    cr_assert(f, "missing %s", rel);
    uint8_t *buf = malloc(1 << 16);
    *len = fread(buf, 1, 1 << 16, f);
    fclose(f);
    return buf;
}

Test(ext, funs)
{
    /* fun lists:map/2 in both atom encodings, from term_to_binary. */
    ot_term a = decode_ok(B(131, 113, 100, 0, 5, 'l', 'i', 's', 't', 's', 100, 0, 3, 'm', 'a',
                            'p', 97, 2));
    ot_term b = decode_ok(B(131, 113, 119, 5, 'l', 'i', 's', 't', 's', 119, 3, 'm', 'a', 'p', 97,
                            2));
    cr_assert(ot_is_fun(a) && ot_equal(a, b));
    size_t n;
    const uint8_t *fb = ot_fun_bytes(a, &n);
    cr_expect(n == 15 && fb[0] == 113, "fun bytes start with the tag");
    ENC(a, 0, "export", 131, 113, 100, 0, 5, 'l', 'i', 's', 't', 's', 100, 0, 3, 'm', 'a', 'p',
        97, 2);
    ENC(a, OT_ENCODE_UTF8_ATOMS, "export utf8", 131, 113, 119, 5, 'l', 'i', 's', 't', 's', 119, 3,
        'm', 'a', 'p', 97, 2);
    /* An INTEGER_EXT arity is read, and written back minimal. */
    ot_term c = decode_ok(B(131, 113, 100, 0, 1, 'm', 100, 0, 1, 'f', 98, 0, 0, 0, 2));
    ENC(c, 0, "export arity", 131, 113, 100, 0, 1, 'm', 100, 0, 1, 'f', 97, 2);
    FAIL(-EBADMSG, 1, "arity", 131, 113, 100, 0, 1, 'm', 100, 0, 1, 'f', 98, 0, 0, 1, 0);
    FAIL(-EBADMSG, 1, "not an atom", 131, 113, 97, 1, 100, 0, 1, 'f', 97, 2);

    /* Local funs (with nested funs in their free variables), as BEAM wrote
     * them with each atom encoding: equal terms, exact bytes both ways. */
    static const char *const names[] = { "fun_local", "fun_nested" };
    for (int i = 0; i < 2; i++) {
        char v2[64];
        snprintf(v2, sizeof v2, "%s_v2", names[i]);
        size_t l1, l2;
        uint8_t *b1 = read_corpus(names[i], &l1), *b2 = read_corpus(v2, &l2);
        ot_term t1 = decode_ok(b1, l1), t2 = decode_ok(b2, l2);
        cr_expect(ot_is_fun(t1) && ot_equal(t1, t2), "%s: both forms are one fun", names[i]);
        expect_encoding(t1, 0, b1, l1, names[i]);
        expect_encoding(t2, OT_ENCODE_UTF8_ATOMS, b2, l2, v2);
        expect_encoding(t2, 0, b1, l1, names[i]);
        /* A wrong Size field is malformed. */
        b1[5]++;
        expect_fail(b1, l1, NULL, -EBADMSG, 2, "fun size", __LINE__);
        free(b1);
        free(b2);
    }
}

/* ---------------------------------------------------------------- compressed */

Test(ext, compressed)
{
    /* term_to_binary(lists:duplicate(100, a), [compressed]) */
    static const uint8_t z[] = { 131, 80, 0, 0, 1, 150, 120, 156, 203, 97, 96, 96, 72, 73, 97, 96,
                                 76, 28, 197, 131, 7, 103, 1, 0, 48, 70, 78, 147 };
    ot_term t = decode_ok(z, sizeof z);
    cr_expect(ot_list_length(t) == 100 && ot_hd(t) == ot_atom("a"));
    /* Bytes after the zlib stream are not consumed. */
    uint8_t more[sizeof z + 3];
    memcpy(more, z, sizeof z);
    memset(more + sizeof z, 7, 3);
    ot_term u;
    cr_expect(ot_decode(h, more, sizeof more, NULL, &u, NULL) == (ssize_t)sizeof z);
    /* The stated size must be exact. */
    uint8_t bad[sizeof z];
    memcpy(bad, z, sizeof z);
    bad[5] = 151;
    expect_fail(bad, sizeof bad, NULL, -EBADMSG, 6, "shorter", __LINE__);
    bad[5] = 149;
    expect_fail(bad, sizeof bad, NULL, -EBADMSG, 6, "longer", __LINE__);
    bad[5] = 150;
    bad[12] ^= 0x55;
    expect_fail(bad, sizeof bad, NULL, -EBADMSG, 6, "compressed", __LINE__);
    expect_fail(z, sizeof z - 4, NULL, -EBADMSG, 6, "truncated", __LINE__);
    ot_decode_opts o = { .max_bytes = 300 };
    expect_fail(z, sizeof z, &o, -E2BIG, 2, "max_bytes", __LINE__);
    FAIL(-EBADMSG, 2, "size is 0", 131, 80, 0, 0, 0, 0, 120, 156, 3, 0, 0, 0, 0, 1);
    /* Only the outermost term may be compressed. */
    FAIL(-EBADMSG, 3, "compressed term inside", 131, 104, 1, 80, 0, 0, 0, 2, 120, 156, 75, 100, 4,
         0, 0, 197, 0, 99);
}

/* ---------------------------------------------------------------- malformed */

Test(ext, malformed)
{
    FAIL(-EBADMSG, 0, "version", 0);
    expect_fail((const uint8_t *)"", 0, NULL, -EBADMSG, 0, "truncated", __LINE__);
    FAIL(-EBADMSG, 0, "version", 130, 97, 1);
    FAIL(-EBADMSG, 1, "unknown tag 42", 131, 42);
    FAIL(-EBADMSG, 1, "unknown tag 0", 131, 0);
    FAIL(-EBADMSG, 1, "unknown tag 255", 131, 255);
    FAIL(-EBADMSG, 1, "unknown tag 82", 131, 82, 0);    /* atom cache refs */
    FAIL(-EBADMSG, 1, "unknown tag 131", 131, 131, 97, 1);
    FAIL(-EBADMSG, 3, "unknown tag 1", 131, 104, 2, 1, 2);
    FAIL(-EBADMSG, 2, "count larger", 131, 105, 255, 255, 255, 255, 97);
    FAIL(-EBADMSG, 2, "count larger", 131, 108, 0, 0, 0, 3, 97, 1, 97);
    FAIL(-EBADMSG, 2, "count larger", 131, 116, 0, 0, 0, 3, 97, 1, 97, 1);
    /* NEW_FUN_EXT claiming 2^32-1 free variables. */
    uint8_t fun[31] = { 131, 112, 0, 0, 0, 40 };
    memset(fun + 27, 255, 4);
    expect_fail(fun, sizeof fun, NULL, -EBADMSG, 27, "count larger", __LINE__);
    FAIL(-EBADMSG, 6, "truncated", 131, 109, 0, 0, 0, 9, 1, 2);
    FAIL(-EBADMSG, 7, "truncated", 131, 111, 0, 0, 0, 1, 0);

    /* Trailing bytes are left for the caller. */
    ot_term t;
    cr_expect(ot_decode(h, B(131, 97, 1, 0, 0), NULL, &t, NULL) == 3 && t == ot_int(h, 1));
    /* Without the version byte. */
    ot_decode_opts o = { .no_version = true };
    cr_expect(ot_decode(h, B(97, 7), &o, &t, NULL) == 2 && t == ot_int(h, 7));
    /* No heap, no output. */
    ot_decode_error err;
    cr_expect(ot_decode(NULL, B(131, 97, 1), NULL, &t, &err) == -EINVAL);
}

/* Every strict prefix of a valid encoding is truncated input. */
Test(ext, truncation_at_every_byte)
{
    ot_term k[3] = { ot_atom("k"), ot_int(h, 1), ot_string(h, "s") };
    ot_term v[3] = { ot_float(h, 2.5), big_pow2(100, true), OT_NIL };
    ot_term terms[] = {
        ot_tuple(h, 3, ot_atom("é"), ot_int(h, -70000), ot_list(h, 2, ot_int(h, 300), OT_NIL)),
        ot_map(h, 3, k, v),
        ot_cons(h, ot_bitstring(h, "\xff\x80", 9), ot_atom("tail")),
        ot_tuple(h, 3, ot_pid(h, ot_atom("a@b"), 1, 2, 3), ot_port(h, ot_atom("a@b"), 1ull << 40, 1),
                 ot_ref(h, ot_atom("nonode@nohost"), 0, (uint32_t[]){ 1, 2, 3 }, 3)),
        ot_charlist(h, "hello"),
    };
    size_t total = 0;
    for (size_t i = 0; i < sizeof terms / sizeof terms[0]; i++) {
        for (int flags = 0; flags <= OT_ENCODE_UTF8_ATOMS; flags++) {
            uint8_t *enc;
            ssize_t n = ot_encode_alloc(terms[i], &enc, flags);
            cr_assert(n > 0);
            for (ssize_t cut = 0; cut < n; cut++) {
                uint8_t *copy = malloc((size_t)cut + 1); /* exact size for ASan */
                memcpy(copy, enc, (size_t)cut);
                ot_term t = OT_NONE;
                ot_decode_error err = { 0, NULL };
                ssize_t r = ot_decode(h, copy, (size_t)cut, NULL, &t, &err);
                cr_expect(r == -EBADMSG && err.offset <= (size_t)cut && err.what,
                          "term %zu cut at %zd gave %zd (offset %zu)", i, cut, r, err.offset);
                free(copy);
                total++;
            }
            free(enc);
        }
    }
    /* The compressed seed too. */
    size_t zl;
    uint8_t *z = read_corpus("compressed", &zl);
    for (size_t cut = 0; cut < zl; cut++) {
        ot_term t;
        cr_expect(ot_decode(h, z, cut, NULL, &t, NULL) == -EBADMSG, "compressed cut at %zu", cut);
        total++;
    }
    free(z);
    cr_log_info("%zu truncations rejected", total);
}

/* ---------------------------------------------------------------- encode errors */

Test(ext, encode_errors)
{
    uint8_t buf[64];
    cr_expect(ot_encode(OT_NONE, buf, sizeof buf, 0) == -EINVAL);
    cr_expect(ot_encoded_size(OT_NONE, 0) == -EINVAL);
    ot_term p = ot_pattern(h, "{ok, X}");
    cr_assert(p != OT_NONE);
    cr_expect(ot_encoded_size(p, 0) == -EINVAL);
    uint8_t *out = (uint8_t *)1;
    cr_expect(ot_encode_alloc(p, &out, 0) == -EINVAL && out == NULL);
    ot_term t = ot_tuple(h, 2, ot_atom("hello"), ot_string(h, "world"));
    ssize_t n = ot_encoded_size(t, 0);
    cr_assert(n == 21);
    for (ssize_t cap = 0; cap < n; cap++)
        cr_expect(ot_encode(t, buf, (size_t)cap, 0) == -ENOBUFS, "cap %zd", cap);
    cr_expect(ot_encode(t, buf, (size_t)n, 0) == n);
    cr_expect(memcmp(buf, (uint8_t[]){ 131, 104, 2, 100, 0, 5, 'h', 'e', 'l', 'l', 'o', 109, 0, 0,
                                       0, 5, 'w', 'o', 'r', 'l', 'd' }, 21) == 0);
}

/* Any buffer size: encoding into a buffer too small by any amount fails
 * cleanly, into one large enough gives exactly the bytes ot_encode_alloc
 * gives, for terms that take both the shallow and the deep walk. */
static ot_term mixed_term(ot_heap *hp, uint64_t *rng, int depth)
{
    uint64_t r = tu_rng(rng);
    int kind = depth > 40 ? (int)(r % 5) : (int)(r % 9);
    switch (kind) {
    case 0: return ot_int(hp, (int64_t)(tu_rng(rng) >> (r % 64)) * ((r & 64) ? -1 : 1));
    case 1: return ot_atom((r & 1) ? "status" : "a_rather_longer_atom_name_than_sixteen");
    case 2: return ot_float(hp, (double)(r % 1000) / 7.0);
    case 3: {
        char text[80];
        size_t n = (size_t)(r % 80);
        for (size_t i = 0; i < n; i++)
            text[i] = (char)('a' + (int)(tu_rng(rng) % 26));
        return ot_binary(hp, text, n);
    }
    case 4: return OT_NIL;
    case 5: case 6: {
        size_t n = (size_t)(r % 5);
        ot_term e[5];
        for (size_t i = 0; i < n; i++)
            e[i] = mixed_term(hp, rng, depth + 1);
        return (r & 8) ? ot_tuplev(hp, n, e) : ot_listv(hp, n, e);
    }
    case 7: {
        ot_term k[3], v[3];
        for (size_t i = 0; i < 3; i++) {
            k[i] = ot_int(hp, (int64_t)i * 300);
            v[i] = mixed_term(hp, rng, depth + 1);
        }
        return ot_map(hp, 3, k, v);
    }
    default:
        return ot_cons(hp, mixed_term(hp, rng, depth + 1), mixed_term(hp, rng, depth + 1));
    }
}

Test(ext, every_buffer_size)
{
    uint64_t rng = 42;
    for (int round = 0; round < 300; round++) {
        ot_term t = mixed_term(h, &rng, round % 3 == 0 ? 30 : 0);
        uint8_t *want = NULL;
        ssize_t n = ot_encode_alloc(t, &want, 0);
        cr_assert(n > 0, "round %d: %zd", round, n);
        cr_expect(ot_encoded_size(t, 0) == n);
        uint8_t *buf = malloc((size_t)n + 8);
        for (ssize_t cap = 0; cap < n; cap++)
            cr_expect(ot_encode(t, buf, (size_t)cap, 0) == -ENOBUFS, "round %d cap %zd", round, cap);
        for (ssize_t extra = 0; extra <= 8; extra += 8) {
            cr_expect(ot_encode(t, buf, (size_t)(n + extra), 0) == n);
            cr_expect(memcmp(buf, want, (size_t)n) == 0, "round %d", round);
        }
        ot_term back;
        cr_expect(ot_decode(h, want, (size_t)n, NULL, &back, NULL) == n);
        cr_expect(ot_compare_exact(back, t) == 0, "round %d", round);
        free(buf);
        free(want);
        ot_heap_reset(h);
    }
}

/* ---------------------------------------------------------------- limits */

Test(ext, limits)
{
    /* 50 nested tuples: fine with max_depth 50, not with 49. */
    uint8_t buf[200];
    size_t n = 0;
    buf[n++] = 131;
    for (int i = 0; i < 50; i++) {
        buf[n++] = 104;
        buf[n++] = 1;
    }
    buf[n++] = 106;
    ot_decode_opts o = { .max_depth = 50 };
    ot_term t;
    cr_expect(ot_decode(h, buf, n, &o, &t, NULL) == (ssize_t)n);
    o.max_depth = 49;
    expect_fail(buf, n, &o, -E2BIG, 1 + 2 * 49, "max_depth", __LINE__);
    /* A list's tail is not nesting: a long chain of one-element LIST_EXTs
     * in tail position stays at depth 1. */
    uint8_t *chain = malloc(10 * 100000 + 2);
    n = 0;
    chain[n++] = 131;
    for (int i = 0; i < 100000; i++) {
        memcpy(chain + n, (uint8_t[]){ 108, 0, 0, 0, 1, 97, 1 }, 7);
        n += 7;
    }
    chain[n++] = 106;
    o.max_depth = 1;
    cr_expect(ot_decode(h, chain, n, &o, &t, NULL) == (ssize_t)n && ot_list_length(t) == 100000);
    free(chain);
    /* max_bytes bounds the bytes a term may take. */
    uint8_t bin[110] = { 131, 109, 0, 0, 0, 100 };
    ot_decode_opts ob = { .max_bytes = 50 };
    expect_fail(bin, sizeof bin - 4, &ob, -E2BIG, 6, "max_bytes", __LINE__);
    ob.max_bytes = 106;
    cr_expect(ot_decode(h, bin, 106, &ob, &t, NULL) == 106);
}

/* Deep and long terms on a small stack: nothing recurses. */
static void *deep_worker(void *arg)
{
    ot_heap *hh = arg;
    ot_term t = ot_atom("leaf");
    for (int i = 0; i < 100000; i++)
        t = ot_cons(hh, t, OT_NIL);               /* [[[...]]] */
    ot_term l = OT_NIL;
    for (int i = 0; i < 1000000; i++)
        l = ot_cons(hh, ot_int(hh, 300 + i), l);  /* a million-element list */
    ot_term m = ot_tuple(hh, 2, t, l);
    uint8_t *enc;
    ssize_t n = ot_encode_alloc(m, &enc, 0);
    if (n <= 0)
        return (void *)"encode failed";
    ot_decode_opts o = { .max_depth = 200000, .max_bytes = 64u << 20 };
    ot_term back;
    ssize_t r = ot_decode(hh, enc, (size_t)n, &o, &back, NULL);
    free(enc);
    if (r != n)
        return (void *)"decode failed";
    return NULL;
}

Test(ext, deep_and_long_on_small_stack, .timeout = 120)
{
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, 256 * 1024);
    pthread_t th;
    cr_assert(pthread_create(&th, &a, deep_worker, h) == 0);
    void *res;
    pthread_join(th, &res);
    cr_expect(res == NULL, "%s", res ? (const char *)res : "");
}

/* ---------------------------------------------------------------- allocation failure */

Test(ext, allocation_failure)
{
    /* A term that needs every kind of allocation: heap blocks, a shared
     * binary, a large map (sort buffer), a fun, deep nesting (work stack). */
    size_t fl;
    uint8_t *fun = read_corpus("fun_nested", &fl);
    uint8_t big[200] = { 0 };
    ot_term k[40], v[40];
    for (int i = 0; i < 40; i++) {
        k[i] = ot_int(h, 40 - i);
        v[i] = ot_binary(h, big, 100 + (size_t)i);
    }
    ot_term deep = OT_NIL;
    for (int i = 0; i < 100; i++)
        deep = ot_tuple(h, 1, deep);
    ot_term t = ot_tuple(h, 3, ot_map(h, 40, k, v), decode_ok(fun, fl), deep);
    cr_assert(t != OT_NONE);
    uint8_t *enc;
    ssize_t n = ot_encode_alloc(t, &enc, 0);
    cr_assert(n > 0);
    size_t failures = 0;
    for (long after = 0;; after++) {
        ot_heap *hh = ot_heap_new();
        cr_assert(hh);
        ot_term back = ot_int(hh, 1); /* something already on the heap */
        ot_term keep = ot_string(hh, "kept");
        size_t before = ot_heap_bytes(hh);
        ot_test_fail_alloc_after(after, 1);
        ot_decode_error err = { 0, NULL };
        ssize_t r = ot_decode(hh, enc, (size_t)n, NULL, &back, &err);
        long failed = ot_test_fail_alloc_after(-1, 0);
        if (r == n) {
            cr_expect(ot_equal(back, t));
            ot_heap_free(hh);
            break;
        }
        failures++;
        cr_expect(r == -ENOMEM && failed > 0, "after %ld: %zd (%s)", after, r,
                  err.what ? err.what : "");
        cr_expect(ot_heap_bytes(hh) == before, "after %ld: heap not rolled back", after);
        cr_expect(ot_is_binary(keep) && ot_binary_data(keep, NULL)[0] == 'k');
        ot_heap_free(hh);
        cr_assert(after < 100000);
    }
    cr_expect(failures > 3, "only %zu allocation points", failures);
    /* Encoding under failure: -ENOMEM or the right bytes, never a leak
     * (LeakSanitizer's check at the end, in sanitizer builds). */
    for (long after = 0;; after++) {
        uint8_t *out = NULL;
        ot_test_fail_alloc_after(after, 1);
        ssize_t m = ot_encode_alloc(t, &out, 0);
        ot_test_fail_alloc_after(-1, 0);
        if (m == n) {
            cr_expect(memcmp(out, enc, (size_t)n) == 0);
            free(out);
            break;
        }
        cr_expect(m == -ENOMEM && out == NULL, "encode after %ld gave %zd", after, m);
        cr_assert(after < 1000);
    }
    free(enc);
    free(fun);
    cr_assert_eq(tu_leaks(), 0, "leaks: see the report above");
}
