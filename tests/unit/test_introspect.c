/* test_introspect.c — ot_processes and ot_process_info answer as
 * erlang:processes/0 and erlang:process_info/2 do. */
#include <errno.h>
#include <stdint.h>

#include "otter/introspect.h"
#include <stdatomic.h>

#include <pthread.h>
#include <unistd.h>

#include "core/core_internal.h"
#include "proctest.h"
#include "testutil.h"

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

static bool is_waiting(void *pid)
{
    return info((ot_term)(uintptr_t)pid, "status") == OT_ATOM(WAITING);
}

/* Has the process (a pid in ctx) taken every message sent to it into its
 * mailbox? (It is waiting, and its queue holds the 100 sent.) */
static bool holds_100(void *pid)
{
    int64_t len = -1;
    ot_get_int64(info((ot_term)(uintptr_t)pid, "message_queue_len"), &len);
    return len == 100 && is_waiting(pid);
}

static void info_body(void *arg)
{
    (void)arg;
    ot_heap *h = ot_proc_heap();
    ot_spawn_opts o = {.link = true, .initial_call = "demo:waiter/1", .label = ot_atom("worker")};
    ot_term w = ot_spawn_opt(waiter, NULL, &o);
    ot_term ref = ot_monitor(NULL, w);
    CHECK(tu_poll(is_waiting, (void *)(uintptr_t)w), "the waiter never got to its receive");

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

    /* The mailbox: length and memory follow the messages. Each message
     * is a 3-tuple holding an integer and an 18-byte binary: at least 4
     * words of tuple and 18 bytes of binary, 50 bytes, in the queue. */
    int64_t mem0 = 0, mem1 = 0, len = -1;
    ot_get_int64(info(w, "memory"), &mem0);
    CHECK(mem0 > 200 && mem0 < 4096, "memory of a waiting process: %lld", (long long)mem0);
    for (int i = 0; i < 100; i++)
        ot_send(w, ot_build(h, "{data, ~i, <<\"some bytes to hold\">>}", i));
    CHECK(tu_poll(holds_100, (void *)(uintptr_t)w), "the 100 messages never reached the mailbox");
    ot_get_int64(info(w, "message_queue_len"), &len);
    CHECK(len == 100, "queue length %lld", (long long)len);
    ot_get_int64(info(w, "memory"), &mem1);
    CHECK(mem1 >= mem0 + 100 * 50, "memory %lld with 100 messages queued, %lld without",
          (long long)mem1, (long long)mem0);

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
    ot_msg_free(ot_receive(ot_pattern(h, "{'DOWN', _, _, _, _}"), TU_POLL_CAP_MS, NULL));
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
    ot_heap *h = ot_heap_new();
    ot_term all = ot_processes(h);
    CHECK(ot_list_length(all) == N + 1, "%zd", ot_list_length(all));
    ot_term keys = ot_build(h, "[reductions, memory, status]");
    /* Every one of them gets to its receive; walking them all (as the
     * notebook's cell does) sees each one waiting: walked again until it
     * does, 300 times at most (more than 30 s). */
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

/* A process that runs C code without a runtime call cannot be preempted:
 * the watchdog reports it while it runs, and its end is reported too. The
 * spinner runs until it finds itself reported as ongoing (or the cap
 * passes), so that how long it runs is set by the watchdog, not by a
 * guess at how fast the machine is. */
static bool reported_ongoing(ot_term pid)
{
    ot__long_sched ev[256];
    size_t n = ot__long_sched_copy(ev, 256);
    for (size_t i = 0; i < n; i++)
        if (ev[i].pid == pid && ev[i].ongoing)
            return true;
    return false;
}

static void spinner(void *arg)
{
    (void)arg;
    ot_term me = ot_self();
    int64_t end = ot_monotonic_ns() + (int64_t)TU_POLL_CAP_MS * 1000000;
    while (!reported_ongoing(me) && ot_monotonic_ns() < end)
        ;
}

/* Runs a spinner to its end; returns the durations (µs) of its ongoing
 * and its final report (-1 when missing). */
static void spin_and_look(int64_t *ongoing_us, int64_t *ended_us)
{
    ot_term ref;
    ot_spawn_opts o = {.monitor = true, .monitor_ref = &ref};
    ot_term s = ot_spawn_opt(spinner, NULL, &o);
    ot_msg_free(ot_receive(ot_pattern(ot_proc_heap(), "{'DOWN', _, _, _, _}"), 2 * TU_POLL_CAP_MS, NULL));
    ot_heap *h = ot_proc_heap();
    *ongoing_us = *ended_us = -1;
    for (ot_term l = ot_long_schedules(h); l != OT_NIL; l = ot_tl(l)) {
        ot_term m = ot_hd(l);
        if (ot_map_get(m, ot_atom("pid")) != s)
            continue;
        int64_t us = -1;
        ot_get_int64(ot_map_get(m, ot_atom("duration_us")), &us);
        if (ot_map_get(m, ot_atom("ongoing")) == OT_ATOM(TRUE))
            *ongoing_us = us;
        else
            *ended_us = us;
    }
}

static void long_body(void *arg)
{
    (void)arg;
    int64_t ongoing, ended;
    spin_and_look(&ongoing, &ended);
    /* The threshold is 10 ms (the default long_schedule_us): a slice is
     * reported only past it, and its end with at least what was seen. */
    CHECK(ongoing > 10000, "the watchdog saw the process while it ran (%lld us)", (long long)ongoing);
    CHECK(ended >= ongoing, "its end was reported with the whole duration (%lld us, %lld seen running)",
          (long long)ended, (long long)ongoing);
}

Test(introspect, long_schedules_are_reported) { pt_run(long_body, NULL, 2); }

/* The watchdog behind those reports looks every 5 ms while a scheduler is
 * awake, and parks while all of them sleep: an idle node wakes no thread.
 * A plain thread watches while the only process waits for its message:
 * the watchdog parks (its mark is set, and its count of looks stays put
 * while the thread looks 50 times), and once the process is woken the
 * watchdog watches again (it reports a long slice). */
static ot_term idle_pid;

static bool watchdog_parked(void *arg)
{
    (void)arg;
    return atomic_load(&ot__watchdog_parked) == 1;
}

static void *idle_watcher(void *arg)
{
    (void)arg;
    const char *verdict = "parked";
    if (!tu_poll(watchdog_parked, NULL)) {
        verdict = "never_parked";
    } else {
        uint64_t r0 = atomic_load(&ot__watchdog_rounds);
        for (int i = 0; i < 50; i++) {
            usleep(1000);
            if (atomic_load(&ot__watchdog_parked) != 1 || atomic_load(&ot__watchdog_rounds) != r0) {
                verdict = "looked_while_parked";
                break;
            }
        }
    }
    ot_send(idle_pid, ot_atom(verdict));
    return NULL;
}

static void idle_body(void *arg)
{
    (void)arg;
    idle_pid = ot_self();
    pthread_t th;
    CHECK(pthread_create(&th, NULL, idle_watcher, NULL) == 0);
    ot_msg *m = ot_receive(OT_NONE, 2 * TU_POLL_CAP_MS, NULL);
    CHECK(m && ot_msg_term(m) == ot_atom("parked"), "the watchdog while every scheduler slept: %s",
          m ? ot_atom_text(ot_msg_term(m), NULL) : "no word from the watching thread");
    ot_msg_free(m);
    pthread_join(th, NULL);
    /* and it watches again once a scheduler runs something long */
    int64_t ongoing, ended;
    spin_and_look(&ongoing, &ended);
    CHECK(ongoing > 10000, "the watchdog saw a long slice after parking");
}

Test(introspect, an_idle_node_parks_its_watchdog) { pt_run(idle_body, NULL, 2); }
