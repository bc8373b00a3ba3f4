/* application.c — applications (include/otter/application.h): the
 * table of loaded definitions, the application controller, application
 * masters and their start_it children. `otter`, the application of
 * otter's own services, is in otter_app.c, its logger in logger.c.
 *
 * Processes and messages, as BEAM's application_master and
 * application_controller:
 *   controller  registered application_controller; answers calls
 *               {start_application, App}, {stop_application, App},
 *               which_applications, {get_master, App}; never blocks on an
 *               application: starts and stops complete by messages
 *               {'$app_started', Master, Result} and the masters' EXITs.
 *   master      linked to the controller; answers {get_child, Tag, From}
 *               with {Tag, {Sup, Mod}} and {stop, Tag, From} with
 *               {Tag, ok} once everything has stopped.
 *   start_it    the master's child: runs the start callback (so the root
 *               supervisor's parent is this process), reports
 *               {'$app_x', Self, Result}, and on {Master, terminate} stops
 *               the root supervisor and runs the stop callback.
 * State that outlives a message lives on each process's own heap (freed
 * even when a process is killed), the controller's as one term that is
 * compacted as the supervisor's state is. */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "base/alloc.h"
#include "core/core_internal.h"
#include "otp/otp_internal.h"
#include "term/term_internal.h"


/* ---------------------------------------------------------------- helpers */

/* The process heap holds a process's lasting state; when it has grown to
 * twice what the state needed (plus some), the state term is copied out,
 * the heap reset and the term copied back. No runtime call in here. */
static void compact_state(ot_term *state, size_t *mark)
{
    ot_heap *h = ot_proc_heap();
    if (ot_heap_bytes(h) <= 2 * *mark + 32768)
        return;
    ot_heap *tmp = ot_heap_new();
    ot_term c = tmp ? ot_copy(tmp, *state) : OT_NONE;
    if (c == OT_NONE) {
        ot_heap_free(tmp);
        return;
    }
    ot_heap_reset(h);
    *state = ot_copy(h, c);
    ot_heap_free(tmp);
    if (*state == OT_NONE)
        ot_exit(OT__ATOM(SYSTEM_LIMIT));
    *mark = ot_heap_bytes(h);
}

static bool is_exit_from(ot_term m, void *ctx)
{
    ot_term pid = *(ot_term *)ctx;
    return ot_is_tuple(m) && ot_tuple_arity(m) == 3 && ot_tuple_get(m, 0) == OT_ATOM(EXIT)
           && ot_tuple_get(m, 1) == pid;
}


/* ---------------------------------------------------------------- loaded definitions */

struct loaded {
    ot_term name;
    const ot_app_spec *spec;
};

static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
static struct loaded *loaded;
static size_t n_loaded, cap_loaded;

static const ot_app_spec *spec_of(ot_term app)
{
    const ot_app_spec *s = NULL;
    pthread_mutex_lock(&load_lock);
    for (size_t i = 0; i < n_loaded; i++)
        if (loaded[i].name == app)
            s = loaded[i].spec;
    pthread_mutex_unlock(&load_lock);
    /* otter's own application is always known, as kernel is on BEAM */
    if (!s && app == OT__ATOM(OTTER) && ot_application_load(&ot__otter_app) == 0)
        s = &ot__otter_app;
    return s;
}

int ot_application_load(const ot_app_spec *spec)
{
    if (!spec || !spec->name || !spec->start)
        return -EINVAL;
    ot_term name = ot_atom(spec->name);
    if (name == OT_NONE)
        return -EINVAL;
    if (spec->applications)
        for (const char *const *d = spec->applications; *d; d++)
            if (ot_atom(*d) == OT_NONE)
                return -EINVAL;
    if (spec->mod && ot_atom(spec->mod) == OT_NONE)
        return -EINVAL;
    int rc = 0;
    pthread_mutex_lock(&load_lock);
    for (size_t i = 0; i < n_loaded; i++)
        if (loaded[i].name == name) {
            rc = loaded[i].spec == spec ? 0 : -EEXIST;
            goto out;
        }
    if (n_loaded == cap_loaded) {
        size_t cap = cap_loaded ? cap_loaded * 2 : 16;
        struct loaded *t = ot__realloc(loaded, cap * sizeof *t);
        if (!t) {
            rc = -ENOMEM;
            goto out;
        }
        loaded = t;
        cap_loaded = cap;
    }
    loaded[n_loaded++] = (struct loaded){name, spec};
out:
    pthread_mutex_unlock(&load_lock);
    return rc;
}

