/* otter/server.h — servers: Erlang's gen_server for C.
 *
 * A server is a process that keeps a state and answers three kinds of
 * messages with callbacks: calls (ot_call, a request that waits for a
 * reply), casts (ot_cast, a request without reply) and every other
 * message ("info"). The protocol is BEAM's own (otter/call.h), so an
 * Erlang or Elixir node can call an otter server by name, and the server
 * answers the system messages BEAM's observers send (sys:get_state,
 * sys:get_status, sys:suspend/resume, proc_lib:stop).
 *
 *     static ot_server_ret counter_init(ot_server *s, void *arg) {
 *         s->state = calloc(1, sizeof(long));
 *         return s->state ? OT_SRV_OK : OT_SRV_STOP(ot_atom("enomem"));
 *     }
 *     static ot_server_ret counter_call(ot_server *s, ot_term req, ot_term from) {
 *         long *n = s->state;
 *         if (req == ot_atom("bump"))
 *             return OT_SRV_REPLY(ot_int(NULL, ++*n));
 *         return OT_SRV_REPLY(ot_atom("unknown"));
 *     }
 *     static const ot_server_callbacks counter = {
 *         .init = counter_init, .handle_call = counter_call, .release = free,
 *     };
 *     ...
 *     ot_term pid;
 *     if (ot_server_start(NULL, &counter, NULL, NULL, &pid) == 0)
 *         ot_call(NULL, pid, ot_atom("bump"), 5000, &reply);   // 1
 *
 * Stackless: between messages a server holds no stack. Its loop belongs
 * to the runtime: when a message arrives the runtime runs the loop on a
 * fresh stack, which handles every message waiting and then gives the
 * stack up again (ot_hibernate). An idle server costs its process control
 * block, the server's small record and whatever its state holds; memory
 * that a callback's frames pointed to does not survive between messages
 * (keep it in the state).
 *
 * Semantics are gen_server's unless docs/otp.md says otherwise: start
 * returns only after init ran in the new process; callbacks run one at a
 * time in the server's process; a callback that returns a stop ends the
 * server after terminate; an EXIT from the parent (the process that
 * started it with link) makes a server that traps exits call terminate
 * and exit with the parent's reason. A callback that ends the process
 * itself (ot_exit, a fault) skips terminate, as does an exit signal that
 * the server does not trap; `release` runs on every path.
 *
 * Unless said otherwise the functions below must be called from inside a
 * process. */
#ifndef OTTER_SERVER_H
#define OTTER_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "otter/call.h"
#include "otter/process.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- callbacks */

/* The running server, as its callbacks see it. otter allocates it; its
 * callbacks may read every field and change `state`. Valid from init to
 * release, in the server's process only (pass s->self to others). */
typedef struct ot_server {
    void *state;        /* the callbacks' own state: set it in init, change it
                           at will; otter never looks inside (see release) */
    ot_term term;       /* term state, set with ot_server_set_term; starts as
                           the atom undefined. What sys:get_state answers. */
    ot_term self;       /* the server's pid */
    ot_term parent;     /* the process that started it with link; the server
                           itself when started without link (as gen_server) */
    ot_term name;       /* its registered name, or OT_NONE */
    ot_term arg;        /* the start option term_arg (OT_NIL if none): lives
                           as long as the server */
} ot_server;

/* What a callback asks the server to do next. */
typedef enum ot_server_action {
    OT_SERVER_NOREPLY = 0, /* carry on. In init: started. In handle_call: the
                              reply comes later, from any process, through
                              ot_reply(from, ...) (keep a copy of from) */
    OT_SERVER_REPLY,       /* handle_call: send `reply` to the caller, carry on */
    OT_SERVER_STOP,        /* terminate(reason), send `reply` if it is not
                              OT_NONE, then exit with `reason`. In init: the
                              start fails with `reason` (terminate is not
                              called, as in gen_server) */
    OT_SERVER_IGNORE,      /* init only: exit normally; start answers ignore */
} ot_server_action;

