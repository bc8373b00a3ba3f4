/* test_application.c — applications: dependency order (start and
 * ensure_all_started), stop order, failing start callbacks that leave
 * nothing behind, the master -> child -> root supervisor structure that
 * tree walks follow, which_applications next to a real BEAM node's, and
 * otter's own application (otter_sup, otter_logger). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#include "otter/application.h"
#include "otter/introspect.h"
#include "proctest.h"
#include "testutil.h"

static ot_term A_(const char *s) { return ot_atom(s); }

/* Runs body as the first process; the node stops every process still
 * running at the end (the controller, masters, supervisors are killed),
 * and nothing may leak (LeakSanitizer, in sanitizer builds). */
static void run(ot_proc_fn body)
{
    pt_run(body, NULL, 2);
#if defined(__SANITIZE_ADDRESS__)
    cr_assert_eq(__lsan_do_recoverable_leak_check(), 0, "leaks: see the report above");
#endif
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

static void log_event(const char *what, const char *name)
{
    ot_term log = ot_whereis(A_("tlog"));
    if (log != OT_NONE)
        ot_send(log, ot_tuple(ot_proc_heap(), 2, A_(what), A_(name)));
}

static const char *next_log(const char *tag)
{
    static _Thread_local char buf[64];
    ot_term b[1];
    ot_msg *m = ot_receive(ot_pattern(ot_proc_heap(), "{~a, X}", tag), TU_POLL_CAP_MS, b);
    if (!m)
        return "none";
    snprintf(buf, sizeof buf, "%s", ot_atom_text(b[0], NULL));
    ot_msg_free(m);
    return buf;
}

#define EXPECT_LOG(tag, id) do { const char *got_ = next_log(tag); \
    CHECK(strcmp(got_, id) == 0, "%s: got %.40s, want %s", tag, got_, id); } while (0)

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

/* ---------------------------------------------------------------- test applications */

/* A worker that traps exits and reports {worker_stopped, App} when told to stop. */
static void app_worker(void *arg)
{
    (void)arg;
    ot_trap_exit(true);
    ot_term app = ot_tuple_get(ot_spawn_arg(), 0);
    ot_send(ot_tuple_get(ot_spawn_arg(), 1), A_("ready"));
    for (;;) {
        ot_msg *m = ot_receive(OT_NONE, OT_INFINITY, NULL);
        ot_term t = ot_msg_term(m);
        if (ot_tuple_get(t, 0) == OT_ATOM(EXIT)) {
            ot_term r = ot_copy(ot_proc_heap(), ot_tuple_get(t, 2));
            ot_msg_free(m);
            log_event("worker_stopped", ot_atom_text(app, NULL));
            ot_exit(r);
        }
        ot_msg_free(m);
    }
}

static ot_term start_app_worker(ot_heap *h, ot_term arg, void *data)
{
    (void)data;
    ot_spawn_opts o = {.link = true, .term_arg = ot_tuple(h, 2, arg, ot_self())};
    ot_term pid = ot_spawn_opt(app_worker, NULL, &o);
    ot_msg_free(ot_receive(A_("ready"), OT_INFINITY, NULL));
    return pid;
}

/* data is the application's name; behaviour by name: "bad_*" fail. */
static ot_term app_start(ot_heap *h, void *data)
{
    const char *name = data;
    log_event("app_started", name);
    ot_child_spec k[] = {{.id = A_("w"), .start = start_app_worker, .arg = A_(name)}};
    ot_term sup;
    int rc = ot_supervisor_start_link(NULL, k, 1, h, &sup);
    if (rc != 0)
        return ot_tuple(h, 2, OT_ATOM(ERROR), sup);
    if (strcmp(name, "bad_error") == 0)
        return ot_build(h, "{error, nope}");
    if (strcmp(name, "bad_return") == 0)
        return A_("weird");
    if (strcmp(name, "with_state") == 0)
        return ot_tuple(h, 3, OT_ATOM(OK), sup, A_("state"));
    return strcmp(name, "tuple_ok") == 0 ? ot_tuple(h, 2, OT_ATOM(OK), sup) : sup;
}

static void app_stop(void *data)
{
    log_event("app_stopped", data);
}

