/* bench_terms.c — how fast otter encodes, decodes, prints and matches terms.
 *
 * Two terms, the same as in the Erlang twin (bench/erl/bench_terms.erl and,
 * for printing, bench/erl/bench_terms_print.exs):
 *   ping    {ping, Pid, 42}: a typical small message, Pid = <0.84.0> of the
 *           local node;
 *   maps1k  a list of 1,000 process records shaped like the notebook's
 *           process table: %{pid: "#PID<0.I.0>", reductions: 1000 + 37 I,
 *           memory: 2688 + 8 (I rem 7), status: waiting|running|runnable}.
 *
 * Each operation includes making and freeing its result, as BEAM's does:
 *   encode  ot_encode_alloc + free           (term_to_binary/1)
 *           and ot_encode into a kept buffer (term_to_binary/1 again:
 *           BEAM has no way to encode into an existing buffer)
 *   decode  ot_decode onto a heap + reset    (binary_to_term/1)
 *   print   ot_inspect, Elixir syntax, no limit + free
 *                                            (Kernel.inspect(t, limit: :infinity))
 *   match   ot_match of {ping, From, N}, and of every list element against
 *           #{pid => Pid, reductions => R, memory => M, status => S}
 *           (a map pattern: the keys must be present), summing R + M.
 *           Reported twice under two names, because the twin has two ways
 *           to match: term_match_* pairs with a compiled case / function
 *           clause, term_match_*_runtime_* with a compiled match
 *           specification (ets:match_spec_run/2), BEAM's own pattern given
 *           at run time.
 *           Also under match: the ping check written as plain C with the
 *           term.h accessors, as a C user writes a pattern known at
 *           compile time (term_match_ping_c_ns; the twin: the compiled
 *           case again).
 *
 * Usage: bench_terms [encode] [decode] [print] [match]   (none: all four)
 * Output: RESULT term_<op>_ping_ns and term_<op>_maps1k_us lines (and the
 * match variants above), and CHECK lines (encoded and printed sizes, the
 * match sums) that the twin prints too.
 * Each figure is the best of OTTER_BENCH_REPS (3) repetitions of about
 * OTTER_BENCH_SECONDS (0.3 s) each; see benchutil.h. */
#include <otter/term.h>

#include "benchutil.h"

#define MAPS_N 1000

/* What one timed loop works on. */
typedef struct job {
    ot_term term;          /* the term to encode, print or match */
    ot_term pattern;       /* for match */
    ot_term atom;          /* for the hand-written match: the atom ping */
    const uint8_t *bytes;  /* for decode: the term's external encoding */
    size_t len;
    ot_heap *scratch;      /* for decode: reset after every operation */
    ot_print_opts print;   /* for print */
} job;

/* ---------------------------------------------------------------- terms */

static ot_term make_ping(ot_heap *h)
{
    ot_term pid = ot_pid(h, OT_ATOM(NONODE), 84, 0, 0);
    return ot_tuple(h, 3, ot_atom("ping"), pid, ot_int(h, 42));
}

/* The list of MAPS_N process records, built back to front. */
static ot_term make_maps(ot_heap *h)
{
    static const char *statuses[3] = { "waiting", "running", "runnable" };
    ot_term keys[4] = { ot_atom("pid"), OT_ATOM(REDUCTIONS), OT_ATOM(MEMORY), OT_ATOM(STATUS) };
    ot_term list = OT_NIL;
    for (int i = MAPS_N; i >= 1; i--) {
        char pid[32];
        snprintf(pid, sizeof pid, "#PID<0.%d.0>", i);
        ot_term values[4] = {
            ot_string(h, pid),
            ot_int(h, 1000 + 37 * i),
            ot_int(h, 2688 + 8 * (i % 7)),
            ot_atom(statuses[i % 3]),
        };
        list = ot_cons(h, ot_map(h, 4, keys, values), list);
    }
    return list;
}

/* ---------------------------------------------------------------- work */

static uint64_t work_encode(void *p, uint64_t iters)
{
    job *j = p;
    uint64_t sum = 0;
    for (uint64_t i = 0; i < iters; i++) {
        uint8_t *buf;
        ssize_t n = ot_encode_alloc(j->term, &buf, 0);
        if (n <= 0)
            bu_fail("ot_encode_alloc", ot_strerror((int)n));
        sum += (uint64_t)n + buf[n - 1];
        free(buf);
    }
    return sum;
}

/* Encoding into a buffer the caller keeps (what a socket writer does):
 * the same bytes, without a new allocation per term. */
