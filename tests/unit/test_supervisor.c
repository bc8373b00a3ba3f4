/* test_supervisor.c — supervisors as OTP documents them: each strategy
 * (who is restarted, in which order, with new pids), restart intensity,
 * restart types, shutdown timeouts and brutal_kill, reverse stop order,
 * nested supervisors, the child management calls and their errors, and
 * the shapes of which_children / count_children next to a real BEAM
 * supervisor running the same tree. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#include "otter/introspect.h"
#include "otter/supervisor.h"
#include "proctest.h"
#include "testutil.h"

/* ---------------------------------------------------------------- helpers */

/* Children report to the process registered as `tlog`:
 *   {started, Id}  from the start function (so in start order)
 *   {stopped, Id}  from a child that traps exits, when told to stop
 * A child's spec argument is {Id, Mode}; modes:
 *   plain     a process that dies with any exit signal
 *   trap      traps exits; on an exit signal reports {stopped, Id} and exits
 *   stubborn  traps exits and ignores them (only kill stops it)
 *   ignore    the start function returns ignore
 *   fail      the start function returns {error, boom}
 * Every child exits with R on {crash, R}. */
static ot_term A_(const char *s) { return ot_atom(s); }

static void worker(void *arg)
{
    (void)arg;
    ot_term a = ot_spawn_arg();
    ot_term id = ot_tuple_get(a, 0), mode = ot_tuple_get(a, 1);
    if (mode != A_("plain"))
        ot_trap_exit(true);
    /* as proc_lib's init_ack: the start function returns once the child
     * is ready (traps exits), so that a shutdown cannot come too early */
    ot_send(ot_tuple_get(a, 2), ot_tuple(ot_proc_heap(), 2, A_("ready"), ot_self()));
    for (;;) {
        ot_msg *m = ot_receive(OT_NONE, OT_INFINITY, NULL);
        ot_term t = ot_msg_term(m);
        ot_heap *h = ot_proc_heap();
        if (ot_tuple_get(t, 0) == A_("crash")) {
            ot_term r = ot_copy(h, ot_tuple_get(t, 1));
            ot_msg_free(m);
            ot_exit(r);
        }
        if (ot_tuple_get(t, 0) == OT_ATOM(EXIT) && mode == A_("trap")) {
            ot_term r = ot_copy(h, ot_tuple_get(t, 2));
            ot_msg_free(m);
            ot_send(ot_whereis(A_("tlog")), ot_tuple(h, 2, A_("stopped"), id));
            ot_exit(r);
        }
        ot_msg_free(m);
    }
}

static ot_term start_worker(ot_heap *h, ot_term arg, void *data)
{
    (void)data;
    ot_term id = ot_tuple_get(arg, 0), mode = ot_tuple_get(arg, 1);
    if (mode == A_("ignore"))
        return A_("ignore");
    if (mode == A_("fail"))
        return ot_tuple(h, 2, OT_ATOM(ERROR), A_("boom"));
    ot_term log = ot_whereis(A_("tlog"));
    if (log != OT_NONE)
        ot_send(log, ot_tuple(h, 2, A_("started"), id));
    ot_spawn_opts o = {.link = true, .term_arg = ot_tuple(h, 3, id, mode, ot_self()),
                       .initial_call = "test:worker/1"};
    ot_term pid = ot_spawn_opt(worker, NULL, &o);
    if (pid != OT_NONE)
        ot_msg_free(ot_receive(ot_pattern(h, "{ready, ~p}", pid), OT_INFINITY, NULL));
    return pid;
}

static ot_child_spec W(const char *id, const char *mode)
{
    ot_heap *h = ot_proc_heap();
    return (ot_child_spec){.id = A_(id), .start = start_worker,
                           .arg = ot_tuple(h, 2, A_(id), A_(mode))};
}

static bool text_is(ot_term t, const char *want)
{
    char buf[1024];
    ot_print_opts o = {.syntax = OT_SYNTAX_ERLANG};
    ot_print(buf, sizeof buf, t, &o);
    if (strcmp(buf, want) != 0) {
        CHECK(false, "got %.200s, want %.200s", buf, want);
        return false;
    }
    return true;
}

/* The text of t in Erlang syntax with every pid written `pid` and no
 * spaces, for comparing shapes with BEAM. */
static void shape(char *out, size_t cap, ot_term t)
{
    char buf[4096];
    ot_print_opts o = {.syntax = OT_SYNTAX_ERLANG};
    ot_print(buf, sizeof buf, t, &o);
    size_t n = 0;
    for (const char *p = buf; *p && n + 4 < cap; p++) {
        if (*p == '<' && p[1] >= '0' && p[1] <= '9') {
            while (*p && *p != '>')
                p++;
            memcpy(out + n, "pid", 3);
            n += 3;
        } else if (*p != ' ' && *p != '\n') {
            out[n++] = *p;
        }
    }
    out[n] = 0;
}

/* Receives the next {Tag, Id} log message and returns Id's text; "none" if
 * nothing comes within TU_POLL_CAP_MS (a hang, not a slow machine). */
static const char *next_log(const char *tag)
{
    static _Thread_local char buf[64];
    ot_term b[1];
    ot_msg *m = ot_receive(ot_pattern(ot_proc_heap(), "{~a, Id}", tag), TU_POLL_CAP_MS, b);
    if (!m)
        return "none";
    snprintf(buf, sizeof buf, "%s", ot_atom_text(b[0], NULL));
    ot_msg_free(m);
    return buf;
}

#define EXPECT_LOG(tag, id) do { const char *got_ = next_log(tag); \
    CHECK(strcmp(got_, id) == 0, "%s: got %s, want %s", tag, got_, id); } while (0)

/* No more {started|stopped, _} arrive (waiting a little: the absence of a
 * message can only be checked after some time). */