static const char *const no_deps[] = {NULL};
static const char *const deps_b[] = {"app_a", NULL};
static const char *const deps_c[] = {"app_b", "app_a", NULL};
static const char *const deps_d[] = {"app_a", "bad_error", NULL};
static const char *const deps_x[] = {"cyc_y", NULL};
static const char *const deps_y[] = {"cyc_x", NULL};

#define APP(var, nm, desc, v, deps, md)                                                        \
    static const ot_app_spec var = {.name = nm, .description = desc, .vsn = v,                  \
                                    .applications = deps, .mod = md, .start = app_start,        \
                                    .stop = app_stop, .data = (void *)nm}

APP(app_a, "app_a", "A app", "1.0", no_deps, NULL);
APP(app_b, "app_b", "B app", "2.0", deps_b, "b_mod");
APP(app_c, "app_c", "C app", "3.0", deps_c, NULL);
APP(app_d, "app_d", "D app", "4.0", deps_d, NULL);
APP(bad_error, "bad_error", "fails", "0", NULL, "bad_mod");
APP(bad_return, "bad_return", "fails", "0", NULL, NULL);
APP(cyc_x, "cyc_x", "", "", deps_x, NULL);
APP(cyc_y, "cyc_y", "", "", deps_y, NULL);
APP(with_state, "with_state", "", "", NULL, NULL);
APP(tuple_ok, "tuple_ok", "", "", NULL, NULL);

static void load_all(void)
{
    const ot_app_spec *all[] = {&app_a, &app_b, &app_c, &app_d, &bad_error, &bad_return,
                                &cyc_x, &cyc_y, &with_state, &tuple_ok};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        CHECK(ot_application_load(all[i]) == 0);
}

static ot_term mine(ot_term apps)
{
    /* which_applications without otter's own */
    ot_heap *h = ot_proc_heap();
    ot_term rev = OT_NIL, out = OT_NIL;
    for (ot_term l = apps; l != OT_NIL; l = ot_tl(l))
        if (ot_tuple_get(ot_hd(l), 0) != A_("otter"))
            rev = ot_cons(h, ot_hd(l), rev);
    for (ot_term l = rev; l != OT_NIL; l = ot_tl(l))
        out = ot_cons(h, ot_hd(l), out);
    return out;
}

/* ---------------------------------------------------------------- tests */

static void deps_body(void *arg)
{
    (void)arg;
    ot_register(A_("tlog"), ot_self());
    load_all();
    ot_term r;
    CHECK(ot_application_start(NULL, A_("app_b"), &r) == -ESRCH);
    text_is(r, "{not_started,app_a}");
    CHECK(ot_application_start(NULL, A_("nosuch"), &r) == -ENOENT);
    text_is(r, "{not_loaded,nosuch}");
    CHECK(ot_application_ensure_all_started(NULL, A_("app_c"), &r) == 0);
    text_is(r, "[app_a,app_b,app_c]");
    EXPECT_LOG("app_started", "app_a");
    EXPECT_LOG("app_started", "app_b");
    EXPECT_LOG("app_started", "app_c");
    text_is(mine(ot_application_which_applications(NULL)),
            "[{app_c,\"C app\",\"3.0\"},{app_b,\"B app\",\"2.0\"},{app_a,\"A app\",\"1.0\"}]");
    CHECK(ot_application_start(NULL, A_("app_a"), &r) == -EALREADY);
    text_is(r, "{already_started,app_a}");
    CHECK(ot_application_ensure_started(NULL, A_("app_a"), &r) == 0);
    CHECK(ot_application_ensure_all_started(NULL, A_("app_c"), &r) == 0);
    text_is(r, "[]");

    /* stop: the root supervisor's children first, then the stop callback;
     * what the application needed keeps running */
    CHECK(ot_application_stop(NULL, A_("app_b"), &r) == 0);
    EXPECT_LOG("worker_stopped", "app_b");
    EXPECT_LOG("app_stopped", "app_b");
    text_is(mine(ot_application_which_applications(NULL)),
            "[{app_c,\"C app\",\"3.0\"},{app_a,\"A app\",\"1.0\"}]");
    CHECK(ot_application_stop(NULL, A_("app_b"), &r) == -ESRCH);
    text_is(r, "{not_started,app_b}");
    CHECK(ot_application_start(NULL, A_("app_b"), &r) == 0);
    EXPECT_LOG("app_started", "app_b");

    /* stop_all: newest first */
    CHECK(ot_application_stop_all() == 3);
    EXPECT_LOG("app_stopped", "app_b");
    EXPECT_LOG("app_stopped", "app_c");
    EXPECT_LOG("app_stopped", "app_a");
    text_is(mine(ot_application_which_applications(NULL)), "[]");

    /* a cycle */
    CHECK(ot_application_ensure_all_started(NULL, A_("cyc_x"), &r) == -ELOOP);
    text_is(r, "{cyc_x,{circular_dependencies,cyc_x}}");
    ot_flush();
}