typedef struct ot_server_ret {
    ot_server_action action;
    ot_term reply;
    ot_term reason;
} ot_server_ret;

/* The returns, spelled as gen_server's: {ok, S}, {noreply, S},
 * {reply, R, S}, {stop, Reason, S}, {stop, Reason, Reply, S}, ignore.
 * Terms in them may live on the process heap (ot_proc_heap()), which the
 * server empties after each callback. A reply or reason that is OT_NONE
 * (a builder that failed) stops the server with reason bad_return_value. */
#define OT_SRV_OK ((ot_server_ret){OT_SERVER_NOREPLY, OT_NONE, OT_NONE})
#define OT_SRV_NOREPLY ((ot_server_ret){OT_SERVER_NOREPLY, OT_NONE, OT_NONE})
#define OT_SRV_REPLY(reply) ((ot_server_ret){OT_SERVER_REPLY, (reply), OT_NONE})
#define OT_SRV_STOP(reason) ((ot_server_ret){OT_SERVER_STOP, OT_NONE, (reason)})
#define OT_SRV_STOP_REPLY(reason, reply) ((ot_server_ret){OT_SERVER_STOP, (reply), (reason)})
#define OT_SRV_IGNORE ((ot_server_ret){OT_SERVER_IGNORE, OT_NONE, OT_NONE})

/* A server's behaviour. Every callback runs in the server's process; terms
 * they are given (request, from, msg) live until the callback returns.
 * Any member may be NULL. Keep the struct alive as long as servers use it
 * (a static const is the usual form). */
typedef struct ot_server_callbacks {
    /* init: runs in the new process before ot_server_start returns; arg is
     * ot_server_start's. Sets s->state (or s->term). Returns OT_SRV_OK,
     * OT_SRV_STOP(reason) or OT_SRV_IGNORE. NULL: OK with state = arg. */
    ot_server_ret (*init)(ot_server *s, void *arg);
    /* handle_call: a call; `from` identifies the caller for ot_reply.
     * Returns OT_SRV_REPLY, OT_SRV_NOREPLY (reply later), OT_SRV_STOP or
     * OT_SRV_STOP_REPLY. NULL: the server stops with {bad_call, request}. */
    ot_server_ret (*handle_call)(ot_server *s, ot_term request, ot_term from);
    /* handle_cast: a cast. OT_SRV_NOREPLY or OT_SRV_STOP.
     * NULL: the server stops with {bad_cast, request}. */
    ot_server_ret (*handle_cast)(ot_server *s, ot_term request);
    /* handle_info: any other message (including {:EXIT, pid, reason} from
     * processes other than the parent when trapping exits, and DOWNs).
     * OT_SRV_NOREPLY or OT_SRV_STOP. NULL: the message is dropped. */
    ot_server_ret (*handle_info)(ot_server *s, ot_term msg);
    /* terminate: the server is stopping with reason (a stop return,
     * ot_server_stop, or the parent's EXIT while trapping exits). Runs in
     * the server's process; may call any process function. */
    void (*terminate)(ot_server *s, ot_term reason);
    /* format_state: what sys:get_state and sys:get_status show as the
     * state, built on h. NULL: s->term. */
    ot_term (*format_state)(ot_server *s, ot_heap *h);
    /* release: frees s->state. Called exactly once when the server's
     * process is gone, whatever ended it (after terminate if that ran, but
     * also after a kill or a fault), with the last s->state; not called if
     * init failed or ignored (init cleans up after itself then). Runs
     * outside any process, on a scheduler thread: it may only free memory.
     * NULL: nothing is freed. */
    void (*release)(void *state);
    /* initial_call: how introspection names the server, "mod:fun/arity"
     * (a static string). NULL: "proc_lib:init_p/5", as BEAM shows any
     * gen_server. */
    const char *initial_call;
} ot_server_callbacks;

