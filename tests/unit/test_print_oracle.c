/* test_print_oracle.c — ot_print against the real printers: Elixir 1.14's
 * inspect/2 and OTP's io_lib:format("~tp"), on terms that BEAM generates
 * and encodes, which otter decodes and prints.
 *
 * Sources of terms:
 *   tests/oracle/gen_terms.exs SEED COUNT    (shared random term generator,
 *                                             run by print_oracle.exs gen)
 *   tests/oracle/print_oracle.exs terms ...  (hard cases + limits)
 *   tests/oracle/print_oracle.exs floats ... (float text)
 * Known, documented differences are normalised before comparing: local
 * funs in Elixir syntax (BEAM names the defining function, which the
 * external format does not carry) and the node number of identifiers of
 * other nodes (BEAM's node-table slot). Maps of more than 32 keys are
 * listed in BEAM's hash order and in otter's term order (docs/terms.md):
 * their texts must be the same bytes, rearranged. Each oracle ends its output with a count of what it
 * printed, and every case checks that it read that many: an oracle killed
 * or failing part way fails the case. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "term/term_internal.h"
#include "testutil.h"

/* ---------------------------------------------------------------- helpers */

static size_t unb64(const char *s, size_t n, char *out)
{
    static int8_t v[256];
    static bool init;
    if (!init) {
        memset(v, -1, sizeof v);
        const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int i = 0; a[i]; i++)
            v[(uint8_t)a[i]] = (int8_t)i;
        init = true;
    }
    size_t k = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n && s[i] != '='; i++) {
        int d = v[(uint8_t)s[i]];
        cr_assert(d >= 0, "bad base64");
        acc = acc << 6 | (uint32_t)d;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[k++] = (char)(acc >> bits);
        }
    }
    out[k] = 0;
    return k;
}

static char *b64dup(const char *s, size_t n)
{
    char *o = malloc(n + 4);
    unb64(s, n, o);
    return o;
}

/* Does t contain a local fun (NEW_FUN_EXT) / an identifier of another node? */
static bool big_map;

static void scan(ot_term t, bool *local_fun, bool *foreign)
{
    switch (ot_typeof(t)) {
    case OT_TYPE_FUN: {
        size_t n;
        const uint8_t *b = ot_fun_bytes(t, &n);
        if (b[0] == 112)
            *local_fun = true;
        return;
    }
    case OT_TYPE_PID: {
        ot_pid_parts p;
        ot_pid_get(t, &p);
        if (p.node != ot__local_node())
            *foreign = true;
        return;
    }
    case OT_TYPE_PORT: {
        ot_port_parts p;
        ot_port_get(t, &p);
        if (p.node != ot__local_node())
            *foreign = true;
        return;
    }
    case OT_TYPE_REF: {
        ot_ref_parts p;
        ot_ref_get(t, &p);
        if (p.node != ot__local_node())
            *foreign = true;
        return;
    }
    case OT_TYPE_TUPLE:
        for (size_t i = 0; i < ot_tuple_arity(t); i++)
            scan(ot_tuple_get(t, i), local_fun, foreign);
        return;
    case OT_TYPE_LIST:
        while (ot_is_list(t) && t != OT_NIL) {
            scan(ot_hd(t), local_fun, foreign);
            t = ot_tl(t);
        }
        if (t != OT_NIL)
            scan(t, local_fun, foreign);
        return;
    case OT_TYPE_MAP:
        if (ot_map_size(t) > 32)
            big_map = true;
        for (size_t i = 0; i < ot_map_size(t); i++) {
            scan(ot_map_key(t, i), local_fun, foreign);
            scan(ot_map_value(t, i), local_fun, foreign);
        }
        return;
    default:
        return;
    }
}

/* Are a and b the same bytes, in any order? */
static bool same_bytes(const char *a, const char *b)
{
    size_t count[256] = { 0 };
    for (; *a; a++)
        count[(uint8_t)*a]++;
    for (; *b; b++)
        if (count[(uint8_t)*b]-- == 0)
            return false;
    for (int i = 0; i < 256; i++)
        if (count[i])
            return false;
    return true;
}

/* Replaces the node number of every "<N." (N != 0) by "<*." in place. */
static void mask_nodes(char *s)
{
    char *w = s;
    for (char *r = s; *r;) {
        if (*r == '<' && r[1] >= '1' && r[1] <= '9') {
            char *q = r + 1;
            while (*q >= '0' && *q <= '9')
                q++;
            if (*q == '.') {
                *w++ = '<';
                *w++ = '*';
                r = q;
                continue;
            }
        }
        *w++ = *r++;
    }
    *w = 0;
}

/* Elixir prints a local fun as #Function<I.U/A in Mod.name/arity>; otter
 * as #Function<I.U/A in Mod>. Drops the ".name/arity" from BEAM's text. */
