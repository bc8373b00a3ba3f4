/* otter/supervisor.h — supervisors: processes that start children, watch
 * them and restart them, as Erlang/OTP's supervisor module does.
 *
 * The notebook's "Supervisors" cell,
 *
 *     Supervisor.start_link([{Task, fn -> ... end}, {Agent, fn -> [] end}],
 *                           strategy: :one_for_one)
 *
 * in C:
 *
 *     static ot_term start_sleeper(ot_heap *h, ot_term arg, void *data) {
 *         ot_spawn_opts o = {.link = true};            // linked to the supervisor
 *         return ot_spawn_opt(sleeper, NULL, &o);      // a pid, or OT_NONE
 *     }
 *     ot_child_spec kids[] = {
 *         {.id = ot_atom("sleeper"), .start = start_sleeper},
 *         {.id = ot_atom("agent"), .start = start_agent},
 *     };
 *     ot_sup_opts o = {.strategy = OT_ONE_FOR_ONE};
 *     ot_term sup;
 *     int rc = ot_supervisor_start_link(&o, kids, 2, NULL, &sup);
 *
 * Semantics are OTP's (docs/supervisor.md lists the few differences):
 * children start in order and stop in reverse order; strategies
 * one_for_one, one_for_all and rest_for_one; restart types permanent,
 * transient and temporary; shutdown brutal_kill, a timeout or infinity;
 * more than `intensity` restarts within `period` seconds make the
 * supervisor stop all its children and exit with reason `shutdown`. A
 * supervisor traps exits; an exit signal from its parent (the process that
 * started it) makes it stop its children and exit with the same reason.
 *
 * A supervisor is a process answering the call protocol (otter/call.h)
 * with BEAM's own requests — which_children, count_children,
 * {start_child, Spec}, {terminate_child, Id}, {restart_child, Id},
 * {delete_child, Id}, {get_childspec, Id} — and BEAM's own replies, so
 * that ot_call, or supervisor:which_children/1 from a BEAM node, can ask
 * it. The functions below are those calls made from C.
 *
 * Unless said otherwise, call these functions from inside a process. */
#ifndef OTTER_SUPERVISOR_H
#define OTTER_SUPERVISOR_H

#include <stdbool.h>
#include <stdint.h>

#include "otter/call.h"
#include "otter/process.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- specs */

/* How a supervisor restarts a child that exited (the child spec's restart). */
typedef enum ot_restart {
    OT_PERMANENT = 0,   /* always restarted (the default) */
    OT_TRANSIENT,       /* restarted unless it exited normal, shutdown or {shutdown, _} */
    OT_TEMPORARY        /* never restarted; its spec goes when it exits */
} ot_restart;

/* What a child is: which_children and count_children report it. */
typedef enum ot_child_type {
    OT_WORKER = 0,      /* the default */
    OT_SUPERVISOR
} ot_child_type;

/* ot_child_spec.shutdown values besides a timeout in milliseconds (> 0). */
#define OT_SHUTDOWN_DEFAULT 0        /* 5000 for a worker, infinity for a supervisor */
#define OT_SHUTDOWN_INFINITY (-1)    /* wait for the child as long as it takes */
#define OT_SHUTDOWN_BRUTAL_KILL (-2) /* exit(child, kill) at once */

/* A child's start function. Runs inside the supervisor process; must start
 * the child linked to the caller (ot_spawn_opts.link = true, or a start
 * function of another behaviour, such as ot_supervisor_start_link) and
 * return, built on h:
 *   a pid, {ok, Pid} or {ok, Pid, Info}  the child started
 *   ignore                               nothing to start (the spec is kept,
 *                                        with no pid, unless temporary)
 *   {error, Reason}                      it failed
 *   OT_NONE                              it failed (reason system_limit:
 *                                        the usual cause is a full process
 *                                        table)
 * Anything else is a failure with that term as reason, as in OTP. otter
 * links the returned pid to the supervisor if the function did not.
 * arg is the spec's term argument (a copy the supervisor keeps), data its
 * pointer. It must not reset or free the caller's ot_proc_heap(), which
 * holds the supervisor's state. */
typedef ot_term (*ot_child_start_fn)(ot_heap *h, ot_term arg, void *data);

/* A child specification: OTP's child_spec() map in C. Zero-initialised
 * fields take OTP's defaults (permanent, worker, shutdown 5000 / infinity,
 * modules []). */
typedef struct ot_child_spec {
    ot_term id;               /* any term, unique among the supervisor's children */
    ot_child_start_fn start;  /* required */
    ot_term arg;              /* passed to start (copied); OT_NONE: [] */
    void *data;               /* passed to start as is; must outlive every restart */
    ot_restart restart;
    int64_t shutdown;         /* ms > 0, or OT_SHUTDOWN_DEFAULT / _INFINITY / _BRUTAL_KILL */
    ot_child_type type;
    ot_term modules;          /* which_children's Modules: a list of atoms or
                                 the atom dynamic; OT_NONE: [] */
} ot_child_spec;

/* ---------------------------------------------------------------- start */

/* Restart strategies. */
typedef enum ot_strategy {
    OT_ONE_FOR_ONE = 0,  /* restart the child that exited */
    OT_ONE_FOR_ALL,      /* stop all the others (reverse order), restart all in order */
    OT_REST_FOR_ONE      /* stop those started after it (reverse order), restart
                            it and them in order */
} ot_strategy;

/* ot_sup_opts.intensity value for "no restart at all" (OTP's intensity 0). */
#define OT_SUP_NO_RESTARTS (-1)

