/* otter/agent.h — agents: Elixir's Agent for C, a process that holds one
 * term as its state, read and changed by functions the callers name.
 *
 * The notebook's supervision tree starts one ({Agent, fn -> [] end}):
 *
 *     static ot_term empty_list(ot_term arg, ot_heap *h) { return OT_NIL; }
 *     static ot_term push(ot_term state, ot_term x, ot_heap *h) {
 *         return ot_cons(h, x, state);
 *     }
 *     static ot_term length_of(ot_term state, ot_term arg, ot_heap *h) {
 *         return ot_int(h, ot_list_length(state));
 *     }
 *     ...
 *     ot_term agent, n;
 *     ot_agent_start(NULL, empty_list, OT_NIL, NULL, &agent);
 *     ot_agent_update(NULL, agent, push, ot_atom("cat"), 5000, NULL);
 *     ot_agent_get(NULL, agent, length_of, OT_NIL, 5000, &n);    // 1
 *
 * An agent is a server (otter/server.h): stackless between requests,
 * started with the same options (name, link, time limit), stopped with
 * ot_agent_stop, and sys:get_state shows its state. The functions run in
 * the agent's process, one at a time, in the order the requests arrive;
 * they get the state, the caller's argument (a term, copied into the
 * request: C closures do not cross processes, so the argument is how a
 * function gets its parameters) and a heap to build on, which the agent
 * empties after each request. They must not keep terms from the state or
 * the argument beyond the call (copy them).
 *
 * The state lives in memory the agent owns, exactly its size; each update
 * replaces it with a copy of the new term. For a state that is better kept
 * as C data (a large table updated in place), write a server instead: its
 * `void *state` is yours.
 *
 * Requests name the function by its place in a process-wide table of the
 * functions given to ot_agent_* (a message from elsewhere can name only
 * those, never an arbitrary address). The messages are calls and casts
 * {get, Fn, Arg}, {update, Fn, Arg}, {get_and_update, Fn, Arg}, cast
 * {cast, Fn, Arg}, as Elixir's Agent sends {:get, fun} and the like.
 *
 * All functions below must be called from inside a process. Return values
 * follow ot_call (otter/call.h): 0, or a negative errno with *result set
 * to the reason (noproc, timeout, the agent's exit reason, ...). */
#ifndef OTTER_AGENT_H
#define OTTER_AGENT_H

#include "otter/server.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The initial state, built on h from the start argument. OT_NONE makes
 * the start fail (reason bad_return_value). */
typedef ot_term (*ot_agent_init_fn)(ot_term arg, ot_heap *h);
/* A reply computed from the state (Agent.get's fun), built on h. */
typedef ot_term (*ot_agent_get_fn)(ot_term state, ot_term arg, ot_heap *h);
/* The new state (Agent.update's fun), built on h. */
typedef ot_term (*ot_agent_update_fn)(ot_term state, ot_term arg, ot_heap *h);
/* Agent.get_and_update's fun: returns the reply and sets *new_state. */
typedef ot_term (*ot_agent_get_update_fn)(ot_term state, ot_term arg, ot_heap *h,
                                          ot_term *new_state);

/* ot_agent_start: Agent.start / start_link. Starts an agent whose state is
 * init(arg, h), run in the new process; opts as ot_server_start's (link,
 * name, timeout_ms; its term_arg is ignored: arg is the argument). Returns
 * 0 with *result = the pid, or ot_server_start's errors (-EEXIST with
 * {already_started, pid}, -ECANCELED with init's failure reason, ...).
 * A function that returns OT_NONE, here and below, stops the agent with
 * reason bad_return_value. */
OT_API int ot_agent_start(ot_heap *h, ot_agent_init_fn init, ot_term arg,
                          const ot_server_opts *opts, ot_term *result);

/* ot_agent_get: Agent.get. *result = fn(state, arg), copied onto h (the
 * process heap if NULL). */
OT_API int ot_agent_get(ot_heap *h, ot_term agent, ot_agent_get_fn fn, ot_term arg,
                        int64_t timeout_ms, ot_term *result);

/* ot_agent_update: Agent.update. The state becomes fn(state, arg); returns
 * once it has (*result = ok). result may be NULL. */
OT_API int ot_agent_update(ot_heap *h, ot_term agent, ot_agent_update_fn fn, ot_term arg,
                           int64_t timeout_ms, ot_term *result);

/* ot_agent_get_and_update: Agent.get_and_update. *result = the reply fn
 * returns; the state becomes what it set as *new_state. */
OT_API int ot_agent_get_and_update(ot_heap *h, ot_term agent, ot_agent_get_update_fn fn,
                                   ot_term arg, int64_t timeout_ms, ot_term *result);

/* ot_agent_cast: Agent.cast. Asks for fn(state, arg) as the new state and
 * returns at once: 0 even for a dead agent (as a cast), -EINVAL for a bad
 * argument, -ENOMEM. */
OT_API int ot_agent_cast(ot_term agent, ot_agent_update_fn fn, ot_term arg);

/* ot_agent_stop: Agent.stop: ot_server_stop (reason, then wait up to
 * timeout_ms for the agent to be gone). */
OT_API int ot_agent_stop(ot_term agent, ot_term reason, int64_t timeout_ms);

#ifdef __cplusplus
}
#endif
#endif