static void drop_fun_names(char *s)
{
    char *w = s;
    for (char *r = s; *r;) {
        if (strncmp(r, "#Function<", 10) == 0) {
            char *end = strchr(r, '>');
            char *in = strstr(r, " in ");
            if (end && in && in < end) {
                /* the name starts at the last '.' before the final '/' */
                char *slash = end;
                while (slash > in && *slash != '/')
                    slash--;
                char *dot = slash;
                while (dot > in && *dot != '.')
                    dot--;
                if (*dot == '.' && *slash == '/') {
                    size_t n = (size_t)(dot - r);
                    memmove(w, r, n);
                    w += n;
                    *w++ = '>';
                    r = end + 1;
                    continue;
                }
            }
        }
        *w++ = *r++;
    }
    *w = 0;
}

static char *print_alloc(ot_term t, ot_syntax syn, size_t limit)
{
    ot_print_opts o = { .syntax = syn, .limit = limit };
    char *s = ot_inspect(t, &o);
    cr_assert(s != NULL);
    /* ot_print must agree with ot_inspect. */
    ssize_t n = ot_print(NULL, 0, t, &o);
    cr_assert_eq((size_t)n, strlen(s));
    return s;
}

typedef struct stats {
    long terms, compared, skipped_elixir, big_maps;
} stats;

/* Checks one output line: hex ext, then base64 texts (Elixir, Erlang,
 * and optionally Elixir with limits 1, 2, 3, 5). */
static void check_line(char *line, stats *st, int hex_fields)
{
    static const size_t limits[] = { 1, 2, 3, 5 };
    char *fields[16];
    int nf = 0;
    for (char *tok = strtok(line, " "); tok && nf < 16; tok = strtok(NULL, " "))
        fields[nf++] = tok;
    cr_assert(nf >= 2 + hex_fields, "short oracle line");
    size_t hl = strlen(fields[0]);
    uint8_t *bin = malloc(hl / 2 + 1);
    cr_assert(tu_unhex(fields[0], hl, bin) >= 0);
    ot_heap *h = ot_heap_new();
    ot_term t;
    ot_decode_error err;
    ssize_t r = ot_decode(h, bin, hl / 2, NULL, &t, &err);
    cr_assert(r > 0, "decode failed for %s: %s", fields[0], err.what);
    bool local_fun = false, foreign = false;
    big_map = false;
    scan(t, &local_fun, &foreign);
    st->terms++;
    if (big_map) {
        /* Maps of more than 32 keys: BEAM lists them in its hash order,
         * otter in term order (documented), so the texts may differ in the
         * order of entries only: the same bytes, rearranged. */
        int first = hex_fields;
        for (int i = 0; i < 2; i++) {
            char *want = b64dup(fields[first + i], strlen(fields[first + i]));
            char *got = print_alloc(t, i ? OT_SYNTAX_ERLANG : OT_SYNTAX_ELIXIR, 0);
            if (foreign) {
                mask_nodes(want);
                mask_nodes(got);
            }
            if (local_fun && !i)
                drop_fun_names(want);
            cr_expect(same_bytes(got, want), "%s text of %s (a map of more than 32 keys) is not "
                      "BEAM's rearranged:\n got  %s\n want %s", i ? "Erlang" : "Elixir", fields[0], got, want);
            free(want);
            free(got);
        }
        st->big_maps++;
        free(bin);
        ot_heap_free(h);
        return;
    }

    int first = hex_fields; /* index of the Elixir text */
    char *want_ex = b64dup(fields[first], strlen(fields[first]));
    char *want_erl = b64dup(fields[first + 1], strlen(fields[first + 1]));
    char *got_ex = print_alloc(t, OT_SYNTAX_ELIXIR, 0);
    char *got_erl = print_alloc(t, OT_SYNTAX_ERLANG, 0);
    if (foreign) {
        mask_nodes(want_ex), mask_nodes(want_erl), mask_nodes(got_ex), mask_nodes(got_erl);
    }
    if (local_fun) {
        drop_fun_names(want_ex);
        st->skipped_elixir++;
    }
    cr_expect_str_eq(got_ex, want_ex, "Elixir text of %s:\n got  %s\n want %s", fields[0], got_ex, want_ex);
    cr_expect_str_eq(got_erl, want_erl, "Erlang text of %s:\n got  %s\n want %s", fields[0], got_erl, want_erl);
    st->compared += 2;
    for (int i = 0; i < 4 && first + 2 + i < nf; i++) {
        char *want = b64dup(fields[first + 2 + i], strlen(fields[first + 2 + i]));
        char *got = print_alloc(t, OT_SYNTAX_ELIXIR, limits[i]);
        if (foreign) {
            mask_nodes(want);
            mask_nodes(got);
        }
        if (local_fun)
            drop_fun_names(want);
        cr_expect_str_eq(got, want, "Elixir text with limit %zu of %s:\n got  %s\n want %s", limits[i], fields[0], got, want);
        st->compared++;
        free(want);
        free(got);
    }
    free(want_ex), free(want_erl), free(got_ex), free(got_erl), free(bin);
    ot_heap_free(h);
}