Test(application, dependencies_and_stop_order) { run(deps_body); }

static void failure_body(void *arg)
{
    (void)arg;
    ot_register(A_("tlog"), ot_self());
    load_all();
    ot_term r;
    ot_application_which_applications(NULL); /* the controller runs from here on */
    size_t procs = ot_process_count();

    CHECK(ot_application_start(NULL, A_("bad_error"), &r) == -ECHILD);
    text_is(r, "{nope,{bad_mod,start,[normal,[]]}}");
    EXPECT_LOG("app_started", "bad_error");
    EXPECT_LOG("worker_stopped", "bad_error");
    expect_quiet(); /* no stop callback: it never started */
    CHECK(ot_process_count() == procs, "%zu processes, %zu before", ot_process_count(), procs);

    CHECK(ot_application_start(NULL, A_("bad_return"), &r) == -ECHILD);
    text_is(r, "{bad_return,{{bad_return,start,[normal,[]]},weird}}");
    EXPECT_LOG("app_started", "bad_return");
    EXPECT_LOG("worker_stopped", "bad_return");
    CHECK(ot_process_count() == procs);
    text_is(mine(ot_application_which_applications(NULL)), "[]");

    /* ensure_all_started stops what it started when a later one fails */
    CHECK(ot_application_ensure_all_started(NULL, A_("app_d"), &r) == -ECHILD);
    text_is(r, "{bad_error,{nope,{bad_mod,start,[normal,[]]}}}");
    EXPECT_LOG("app_started", "app_a");
    EXPECT_LOG("app_started", "bad_error");
    EXPECT_LOG("worker_stopped", "bad_error");
    EXPECT_LOG("worker_stopped", "app_a");
    EXPECT_LOG("app_stopped", "app_a");
    text_is(mine(ot_application_which_applications(NULL)), "[]");
    CHECK(ot_process_count() == procs);

    /* the other good returns: {ok, Pid} and {ok, Pid, State} */
    CHECK(ot_application_start(NULL, A_("with_state"), &r) == 0);
    CHECK(ot_application_start(NULL, A_("tuple_ok"), &r) == 0);
    CHECK(ot_application_stop_all() == 2);
    ot_flush();
    CHECK(ot_process_count() == procs);
}

Test(application, failing_starts_leave_nothing) { run(failure_body); }

static ot_term info(ot_term pid, ot_term key)
{
    return ot_tuple_get(ot_process_info(ot_proc_heap(), pid, key), 1);
}

static bool has(ot_term list, ot_term x)
{
    for (ot_term l = list; ot_is_list(l) && l != OT_NIL; l = ot_tl(l))
        if (ot_hd(l) == x)
            return true;
    return false;
}

static void tree_body(void *arg)
{
    (void)arg;
    load_all();
    ot_term r, master, child;
    CHECK(ot_application_get_master(A_("app_b"), &master) == -ENOENT);
    text_is(master, "undefined");
    CHECK(ot_application_ensure_all_started(NULL, A_("app_b"), &r) == 0);
    CHECK(ot_application_get_master(A_("app_b"), &master) == 0);
    text_is(info(master, OT_ATOM(INITIAL_CALL)), "{application_master,init,4}");
    CHECK(ot_application_get_child(NULL, master, &child) == 0);
    ot_term sup = ot_tuple_get(child, 0);
    CHECK(ot_is_pid(sup) && ot_is_supervisor(sup));
    text_is(ot_tuple_get(child, 1), "b_mod");
    /* master -> start_it child -> root supervisor, by links */
    ot_term x = OT_NONE;
    for (ot_term l = info(master, OT_ATOM(LINKS)); l != OT_NIL; l = ot_tl(l))
        if (has(info(ot_hd(l), OT_ATOM(LINKS)), sup))
            x = ot_hd(l);
    CHECK(x != OT_NONE, "a process linked to both the master and the root supervisor");
    text_is(info(x, OT_ATOM(INITIAL_CALL)), "{application_master,start_it,4}");
    text_is(info(ot_whereis(A_("application_controller")), OT_ATOM(INITIAL_CALL)),
            "{application_controller,init,2}");

    /* the root supervisor dies: the application is gone (temporary), the node goes on */
    ot_term mref = ot_monitor(NULL, master);
    ot_exit_signal(sup, OT_ATOM(KILL));
    ot_msg *m = ot_receive(ot_pattern(ot_proc_heap(), "{'DOWN', ~p, process, _, killed}", mref), TU_POLL_CAP_MS, NULL);
    CHECK(m != NULL);
    ot_msg_free(m);
    text_is(mine(ot_application_which_applications(NULL)), "[{app_a,\"A app\",\"1.0\"}]");
    CHECK(ot_application_get_master(A_("app_b"), &r) == -ENOENT);
    CHECK(ot_application_get_child(NULL, master, &r) == -ESRCH);
    CHECK(ot_application_stop_all() == 1);
}

