/* test_mermaid.c — the Mermaid writers (otter/mermaid.h).
 *
 * Exact text where Kino's format is known (the notebook's ping-pong, the
 * trees of Kino's own tests), error cases, caps, and then properties on
 * many generated traces and trees with adversarial names, labels and terms:
 * every output is parsed by the real mermaid (tests/viz/validate.mjs), every
 * participant and node appears, events keep their order, and the text
 * Mermaid shows for each name, label and node equals the original text. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "otter/mermaid.h"
#include "otter/term.h"
#include "testutil.h"
#include "../viz/vizcheck.h"

static ot_heap *h;
static void setup(void) { h = ot_heap_new(); }
static void teardown(void) { ot_heap_free(h); }
TestSuite(mermaid, .init = setup, .fini = teardown, .timeout = 300);

/* Cases for the validator; with in_browser set, Chromium draws them too. */
static bool in_browser;

static void mcase(vc_dir *d, const char *name, const char *ext, const char *text, ot_term expect)
{
    if (in_browser)
        expect = ot_map_put(h, expect, ot_atom("browser"), OT_ATOM(TRUE));
    vc_case(d, name, ext, text, expect);
}

static ot_term pid(uint32_t id)
{
    return ot_pid(h, ot_atom("nonode@nohost"), id, 0, 0);
}

static char *seq(ot_term trace, const ot_seq_opts *o)
{
    char *out = NULL;
    ot_mermaid_error e = {0};
    ssize_t n = ot_mermaid_seq(trace, o, &out, &e);
    cr_assert(n >= 0, "ot_mermaid_seq: %s (%s, event %zu)", ot_strerror((int)n),
              e.what ? e.what : "-", e.index);
    cr_assert_eq((size_t)n, strlen(out));
    return out;
}

static char *tree(ot_term t, const ot_tree_opts *o)
{
    char *out = NULL;
    ot_mermaid_error e = {0};
    ssize_t n = ot_mermaid_tree(t, o, &out, &e);
    cr_assert(n >= 0, "ot_mermaid_tree: %s (%s, node %zu)", ot_strerror((int)n),
              e.what ? e.what : "-", e.index);
    cr_assert_eq((size_t)n, strlen(out));
    return out;
}

#define INIT "%%{init: {'themeCSS': '.actor:last-of-type:not(:only-of-type) {dominant-baseline: hanging;}'} }%%\n"

/* ---------------------------------------------------------------- Kino's format */

/* The notebook's render_seq_trace cell: spawn, ping, pong, exit. */
static ot_term ping_pong(void)
{
    ot_term self = pid(84), child = pid(234);
    return ot_build(h,
        "#{self => ~p, events => ["
        "#{type => spawn, time => 10, from => ~p, to => ~p},"
        "#{type => send, time => 20, from => ~p, to => ~p, msg => ping},"
        "#{type => send, time => 30, from => ~p, to => ~p, msg => pong},"
        "#{type => exit, time => 40, from => ~p, to => ~p, reason => normal}]}",
        self, self, child, self, child, child, self, child, self);
}

Test(mermaid, notebook_ping_pong_is_kinos_text)
{
    char *out = seq(ping_pong(), NULL);
    cr_assert_str_eq(out, INIT
        "sequenceDiagram\n"
        "participant 0 AS self();\n"
        "participant 1 AS #35;PID<0.234.0>;\n"
        "0->>1: SPAWN\n"
        "activate 1\n"
        "0->>1: INFO: ping\n"
        "1->>0: INFO: pong\n"
        "1->>0: EXIT: normal\n"
        "deactivate 1\n");
    free(out);
}

Test(mermaid, participants_names_labels_and_pids)
{
    ot_term self = pid(84), reg = pid(100), lab = pid(240), plain = pid(7);
    ot_term t = ot_build(h,
        "#{self => ~p, processes => #{~p => #{name => 'Elixir.MyApp.Registry'},"
        "  ~p => #{label => <<\"ponger\">>}, ~p => #{label => {worker, 3}, name => []}},"
        " events => [#{type => send, from => ~p, to => ~p, msg => a},"
        "  #{type => send, from => ~p, to => ~p, msg => b},"
        "  #{type => send, from => ~p, to => ~p, msg => c},"
        "  #{type => send, from => ~p, to => some_name, msg => d}]}",
        self, reg, lab, plain, self, reg, lab, self, plain, self, self);
    ot_seq_opts o = {.flags = OT_SEQ_NO_INIT};
    char *out = seq(t, &o);
    cr_assert_str_eq(out,
        "sequenceDiagram\n"
        "participant 0 AS self();\n"
        "participant 1 AS MyApp.Registry;\n"
        "participant 2 AS ponger<br/><0.240.0>;\n"
        "participant 3 AS {:worker, 3}<br/><0.7.0>;\n"
        "participant 4 AS some_name;\n"
        "0->>1: INFO: a\n"
        "2->>0: INFO: b\n"
        "3->>0: INFO: c\n"
        "0->>4: INFO: d\n");
    free(out);
}

Test(mermaid, kinos_labels)
{
    ot_term a = pid(1), b = pid(2);
    uint32_t ids[3] = {1, 2, 3};
    ot_term ref = ot_ref(h, ot_atom("nonode@nohost"), 0, ids, 3);
    ot_term t = ot_build(h, "[#{type => send, from => ~p, to => ~p, msg => {'$gen_call', {~p, ~p}, {get, 1}}},"
        "#{type => send, from => ~p, to => ~p, msg => {'$gen_cast', {put, 2}}},"
        "#{type => send, from => ~p, to => ~p, msg => {'$gen_cast', <<\"x\">>}},"
        "#{type => send, from => ~p, to => ~p, msg => ~p},"
        "#{type => send, from => ~p, to => ~p, msg => {1, 2}},"
        "#{type => send, from => ~p, to => ~p, msg => [1]},"
        "#{type => send, from => ~p, to => ~p, msg => {'EXIT', ~p, {shutdown, x}}},"
        "#{type => down, from => ~p, to => ~p, reason => killed},"
        "#{type => send, from => ~p, to => ~p, msg => {'DOWN', ~p, process, ~p, shutdown}},"
        "#{type => send, from => ~p, to => ~p, msg => {spawn_request, r, a, b, c, d, e, f}},"
        "#{type => send, from => ~p, to => ~p, msg => {spawn_reply, r, ok, x}},"
        "#{type => send, from => ~p, to => ~p, msg => self_send}]",
        a, b, a, ref, a, b, a, b, a, b, ref, a, b, a, b, b, a, b, b, a, b, a, ref, b, a, b, a, b,
        a, a);
    ot_seq_opts o = {.flags = OT_SEQ_NO_INIT};
    char *out = seq(t, &o);
    cr_assert_str_eq(out,
        "sequenceDiagram\n"
        "participant 0 AS #35;PID<0.1.0>;\n"
        "participant 1 AS #35;PID<0.2.0>;\n"
        "0->>1: CALL: get\n"
        "0->>1: CAST: put\n"
        "0->>1: CAST: term\n"
        "0->>1: INFO: #35;Reference#lt;0.3.2.1#gt;\n"
        "0->>1: INFO: tuple\n"
        "0->>1: INFO: term\n"
        "1->>0: EXIT: shutdown\n"
        "1->>0: DOWN: abnormal\n"
        "1->>0: DOWN: shutdown\n"
        "0->>1: SPAWN\n"
        "activate 1\n");
    free(out);
}

