/* proctest.h — running a test body as an otter process. Criterion's own
 * assertions cannot be used inside processes (they jump back to the test's
 * thread), so process code records the first failed check here and the
 * test asserts on it once ot_run has returned. */
#ifndef OTTER_PROCTEST_H
#define OTTER_PROCTEST_H

#include <criterion/criterion.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "otter/process.h"
#include "otter/term.h"

static char pt_failure[512];
static _Atomic int pt_failed;

#define CHECK(cond, ...)                                                         \
    do {                                                                         \
        if (!(cond)) {                                                           \
            if (!atomic_exchange(&pt_failed, 1)) {                               \
                int n_ = snprintf(pt_failure, sizeof pt_failure, "%s:%d: %s: ",   \
                                  __FILE__, __LINE__, #cond);                    \
                if (n_ > 0 && (size_t)n_ < sizeof pt_failure)                    \
                    snprintf(pt_failure + n_, sizeof pt_failure - (size_t)n_, " " __VA_ARGS__); \
            }                                                                    \
        }                                                                        \
    } while (0)

/* Runs body(arg) as the first process on `scheds` schedulers and asserts
 * that it exited normally and no CHECK failed. */
static inline void pt_run(ot_proc_fn body, void *arg, unsigned scheds)
{
    atomic_store(&pt_failed, 0);
    pt_failure[0] = 0;
    ot_runtime_opts o = {.schedulers = scheds};
    int rc = ot_run(body, arg, &o);
    cr_assert(!atomic_load(&pt_failed), "%s", pt_failure);
    cr_assert_eq(rc, 0, "first process did not exit normally (ot_run returned %d)", rc);
}

/* Receives any message and returns its text (static buffer), or "timeout". */
static inline const char *pt_recv_text(int64_t timeout_ms)
{
    static _Thread_local char buf[512];
    ot_msg *m = ot_receive(OT_NONE, timeout_ms, NULL);
    if (!m)
        return "timeout";
    ot_print(buf, sizeof buf, ot_msg_term(m), NULL);
    ot_msg_free(m);
    return buf;
}

#endif
