/* test_ext_oracle.c — the external term format against the real peer.
 *
 * BEAM to otter: tests/oracle/gen_terms.exs makes thousands of terms in
 * real Erlang (random ones and every edge case) and prints their
 * term_to_binary bytes in both atom encodings. otter must decode each and
 * re-encode it to exactly those bytes. The one allowed difference is the
 * order of maps over 32 keys (BEAM writes them in hash order): then BEAM
 * itself must read otter's bytes as a term =:= to the original.
 *
 * otter to BEAM: terms built here with the builder API are encoded by
 * otter, and tests/oracle/check_terms.exs has BEAM decode them and encode
 * them again; BEAM's bytes must be otter's.
 *
 * libei is a second, independent reader: ei_skip_term must agree with
 * otter on where every encoding ends, and ei_decode_* on scalar values. */
#include <criterion/criterion.h>
#include <ei.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otter/term.h"
#include "testutil.h"

#define GEN_SEED 20240
#define GEN_COUNT 3000
#define OTTER_COUNT 2500

/* ---------------------------------------------------------------- helpers */

/* Does t contain a map whose order in BEAM's encoding otter need not
 * reproduce? Maps over 32 keys: BEAM writes them in hash order. */
static bool has_large_map(ot_term t)
{
    while (ot_is_list(t) && t != OT_NIL) {
        if (has_large_map(ot_hd(t)))
            return true;
        t = ot_tl(t);
    }
    if (ot_is_tuple(t)) {
        for (size_t i = 0; i < ot_tuple_arity(t); i++)
            if (has_large_map(ot_tuple_get(t, i)))
                return true;
    }
    if (ot_is_map(t)) {
        if (ot_map_size(t) > 32)
            return true;
        for (size_t i = 0; i < ot_map_size(t); i++)
            if (has_large_map(ot_map_key(t, i)) || has_large_map(ot_map_value(t, i)))
                return true;
    }
    return false;
}

/* libei's length of the encoding at buf (version byte first). */
static long ei_length(const uint8_t *buf)
{
    int idx = 0, ver;
    if (ei_decode_version((const char *)buf, &idx, &ver) < 0)
        return -1;
    if (ei_skip_term((const char *)buf, &idx) < 0)
        return -1;
    return idx;
}

/* Checks scalars against libei's decoders. */
static void ei_check_scalar(const uint8_t *buf, ot_term t, const char *ctx)
{
    int idx = 1;
    if (ot_is_int(t)) {
        int64_t v;
        long long ev;
        if (ot_get_int64(t, &v) == 0) {
            cr_expect(ei_decode_longlong((const char *)buf, &idx, &ev) == 0 && ev == v,
                      "%s: libei reads integer %lld, otter %lld", ctx, ev, (long long)v);
        }
    } else if (ot_is_float(t)) {
        double v, ev;
        ot_get_double(t, &v);
        cr_expect(ei_decode_double((const char *)buf, &idx, &ev) == 0 &&
                      memcmp(&ev, &v, sizeof v) == 0,
                  "%s: libei reads float %g, otter %g", ctx, ev, v);
    } else if (ot_is_atom(t)) {
        char text[MAXATOMLEN_UTF8];
        erlang_char_encoding was, res;
        size_t len;
        const char *s = ot_atom_text(t, &len);
        cr_expect(ei_decode_atom_as((const char *)buf, &idx, text, sizeof text, ERLANG_UTF8,
                                    &was, &res) == 0 &&
                      strlen(text) == len && memcmp(text, s, len) == 0,
                  "%s: libei reads atom '%s', otter '%s'", ctx, text, s);
    }
}

static uint8_t *unhex_alloc(const char *hex, size_t n, size_t *len)
{
    uint8_t *b = malloc(n / 2 + 1);
    long l = tu_unhex(hex, n, b);
    cr_assert(l >= 0, "bad hex from the oracle");
    *len = (size_t)l;
    return b;
}

