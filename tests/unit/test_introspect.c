/* test_introspect.c — ot_processes and ot_process_info answer as
 * erlang:processes/0 and erlang:process_info/2 do. */
#include <errno.h>
#include <stdint.h>

#include "otter/introspect.h"
#include <stdatomic.h>

#include "core/core_internal.h"
#include "proctest.h"

static void waiter(void *arg)
{
    (void)arg;
    ot_msg_free(ot_receive(ot_atom("never"), OT_INFINITY, NULL));
}

static ot_term info(ot_term pid, const char *key)
{
    ot_term t = ot_process_info(ot_proc_heap(), pid, ot_atom(key));
    return ot_tuple_arity(t) == 2 ? ot_tuple_get(t, 1) : t;
}

static bool list_has(ot_term list, ot_term x)
{
    for (; ot_is_list(list) && list != OT_NIL; list = ot_tl(list))
        if (ot_equal(ot_hd(list), x))
            return true;
    return false;
}

static void info_body(void *arg)
{
    (void)arg;
    ot_heap *h = ot_proc_heap();
    ot_spawn_opts o = {.link = true, .initial_call = "demo:waiter/1", .label = ot_atom("worker")};
    ot_term w = ot_spawn_opt(waiter, NULL, &o);
    ot_term ref = ot_monitor(NULL, w);
    ot_sleep(20);

    ot_term all = ot_processes(h);
    CHECK(list_has(all, w) && list_has(all, ot_self()));
    CHECK(ot_list_length(all) == (ssize_t)ot_process_count());

    CHECK(info(w, "status") == OT_ATOM(WAITING));
    CHECK(info(ot_self(), "status") == OT_ATOM(RUNNING));
    CHECK(ot_process_info(h, w, OT_ATOM(REGISTERED_NAME)) == OT_NIL, "[] when unnamed, as BEAM");
    ot_register(ot_atom("the_waiter"), w);
    CHECK(info(w, "registered_name") == ot_atom("the_waiter"));
    CHECK(info(w, "label") == ot_atom("worker"));
    CHECK(ot_equal(info(w, "initial_call"), ot_build(h, "{demo, waiter, 1}")));
    CHECK(ot_equal(info(w, "current_function"), ot_build(h, "{otter, 'receive', 3}")));
    CHECK(list_has(info(w, "links"), ot_self()));
    CHECK(list_has(info(ot_self(), "links"), w));
    CHECK(list_has(info(w, "monitored_by"), ot_self()));
    CHECK(list_has(info(ot_self(), "monitors"), ot_build(h, "{process, ~p}", w)));
    CHECK(info(w, "trap_exit") == OT_ATOM(FALSE));

    /* The mailbox: length and memory follow the messages. */
    int64_t mem0, mem1, len;
    ot_get_int64(info(w, "memory"), &mem0);
    for (int i = 0; i < 100; i++)
        ot_send(w, ot_build(h, "{data, ~i, <<\"some bytes to hold\">>}", i));
    ot_sleep(20);
    ot_get_int64(info(w, "message_queue_len"), &len);
    CHECK(len >= 1, "queue length %lld", (long long)len);
    ot_get_int64(info(w, "memory"), &mem1);
    CHECK(mem0 > 200 && mem0 < 4096, "memory of a waiting process: %lld", (long long)mem0);

    /* Several keys at once, in the order asked. */
    ot_term l = ot_process_info(h, w, ot_build(h, "[reductions, memory, status]"));
    CHECK(ot_list_length(l) == 3);
    CHECK(ot_tuple_get(ot_hd(l), 0) == OT_ATOM(REDUCTIONS));
    CHECK(ot_tuple_get(ot_hd(ot_tl(ot_tl(l))), 1) == OT_ATOM(WAITING));

    /* Bad keys are refused; dead processes are undefined. */
    CHECK(ot_process_info(h, w, ot_atom("no_such_key")) == OT_NONE);
    CHECK(ot_process_info(h, w, ot_build(h, "[status, 42]")) == OT_NONE);
    ot_unlink(w);
    ot_exit_signal(w, OT_ATOM(KILL));
    ot_msg_free(ot_receive(ot_pattern(h, "{'DOWN', _, _, _, _}"), 2000, NULL));
    (void)ref;
    CHECK(ot_process_info(h, w, OT_ATOM(STATUS)) == OT_ATOM(UNDEFINED));
    CHECK(!list_has(ot_processes(h), w));
}

Test(introspect, process_info_keys) { pt_run(info_body, NULL, 2); }

