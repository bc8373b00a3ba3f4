/* http.c — the dashboard's HTTP server, on libmicrohttpd.
 *
 * libmicrohttpd parses HTTP and enforces the limits: at most
 * max_connections open connections (more are closed at once), request
 * line + headers within max_request_bytes (else 431 / 413), idle
 * connections closed after timeout_s, on a pool of two threads polling with
 * epoll. This file adds the dashboard's rules, checked on every request
 * before anything else happens:
 *   - methods: GET, HEAD, POST; anything else is 405;
 *   - access: with a token, the request must carry it (Authorization:
 *     Bearer, ?token= or the otter_token cookie set on the first page
 *     load), compared in constant time, else 401; without a token (the
 *     loopback default), the Host header must name a loopback host, else
 *     403 (a page of another site, re-pointed at 127.0.0.1 by DNS, cannot
 *     read the dashboard);
 *   - POST must carry X-Otter-Dashboard: 1, which a page of another
 *     origin cannot send without a CORS preflight this server never
 *     grants; its body is bounded by max_request_bytes too;
 *   - every response has the security headers (a Content-Security-Policy
 *     that allows only 'self' — plus inline styles, which Mermaid needs —,
 *     nosniff, no framing, no referrer).
 * Requests run on the server's threads; the node's processes are never
 * blocked by a slow or hostile client. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "web/web_internal.h"

/* What the page may load and talk to: only this server. Scripts come only
 * from it (no inline script, no eval: Vega runs with its expression
 * interpreter). Styles may also be inline: Mermaid lays a diagram out by
 * setting style attributes and writes a <style> into every SVG, and does
 * not work otherwise; the page inserts only Mermaid's sanitised SVG and
 * sets every other text as text. */
static const char CSP[] =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

static struct {
    struct MHD_Daemon *d;
    ot__web_dash *dash;
    _Atomic uint64_t requests, refused, rejected;
} SV;

typedef struct conn_ctx {
    ot__buf body;
    bool too_big;
    bool checked;
} conn_ctx;

void ot__web_server_stats_get(ot__web_server_stats *s)
{
    s->requests = atomic_load(&SV.requests);
    s->refused = atomic_load(&SV.refused);
    s->rejected = atomic_load(&SV.rejected);
}

static void add_security_headers(struct MHD_Response *r)
{
    MHD_add_response_header(r, "Content-Security-Policy", CSP);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
    MHD_add_response_header(r, "Permissions-Policy", "camera=(), microphone=(), geolocation=()");
}

static enum MHD_Result send_buffer(struct MHD_Connection *conn, unsigned status, const char *type,
                                   const char *data, size_t len, bool copy)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        len, (void *)data, copy ? MHD_RESPMEM_MUST_COPY : MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    add_security_headers(r);
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *conn, unsigned status, const char *what)
{
    char body[256];
    int n = snprintf(body, sizeof body, "{\"error\":\"%s\"}", what);
    return send_buffer(conn, status, "application/json", body, (size_t)n, true);
}

/* ---------------------------------------------------------------- access */

static bool ct_equal(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    unsigned char diff = (unsigned char)(na != nb);
    for (size_t i = 0; i < na; i++)
        diff |= (unsigned char)(a[i] ^ b[i < nb ? i : 0]);
    return diff == 0;
}

/* Does the request carry the token? *from_query: it came as ?token=. */
static bool token_ok(struct MHD_Connection *conn, const char *token, bool *from_query)
{
    *from_query = false;
    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    if (auth && !strncmp(auth, "Bearer ", 7) && ct_equal(auth + 7, token))
        return true;
    const char *q = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "token");
    if (q && ct_equal(q, token)) {
        *from_query = true;
        return true;
    }
    const char *c = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, "otter_token");
    return c && ct_equal(c, token);
}

/* Is the Host header a loopback name (any port)? */
static bool host_is_loopback(struct MHD_Connection *conn)
{
    const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host");
    if (!host)
        return true; /* HTTP/1.0 without Host: nothing to re-point */
    size_t n = strlen(host);
    if (host[0] == '[') {
        const char *end = strchr(host, ']');
        n = end ? (size_t)(end - host) + 1 : n;
    } else {
        const char *colon = strchr(host, ':');
        if (colon)
            n = (size_t)(colon - host);
    }
    static const char *ok[] = {"127.0.0.1", "localhost", "[::1]"};
    for (size_t i = 0; i < 3; i++)
        if (n == strlen(ok[i]) && !strncasecmp(host, ok[i], n))
            return true;
    return false;
}