Test(mermaid, full_messages_and_custom_labels)
{
    ot_term a = pid(1), b = pid(2);
    ot_term t = ot_build(h, "[#{type => send, from => ~p, to => ~p, msg => {ping, [1, 2, 3], <<\"a;b\">>}},"
        "#{type => exit, from => ~p, to => ~p, reason => {badarg, [x]}}]", a, b, b, a);
    ot_seq_opts o = {.flags = OT_SEQ_NO_INIT | OT_SEQ_FULL};
    char *out = seq(t, &o);
    cr_assert(strstr(out, "0->>1: INFO: {:ping, [1, 2, 3], #quot;a#59;b#quot;}\n"), "%s", out);
    cr_assert(strstr(out, "1->>0: EXIT: {:badarg, [:x]}\n"), "%s", out);
    free(out);
    /* print_limit is inspect's :limit */
    o.print_limit = 2;
    out = seq(t, &o);
    ot_print_opts po = {.limit = 2};
    char *want = ot_inspect(ot_build(h, "{ping, [1, 2, 3], <<\"a;b\">>}"), &po);
    cr_assert(strstr(want, "...") && strstr(out, "INFO: {:ping, ["), "%s", out);
    free(want);
    free(out);
}

static const char *my_label(void *arg, ot_term event)
{
    int *calls = arg;
    (*calls)++;
    ot_term msg = ot_map_get(event, ot_atom("msg"));
    return msg == ot_atom("ping") ? "PING: \"hello\"" : NULL;
}

Test(mermaid, custom_label_callback)
{
    ot_term a = pid(1), b = pid(2);
    ot_term t = ot_build(h, "[#{type => send, from => ~p, to => ~p, msg => ping},"
                            "#{type => send, from => ~p, to => ~p, msg => pong}]", a, b, b, a);
    int calls = 0;
    ot_seq_opts o = {.flags = OT_SEQ_NO_INIT, .label = my_label, .label_arg = &calls};
    char *out = seq(t, &o);
    cr_assert(strstr(out, "0->>1: PING#58; #quot;hello#quot;\n") || strstr(out, "0->>1: PING: #quot;hello#quot;\n"),
              "%s", out);
    cr_assert(strstr(out, "1->>0: INFO: pong\n"), "%s", out);
    cr_assert_eq(calls, 2);
    free(out);
}

Test(mermaid, replies_are_dashed_arrows)
{
    ot_term c = pid(1), srv = pid(2);
    uint32_t ids[3] = {9, 8, 7};
    ot_term ref = ot_ref(h, ot_atom("nonode@nohost"), 0, ids, 3);
    ot_term alias_tag = ot_cons(h, ot_atom("alias"), ref);
    ot_term t = ot_build(h, "[#{type => send, time => 1, from => ~p, to => ~p, msg => {'$gen_call', {~p, ~p}, get}},"
        "#{type => send, time => 2, from => ~p, to => ~p, msg => {~p, {ok, 42}}},"
        "#{type => send, time => 3, from => ~p, to => ~p, msg => {'$gen_call', {~p, ~p}, put}},"
        "#{type => send, time => 4, from => ~p, to => ~p, msg => {~p, ok}}]",
        c, srv, c, ref, srv, c, ref, c, srv, c, alias_tag, srv, ref, alias_tag);
    ot_seq_opts o = {.flags = OT_SEQ_NO_INIT | OT_SEQ_REPLIES};
    char *out = seq(t, &o);
    cr_assert_str_eq(out,
        "sequenceDiagram\n"
        "participant 0 AS #35;PID<0.1.0>;\n"
        "participant 1 AS #35;PID<0.2.0>;\n"
        "0->>1: CALL: get\n"
        "1-->>0: REPLY: ok\n"
        "0->>1: CALL: put\n"
        "1-->>0: REPLY: ok\n");
    free(out);
    /* without the flag, a reply is an ordinary message (Kino) */
    o.flags = OT_SEQ_NO_INIT;
    out = seq(t, &o);
    cr_assert(strstr(out, "1->>0: INFO: tuple\n"), "%s", out);
    free(out);
}

Test(mermaid, time_order_is_stable_and_targets_filter)
{
    ot_term a = pid(1), b = pid(2), c = pid(3);
    ot_term t = ot_build(h, "[#{type => send, time => 5, from => ~p, to => ~p, msg => m3},"
        "#{type => send, time => 1, from => ~p, to => ~p, msg => m1},"
        "#{type => send, time => 5, from => ~p, to => ~p, msg => m4},"
        "#{type => send, time => 2, from => ~p, to => ~p, msg => m2}]", a, b, b, c, c, a, a, c);
    ot_seq_opts o = {.flags = OT_SEQ_NO_INIT};
    char *out = seq(t, &o);
    cr_assert_str_eq(out,
        "sequenceDiagram\n"
        "participant 0 AS #35;PID<0.2.0>;\n"
        "participant 1 AS #35;PID<0.3.0>;\n"
        "participant 2 AS #35;PID<0.1.0>;\n"
        "0->>1: INFO: m1\n"
        "2->>1: INFO: m2\n"
        "2->>0: INFO: m3\n"
        "1->>2: INFO: m4\n");
    free(out);
    o.targets = ot_list(h, 1, b);
    out = seq(t, &o);
    cr_assert(strstr(out, "m1") && strstr(out, "m3") && !strstr(out, "m2") && !strstr(out, "m4"), "%s", out);
    free(out);
    o.targets = b;   /* one pid, as Kino's seq_trace(pid, fun) */
    out = seq(t, &o);
    cr_assert(strstr(out, "m1") && strstr(out, "m3") && !strstr(out, "m2") && !strstr(out, "m4"), "%s", out);
    free(out);
}