static uint64_t work_encode_buf(void *p, uint64_t iters)
{
    job *j = p;
    static uint8_t buf[1 << 20];
    uint64_t sum = 0;
    for (uint64_t i = 0; i < iters; i++) {
        ssize_t n = ot_encode(j->term, buf, sizeof buf, 0);
        if (n <= 0)
            bu_fail("ot_encode", ot_strerror((int)n));
        sum += (uint64_t)n + buf[n - 1];
    }
    return sum;
}

static uint64_t work_decode(void *p, uint64_t iters)
{
    job *j = p;
    uint64_t sum = 0;
    for (uint64_t i = 0; i < iters; i++) {
        ot_term t;
        ot_decode_error err = { 0, NULL };
        ssize_t n = ot_decode(j->scratch, j->bytes, j->len, NULL, &t, &err);
        if (n < 0)
            bu_fail("ot_decode", err.what ? err.what : ot_strerror((int)n));
        sum += t;
        ot_heap_reset(j->scratch);
    }
    return sum;
}

static uint64_t work_print(void *p, uint64_t iters)
{
    job *j = p;
    uint64_t sum = 0;
    for (uint64_t i = 0; i < iters; i++) {
        char *s = ot_inspect(j->term, &j->print);
        if (!s)
            bu_fail("ot_inspect", "out of memory");
        sum += (unsigned char)s[0];
        free(s);
    }
    return sum;
}

static uint64_t work_match_ping(void *p, uint64_t iters)
{
    job *j = p;
    uint64_t sum = 0;
    ot_term binds[2];
    for (uint64_t i = 0; i < iters; i++) {
        if (ot_match(j->pattern, j->term, binds))
            sum += binds[1];
        else
            sum += 1;
    }
    return sum;
}

/* Hides x's value from the optimiser, so that a loop cannot be hoisted
 * even when the whole program is optimised together (LTO): the twin's
 * loops re-examine their term on every iteration too. */
#define OPAQUE(x) __asm__ volatile("" : "+r"(x))

/* {ping, From, N} checked by hand: what a C program writes when the
 * pattern is fixed at compile time. j->atom is the atom ping, made once. */
static uint64_t work_match_ping_c(void *p, uint64_t iters)
{
    job *j = p;
    uint64_t sum = 0;
    for (uint64_t i = 0; i < iters; i++) {
        ot_term t = j->term;
        OPAQUE(t);
        if (ot_is_tuple(t) && ot_tuple_arity(t) == 3 && ot_tuple_get(t, 0) == j->atom) {
            ot_term from = ot_tuple_get(t, 1), n = ot_tuple_get(t, 2);
            OPAQUE(from);
            sum += n;
        } else {
            sum += 1;
        }
    }
    return sum;
}

/* One pass over the list: R + M of every record that matches. */
static uint64_t match_maps_once(const job *j)
{
    uint64_t sum = 0;
    ot_term binds[4];
    for (ot_term l = j->term; l != OT_NIL; l = ot_tl(l)) {
        if (ot_match(j->pattern, ot_hd(l), binds)) {
            int64_t r = 0, m = 0;
            ot_get_int64(binds[1], &r);
            ot_get_int64(binds[2], &m);
            sum += (uint64_t)(r + m);
        }
    }
    return sum;
}

static uint64_t work_match_maps(void *p, uint64_t iters)
{
    uint64_t sum = 0;
    for (uint64_t i = 0; i < iters; i++)
        sum += match_maps_once(p);
    return sum;
}

/* ---------------------------------------------------------------- main */

/* The sum of n bytes: with the length, a cheap cross-check that otter and
 * BEAM produced the same bytes. */
static long long bytesum(const uint8_t *p, size_t n)
{
    long long s = 0;
    for (size_t i = 0; i < n; i++)
        s += p[i];
    return s;
}

/* Measures one operation on one term and prints its RESULT line; maps1k
 * figures are in microseconds, ping figures in nanoseconds. */
static void run(const bu_config *cfg, const char *name, bu_work w, job *j, int micro)
{
    double ns = bu_measure(name, cfg, w, j);
    bu_result(name, micro ? ns / 1000.0 : ns, micro ? "us" : "ns");
}

