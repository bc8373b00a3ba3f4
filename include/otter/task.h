/* otter/task.h — tasks: Elixir's Task for C. A task runs one function in a
 * process of its own and sends its result back to the process that
 * started it (its owner).
 *
 * The notebook's cell, four tasks sleeping a random 100-300 ms each:
 *
 *     static ot_term nap(ot_term i, void *ctx, ot_heap *h) {
 *         ot_sleep(100 + rand() % 201);
 *         return i;
 *     }
 *     ...
 *     ot_term items[4] = {ot_int(NULL, 1), ot_int(NULL, 2), ot_int(NULL, 3), ot_int(NULL, 4)};
 *     ot_task_stream *s = ot_task_async_stream(items, 4, nap, NULL, NULL);
 *     ot_task_stream_run(s);      // Stream.run(): about one nap, not four
 *     ot_task_stream_close(s);
 *
 * A task function gets a term argument (copied into the task), a context
 * pointer (shared as is: it must not point into the owner's stack, whose
 * frames move, see docs/processes.md) and the task's heap to build its
 * result on. It returns the result; OT_NONE (a builder that failed) ends
 * the task with reason bad_return_value. Like any process it may ot_exit.
 *
 * As in Elixir, a task started with ot_task_async (and every task of a
 * stream) is linked to its owner and monitored by it: a task that exits
 * abnormally takes the owner with it unless the owner traps exits (then
 * the owner also gets {:EXIT, pid, reason} messages, for normal exits
 * too, as Elixir's owners do). Only the owner may await, yield or shut
 * down its tasks.
 *
 * Errors are returned, never raised, as ot_call does: Elixir's Task.await
 * exits the caller on a timeout or a task's crash; here it returns the
 * reason, and a caller that wants Elixir's behaviour passes it to ot_exit.
 * All functions must be called from inside a process. */
#ifndef OTTER_TASK_H
#define OTTER_TASK_H

#include <stdbool.h>
#include <stddef.h>

#include "otter/process.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A task's function: its result, built on h. */
typedef ot_term (*ot_task_fn)(ot_term arg, void *ctx, ot_heap *h);

/* Elixir's %Task{}: a value the owner keeps (copy it freely within the
 * owner; ref lives on the heap given to ot_task_async). */
typedef struct ot_task {
    ot_term pid;        /* the task's process */
    ot_term ref;        /* its monitor, which also tags its reply */
    ot_term owner;      /* the process that started it */
} ot_task;

/* ot_task_async: Task.async. Starts fn(arg, ctx, h) in a new process,
 * linked to the caller and monitored by it, and fills *task (ref built on
 * h, the process heap if NULL). Returns 0; -EAGAIN if the process table is
 * full, -ENOMEM, -EINVAL (fn NULL, arg OT_NONE), -EPERM outside a
 * process. */
OT_API int ot_task_async(ot_heap *h, ot_task_fn fn, ot_term arg, void *ctx, ot_task *task);

/* ot_task_await: Task.await. Waits up to timeout_ms (OT_INFINITY: forever)
 * for the task's result. Returns:
 *   0             *result = the result, copied onto h (process heap if NULL)
 *   -ECONNABORTED the task exited first: *result = its exit reason
 *   -ETIMEDOUT    no result in time: *result = timeout. The task is then
 *                 killed (unlinked first), as the owner's exit would kill
 *                 it in Elixir, and its messages are dropped
 *   -ESRCH        task was already awaited or shut down: noproc
 *   -EPERM        the caller is not the task's owner: badarg
 * In every case the task is done with afterwards: no message of it is
 * left in the mailbox (but an {:EXIT, ...} when the owner traps exits). */
OT_API int ot_task_await(ot_heap *h, ot_task *task, int64_t timeout_ms, ot_term *result);

/* ot_task_await_many: Task.await_many. Awaits n tasks with one overall
 * timeout; results[i] is task i's result. Returns 0, or the first failure
 * as ot_task_await reports it (results[0] = its reason); on a failure
 * every task not yet done is killed as ot_task_await does on a timeout. */
OT_API int ot_task_await_many(ot_heap *h, ot_task *tasks, size_t n, int64_t timeout_ms,
                              ot_term *results);

/* ot_task_yield: Task.yield. As ot_task_await, but when no result comes in
 * time it returns -ETIMEDOUT with *result = timeout and leaves the task
 * running: the owner may yield or await again, or shut it down. A task
 * that exited gives -ECONNABORTED with its reason ({:exit, reason}). */
OT_API int ot_task_yield(ot_heap *h, ot_task *task, int64_t timeout_ms, ot_term *result);