static bool bytes_eq_hex(const uint8_t *b, size_t n, const char *hex, size_t hexlen)
{
    if (hexlen != 2 * n)
        return false;
    char *h = tu_hex(b, n);
    bool eq = memcmp(h, hex, hexlen) == 0;
    free(h);
    return eq;
}

/* Describes where bytes b and hex differ, for failure messages (static). */
static const char *first_diff(const uint8_t *b, size_t n, const char *hex)
{
    static char msg[512];
    size_t hl = strlen(hex), i = 0;
    while (i < n && 2 * i + 1 < hl) {
        char two[3];
        snprintf(two, sizeof two, "%02x", b[i]);
        if (memcmp(two, hex + 2 * i, 2) != 0)
            break;
        i++;
    }
    size_t from = i > 24 ? i - 24 : 0;
    int k = snprintf(msg, sizeof msg, "first difference at byte %zu of %zu/%zu\n  otter ...", i, n,
                     hl / 2);
    for (size_t j = from; j < i + 24 && j < n && k < 400; j++)
        k += snprintf(msg + k, sizeof msg - (size_t)k, "%02x", b[j]);
    k += snprintf(msg + k, sizeof msg - (size_t)k, "\n  beam  ...");
    if (2 * from < hl)
        snprintf(msg + k, sizeof msg - (size_t)k, "%.*s", (int)(hl - 2 * from < 96 ? hl - 2 * from : 96),
                 hex + 2 * from);
    return msg;
}

/* Appends text to a growing buffer. */
typedef struct tbuf {
    char *d;
    size_t n, cap;
} tbuf;

static void tb_put(tbuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->d = realloc(b->d, b->cap);
    }
    memcpy(b->d + b->n, s, n);
    b->n += n;
    b->d[b->n] = 0;
}

/* Splits text into lines in place; returns the count. */
static size_t split_lines(char *text, char ***lines)
{
    size_t cap = 1024, n = 0;
    char **v = malloc(cap * sizeof *v);
    char *p = text;
    while (*p) {
        char *nl = strchr(p, '\n');
        if (n == cap)
            v = realloc(v, (cap *= 2) * sizeof *v);
        v[n++] = p;
        if (!nl)
            break;
        *nl = 0;
        p = nl + 1;
    }
    *lines = v;
    return n;
}

/* ---------------------------------------------------------------- BEAM -> otter */