static void expect_quiet(void)
{
    ot_msg *m = ot_receive(ot_pattern(ot_proc_heap(), "{_, _}"), 100, NULL);
    if (m) {
        char buf[128];
        ot_print(buf, sizeof buf, ot_msg_term(m), NULL);
        CHECK(false, "unexpected %.100s", buf);
        ot_msg_free(m);
    }
}

static ot_term child_pid(ot_term sup, const char *id)
{
    ot_term l;
    if (ot_supervisor_which_children(NULL, sup, &l) != 0)
        return OT_NONE;
    for (; l != OT_NIL; l = ot_tl(l))
        if (ot_tuple_get(ot_hd(l), 0) == A_(id))
            return ot_tuple_get(ot_hd(l), 1);
    return OT_NONE;
}

static void crash(ot_term pid, const char *reason)
{
    ot_send(pid, ot_tuple(ot_proc_heap(), 2, A_("crash"), A_(reason)));
}

static ot_term start_sup(ot_strategy st, int64_t intensity, ot_child_spec *kids, size_t n)
{
    ot_sup_opts o = {.strategy = st, .intensity = intensity, .period = 10};
    ot_term sup;
    int rc = ot_supervisor_start_link(&o, kids, n, NULL, &sup);
    CHECK(rc == 0, "start_link: %d", rc);
    return sup;
}

static void stop_sup(ot_term sup)
{
    ot_unlink(sup);
    CHECK(ot_supervisor_stop(sup, OT_NONE, TU_POLL_CAP_MS) == 0);
}

static void setup_log(void)
{
    ot_register(A_("tlog"), ot_self());
}

/* ---------------------------------------------------------------- strategies */

static void one_for_one_body(void *arg)
{
    (void)arg;
    setup_log();
    ot_child_spec k[] = {W("a", "trap"), W("b", "trap"), W("c", "trap")};
    ot_term sup = start_sup(OT_ONE_FOR_ONE, 10, k, 3);
    EXPECT_LOG("started", "a");
    EXPECT_LOG("started", "b");
    EXPECT_LOG("started", "c");
    ot_term a = child_pid(sup, "a"), b = child_pid(sup, "b"), c = child_pid(sup, "c");
    crash(b, "boom");
    EXPECT_LOG("started", "b");
    expect_quiet();
    ot_term b2 = child_pid(sup, "b");
    CHECK(ot_is_pid(b2) && b2 != b && !ot_is_alive(b));
    CHECK(child_pid(sup, "a") == a && child_pid(sup, "c") == c);
    /* a crashing child never takes its siblings down, however often */
    for (int i = 0; i < 5; i++) {
        crash(child_pid(sup, "c"), "boom");
        EXPECT_LOG("started", "c");
    }
    CHECK(child_pid(sup, "a") == a && child_pid(sup, "b") == b2);
    stop_sup(sup);
    EXPECT_LOG("stopped", "c");
    EXPECT_LOG("stopped", "b");
    EXPECT_LOG("stopped", "a");
}

Test(supervisor, one_for_one) { pt_run(one_for_one_body, NULL, 2); }

static void one_for_all_body(void *arg)
{
    (void)arg;
    setup_log();
    ot_child_spec k[] = {W("a", "trap"), W("b", "trap"), W("c", "trap"), W("t", "trap")};
    k[3].restart = OT_TEMPORARY;
    ot_term sup = start_sup(OT_ONE_FOR_ALL, 10, k, 4);
    for (int i = 0; i < 4; i++)
        next_log("started");
    ot_term a = child_pid(sup, "a"), c = child_pid(sup, "c");
    crash(child_pid(sup, "b"), "boom");
    /* the others stop newest first; all but the temporary start again, in order */
    EXPECT_LOG("stopped", "t");
    EXPECT_LOG("stopped", "c");
    EXPECT_LOG("stopped", "a");
    EXPECT_LOG("started", "a");
    EXPECT_LOG("started", "b");
    EXPECT_LOG("started", "c");
    expect_quiet();
    CHECK(child_pid(sup, "a") != a && child_pid(sup, "c") != c && !ot_is_alive(a));
    CHECK(child_pid(sup, "t") == OT_NONE, "the temporary child is gone");
    ot_term cc;
    ot_supervisor_count_children(NULL, sup, &cc);
    text_is(cc, "[{specs,3},{active,3},{supervisors,0},{workers,3}]");
    stop_sup(sup);
}

Test(supervisor, one_for_all) { pt_run(one_for_all_body, NULL, 2); }

static void rest_for_one_body(void *arg)
{
    (void)arg;
    setup_log();
    ot_child_spec k[] = {W("a", "trap"), W("b", "trap"), W("c", "trap"), W("d", "trap")};
    ot_term sup = start_sup(OT_REST_FOR_ONE, 10, k, 4);
    for (int i = 0; i < 4; i++)
        next_log("started");
    ot_term a = child_pid(sup, "a"), b = child_pid(sup, "b");
    crash(child_pid(sup, "c"), "boom");
    EXPECT_LOG("stopped", "d");
    EXPECT_LOG("started", "c");
    EXPECT_LOG("started", "d");
    expect_quiet();
    CHECK(child_pid(sup, "a") == a && child_pid(sup, "b") == b);
    /* a child stopped by terminate_child starts again with the rest (OTP) */
    ot_term r;
    ot_supervisor_terminate_child(NULL, sup, A_("d"), &r);
    EXPECT_LOG("stopped", "d");
    crash(b, "boom");
    EXPECT_LOG("stopped", "c");
    EXPECT_LOG("started", "b");
    EXPECT_LOG("started", "c");
    EXPECT_LOG("started", "d");
    CHECK(child_pid(sup, "a") == a);
    stop_sup(sup);
}

Test(supervisor, rest_for_one) { pt_run(rest_for_one_body, NULL, 2); }

/* ---------------------------------------------------------------- intensity */