Test(mermaid, cap_and_byte_budget)
{
    ot_term a = pid(1), b = pid(2);
    ot_term ev = ot_build(h, "#{type => send, from => ~p, to => ~p, msg => hello}", a, b);
    ot_term evs[3000];
    for (int i = 0; i < 3000; i++)
        evs[i] = ev;
    ot_term t = ot_listv(h, 3000, evs);
    ot_seq_opts o = {.flags = OT_SEQ_NO_INIT, .max_events = 100};
    char *out = seq(t, &o);
    cr_assert(strstr(out, "Note over 0,1: … 2900 more events\n"), "%s", out);
    size_t arrows = 0;
    for (char *p = out; (p = strstr(p, "->>")); p++)
        arrows++;
    cr_assert_eq(arrows, 100);
    free(out);
    /* the default budget keeps the text below Mermaid's 50,000 characters */
    o.max_events = 0;
    out = seq(t, &o);
    cr_assert(strlen(out) <= 45000 && strstr(out, "more events\n"), "%zu", strlen(out));
    free(out);
    o.max_events = 1;
    out = seq(ot_list(h, 2, ev, ev), &o);
    cr_assert(strstr(out, "… 1 more event\n"), "%s", out);
    free(out);
}

Test(mermaid, many_participants)
{
    enum { N = 3000 };
    ot_term *evs = malloc(N * sizeof *evs);
    for (uint32_t i = 0; i < N; i++)
        evs[i] = ot_build(h, "#{type => send, from => ~p, to => ~p, msg => m}", pid(i), pid(i + 1));
    ot_seq_opts o = {.flags = OT_SEQ_NO_INIT, .max_events = N, .max_bytes = SIZE_MAX};
    char *out = seq(ot_listv(h, N, evs), &o);
    free(evs);
    /* every pid once, numbered in order of appearance, every event drawn */
    char want[64];
    for (uint32_t i = 0; i <= N; i += 97) {
        snprintf(want, sizeof want, "participant %u AS #35;PID<0.%u.0>;\n", i, i);
        cr_assert(strstr(out, want), "%s missing", want);
        if (i < N) {
            snprintf(want, sizeof want, "\n%u->>%u: INFO: m\n", i, i + 1);
            cr_assert(strstr(out, want), "%s missing", want);
        }
    }
    cr_assert_null(strstr(out, "more event"));
    cr_assert_null(strstr(out, "participant 3001 "));
    free(out);
}

Test(mermaid, exit_without_receiver_only_deactivates)
{
    ot_term a = pid(1), b = pid(2);
    ot_term t = ot_build(h, "[#{type => spawn, from => ~p, to => ~p},"
        "#{type => exit, from => ~p, reason => normal},"
        "#{type => exit, from => ~p, reason => normal}]", a, b, b, b);
    ot_seq_opts o = {.flags = OT_SEQ_NO_INIT};
    char *out = seq(t, &o);
    cr_assert_str_eq(out, "sequenceDiagram\n"
        "participant 0 AS #35;PID<0.1.0>;\n"
        "participant 1 AS #35;PID<0.2.0>;\n"
        "0->>1: SPAWN\nactivate 1\ndeactivate 1\n");
    free(out);
}

Test(mermaid, bad_traces_are_refused_with_a_reason)
{
    struct { const char *fmt; size_t index; } bad[] = {
        {"[#{type => send, from => a, msg => x}]", 0},
        {"[#{type => send, from => a, to => b, msg => x}, #{type => teleport, from => a, to => b}]", 1},
        {"[#{type => send, from => a, to => b}]", 0},
        {"[#{type => send, from => a, to => b, msg => x, time => soon}]", 0},
        {"[#{type => send, to => b, msg => x}]", 0},
        {"[not_a_map]", 0},
        {"[#{from => a, to => b}]", 0},
        {"#{events => notalist}", SIZE_MAX},
        {"#{noevents => []}", SIZE_MAX},
        {"#{events => [], processes => [1]}", SIZE_MAX},
        {"[a | b]", SIZE_MAX},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *out = (char *)1;
        ot_mermaid_error e = {0};
        ssize_t n = ot_mermaid_seq(ot_build(h, bad[i].fmt), NULL, &out, &e);
        cr_assert_eq(n, -EINVAL, "%s gave %zd", bad[i].fmt, n);
        cr_assert(e.what && *e.what, "%s: no reason", bad[i].fmt);
        cr_assert_eq(e.index, bad[i].index, "%s: index %zu", bad[i].fmt, e.index);
        cr_assert_null(out);
    }
    cr_assert_eq(ot_mermaid_seq(OT_NIL, NULL, NULL, NULL), -EINVAL);
}

/* Kino's own test of render_sup_tree, with ETS tables. */
static ot_term kino_tree(ot_term *agent)
{
    ot_term sup = pid(150), owner = pid(151), heir = pid(152);
    *agent = pid(201);
    return ot_build(h,
        "#{root => #{pid => ~p, name => supervisor_parent, type => supervisor,"
        "  links => [~p, ~p, ~p], children => ["
        "   #{pid => ~p, id => ets_owner, name => ets_owner, type => worker, links => [~p]},"
        "   #{pid => ~p, id => ets_heir, name => ets_heir, type => worker, links => [~p]},"
        "   #{pid => ~p, id => 'Elixir.Agent', type => worker, links => [~p]}]},"
        " ets => [#{name => test_ets_table, owner => ~p, heir => ~p, protection => protected}]}",
        sup, owner, heir, *agent, owner, sup, heir, sup, *agent, sup, owner, heir);
}

Test(mermaid, kinos_sup_tree_lines)
{
    ot_term agent;
    char *out = tree(kino_tree(&agent), NULL);
    cr_assert_str_eq(out,
        "graph TD;\n"
        "0(supervisor_parent):::root ---> 1(ets_owner):::worker\n"
        "0(supervisor_parent):::root ---> 2(ets_heir):::worker\n"
        "0(supervisor_parent):::root ---> 3(\"Agent<br/><0.201.0>\"):::worker\n"
        "1(ets_owner):::worker -- owner --> 4[(\"`test_ets_table\n**_protected_**`\")]:::ets\n"
        "4[(\"`test_ets_table\n**_protected_**`\")]:::ets -. heir .-> 2(ets_heir):::worker\n"
        "classDef root fill:#c4b5fd, stroke:#374151, stroke-width:4px, line-height:1.5em;\n"
        "classDef supervisor fill:#c4b5fd, stroke:#374151, stroke-width:1px, line-height:1.5em;\n"
        "classDef worker fill:#66c2a5, stroke:#374151, stroke-width:1px, line-height:1.5em;\n"
        "classDef notstarted color:#777, fill:#d9d9d9, stroke:#777, stroke-width:1px, line-height:1.5em;\n"
        "classDef ets fill:#a5f3fc, stroke:#374151, stroke-width:1px;\n");
    free(out);
}