Test(application, master_child_root_supervisor) { run(tree_body); }

/* ---------------------------------------------------------------- concurrent starts */

/* A start callback that waits for `go`: two callers asking to start it
 * meanwhile both get the result of that one start (as BEAM's start_req). */
static ot_term slow_start(ot_heap *h, void *data)
{
    (void)data;
    ot_register(A_("slow_starter"), ot_self());
    ot_msg_free(ot_receive(A_("go"), OT_INFINITY, NULL));
    ot_unregister(A_("slow_starter"));
    ot_term sup;
    return ot_supervisor_start_link(NULL, NULL, 0, h, &sup) == 0 ? sup : ot_tuple(h, 2, OT_ATOM(ERROR), sup);
}

static const ot_app_spec slow = {.name = "slow", .vsn = "1", .start = slow_start};

static void starter(void *arg)
{
    (void)arg;
    ot_term r;
    int rc = ot_application_start(NULL, A_("slow"), &r);
    ot_send(ot_whereis(A_("tlog")), ot_tuple(ot_proc_heap(), 2, A_("start_result"), ot_int(NULL, rc)));
}

static bool waits_in_receive(ot_term pid)
{
    ot_term cf = ot_process_info(ot_proc_heap(), pid, OT_ATOM(CURRENT_FUNCTION));
    return ot_equal(ot_tuple_get(cf, 1), ot_build(ot_proc_heap(), "{otter, 'receive', 3}"));
}

/* tu_poll's conditions: the slow start has begun (it registered itself);
 * the process *ctx waits in its receive or has ended. */
static bool slow_start_began(void *ctx)
{
    (void)ctx;
    return ot_whereis(A_("slow_starter")) != OT_NONE;
}

static bool waits_or_ended(void *ctx)
{
    ot_term pid = *(ot_term *)ctx;
    return !ot_is_alive(pid) || waits_in_receive(pid);
}

static void concurrent_body(void *arg)
{
    (void)arg;
    ot_register(A_("tlog"), ot_self());
    CHECK(ot_application_load(&slow) == 0);
    ot_term p1 = ot_spawn(starter, NULL);
    CHECK(tu_poll(slow_start_began, NULL), "the start callback never ran");
    ot_term master;
    CHECK(ot_application_get_master(A_("slow"), &master) == 0, "a starting application has its master");
    text_is(mine(ot_application_which_applications(NULL)), "[]");
    ot_term p2 = ot_spawn(starter, NULL);
    CHECK(tu_poll(waits_or_ended, &p2), "the second starter never got to wait");
    ot_send(A_("slow_starter"), A_("go"));
    ot_term b[1];
    for (int i = 0; i < 2; i++) {
        ot_msg *m = ot_receive(ot_pattern(ot_proc_heap(), "{start_result, R}"), TU_POLL_CAP_MS, b);
        CHECK(m != NULL);
        if (m)
            text_is(b[0], "0");
        ot_msg_free(m);
    }
    (void)p1;
    text_is(mine(ot_application_which_applications(NULL)), "[{slow,[],\"1\"}]");
    ot_term r;
    CHECK(ot_application_start(NULL, A_("slow"), &r) == -EALREADY);
    CHECK(ot_application_stop_all() == 1);
}