/* ---------------------------------------------------------------- answers */

static enum MHD_Result serve_file(struct MHD_Connection *conn, const char *url, bool head)
{
    const char *type = NULL;
    char *path = ot__web_files_lookup(SV.dash->web_dir, url, &type);
    if (!path)
        return send_error(conn, MHD_HTTP_NOT_FOUND, "not found");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ot__free(path);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0)
            close(fd);
        return send_error(conn, MHD_HTTP_NOT_FOUND, "not found");
    }
    struct MHD_Response *r;
    if (head) {
        close(fd);
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    } else {
        r = MHD_create_response_from_fd((size_t)st.st_size, fd);
    }
    if (!r) {
        if (!head)
            close(fd);
        return MHD_NO;
    }
    add_security_headers(r);
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-cache");
    enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result serve_events(struct MHD_Connection *conn)
{
    int64_t last = -1;
    const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Last-Event-ID");
    if (!h)
        h = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "last_event_id");
    if (h && *h) {
        char *end;
        long long v = strtoll(h, &end, 10);
        if (!*end && v >= 0)
            last = v;
    }
    ot__web_client *c = ot__web_stream_open(conn, last);
    if (!c)
        return send_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "the dashboard is stopping");
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, ot__web_stream_read, c, ot__web_stream_release);
    if (!r) {
        ot__web_stream_release(c);
        return MHD_NO;
    }
    add_security_headers(r);
    MHD_add_response_header(r, "Content-Type", "text/event-stream; charset=utf-8");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Accel-Buffering", "no");
    enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result dispatch(struct MHD_Connection *conn, const char *url, const char *method,
                                conn_ctx *ctx, bool set_cookie)
{
    bool head = !strcmp(method, "HEAD");
    if (!strcmp(url, "/events") && !head && !strcmp(method, "GET"))
        return serve_events(conn);
    if (!strncmp(url, "/api/", 5)) {
        ot__web_request rq = {
            .method = head ? "GET" : method,
            .path = url,
            .conn = conn,
            .body = ctx->body.data,
            .body_len = ctx->body.len,
        };
        ot__web_reply rep = {0};
        if (!ot__web_views_handle(&rq, &rep))
            return send_error(conn, MHD_HTTP_NOT_FOUND, "no such view");
        if (!rep.body)
            return send_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        struct MHD_Response *r = MHD_create_response_from_buffer(head ? 0 : rep.len, rep.body,
                                                                 MHD_RESPMEM_MUST_COPY);
        ot__free(rep.body);
        if (!r)
            return MHD_NO;
        add_security_headers(r);
        MHD_add_response_header(r, "Content-Type", "application/json");
        MHD_add_response_header(r, "Cache-Control", "no-store");
        enum MHD_Result ret = MHD_queue_response(conn, rep.status, r);
        MHD_destroy_response(r);
        return ret;
    }
    if (strcmp(method, "POST") == 0)
        return send_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
    if (set_cookie && (!strcmp(url, "/") || !strcmp(url, "/index.html"))) {
        /* The page was opened with ?token=: keep it in a cookie that only
         * this server sees, so that the page's own requests carry it. */
        const char *type = NULL;
        char *path = ot__web_files_lookup(SV.dash->web_dir, url, &type);
        FILE *f = path ? fopen(path, "rb") : NULL;
        ot__free(path);
        if (!f)
            return send_error(conn, MHD_HTTP_NOT_FOUND, "not found");
        ot__buf b = {0};
        char chunk[8192];
        size_t n;
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
            ot__buf_add(&b, chunk, n);
        fclose(f);
        struct MHD_Response *r =
            MHD_create_response_from_buffer(head ? 0 : b.len, b.data ? b.data : (void *)"",
                                            MHD_RESPMEM_MUST_COPY);
        ot__buf_free(&b);
        if (!r)
            return MHD_NO;
        add_security_headers(r);
        char cookie[200];
        snprintf(cookie, sizeof cookie, "otter_token=%s; Path=/; HttpOnly; SameSite=Strict",
                 SV.dash->token);
        MHD_add_response_header(r, "Set-Cookie", cookie);
        MHD_add_response_header(r, "Content-Type", type);
        MHD_add_response_header(r, "Cache-Control", "no-store");
        enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
        MHD_destroy_response(r);
        return ret;
    }
    return serve_file(conn, url, head);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    (void)cls;
    (void)version;
    conn_ctx *ctx = *con_cls;
    if (!ctx) {
        ctx = ot__calloc(1, sizeof *ctx);
        if (!ctx)
            return MHD_NO;
        *con_cls = ctx;
        atomic_fetch_add(&SV.requests, 1);
        return MHD_YES; /* the body (if any) comes next */
    }
    bool set_cookie = false;
    if (!ctx->checked) {
        ctx->checked = true;
        bool post = !strcmp(method, "POST");
        if (strcmp(method, "GET") && strcmp(method, "HEAD") && !post) {
            atomic_fetch_add(&SV.rejected, 1);
            return send_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
        }
        if (SV.dash->need_token) {
            bool from_query;
            if (!token_ok(conn, SV.dash->token, &from_query)) {
                atomic_fetch_add(&SV.rejected, 1);
                return send_error(conn, MHD_HTTP_UNAUTHORIZED,
                                  "this dashboard needs its access token: open the URL it printed");
            }
            set_cookie = from_query;
        } else if (!host_is_loopback(conn)) {
            atomic_fetch_add(&SV.rejected, 1);
            return send_error(conn, MHD_HTTP_FORBIDDEN, "Host must be 127.0.0.1, localhost or [::1]");
        }
        if (post) {
            const char *x = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Otter-Dashboard");
            if (!x || strcmp(x, "1")) {
                atomic_fetch_add(&SV.rejected, 1);
                return send_error(conn, MHD_HTTP_FORBIDDEN, "POST needs the X-Otter-Dashboard: 1 header");
            }
        }
    } else if (SV.dash->need_token) {
        bool from_query;
        token_ok(conn, SV.dash->token, &from_query);
        set_cookie = from_query;
    }
    if (*upload_size) {
        if (ctx->body.len + *upload_size > SV.dash->opts.max_request_bytes)
            ctx->too_big = true;
        else
            ot__buf_add(&ctx->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (ctx->too_big) {
        atomic_fetch_add(&SV.refused, 1);
        return send_error(conn, MHD_HTTP_CONTENT_TOO_LARGE, "request body too large");
    }
    if (ctx->body.failed)
        return send_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
    return dispatch(conn, url, method, ctx, set_cookie);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode why)
{
    (void)cls;
    (void)conn;
    (void)why;
    conn_ctx *ctx = *con_cls;
    if (ctx) {
        ot__buf_free(&ctx->body);
        ot__free(ctx);
        *con_cls = NULL;
    }
}

static void on_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    (void)fmt;
    (void)ap; /* libmicrohttpd's own messages (bad requests...) are not the node's business */
}

static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t len)
{
    (void)cls;
    (void)addr;
    (void)len;
    return MHD_YES;
}