Test(ext_oracle, beam_terms_roundtrip, .timeout = 600)
{
    ei_init();
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "elixir '%s' %d %d", tu_source_path("tests/oracle/gen_terms.exs"),
             GEN_SEED, GEN_COUNT);
    int status;
    size_t outlen;
    char *out = tu_run(cmd, NULL, 0, &outlen, &status);
    cr_assert(status == 0, "gen_terms.exs failed (status %d)", status);
    char **lines;
    size_t nlines = split_lines(out, &lines);
    cr_assert(nlines >= GEN_COUNT + 200, "only %zu terms from gen_terms.exs", nlines);

    tbuf recheck = { 0 };       /* otter's bytes for BEAM to read back */
    char **expect = calloc(nlines, sizeof *expect);
    size_t nrecheck = 0, exact = 0;
    ot_heap *h = ot_heap_new();
    for (size_t i = 0; i < nlines; i++) {
        char *f1 = lines[i];
        char *f2 = strchr(f1, ' ');
        cr_assert(f2, "line %zu has no second field", i);
        *f2++ = 0;
        char *f3 = strchr(f2, ' ');
        cr_assert(f3, "line %zu has no third field", i);
        *f3 = 0;
        size_t n1, n2, l1 = strlen(f1), l2 = strlen(f2);
        uint8_t *b1 = unhex_alloc(f1, l1, &n1), *b2 = unhex_alloc(f2, l2, &n2);
        ot_term t, u;
        ot_decode_error err = { 0, NULL };
        ssize_t r = ot_decode(h, b1, n1, NULL, &t, &err);
        cr_assert(r == (ssize_t)n1, "line %zu: decode gave %zd (%s at %zu) for %.200s", i, r,
                  err.what ? err.what : "", err.offset, f1);
        r = ot_decode(h, b2, n2, NULL, &u, &err);
        cr_assert(r == (ssize_t)n2, "line %zu: decode (minor 2) gave %zd (%s at %zu)", i, r,
                  err.what ? err.what : "", err.offset);
        cr_expect(ot_equal(t, u), "line %zu: the two encodings decode to different terms", i);
        cr_expect(ei_length(b1) == (long)n1, "line %zu: libei length %ld, otter %zu", i,
                  ei_length(b1), n1);
        cr_expect(ei_length(b2) == (long)n2, "line %zu: libei length (minor 2) %ld", i,
                  ei_length(b2));
        ei_check_scalar(b1, t, "beam");

        uint8_t *e1, *e2;
        ssize_t m1 = ot_encode_alloc(t, &e1, 0);
        ssize_t m2 = ot_encode_alloc(t, &e2, OT_ENCODE_UTF8_ATOMS);
        cr_assert(m1 > 0 && m2 > 0, "line %zu: encode failed", i);
        cr_expect(ot_encoded_size(t, 0) == m1 && ot_encoded_size(t, OT_ENCODE_UTF8_ATOMS) == m2,
                  "line %zu: ot_encoded_size disagrees", i);
        bool same1 = bytes_eq_hex(e1, (size_t)m1, f1, l1);
        bool same2 = bytes_eq_hex(e2, (size_t)m2, f2, l2);
        if (same1 && same2) {
            exact++;
        } else {
            bool big = has_large_map(t);
            if (!big) {
                cr_expect(same1, "line %zu: %s", i, first_diff(e1, (size_t)m1, f1));
                cr_expect(same2, "line %zu (minor 2): %s", i, first_diff(e2, (size_t)m2, f2));
            } else {
                /* BEAM must read otter's bytes as a term =:= its own. */
                char *h1 = tu_hex(e1, (size_t)m1);
                tb_put(&recheck, h1, strlen(h1));
                tb_put(&recheck, " ", 1);
                tb_put(&recheck, f1, l1);
                tb_put(&recheck, "\n", 1);
                free(h1);
                expect[nrecheck] = strdup(f1);
                nrecheck++;
            }
        }
        free(e1);
        free(e2);
        free(b1);
        free(b2);
        ot_heap_reset(h);
    }
    ot_heap_free(h);
    cr_log_info("BEAM->otter: %zu terms, %zu byte-identical, %zu with large maps checked by BEAM",
                nlines, exact, nrecheck);
    cr_expect(exact >= nlines / 2, "too few byte-identical encodings: %zu of %zu", exact, nlines);

    if (nrecheck) {
        snprintf(cmd, sizeof cmd, "elixir '%s'", tu_source_path("tests/oracle/check_terms.exs"));
        char *res = tu_run(cmd, recheck.d, recheck.n, &outlen, &status);
        cr_assert(status == 0, "check_terms.exs failed");
        char **rl;
        size_t nr = split_lines(res, &rl);
        cr_assert(nr == nrecheck, "check_terms.exs gave %zu lines for %zu", nr, nrecheck);
        for (size_t i = 0; i < nr; i++)
            cr_expect(strcmp(rl[i], "equal") == 0,
                      "BEAM reads otter's encoding as a different term (%s): beam %.300s", rl[i],
                      expect[i]);
        free(rl);
        free(res);
    }
    for (size_t i = 0; i < nrecheck; i++)
        free(expect[i]);
    free(expect);
    free(recheck.d);
    free(lines);
    free(out);
}

