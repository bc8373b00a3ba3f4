/* otter/node.h — nodes: a name, a cookie, and connections to other otter
 * nodes and to real Erlang and Elixir nodes, over Erlang's own
 * distribution protocol (handshake version 6, OTP 25+) and the real epmd.
 *
 * The notebook's "Connecting to a remote node" cells in C:
 *
 *     ot_node_start("demo", OT_NODE_SHORT, NULL);     // erl -sname demo
 *     ot_print(buf, sizeof buf, ot_node(), NULL);      // node()  -> :demo@host
 *     ot_term c = ot_get_cookie();                     // Node.get_cookie()
 *     ot_set_node_cookie(ot_atom("app@host"), "secret");   // Node.set_cookie/2
 *     if (ot_connect(ot_atom("app@host")) == 0) ...    // true = Node.connect(node)
 *
 * Once started, a pid of another node works wherever a local pid does:
 * ot_send, ot_link, ot_monitor, ot_exit_signal, ot_call (include/otter/
 * process.h), and so does {name, node} for ot_send and ot_monitor. A send
 * to a node that is not connected connects first, as in Erlang; a lost
 * connection fires every link and monitor across it with `noconnection`.
 * Other nodes call into this one with erpc and rpc (include/otter/erpc.h).
 *
 * otter is a hidden node: it never speaks the `global` protocol, and BEAM
 * nodes list it under nodes(hidden). docs/distribution.md has the details:
 * capability flags, limits, and what is not supported.
 *
 * Unless said otherwise, the functions below must be called from inside a
 * process; outside one they fail with -EPERM (or return OT_NONE). Those
 * that read state (ot_node, ot_nodes, ot_get_cookie, ...) work from any
 * thread. Errors are negative errno values (ot_strerror names them).
 */
#ifndef OTTER_NODE_H
#define OTTER_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otter/term.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Short names (erl -sname: name@host, host without its domain) or long
 * names (erl -name: name@host.domain or name@address). Nodes of one kind
 * connect only to nodes of the same kind. */
typedef enum ot_node_names { OT_NODE_SHORT = 0, OT_NODE_LONG = 1 } ot_node_names;

/* Everything ot_node_start_opt accepts. Zero fields take the defaults. */
typedef struct ot_node_opts {
    const char *name;       /* "name" (the host is added) or "name@host" */
    ot_node_names names;    /* OT_NODE_SHORT or OT_NODE_LONG */
    const char *cookie;     /* NULL: ~/.erlang.cookie, created when missing */
    uint16_t port;          /* port to listen on; 0: any free port */
    unsigned ticktime_s;    /* net_ticktime: a silent peer is dropped after
                               about this many seconds; 0: 60 */
    unsigned setup_ms;      /* limit for one connection set-up (net_setuptime); 0: 7000 */
    size_t max_packet;      /* largest packet accepted from a peer, in bytes;
                               bigger ones close the connection; 0: 128 MiB */
    size_t max_depth;       /* deepest term nesting accepted; 0: 10,000 */
    bool no_epmd_daemon;    /* do not start `epmd -daemon` when none runs */
} ot_node_opts;

/* ot_node_start: makes the running otter a distributed node, as
 * `erl -sname name` / `erl -name name` do. name is "name" or
 * "name@host"; names chooses short or long names; cookie NULL takes the
 * default cookie from ~/.erlang.cookie (a file of 20 random capital
 * letters, mode 0400, is created when there is none, as erl does).
 * Starts `epmd -daemon` if no epmd answers on 127.0.0.1 (port
 * $ERL_EPMD_PORT or 4369), listens on a TCP port, registers it with epmd
 * and takes the creation epmd returns for this node's pids and references.
 * Pids already handed out keep working and now carry the node's name.
 * Returns 0, -EEXIST if the node is already started, -EADDRINUSE if epmd
 * has a node of that name, -EINVAL for a bad name or cookie, -EACCES if the
 * cookie file is unreadable or not private, -ECONNREFUSED if no epmd can
 * be reached, -EPERM outside a process, -ENOMEM. */
OT_API int ot_node_start(const char *name, ot_node_names names, const char *cookie);
/* ot_node_start_opt: as ot_node_start, with every option. */
OT_API int ot_node_start_opt(const ot_node_opts *opts);

/* ot_node_stop: closes every connection (links and monitors across them
 * fire with noconnection), unregisters from epmd, stops listening, and
 * makes the node nonode@nohost again. Returns 0, or -ENOENT if the node
 * was not started. The runtime also does this when ot_run returns. */
OT_API int ot_node_stop(void);

/* ot_node_await_signal: waits (without blocking a scheduler) until the OS
 * process receives SIGINT or SIGTERM, and returns the signal number; what
 * `otter node` runs before ot_node_stop. Installs handlers for both
 * signals the first time. Returns a negative errno on failure. */