static void intensity_body(void *arg)
{
    (void)arg;
    setup_log();
    ot_trap_exit(true);
    ot_child_spec k[] = {W("a", "trap"), W("b", "plain")};
    ot_term sup = start_sup(OT_ONE_FOR_ONE, 2, k, 2);
    next_log("started");
    next_log("started");
    ot_term mref = ot_monitor(NULL, sup);
    crash(child_pid(sup, "b"), "boom");
    EXPECT_LOG("started", "b");
    crash(child_pid(sup, "b"), "boom");
    EXPECT_LOG("started", "b");
    ot_term b = child_pid(sup, "b");
    crash(b, "boom"); /* the third restart within the period is one too many */
    EXPECT_LOG("stopped", "a");
    ot_term bind[1];
    ot_msg *m = ot_receive(ot_pattern(ot_proc_heap(), "{'DOWN', ~p, process, _, R}", mref), TU_POLL_CAP_MS, bind);
    CHECK(m != NULL);
    if (m) {
        text_is(bind[0], "shutdown");
        ot_msg_free(m);
    }
    m = ot_receive(ot_pattern(ot_proc_heap(), "{'EXIT', ~p, shutdown}", sup), TU_POLL_CAP_MS, NULL);
    CHECK(m != NULL, "the parent gets the exit signal");
    ot_msg_free(m);
    expect_quiet();

    /* intensity 0: the first exit ends it */
    ot_child_spec k2[] = {W("z", "plain")};
    sup = start_sup(OT_ONE_FOR_ONE, OT_SUP_NO_RESTARTS, k2, 1);
    next_log("started");
    mref = ot_monitor(NULL, sup);
    crash(child_pid(sup, "z"), "boom");
    m = ot_receive(ot_pattern(ot_proc_heap(), "{'DOWN', ~p, process, _, shutdown}", mref), TU_POLL_CAP_MS, NULL);
    CHECK(m != NULL);
    ot_msg_free(m);
    expect_quiet();
    ot_flush();
}

Test(supervisor, intensity) { pt_run(intensity_body, NULL, 2); }

/* ---------------------------------------------------------------- restart types */

static void restart_types_body(void *arg)
{
    (void)arg;
    setup_log();
    ot_child_spec k[] = {W("perm", "plain"), W("trans", "plain"), W("temp", "plain")};
    k[1].restart = OT_TRANSIENT;
    k[2].restart = OT_TEMPORARY;
    ot_term sup = start_sup(OT_ONE_FOR_ONE, 20, k, 3);
    for (int i = 0; i < 3; i++)
        next_log("started");
    ot_term r;

    /* permanent: restarted even after a normal exit */
    crash(child_pid(sup, "perm"), "normal");
    EXPECT_LOG("started", "perm");
    /* transient: restarted after an abnormal exit only */
    crash(child_pid(sup, "trans"), "boom");
    EXPECT_LOG("started", "trans");
    crash(child_pid(sup, "trans"), "shutdown");
    expect_quiet();
    ot_supervisor_which_children(NULL, sup, &r);
    char s[1024];
    shape(s, sizeof s, r);
    CHECK(strcmp(s, "[{temp,pid,worker,[]},{trans,undefined,worker,[]},{perm,pid,worker,[]}]") == 0, "%.300s", s);
    CHECK(ot_supervisor_restart_child(NULL, sup, A_("trans"), &r) == 0);
    EXPECT_LOG("started", "trans");
    ot_send(child_pid(sup, "trans"), ot_build(ot_proc_heap(), "{crash, {shutdown, done}}"));
    expect_quiet();
    CHECK(child_pid(sup, "trans") == OT_ATOM(UNDEFINED));
    /* temporary: never restarted, and its spec goes */
    crash(child_pid(sup, "temp"), "boom");
    expect_quiet();
    ot_supervisor_which_children(NULL, sup, &r);
    shape(s, sizeof s, r);
    CHECK(strcmp(s, "[{trans,undefined,worker,[]},{perm,pid,worker,[]}]") == 0, "%.300s", s);
    stop_sup(sup);
}

Test(supervisor, restart_types) { pt_run(restart_types_body, NULL, 2); }

/* ---------------------------------------------------------------- shutdown */

static void shutdown_body(void *arg)
{
    (void)arg;
    setup_log();
    ot_child_spec k[] = {W("stub", "stubborn"), W("brutal", "trap"), W("polite", "trap")};
    k[0].shutdown = 100;
    k[1].shutdown = OT_SHUTDOWN_BRUTAL_KILL;
    k[2].shutdown = OT_SHUTDOWN_INFINITY; /* it stops by itself, however slowly */
    ot_term sup = start_sup(OT_ONE_FOR_ONE, 10, k, 3);
    for (int i = 0; i < 3; i++)
        next_log("started");
    ot_term r, b[1];

    /* ignores shutdown: killed after its 100 ms */
    ot_term stub = child_pid(sup, "stub");
    ot_term mref = ot_monitor(NULL, stub);
    CHECK(ot_supervisor_terminate_child(NULL, sup, A_("stub"), &r) == 0);
    text_is(r, "ok");
    ot_msg *m = ot_receive(ot_pattern(ot_proc_heap(), "{'DOWN', ~p, process, _, R}", mref), 0, b);
    CHECK(m != NULL, "terminate_child returns once the child is gone");
    if (m)
        text_is(b[0], "killed");
    ot_msg_free(m);

    /* brutal_kill: killed at once, although it traps exits */
    ot_term brutal = child_pid(sup, "brutal");
    mref = ot_monitor(NULL, brutal);
    CHECK(ot_supervisor_terminate_child(NULL, sup, A_("brutal"), &r) == 0);
    m = ot_receive(ot_pattern(ot_proc_heap(), "{'DOWN', ~p, process, _, R}", mref), 0, b);
    CHECK(m != NULL);
    if (m)
        text_is(b[0], "killed");
    ot_msg_free(m);

    /* a polite child gets shutdown and stops by itself */
    ot_term polite = child_pid(sup, "polite");
    mref = ot_monitor(NULL, polite);
    CHECK(ot_supervisor_terminate_child(NULL, sup, A_("polite"), &r) == 0);
    EXPECT_LOG("stopped", "polite");
    m = ot_receive(ot_pattern(ot_proc_heap(), "{'DOWN', ~p, process, _, R}", mref), 0, b);
    CHECK(m != NULL);
    if (m)
        text_is(b[0], "shutdown");
    ot_msg_free(m);
    expect_quiet();
    stop_sup(sup);
}

