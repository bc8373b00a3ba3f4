/* otter/dashboard.h — the live dashboard: Livebook's view of a node, served
 * over HTTP from the node itself (docs/dashboard.md).
 *
 *     const char *url;
 *     ot_dashboard_opts o = {.tour = true};
 *     if (ot_dashboard_start(&o, &url) == 0)
 *         printf("dashboard: %s\n", url);     // http://127.0.0.1:41234/
 *     ...
 *     ot_dashboard_stop();
 *
 * The page (web/dashboard/) shows the node's overview, its processes
 * (sorted, searched and paged in C, fast with a million processes), the
 * notebook's reductions-vs-memory scatter, the live memory chart (sampled
 * every 200 ms into an ot_livechart, pushed to browsers over one
 * server-sent-events stream), applications and supervision trees, ETS
 * tables, sequential traces and a form to connect to another node.
 *
 * Everything the views show comes through a data source (ot_dashboard_source):
 * a table of functions that answer the questions BEAM's introspection
 * functions answer (erlang:processes/0, process_info/2, memory/0,
 * application:which_applications/0, supervisor:which_children/1,
 * ets:all/0 ...). The local node is one source; a remote node reached over
 * the distribution is another. Switching nodes swaps the pointer, and
 * every view follows. A function left NULL (or answering -ENOTSUP) makes
 * its view say "not available" instead of failing.
 *
 * Security: the server listens on 127.0.0.1 by default. Listening on any
 * other address needs an access token, generated and printed at start when
 * none is given, and checked on every request. Connections, request sizes
 * and idle time are bounded; see docs/dashboard.md.
 *
 * One dashboard runs per OS process. ot_dashboard_start and
 * ot_dashboard_stop must be called from inside an otter process (the
 * dashboard samples memory with a listener process); the other functions
 * may be called from any thread.
 */
#ifndef OTTER_DASHBOARD_H
#define OTTER_DASHBOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otter/livechart.h"
#include "otter/term.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- data sources */

/* One process as the processes view sees it. Strings are UTF-8 and valid
 * only during the call they are passed to. */
typedef struct ot_dashboard_proc {
    ot_term pid;                 /* a pid term (immediate for local pids) */
    ot_term name;                /* registered name (an atom) or OT_NONE */
    const char *label;           /* the label, printed; NULL without one */
    const char *initial_call;    /* "mod:fun/arity" */
    const char *current_function;/* "mod:fun/arity" */
    const char *status;          /* "running", "runnable", "waiting", ... */
    uint64_t reductions;
    uint64_t memory;             /* bytes */
    uint64_t message_queue_len;
    uint64_t cpu_time_us;        /* CPU time used; 0 where unknown (BEAM) */
} ot_dashboard_proc;

/* Called once per process by ot_dashboard_source.scan; return non-zero to stop. */
typedef int (*ot_dashboard_scan_fn)(const ot_dashboard_proc *p, void *arg);

/* The questions a view may ask a node. Every function gets the source's
 * ctx, builds its answer on h (when it has one) and returns 0 or a negative
 * errno: -ENOTSUP when the node (or this build) cannot answer, -ESRCH for a
 * process that is not alive, -EINVAL for a bad argument, -ENOMEM,
 * -ETIMEDOUT/-ECONNRESET for a remote node that did not answer. The
 * answers have the shapes BEAM gives, so a remote node's answers (over
 * erpc) fit unchanged. Functions are called from the web server's threads
 * (plain threads, not processes), possibly from two at once; a source
 * that needs a process (erpc) runs the call in one and waits for it.
 * Any function may be NULL: the view says "not available". */
typedef struct ot_dashboard_source {
    const char *kind;            /* "local", "otter", "beam": shown on the page */
    void *ctx;

    /* node(): the node's name atom (nonode@nohost when not distributed). */
    ot_term (*node_name)(void *ctx);
    /* A map %{uptime_ms, schedulers, process_count, atom_count,
     * otp_release | version, long_schedules} (keys may be missing). */
    int (*system_info)(void *ctx, ot_heap *h, ot_term *out);
    /* erlang:processes(): the list of pids. */
    int (*processes)(void *ctx, ot_heap *h, ot_term *out);
    /* erlang:process_info(Pid, Keys): the [{key, value}] list; the atom
     * undefined in *out for a dead process. */
    int (*process_info)(void *ctx, ot_heap *h, ot_term pid, ot_term keys, ot_term *out);
    /* A fast walk over every process (optional): calls fn once per live
     * process. NULL: the dashboard walks processes + process_info. */
    int (*scan)(void *ctx, ot_dashboard_scan_fn fn, void *arg);
    /* erlang:memory(): [{total, N}, {processes, N}, ...]. */
    int (*memory)(void *ctx, ot_heap *h, ot_term *out);
    /* erlang:exit(Pid, kill). */
    int (*kill)(void *ctx, ot_term pid);
    /* application:which_applications(): [{App, Description, Vsn}]. */
    int (*which_applications)(void *ctx, ot_heap *h, ot_term *out);
    /* The root supervisor of a running application and its master:
     * *out = {MasterPid, RootSupervisorPid}. */
    int (*application_root)(void *ctx, ot_heap *h, ot_term app, ot_term *out);
    /* supervisor:which_children(Sup): [{Id, Child, Type, Modules}];
     * -ENOTSUP when pid is not a supervisor. */
    int (*which_children)(void *ctx, ot_heap *h, ot_term sup, ot_term *out);
    /* ets:all() with ets:info/1 of each table: a list of maps %{id, name,
     * size, memory (bytes), owner, heir, type, protection}. */
    int (*ets_tables)(void *ctx, ot_heap *h, ot_term *out);
} ot_dashboard_source;