Test(application, concurrent_starts_share_one_result) { run(concurrent_body); }

/* ---------------------------------------------------------------- otter's own application */

static ot_term start_extra(ot_heap *h, ot_term arg, void *data)
{
    (void)arg;
    (void)data;
    ot_spawn_opts o = {.link = true, .name = A_("extra_service"),
                       .term_arg = ot_tuple(h, 2, A_("extra"), ot_self())};
    ot_term pid = ot_spawn_opt(app_worker, NULL, &o);
    if (pid != OT_NONE)
        ot_msg_free(ot_receive(A_("ready"), OT_INFINITY, NULL));
    return pid;
}

/* tu_poll's condition: the only child of the supervisor ctx[0] is a
 * process other than ctx[1]. */
static bool child_replaced(void *ctx)
{
    ot_term *was = ctx, r;
    if (ot_supervisor_which_children(NULL, was[0], &r) != 0 || r == OT_NIL)
        return false;
    ot_term now = ot_tuple_get(ot_hd(r), 1);
    return ot_is_pid(now) && now != was[1];
}

static void otter_body(void *arg)
{
    (void)arg;
    /* known without loading: an application may simply need it */
    ot_term why = OT_NONE;
    int erc = ot_application_ensure_started(NULL, A_("otter"), &why);
    text_is(why, "ok");
    CHECK(erc == 0, "%d", erc);
    CHECK(ot_otter_start() == 0, "twice is fine");
    ot_term apps = ot_application_which_applications(NULL);
    text_is(apps, "[{otter,\"otter runtime services\",\"0.1.0\"}]");
    ot_term sup = ot_whereis(A_("otter_sup"));
    CHECK(ot_is_supervisor(sup));
    ot_term r;
    ot_supervisor_which_children(NULL, A_("otter_sup"), &r);
    CHECK(ot_list_length(r) == 1);
    text_is(ot_tuple_get(ot_hd(r), 0), "otter_logger");
    CHECK(ot_tuple_get(ot_hd(r), 1) == ot_whereis(A_("otter_logger")));
    text_is(info(ot_whereis(A_("otter_logger")), OT_ATOM(INITIAL_CALL)), "{otter_logger,init,1}");

    /* another layer adds its service: started now, and at every later start */
    ot_child_spec extra = {.id = A_("extra"), .start = start_extra};
    CHECK(ot_otter_add_child(&extra) == 0);
    CHECK(ot_otter_add_child(&extra) == -EEXIST);
    CHECK(ot_whereis(A_("extra_service")) != OT_NONE);
    ot_supervisor_which_children(NULL, A_("otter_sup"), &r);
    CHECK(ot_list_length(r) == 2);
    CHECK(ot_application_stop(NULL, A_("otter"), &r) == 0);
    CHECK(ot_whereis(A_("extra_service")) == OT_NONE && ot_whereis(A_("otter_sup")) == OT_NONE);
    CHECK(ot_otter_start() == 0);
    ot_supervisor_which_children(NULL, A_("otter_sup"), &r);
    char buf[256];
    ot_print(buf, sizeof buf, r, NULL);
    CHECK(ot_list_length(r) == 2 && ot_whereis(A_("extra_service")) != OT_NONE, "%.200s", buf);

    /* the logger writes {log, Level, Text} events to stderr */
    CHECK(ot_log(A_("info"), "hello from the otter test") == 0);
    ot_send(A_("otter_logger"), ot_build(ot_proc_heap(), "{log, warning, {some, term}}"));
    CHECK(ot_call(NULL, A_("otter_logger"), A_("sync"), TU_POLL_CAP_MS, &r) == 0);
    CHECK(ot_log(ot_int(NULL, 1), "x") == -EINVAL);

    /* with the logger running, supervisors report */
    ot_child_spec k[] = {{.id = A_("reporter_child"), .start = start_app_worker, .arg = A_("rep")}};
    CHECK(ot_supervisor_start_link(NULL, k, 1, NULL, &sup) == 0);
    ot_supervisor_which_children(NULL, sup, &r);
    ot_term old = ot_tuple_get(ot_hd(r), 1);
    ot_exit_signal(old, A_("kill"));
    ot_term was[2] = {sup, old};
    CHECK(tu_poll(child_replaced, was), "the killed child was never restarted");
    CHECK(ot_call(NULL, A_("otter_logger"), A_("sync"), TU_POLL_CAP_MS, &r) == 0);
    ot_unlink(sup);
    ot_supervisor_stop(sup, OT_NONE, TU_POLL_CAP_MS);
    ot_application_stop_all();
}