static ot_term mod_of(const ot_app_spec *s) { return ot_atom(s->mod ? s->mod : s->name); }

/* ---------------------------------------------------------------- start_it: the master's child */

/* Stops every process linked to the caller but `keep`: what a failed
 * start callback may have left behind. */
static void stop_linked(ot_term keep)
{
    ot_heap *h = ot_heap_new();
    if (!h)
        return;
    ot__proc *self = ot__proc_current();
    ot_term links = self ? ot__rels_list(h, self, 1, OT_NONE) : OT_NIL;
    for (ot_term l = links; ot_is_list(l) && l != OT_NIL; l = ot_tl(l)) {
        ot_term pid = ot_hd(l);
        if (pid == keep)
            continue;
        ot_term ref = ot_monitor(h, pid);
        ot_unlink(pid);
        ot_exit_signal(pid, OT_ATOM(SHUTDOWN));
        ot__await w = {OT_NONE, ref, false};
        ot_msg *m = ot_receive_if(ot__await_pred, &w, 5000);
        if (!m) {
            ot_exit_signal(pid, OT_ATOM(KILL));
            m = ot_receive_if(ot__await_pred, &w, OT_INFINITY);
        }
        ot_msg_free(m);
        ot_msg_free(ot_receive_if(is_exit_from, &pid, 0));
    }
    ot_heap_free(h);
}

static void stop_sup(ot_term sup, ot_term reason)
{
    ot_exit_signal(sup, reason);
    ot_msg_free(ot_receive_if(is_exit_from, &sup, OT_INFINITY));
}

/* Spawn argument: {Master, App}. */
static void start_it_main(void *arg)
{
    (void)arg;
    ot_trap_exit(true);
    ot_term init = ot_spawn_arg();
    ot_term master = ot_tuple_get(init, 0), app = ot_tuple_get(init, 1);
    const ot_app_spec *spec = spec_of(app);
    ot_heap *h = ot_proc_heap();
    ot_term mod = mod_of(spec);
    ot_term r = spec->start(h, spec->data);
    ot_term sup = OT_NONE;
    if (ot_is_pid(r))
        sup = r;
    else if (ot_is_tuple(r) && (ot_tuple_arity(r) == 2 || ot_tuple_arity(r) == 3)
             && ot_tuple_get(r, 0) == OT_ATOM(OK) && ot_is_pid(ot_tuple_get(r, 1)))
        sup = ot_tuple_get(r, 1);
    if (sup == OT_NONE) {
        ot_term mfa = ot_build(h, "{~p, start, [normal, []]}", mod);
        ot_term reason;
        if (r == OT_NONE)
            reason = ot_tuple(h, 2, OT__ATOM(SYSTEM_LIMIT), mfa);
        else if (ot_is_tuple(r) && ot_tuple_arity(r) == 2 && ot_tuple_get(r, 0) == OT_ATOM(ERROR))
            reason = ot_tuple(h, 2, ot_tuple_get(r, 1), mfa);
        else
            reason = ot_tuple(h, 2, OT__ATOM(BAD_RETURN), ot_tuple(h, 2, mfa, r));
        stop_linked(master);
        ot_send(master, ot_tuple(h, 3, OT__ATOM(APP_X), ot_self(), ot_tuple(h, 2, OT_ATOM(ERROR), reason)));
        return;
    }
    ot_link(sup);
    ot_send(master, ot_tuple(h, 3, OT__ATOM(APP_X), ot_self(), ot_tuple(h, 2, OT_ATOM(OK), sup)));
    ot_heap_reset(h);
    for (;;) {
        ot_msg *m = ot_receive(OT_NONE, OT_INFINITY, NULL);
        ot_term t = ot_msg_term(m);
        ot_term a0 = ot_tuple_get(t, 0), a1 = ot_tuple_get(t, 1);
        if (ot_tuple_arity(t) == 2 && a0 == master && a1 == OT__ATOM(TERMINATE)) {
            ot_msg_free(m);
            stop_sup(sup, OT_ATOM(SHUTDOWN));
            if (spec->stop)
                spec->stop(spec->data);
            return;
        }
        if (ot_tuple_arity(t) == 3 && a0 == OT_ATOM(EXIT) && (a1 == master || a1 == sup)) {
            ot_term reason = ot_copy(h, ot_tuple_get(t, 2));
            ot_msg_free(m);
            if (a1 == master)
                stop_sup(sup, reason);
            if (spec->stop)
                spec->stop(spec->data);
            ot_exit(reason);
        }
        ot_msg_free(m);
    }
}