/* ot_dashboard_local_source: the running node as a source (static; do not
 * free). Views that need modules this build does not have answer
 * -ENOTSUP. */
OT_API const ot_dashboard_source *ot_dashboard_local_source(void);

/* ot_dashboard_remote_source: another node — an otter node or a BEAM node —
 * as a source, every question asked over erpc with functions both kinds
 * answer (nothing is loaded onto it). The caller's node must be started
 * (otter/node.h) and able to connect to `node`. otter_node only labels
 * the page ("otter" or "beam"; ot_dashboard_peer_is_otter tells which). NULL
 * for a bad node or no memory. Free it with ot_dashboard_remote_source_free
 * once no dashboard uses it (ot_dashboard_set_source returns only when no
 * request reads the source it replaced). Any thread of a running runtime
 * (it starts the process that makes the calls). */
OT_API ot_dashboard_source *ot_dashboard_remote_source(ot_term node, bool otter_node);
OT_API void ot_dashboard_remote_source_free(ot_dashboard_source *src);

/* ot_dashboard_peer_is_otter: which kind of node `node` is, asked over erpc
 * (erlang:system_info(machine): "otter" on an otter node, "BEAM" on
 * Erlang/Elixir), waiting up to timeout_ms. Connects first when needed.
 * Returns 1 (otter), 0 (BEAM or another machine), or a negative errno as
 * ot_erpc_call gives (-ENOTCONN, -ETIMEDOUT, -ENOENT when this node is not
 * started, -EPERM outside a process; -EPROTO if the call raised). Call it
 * from inside a process. */
OT_API int ot_dashboard_peer_is_otter(ot_term node, int64_t timeout_ms);

/* ot_dashboard_connect_error: what to tell a person when ot_connect(node)
 * failed with rc (otter/node.h), in one line that says what to do:
 *   -ECONNREFUSED  "no node N registered with epmd on host H (is it
 *                  running, and started with -sname/-name? ...)"
 *   -EACCES        "cookie rejected by N" followed by ": " and
 *                  cookie_hint when cookie_hint is not NULL
 *   -EHOSTUNREACH  "host H of N is unknown or unreachable"
 *   -ETIMEDOUT     "N did not complete the handshake in time"
 *   -EINVAL        "cannot connect to N: short and long node names do
 *                  not mix ..."
 *   -EPROTO        "N refused the connection (distribution capabilities)"
 *   others         "cannot connect to N: <ot_strerror(rc)>"
 * node is the name as text ("name@host"). Writes at most cap bytes
 * (always NUL-terminated when cap > 0) and returns buf. Any thread. The
 * otter command and the dashboard's Connect view both use it. */
OT_API const char *ot_dashboard_connect_error(char *buf, size_t cap, const char *node, int rc,
                                         const char *cookie_hint);

/* ---------------------------------------------------------------- the server */

typedef struct ot_dashboard_opts {
    const char *address;        /* IPv4 or IPv6 address to listen on; NULL:
                                   "127.0.0.1". A non-loopback address needs
                                   a token (generated when token is NULL) */
    uint16_t port;              /* 0: any free port (see the URL) */
    const char *token;          /* access token (16..128 characters of
                                   [A-Za-z0-9_-]); NULL: none on loopback,
                                   generated elsewhere */
    bool require_token;         /* ask for a token on loopback too */
    const char *static_dir;     /* the folder holding dashboard/ and
                                   node_modules/; NULL: $OTTER_WEB_DIR, then
                                   the places docs/dashboard.md lists */
    int64_t sample_ms;          /* memory sampling interval; 0: 200 */
    size_t window;              /* points the memory chart keeps; 0: 1,000 */
    unsigned max_connections;   /* open connections at most; 0: 64 */
    unsigned timeout_s;         /* idle connection timeout; 0: 15 */
    size_t max_request_bytes;   /* request line + headers + body; 0: 16 KiB */
    bool tour;                  /* show the notebook's spike buttons and
                                   the ping/pong trace button */
    int (*action)(const char *name); /* what those buttons run: "pingpong"
                                   (record a ping/pong trace and add it
                                   with ot_dashboard_add_trace; any mode),
                                   "binary" or "ets" (the spikes; tour
                                   mode only). Called on an HTTP thread,
                                   not in a process: it should spawn the
                                   work and return 0, or a negative errno
                                   the page shows. NULL: the buttons
                                   answer "not supported" */
    bool quiet;                 /* do not print the URL on stderr */
    const ot_dashboard_source *source; /* NULL: the local node */
} ot_dashboard_opts;