OT_API int ot_node_await_signal(void);

/* ot_node: this node's name, node(): an atom such as demo@host, or
 * nonode@nohost when not started. Any thread. */
OT_API ot_term ot_node(void);
/* ot_node_alive: is_alive(): is the node started? Any thread. */
OT_API bool ot_node_alive(void);
/* ot_node_port: the TCP port the node listens on, 0 when not started. */
OT_API int ot_node_port(void);
/* ot_node_creation: the creation epmd gave this node, 0 when not started. */
OT_API uint32_t ot_node_creation(void);

/* ---------------------------------------------------------------- cookies */

/* ot_get_cookie: erlang:get_cookie(): the node's cookie as an atom, or
 * `nocookie` when the node is not started. Any thread. */
OT_API ot_term ot_get_cookie(void);
/* ot_set_cookie: erlang:set_cookie(Cookie): the cookie used with every
 * node that has none of its own. Returns 0, -EINVAL for an empty or
 * over-long cookie (255 bytes at most) or one with control characters,
 * -ENOENT if the node is not started. Any thread. */
OT_API int ot_set_cookie(const char *cookie);
/* ot_get_node_cookie: erlang:get_cookie(Node): the cookie used with node
 * (its own, or the node's default), as an atom; OT_NONE for a bad node. */
OT_API ot_term ot_get_node_cookie(ot_term node);
/* ot_set_node_cookie: erlang:set_cookie(Node, Cookie), Node.set_cookie/2:
 * the cookie for connections to and from node only. Takes effect at the
 * next connection. Returns 0, -EINVAL, -ENOENT (not started), -ENOMEM. */
OT_API int ot_set_node_cookie(ot_term node, const char *cookie);

/* ---------------------------------------------------------------- connections */

/* ot_connect: net_kernel:connect_node(Node), Node.connect/1: connects to
 * node (an otter node or a BEAM node) unless already connected, and waits
 * for the handshake. Returns 0 when connected; -EINVAL for a name without
 * '@' or of the other kind (short/long); -EHOSTUNREACH if the host is
 * unknown; -ECONNREFUSED if epmd there does not know the node or it does
 * not answer; -EACCES if the cookies differ (refused, logged on both
 * sides); -EPROTO if the peer refuses otter's capabilities; -ETIMEDOUT
 * after opts.setup_ms; -ENOENT if this node is not started; -EPERM
 * outside a process. */
OT_API int ot_connect(ot_term node);
/* ot_disconnect: erlang:disconnect_node(Node): closes the connection;
 * links and monitors across it fire with noconnection. Returns 0 or
 * -ENOTCONN if not connected. Any thread. */
OT_API int ot_disconnect(ot_term node);
/* ot_nodes: the connected nodes, as a list built on h. erlang:nodes/0 on
 * BEAM lists only visible nodes; every connection of a hidden node is
 * hidden, so this is what nodes(connected) would say. Any thread. */
OT_API ot_term ot_nodes(ot_heap *h);
/* ot_is_connected: is there an established connection to node? */
OT_API bool ot_is_connected(ot_term node);

/* ot_monitor_node: erlang:monitor_node(Node, Flag). With on, the caller
 * gets {nodedown, node} when the connection to node goes down (or at once
 * if it cannot be made: a connection is attempted first, as in Erlang);
 * each call adds one monitor. With !on, one monitor is removed. Returns 0,
 * -EINVAL for a bad node, -ENOENT if this node is not started. */
OT_API int ot_monitor_node(ot_term node, bool on);

/* ot_net_ticktime / ot_set_net_ticktime: net_kernel:get_net_ticktime():
 * seconds. A tick is sent after a quarter of it without traffic; a peer
 * silent for the whole of it is disconnected. Setting takes effect on each
 * connection's next tick. Returns 0 or -EINVAL (0, or over 3600). */
OT_API unsigned ot_net_ticktime(void);
OT_API int ot_set_net_ticktime(unsigned seconds);

/* ot_conn_stats: counters of one connection, for introspection. */
typedef struct ot_conn_stats {
    uint64_t packets_in, packets_out, bytes_in, bytes_out;
    uint64_t peer_flags;       /* capability flags the peer announced */
    uint32_t peer_creation;
    int64_t up_since_ms;       /* ot_monotonic_ms() when it came up */
} ot_conn_stats;
/* ot_conn_stats_get: fills *st for the connection to node. Returns 0, or
 * -ENOTCONN. Any thread. */
OT_API int ot_conn_stats_get(ot_term node, ot_conn_stats *st);

#ifdef __cplusplus
}
#endif
#endif