/* ---------------------------------------------------------------- the application master */

static void reply_tag(ot_term to, ot_term tag, ot_term value)
{
    ot_heap *h = ot_heap_new();
    if (!h)
        return;
    ot_send(to, ot_tuple(h, 2, tag, value));
    ot_heap_free(h);
}

static _Noreturn void master_terminate(ot_term child, ot_term reason, ot_term reply_to, ot_term tag)
{
    if (ot_is_alive(child)) {
        ot_heap *h = ot_heap_new();
        if (h) {
            ot_send(child, ot_tuple(h, 2, ot_self(), OT__ATOM(TERMINATE)));
            ot_heap_free(h);
        }
        ot_msg_free(ot_receive_if(is_exit_from, &child, OT_INFINITY));
    }
    if (reply_to != OT_NONE)
        reply_tag(reply_to, tag, OT_ATOM(OK));
    ot_exit(reason);
}

struct init_wait {
    ot_term child, ctl;
};

static bool is_init_event(ot_term m, void *ctx)
{
    struct init_wait *w = ctx;
    if (!ot_is_tuple(m) || ot_tuple_arity(m) != 3)
        return false;
    ot_term a0 = ot_tuple_get(m, 0), a1 = ot_tuple_get(m, 1);
    return (a0 == OT__ATOM(APP_X) && a1 == w->child) || (a0 == OT_ATOM(EXIT) && (a1 == w->child || a1 == w->ctl));
}