int main(int argc, char **argv)
{
    bu_config cfg = bu_config_init();
    ot_heap *h = ot_heap_new();
    ot_heap *scratch = ot_heap_new();
    if (!h || !scratch)
        bu_fail("ot_heap_new", "out of memory");

    ot_term ping = make_ping(h);
    ot_term maps = make_maps(h);
    if (ping == OT_NONE || maps == OT_NONE)
        bu_fail("building the terms", "out of memory");

    job jp = { .term = ping, .scratch = scratch };
    job jm = { .term = maps, .scratch = scratch };
    const char *names[2] = { "ping", "maps1k" };
    job *jobs[2] = { &jp, &jm };

    /* Encoded forms: needed by decode, and their sizes are cross-checked
     * (by the twin of encode and decode, bench_terms.erl). */
    uint8_t *enc[2] = { NULL, NULL };
    int codec = bu_wanted(argc, argv, "encode") || bu_wanted(argc, argv, "decode");
    for (int k = 0; k < 2 && codec; k++) {
        ssize_t n = ot_encode_alloc(jobs[k]->term, &enc[k], 0);
        if (n < 0)
            bu_fail("ot_encode_alloc", ot_strerror((int)n));
        jobs[k]->bytes = enc[k];
        jobs[k]->len = (size_t)n;
        char check[64];
        snprintf(check, sizeof check, "%s_encoded_bytes", names[k]);
        bu_check(check, (long long)n);
        snprintf(check, sizeof check, "%s_encoded_bytesum", names[k]);
        bu_check(check, bytesum(enc[k], (size_t)n));
    }

    if (bu_wanted(argc, argv, "encode")) {
        run(&cfg, "term_encode_ping_ns", work_encode, &jp, 0);
        run(&cfg, "term_encode_maps1k_us", work_encode, &jm, 1);
        run(&cfg, "term_encode_buf_ping_ns", work_encode_buf, &jp, 0);
        run(&cfg, "term_encode_buf_maps1k_us", work_encode_buf, &jm, 1);
    }
    if (bu_wanted(argc, argv, "decode")) {
        run(&cfg, "term_decode_ping_ns", work_decode, &jp, 0);
        run(&cfg, "term_decode_maps1k_us", work_decode, &jm, 1);
    }
    if (bu_wanted(argc, argv, "print")) {
        for (int k = 0; k < 2; k++) {
            jobs[k]->print = (ot_print_opts){ .syntax = OT_SYNTAX_ELIXIR, .limit = 0,
                                              .local_node = OT_NONE };
            char *s = ot_inspect(jobs[k]->term, &jobs[k]->print);
            if (!s)
                bu_fail("ot_inspect", "out of memory");
            char check[64];
            snprintf(check, sizeof check, "%s_printed_bytes", names[k]);
            bu_check(check, (long long)strlen(s));
            snprintf(check, sizeof check, "%s_printed_bytesum", names[k]);
            bu_check(check, bytesum((const uint8_t *)s, strlen(s)));
            free(s);
        }
        run(&cfg, "term_print_ping_ns", work_print, &jp, 0);
        run(&cfg, "term_print_maps1k_us", work_print, &jm, 1);
    }
    if (bu_wanted(argc, argv, "match")) {
        jp.pattern = ot_pattern(h, "{ping, From, N}");
        jm.pattern = ot_pattern(h, "#{pid => Pid, reductions => R, memory => M, status => S}");
        if (jp.pattern == OT_NONE || jm.pattern == OT_NONE)
            bu_fail("ot_pattern", "pattern rejected");
        ot_term binds[4];
        if (!ot_match(jp.pattern, ping, binds) || match_maps_once(&jm) == 0)
            bu_fail("ot_match", "the patterns do not match the terms");
        jp.atom = ot_atom("ping");
        if (work_match_ping_c(&jp, 1) != ot_tuple_get(ping, 2))
            bu_fail("the hand-written match", "it does not match the term");
        long long sum = (long long)match_maps_once(&jm);
        bu_check("maps1k_match_sum", sum);
        bu_check("maps1k_match_runtime_sum", sum);
        /* The same ot_match loops under the names of both twins' forms:
         * otter has one matcher, BEAM a compiled case and a compiled
         * match specification. Measured separately, so each pair gets
         * its own sample. */
        run(&cfg, "term_match_ping_ns", work_match_ping, &jp, 0);
        run(&cfg, "term_match_maps1k_us", work_match_maps, &jm, 1);
        run(&cfg, "term_match_ping_runtime_ns", work_match_ping, &jp, 0);
        run(&cfg, "term_match_maps1k_runtime_us", work_match_maps, &jm, 1);
        run(&cfg, "term_match_ping_c_ns", work_match_ping_c, &jp, 0);
    }

    free(enc[0]);
    free(enc[1]);
    ot_heap_free(scratch);
    ot_heap_free(h);
    return 0;
}