/* ot_dashboard_start: starts the dashboard: the HTTP server, the memory
 * sampler (a listener process pushing :erlang.memory() in MB with `iter`
 * into the memory chart) and the event stream. On success *url (if not
 * NULL) is the page's address, with ?token=... when a token is needed,
 * valid until ot_dashboard_stop; it is also printed on stderr unless
 * opts->quiet. opts may be NULL.
 * Returns 0, or -EALREADY (one is running: of several starts at once,
 * from any threads or processes, exactly one returns 0 and the others
 * -EALREADY), -EPERM (not inside a
 * process), -EINVAL (bad address, token or option), -ENOENT (the static
 * files were not found: the message on stderr says where it looked),
 * -EADDRINUSE, -ENOMEM, or another negative errno from the socket. */
OT_API int ot_dashboard_start(const ot_dashboard_opts *opts, const char **url);

/* ot_dashboard_stop: stops the sampler and the server, closes every
 * connection and frees everything; the memory chart goes too. Returns 0,
 * or -ENOENT if no dashboard runs. Call it from a process (the one that
 * started it or another). */
OT_API int ot_dashboard_stop(void);

/* ot_dashboard_url: the running dashboard's URL (as ot_dashboard_start
 * gave it), or NULL. */
OT_API const char *ot_dashboard_url(void);

/* ot_dashboard_set_source: makes every view show `src` (NULL: the local
 * node) from the next request on, clears the memory chart (its
 * measurements start again at 0 for the new node) and tells open pages
 * to reload their views. src must stay valid until it is replaced or the
 * dashboard stops; when this returns, no request or sample reads the
 * source it replaced any more (it waits for those in flight, each bounded
 * by the source's own timeouts), so the caller may free that one. A
 * source the dashboard made itself (ot_dashboard_connect) is freed by the
 * dashboard once the last request using it is done. Returns 0, -ENOENT if
 * no dashboard runs, -ENOMEM. Any thread; from a process, the wait holds
 * its scheduler thread. */
OT_API int ot_dashboard_set_source(const ot_dashboard_source *src);

/* ot_dashboard_connect: the Connect view's action, Node.set_cookie/2 +
 * Node.connect/1 and then every view on that node. node is "name@host"
 * (at most 255 bytes; the name [A-Za-z0-9_-], the host [A-Za-z0-9._-]);
 * NULL, "" or this node's own name switch back to the local node (always
 * possible). cookie is the cookie for that node (at most 255 bytes, no
 * control characters); NULL or "" takes this node's default cookie
 * (ot_get_cookie). The cookie is set for `node` only, and takes effect at
 * the next connection: a node already connected stays connected, as in
 * Erlang. On success the dashboard shows `node` through a remote source of
 * its own (ot_dashboard_remote_source; the kind, otter or BEAM, asked with
 * ot_dashboard_peer_is_otter) and frees the source it replaces if it made
 * that one. On failure nothing changes: the dashboard keeps showing the
 * node it showed, and why (when not NULL) gets a one-line message of
 * why_cap bytes at most that says what to do (ot_dashboard_connect_error's
 * for a failed connection).
 * Returns 0, or -ENOENT (no dashboard runs), -ENOTSUP (this node is not
 * distributed: ot_node_start was not called), -EINVAL (a bad node name or
 * cookie), -EBUSY (another connect is under way), ot_connect's errors
 * (-ECONNREFUSED, -EACCES, -EHOSTUNREACH, -ETIMEDOUT, -EPROTO, -EINVAL),
 * -ENOTCONN / -ETIMEDOUT / -EPROTO when the connected node does not answer
 * the kind question, -ENOMEM, -EAGAIN. Bounded: about 12 s at most (the
 * connection set-up and one call). Any thread: outside a process the work
 * runs in a process of its own and the thread waits for it. */
OT_API int ot_dashboard_connect(const char *node, const char *cookie, char *why, size_t why_cap);

/* ot_dashboard_memory_chart: the live memory chart (spec + last `window`
 * points), for pushing from elsewhere or taking a snapshot; NULL if no
 * dashboard runs. Owned by the dashboard. */
OT_API ot_livechart *ot_dashboard_memory_chart(void);

/* ot_dashboard_add_trace: adds a recorded sequential trace (the term
 * ot_seq_trace returns; copied) to the Traces view under `title`, and
 * tells open pages. Returns the trace's number (> 0), or -ENOENT (no
 * dashboard), -EINVAL, -ENOMEM. At most 32 traces are kept: the oldest go. */
OT_API int ot_dashboard_add_trace(const char *title, ot_term trace);

/* ot_dashboard_publish: sends one event named `view` with `json` (a JSON
 * text; copied) as its data on the event stream to every open page, e.g.
 * to tell a view to refresh. Returns the event id (> 0), -ENOENT, -EINVAL,
 * -ENOMEM. */
OT_API int64_t ot_dashboard_publish(const char *view, const char *json);

#ifdef __cplusplus
}
#endif
#endif