/* Spawn argument: {Controller, App}. */
static void master_main(void *arg)
{
    (void)arg;
    ot_trap_exit(true);
    ot_term init = ot_spawn_arg();
    ot_term ctl = ot_tuple_get(init, 0), app = ot_tuple_get(init, 1);
    const ot_app_spec *spec = spec_of(app);
    ot_term mod = mod_of(spec);
    ot_heap *h = ot_proc_heap();
    ot_spawn_opts so = {.link = true, .initial_call = "application_master:start_it/4",
                        .term_arg = ot_tuple(h, 2, ot_self(), app)};
    ot_term child = so.term_arg == OT_NONE ? OT_NONE : ot_spawn_opt(start_it_main, NULL, &so);
    if (child == OT_NONE) {
        ot_send(ctl, ot_tuple(h, 3, OT__ATOM(APP_STARTED), ot_self(), ot_tuple(h, 2, OT_ATOM(ERROR), OT__ATOM(SYSTEM_LIMIT))));
        return;
    }
    /* init_loop: the child's report, its exit, or the controller's */
    struct init_wait w = {child, ctl};
    ot_msg *m = ot_receive_if(is_init_event, &w, OT_INFINITY);
    ot_term t = ot_msg_term(m);
    ot_term sup = OT_NONE;
    if (ot_tuple_get(t, 0) == OT__ATOM(APP_X) && ot_tuple_get(ot_tuple_get(t, 2), 0) == OT_ATOM(OK)) {
        sup = ot_tuple_get(ot_tuple_get(t, 2), 1);
        ot_msg_free(m);
        ot_send(ctl, ot_tuple(h, 3, OT__ATOM(APP_STARTED), ot_self(), OT_ATOM(OK)));
    } else if (ot_tuple_get(t, 0) == OT__ATOM(APP_X)) {
        /* the child stopped what it started; wait for it to end */
        ot_send(ctl, ot_tuple(h, 3, OT__ATOM(APP_STARTED), ot_self(), ot_tuple_get(t, 2)));
        ot_msg_free(m);
        ot_msg_free(ot_receive_if(is_exit_from, &child, OT_INFINITY));
        return;
    } else if (ot_tuple_get(t, 1) == child) {
        /* the start callback itself failed (a fault, an exit) */
        ot_term reason = ot_tuple(h, 2, ot_copy(h, ot_tuple_get(t, 2)),
                                  ot_build(h, "{~p, start, [normal, []]}", mod));
        ot_msg_free(m);
        ot_send(ctl, ot_tuple(h, 3, OT__ATOM(APP_STARTED), ot_self(), ot_tuple(h, 2, OT_ATOM(ERROR), reason)));
        return;
    } else {
        ot_term reason = ot_copy(h, ot_tuple_get(t, 2));
        ot_msg_free(m);
        ot_exit_signal(child, OT_ATOM(KILL));
        ot_exit(reason);
    }
    ot_heap_reset(h);
    /* main_loop */
    for (;;) {
        ot_msg *m = ot_receive(OT_NONE, OT_INFINITY, NULL);
        ot_term t = ot_msg_term(m);
        size_t n = ot_tuple_arity(t);
        ot_term a0 = ot_tuple_get(t, 0);
        if (n == 3 && a0 == OT__ATOM(GET_CHILD) && ot_is_pid(ot_tuple_get(t, 2))) {
            uint64_t mem[16];
            ot_heap local;
            ot__heap_init_fixed(&local, mem, 16);
            ot_send(ot_tuple_get(t, 2), ot_tuple(&local, 2, ot_tuple_get(t, 1), ot_tuple(&local, 2, sup, mod)));
            ot__heap_release_fixed(&local);
            ot_msg_free(m);
        } else if (n == 3 && a0 == OT__ATOM(STOP) && ot_is_pid(ot_tuple_get(t, 2))) {
            ot_term from = ot_tuple_get(t, 2), tag = ot_copy(h, ot_tuple_get(t, 1));
            ot_msg_free(m);
            master_terminate(child, OT_ATOM(NORMAL), from, tag);
        } else if (n == 3 && a0 == OT_ATOM(EXIT) && (ot_tuple_get(t, 1) == ctl || ot_tuple_get(t, 1) == child)) {
            ot_term who = ot_tuple_get(t, 1);
            ot_term reason = ot_copy(h, ot_tuple_get(t, 2));
            ot_msg_free(m);
            if (who == child)
                ot_exit(reason);
            master_terminate(child, reason, OT_NONE, OT_NONE);
        } else {
            ot_msg_free(m);
        }
    }
}

/* ---------------------------------------------------------------- the controller */

/* Its state: a list of {App, Master, Status, Waiters, StopTag}, running
 * applications most recently started first. */

static ot_term entry_find(ot_term apps, ot_term key, size_t field)
{
    for (ot_term l = apps; l != OT_NIL; l = ot_tl(l))
        if (ot_equal(ot_tuple_get(ot_hd(l), field), key))
            return ot_hd(l);
    return OT_NONE;
}

/* apps without e, with `add` (if not OT_NONE) in front. */
static ot_term entry_replace(ot_heap *h, ot_term apps, ot_term e, ot_term add)
{
    ot_term rev = OT_NIL;
    for (ot_term l = apps; l != OT_NIL; l = ot_tl(l))
        if (ot_hd(l) != e)
            rev = ot_cons(h, ot_hd(l), rev);
    ot_term out = OT_NIL;
    for (ot_term l = rev; l != OT_NIL; l = ot_tl(l))
        out = ot_cons(h, ot_hd(l), out);
    return add == OT_NONE ? out : ot_cons(h, add, out);
}