Test(mermaid, not_started_labels_links_and_direction)
{
    ot_term sup = pid(10), w1 = pid(11), w2 = pid(12), sub = pid(13), w3 = pid(14);
    ot_term t = ot_build(h,
        "#{pid => ~p, type => supervisor, children => ["
        " #{pid => undefined, id => not_started, type => worker},"
        " #{pid => ~p, id => w1, label => <<\"my task\">>, links => [~p, ~p, ~p]},"
        " #{pid => ~p, id => sub, type => supervisor, children => ["
        "    #{pid => ~p, id => {w, 3}, links => [~p]}]},"
        " #{pid => ~p, id => <<\"w2\">>, links => [~p]}]}",
        sup, w1, w3, sup, pid(999), sub, w3, w1, w2, w1);
    ot_tree_opts o = {.flags = OT_TREE_LR};
    char *out = tree(t, &o);
    const char *want =
        "graph LR;\n"
        "0(#PID<0.10.0>):::root ---> 1(id: :not_started):::notstarted\n"
        "0(#PID<0.10.0>):::root ---> 2(\"my task<br/><0.11.0>\"):::worker\n"
        "0(#PID<0.10.0>):::root ---> 3(\":sub<br/><0.13.0>\"):::supervisor\n"
        "0(#PID<0.10.0>):::root ---> 5(\"w2<br/><0.12.0>\"):::worker\n"
        "2(\"my task<br/><0.11.0>\"):::worker -..- 4(\"{:w, 3}<br/><0.14.0>\"):::worker\n"
        "5(\"w2<br/><0.12.0>\"):::worker -..- 2(\"my task<br/><0.11.0>\"):::worker\n"
        "3(\":sub<br/><0.13.0>\"):::supervisor ---> 4(\"{:w, 3}<br/><0.14.0>\"):::worker\n";
    cr_assert(!strncmp(out, want, strlen(want)), "%s", out);
    free(out);
}

Test(mermaid, app_tree_lines_and_lone_root)
{
    ot_term t = ot_build(h, "#{root => #{pid => ~p, name => kernel_sup}, application => #{master => ~p, ancestor => ~p}}",
                         pid(50), pid(48), pid(49));
    char *out = tree(t, NULL);
    cr_assert(!strncmp(out,
        "graph TD;\n"
        "application_master(#PID<0.48.0>):::supervisor ---> supervisor_ancestor;\n"
        "supervisor_ancestor(#PID<0.49.0>):::supervisor ---> 0;\n"
        "0(kernel_sup):::root\n"
        "classDef root ", 150), "%s", out);
    free(out);
}

static ot_term wide_tree(int n)
{
    ot_term *kids = malloc((size_t)n * sizeof *kids);
    for (int i = 0; i < n; i++)
        kids[i] = ot_build(h, "#{pid => ~p, id => {worker, ~i}}", pid(1000 + (uint32_t)i), i);
    ot_term t = ot_build(h, "#{pid => ~p, name => big_sup, type => supervisor, children => ~p}", pid(999),
                         ot_listv(h, (size_t)n, kids));
    free(kids);
    return t;
}

Test(mermaid, big_trees_stay_within_the_budget)
{
    char *out = tree(wide_tree(2000), NULL);
    cr_assert(strlen(out) <= 45000, "%zu", strlen(out));
    cr_assert(strstr(out, "0(big_sup):::root ---> 1("), "%s", out);
    const char *more = strstr(out, "more[\"… ");
    cr_assert(more, "no note of the nodes left out");
    unsigned hidden = 0;
    cr_assert_eq(sscanf(more, "more[\"… %u more nodes\"]", &hidden), 1);
    size_t shown = 0;
    for (const char *p = out; (p = strstr(p, " ---> ")); p++)
        shown++;
    cr_assert_eq(shown + hidden, 2000, "%zu shown + %u hidden", shown, hidden);
    free(out);
    ot_tree_opts o = {.max_bytes = SIZE_MAX};
    out = tree(wide_tree(2000), &o);
    cr_assert_null(strstr(out, "more["));
    free(out);
    /* a budget too small for any edge still draws the root */
    o.max_bytes = 10;
    out = tree(wide_tree(3), &o);
    cr_assert(strstr(out, "\n0(big_sup):::root\nmore[\"… 3 more nodes\"]:::notstarted\n"), "%s", out);
    free(out);
}

Test(mermaid, bad_trees_are_refused_with_a_reason)
{
    const char *bad[] = {
        "#{name => x}",
        "#{pid => <0.1.0>, children => [#{pid => <0.2.0>}]}",
        "#{pid => <0.1.0>, children => notalist}",
        "#{pid => <0.1.0>, type => boss}",
        "#{pid => <0.1.0>, children => [x]}",
        "#{root => #{pid => <0.1.0>}, ets => [#{name => t}]}",
        "#{root => #{pid => <0.1.0>}, application => [1]}",
        "#{pid => <0.1.0>, links => x}",
        "[]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ot_term t;
        cr_assert_eq(ot_parse(h, bad[i], strlen(bad[i]), false, &t, NULL), 0, "%s", bad[i]);
        char *out = (char *)1;
        ot_mermaid_error e = {0};
        cr_assert_eq(ot_mermaid_tree(t, NULL, &out, &e), -EINVAL, "%s", bad[i]);
        cr_assert(e.what && *e.what);
        cr_assert_null(out);
    }
    /* too deep */
    ot_term node = ot_build(h, "#{pid => <0.1.0>, id => x}");
    for (int i = 0; i < 600; i++)
        node = ot_build(h, "#{pid => <0.1.0>, id => y, type => supervisor, children => [#{pid => <0.2.0>, id => x, type => supervisor, children => [~p]}]}", node);
    char *out;
    cr_assert_eq(ot_mermaid_tree(node, NULL, &out, NULL), -E2BIG);
}

Test(mermaid, escapes)
{
    struct { const char *in; ot_mermaid_place place; const char *want; } c[] = {
        {"plain", OT_MERMAID_TEXT, "plain"},
        {"#PID<0.1.0>", OT_MERMAID_TEXT, "#35;PID#lt;0.1.0#gt;"},
        {"say \"hi\"; & 50%", OT_MERMAID_TEXT, "say #quot;hi#quot;#59; #amp; 50#37;"},
        {" two\nlines ", OT_MERMAID_TEXT, "#32;two<br/>lines#32;"},
        {"a:b c:#d", OT_MERMAID_TEXT, "a:b c#58;#35;d"},
        {"tab\there", OT_MERMAID_TEXT, "tab#9;here"},
        {"", OT_MERMAID_TEXT, "#8203;"},
        {"\xff", OT_MERMAID_TEXT, "\xef\xbf\xbd"},
        {"my_ets_table", OT_MERMAID_MARKDOWN, "my_ets_table"},
        {"_x_ *y* 1. a", OT_MERMAID_MARKDOWN, "#95;x#95; #42;y#42; 1. a"},
        {"1. list", OT_MERMAID_MARKDOWN, "#49;. list"},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        char *out;
        ssize_t n = ot_mermaid_escape(c[i].in, strlen(c[i].in), c[i].place, &out);
        cr_assert(n >= 0);
        cr_assert_str_eq(out, c[i].want, "escaping %s", c[i].in);
        free(out);
    }
    char *out;
    cr_assert_eq(ot_mermaid_escape(NULL, 1, OT_MERMAID_TEXT, &out), -EINVAL);
}

