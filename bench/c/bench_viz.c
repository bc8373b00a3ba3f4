/* bench_viz.c — what watching costs, for the visualisation issue (no BEAM
 * twin: BEAM has no counterpart of these programs without Kino; the
 * figures are reported for information):
 *
 *   trace    ping-pong round trips untraced, then the same under a
 *            sequential trace (every message recorded, up to the trace's
 *            cap of 10,000 events, counted beyond it):
 *            viz_pingpong_untraced_ns, viz_pingpong_traced_ns
 *   tree     a supervision tree of one supervisor and 10,000 workers drawn
 *            as Mermaid: viz_tree_10k_ms (and CHECK of the text's size)
 *   scatter  the notebook's scatter for 1,000,000 processes (synthetic
 *            rows, aggregated into log bins): viz_scatter_1m_ms
 *
 * Usage: bench_viz trace|tree|scatter */
#include <otter/mermaid.h>
#include <otter/process.h>
#include <otter/term.h>
#include <otter/trace.h>
#include <otter/vegalite.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchutil.h"

#define ROUNDS 200000

static double out_ns[2];

static void pong(void *arg)
{
    (void)arg;
    for (;;) {
        ot_msg *m = ot_receive(OT_NONE, OT_INFINITY, NULL);
        ot_term from = ot_msg_term(m);
        ot_msg_free(m);
        if (!ot_is_pid(from))
            return;
        ot_send(from, ot_atom("pong"));
    }
}

static void rounds(void *arg)
{
    ot_term peer = *(ot_term *)arg;
    ot_term self = ot_self();
    for (int i = 0; i < ROUNDS; i++) {
        ot_send(peer, self);
        ot_msg_free(ot_receive(OT_NONE, OT_INFINITY, NULL));
    }
}

static void trace_main(void *arg)
{
    (void)arg;
    ot_term peer = ot_spawn(pong, NULL);
    rounds(&peer);   /* warm */
    uint64_t t0 = bu_now_ns();
    rounds(&peer);
    uint64_t t1 = bu_now_ns();
    ot_heap *h = ot_heap_new();
    /* the peer takes the token with the first traced message */
    ot_term rec = ot_seq_trace(h, rounds, &peer, NULL);
    uint64_t t2 = bu_now_ns();
    out_ns[0] = (double)(t1 - t0) / ROUNDS;
    out_ns[1] = (double)(t2 - t1) / ROUNDS;
    int64_t dropped = 0;
    ot_get_int64(ot_map_get(rec, ot_atom("dropped")), &dropped);
    bu_check("viz_trace_events", (long long)ot_list_length(ot_map_get(rec, ot_atom("events"))) + dropped);
    ot_send(peer, ot_atom("stop"));
    ot_heap_free(h);
}

static void tree(void)
{
    ot_heap *h = ot_heap_new();
    enum { N = 10000 };
    ot_term *kids = malloc(N * sizeof *kids);
    for (int i = 0; i < N; i++)
        kids[i] = ot_build(h, "#{pid => ~t, id => {worker, ~i}, type => worker, links => []}",
                           ot_pid(h, ot_atom("nonode@nohost"), (uint32_t)(100 + i), 0, 0), i);
    ot_term root = ot_build(h, "#{pid => ~t, type => supervisor, name => big_sup, children => ~t}",
                            ot_pid(h, ot_atom("nonode@nohost"), 99, 0, 0), ot_listv(h, N, kids));
    ot_term t = ot_build(h, "#{root => ~t}", root);
    double best = 1e30;
    ssize_t len = 0;
    for (int r = 0; r < 5; r++) {
        char *text;
        uint64_t t0 = bu_now_ns();
        len = ot_mermaid_tree(t, NULL, &text, NULL);
        uint64_t t1 = bu_now_ns();
        if (len < 0)
            bu_fail("tree", "ot_mermaid_tree failed");
        free(text);
        if ((double)(t1 - t0) < best)
            best = (double)(t1 - t0);
    }
    bu_result("viz_tree_10k_ms", best / 1e6, "ms");
    bu_check("viz_tree_10k_bytes", len);
    free(kids);
    ot_heap_free(h);
}

static void scatter(void)
{
    ot_heap *h = ot_heap_new();
    enum { N = 1000000 };
    static const char *const st[] = {"waiting", "running", "runnable"};
    ot_term rows = OT_NIL;
    uint64_t x = 1;
    for (int i = 0; i < N; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        rows = ot_cons(h, ot_build(h, "#{pid => ~i, reductions => ~l, memory => ~l, status => ~a}", i,
                                   (int64_t)(x >> 44), (int64_t)(2000 + ((x >> 20) & 0xffff)),
                                   st[(x >> 8) % 3]),
                       rows);
    }
    ot_heap *out = ot_heap_new();
    double best = 1e30;
    for (int r = 0; r < 3; r++) {
        uint64_t t0 = bu_now_ns();
        ot_term spec = ot_vl_process_scatter(out, rows, NULL);
        uint64_t t1 = bu_now_ns();
        if (spec == OT_NONE)
            bu_fail("scatter", "ot_vl_process_scatter failed");
        ot_heap_reset(out);
        if ((double)(t1 - t0) < best)
            best = (double)(t1 - t0);
    }
    bu_result("viz_scatter_1m_ms", best / 1e6, "ms");
    ot_heap_free(out);
    ot_heap_free(h);
}

int main(int argc, char **argv)
{
    const char *job = argc > 1 ? argv[1] : "";
    if (strcmp(job, "trace") == 0) {
        if (ot_run(trace_main, NULL, NULL) != 0)
            bu_fail("trace", "the runtime failed");
        bu_result("viz_pingpong_untraced_ns", out_ns[0], "ns");
        bu_result("viz_pingpong_traced_ns", out_ns[1], "ns");
    } else if (strcmp(job, "tree") == 0) {
        tree();
    } else if (strcmp(job, "scatter") == 0) {
        scatter();
    } else {
        fprintf(stderr, "usage: bench_viz trace|tree|scatter\n");
        return 2;
    }
    return 0;
}