static void reply_all(ot_term waiters, ot_term value)
{
    for (ot_term l = waiters; l != OT_NIL; l = ot_tl(l))
        ot_reply(ot_hd(l), value);
}

static ot_term err(ot_heap *h, ot_term tag, ot_term v)
{
    return ot_tuple(h, 2, OT_ATOM(ERROR), ot_tuple(h, 2, tag, v));
}

static ot_term which(ot_heap *h, ot_term apps)
{
    ot_term rev = OT_NIL;
    for (ot_term l = apps; l != OT_NIL; l = ot_tl(l)) {
        ot_term e = ot_hd(l);
        if (ot_tuple_get(e, 2) != OT_ATOM(RUNNING))
            continue;
        const ot_app_spec *s = spec_of(ot_tuple_get(e, 0));
        rev = ot_cons(h, ot_tuple(h, 3, ot_tuple_get(e, 0), ot_charlist(h, s->description ? s->description : ""),
                                  ot_charlist(h, s->vsn ? s->vsn : "")), rev);
    }
    ot_term out = OT_NIL;
    for (ot_term l = rev; l != OT_NIL; l = ot_tl(l))
        out = ot_cons(h, ot_hd(l), out);
    return out;
}

/* Handles one call; returns the reply, or OT_NONE when it comes later. */
static ot_term ctl_call(ot_term *apps, ot_term from, ot_term req)
{
    ot_heap *h = ot_proc_heap();
    if (req == OT__ATOM(WHICH_APPLICATIONS))
        return which(h, *apps);
    ot_term tag = ot_tuple_get(req, 0), app = ot_tuple_get(req, 1);
    if (ot_tuple_arity(req) != 2 || !ot_is_atom(app))
        return err(h, OT__ATOM(BAD_CALL), req);
    ot_term e = entry_find(*apps, app, 0);
    if (tag == OT__ATOM(GET_MASTER))
        return e != OT_NONE && ot_tuple_get(e, 2) != OT__ATOM(STOPPING) ? ot_tuple_get(e, 1) : OT_ATOM(UNDEFINED);
    if (tag == OT__ATOM(START_APPLICATION)) {
        if (e != OT_NONE && ot_tuple_get(e, 2) == OT__ATOM(STARTING)) {
            ot_term ne = ot_tuple(h, 5, app, ot_tuple_get(e, 1), OT__ATOM(STARTING),
                                  ot_cons(h, from, ot_tuple_get(e, 3)), OT_NIL);
            *apps = entry_replace(h, *apps, e, ne);
            return OT_NONE;
        }
        if (e != OT_NONE)
            return err(h, OT__ATOM(ALREADY_STARTED), app);
        const ot_app_spec *spec = spec_of(app);
        if (!spec)
            return err(h, OT__ATOM(NOT_LOADED), app);
        if (spec->applications)
            for (const char *const *d = spec->applications; *d; d++) {
                ot_term dep = ot_atom(*d);
                ot_term de = entry_find(*apps, dep, 0);
                if (de == OT_NONE || ot_tuple_get(de, 2) != OT_ATOM(RUNNING))
                    return err(h, OT__ATOM(NOT_STARTED), dep);
            }
        ot_spawn_opts so = {.link = true, .initial_call = "application_master:init/4",
                            .term_arg = ot_tuple(h, 2, ot_self(), app)};
        /* no argument (out of memory): no master, which would find no spec */
        ot_term master = so.term_arg == OT_NONE ? OT_NONE : ot_spawn_opt(master_main, NULL, &so);
        if (master == OT_NONE)
            return ot_tuple(h, 2, OT_ATOM(ERROR), OT__ATOM(SYSTEM_LIMIT));
        *apps = ot_cons(h, ot_tuple(h, 5, app, master, OT__ATOM(STARTING), ot_list(h, 1, from), OT_NIL), *apps);
        return OT_NONE;
    }
    if (tag == OT__ATOM(STOP_APPLICATION)) {
        if (e == OT_NONE || ot_tuple_get(e, 2) == OT__ATOM(STARTING))
            return err(h, OT__ATOM(NOT_STARTED), app);
        ot_term waiters = ot_cons(h, from, ot_tuple_get(e, 3));
        if (ot_tuple_get(e, 2) == OT_ATOM(RUNNING)) {
            ot_term ref = ot_make_ref(h);
            ot_send(ot_tuple_get(e, 1), ot_tuple(h, 3, OT__ATOM(STOP), ref, ot_self()));
        }
        *apps = entry_replace(h, *apps, e, ot_tuple(h, 5, app, ot_tuple_get(e, 1), OT__ATOM(STOPPING), waiters, OT_NIL));
        return OT_NONE;
    }
    return err(h, OT__ATOM(BAD_CALL), req);
}