Test(supervisor, shutdown) { pt_run(shutdown_body, NULL, 2); }

/* ---------------------------------------------------------------- parent, name, introspection */

static void middle(void *arg)
{
    (void)arg;
    ot_child_spec k[] = {W("a", "trap"), W("b", "trap")};
    ot_sup_opts o = {.name = A_("named_sup")};
    ot_term sup;
    CHECK(ot_supervisor_start_link(&o, k, 2, NULL, &sup) == 0);
    ot_send(ot_whereis(A_("tlog")), ot_tuple(ot_proc_heap(), 2, A_("sup"), sup));
    ot_msg_free(ot_receive(A_("go"), OT_INFINITY, NULL));
    ot_exit(A_("bye"));
}

static void parent_body(void *arg)
{
    (void)arg;
    setup_log();
    ot_term mid = ot_spawn(middle, NULL);
    next_log("started");
    next_log("started");
    ot_term b[1];
    ot_msg *m = ot_receive(ot_pattern(ot_proc_heap(), "{sup, S}", mid), TU_POLL_CAP_MS, b);
    CHECK(m != NULL);
    ot_term sup = b[0];
    ot_msg_free(m);
    CHECK(ot_whereis(A_("named_sup")) == sup);
    CHECK(ot_is_supervisor(sup));
    CHECK(ot_is_supervisor(A_("named_sup")) == false, "pids only");
    CHECK(!ot_is_supervisor(child_pid(sup, "a")));
    CHECK(!ot_is_supervisor(ot_self()));
    ot_term info = ot_process_info(ot_proc_heap(), sup, OT_ATOM(INITIAL_CALL));
    text_is(info, "{initial_call,{supervisor,init,1}}");
    info = ot_process_info(ot_proc_heap(), sup, OT_ATOM(TRAP_EXIT));
    text_is(info, "{trap_exit,true}");

    /* the name is taken */
    ot_sup_opts o = {.name = A_("named_sup")};
    ot_term r;
    CHECK(ot_supervisor_start_link(&o, NULL, 0, NULL, &r) == -EEXIST);
    CHECK(ot_tuple_get(r, 1) == sup);

    /* the parent's exit stops the children (newest first) and the supervisor, with its reason */
    ot_term mref = ot_monitor(NULL, sup);
    ot_send(mid, A_("go"));
    EXPECT_LOG("stopped", "b");
    EXPECT_LOG("stopped", "a");
    m = ot_receive(ot_pattern(ot_proc_heap(), "{'DOWN', ~p, process, _, R}", mref), TU_POLL_CAP_MS, b);
    CHECK(m != NULL);
    if (m)
        text_is(b[0], "bye");
    ot_msg_free(m);
    CHECK(!ot_is_supervisor(sup));
}

Test(supervisor, parent_name_introspection) { pt_run(parent_body, NULL, 2); }

/* ---------------------------------------------------------------- nested */

static ot_term start_inner(ot_heap *h, ot_term arg, void *data)
{
    (void)arg;
    (void)data;
    ot_heap *ph = ot_proc_heap();
    ot_child_spec k[] = {
        {.id = A_("x"), .start = start_worker, .arg = ot_build(ph, "{x, trap}")},
        {.id = A_("y"), .start = start_worker, .arg = ot_build(ph, "{y, trap}")},
    };
    ot_sup_opts o = {.strategy = OT_ONE_FOR_ONE, .intensity = 5, .label = A_("inner")};
    ot_term r;
    int rc = ot_supervisor_start_link(&o, k, 2, h, &r);
    return rc == 0 ? r : ot_tuple(h, 2, OT_ATOM(ERROR), r);
}

static void nested_body(void *arg)
{
    (void)arg;
    setup_log();
    ot_child_spec k[] = {W("a", "trap"), {.id = A_("inner"), .start = start_inner, .type = OT_SUPERVISOR},
                         W("z", "trap")};
    ot_term sup = start_sup(OT_ONE_FOR_ONE, 5, k, 3);
    EXPECT_LOG("started", "a");
    EXPECT_LOG("started", "x");
    EXPECT_LOG("started", "y");
    EXPECT_LOG("started", "z");
    ot_term r;
    ot_supervisor_which_children(NULL, sup, &r);
    char s[1024];
    shape(s, sizeof s, r);
    CHECK(strcmp(s, "[{z,pid,worker,[]},{inner,pid,supervisor,[]},{a,pid,worker,[]}]") == 0, "%.300s", s);
    ot_supervisor_count_children(NULL, sup, &r);
    text_is(r, "[{specs,3},{active,3},{supervisors,1},{workers,2}]");
    ot_term inner = child_pid(sup, "inner");
    CHECK(ot_is_supervisor(inner));
    text_is(ot_process_info(ot_proc_heap(), inner, OT_ATOM(LABEL)), "{label,inner}");

    /* the inner supervisor restarts its own child; the outer sees nothing */
    crash(child_pid(inner, "x"), "boom");
    EXPECT_LOG("started", "x");
    expect_quiet();
    CHECK(child_pid(sup, "inner") == inner);

    /* the inner supervisor dies: the outer restarts it, and it its children */
    ot_exit_signal(inner, OT_ATOM(KILL));
    /* its children trap exits: they hear of it through their links (in no set order) */
    const char *s1 = next_log("stopped");
    CHECK(strcmp(s1, "x") == 0 || strcmp(s1, "y") == 0, "%.20s", s1);
    const char *s2 = next_log("stopped");
    CHECK(strcmp(s2, "x") == 0 || strcmp(s2, "y") == 0, "%.20s", s2);
    EXPECT_LOG("started", "x");
    EXPECT_LOG("started", "y");
    ot_term inner2 = child_pid(sup, "inner");
    CHECK(inner2 != inner && ot_is_supervisor(inner2));

    /* stopping the outer stops the inner one's children too, newest first */
    stop_sup(sup);
    EXPECT_LOG("stopped", "z");
    EXPECT_LOG("stopped", "y");
    EXPECT_LOG("stopped", "x");
    EXPECT_LOG("stopped", "a");
    expect_quiet();
}