/* Every allocation failing in turn: -ENOMEM or the whole text, and
 * nothing lost (LeakSanitizer's check at the end, in sanitizer builds). */
Test(mermaid, out_of_memory_loses_nothing)
{
    ot_term agent;
    ot_term t = kino_tree(&agent), tr = ping_pong();
    char *want_tree = tree(t, NULL), *want_seq = seq(tr, NULL);
    for (long k = 0; k < 200; k++) {
        char *out = NULL;
        ot_test_fail_alloc_after(k, 0);
        ssize_t n = ot_mermaid_tree(t, NULL, &out, NULL);
        ot_test_fail_alloc_after(-1, 0);
        cr_assert(n == -ENOMEM || (n > 0 && !strcmp(out, want_tree)), "k=%ld n=%zd", k, n);
        free(out);
        out = NULL;
        ot_test_fail_alloc_after(k, 0);
        n = ot_mermaid_seq(tr, NULL, &out, NULL);
        ot_test_fail_alloc_after(-1, 0);
        cr_assert(n == -ENOMEM || (n > 0 && !strcmp(out, want_seq)), "k=%ld n=%zd", k, n);
        free(out);
    }
    free(want_tree);
    free(want_seq);
    cr_assert_eq(tu_leaks(), 0, "leaks: see the report above");
}

/* ---------------------------------------------------------------- generated cases */

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static unsigned rnd(unsigned n) { return (unsigned)(tu_rng(&rng) % n); }

/* Pieces that have broken Mermaid text somewhere. */
static const char *const pieces[] = {
    "\"", "#", ";", ":", "<", ">", "&", "%%", "%", "`", "[", "]", "(", ")", "{", "}",
    "\n", "\r", "\t", " ", "  ", "end", "style", "classDef", "-->", "->>", "-x", "#35;",
    "&lt;", "<br/>", "<b>x</b>", "\xc3\xa9", "\xf0\x9d\x84\x9e", "\xe4\xb8\xad\xe6\x96\x87",
    "\xc2\xa0", "\xe2\x80\xa8", "\xc2\x85", "*", "_", "~", "\\", "1. ", "- ", "%%{init: {}}%%",
    "participant", " AS ", "Note", "x", "abc", "42", "'", "|", "$", "!", "=", "+", "::",
    ":::worker", "#quot;", "&amp;", "\x01", "\x7f", "Elixir.", "\xef\xbb\xbf", "@", ",", "/",
};

static void rand_text(char *buf, size_t cap)
{
    size_t len = 0;
    unsigned n = rnd(7);
    buf[0] = 0;
    for (unsigned i = 0; i < n; i++) {
        const char *p = pieces[rnd(sizeof pieces / sizeof *pieces)];
        size_t l = strlen(p);
        if (len + l + 1 >= cap)
            break;
        memcpy(buf + len, p, l + 1);
        len += l;
    }
}

static ot_term rand_term(int depth)
{
    char buf[128];
    switch (rnd(depth > 2 ? 6 : 10)) {
    case 0: return ot_int(h, (int64_t)tu_rng(&rng) >> rnd(64));
    case 1: rand_text(buf, sizeof buf); return ot_atom(buf);
    case 2: rand_text(buf, sizeof buf); return ot_string(h, buf);
    case 3: return pid(rnd(1000));
    case 4: { uint32_t ids[3] = {rnd(9), rnd(9), rnd(9)}; return ot_ref(h, ot_atom("nonode@nohost"), 0, ids, 3); }
    case 5: return ot_float(h, (double)rnd(100000) / 7.0);
    case 6: { ot_term e[4]; unsigned n = rnd(4); for (unsigned i = 0; i < n; i++) e[i] = rand_term(depth + 1); return ot_tuplev(h, n, e); }
    case 7: { ot_term e[4]; unsigned n = rnd(4); for (unsigned i = 0; i < n; i++) e[i] = rand_term(depth + 1); return ot_listv(h, n, e); }
    case 8: { ot_term k[3], v[3]; unsigned n = rnd(3); for (unsigned i = 0; i < n; i++) { k[i] = rand_term(depth + 1); v[i] = rand_term(depth + 1); } return ot_map(h, n, k, v); }
    default: { ot_term e[2] = {rand_term(depth + 1), rand_term(depth + 1)}; rand_text(buf, sizeof buf); return ot_tuple(h, 3, ot_atom(buf), e[0], e[1]); }
    }
}

/* What Mermaid must show: the text, cut after 120 characters with "…";
 * nothing at all shows as a zero-width space. */
static ot_term shown(const char *s, size_t n)
{
    size_t chars = 0, i = 0, cut = n;
    while (i < n) {
        if (chars == 119)
            cut = i;
        unsigned char c = (unsigned char)s[i];
        i += c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
        chars++;
    }
    if (n == 0)
        return ot_string(h, "\xe2\x80\x8b");
    if (chars <= 120)
        return ot_binary(h, s, n);
    char *b = malloc(cut + 4);
    memcpy(b, s, cut);
    memcpy(b + cut, "\xe2\x80\xa6", 3);
    ot_term t = ot_binary(h, b, cut + 3);
    free(b);
    return t;
}

static ot_term shown_term(ot_term t)
{
    ot_print_opts po = {.limit = 10};
    char *s = ot_inspect(t, &po);
    ot_term r = shown(s, strlen(s));
    free(s);
    return r;
}

static ot_term concat3(ot_term a, const char *mid, ot_term b)
{
    size_t na, nb;
    const uint8_t *pa = ot_binary_data(a, &na), *pb = ot_binary_data(b, &nb);
    size_t nm = strlen(mid);
    char *buf = malloc(na + nm + nb + 1);
    memcpy(buf, pa, na);
    memcpy(buf + na, mid, nm);
    memcpy(buf + na + nm, pb, nb);
    ot_term r = ot_binary(h, buf, na + nm + nb);
    free(buf);
    return r;
}

static ot_term str(const char *s) { return ot_string(h, s); }
static ot_term idstr(size_t i) { char b[24]; snprintf(b, sizeof b, "%zu", i); return ot_string(h, b); }

static ot_term erl_pid_text(ot_term p)
{
    ot_print_opts po = {.syntax = OT_SYNTAX_ERLANG};
    char *s = ot_inspect(p, &po);
    ot_term r = str(s);
    free(s);
    return r;
}