static void ctl_main(void *arg)
{
    (void)arg;
    ot_trap_exit(true);
    ot_term apps = OT_NIL;
    size_t mark = 0;
    for (;;) {
        compact_state(&apps, &mark);
        ot_heap *h = ot_proc_heap();
        ot_msg *m = ot_receive(OT_NONE, OT_INFINITY, NULL);
        ot_term t = ot_msg_term(m);
        ot_term from, req;
        if (ot_call_parse(t, &from, &req)) {
            from = ot_copy(h, from);
            req = ot_copy(h, req);
            ot_msg_free(m);
            ot_term r = ctl_call(&apps, from, req);
            if (r != OT_NONE)
                ot_reply(from, r);
            continue;
        }
        size_t n = ot_tuple_arity(t);
        ot_term a0 = ot_tuple_get(t, 0);
        if (n == 3 && (a0 == OT__ATOM(APP_STARTED) || a0 == OT_ATOM(EXIT))) {
            ot_term master = ot_tuple_get(t, 1);
            ot_term res = ot_copy(h, ot_tuple_get(t, 2));
            ot_msg_free(m);
            ot_term e = entry_find(apps, master, 1);
            if (e == OT_NONE)
                continue;
            ot_term app = ot_tuple_get(e, 0), status = ot_tuple_get(e, 2), waiters = ot_tuple_get(e, 3);
            if (a0 == OT__ATOM(APP_STARTED) && res == OT_ATOM(OK)) {
                /* running now: first in the list, as BEAM's which_applications */
                apps = entry_replace(h, apps, e, ot_tuple(h, 5, app, master, OT_ATOM(RUNNING), OT_NIL, OT_NIL));
                reply_all(waiters, OT_ATOM(OK));
            } else if (a0 == OT__ATOM(APP_STARTED)) {
                apps = entry_replace(h, apps, e, OT_NONE);
                reply_all(waiters, res);
            } else { /* the master exited */
                apps = entry_replace(h, apps, e, OT_NONE);
                if (status == OT__ATOM(STARTING)) {
                    reply_all(waiters, ot_tuple(h, 2, OT_ATOM(ERROR), res));
                } else if (status == OT__ATOM(STOPPING)) {
                    reply_all(waiters, OT_ATOM(OK));
                } else {
                    char r[256];
                    ot_print_opts o = {.syntax = OT_SYNTAX_ERLANG, .limit = 20};
                    ot_print(r, sizeof r, res, &o);
                    ot__log_report(OT__ATOM(INFO), "application: %s, exited: %s, type: temporary",
                                   ot_atom_text(app, NULL), r);
                }
            }
            continue;
        }
        ot_msg_free(m);
    }
}

static ot_term controller(void)
{
    ot_term c = ot_whereis(OT__ATOM(APPLICATION_CONTROLLER));
    if (c != OT_NONE)
        return c;
    ot_spawn_opts so = {.name = OT__ATOM(APPLICATION_CONTROLLER), .initial_call = "application_controller:init/2"};
    c = ot_spawn_opt(ctl_main, NULL, &so);
    return c != OT_NONE ? c : ot_whereis(OT__ATOM(APPLICATION_CONTROLLER));
}