Test(application, otter_application)
{
    /* stderr goes to a file for the logger's lines */
    char *path = tu_mktemp(".log");
    int fd = open(path, O_WRONLY | O_TRUNC);
    cr_assert(fd >= 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    close(fd);
    run(otter_body);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    size_t len;
    int status;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "cat %s", path);
    char *out = tu_run(cmd, NULL, 0, &len, &status);
    cr_assert(strstr(out, "[info] hello from the otter test\n"), "stderr: %s", out);
    cr_assert(strstr(out, "[warning] {some,term}\n"), "stderr: %s", out);
    cr_assert(strstr(out, "[error] supervisor report: supervisor <0."), "stderr: %s", out);
    cr_assert(strstr(out, "context child_terminated, reason killed, offender id reporter_child"), "stderr: %s", out);
    free(out);
    unlink(path);
    free(path);
}

/* ---------------------------------------------------------------- compared with BEAM */

static char otter_text[2048];

static void oracle_body(void *arg)
{
    (void)arg;
    ot_register(A_("tlog"), ot_self());
    load_all();
    ot_term r;
    ot_print_opts o = {.syntax = OT_SYNTAX_ERLANG};
    size_t n = 0;
    ot_application_ensure_all_started(NULL, A_("app_c"), &r);
    n += (size_t)ot_print(otter_text + n, sizeof otter_text - n, ot_tuple(ot_proc_heap(), 2, OT_ATOM(OK), r), &o);
    otter_text[n++] = '\n';
    n += (size_t)ot_print(otter_text + n, sizeof otter_text - n, mine(ot_application_which_applications(NULL)), &o);
    otter_text[n++] = '\n';
    ot_application_start(NULL, A_("app_a"), &r);
    n += (size_t)ot_print(otter_text + n, sizeof otter_text - n, ot_tuple(ot_proc_heap(), 2, OT_ATOM(ERROR), r), &o);
    otter_text[n++] = '\n';
    ot_application_stop(NULL, A_("app_a"), &r);
    ot_application_stop(NULL, A_("app_a"), &r);
    n += (size_t)ot_print(otter_text + n, sizeof otter_text - n, ot_tuple(ot_proc_heap(), 2, OT_ATOM(ERROR), r), &o);
    otter_text[n++] = '\n';
    otter_text[n] = 0;
    ot_application_stop_all();
    ot_flush();
}

Test(application, same_answers_as_beam)
{
    const char *cmd =
        "erl -noshell -eval 'logger:set_primary_config(level, error),"
        "L = fun(N, D, V, Deps) -> ok = application:load({application, N, [{description, D}, {vsn, V},"
        " {applications, [kernel, stdlib | Deps]}, {modules, []}, {registered, []}]}) end,"
        " L(app_a, \"A app\", \"1.0\", []), L(app_b, \"B app\", \"2.0\", [app_a]),"
        " L(app_c, \"C app\", \"3.0\", [app_b, app_a]),"
        " P = fun(T) -> io:format(\"~w~n\", [T]) end,"
        " io:format(\"~p~n\", [application:ensure_all_started(app_c)]),"
        " io:format(\"~p~n\", [[A || A = {N, _, _} <- application:which_applications(), N =/= kernel, N =/= stdlib]]),"
        " P(application:start(app_a)), ok = application:stop(app_a), P(application:stop(app_a)), halt().'";
    size_t len;
    int status;
    char *beam = tu_run(cmd, NULL, 0, &len, &status);
    cr_assert_eq(status, 0, "erl failed: %s", beam);
    run(oracle_body);
    /* both without spaces or newlines */
    char a[2048], b[2048];
    size_t na = 0, nb = 0;
    for (const char *p = otter_text; *p && na + 1 < sizeof a; p++)
        if (*p != ' ' && *p != '\n')
            a[na++] = *p;
    a[na] = 0;
    for (const char *p = beam; *p && nb + 1 < sizeof b; p++)
        if (*p != ' ' && *p != '\n')
            b[nb++] = *p;
    b[nb] = 0;
    cr_assert_str_eq(a, b);
    free(beam);
}