static void idle(void *arg)
{
    (void)arg;
    ot_msg_free(ot_receive(OT_NONE, OT_INFINITY, NULL));
}

static void walk_body(void *arg)
{
    (void)arg;
    enum { N = 50000 };
    for (int i = 0; i < N; i++)
        ot_spawn(idle, NULL);
    ot_sleep(50);
    ot_heap *h = ot_heap_new();
    ot_term all = ot_processes(h);
    CHECK(ot_list_length(all) == N + 1, "%zd", ot_list_length(all));
    ot_term keys = ot_build(h, "[reductions, memory, status]");
    /* Every one of them gets to its receive; walking them all (as the
     * notebook's cell does) sees each one waiting. */
    size_t waiting = 0;
    for (int round = 0; round < 300 && waiting != N; round++) {
        waiting = 0;
        for (ot_term l = all; l != OT_NIL; l = ot_tl(l)) {
            ot_term r = ot_process_info(h, ot_hd(l), keys);
            if (r != OT_ATOM(UNDEFINED) && ot_tuple_get(ot_hd(ot_tl(ot_tl(r))), 1) == OT_ATOM(WAITING))
                waiting++;
        }
        if (waiting != N)
            ot_sleep(100);
    }
    CHECK(waiting == N, "%zu waiting", waiting);
    ot_heap_free(h);
}

Test(introspect, walk_every_process) { pt_run(walk_body, NULL, 2); }

/* A process that runs C code for 60 ms without a runtime call cannot be
 * preempted: it is reported while it runs, and again when it stops. */
static void spinner(void *arg)
{
    (void)arg;
    int64_t end = ot_monotonic_ns() + 60 * 1000000;
    volatile uint64_t x = 0;
    while (ot_monotonic_ns() < end)
        x++;
}

static void long_body(void *arg)
{
    (void)arg;
    ot_term ref;
    ot_spawn_opts o = {.monitor = true, .monitor_ref = &ref};
    ot_term s = ot_spawn_opt(spinner, NULL, &o);
    ot_msg_free(ot_receive(ot_pattern(ot_proc_heap(), "{'DOWN', _, _, _, _}"), 5000, NULL));
    ot_heap *h = ot_proc_heap();
    bool ongoing = false, ended = false;
    for (ot_term l = ot_long_schedules(h); l != OT_NIL; l = ot_tl(l)) {
        ot_term m = ot_hd(l);
        if (ot_map_get(m, ot_atom("pid")) != s)
            continue;
        int64_t us;
        ot_get_int64(ot_map_get(m, ot_atom("duration_us")), &us);
        if (ot_map_get(m, ot_atom("ongoing")) == OT_ATOM(TRUE))
            ongoing = us > 10000;
        else
            ended = us >= 55000;
    }
    CHECK(ongoing, "the watchdog saw the process while it ran");
    CHECK(ended, "its end was reported with the whole duration");
}

Test(introspect, long_schedules_are_reported) { pt_run(long_body, NULL, 2); }

/* The watchdog behind those reports looks every 5 ms while a scheduler is
 * awake, and parks while all of them sleep: an idle node wakes no thread.
 * 300 ms of sleep would be about 60 looks without parking. */
static void idle_body(void *arg)
{
    (void)arg;
    ot_sleep(50);
    uint64_t r0 = atomic_load(&ot__watchdog_rounds);
    ot_sleep(300);
    uint64_t looks = atomic_load(&ot__watchdog_rounds) - r0;
    CHECK(looks < 15, "the watchdog looked %llu times while the node slept", (unsigned long long)looks);
    /* and it watches again once a scheduler runs something long */
    ot_term ref;
    ot_spawn_opts o = {.monitor = true, .monitor_ref = &ref};
    ot_term s = ot_spawn_opt(spinner, NULL, &o);
    ot_msg_free(ot_receive(ot_pattern(ot_proc_heap(), "{'DOWN', _, _, _, _}"), 5000, NULL));
    bool seen = false;
    for (ot_term l = ot_long_schedules(ot_proc_heap()); l != OT_NIL; l = ot_tl(l))
        seen |= ot_map_get(ot_hd(l), ot_atom("pid")) == s &&
                ot_map_get(ot_hd(l), ot_atom("ongoing")) == OT_ATOM(TRUE);
    CHECK(seen, "the watchdog saw a long slice after parking");
}

Test(introspect, an_idle_node_parks_its_watchdog) { pt_run(idle_body, NULL, 2); }
