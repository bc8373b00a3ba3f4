/* otter/trace.h — sequential traces: what Kino.Process.seq_trace records,
 * for drawing with ot_mermaid_seq (otter/mermaid.h).
 *
 *     ot_term trace = ot_seq_trace(h, ping_pong, NULL, NULL);
 *
 * runs ping_pong(NULL) in the calling process under a new trace token.
 * Every message a token holder sends carries the token; a process that
 * receives such a message holds the token from then on (and a process that
 * receives a message without one no longer does, as in Erlang); processes
 * spawned by a holder hold it from their start. The trace records, with a
 * monotonic timestamp, every send by a holder (except to itself, as Kino
 * leaves those out), every spawn by a holder, and every exit signal a
 * dying holder sends along its links (EXIT) and monitors (DOWN).
 * Processes that never hold the token pay nothing for the trace.
 *
 * Must be called from inside a process. */
#ifndef OTTER_TRACE_H
#define OTTER_TRACE_H

#include "otter/process.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ot_seq_trace_opts {
    size_t max_events;      /* events kept; later ones are counted in
                               `dropped` (0: 10,000) */
} ot_seq_trace_opts;

/* ot_seq_trace: runs fn(arg) in the caller under a new trace token, and
 * returns what happened meanwhile, built on h:
 *
 *   %{self: pid of the caller,
 *     events: [%{type: :send | :spawn | :exit | :down,
 *                time: nanoseconds since the trace began,
 *                from: pid, to: pid,
 *                msg: the message (send; nil for spawn),
 *                reason: the exit reason (exit, down)}, ...]   in order of time,
 *     processes: %{pid => %{name: registered name or nil,
 *                           label: label term or nil}},
 *     dropped: events not kept (over max_events)}
 *
 * An :exit event without `to` is a traced process that ended with no link
 * or monitor to tell. This is the input of ot_mermaid_seq (otter/mermaid.h).
 * Names and labels are those a process had when it first appeared in the
 * trace. The caller's token afterwards is what it was before. Returns
 * OT_NONE outside a process, if 255 traces are already running, or if
 * memory runs out. opts may be NULL. */
OT_API ot_term ot_seq_trace(ot_heap *h, ot_proc_fn fn, void *arg, const ot_seq_trace_opts *opts);

/* ot_seq_trace_begin / ot_seq_trace_end: the same in two steps, for code
 * that cannot be put in one function. begin gives the caller a new token
 * and returns the trace's id (> 0), or -EPERM outside a process, -EAGAIN if
 * 255 traces run, -ENOMEM. end stops recording trace `id`, clears the
 * caller's token if it still holds that trace's, and returns the record as
 * ot_seq_trace does (OT_NONE for an unknown id). */
OT_API int ot_seq_trace_begin(const ot_seq_trace_opts *opts);
OT_API ot_term ot_seq_trace_end(ot_heap *h, int id);

#ifdef __cplusplus
}
#endif
#endif
