/* otter/process.h — lightweight processes: spawn, send, selective receive,
 * exits, links, monitors, registered names, timers.
 *
 * The notebook's first section ("Processes all the way down") in C:
 *
 *     static void child(void *arg) {
 *         ot_term parent = (ot_term)(uintptr_t)arg;
 *         ot_msg *m = ot_receive(ot_atom("ping"), OT_INFINITY, NULL);
 *         ot_msg_free(m);
 *         ot_send(parent, ot_atom("pong"));
 *     }
 *     ...
 *     ot_term pid = ot_spawn(child, (void *)(uintptr_t)ot_self());
 *     ot_send(pid, ot_atom("ping"));
 *     ot_msg_free(ot_receive(ot_atom("pong"), OT_INFINITY, NULL));
 *
 * Semantics are Erlang's: messages between one pair of processes arrive in
 * the order sent; a message that matches no pattern stays in the mailbox;
 * links are bidirectional and an abnormal exit propagates along them unless
 * the receiver traps exits; `kill` cannot be trapped; monitors deliver
 * {:DOWN, ref, :process, pid, reason}, with `noproc` for a dead target.
 *
 * Processes run on scheduler threads (one per core by default), M:N and
 * cooperatively: runtime calls charge reductions and a process that used up
 * its budget yields at its next runtime call. See docs/processes.md for
 * stacks, what is safe to share, and how faults in a process are contained.
 *
 * Unless said otherwise the functions below must be called from inside a
 * process (a function started by ot_run or ot_spawn); called elsewhere they
 * fail with -EPERM or return OT_NONE.
 */
#ifndef OTTER_PROCESS_H
#define OTTER_PROCESS_H

#include <stdbool.h>
#include <stdint.h>

#include "otter/term.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A process body. Returning from it exits the process with reason normal. */
typedef void (*ot_proc_fn)(void *arg);

/* ---------------------------------------------------------------- runtime */

typedef struct ot_runtime_opts {
    unsigned schedulers;        /* scheduler threads; 0 = $OTTER_SCHEDULERS, else one per core */
    uint32_t max_processes;     /* size of the process table; 0 = 4,194,304 */
    size_t stack_size;          /* deepest stack a process may use; 0 = 1 MiB */
    unsigned long long_schedule_us; /* report a process that runs this long
                                       without a runtime call; 0 = 10,000 */
} ot_runtime_opts;

/* ot_run: starts the runtime, runs fn(arg) as the first process, and
 * returns when that process has exited, after stopping every other process
 * (reason `shutdown`... `kill`) and the scheduler threads. Returns 0 if the
 * first process exited `normal`, 1 for any other reason, or a negative
 * errno if the runtime could not start (-EBUSY if one is already running in
 * this OS process). opts may be NULL. Call it from a plain thread. */
OT_API int ot_run(ot_proc_fn fn, void *arg, const ot_runtime_opts *opts);

/* ot_schedulers: how many scheduler threads run (0 outside ot_run). */
OT_API unsigned ot_schedulers(void);
/* ot_scheduler_id: the scheduler running the caller, 1 to ot_schedulers()
 * (erlang:system_info(scheduler_id)); 0 outside a scheduler thread. A
 * process that holds its frames keeps its scheduler until it hibernates
 * or exits (see docs/processes.md, "How processes run"). */
OT_API unsigned ot_scheduler_id(void);

/* ---------------------------------------------------------------- spawn */

typedef struct ot_spawn_opts {
    bool link;                  /* link the new process to the caller */
    bool monitor;               /* monitor it; the reference goes to *monitor_ref */
    ot_term *monitor_ref;       /* where to store the monitor reference (immediate-free:
                                   built on the caller's ot_proc_heap()) */
    ot_term name;               /* register under this atom (OT_NONE: none) */
    ot_term label;              /* introspection label, any term (OT_NONE: none) */
    const char *initial_call;   /* how introspection names fn, e.g. "demo:child/1";
                                   NULL: the C symbol of fn if it can be found */
    ot_term term_arg;           /* a term copied into the new process, read with
                                   ot_spawn_arg() (OT_NONE: none) */
    unsigned scheduler;         /* 0: placed by the runtime (docs/processes.md,
                                   "Placement"); 1..ot_schedulers(): runs on
                                   that scheduler, where it stays while it holds
                                   frames */
} ot_spawn_opts;

/* ot_spawn: starts fn(arg) in a new process and returns its pid (an
 * immediate term, valid forever). OT_NONE if the process table is full or
 * memory runs out. The new process shares nothing with the caller but what
 * arg points to: otter copies messages, never arg. */
OT_API ot_term ot_spawn(ot_proc_fn fn, void *arg);
/* ot_spawn_opt: as ot_spawn with options (opts may be NULL). With
 * opts->name already taken, or opts->scheduler above ot_schedulers(),
 * fails with OT_NONE and starts nothing. */
OT_API ot_term ot_spawn_opt(ot_proc_fn fn, void *arg, const ot_spawn_opts *opts);
/* ot_spawn_arg: the term given as opts->term_arg to the calling process's
 * spawn (OT_NIL if none). Lives as long as the process. */