/* ---------------------------------------------------------------- otter -> BEAM */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void) { return tu_rng(&rng_state); }
static uint64_t below(uint64_t n) { return n ? rnd() % n : 0; }

static ot_term gen_atom(void)
{
    static const char *const pool[] = { "a", "ok", "error", "true", "", "é", "日本", "🦦",
                                        "Elixir.Foo", "with space", "nonode@nohost" };
    if (below(3))
        return ot_atom(pool[below(sizeof pool / sizeof pool[0])]);
    static const char *const chars[] = { "a", "Z", "_", "0", "é", "ÿ", "ĉ", "日", "🦦", " " };
    char buf[1100];
    size_t n = below(4) == 0 ? 200 + below(56) : below(12), len = 0;
    for (size_t i = 0; i < n; i++) {
        const char *c = chars[below(below(2) ? 6 : 10)];
        memcpy(buf + len, c, strlen(c));
        len += strlen(c);
    }
    return ot_atom_len(buf, len);
}

static ot_term gen_int(ot_heap *h)
{
    static const int64_t edges[] = { 0, 1, 255, 256, -1, -255, -256, INT32_MAX, INT32_MIN,
                                     (int64_t)INT32_MAX + 1, (int64_t)INT32_MIN - 1,
                                     (INT64_C(1) << 59), (INT64_C(1) << 60) - 1,
                                     INT64_C(1) << 60, -(INT64_C(1) << 60),
                                     -(INT64_C(1) << 60) - 1, INT64_MAX, INT64_MIN };
    switch (below(5)) {
    case 0: return ot_int(h, edges[below(sizeof edges / sizeof edges[0])]);
    case 1: return ot_int(h, (int64_t)below(300) - 150);
    case 2: return ot_int(h, (int64_t)rnd() >> below(64));
    case 3: return ot_uint(h, rnd());
    default: {
        uint64_t limbs[40];
        size_t n = 1 + below(below(4) ? 4 : 40);
        for (size_t i = 0; i < n; i++)
            limbs[i] = below(4) ? rnd() : 0;
        return ot_bigint(h, below(2), limbs, n);
    }
    }
}

static ot_term gen_float(ot_heap *h)
{
    static const double edges[] = { 0.0, -0.0, 1.0, -1.5, 0.1, 1e300, -1e-300, 5e-324,
                                    1.7976931348623157e308, 2.2250738585072014e-308 };
    if (below(2))
        return ot_float(h, edges[below(sizeof edges / sizeof edges[0])]);
    for (;;) {
        uint64_t bits = rnd();
        double d;
        memcpy(&d, &bits, sizeof d);
        if (isfinite(d))
            return ot_float(h, d);
    }
}

static ot_term gen_ident(ot_heap *h)
{
    ot_term local = ot_atom("nonode@nohost");
    ot_term remote = below(2) ? ot_atom("a@foo") : ot_atom("ü@host");
    uint32_t ids[5];
    for (int i = 0; i < 5; i++)
        ids[i] = (uint32_t)rnd();
    switch (below(6)) {
    case 0: return ot_pid(h, local, (uint32_t)below(32768), (uint32_t)below(8192), 0);
    case 1: return ot_pid(h, remote, (uint32_t)rnd(), (uint32_t)rnd(), (uint32_t)rnd());
    case 2: return ot_port(h, local, below(1u << 28), 0);
    case 3: return ot_port(h, remote, below(2) ? rnd() : below(1ull << 32), (uint32_t)rnd());
    case 4:
        ids[0] &= 0x3ffff;
        return ot_ref(h, local, 0, ids, 3);
    default: return ot_ref(h, remote, (uint32_t)rnd(), ids, 1 + below(5));
    }
}

static ot_term gen_term(ot_heap *h, int depth);