Test(supervisor, nested) { pt_run(nested_body, NULL, 2); }

/* ---------------------------------------------------------------- management calls */

static void calls_body(void *arg)
{
    (void)arg;
    setup_log();
    ot_child_spec k[] = {W("a", "trap")};
    ot_term sup = start_sup(OT_ONE_FOR_ONE, 10, k, 1);
    next_log("started");
    ot_term a = child_pid(sup, "a");
    ot_term r;
    char s[1024];

    ot_child_spec b = W("b", "trap");
    CHECK(ot_supervisor_start_child(NULL, sup, &b, &r) == 0);
    CHECK(ot_tuple_get(r, 0) == OT_ATOM(OK) && ot_is_pid(ot_tuple_get(r, 1)));
    EXPECT_LOG("started", "b");
    ot_child_spec a2 = W("a", "trap");
    CHECK(ot_supervisor_start_child(NULL, sup, &a2, &r) == 0);
    CHECK(ot_tuple_get(ot_tuple_get(r, 1), 1) == a);
    shape(s, sizeof s, r);
    CHECK(strcmp(s, "{error,{already_started,pid}}") == 0, "%.300s", s);
    CHECK(ot_supervisor_restart_child(NULL, sup, A_("a"), &r) == 0);
    text_is(r, "{error,running}");
    CHECK(ot_supervisor_delete_child(NULL, sup, A_("a"), &r) == 0);
    text_is(r, "{error,running}");

    CHECK(ot_supervisor_terminate_child(NULL, sup, A_("a"), &r) == 0);
    text_is(r, "ok");
    EXPECT_LOG("stopped", "a");
    CHECK(ot_supervisor_start_child(NULL, sup, &a2, &r) == 0);
    text_is(r, "{error,already_present}");
    CHECK(ot_supervisor_restart_child(NULL, sup, A_("a"), &r) == 0);
    CHECK(ot_tuple_get(r, 0) == OT_ATOM(OK) && ot_tuple_get(r, 1) != a && ot_is_pid(ot_tuple_get(r, 1)));
    EXPECT_LOG("started", "a");
    CHECK(ot_supervisor_terminate_child(NULL, sup, A_("a"), &r) == 0);
    EXPECT_LOG("stopped", "a");
    CHECK(ot_supervisor_delete_child(NULL, sup, A_("a"), &r) == 0);
    text_is(r, "ok");

    /* not_found, for each */
    CHECK(ot_supervisor_terminate_child(NULL, sup, A_("nope"), &r) == 0);
    text_is(r, "{error,not_found}");
    CHECK(ot_supervisor_restart_child(NULL, sup, A_("nope"), &r) == 0);
    text_is(r, "{error,not_found}");
    CHECK(ot_supervisor_delete_child(NULL, sup, A_("a"), &r) == 0);
    text_is(r, "{error,not_found}");
    CHECK(ot_supervisor_get_childspec(NULL, sup, A_("nope"), &r) == 0);
    text_is(r, "{error,not_found}");

    /* ignore keeps the spec (not a temporary one); a failed start is reported with the spec */
    ot_child_spec ig = W("ig", "ignore"), igt = W("igt", "ignore"), f = W("f", "fail");
    igt.restart = OT_TEMPORARY;
    CHECK(ot_supervisor_start_child(NULL, sup, &ig, &r) == 0);
    text_is(r, "{ok,undefined}");
    CHECK(ot_supervisor_start_child(NULL, sup, &igt, &r) == 0);
    text_is(r, "{ok,undefined}");
    CHECK(ot_supervisor_start_child(NULL, sup, &f, &r) == 0);
    CHECK(ot_tuple_get(r, 0) == OT_ATOM(ERROR) && ot_tuple_get(ot_tuple_get(r, 1), 0) == A_("boom"));
    CHECK(ot_supervisor_restart_child(NULL, sup, A_("ig"), &r) == 0);
    text_is(r, "{ok,undefined}");
    ot_supervisor_which_children(NULL, sup, &r);
    shape(s, sizeof s, r);
    CHECK(strcmp(s, "[{ig,undefined,worker,[]},{b,pid,worker,[]}]") == 0, "%.300s", s);
    ot_supervisor_count_children(NULL, sup, &r);
    text_is(r, "[{specs,2},{active,1},{supervisors,0},{workers,2}]");

    /* get_childspec: OTP's map */
    CHECK(ot_supervisor_get_childspec(NULL, sup, A_("b"), &r) == 0);
    ot_term spec = ot_tuple_get(r, 1);
    text_is(ot_map_get(spec, A_("restart")), "permanent");
    text_is(ot_map_get(spec, A_("shutdown")), "5000");
    text_is(ot_map_get(spec, A_("type")), "worker");
    text_is(ot_map_get(spec, A_("significant")), "false");

    /* bad specs are refused before anything is sent */
    ot_child_spec bad = W("bad", "trap");
    bad.restart = (ot_restart)7;
    CHECK(ot_supervisor_start_child(NULL, sup, &bad, &r) == -EINVAL);
    text_is(r, "{invalid_restart_type,7}");
    bad = W("bad", "trap");
    bad.shutdown = -5;
    CHECK(ot_supervisor_start_child(NULL, sup, &bad, &r) == -EINVAL);
    text_is(r, "{invalid_shutdown,-5}");
    bad = W("bad", "trap");
    bad.start = NULL;
    CHECK(ot_supervisor_start_child(NULL, sup, &bad, &r) == -EINVAL);
    text_is(r, "missing_start");
    bad = W("bad", "trap");
    bad.modules = ot_build(ot_proc_heap(), "[1]");
    CHECK(ot_supervisor_start_child(NULL, sup, &bad, &r) == -EINVAL);
    text_is(r, "{invalid_modules,[1]}");

    /* BEAM-shaped requests through the plain call protocol */
    ot_heap *h = ot_proc_heap();
    CHECK(ot_call(h, sup, ot_build(h, "{start_child, #{id => m, start => {m, f, []}}}"), TU_POLL_CAP_MS, &r) == 0);
    text_is(r, "{error,{invalid_mfa,{m,f,[]}}}");
    CHECK(ot_call(h, sup, ot_build(h, "{start_child, #{start => {m, f, []}}}"), TU_POLL_CAP_MS, &r) == 0);
    text_is(r, "{error,missing_id}");
    CHECK(ot_call(h, sup, ot_build(h, "{start_child, #{id => q}}"), TU_POLL_CAP_MS, &r) == 0);
    text_is(r, "{error,missing_start}");
    CHECK(ot_call(h, sup, A_("what"), TU_POLL_CAP_MS, &r) == 0);
    text_is(r, "{error,{bad_call,what}}");
    CHECK(ot_call(h, sup, A_("which_children"), TU_POLL_CAP_MS, &r) == 0);
    CHECK(ot_list_length(r) == 2);
    /* a BEAM spec may name one of this node's start functions: the one get_childspec shows */
    CHECK(ot_supervisor_get_childspec(h, sup, A_("b"), &r) == 0);
    ot_term start = ot_map_get(ot_tuple_get(r, 1), A_("start"));
    CHECK(ot_call(h, sup, ot_build(h, "{start_child, {c, ~p, temporary, brutal_kill, worker, dynamic}}",
                                   ot_build(h, "{otter, ~p, [{c, trap}]}", ot_tuple_get(start, 1))), TU_POLL_CAP_MS, &r) == 0);
    CHECK(ot_tuple_get(r, 0) == OT_ATOM(OK));
    EXPECT_LOG("started", "c");
    CHECK(ot_call(h, sup, A_("count_children"), TU_POLL_CAP_MS, &r) == 0);
    text_is(r, "[{specs,3},{active,2},{supervisors,0},{workers,3}]");
    ot_supervisor_which_children(NULL, sup, &r);
    shape(s, sizeof s, r);
    CHECK(strcmp(s, "[{c,pid,worker,dynamic},{ig,undefined,worker,[]},{b,pid,worker,[]}]") == 0, "%.300s", s);
    stop_sup(sup);
    EXPECT_LOG("stopped", "b");
    expect_quiet(); /* brutal_kill: c had no time to report */

    /* the supervisor is gone: calls say so */
    CHECK(ot_supervisor_which_children(NULL, sup, &r) == -ESRCH);
    text_is(r, "noproc");
    CHECK(ot_supervisor_stop(sup, OT_NONE, 1000) == -ESRCH);
}

