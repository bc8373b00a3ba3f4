/* otter/application.h — applications: named, versioned units that start a
 * supervision tree and stop it again, as OTP's application module does;
 * and `otter`, the application of otter's own runtime services.
 *
 * The notebook's `Application.started_applications()` and
 * `Kino.Process.render_app_tree(:kino)` in C:
 *
 *     static ot_term shop_start(ot_heap *h, void *data) {
 *         ot_term sup;
 *         int rc = ot_supervisor_start_link(&opts, kids, 2, h, &sup);
 *         return rc == 0 ? sup : ot_tuple(h, 2, OT_ATOM(ERROR), sup);
 *     }
 *     static const char *const shop_deps[] = {"otter", NULL};
 *     static const ot_app_spec shop = {
 *         .name = "shop", .description = "A shop", .vsn = "1.0.0",
 *         .applications = shop_deps, .start = shop_start,
 *     };
 *     ot_application_load(&shop);
 *     ot_application_ensure_all_started(NULL, ot_atom("shop"), NULL);
 *     ot_term apps = ot_application_which_applications(NULL);
 *         // [{shop, 'A shop', '1.0.0'}, {otter, ..., ...}]  (charlists)
 *     ot_term master, child;
 *     ot_application_get_master(ot_atom("shop"), &master);
 *     ot_application_get_child(NULL, master, &child);   // {RootSupPid, shop}
 *
 * As on BEAM, one process, registered as application_controller, keeps
 * the started applications; each running application has an application
 * master (initial call application_master:init/4) linked to the
 * controller, and the master's child (application_master:start_it/4) ran
 * the start callback and is the parent of the root supervisor: a tree
 * walk goes master -> child -> root supervisor. Applications are
 * temporary: when one's root supervisor exits, the application stops and
 * the event is logged; the node goes on.
 *
 * The controller answers BEAM's which_applications call. Unless said
 * otherwise, call these functions from inside a process. */
#ifndef OTTER_APPLICATION_H
#define OTTER_APPLICATION_H

#include <stdbool.h>
#include <stdint.h>

#include "otter/process.h"
#include "otter/supervisor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- definitions */

/* The start callback: Mod:start(normal, Args). Runs in the application
 * master's child process; starts the root supervisor (linked to the
 * caller, as ot_supervisor_start_link does) and returns, built on h, its
 * pid, {ok, Pid} or {ok, Pid, State}; or {error, Reason} (or any other
 * term, a bad return) when it fails. */
typedef ot_term (*ot_app_start_fn)(ot_heap *h, void *data);
/* The stop callback: Mod:stop(State). Runs in the same process after the
 * root supervisor has stopped, when the application stops. */
typedef void (*ot_app_stop_fn)(void *data);

/* An application's definition: its .app file and callback module. The
 * strings and the array must live as long as the node (static data). */
typedef struct ot_app_spec {
    const char *name;                  /* the application's atom, e.g. "shop" */
    const char *description;           /* NULL: "" */
    const char *vsn;                   /* NULL: "" */
    const char *const *applications;   /* names of the applications it needs,
                                          NULL-terminated (NULL: none) */
    const char *mod;                   /* the callback module get_child names;
                                          NULL: the name */
    ot_app_start_fn start;             /* required */
    ot_app_stop_fn stop;               /* optional */
    void *data;                        /* passed to start and stop */
} ot_app_spec;

/* ot_application_load: makes spec known under spec->name, so that it can
 * be started by name (application:load/1). spec is kept, not copied. Any
 * thread. Returns 0 (also when this very spec is already loaded), -EEXIST
 * when another spec has that name, -EINVAL for a spec without a valid
 * name or start, -ENOMEM. */
OT_API int ot_application_load(const ot_app_spec *spec);

/* ---------------------------------------------------------------- start and stop */

/* The functions below return 0 or a negative errno with *reason (or
 * *result) set to OTP's reason term, built on h (the caller's process
 * heap when h is NULL); reason/result may be NULL. */

/* ot_application_start: application:start(App, temporary). Every
 * application it needs must be running already. Errors:
 *   -EALREADY  {already_started, App}
 *   -ENOENT    {not_loaded, App}: no spec of that name
 *   -ESRCH     {not_started, Dep}: a needed application is not running
 *   -ECHILD    the start callback failed: {Reason, {Mod, start, [normal, []]}}
 *              for {error, Reason}, {bad_return, {{Mod, start, [normal, []]},
 *              Other}} otherwise. Whatever it started was stopped; nothing
 *              of the application runs. */
