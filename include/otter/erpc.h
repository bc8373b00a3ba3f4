/* otter/erpc.h — calls between nodes: serving erpc and rpc to other
 * nodes with C functions registered by module, function and arity, and
 * calling functions on other nodes (otter or BEAM) as erpc:call does.
 *
 * Serving: a BEAM node's
 *     :erpc.call(:"demo@host", Process, :list, [])
 *     :rpc.call(:"demo@host", :erlang, :memory, [])
 * reaches the C function registered for {'Elixir.Process', list, 0} or
 * {erlang, memory, 0}, run in a process of its own on this node. The
 * introspection functions the notebook and observers call are built in
 * (docs/distribution.md lists them); an unknown function answers `undef`
 * exactly as BEAM does ({:exception, :undef, [{m, f, args, []}]}).
 *
 *     static ot_rpc_class add(ot_heap *h, ot_term args, ot_term *result, void *arg) {
 *         int64_t a, b;
 *         if (ot_get_int64(ot_hd(args), &a) || ot_get_int64(ot_hd(ot_tl(args)), &b)) {
 *             *result = ot_atom("badarith");
 *             return OT_RPC_ERROR;
 *         }
 *         *result = ot_int(h, a + b);
 *         return OT_RPC_RETURN;
 *     }
 *     ot_rpc_register("calc", "add", 2, add, NULL);   // :erpc.call(n, :calc, :add, [1, 2]) = 3
 *
 * Calling out: ot_erpc_call(h, node, m, f, args, timeout, &result) is
 * erpc:call/5 from C, against BEAM and otter nodes alike.
 */
#ifndef OTTER_ERPC_H
#define OTTER_ERPC_H

#include <stdint.h>

#include "otter/process.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How a call ended, as Erlang's try ... catch Class:Reason sees it. */
typedef enum ot_rpc_class {
    OT_RPC_RETURN = 0,   /* returned *result */
    OT_RPC_THROW = 1,    /* throw(*result) */
    OT_RPC_EXIT = 2,     /* exit(*result) */
    OT_RPC_ERROR = 3     /* error(*result) */
} ot_rpc_class;

/* A function other nodes may call. args is the proper list of its
 * arguments (as many as the arity it was registered with); it builds its
 * result (or the reason it raises) on h and stores it in *result. It runs
 * in a process of its own, one per call, so it may wait, receive, call
 * servers (ot_call) and so on; if it exits its process instead of
 * returning, the caller sees that exit as erpc does a process killed
 * mid-call ({:signal, reason}). For OT_RPC_ERROR the caller sees
 * {:exception, reason, [{module, function, args, []}]}. */
typedef ot_rpc_class (*ot_rpc_fn)(ot_heap *h, ot_term args, ot_term *result, void *arg);

/* ot_rpc_register: makes module:function/arity callable by other nodes
 * (through erpc, rpc and spawn requests) and by ot_rpc_apply. Replaces an
 * earlier registration of the same function, built-ins included. Strings
 * are atom texts (UTF-8, at most 255 characters). arg is passed to fn.
 * Returns 0, -EINVAL (a NULL or bad name, arity over 255), -ENOMEM. Any
 * thread. */
OT_API int ot_rpc_register(const char *module, const char *function, unsigned arity,
                           ot_rpc_fn fn, void *arg);
/* ot_rpc_unregister: removes a registration. Returns 0 or -ENOENT. */
OT_API int ot_rpc_unregister(const char *module, const char *function, unsigned arity);
/* ot_rpc_registered: the registered functions as a list of
 * {module, function, arity}, built on h, in no particular order. */
OT_API ot_term ot_rpc_registered(ot_heap *h);

/* ot_rpc_apply: calls the registered module:function with the argument
 * list args in the calling process, as a remote caller would reach it.
 * Returns the class; *result (on h) is the value or reason. An unknown
 * function gives OT_RPC_ERROR with reason undef; a bad args (not a proper
 * list) OT_RPC_ERROR with badarg. */
OT_API ot_rpc_class ot_rpc_apply(ot_heap *h, ot_term module, ot_term function, ot_term args,
                                 ot_term *result);

/* ot_erpc_call: erpc:call(Node, Module, Function, Args, Timeout): runs
 * module:function(args...) on node — a BEAM node or an otter node — and
 * waits up to timeout_ms (OT_INFINITY: forever) for the outcome. Connects
 * first when needed. On this node itself, calls ot_rpc_apply.
 * Returns, with *result on h (the process heap if h is NULL):
 *   0              the function returned; *result is the value
 *   OT_RPC_THROW   it threw; *result is the thrown value
 *   OT_RPC_EXIT    it exited; *result is the reason (erpc raises
 *                  exit({exception, Reason}))
 *   OT_RPC_ERROR   it raised an error; *result is {Reason, Stack} (erpc
 *                  raises error({exception, Reason, Stack}))
 *   -ENOTCONN      the node could not be reached or went down: noconnection
 *   -ETIMEDOUT     no answer in time: timeout (the request is abandoned)
 *   -ENOTSUP       the node cannot serve erpc: notsup
 *   -ECONNABORTED  the process running the call was killed; *result is the
 *                  exit signal's reason (erpc raises exit({signal, R}))
 *   -EPROTO        the node refused the request for another reason; *result
 *                  is the atom it gave (erpc raises error({erpc, Atom}))
 *   -EINVAL        bad arguments: badarg
 *   -ENOENT        this node is not started; -EPERM outside a process;
 *   -ENOMEM        out of memory
 * Messages already in the caller's mailbox stay there, in order. */
OT_API int ot_erpc_call(ot_heap *h, ot_term node, ot_term module, ot_term function, ot_term args,
                        int64_t timeout_ms, ot_term *result);

/* ot_spawn_remote: spawn(Node, Module, Function, Args), Node.spawn/4:
 * starts module:function(args) in a new process on node and returns its
 * pid (built on h, or the process heap if h is NULL). On an otter node the
 * function must be registered (ot_rpc_register); its result is dropped
 * and the process exits normal (or with the reason it raised). Returns
 * OT_NONE if the node cannot be reached or refuses; *err (may be NULL)
 * then holds a negative errno as for ot_erpc_call. */
OT_API ot_term ot_spawn_remote(ot_heap *h, ot_term node, ot_term module, ot_term function,
                               ot_term args, int *err);

#ifdef __cplusplus
}
#endif
#endif