OT_API ot_term ot_spawn_arg(void);

/* ot_self: the calling process's pid; OT_NONE outside a process. */
OT_API ot_term ot_self(void);
/* ot_proc_heap: a heap owned by the calling process, freed when it exits.
 * Handy for building messages; reset it (ot_heap_reset) when its terms are
 * no longer needed, or it grows for the life of the process. */
OT_API ot_heap *ot_proc_heap(void);

/* ---------------------------------------------------------------- messages */

/* OT_INFINITY: wait forever. A timeout of 0 only looks at what is there. */
#define OT_INFINITY (-1)

/* A received message. It owns the memory of its term; free it with
 * ot_msg_free when done with the term (and with any binds into it). */
typedef struct ot_msg ot_msg;

/* ot_send: sends a copy of msg to `to`: a pid, an atom naming a
 * registered process, or {name, node}. A pid or {name, node} of another
 * node goes through the distribution layer (include/otter/node.h), which
 * connects first if needed; without a started node that gives -ENOTSUP.
 * Sending to a pid of a process that has exited is not an error (the
 * message is dropped, as in Erlang). Returns 0, -ENOENT if no process is
 * registered under the atom, -EINVAL for a bad destination or message,
 * -ENOMEM. May be called from any thread, inside a process or not. */
OT_API int ot_send(ot_term to, ot_term msg);

/* ot_receive: takes the oldest message in the mailbox that matches
 * `pattern` (see ot_match; OT_NONE matches anything), waiting up to
 * timeout_ms milliseconds (OT_INFINITY: forever; 0: do not wait). Messages
 * that do not match stay in the mailbox, in order. On a match, binds (if
 * not NULL) receives the pattern's variables. Returns the message, or NULL
 * on timeout. */
OT_API ot_msg *ot_receive(ot_term pattern, int64_t timeout_ms, ot_term *binds);
/* ot_receive_if: as ot_receive, but a C function chooses: takes the oldest
 * message for which accept(term, ctx) returns true — a receive with several
 * clauses, or one that compares with a reference it holds, without building
 * a pattern. accept runs in the caller, once per message looked at, and
 * must not call process functions; accept == NULL takes any message. */
OT_API ot_msg *ot_receive_if(bool (*accept)(ot_term msg, void *ctx), void *ctx,
                             int64_t timeout_ms);
/* ot_msg_term: the message's term, valid until ot_msg_free. */
OT_API ot_term ot_msg_term(const ot_msg *m);
/* ot_msg_free: frees a received message; NULL is a no-op. */
OT_API void ot_msg_free(ot_msg *m);
/* ot_flush: drops every message in the mailbox; returns how many. */
OT_API size_t ot_flush(void);
/* ot_message_queue_len: messages waiting in the caller's mailbox. */
OT_API size_t ot_message_queue_len(void);

/* ---------------------------------------------------------------- exits */

/* ot_exit: ends the calling process with `reason` (copied): linked
 * processes and monitors are told, as in Erlang's exit/1. Never returns.
 * C has no collector: messages the process took (ot_msg) and has not
 * freed are lost; free them first. Its mailbox and process heap are freed. */
OT_NORETURN OT_API void ot_exit(ot_term reason);
/* ot_raise: ends the calling process with reason {class, reason} — the
 * way otter's runtime errors (badarg, stack overflow, signals) end a
 * process. Never returns. */
OT_NORETURN OT_API void ot_raise(ot_term reason);
/* ot_exit_signal: Erlang's exit(Pid, Reason): sends an exit signal to pid.
 * `kill` kills even a process that traps exits (its reason becomes
 * `killed`); `normal` is ignored unless pid traps exits or is the caller.
 * Returns 0 (also for a dead pid), -EINVAL for a bad pid. */
OT_API int ot_exit_signal(ot_term pid, ot_term reason);
/* ot_trap_exit: turns trapping exits on or off for the caller; returns the
 * previous setting. Trapped exit signals arrive as {:EXIT, from, reason}. */
OT_API bool ot_trap_exit(bool on);

/* ot_link / ot_unlink: a bidirectional link with pid. Linking to a dead
 * process gives the caller an exit signal with reason noproc (as Erlang
 * does). Returns 0 or -EINVAL. */
OT_API int ot_link(ot_term pid);
OT_API int ot_unlink(ot_term pid);

/* ot_monitor: monitors pid (or an atom naming a registered process, or
 * {name, node}, which may name another node); when
 * it exits the caller gets {:DOWN, ref, :process, pid, reason} (noproc at
 * once if it is not alive). Returns the reference, built on h (or the
 * process heap when h is NULL), or OT_NONE on bad input. */
OT_API ot_term ot_monitor(ot_heap *h, ot_term pid);
/* ot_demonitor: removes a monitor; with flush, also drops its DOWN message
 * if one already arrived. Returns 0, or -ENOENT if ref is not an active
 * monitor of the caller. */