/* A random trace and what Mermaid must make of it. */
static void random_trace(vc_dir *d, int k)
{
    enum { NP = 6 };
    ot_term pids[NP], names[NP], labels[NP];
    ot_term self = pid(1);
    ot_term keys[NP], vals[NP];
    size_t nk = 0;
    char buf[128];
    for (int i = 0; i < NP; i++) {
        pids[i] = pid(10 + (uint32_t)i);
        names[i] = labels[i] = OT_NONE;
        unsigned r = rnd(3);
        if (r == 0) {
            rand_text(buf, sizeof buf);
            names[i] = ot_atom(buf);
            keys[nk] = pids[i];
            vals[nk++] = ot_build(h, "#{name => ~p}", names[i]);
        } else if (r == 1) {
            rand_text(buf, sizeof buf);
            labels[i] = ot_string(h, buf);
            keys[nk] = pids[i];
            vals[nk++] = ot_build(h, "#{label => ~p}", labels[i]);
        }
    }
    pids[0] = self;
    names[0] = labels[0] = OT_NONE;
    unsigned nev = 1 + rnd(12);
    ot_term evs[16], actors[NP], msgs[16];
    size_t nact = 0, nmsg = 0;
    int order[NP];
    for (int i = 0; i < NP; i++)
        order[i] = -1;
    for (unsigned e = 0; e < nev; e++) {
        int f = (int)rnd(NP), t = (int)rnd(NP);
        if (f == t)
            t = (t + 1) % NP;
        ot_term msg = rand_term(0);
        if (rnd(5) == 0)
            msg = ot_tuple(h, 3, OT_ATOM(GEN_CALL), ot_tuple(h, 2, pids[f], ot_int(h, 1)), msg);
        evs[e] = ot_build(h, "#{type => send, time => ~i, from => ~p, to => ~p, msg => ~p}", (int)e,
                          pids[f], pids[t], msg);
        int ends[2] = {f, t};
        for (int j = 0; j < 2; j++) {
            int p = ends[j];
            if (order[p] >= 0)
                continue;
            order[p] = (int)nact;
            ot_term text;
            if (p == 0) {
                text = str("self()");
            } else if (names[p] != OT_NONE) {
                size_t len;
                const char *a = ot_atom_text(names[p], &len);
                if (len > 7 && !memcmp(a, "Elixir.", 7))
                    a += 7, len -= 7;
                text = shown(a, len);
            } else if (labels[p] != OT_NONE) {
                size_t len;
                const uint8_t *b = ot_binary_data(labels[p], &len);
                text = concat3(shown((const char *)b, len), "\n", erl_pid_text(pids[p]));
            } else {
                ot_print_opts po = {0};
                char *s = ot_inspect(pids[p], &po);
                text = str(s);
                free(s);
            }
            actors[nact] = ot_list(h, 2, idstr(nact), text);
            nact++;
        }
        /* Kino's short label */
        ot_term body = msg, label;
        const char *prefix = "INFO: ";
        if (ot_tuple_arity(msg) == 3 && ot_tuple_get(msg, 0) == OT_ATOM(GEN_CALL)) {
            prefix = "CALL: ";
            body = ot_tuple_get(msg, 2);
        }
        ot_term head = ot_tuple_arity(body) ? ot_tuple_get(body, 0) : OT_NONE;
        size_t len;
        const char *a;
        if (head != OT_NONE && (a = ot_atom_text(head, &len)))
            label = shown(a, len);
        else if ((a = ot_atom_text(body, &len)))
            label = shown(a, len);
        else if (ot_is_ref(body))
            label = shown_term(body);
        else
            label = str(ot_is_tuple(body) ? "tuple" : "term");
        msgs[nmsg++] = ot_list(h, 4, idstr((size_t)order[f]), idstr((size_t)order[t]),
                               concat3(str(prefix), "", label), str("solid"));
    }
    ot_term trace = ot_build(h, "#{self => ~p, processes => ~p, events => ~p}", self,
                             ot_map(h, nk, keys, vals), ot_listv(h, nev, evs));
    char *out = seq(trace, NULL);
    ot_term expect = ot_build(h, "#{kind => mermaid, valid => true, diagram => <<\"sequence\">>,"
                                 " actors => ~p, messages => ~p}",
                              ot_listv(h, nact, actors), ot_listv(h, nmsg, msgs));
    char name[32];
    snprintf(name, sizeof name, "random-trace-%d", k);
    mcase(d, name, ".mmd", out, expect);
    free(out);
}

/* A random tree and what Mermaid must make of it. */
typedef struct gen {
    ot_term vertices[256], edges[512], markdown[16];
    size_t nv, ne, nm;
    ot_term pids[128];
    size_t pidix[128];
    size_t np, n;
} gen;

static ot_term node_shown(ot_term name, ot_term label, ot_term id, ot_term p, bool root)
{
    size_t len;
    const char *a;
    if (name != OT_NONE && (a = ot_atom_text(name, &len))) {
        if (len > 7 && !memcmp(a, "Elixir.", 7))
            a += 7, len -= 7;
        return shown(a, len);
    }
    if (label != OT_NONE || (!root && id != OT_NONE)) {
        ot_term l = label != OT_NONE ? label : id;
        const uint8_t *b;
        ot_term text = ot_is_binary(l) && (b = ot_binary_data(l, &len)) ? shown((const char *)b, len)
                                                                       : shown_term(l);
        return concat3(text, "\n", erl_pid_text(p));
    }
    ot_print_opts po = {0};
    char *s = ot_inspect(p, &po);
    ot_term r = str(s);
    free(s);
    return r;
}

static ot_term random_node(gen *g, size_t parent, int depth)
{
    char buf[128];
    size_t me = g->n++;
    bool root = parent == SIZE_MAX;
    bool running = root || rnd(6) != 0;
    bool sup = running && depth < 3 && rnd(3) == 0;
    ot_term p = running ? pid(100 + (uint32_t)me) : ot_atom("undefined");
    ot_term name = OT_NONE, label = OT_NONE, id = OT_NONE;
    if (!root) {
        id = rnd(2) ? rand_term(1) : ot_atom("worker");
    }
    unsigned r = rnd(3);
    if (r == 0) {
        rand_text(buf, sizeof buf);
        name = ot_atom(buf);
    } else if (r == 1) {
        rand_text(buf, sizeof buf);
        label = ot_string(h, buf);
    }
    ot_term node = ot_build(h, "#{pid => ~p, type => ~a}", p, sup || root ? "supervisor" : "worker");
    if (id != OT_NONE)
        node = ot_map_put(h, node, ot_atom("id"), id);
    if (name != OT_NONE)
        node = ot_map_put(h, node, ot_atom("name"), name);
    if (label != OT_NONE)
        node = ot_map_put(h, node, ot_atom("label"), label);
    ot_term text, cls;
    if (!running) {
        ot_print_opts po = {.limit = 10};
        char *s = ot_inspect(id, &po);
        size_t n = strlen(s);
        char *t = malloc(n + 5);
        memcpy(t, "id: ", 4);
        memcpy(t + 4, s, n + 1);
        text = shown(t, n + 4);
        free(s);
        free(t);
        cls = str("notstarted");
    } else {
        text = node_shown(name, label, id, p, root);
        cls = str(root ? "root" : sup ? "supervisor" : "worker");
        g->pids[g->np] = p;
        g->pidix[g->np++] = me;
    }
    g->vertices[g->nv++] = ot_list(h, 3, idstr(me), text, cls);
    if (!root)
        g->edges[g->ne++] = ot_list(h, 3, idstr(parent), idstr(me), str("sup"));
    if (sup || root) {
        unsigned nc = rnd(root ? 5 : 4);
        ot_term kids[5];
        for (unsigned i = 0; i < nc; i++)
            kids[i] = random_node(g, me, depth + 1);
        node = ot_map_put(h, node, ot_atom("children"), ot_listv(h, nc, kids));
    }
    return node;
}