/* ---------------------------------------------------------------- the calls */

static int set_out(ot_term *out, int rc, ot_term v)
{
    if (out)
        *out = v;
    return rc;
}

static int errno_of(ot_term reason)
{
    ot_term tag = ot_is_tuple(reason) ? ot_tuple_get(reason, 0) : reason;
    if (tag == OT__ATOM(ALREADY_STARTED))
        return -EALREADY;
    if (tag == OT__ATOM(NOT_LOADED))
        return -ENOENT;
    if (tag == OT__ATOM(NOT_STARTED))
        return -ESRCH;
    if (tag == OT__ATOM(SYSTEM_LIMIT))
        return -ENOMEM;
    return -ECHILD;
}

static int ctl_request(ot_heap *h, ot_term tag, ot_term app, ot_term *out)
{
    if (!ot_self())
        return set_out(out, -EPERM, OT_ATOM(BADARG));
    if (!h)
        h = ot_proc_heap();
    if (!ot_is_atom(app))
        return set_out(out, -EINVAL, OT_ATOM(BADARG));
    ot_term ctl = controller();
    if (ctl == OT_NONE)
        return set_out(out, -ENOMEM, OT__ATOM(SYSTEM_LIMIT));
    uint64_t mem[8];
    ot_heap local;
    ot__heap_init_fixed(&local, mem, 8);
    ot_term r;
    int rc = ot_call(h, ctl, ot_tuple(&local, 2, tag, app), OT_INFINITY, &r);
    ot__heap_release_fixed(&local);
    if (rc != 0)
        return set_out(out, rc, r);
    if (r == OT_ATOM(OK))
        return set_out(out, 0, OT_ATOM(OK));
    ot_term reason = ot_tuple_get(r, 1);
    return set_out(out, errno_of(reason), reason);
}

int ot_application_start(ot_heap *h, ot_term app, ot_term *reason)
{
    return ctl_request(h, OT__ATOM(START_APPLICATION), app, reason);
}

int ot_application_ensure_started(ot_heap *h, ot_term app, ot_term *reason)
{
    int rc = ctl_request(h, OT__ATOM(START_APPLICATION), app, reason);
    if (rc == -EALREADY)
        return set_out(reason, 0, OT_ATOM(OK));
    return rc;
}

int ot_application_stop(ot_heap *h, ot_term app, ot_term *reason)
{
    return ctl_request(h, OT__ATOM(STOP_APPLICATION), app, reason);
}

/* Depth first: the applications app needs, then app. *started collects
 * those started (newest first); stack holds the path, for cycles. */
static int start_all(ot_heap *h, ot_term app, ot_term *started, ot_term *stack, size_t depth, ot_term *why)
{
    for (size_t i = 0; i < depth; i++)
        if (stack[i] == app) {
            *why = ot_tuple(h, 2, app, ot_tuple(h, 2, OT__ATOM(CIRCULAR_DEPENDENCIES), app));
            return -ELOOP;
        }
    if (depth == 64) {
        *why = ot_tuple(h, 2, app, ot_tuple(h, 2, OT__ATOM(CIRCULAR_DEPENDENCIES), app));
        return -ELOOP;
    }
    stack[depth] = app;
    const ot_app_spec *spec = spec_of(app);
    if (!spec) {
        *why = ot_tuple(h, 2, app, ot_tuple(h, 2, OT__ATOM(NOT_LOADED), app));
        return -ENOENT;
    }
    if (spec->applications)
        for (const char *const *d = spec->applications; *d; d++) {
            int rc = start_all(h, ot_atom(*d), started, stack, depth + 1, why);
            if (rc)
                return rc;
        }
    ot_term r;
    int rc = ot_application_start(h, app, &r);
    if (rc == -EALREADY)
        return 0;
    if (rc) {
        *why = ot_tuple(h, 2, app, r);
        return rc;
    }
    *started = ot_cons(h, app, *started);
    return 0;
}

