/* test_faults.c — a fault inside a process (stack overflow, a wild write)
 * ends that process only, with a signal reason; the node lives on. Built
 * without the sanitizers, which would otherwise report (and own) the very
 * faults this test provokes. */
#include <stdint.h>
#include <stdlib.h>

#include "proctest.h"

static ot_term pat(const char *text)
{
    ot_term p = ot_pattern(ot_proc_heap(), text);
    CHECK(p != OT_NONE, "bad pattern %s", text);
    return p;
}

static void ponger(void *arg)
{
    ot_term parent = (ot_term)(uintptr_t)arg;
    ot_msg_free(ot_receive(ot_atom("ping"), OT_INFINITY, NULL));
    ot_send(parent, ot_atom("pong"));
}

static void pingpong_body(void *arg)
{
    (void)arg;
    ot_term child = ot_spawn(ponger, (void *)(uintptr_t)ot_self());
    ot_send(child, ot_atom("ping"));
    ot_msg *m = ot_receive(ot_atom("pong"), 5000, NULL);
    CHECK(m != NULL, "no pong after the faults");
    ot_msg_free(m);
}

static int deep(int n)
{
    volatile char pad[512];
    pad[0] = (char)n;
    return n > 0 ? deep(n - 1) + pad[0] : 0;
}

static void overflow(void *arg)
{
    (void)arg;
    deep(1 << 30);
}

static void null_write(void *arg)
{
    (void)arg;
    volatile int *p = NULL;
    *p = 1;
}

static void faults_body(void *arg)
{
    (void)arg;
    ot_term b[4];
    ot_spawn_opts o = {.monitor = true, .monitor_ref = &(ot_term){0}};
    ot_spawn_opt(overflow, NULL, &o);
    ot_msg *m = ot_receive(pat("{'DOWN', _, process, _, Why}"), 10000, b);
    CHECK(m && b[0] == ot_atom("stack_overflow"), "stack overflow was not detected");
    ot_msg_free(m);
    ot_spawn_opt(null_write, NULL, &o);
    m = ot_receive(pat("{'DOWN', _, process, _, Why}"), 10000, b);
    CHECK(m != NULL);
    if (m)
        CHECK(ot_equal(b[0], ot_build(ot_proc_heap(), "{signal, sigsegv}")), "reason");
    ot_msg_free(m);
    /* The node lives on: ping/pong still works. */
    pingpong_body(NULL);
}

Test(process, faults_end_only_the_faulty_process) { pt_run(faults_body, NULL, 2); }