/* Runs tests/oracle/print_oracle.exs with args under a time limit and
 * returns its output. The oracle must finish: killed by the limit or
 * failing, the test fails (its partial output proves nothing). */
static char *run_oracle(const char *args, int secs)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "timeout -s KILL %d elixir '%s' %s", secs,
             tu_source_path("tests/oracle/print_oracle.exs"), args);
    size_t len;
    int status;
    char *out = tu_run(cmd, NULL, 0, &len, &status);
    cr_assert(status != 137 && status != 124, "%s: killed after %d s", cmd, secs);
    cr_assert(status == 0, "%s failed (status %d)", cmd, status);
    return out;
}

/* The oracle's last line, "end FIXED RANDOM": how many lines it printed
 * before it. Cuts it off out; fails if it is missing (a killed or broken
 * oracle) or if the random part is not the count asked for. */
static long oracle_end(char *out, long random)
{
    size_t n = strlen(out);
    while (n && out[n - 1] == '\n')
        out[--n] = 0;
    char *last = strrchr(out, '\n');
    char *line = last ? last + 1 : out;
    long fixed = -1, rnd = -1;
    cr_assert_eq(sscanf(line, "end %ld %ld", &fixed, &rnd), 2,
                 "the oracle's output does not end with \"end FIXED RANDOM\": %.200s", line);
    cr_assert_eq(rnd, random, "the oracle made %ld random terms, not %ld", rnd, random);
    cr_assert_gt(fixed, 0, "the oracle has no fixed cases");
    *line = 0;
    return fixed + rnd;
}

/* ---------------------------------------------------------------- tests */

Test(print_oracle, hard_cases_and_limits)
{
    char *out = run_oracle("terms 20240611 400", 300);
    long want = oracle_end(out, 400);
    stats st = { 0 };
    char *save;
    for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        check_line(line, &st, 1);
    cr_log_info("print_oracle: %ld terms, %ld texts compared, %ld local-fun terms, %ld big maps (compared as rearranged bytes)", st.terms, st.compared, st.skipped_elixir, st.big_maps);
    cr_assert_eq(st.terms, want, "%ld terms read, the oracle printed %ld", st.terms, want);
    /* this oracle keeps maps at 32 keys or fewer: every term is compared */
    cr_assert_eq(st.big_maps, 0);
    cr_assert_eq(st.compared, 6 * want, "%ld texts compared for %ld terms", st.compared, want);
    free(out);
}

Test(print_oracle, gen_terms)
{
    char args[2048];
    snprintf(args, sizeof args, "gen '%s' 4242 500", tu_source_path("tests/oracle/gen_terms.exs"));
    char *out = run_oracle(args, 300);
    long want = oracle_end(out, 500);
    stats st = { 0 };
    char *save;
    for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        /* hex(t2b), hex(t2b minor 2), b64(inspect), b64(io_lib) */
        check_line(line, &st, 2);
    }
    cr_log_info("gen_terms: %ld terms, %ld texts compared, %ld local-fun terms, %ld big maps (compared as rearranged bytes)", st.terms, st.compared, st.skipped_elixir, st.big_maps);
    cr_assert_eq(st.terms, want, "%ld terms read, the oracle printed %ld", st.terms, want);
    /* Two texts each; maps of more than 32 keys (BEAM's hash order) are
     * compared as the same bytes rearranged, and counted apart. */
    cr_assert_eq(st.compared, 2 * (want - st.big_maps), "%ld texts compared for %ld terms",
                 st.compared, want);
    cr_assert_gt(st.big_maps, 0, "gen_terms.exs has maps of more than 32 keys");
    free(out);
}

Test(print_oracle, floats)
{
    char *out = run_oracle("floats 99 20000", 300);
    long want = oracle_end(out, 20000);
    long n = 0;
    char *save;
    for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char hex[17], erl[64], ex[64];
        cr_assert_eq(sscanf(line, "%16s %63s %63s", hex, erl, ex), 3);
        uint8_t b[8];
        cr_assert_eq(tu_unhex(hex, 16, b), 8);
        uint64_t bits = 0;
        for (int i = 0; i < 8; i++)
            bits = bits << 8 | b[i];
        double d;
        memcpy(&d, &bits, sizeof d);
        ot__buf sb = { 0 };
        ot__float_text(&sb, d);
        char *got = ot__buf_take(&sb, NULL);
        cr_expect_str_eq(got, erl, "float_to_list of %s: got %s want %s", hex, got, erl);
        free(got);
        ot_heap *h = ot_heap_new();
        char buf[64];
        ot_print(buf, sizeof buf, ot_float(h, d), NULL);
        cr_expect_str_eq(buf, ex, "inspect of %s: got %s want %s", hex, buf, ex);
        ot_heap_free(h);
        n++;
    }
    cr_log_info("floats: %ld compared", n);
    cr_assert_eq(n, want, "%ld floats read, the oracle printed %ld", n, want);
    free(out);
}