OT_API int ot_application_start(ot_heap *h, ot_term app, ot_term *reason);

/* ot_application_ensure_all_started: application:ensure_all_started(App):
 * starts, depth first, every application App needs that is not running,
 * then App. Returns 0 with *result = the list of the applications it
 * started, in start order ([] if all were running); or a negative errno
 * (as ot_application_start's, for the application that failed) with
 * *result = {FailedApp, Reason}, after stopping those it had started, in
 * reverse order. A dependency cycle fails with
 * {App, {circular_dependencies, App}} (-ELOOP). */
OT_API int ot_application_ensure_all_started(ot_heap *h, ot_term app, ot_term *result);

/* ot_application_ensure_started: application:ensure_started(App): 0 if it
 * runs afterwards (already running included); needed applications must
 * run. Errors as ot_application_start. */
OT_API int ot_application_ensure_started(ot_heap *h, ot_term app, ot_term *reason);

/* ot_application_stop: application:stop(App): the master asks its child
 * to stop the root supervisor (its children stop in reverse order), the
 * stop callback runs, and the master exits. The applications App needs
 * keep running. Returns 0 or -ESRCH with {not_started, App}. */
OT_API int ot_application_stop(ot_heap *h, ot_term app, ot_term *reason);

/* ot_application_stop_all: stops every running application, the most
 * recently started first (as init:stop/0 does at the end of a node).
 * Returns how many it stopped. */
OT_API int ot_application_stop_all(void);

/* ---------------------------------------------------------------- looking */

/* ot_application_which_applications: application:which_applications/0
 * and Elixir's Application.started_applications/0: the list of
 * {Name, Description, Vsn} of the running applications, the most
 * recently started first, description and version as charlists (as
 * BEAM). Built on h (process heap when NULL); OT_NONE on failure. */
OT_API ot_term ot_application_which_applications(ot_heap *h);

/* ot_application_get_master: application_controller:get_master(App):
 * sets *master to the pid of App's application master. Returns 0, or
 * -ENOENT (*master = undefined) when App is not running. */
OT_API int ot_application_get_master(ot_term app, ot_term *master);

/* ot_application_get_child: application_master:get_child(Master):
 * *result = {RootSupervisorPid, Mod}, on h. Returns 0, -ESRCH when master
 * is not alive, -EINVAL when it is not a pid. */
OT_API int ot_application_get_child(ot_heap *h, ot_term master, ot_term *result);

/* ---------------------------------------------------------------- otter's own application */

/* The application `otter` holds otter's runtime services, as `kernel`
 * does on BEAM. Its root supervisor, registered as otter_sup (one_for_one),
 * starts otter_logger first and then every child registered with
 * ot_otter_add_child. A program that wants the full node (the tour, the
 * dashboard, the distribution) starts it first:
 *
 *     ot_application_ensure_started(NULL, ot_atom("otter"), NULL);
 *
 * ot_run does not start it: the runtime core sits below this layer. */

/* ot_otter_start: loads and starts `otter` if it is not running. Returns
 * 0 or an error of ot_application_start. */
OT_API int ot_otter_start(void);

/* ot_otter_add_child: how other layers put their services under otter_sup.
 * Keeps a copy of spec (its id and arg copied; start and data as given)
 * for every later start of otter, and, if otter_sup runs, starts it there
 * now. Returns 0, -EEXIST if a child with that id is already registered,
 * -EINVAL for a bad spec, -ENOMEM, or (when otter runs) -ECHILD if the
 * child failed to start now (it stays registered). Any thread; starting
 * now needs a process (from a plain thread, registration only). */
OT_API int ot_otter_add_child(const ot_child_spec *spec);

/* ot_log: sends a log event {log, Level, Text} to otter_logger, which
 * writes "[level] text" lines to stderr; without a running otter_logger
 * the line is written to stderr directly. level is an atom (error,
 * warning, info, ...); text is UTF-8. Any thread. Returns 0 or -EINVAL. */
OT_API int ot_log(ot_term level, const char *text);

#ifdef __cplusplus
}
#endif
#endif