static ot_term gen_leaf(ot_heap *h)
{
    switch (below(9)) {
    case 0:
    case 1: return gen_int(h);
    case 2: return gen_float(h);
    case 3:
    case 4: return gen_atom();
    case 5: {
        uint8_t buf[200];
        size_t n = below(2) ? below(10) : 60 + below(140);
        for (size_t i = 0; i < n; i++)
            buf[i] = (uint8_t)rnd();
        return ot_binary(h, buf, n);
    }
    case 6: {
        uint8_t buf[100];
        size_t nbits = 1 + below(800);
        for (size_t i = 0; i < sizeof buf; i++)
            buf[i] = (uint8_t)rnd();
        return ot_bitstring(h, buf, nbits);
    }
    case 7: return gen_ident(h);
    default: return below(2) ? OT_NIL : ot_string(h, "text é");
    }
}

static ot_term gen_term(ot_heap *h, int depth)
{
    if (depth <= 0)
        return gen_leaf(h);
    ot_term v[64], k[64];
    switch (below(10)) {
    case 0:
    case 1: {
        size_t n = below(6);
        for (size_t i = 0; i < n; i++)
            v[i] = gen_term(h, depth - 1);
        return ot_tuplev(h, n, v);
    }
    case 2: {
        size_t n = below(7);
        for (size_t i = 0; i < n; i++)
            v[i] = gen_term(h, depth - 1);
        ot_term l = ot_listv(h, n, v);
        return below(4) ? l : ot_cons(h, gen_term(h, depth - 1), l);
    }
    case 3: { /* improper */
        ot_term l = gen_leaf(h);
        if (ot_is_list(l))
            l = ot_atom("tail");
        for (size_t i = 1 + below(4); i > 0; i--)
            l = ot_cons(h, gen_term(h, depth - 1), l);
        return l;
    }
    case 4: { /* byte lists, sometimes just outside STRING_EXT */
        size_t n = below(40);
        for (size_t i = 0; i < n; i++)
            v[i] = ot_int(h, below(8) ? (int64_t)below(256) : 256);
        return ot_listv(h, n, v);
    }
    case 5:
    case 6: {
        size_t n = below(3) ? below(8) : 30 + below(10);
        for (size_t i = 0; i < n; i++) {
            k[i] = below(2) ? gen_leaf(h) : gen_term(h, depth - 2);
            v[i] = gen_term(h, depth - 1);
        }
        return ot_map(h, n, k, v);
    }
    default: return gen_leaf(h);
    }
}

/* A few built terms beyond the random ones: long and deep. */
static ot_term gen_special(ot_heap *h, size_t which)
{
    switch (which) {
    case 0: { /* 70,000 small bytes: LIST_EXT, not STRING_EXT */
        ot_term l = OT_NIL;
        for (size_t i = 0; i < 70000; i++)
            l = ot_cons(h, ot_int(h, (int64_t)(i % 256)), l);
        return l;
    }
    case 1: { /* 65,535 bytes: STRING_EXT's longest */
        ot_term l = OT_NIL;
        for (size_t i = 0; i < 65535; i++)
            l = ot_cons(h, ot_int(h, 7), l);
        return l;
    }
    case 2: { /* deep tuple */
        ot_term t = ot_atom("leaf");
        for (size_t i = 0; i < 500; i++)
            t = ot_tuple(h, 2, ot_int(h, (int64_t)i), t);
        return t;
    }
    case 3: { /* deep list heads */
        ot_term t = OT_NIL;
        for (size_t i = 0; i < 500; i++)
            t = ot_cons(h, t, OT_NIL);
        return t;
    }
    default: { /* a map of 100 mixed keys */
        ot_term k[100], v[100];
        for (size_t i = 0; i < 100; i++) {
            k[i] = i % 3 == 0 ? ot_int(h, (int64_t)i) : i % 3 == 1 ? ot_float(h, i / 4.0)
                                                                   : gen_atom();
            v[i] = ot_int(h, (int64_t)i);
        }
        return ot_map(h, 100, k, v);
    }
    }
}