/* Supervisor flags and process options. Zero-initialised: one_for_one,
 * intensity 1, period 5 (OTP's defaults), unregistered. */
typedef struct ot_sup_opts {
    ot_strategy strategy;
    int64_t intensity;        /* restarts allowed within period; 0: 1;
                                 OT_SUP_NO_RESTARTS: none */
    int64_t period;           /* seconds; 0: 5 */
    ot_term name;             /* register the supervisor under this atom (OT_NONE: no) */
    ot_term label;            /* introspection label (OT_NONE: none) */
    const char *initial_call; /* introspection's initial_call, e.g.
                                 "my_sup:init/1" (a string that lives for the
                                 node's life); NULL: "supervisor:init/1" */
} ot_sup_opts;

/* ot_supervisor_start_link: starts a supervisor linked to the caller,
 * which starts the n children of specs in order and returns once they all
 * started (or one failed). opts may be NULL (defaults); specs may be NULL
 * when n is 0. Returns 0 with *result = the supervisor's pid; or a
 * negative errno with *result = the reason (on h, or the caller's process
 * heap when h is NULL), OTP's:
 *   -EINVAL  {start_spec, Why}: a bad spec (Why as start_child's, or
 *            {duplicate_child_name, Id}); bad opts: badarg
 *   -EEXIST  {already_started, Pid}: opts->name is taken
 *   -ECHILD  {shutdown, {failed_to_start_child, Id, Reason}}: a child
 *            failed to start; those already started were stopped, in
 *            reverse order, and the supervisor exited with this reason.
 *            Unlike OTP 25 the caller receives no exit signal from it.
 *   -ENOMEM  system_limit: no process or memory
 *   -EPERM   badarg: called outside a process */
OT_API int ot_supervisor_start_link(const ot_sup_opts *opts, const ot_child_spec *specs,
                                    size_t n, ot_heap *h, ot_term *result);

/* ot_is_supervisor: is pid a live otter supervisor of this node? The way
 * introspection (trees, the dashboard) decides which processes it may ask
 * for children: asking any other process would wait for a reply that never
 * comes. Callable from any thread, in a process or not. */
OT_API bool ot_is_supervisor(ot_term pid);

/* ---------------------------------------------------------------- calls */

/* The calls below send BEAM's request to `sup` (a pid or a registered
 * name) and wait for its answer as long as it takes, returning 0 and the
 * answer in *result (built on h; the caller's process heap when h is NULL).
 * When the call itself fails they return ot_call's error (-ESRCH: no such
 * supervisor, reason noproc; -ECONNABORTED: it exited meanwhile, its
 * reason) with the reason in *result. result may be NULL. */

/* ot_supervisor_start_child: adds spec and starts it; *result is OTP's
 * answer: {ok, Pid} | {ok, Pid, Info} | {ok, undefined} (ignore) |
 * {error, {already_started, Pid}} | {error, already_present} |
 * {error, {Reason, Spec}} (start failed) | {error, Why} (bad spec:
 * missing_start, {invalid_restart_type, R}, ... as OTP). Returns 0 even
 * for {error, ...} answers; -EINVAL (reason: Why) when the spec is
 * rejected before sending. */
OT_API int ot_supervisor_start_child(ot_heap *h, ot_term sup, const ot_child_spec *spec,
                                     ot_term *result);
/* ot_supervisor_terminate_child: stops child id (shutdown as its spec
 * says); a temporary child's spec is deleted. *result: ok |
 * {error, not_found}. */
OT_API int ot_supervisor_terminate_child(ot_heap *h, ot_term sup, ot_term id, ot_term *result);
/* ot_supervisor_restart_child: starts again a stopped child whose spec is
 * kept. *result: {ok, Pid} | {ok, Pid, Info} | {ok, undefined} |
 * {error, running} | {error, restarting} | {error, not_found} |
 * {error, Reason}. */
OT_API int ot_supervisor_restart_child(ot_heap *h, ot_term sup, ot_term id, ot_term *result);
/* ot_supervisor_delete_child: deletes the spec of a stopped child.
 * *result: ok | {error, running} | {error, restarting} | {error, not_found}. */
OT_API int ot_supervisor_delete_child(ot_heap *h, ot_term sup, ot_term id, ot_term *result);
/* ot_supervisor_which_children: *result = [{Id, Child, Type, Modules}],
 * newest child first (as OTP), Child a pid, undefined or restarting, Type
 * worker or supervisor. */
OT_API int ot_supervisor_which_children(ot_heap *h, ot_term sup, ot_term *result);
/* ot_supervisor_count_children: *result = [{specs, N}, {active, N},
 * {supervisors, N}, {workers, N}]. */
OT_API int ot_supervisor_count_children(ot_heap *h, ot_term sup, ot_term *result);
/* ot_supervisor_get_childspec: *result = {ok, SpecMap} | {error, not_found},
 * SpecMap as OTP's: #{id, start, restart, shutdown, type, modules,
 * significant}; start is {otter, Fn, [Arg]} with Fn an opaque number. */
OT_API int ot_supervisor_get_childspec(ot_heap *h, ot_term sup, ot_term id, ot_term *result);

/* ot_supervisor_stop: stops sup as OTP's gen_server:stop(Sup, normal...):
 * its children are stopped in reverse order and it exits with `reason`
 * (normal if OT_NONE); waits up to timeout_ms. Returns 0, -ESRCH (not
 * alive), -ETIMEDOUT, -EINVAL. */
OT_API int ot_supervisor_stop(ot_term sup, ot_term reason, int64_t timeout_ms);

#ifdef __cplusplus
}
#endif
#endif