OT_API int ot_demonitor(ot_term ref, bool flush);

/* ot_make_ref: a new unique reference of this node, built on h (the
 * process heap when h is NULL). Usable from any thread. */
OT_API ot_term ot_make_ref(ot_heap *h);

/* ---------------------------------------------------------------- names */

/* ot_register: registers pid under atom name. -EEXIST if the name is
 * taken or pid already has a name, -ESRCH if pid is not alive, -EINVAL
 * for a bad argument. A name is dropped when its process exits. */
OT_API int ot_register(ot_term name, ot_term pid);
/* ot_unregister: -ENOENT if no process has that name. */
OT_API int ot_unregister(ot_term name);
/* ot_whereis: the pid registered under name, or OT_NONE. */
OT_API ot_term ot_whereis(ot_term name);
/* ot_registered: the list of registered names, built on h. */
OT_API ot_term ot_registered(ot_heap *h);
/* ot_set_label: sets the caller's introspection label (any term, copied),
 * as Elixir's Process.set_label/1. */
OT_API void ot_set_label(ot_term label);

/* ---------------------------------------------------------------- alive */

/* ot_is_alive: is pid a live process of this node? */
OT_API bool ot_is_alive(ot_term pid);
/* ot_yield: lets other processes run. */
OT_API void ot_yield(void);

/* ---------------------------------------------------------------- time */

/* ot_monotonic_ms / ot_monotonic_ns: monotonic time (erlang:monotonic_time). */
OT_API int64_t ot_monotonic_ms(void);
OT_API int64_t ot_monotonic_ns(void);
/* ot_sleep: suspends the caller for ms milliseconds (its mailbox keeps
 * filling). */
OT_API void ot_sleep(int64_t ms);
/* ot_send_after: sends msg (copied) to `to` after ms milliseconds. Returns
 * a timer reference built on h (process heap if NULL) or OT_NONE. */
OT_API ot_term ot_send_after(ot_heap *h, int64_t ms, ot_term to, ot_term msg);
/* ot_send_interval: as ot_send_after, again every ms until cancelled. */
OT_API ot_term ot_send_interval(ot_heap *h, int64_t ms, ot_term to, ot_term msg);
/* ot_cancel_timer: cancels a timer; returns the milliseconds that were
 * left, or -ENOENT if it already fired or was cancelled. */
OT_API int64_t ot_cancel_timer(ot_term timer_ref);

/* ---------------------------------------------------------------- outside */

#define OT_FD_READ 0x1
#define OT_FD_WRITE 0x2
#define OT_FD_ERROR 0x4

/* ot_wait_fd: waits until fd is ready for what `events` asks (OT_FD_READ,
 * OT_FD_WRITE), up to timeout_ms (OT_INFINITY: forever; 0: do not wait),
 * without blocking the scheduler: other processes run meanwhile. Returns
 * the readiness seen (OT_FD_READ | OT_FD_WRITE | OT_FD_ERROR), 0 on
 * timeout, or a negative errno (-EINVAL bad fd or events, -EPERM outside a
 * process, -EEXIST if another process already waits on fd). Signals that
 * arrive meanwhile are taken in (an exit signal can end the caller). */
OT_API int ot_wait_fd(int fd, uint32_t events, int64_t timeout_ms);

/* ot_blocking: runs fn(arg) on one of otter's threads for blocking work (a
 * library call that may block: DNS, file I/O, ...) and returns when it is
 * done; the caller's scheduler runs other processes meanwhile. fn must not
 * call otter's process functions. Returns 0, or -ENOMEM/-EAGAIN/-EPERM. */
OT_API int ot_blocking(void (*fn)(void *), void *arg);

/* ---------------------------------------------------------------- listeners */

/* A periodic event handler: called with 0, 1, 2, ... and arg; a negative
 * return counts as a failure. */
typedef int (*ot_listen_fn)(int64_t i, void *arg);

/* ot_listen: Kino.listen(interval, fn) — starts a listener process that
 * calls fn(0, arg), fn(1, arg), ... every interval_ms milliseconds, one
 * event at a time, each in a short-lived process of its own: an event that
 * returns a negative value, exits or faults is logged on stderr and the
 * listener goes on. Ticks keep to the schedule (no drift); an event that
 * runs longer than the interval delays the next one. Stop it with
 * ot_exit_signal(pid, kill). Returns the listener's pid or OT_NONE. */
OT_API ot_term ot_listen(int64_t interval_ms, ot_listen_fn fn, void *arg);

/* ---------------------------------------------------------------- stackless */

/* ot_hibernate: gives up the caller's stack and waits for a message; when
 * one arrives (or one is already there) the process starts again in
 * fn(arg) on a fresh stack. Nothing on the old stack survives. Waiting
 * hibernated costs only the process control block and its mailbox: the way
 * to keep very many idle processes. Never returns. */
OT_NORETURN OT_API void ot_hibernate(ot_proc_fn fn, void *arg);

#ifdef __cplusplus
}
#endif
#endif
