/* listen.c — periodic listeners: Kino.listen(200, fn) in C. A listener
 * process calls fn(0), fn(1), ... every interval, one event at a time. Each
 * event runs in a process of its own, so an event that fails (returns an
 * error, exits, or faults) is logged and the listener goes on. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/core_internal.h"

typedef struct listener {
    int64_t interval_ms;
    ot_listen_fn fn;
    void *arg;
} listener;

typedef struct event {
    listener *l;
    int64_t i;
} event;

static void run_event(void *p)
{
    event *ev = p;
    int rc = ev->l->fn(ev->i, ev->l->arg);
    if (rc < 0)
        ot_exit(ot_build(ot_proc_heap(), "{error, ~i}", rc));
}

static void listen_loop(void *p)
{
    (void)p;
    /* The listener's parameters travel in its spawn term, which lives as
     * long as the process: nothing to free when it is killed. */
    ot_term a = ot_spawn_arg();
    uint64_t interval, fn, arg;
    ot_get_uint64(ot_tuple_get(a, 0), &interval);
    ot_get_uint64(ot_tuple_get(a, 1), &fn);
    ot_get_uint64(ot_tuple_get(a, 2), &arg);
    listener ls = {(int64_t)interval, (ot_listen_fn)(uintptr_t)fn, (void *)(uintptr_t)arg};
    listener *l = &ls;
    int64_t start = ot_monotonic_ms();
    ot_term pat = ot_pattern(ot_proc_heap(), "{'DOWN', R, process, _, Why}");
    for (int64_t i = 0;; i++) {
        event ev = {l, i};
        ot_term ref;
        ot_spawn_opts o = {.monitor = true, .monitor_ref = &ref, .initial_call = "otter:listen_event/2"};
        if (ot_spawn_opt(run_event, &ev, &o) != OT_NONE) {
            ot_term b[2];
            ot_msg *m;
            /* One event at a time: wait for this one to end. */
            while ((m = ot_receive(pat, OT_INFINITY, b)) && !ot_equal(b[0], ref))
                ot_msg_free(m);
            if (b[1] != OT_ATOM(NORMAL)) {
                char why[256];
                ot_print(why, sizeof why, b[1], NULL);
                fprintf(stderr, "otter: listener event %lld failed: %s\n", (long long)i, why);
            }
            ot_msg_free(m);
        }
        ot_heap_reset(ot_proc_heap());
        pat = ot_pattern(ot_proc_heap(), "{'DOWN', R, process, _, Why}");
        /* The next tick keeps to the schedule (no drift); a slow event
         * makes the next one start at once. */
        int64_t next = start + (i + 1) * l->interval_ms;
        int64_t now = ot_monotonic_ms();
        if (next > now)
            ot_sleep(next - now);
    }
}

ot_term ot_listen(int64_t interval_ms, ot_listen_fn fn, void *arg)
{
    if (interval_ms <= 0 || !fn)
        return OT_NONE;
    uint64_t words[8];
    ot_heap h;
    ot__heap_init_fixed(&h, words, 8);
    ot_spawn_opts o = {
        .initial_call = "otter:listen/2",
        .term_arg = ot_tuple(&h, 3, ot_uint(&h, (uint64_t)interval_ms),
                             ot_uint(&h, (uint64_t)(uintptr_t)fn), ot_uint(&h, (uint64_t)(uintptr_t)arg)),
    };
    ot_term pid = o.term_arg == OT_NONE ? OT_NONE : ot_spawn_opt(listen_loop, NULL, &o);
    ot__heap_release_fixed(&h);
    return pid;
}