int ot_application_ensure_all_started(ot_heap *h, ot_term app, ot_term *result)
{
    if (!ot_self())
        return set_out(result, -EPERM, OT_ATOM(BADARG));
    if (!h)
        h = ot_proc_heap();
    if (!ot_is_atom(app))
        return set_out(result, -EINVAL, OT_ATOM(BADARG));
    ot_term started = OT_NIL, why = OT_NONE, stack[64];
    int rc = start_all(h, app, &started, stack, 0, &why);
    if (rc) {
        for (ot_term l = started; l != OT_NIL; l = ot_tl(l))
            ot_application_stop(h, ot_hd(l), NULL);
        return set_out(result, rc, why);
    }
    ot_term in_order = OT_NIL;
    for (ot_term l = started; l != OT_NIL; l = ot_tl(l))
        in_order = ot_cons(h, ot_hd(l), in_order);
    return set_out(result, 0, in_order);
}

int ot_application_stop_all(void)
{
    if (!ot_self())
        return 0;
    ot_heap *h = ot_heap_new();
    if (!h)
        return 0;
    int n = 0;
    for (ot_term l = ot_application_which_applications(h); ot_is_list(l) && l != OT_NIL; l = ot_tl(l))
        if (ot_application_stop(h, ot_tuple_get(ot_hd(l), 0), NULL) == 0)
            n++;
    ot_heap_free(h);
    return n;
}

ot_term ot_application_which_applications(ot_heap *h)
{
    if (!ot_self())
        return OT_NONE;
    ot_term ctl = controller();
    ot_term r;
    if (ctl == OT_NONE || ot_call(h, ctl, OT__ATOM(WHICH_APPLICATIONS), OT_INFINITY, &r) != 0)
        return OT_NONE;
    return r;
}

int ot_application_get_master(ot_term app, ot_term *master)
{
    if (!ot_self())
        return set_out(master, -EPERM, OT_ATOM(UNDEFINED));
    if (!ot_is_atom(app))
        return set_out(master, -EINVAL, OT_ATOM(UNDEFINED));
    ot_term ctl = controller();
    uint64_t mem[8];
    ot_heap local;
    ot__heap_init_fixed(&local, mem, 8);
    ot_term r = OT_ATOM(UNDEFINED);
    int rc = ctl == OT_NONE ? -ENOMEM : ot_call(&local, ctl, ot_tuple(&local, 2, OT__ATOM(GET_MASTER), app), OT_INFINITY, &r);
    ot__heap_release_fixed(&local);
    if (rc != 0 || !ot_is_pid(r))
        return set_out(master, rc ? rc : -ENOENT, OT_ATOM(UNDEFINED));
    return set_out(master, 0, r);
}

int ot_application_get_child(ot_heap *h, ot_term master, ot_term *result)
{
    if (!ot_self())
        return set_out(result, -EPERM, OT_ATOM(BADARG));
    if (!ot_is_pid(master))
        return set_out(result, -EINVAL, OT_ATOM(BADARG));
    if (!h)
        h = ot_proc_heap();
    uint64_t mem[64];
    ot_heap local;
    ot__heap_init_fixed(&local, mem, 64);
    ot__await w = {ot_make_ref(&local), OT_NONE, false};
    w.mref = ot_monitor(&local, master);
    ot_send(master, ot_tuple(&local, 3, OT__ATOM(GET_CHILD), w.tag, ot_self()));
    ot_msg *m = ot_receive_if(ot__await_pred, &w, OT_INFINITY);
    int rc = 0;
    ot_term r;
    if (w.down) {
        rc = -ESRCH;
        r = OT_ATOM(NOPROC);
    } else {
        ot_demonitor(w.mref, true);
        r = ot_copy(h, ot_tuple_get(ot_msg_term(m), 1));
        if (r == OT_ATOM(ERROR))
            rc = -ESRCH;
    }
    ot_msg_free(m);
    ot__heap_release_fixed(&local);
    return set_out(result, rc, r);
}