Test(ext_oracle, otter_terms_read_by_beam, .timeout = 600)
{
    ei_init();
    ot_heap *h = ot_heap_new();
    size_t total = OTTER_COUNT + 5;
    ot_term *terms = malloc(total * sizeof *terms);
    uint8_t **enc = calloc(2 * total, sizeof *enc);
    ssize_t *len = calloc(2 * total, sizeof *len);
    tbuf in = { 0 };
    for (size_t i = 0; i < total; i++) {
        terms[i] = i < OTTER_COUNT ? gen_term(h, 4) : gen_special(h, i - OTTER_COUNT);
        cr_assert(terms[i] != OT_NONE, "generator built nothing at %zu", i);
        for (int k = 0; k < 2; k++) {
            ssize_t n = ot_encode_alloc(terms[i], &enc[2 * i + k], k ? OT_ENCODE_UTF8_ATOMS : 0);
            cr_assert(n > 0, "term %zu: encode gave %zd", i, n);
            len[2 * i + k] = n;
            cr_expect(ei_length(enc[2 * i + k]) == n, "term %zu: libei length %ld, otter %zd", i,
                      ei_length(enc[2 * i + k]), n);
        }
        ei_check_scalar(enc[2 * i], terms[i], "otter");
        char *hx = tu_hex(enc[2 * i + (i % 2)], (size_t)len[2 * i + (i % 2)]);
        tb_put(&in, hx, strlen(hx));
        tb_put(&in, "\n", 1);
        free(hx);
    }
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "elixir '%s'", tu_source_path("tests/oracle/check_terms.exs"));
    int status;
    size_t outlen;
    char *out = tu_run(cmd, in.d, in.n, &outlen, &status);
    cr_assert(status == 0, "check_terms.exs failed (status %d)", status);
    char **lines;
    size_t n = split_lines(out, &lines);
    cr_assert(n == total, "check_terms.exs gave %zu lines for %zu terms", n, total);
    size_t exact = 0, by_value = 0;
    for (size_t i = 0; i < total; i++) {
        cr_assert(strcmp(lines[i], "error") != 0, "term %zu: BEAM rejects otter's bytes", i);
        char *f2 = strchr(lines[i], ' ');
        cr_assert(f2);
        *f2++ = 0;
        const char *f[2] = { lines[i], f2 };
        bool same = true;
        for (int k = 0; k < 2; k++)
            same &= bytes_eq_hex(enc[2 * i + k], (size_t)len[2 * i + k], f[k], strlen(f[k]));
        if (same) {
            exact++;
            continue;
        }
        /* Only maps over 32 keys may differ (BEAM's hash order); then
         * BEAM's bytes must decode to the same term. */
        if (!has_large_map(terms[i])) {
            for (int k = 0; k < 2; k++)
                cr_expect(bytes_eq_hex(enc[2 * i + k], (size_t)len[2 * i + k], f[k], strlen(f[k])),
                          "term %zu (flags %d): BEAM re-encodes differently: %s", i, k,
                          first_diff(enc[2 * i + k], (size_t)len[2 * i + k], f[k]));
        }
        for (int k = 0; k < 2; k++) {
            size_t bl;
            uint8_t *b = unhex_alloc(f[k], strlen(f[k]), &bl);
            ot_term back;
            ssize_t r = ot_decode(h, b, bl, NULL, &back, NULL);
            cr_expect(r == (ssize_t)bl && ot_equal(back, terms[i]),
                      "term %zu: BEAM's re-encoding decodes to a different term", i);
            free(b);
        }
        by_value++;
    }
    cr_log_info("otter->BEAM: %zu terms, %zu byte-identical, %zu equal by value (large maps)",
                total, exact, by_value);
    for (size_t i = 0; i < 2 * total; i++)
        free(enc[i]);
    free(enc);
    free(len);
    free(terms);
    free(lines);
    free(out);
    free(in.d);
    ot_heap_free(h);
}