/* A copy of the tree with each process's links from lm. */
static ot_term with_links(ot_term node, ot_term lm)
{
    ot_term p = ot_map_get(node, ot_atom("pid"));
    ot_term l = ot_map_get(lm, p);
    if (l != OT_NONE)
        node = ot_map_put(h, node, ot_atom("links"), l);
    ot_term kids = ot_map_get(node, ot_atom("children"));
    if (kids != OT_NONE) {
        ot_term out[8];
        size_t n = 0;
        for (ot_term k = kids; k != OT_NIL; k = ot_tl(k))
            out[n++] = with_links(ot_hd(k), lm);
        node = ot_map_put(h, node, ot_atom("children"), ot_listv(h, n, out));
    }
    return node;
}

static void random_tree(vc_dir *d, int k)
{
    gen *g = calloc(1, sizeof *g);
    ot_term root = random_node(g, SIZE_MAX, 0);
    /* links between random processes of the tree, and one to outside it */
    ot_term links[128];
    bool linked[128][128] = {{false}};
    for (size_t i = 0; i < g->np; i++)
        links[i] = OT_NIL;
    unsigned nlinks = g->np > 1 ? rnd(4) : 0;
    for (unsigned i = 0; i < nlinks; i++) {
        size_t a = rnd((unsigned)g->np), b = rnd((unsigned)g->np);
        if (a == b)
            continue;
        links[a] = ot_cons(h, g->pids[b], links[a]);
        size_t x = g->pidix[a] < g->pidix[b] ? g->pidix[a] : g->pidix[b];
        size_t y = g->pidix[a] < g->pidix[b] ? g->pidix[b] : g->pidix[a];
        if (linked[x][y])
            continue;
        linked[x][y] = true;
        /* a supervision edge between the two wins */
        bool sup_edge = false;
        for (size_t e = 0; e < g->ne; e++) {
            ot_term ed = g->edges[e];
            ot_term s0 = ot_hd(ed), s1 = ot_hd(ot_tl(ed));
            if ((ot_equal(s0, idstr(x)) && ot_equal(s1, idstr(y))) ||
                (ot_equal(s0, idstr(y)) && ot_equal(s1, idstr(x))))
                sup_edge = true;
        }
        if (!sup_edge)
            g->edges[g->ne++] = ot_list(h, 3, idstr(x), idstr(y), str("link"));
    }
    links[0] = ot_cons(h, pid(99999), links[0]);   /* leaves the tree: not drawn */
    ot_term tables[4];
    unsigned nt = rnd(4);
    size_t next = g->n;
    char buf[128];
    size_t ntab = 0;
    for (unsigned i = 0; i < nt; i++) {
        bool inside = rnd(4) != 0;
        size_t o = rnd((unsigned)g->np);
        ot_term owner = inside ? g->pids[o] : pid(88888);
        rand_text(buf, sizeof buf);
        ot_term name = ot_atom(buf);
        const char *prots[] = {"protected", "public", "private"};
        const char *prot = prots[rnd(3)];
        size_t hi = rnd((unsigned)g->np);
        bool heir = rnd(2) && hi != o;
        tables[ntab++] = ot_build(h, "#{name => ~p, owner => ~p, heir => ~p, protection => ~a}", name, owner,
                                  heir ? g->pids[hi] : ot_atom("none"), prot);
        if (!inside)
            continue;
        size_t me = next++;
        size_t len;
        const char *a = ot_atom_text(name, &len);
        if (len > 7 && !memcmp(a, "Elixir.", 7))
            a += 7, len -= 7;
        g->markdown[g->nm++] = ot_list(h, 3, idstr(me), shown(a, len), str(prot));
        g->edges[g->ne++] = ot_list(h, 3, idstr(g->pidix[o]), idstr(me), str("owner"));
        if (heir)
            g->edges[g->ne++] = ot_list(h, 3, idstr(me), idstr(g->pidix[hi]), str("heir"));
    }
    ot_term in = ot_build(h, "#{root => ~p, ets => ~p}", root, ot_listv(h, ntab, tables));
    /* the links of every process, put into the node maps */
    ot_term lk[128], lv[128];
    for (size_t i = 0; i < g->np; i++) {
        lk[i] = g->pids[i];
        lv[i] = links[i];
    }
    ot_term linkmap = ot_map(h, g->np, lk, lv);
    in = ot_map_put(h, in, ot_atom("root"), with_links(root, linkmap));
    char *out = tree(in, NULL);
    ot_term expect = ot_build(h, "#{kind => mermaid, valid => true, diagram => <<\"flowchart-v2\">>,"
                                 " vertices => ~p, edges => ~p, markdown => ~p}",
                              ot_listv(h, g->nv, g->vertices), ot_listv(h, g->ne, g->edges),
                              ot_listv(h, g->nm, g->markdown));
    char name[32];
    snprintf(name, sizeof name, "random-tree-%d", k);
    mcase(d, name, ".mmd", out, expect);
    free(out);
    free(g);
}

