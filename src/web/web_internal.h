/* web_internal.h — the dashboard's parts and how they meet.
 *
 *   http.c        the HTTP server (libmicrohttpd): limits, access token,
 *                 security headers, routing to the views and static files
 *   stream.c      the one server-sent-events stream: a ring of recent
 *                 events with ids (Last-Event-ID), the live charts' mirror
 *                 that a newly opened page starts from
 *   files.c       finding web/ at run time and the whitelist of files served
 *   proctable.c   the processes view: one walk over every process, search,
 *                 sort and top-N in C, paging, reductions' change; the
 *                 scatter's points or bins
 *   views.c       the JSON endpoints, one per view
 *   local.c       the local node as an ot_dashboard_source (its fast walk is
 *                 introspect's ot__proc_scan)
 *   traces.c      the Traces view's recorded traces
 *   dashboard.c   start/stop, the memory sampler, the current source, the
 *                 hello event, the demo buttons
 *
 * Internal names: ot__web_* (the library's ot__ prefix). */
#ifndef OTTER_WEB_INTERNAL_H
#define OTTER_WEB_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "otter/dashboard.h"
#include "base/buf.h"

struct MHD_Connection;

/* ---------------------------------------------------------------- stream */

/* ot__web_stream_init / ot__web_stream_close_all / ot__web_stream_free: the
 * event ring. close_all ends every open stream (their readers return end
 * of stream) and waits until none is suspended, so the HTTP daemon can be
 * stopped. */
int ot__web_stream_init(void);
void ot__web_stream_close_all(void);
void ot__web_stream_free(void);

/* ot__web_stream_publish: appends an event `name` with data `json` (one line of
 * JSON) to the ring and wakes every waiting stream. Returns its id > 0 or
 * -ENOMEM. Any thread. */
int64_t ot__web_stream_publish(const char *name, const char *json);

/* ot__web_stream_attach_chart: mirrors chart `id` (spec + kept points) so that
 * new streams start with it, and publishes its pushes as `chart` events.
 * Returns 0 or a negative errno. ot__web_stream_detach_charts undoes them all. */
int ot__web_stream_attach_chart(const char *id, ot_livechart *c);
void ot__web_stream_detach_charts(void);

/* One open event stream (an HTTP response being written). */
typedef struct ot__web_client ot__web_client;
/* ot__web_stream_open: a stream for connection conn; last_event_id < 0: a new
 * page (it gets hello + the charts' state first), else a reconnect. */
ot__web_client *ot__web_stream_open(struct MHD_Connection *conn, int64_t last_event_id);
/* The libmicrohttpd content reader and free callbacks of a stream. */
ssize_t ot__web_stream_read(void *cls, uint64_t pos, char *buf, size_t max);
void ot__web_stream_release(void *cls);
/* ot__web_stream_clients: open streams now. */
size_t ot__web_stream_clients(void);

/* What a new page is told first (dashboard.c fills it in). */
char *ot__web_hello_json(void);

/* ---------------------------------------------------------------- files */

/* ot__web_files_find: the web folder: opts_dir, else $OTTER_WEB_DIR, else the
 * built-in candidates. Returns a new string (ot__free) or NULL with the
 * places tried written to stderr. Every whitelisted file must exist. */
char *ot__web_files_find(const char *opts_dir);
/* ot__web_files_lookup: the file behind URL path `url` ("/", "/app.js",
 * "/vendor/vega.min.js", ...) under root, and its content type. Returns
 * a new path (ot__free) or NULL for a path not served. */
char *ot__web_files_lookup(const char *root, const char *url, const char **content_type);

/* ---------------------------------------------------------------- processes */

enum ot__web_col {
    OW_COL_PID, OW_COL_NAME, OW_COL_INITIAL_CALL, OW_COL_REDUCTIONS, OW_COL_REDS_DELTA,
    OW_COL_MEMORY, OW_COL_MQ, OW_COL_CPU, OW_COL_STATUS, OW_COL_CURRENT, OW_COL_COUNT
};
/* ot__web_col_parse: the column named s ("memory", "reductions", ...); -1. */
int ot__web_col_parse(const char *s);
const char *ot__web_col_name(int col);

typedef struct ot__web_proc_query {
    int sort;            /* enum ot__web_col */
    bool desc;
    size_t offset, limit;
    const char *search;  /* case-insensitive substring of pid, name, label,
                            initial call or current function; NULL: all */
} ot__web_proc_query;

/* ot__web_proc_table: answers q from src as a JSON object
 * {total, matched, offset, limit, sort, dir, interval_ms, took_us, rows}.
 * Returns 0 with *out (json_decref) or a negative errno. */
int ot__web_proc_table(const ot_dashboard_source *src, const ot__web_proc_query *q, json_t **out);
/* ot__web_proc_scatter: the notebook's scatter data: every process as
 * {pid, reductions, memory, status} up to max_points, binned on log
 * scales (4 bins a decade) above it: {mode, total, values | bins}. */