Test(supervisor, management_calls) { pt_run(calls_body, NULL, 2); }

/* ---------------------------------------------------------------- start failures */

static void start_fail_body(void *arg)
{
    (void)arg;
    setup_log();
    size_t procs = ot_process_count();
    ot_child_spec k[] = {W("a", "trap"), W("b", "fail"), W("c", "trap")};
    ot_term r;
    CHECK(ot_supervisor_start_link(NULL, k, 3, NULL, &r) == -ECHILD);
    text_is(r, "{shutdown,{failed_to_start_child,b,boom}}");
    EXPECT_LOG("started", "a");
    EXPECT_LOG("stopped", "a");
    expect_quiet();
    CHECK(ot_process_count() == procs, "%zu processes, %zu before", ot_process_count(), procs);
    CHECK(ot_message_queue_len() == 0, "no exit signal, no stray message");

    /* a child that ignores does not fail the start */
    ot_child_spec k2[] = {W("i", "ignore"), W("j", "trap")};
    ot_term sup;
    CHECK(ot_supervisor_start_link(NULL, k2, 2, NULL, &sup) == 0);
    EXPECT_LOG("started", "j");
    ot_supervisor_which_children(NULL, sup, &r);
    char s[256];
    shape(s, sizeof s, r);
    CHECK(strcmp(s, "[{j,pid,worker,[]},{i,undefined,worker,[]}]") == 0, "%.300s", s);
    stop_sup(sup);

    /* bad specs and options */
    ot_child_spec dup[] = {W("a", "trap"), W("a", "trap")};
    CHECK(ot_supervisor_start_link(NULL, dup, 2, NULL, &r) == -EINVAL);
    text_is(r, "{start_spec,{duplicate_child_name,a}}");
    ot_child_spec nostart[] = {{.id = A_("n")}};
    CHECK(ot_supervisor_start_link(NULL, nostart, 1, NULL, &r) == -EINVAL);
    text_is(r, "{start_spec,missing_start}");
    ot_sup_opts bad = {.strategy = (ot_strategy)9};
    CHECK(ot_supervisor_start_link(&bad, NULL, 0, NULL, &r) == -EINVAL);
    CHECK(ot_process_count() == procs);
}