/* Task.shutdown(task, :brutal_kill). */
#define OT_TASK_BRUTAL_KILL 0
/* ot_task_shutdown returns this when the task ended without a result. */
#define OT_TASK_NO_REPLY 1

/* ot_task_shutdown: Task.shutdown. Unlinks the task and sends it exit
 * signal shutdown, waits up to timeout_ms (OT_INFINITY: forever) for it to
 * end, then kills it; OT_TASK_BRUTAL_KILL kills it at once. Returns 0 with
 * *result = its result if that came meanwhile ({:ok, reply}),
 * -ECONNABORTED with its reason if it had exited of something else
 * ({:exit, reason}), OT_TASK_NO_REPLY if it was shut down (nil), -ESRCH
 * if already awaited, -EPERM if the caller is not the owner. */
OT_API int ot_task_shutdown(ot_heap *h, ot_task *task, int64_t timeout_ms, ot_term *result);

/* ot_task_start / ot_task_start_link: Task.start / Task.start_link: runs
 * fn(arg, ctx, h) in a new process whose result nobody awaits (the form a
 * supervisor starts, {Task, fn}). With link, linked to the caller. Returns
 * the pid, or OT_NONE (process table full, out of memory, bad argument). */
OT_API ot_term ot_task_start(ot_task_fn fn, ot_term arg, void *ctx);
OT_API ot_term ot_task_start_link(ot_task_fn fn, ot_term arg, void *ctx);

/* ---------------------------------------------------------------- async_stream */

typedef struct ot_task_stream ot_task_stream;

/* Task.async_stream's options; zeroed, they are Elixir's defaults. */
typedef struct ot_task_stream_opts {
    unsigned max_concurrency;   /* tasks running at once; 0: ot_schedulers() */
    bool unordered;             /* results as tasks finish (ordered: false);
                                   default: in input order */
    int64_t timeout_ms;         /* each task's time to run; 0: 5000;
                                   OT_INFINITY: no limit */
    bool kill_task_on_timeout;  /* on_timeout: :kill_task — a late task is
                                   killed and gives {exit, timeout}; default
                                   :exit — the stream fails with -ETIMEDOUT */
    bool zip_input_on_exit;     /* {exit, {input, reason}} instead of
                                   {exit, reason} */
} ot_task_stream_opts;

/* ot_task_async_stream: Task.async_stream over n terms (copied: items need
 * not outlive the call). Nothing starts until results are asked for; then
 * up to max_concurrency tasks fn(item, ctx, h) run at once, each linked to
 * the caller. opts may be NULL. Returns the stream (owned by the calling
 * process: only it may use it; close it with ot_task_stream_close), or
 * NULL (-ENOMEM or bad arguments). */
OT_API ot_task_stream *ot_task_async_stream(const ot_term *items, size_t n, ot_task_fn fn,
                                            void *ctx, const ot_task_stream_opts *opts);

/* An input sequence given by a function: sets *item (built on h, which is
 * emptied once the item is handed to its task) and returns true, or
 * returns false at the end. Called in the stream's owner, lazily. */
typedef bool (*ot_task_stream_next_fn)(void *it, ot_heap *h, ot_term *item);

/* ot_task_async_stream_from: the same over the items next(it, ...) gives. */
OT_API ot_task_stream *ot_task_async_stream_from(ot_task_stream_next_fn next, void *it,
                                                 ot_task_fn fn, void *ctx,
                                                 const ot_task_stream_opts *opts);

/* ot_task_stream_next: the next result, as Elixir's stream gives it:
 * {ok, value} or {exit, reason}, built on h (process heap if NULL).
 * Returns 1 with *result set; 0 when every item has given its result;
 * -ETIMEDOUT when a task ran past the timeout with on_timeout :exit (the
 * stream's tasks are then killed and the stream is finished; Elixir would
 * exit the caller); -EPERM if the caller is not the stream's owner;
 * -ENOMEM, -EAGAIN (no process could be made). */
OT_API int ot_task_stream_next(ot_task_stream *s, ot_heap *h, ot_term *result);

/* ot_task_stream_run: Stream.run: takes every result and drops it. Returns
 * 0 or ot_task_stream_next's error. */
OT_API int ot_task_stream_run(ot_task_stream *s);

/* ot_task_stream_to_list: Enum.to_list: every result, in stream order, as
 * a list on h. Returns 0 with *list set, or ot_task_stream_next's error. */
OT_API int ot_task_stream_to_list(ot_task_stream *s, ot_heap *h, ot_term *list);

/* ot_task_stream_close: kills the tasks still running (a stream halted
 * early), drops their messages, frees the stream. NULL is a no-op. */
OT_API void ot_task_stream_close(ot_task_stream *s);

#ifdef __cplusplus
}
#endif
#endif
