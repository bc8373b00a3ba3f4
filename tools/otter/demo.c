/* demo.c — the dashboard's demo actions (ot_dashboard_opts.action): the
 * ping/pong trace the Traces view records anew, and the tour's binary and
 * ETS spikes that move the memory chart. The otter command (otter tour
 * --serve, otter observe) and the dashboard's tests use this one copy.
 * Each action runs in a process of its own, spawned from the HTTP thread
 * that calls otter_demo_action. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo.h"
#include "otter/dashboard.h"
#include "otter/ets.h"
#include "otter/process.h"
#include "otter/trace.h"

/* ---------------------------------------------------------------- ping/pong */

/* The notebook's first cells: spawn a child that waits for :ping and
 * answers :pong. */
static void pong_child(void *arg)
{
    (void)arg;
    ot_term parent = ot_spawn_arg();
    ot_msg_free(ot_receive(ot_atom("ping"), 5000, NULL));
    ot_send(parent, ot_atom("pong"));
}

void otter_demo_ping_pong(void *arg)
{
    (void)arg;
    ot_spawn_opts o = {.term_arg = ot_self(), .initial_call = "tour:pong/1"};
    ot_term child = ot_spawn_opt(pong_child, NULL, &o);
    if (child == OT_NONE)
        return;
    ot_send(child, ot_atom("ping"));
    ot_msg_free(ot_receive(ot_atom("pong"), 5000, NULL));
}

static void trace_runner(void *arg)
{
    (void)arg;
    ot_heap *h = ot_proc_heap();
    ot_term rec = ot_seq_trace(h, otter_demo_ping_pong, NULL, NULL);
    if (rec != OT_NONE)
        ot_dashboard_add_trace("ping/pong (recorded from the dashboard)", rec);
}

/* ---------------------------------------------------------------- spikes */

/* for i <- 1..10_000, do: String.duplicate("cat", i) — the binaries live
 * until the comprehension's result is dropped; here, for two seconds. */
static void binary_spike(void *arg)
{
    (void)arg;
    ot_heap *h = ot_proc_heap();
    char *buf = malloc(3 * 10000);
    if (!buf)
        return;
    for (size_t i = 0; i < 10000; i++)
        memcpy(buf + 3 * i, "cat", 3);
    ot_term list = OT_NIL;
    for (size_t i = 1; i <= 10000; i++)
        list = ot_cons(h, ot_binary(h, buf, 3 * i), list);
    free(buf);
    ot_sleep(2000);
    ot_heap_reset(h);
}

/* tid = :ets.new(:users, [:set, :public]); insert {i, "User #{i}"} for a
 * million i. The table goes when its owner (this process) exits. */
static void ets_spike(void *arg)
{
    (void)arg;
    ot_heap *h = ot_proc_heap();
    ot_term tab;
    if (ot_ets_new(h, ot_atom("users"), ot_build(h, "[set, public]"), &tab))
        return;
    char text[32];
    for (int64_t i = 1; i <= 1000000; i++) {
        if ((i & 1023) == 0)
            ot_heap_reset(h); /* tab is immediate or rebuilt below */
        snprintf(text, sizeof text, "User %lld", (long long)i);
        ot_ets_insert(tab, ot_build(h, "{~l, ~s}", i, text));
    }
    ot_sleep(3000);
}

int otter_demo_action(const char *name)
{
    ot_proc_fn fn;
    const char *ic;
    if (!strcmp(name, "pingpong")) {
        fn = trace_runner;
        ic = "otter_dashboard:trace/0";
    } else if (!strcmp(name, "binary")) {
        fn = binary_spike;
        ic = "tour:binary_spike/0";
    } else if (!strcmp(name, "ets")) {
        fn = ets_spike;
        ic = "tour:ets_spike/0";
    } else
        return -EINVAL;
    ot_spawn_opts o = {.initial_call = ic};
    return ot_spawn_opt(fn, NULL, &o) == OT_NONE ? -EAGAIN : 0;
}
