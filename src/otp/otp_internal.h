/* otp_internal.h — what the OTP layer's files share, internal to src/otp/:
 * the atoms the behaviours' protocols use, made once, and the labelled
 * form of a call (server, agent, task); the node-wide table of C start
 * functions that child specs name, and the log sink that supervisor and
 * application reports go to (supervisor, application).
 *
 * Files, by job:
 *   call.c         the call protocol (gen:call's messages) and the wait
 *                  for a reply or a DOWN that every behaviour's call uses
 *   server.c       gen_server; agent.c, task.c: Agent and Task
 *   supervisor.c   supervisors and the start-function table
 *   application.c  loaded definitions, the controller, the masters
 *   logger.c       otter_logger and ot_log
 *   otter_app.c    `otter`, the application of otter's own services */
#ifndef OTTER_OTP_INTERNAL_H
#define OTTER_OTP_INTERNAL_H

#include <stdint.h>

#include "otter/application.h"
#include "otter/call.h"
#include "otter/supervisor.h"
#include "term/term_internal.h"


/* ot__call_as: ot_call with another label than $gen_call: sends
 * {label, {self, tag}, request} and waits for {tag, reply}, as gen:call
 * does for sys's {system, From, Request}. Same results as ot_call. */
int ot__call_as(ot_heap *h, ot_term server, ot_term label, ot_term request, int64_t timeout_ms,
                ot_term *result);

/* ---- waiting for a reply or a DOWN (call.c): what every call-like wait
 * of the behaviours takes, gen:call's receive. A reply is {Tag, Reply},
 * a DOWN {'DOWN', Mref, Type, Object, Info}; Tag and Mref are references
 * (one reference may be both, as in a call). */
typedef enum ot__awaited { OT__AWAIT_NO, OT__AWAIT_REPLY, OT__AWAIT_DOWN } ot__awaited;

/* ot__await_shape: is msg shaped as a reply or a DOWN (with a reference
 * where the reference goes)? If so, that reference in *ref. Lets a wait
 * on many references look the message up once. */
ot__awaited ot__await_shape(ot_term msg, ot_term *ref);
/* ot__ref_eq: is t the reference ref (OT_NONE: never)? Word by word for
 * the common (local) case, else the general order. */
bool ot__ref_eq(ot_term t, ot_term ref);
/* ot__reply_or_down: msg as the reply tagged `tag` or the DOWN of the
 * monitor `mref`; either may be OT_NONE to wait for the other only. */
ot__awaited ot__reply_or_down(ot_term msg, ot_term tag, ot_term mref);

/* The same as an ot_receive_if predicate: takes what ot__reply_or_down
 * accepts for (tag, mref), and says in `down` which one it was. */
typedef struct ot__await {
    ot_term tag, mref;
    bool down;
} ot__await;
bool ot__await_pred(ot_term msg, void *await);

/* ot__term_block_new: a copy of t in one new malloc'd block of exactly
 * its size (*block NULL when t is immediate); OT_NONE if memory runs out.
 * ot__term_block_free frees such a block (NULL is a no-op). */
ot_term ot__term_block_new(ot_term t, uint64_t **block);
void ot__term_block_free(uint64_t *block);

/* ot__start_fn_index: the index of the pair (fn, data) in the node's table
 * of start functions, added on first use (the table only grows). A child
 * spec names its start function by this index, so that a spec is a term
 * that can travel in a message without carrying a raw address: a request
 * can only ever pick a function this node's own code registered.
 * Returns the index (>= 0) or -ENOMEM. Thread-safe. */
int64_t ot__start_fn_index(ot_child_start_fn fn, void *data);
/* ot__start_fn_get: the pair registered under idx; false if none. */
bool ot__start_fn_get(int64_t idx, ot_child_start_fn *fn, void **data);

/* ot__log_report: formats a report (printf-style) and hands it to the
 * otter_logger process at `level` (an atom: error, warning, info...).
 * Without a running otter_logger (the otter application is not started)
 * the report is dropped: otter's own tests and benchmarks run quietly, as
 * a BEAM node does with its logger off. Call from inside a process. */
void ot__log_report(ot_term level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* ot__logger_start: otter_sup's child start function for otter_logger
 * (logger.c): spawns it linked and registered; its pid, or OT_NONE. */
ot_term ot__logger_start(ot_heap *h, ot_term arg, void *data);
/* ot__otter_app: the definition of `otter` (otter_app.c), which
 * application.c loads on first use, as BEAM always knows kernel. */
extern const ot_app_spec ot__otter_app;

#endif
