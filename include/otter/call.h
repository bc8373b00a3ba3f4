/* otter/call.h — the call protocol that servers, agents, supervisors and
 * applications answer: Erlang's gen:call / gen:reply, on the wire exactly
 * as BEAM sends it, so that a BEAM node can later call an otter server by
 * name and the other way round.
 *
 *     request:  {:"$gen_call", {caller_pid, tag}, request}
 *     reply:    {tag, reply}                       (sent to caller_pid)
 *     cast:     {:"$gen_cast", request}
 *
 * tag is a reference (or BEAM's [alias | ref] form, which ot_reply
 * handles too). The caller monitors the server for the length of the call,
 * so that a dead server answers at once instead of at the timeout.
 *
 * The functions below must be called from inside a process, except
 * ot_cast and ot_reply, which work from any thread. */
#ifndef OTTER_CALL_H
#define OTTER_CALL_H

#include <stdbool.h>
#include <stdint.h>

#include "otter/process.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ot_call: sends `request` to `server` (a pid or a registered name) as a
 * call and waits up to timeout_ms (OT_INFINITY: forever) for the reply.
 * Returns 0 with *result = the reply, copied onto h (the process heap if h
 * is NULL); or a negative errno with *result = the reason, Erlang's:
 *   -ESRCH        no such process (not alive, or the name is not
 *                 registered): reason noproc
 *   -ECONNABORTED the server exited before replying: its exit reason
 *   -ETIMEDOUT    no reply in time: reason timeout. A reply that comes
 *                 later lands in the mailbox as {tag, reply}, as with
 *                 gen:call before OTP 24 (which had no aliases)
 *   -EDEADLK      the server is the caller itself: reason calling_self
 *                 (gen_server:call's exit reason too)
 *   -EINVAL       a bad server or request: reason badarg
 *   -EPERM        called outside a process: reason badarg
 *   -ENOMEM       out of memory: reason system_limit
 * Erlang's gen_server:call exits the caller on failure; to do the same,
 * pass the reason to ot_exit. Messages already in the caller's mailbox
 * stay there, in order. */
OT_API int ot_call(ot_heap *h, ot_term server, ot_term request, int64_t timeout_ms,
                   ot_term *result);

/* ot_cast: sends {:"$gen_cast", request} to server (pid or registered
 * name) and returns at once. As gen_server:cast it never fails for a dead
 * or unknown server: returns 0, or -EINVAL for a bad destination, -ENOMEM. */
OT_API int ot_cast(ot_term server, ot_term request);

/* ot_call_parse: if msg is a call {:"$gen_call", from, request}, sets *from
 * (the handle to reply to; keep a copy of it to reply later) and *request
 * and returns true; false otherwise. from and request may be NULL. */
OT_API bool ot_call_parse(ot_term msg, ot_term *from, ot_term *request);

/* ot_cast_parse: if msg is a cast {:"$gen_cast", request}, sets *request
 * (may be NULL) and returns true. */
OT_API bool ot_cast_parse(ot_term msg, ot_term *request);

/* ot_reply: answers the call identified by `from` (as ot_call_parse gave
 * it, possibly copied to another heap or another process) with reply. Any
 * process may reply, once; a reply to a caller that gave up or died is
 * dropped. Returns 0, or -EINVAL if from is not a {pid, tag} pair,
 * -ENOMEM. */
OT_API int ot_reply(ot_term from, ot_term reply);

#ifdef __cplusplus
}
#endif
#endif