Test(supervisor, start_failures) { pt_run(start_fail_body, NULL, 2); }

Test(supervisor, outside_a_process)
{
    ot_term r;
    cr_assert_eq(ot_supervisor_start_link(NULL, NULL, 0, NULL, &r), -EPERM);
    cr_assert(!ot_is_supervisor(ot_atom("x")));
}

/* ---------------------------------------------------------------- a start function that fails later */

/* Fails on its second call: a restart that cannot start the child is
 * retried (each try counting as a restart) until the intensity is used up. */
static _Atomic int flaky_calls;

static ot_term start_flaky(ot_heap *h, ot_term arg, void *data)
{
    (void)data;
    if (atomic_fetch_add(&flaky_calls, 1) >= 1)
        return ot_tuple(h, 2, OT_ATOM(ERROR), A_("flaky"));
    return start_worker(h, arg, NULL);
}

static void try_again_body(void *arg)
{
    (void)arg;
    setup_log();
    atomic_store(&flaky_calls, 0);
    ot_child_spec k[] = {W("a", "trap"), {.id = A_("f"), .start = start_flaky, .arg = ot_build(ot_proc_heap(), "{f, plain}")}};
    ot_term sup = start_sup(OT_ONE_FOR_ONE, 3, k, 2);
    EXPECT_LOG("started", "a");
    EXPECT_LOG("started", "f");
    ot_term mref = ot_monitor(NULL, sup);
    ot_unlink(sup);
    crash(child_pid(sup, "f"), "boom");
    EXPECT_LOG("stopped", "a");
    ot_msg *m = ot_receive(ot_pattern(ot_proc_heap(), "{'DOWN', ~p, process, _, shutdown}", mref), TU_POLL_CAP_MS, NULL);
    CHECK(m != NULL);
    ot_msg_free(m);
    CHECK(atomic_load(&flaky_calls) == 4, "1 start + 3 failed restarts, got %d", atomic_load(&flaky_calls));
}

Test(supervisor, restart_that_fails_is_retried) { pt_run(try_again_body, NULL, 2); }

/* ---------------------------------------------------------------- compared with BEAM */

/* The same tree on a real BEAM node: a one_for_one supervisor with
 * children a (worker), s (supervisor, no children), i (ignored), and the
 * answers to the management calls. */
static const char *beam_module =
    "-module(sup_oracle).\n"
    "-export([main/0, init/1, start/1]).\n"
    "init(none) -> {ok, {#{strategy => one_for_one}, []}};\n"
    "init(Kids) -> {ok, {#{strategy => one_for_one, intensity => 5}, Kids}}.\n"
    "start(worker) -> {ok, spawn_link(fun() -> receive _ -> ok end end)};\n"
    "start(ignore) -> ignore;\n"
    "start(fail) -> {error, boom}.\n"
    "spec(Id, What, Type) -> #{id => Id, start => {?MODULE, start, [What]}, type => Type, modules => [m]}.\n"
    "main() ->\n"
    "  Sub = #{id => s, start => {supervisor, start_link, [?MODULE, none]}, type => supervisor, modules => [m]},\n"
    "  {ok, S} = supervisor:start_link(?MODULE, [spec(a, worker, worker), Sub, spec(i, ignore, worker)]),\n"
    "  P = fun(T) -> io:format(\"~w~n\", [T]) end,\n"
    "  P(supervisor:which_children(S)),\n"
    "  P(supervisor:count_children(S)),\n"
    "  P(supervisor:start_child(S, spec(a, worker, worker))),\n"
    "  P(supervisor:restart_child(S, a)),\n"
    "  P(supervisor:delete_child(S, a)),\n"
    "  P(supervisor:terminate_child(S, a)),\n"
    "  P(supervisor:start_child(S, spec(a, worker, worker))),\n"
    "  P(supervisor:terminate_child(S, zz)),\n"
    "  P(supervisor:restart_child(S, zz)),\n"
    "  P(supervisor:delete_child(S, zz)),\n"
    "  P(supervisor:restart_child(S, i)),\n"
    "  P(supervisor:which_children(S)),\n"
    "  P(supervisor:count_children(S)),\n"
    "  P(supervisor:delete_child(S, a)),\n"
    "  P(supervisor:which_children(S)),\n"
    "  P(supervisor:count_children(S)).\n";

static ot_term start_empty_sup(ot_heap *h, ot_term arg, void *data)
{
    (void)arg;
    (void)data;
    ot_term r;
    return ot_supervisor_start_link(NULL, NULL, 0, h, &r) == 0 ? r : ot_tuple(h, 2, OT_ATOM(ERROR), r);
}

static char otter_lines[4096];

static void put_line(ot_term t)
{
    char s[1024];
    shape(s, sizeof s, t);
    size_t n = strlen(otter_lines);
    snprintf(otter_lines + n, sizeof otter_lines - n, "%s\n", s);
}