int ot__web_server_start(ot__web_dash *d)
{
    SV.dash = d;
    atomic_store(&SV.requests, 0);
    atomic_store(&SV.refused, 0);
    atomic_store(&SV.rejected, 0);
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME;
    const char *addr = d->opts.address;
    if (strchr(addr, ':')) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(d->opts.port);
        if (inet_pton(AF_INET6, addr, &s6->sin6_addr) != 1)
            return -EINVAL;
        flags |= MHD_USE_IPv6;
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons(d->opts.port);
        if (inet_pton(AF_INET, addr, &s4->sin_addr) != 1)
            return -EINVAL;
    }
    size_t mem = d->opts.max_request_bytes < 8192 ? 8192 : d->opts.max_request_bytes;
    errno = 0;
    SV.d = MHD_start_daemon(
        flags, d->opts.port, on_accept, NULL, on_request, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)2,
        MHD_OPTION_CONNECTION_LIMIT, d->opts.max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, d->loopback ? 0u : (d->opts.max_connections + 1) / 2,
        MHD_OPTION_CONNECTION_TIMEOUT, d->opts.timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, mem,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 64u,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_EXTERNAL_LOGGER, on_log, NULL,
        MHD_OPTION_END);
    if (!SV.d)
        return errno == EADDRINUSE ? -EADDRINUSE : (errno ? -errno : -EIO);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(SV.d, MHD_DAEMON_INFO_BIND_PORT);
    d->port = info ? info->port : d->opts.port;
    return 0;
}

void ot__web_server_stop(void)
{
    if (!SV.d)
        return;
    ot__web_stream_close_all();
    MHD_stop_daemon(SV.d);
    SV.d = NULL;
}