/* ot_server_set_term: sets s->term to a copy of t, kept on memory the
 * server owns (exactly t's size; the previous term state is freed, so
 * terms read from s->term before are invalid afterwards). For callbacks of
 * s, in its process. Returns 0, -EINVAL (t is OT_NONE), -ENOMEM (s->term
 * unchanged). */
OT_API int ot_server_set_term(ot_server *s, ot_term t);

/* ---------------------------------------------------------------- starting */

typedef struct ot_server_opts {
    ot_term name;           /* register under this atom (OT_NONE: no name) */
    bool link;              /* link it to the caller: gen_server:start_link */
    int64_t timeout_ms;     /* init must finish within this; 0 or OT_INFINITY:
                               no limit. Past it the server is killed */
    ot_term term_arg;       /* a term copied into the server: s->arg */
    ot_term label;          /* introspection label (OT_NONE: none) */
} ot_server_opts;

/* ot_server_start returns this (with *result = ignore) when init ignored. */
#define OT_SERVER_IGNORED 1

/* ot_server_start: gen_server:start/start_link. Starts a server process
 * with callbacks cb, runs cb->init(s, arg) in it and returns once init has
 * returned. arg is handed to another process: it must not point into the
 * caller's stack (see docs/processes.md). opts may be NULL (no name, no
 * link, no time limit). Returns:
 *   0                  started: *result = the pid
 *   OT_SERVER_IGNORED  init returned OT_SRV_IGNORE: *result = ignore
 *   -EEXIST            the name is taken: *result = {already_started, pid}
 *   -ECANCELED         init returned OT_SRV_STOP(reason), or the process
 *                      ended during init: *result = that reason
 *   -ETIMEDOUT         init ran past opts->timeout_ms; the server was
 *                      killed: *result = timeout
 *   -EINVAL            bad arguments (cb NULL, name not an atom): badarg
 *   -EAGAIN            the process table is full: system_limit
 *   -ENOMEM            out of memory: system_limit
 *   -EPERM             called outside a process: badarg
 * *result's terms are copied onto h (the process heap if h is NULL);
 * result may be NULL. Whenever it fails, the server's process has exited
 * by the time it returns (its name is free again). With link, a server
 * that ends with a reason other than normal sends its exit signal to the
 * caller, which dies of it unless it traps exits, as with gen_server;
 * when trapping, the {:EXIT, pid, reason} message is consumed here. */
OT_API int ot_server_start(ot_heap *h, const ot_server_callbacks *cb, void *arg,
                           const ot_server_opts *opts, ot_term *result);

/* ---------------------------------------------------------------- talking */

/* Calls, casts and replies are otter/call.h's: ot_call(h, server, request,
 * timeout, &reply), ot_cast(server, request), ot_reply(from, reply). Any
 * other message sent with ot_send reaches handle_info. */

/* ot_server_stop: gen_server:stop. Asks `server` (a pid or registered
 * name) to stop with reason: it calls its terminate(reason) and exits.
 * Waits up to timeout_ms (OT_INFINITY: forever) for it to be gone.
 * Returns 0 when it exited with `reason`; -ESRCH if it was not alive
 * (*result = noproc); -ECONNABORTED if it exited with another reason
 * (terminate failed: *result = that reason, copied onto h or the process
 * heap); -ETIMEDOUT if it is still alive at the timeout (*result =
 * timeout; it may still stop later); -EINVAL for a bad argument; -EPERM
 * outside a process. result may be NULL. Works for any process that
 * answers system messages (servers, agents). */
OT_API int ot_server_stop(ot_heap *h, ot_term server, ot_term reason, int64_t timeout_ms,
                          ot_term *result);

/* ot_server_get_state: sys:get_state. The server's state as its
 * format_state callback (or s->term) shows it, copied onto h (the process
 * heap if NULL). Returns 0, or the negative errno and reason of ot_call. */
OT_API int ot_server_get_state(ot_heap *h, ot_term server, int64_t timeout_ms, ot_term *result);

#ifdef __cplusplus
}
#endif
#endif