/* Every adversarial text as a participant, a message and a node. */
static void escape_cases(vc_dir *d, bool variants)
{
    for (size_t i = 0; i < sizeof pieces / sizeof *pieces; i++) {
        char buf[160];
        snprintf(buf, sizeof buf, "a%sb", pieces[i]);
        const char *texts[3] = {pieces[i], variants ? buf : NULL, NULL};
        for (int j = 0; texts[j]; j++) {
            char *esc;
            const char *t = texts[j];
            cr_assert(ot_mermaid_escape(t, strlen(t), OT_MERMAID_TEXT, &esc) >= 0);
            char text[600];
            snprintf(text, sizeof text, "sequenceDiagram\nparticipant 0 AS %s;\n0->>0: %s\n", esc, esc);
            ot_term want_text = shown(t, strlen(t));
            ot_term expect = ot_build(h, "#{kind => mermaid, valid => true, actors => [[<<\"0\">>, ~p]],"
                                         " messages => [[<<\"0\">>, <<\"0\">>, ~p, <<\"solid\">>]]}",
                                      want_text, want_text);
            mcase(d, "escape-seq", ".mmd", text, expect);
            snprintf(text, sizeof text, "graph TD;\n0(\"%s\"):::worker ---> 1(\"%s\"):::worker\n", esc, esc);
            expect = ot_build(h, "#{kind => mermaid, valid => true,"
                                 " vertices => [[<<\"0\">>, ~p, <<\"worker\">>], [<<\"1\">>, ~p, <<\"worker\">>]]}",
                              want_text, want_text);
            mcase(d, "escape-graph", ".mmd", text, expect);
            free(esc);
            cr_assert(ot_mermaid_escape(t, strlen(t), OT_MERMAID_MARKDOWN, &esc) >= 0);
            snprintf(text, sizeof text, "graph TD;\n0(x) -- owner --> 1[(\"`%s\n**_public_**`\")]:::ets\n", esc);
            expect = ot_build(h, "#{kind => mermaid, valid => true, markdown => [[<<\"1\">>, ~p, <<\"public\">>]]}",
                              want_text);
            mcase(d, "escape-markdown", ".mmd", text, expect);
            free(esc);
        }
    }
}

/* Kino's fixtures, a capped trace, and cases the validator must reject. */
static void fixture_cases(vc_dir *dir)
{
    char *out = seq(ping_pong(), NULL);
    mcase(dir, "ping-pong", ".mmd", out, ot_build(h,
        "#{kind => mermaid, valid => true, diagram => <<\"sequence\">>,"
        " actors => [[<<\"0\">>, <<\"self()\">>], [<<\"1\">>, <<\"#PID<0.234.0>\">>]],"
        " messages => [[<<\"0\">>, <<\"1\">>, <<\"SPAWN\">>, <<\"solid\">>], [<<\"1\">>, <<>>, <<>>, <<\"activate\">>],"
        "  [<<\"0\">>, <<\"1\">>, <<\"INFO: ping\">>, <<\"solid\">>], [<<\"1\">>, <<\"0\">>, <<\"INFO: pong\">>, <<\"solid\">>],"
        "  [<<\"1\">>, <<\"0\">>, <<\"EXIT: normal\">>, <<\"solid\">>], [<<\"1\">>, <<>>, <<>>, <<\"deactivate\">>]]}"));
    free(out);
    ot_term agent;
    out = tree(kino_tree(&agent), NULL);
    mcase(dir, "kino-sup-tree", ".mmd", out, ot_build(h,
        "#{kind => mermaid, valid => true, diagram => <<\"flowchart-v2\">>,"
        " vertices => [[<<\"0\">>, <<\"supervisor_parent\">>, <<\"root\">>], [<<\"1\">>, <<\"ets_owner\">>, <<\"worker\">>],"
        "  [<<\"2\">>, <<\"ets_heir\">>, <<\"worker\">>], [<<\"3\">>, <<\"Agent\\n<0.201.0>\">>, <<\"worker\">>]],"
        " markdown => [[<<\"4\">>, <<\"test_ets_table\">>, <<\"protected\">>]],"
        " edges => [[<<\"0\">>, <<\"1\">>, <<\"sup\">>], [<<\"0\">>, <<\"2\">>, <<\"sup\">>], [<<\"0\">>, <<\"3\">>, <<\"sup\">>],"
        "  [<<\"1\">>, <<\"4\">>, <<\"owner\">>], [<<\"4\">>, <<\"2\">>, <<\"heir\">>]]}"));
    free(out);
    /* a capped trace: the note is part of the diagram */
    ot_term ev = ot_build(h, "#{type => send, from => ~p, to => ~p, msg => hello}", pid(1), pid(2));
    ot_term evs[50];
    for (int i = 0; i < 50; i++)
        evs[i] = ev;
    ot_seq_opts o = {.max_events = 3};
    out = seq(ot_listv(h, 50, evs), &o);
    mcase(dir, "capped", ".mmd", out, ot_build(h, "#{kind => mermaid, valid => true,"
        " messages => [[<<\"0\">>, <<\"1\">>, <<\"INFO: hello\">>, <<\"solid\">>],"
        "  [<<\"0\">>, <<\"1\">>, <<\"INFO: hello\">>, <<\"solid\">>], [<<\"0\">>, <<\"1\">>, <<\"INFO: hello\">>, <<\"solid\">>],"
        "  [<<\"0\">>, <<\"1\">>, ~s, <<\"note\">>]]}", "\xe2\x80\xa6 47 more events"));
    free(out);
    /* a tree cut at the byte budget is still a diagram */
    ot_tree_opts to = {.max_bytes = 3000};
    out = tree(wide_tree(200), &to);
    mcase(dir, "capped-tree", ".mmd", out, ot_build(h, "#{kind => mermaid, valid => true, diagram => <<\"flowchart-v2\">>}"));
    free(out);
    /* the validator must reject what Mermaid rejects */
    mcase(dir, "negative-semicolon", ".mmd", "sequenceDiagram\nparticipant 0 AS a;b;\n",
            ot_build(h, "#{kind => mermaid, valid => false}"));
    mcase(dir, "negative-quote", ".mmd", "graph TD;\n0(\"a \"b\" c\"):::root\n",
            ot_build(h, "#{kind => mermaid, valid => false}"));
    mcase(dir, "negative-wrong-text", ".mmd", "sequenceDiagram\nparticipant 0 AS x#59;;\n",
            ot_build(h, "#{kind => mermaid, valid => false, actors => [[<<\"0\">>, <<\"y\">>]]}"));
}

/* Everything through mermaid's parser: every text shown as it is. */
Test(mermaid, real_mermaid_parses_and_shows_everything)
{
    vc_dir d;
    vc_open(&d);
    in_browser = false;
    fixture_cases(&d);
    escape_cases(&d, true);
    for (int k = 0; k < 150; k++)
        random_trace(&d, k);
    for (int k = 0; k < 150; k++)
        random_tree(&d, k);
    vc_run(&d);
}

/* Fewer cases, drawn by mermaid.render in headless Chromium as well. */
Test(mermaid, chromium_draws_the_text)
{
    vc_dir d;
    vc_open(&d);
    in_browser = true;
    fixture_cases(&d);
    escape_cases(&d, false);
    for (int k = 0; k < 10; k++)
        random_trace(&d, k);
    for (int k = 0; k < 10; k++)
        random_tree(&d, k);
    vc_run(&d);
}