static void oracle_body(void *arg)
{
    (void)arg;
    ot_heap *h = ot_proc_heap();
    ot_term mods = ot_build(h, "[m]");
    ot_child_spec a = {.id = A_("a"), .start = start_worker, .arg = ot_build(h, "{a, plain}"), .modules = mods};
    ot_child_spec k[] = {
        a,
        {.id = A_("s"), .start = start_empty_sup, .type = OT_SUPERVISOR, .modules = mods},
        {.id = A_("i"), .start = start_worker, .arg = ot_build(h, "{i, ignore}"), .modules = mods},
    };
    ot_term sup = start_sup(OT_ONE_FOR_ONE, 5, k, 3), r;
    otter_lines[0] = 0;
    ot_supervisor_which_children(h, sup, &r); put_line(r);
    ot_supervisor_count_children(h, sup, &r); put_line(r);
    ot_supervisor_start_child(h, sup, &a, &r); put_line(r);
    ot_supervisor_restart_child(h, sup, A_("a"), &r); put_line(r);
    ot_supervisor_delete_child(h, sup, A_("a"), &r); put_line(r);
    ot_supervisor_terminate_child(h, sup, A_("a"), &r); put_line(r);
    ot_supervisor_start_child(h, sup, &a, &r); put_line(r);
    ot_supervisor_terminate_child(h, sup, A_("zz"), &r); put_line(r);
    ot_supervisor_restart_child(h, sup, A_("zz"), &r); put_line(r);
    ot_supervisor_delete_child(h, sup, A_("zz"), &r); put_line(r);
    ot_supervisor_restart_child(h, sup, A_("i"), &r); put_line(r);
    ot_supervisor_which_children(h, sup, &r); put_line(r);
    ot_supervisor_count_children(h, sup, &r); put_line(r);
    ot_supervisor_delete_child(h, sup, A_("a"), &r); put_line(r);
    ot_supervisor_which_children(h, sup, &r); put_line(r);
    ot_supervisor_count_children(h, sup, &r); put_line(r);
    stop_sup(sup);
}

Test(supervisor, same_answers_as_beam)
{
    char *dir = tu_mktemp(".d");
    unlink(dir);
    cr_assert(mkdir(dir, 0700) == 0);
    char path[512], cmd[1024];
    snprintf(path, sizeof path, "%s/sup_oracle.erl", dir);
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fputs(beam_module, f);
    fclose(f);
    snprintf(cmd, sizeof cmd,
             "cd %s && erlc sup_oracle.erl && erl -noshell -pa %s -eval 'sup_oracle:main(), halt().' 2>/dev/null"
             " | sed -e 's/<[0-9.]*>/pid/g'", dir, dir);
    size_t len;
    int status;
    char *beam = tu_run(cmd, NULL, 0, &len, &status);
    cr_assert_eq(status, 0, "erl failed: %s", beam);
    cr_assert(len > 0, "no output from erl");
    pt_run(oracle_body, NULL, 2);
    cr_assert_str_eq(otter_lines, beam);
    free(beam);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert(system(cmd) == 0);
    free(dir);
}

/* ---------------------------------------------------------------- memory */

/* Many start_child / terminate_child / delete_child rounds and calls: the
 * supervisor's process heap is compacted, so its memory stays bounded,
 * and its children survive every compaction intact. */
/* tu_poll's condition: the supervisor ctx[0] has a child "keep" that is a
 * new process, not ctx[1]. */
static bool restarted(void *ctx)
{
    ot_term *was = ctx;
    ot_term now = child_pid(was[0], "keep");
    return ot_is_pid(now) && now != was[1];
}

static void churn_body(void *arg)
{
    (void)arg;
    ot_heap *h = ot_heap_new();
    ot_child_spec k[] = {W("keep", "plain")};
    k[0].arg = ot_build(ot_proc_heap(), "{keep, plain, [some, longer, argument, list]}");
    ot_term sup = start_sup(OT_ONE_FOR_ONE, 10, k, 1);
    ot_term keep = child_pid(sup, "keep");
    int64_t peak = 0;
    for (int i = 0; i < 3000; i++) {
        ot_term r;
        ot_child_spec c = {.id = ot_tuple(h, 2, A_("c"), ot_int(h, i)), .start = start_worker,
                           .arg = ot_build(h, "{c, plain}"), .restart = OT_TRANSIENT};
        CHECK(ot_supervisor_start_child(h, sup, &c, &r) == 0 && ot_tuple_get(r, 0) == OT_ATOM(OK));
        CHECK(ot_supervisor_terminate_child(h, sup, c.id, &r) == 0);
        CHECK(ot_supervisor_delete_child(h, sup, c.id, &r) == 0);
        ot_supervisor_which_children(h, sup, &r);
        ot_supervisor_count_children(h, sup, &r);
        int64_t mem = 0;
        ot_get_int64(ot_tuple_get(ot_process_info(h, sup, OT_ATOM(MEMORY)), 1), &mem);
        if (i >= 100 && mem > peak)
            peak = mem;
        ot_heap_reset(h);
    }
    CHECK(peak < 512 * 1024, "supervisor memory grew to %lld bytes", (long long)peak);
    ot_term r;
    ot_supervisor_get_childspec(h, sup, A_("keep"), &r);
    ot_term start = ot_map_get(ot_tuple_get(r, 1), A_("start"));
    text_is(ot_hd(ot_tuple_get(start, 2)), "{keep,plain,[some,longer,argument,list]}");
    CHECK(child_pid(sup, "keep") == keep);
    crash(keep, "boom");
    ot_term was[2] = {sup, keep};
    CHECK(tu_poll(restarted, was), "restarted from its kept spec");
    stop_sup(sup);
    ot_heap_free(h);
}

Test(supervisor, state_stays_compact) { pt_run(churn_body, NULL, 2); }

/* Supervisors still running when the node stops are killed: their state
 * is on their process heaps, so nothing leaks (LeakSanitizer watches). */
static void left_running_body(void *arg)
{
    (void)arg;
    ot_child_spec k[] = {W("a", "plain"), {.id = A_("inner"), .start = start_inner, .type = OT_SUPERVISOR}};
    ot_sup_opts o = {.strategy = OT_ONE_FOR_ALL};
    ot_term sup;
    CHECK(ot_supervisor_start_link(&o, k, 2, NULL, &sup) == 0);
    ot_unlink(sup);
    ot_term r;
    ot_child_spec more = W("b", "plain");
    ot_supervisor_start_child(NULL, sup, &more, &r);
}

Test(supervisor, killed_at_the_end_leaks_nothing)
{
    pt_run(left_running_body, NULL, 2);
#if defined(__SANITIZE_ADDRESS__)
    cr_assert_eq(__lsan_do_recoverable_leak_check(), 0, "leaks: see the report above");
#endif
}