int ot__web_proc_scatter(const ot_dashboard_source *src, size_t max_points, json_t **out);
/* ot__web_proc_walk: calls fn for every process of src, by its fast walk or by
 * processes + process_info. */
int ot__web_proc_walk(const ot_dashboard_source *src, ot_dashboard_scan_fn fn, void *arg);
/* ot__web_proc_forget: drops the reductions kept for the change column (the
 * source changed). */
void ot__web_proc_forget(void);

/* ---------------------------------------------------------------- views */

/* A JSON endpoint's answer. */
typedef struct ot__web_reply {
    unsigned status;     /* HTTP status */
    char *body;          /* JSON text (ot__free'd by the server) */
    size_t len;
} ot__web_reply;

/* A request as the views see it. */
typedef struct ot__web_request {
    const char *method;  /* "GET" or "POST" */
    const char *path;    /* "/api/processes" */
    struct MHD_Connection *conn;
    const char *body;    /* POST body (NUL-terminated) or NULL */
    size_t body_len;
} ot__web_request;

/* ot__web_views_handle: answers an /api/ request; false if no view has path. */
bool ot__web_views_handle(const ot__web_request *rq, ot__web_reply *out);
/* ot__web_arg: a query-string argument of the request or NULL. */
const char *ot__web_arg(const ot__web_request *rq, const char *key);

/* ot__web_term_text: t printed in Elixir syntax (limit: items per collection)
 * as a new jansson string; "" on failure. */
json_t *ot__web_term_text(ot_term t, size_t limit);
/* ot__web_pid_parse: "<0.12.0>", "#PID<0.12.0>" or "0.12.0" as a pid of this
 * node, or "<N.12.0>" as one of `node` (the shown remote node, connected;
 * N is its atom as pids print it), on h. OT_NONE if malformed or of
 * another node. */
ot_term ot__web_pid_parse(ot_heap *h, const char *s, ot_term node);

/* ot__web_in_process: runs fn in a new process (for questions that need one,
 * such as supervisor:which_children) and waits up to timeout_ms; the
 * answer is copied onto h. Any thread. Returns fn's result, -ETIMEDOUT
 * (the answer, if it comes, is dropped), -EAGAIN, -ENOMEM (local.c). */
int ot__web_in_process(int (*fn)(ot_heap *h, void *arg, ot_term *out), void *arg, ot_heap *h,
                  ot_term *out, int64_t timeout_ms);

/* ---------------------------------------------------------------- dashboard */

/* The running dashboard's shared state (dashboard.c). */
typedef struct ot__web_dash {
    pthread_mutex_t lock;
    const ot_dashboard_source *source;   /* current source (under lock) */
    ot_dashboard_opts opts;
    char *web_dir;
    char *url;
    char token[129];                /* "" when no token is needed */
    bool need_token;
    bool loopback;
    uint16_t port;
    ot_livechart *memory_chart;
    ot_term sampler;                /* listener pid */
    int64_t sample_ms;
    int64_t started_ms;
    _Atomic int64_t sample_iter;
} ot__web_dash;

extern ot__web_dash *ot__web_d;

/* The current source, held by what reads it. A request (or a sample) holds
 * the source for as long as it uses it; switching sources waits for (or,
 * for a source the dashboard made, defers the free until) the last drop. */
typedef struct ot__web_src_ref {
    const ot_dashboard_source *src;      /* never NULL */
    ot_dashboard_source *owned;          /* the dashboard's own (Connect): freed
                                       with the last reference; else NULL */
    int refs;                       /* under the dashboard's source lock */
} ot__web_src_ref;

/* ot__web_source_hold: the current source (the local node when none was set),
 * held until ot__web_source_drop. Never NULL. Any thread. */
ot__web_src_ref *ot__web_source_hold(void);
void ot__web_source_drop(ot__web_src_ref *r);

/* What the Connect view says on a node that is not distributed. */
#define OW_NOT_DISTRIBUTED \
    "not available: start this node with a name (--sname) to connect to others"

/* ot__web_switch_source: what ot_dashboard_set_source does; owned (== src or
 * NULL) is a source the dashboard made and frees once unused. */
int ot__web_switch_source(const ot_dashboard_source *src, ot_dashboard_source *owned);

/* The Traces view (traces.c); ot__web_traces_clear drops every trace (stop). */
json_t *ot__web_traces_json(void);
void ot__web_traces_clear(void);
int ot__web_trace_pingpong(void);        /* opts.action("pingpong"); -ENOTSUP without one */
int ot__web_spike(const char *kind);     /* "binary" or "ets" (tour mode only: -EPERM); -ENOTSUP, -EINVAL */
int ot__web_set_sample_ms(int64_t ms);   /* changes the sampling interval */

/* The HTTP server (http.c). */
int ot__web_server_start(ot__web_dash *d);
void ot__web_server_stop(void);
/* ot__web_server_stats: connections seen, refused (limits), rejected (token,
 * host, method) — for the tests and the overview. */
typedef struct ot__web_server_stats {
    uint64_t requests, refused, rejected;
} ot__web_server_stats;
void ot__web_server_stats_get(ot__web_server_stats *s);

#endif
