/* dashboard.c — the dashboard's life: start and stop, the memory sampler
 * (Kino.listen(200, ...) pushing :erlang.memory() into a live chart with
 * window 1,000, as the notebook's "Tracking memory usage" cells do), the
 * current source, the hello event, and the page's demo buttons, which run the caller's
 * actions (ot_dashboard_opts.action; the otter command's are in
 * tools/otter/demo.c). */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "base/alloc.h"
#include "otter/introspect.h"
#include "otter/node.h"
#include "otter/process.h"
#include "web/web_internal.h"


ot__web_dash *ot__web_d;
/* Serialises start, stop, source switches and the sampler's pushes. */
static pthread_mutex_t life = PTHREAD_MUTEX_INITIALIZER;

/* ---------------------------------------------------------------- the source */

/* The current source's reference (NULL: the local node) and the lock that
 * guards every reference count; src_cv wakes a switch waiting for the
 * readers of a source it does not own. Lock order: life, then src_m. */
static pthread_mutex_t src_m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t src_cv = PTHREAD_COND_INITIALIZER;
static ot__web_src_ref *cur_ref;
static ot__web_src_ref local_ref;   /* never freed; its count is kept but unused */

ot__web_src_ref *ot__web_source_hold(void)
{
    pthread_mutex_lock(&src_m);
    ot__web_src_ref *r = cur_ref;
    if (!r) {
        r = &local_ref;
        r->src = ot_dashboard_local_source();
    }
    r->refs++;
    pthread_mutex_unlock(&src_m);
    return r;
}

static void ref_free(ot__web_src_ref *r)
{
    if (r->owned)
        ot_dashboard_remote_source_free(r->owned);
    ot__free(r);
}

void ot__web_source_drop(ot__web_src_ref *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&src_m);
    bool last = --r->refs == 0 && r != &local_ref && r != cur_ref;
    bool free_it = last && r->owned;
    if (last && !r->owned)
        pthread_cond_broadcast(&src_cv);   /* a switch waits for it */
    pthread_mutex_unlock(&src_m);
    if (free_it)
        ref_free(r);
}

/* Lets go of the reference a switch (or stop) took from cur_ref: a source
 * the dashboard made goes with its last reader; a caller's source is
 * waited for until no reader is left, so the caller may free it. */
static void retire(ot__web_src_ref *old)
{
    if (!old)
        return;
    pthread_mutex_lock(&src_m);
    old->refs--;
    if (old->owned) {
        bool free_it = old->refs == 0;
        pthread_mutex_unlock(&src_m);
        if (free_it)
            ref_free(old);
        return;
    }
    while (old->refs > 0)
        pthread_cond_wait(&src_cv, &src_m);
    pthread_mutex_unlock(&src_m);
    ot__free(old);
}

/* ---------------------------------------------------------------- memory */

/* The notebook's chart: one line per category, MB over the measurement. */
static const char MEMORY_SPEC[] =
    "{\"$schema\":\"https://vega.github.io/schema/vega-lite/v6.json\","
    "\"width\":600,\"height\":400,\"padding\":20,"
    "\"data\":{\"name\":\"memory\"},"
    "\"repeat\":{\"layer\":[\"total\",\"processes\",\"atom\",\"binary\",\"code\",\"ets\"]},"
    "\"spec\":{\"mark\":\"line\",\"encoding\":{"
    "\"x\":{\"field\":\"iter\",\"type\":\"quantitative\",\"title\":\"Measurement\"},"
    "\"y\":{\"field\":{\"repeat\":\"layer\"},\"type\":\"quantitative\",\"title\":\"Memory usage (MB)\"},"
    "\"color\":{\"datum\":{\"repeat\":\"layer\"},\"type\":\"nominal\"}}}}";

/* The memory list [{total, N}, ...] as a map of MB with iter, on h. */
static ot_term memory_point(ot_heap *h, ot_term mem, int64_t iter)
{
    ot_term m = ot_build(h, "#{iter => ~l}", iter);
    for (ot_term l = mem; ot_is_list(l) && l != OT_NIL; l = ot_tl(l)) {
        ot_term kv = ot_hd(l);
        int64_t bytes;
        if (ot_is_tuple(kv) && ot_tuple_arity(kv) == 2 && ot_get_int64(ot_tuple_get(kv, 1), &bytes) == 0)
            m = ot_map_put(h, m, ot_tuple_get(kv, 0), ot_float(h, (double)bytes / 1e6));
    }
    return m;
}

static void publish_overview(ot_heap *h, const ot_dashboard_source *src, ot_term mem)
{
    ot_term info = OT_NONE;
    if (src->system_info && src->system_info(src->ctx, h, &info))
        info = OT_NONE;
    ot_term o = ot_build(h, "#{node => ~t, source => ~s}", src->node_name ? src->node_name(src->ctx) : OT_ATOM(NONODE),
                         src->kind ? src->kind : "?");
    if (ot_is_map(info))
        for (size_t i = 0; i < ot_map_size(info); i++)
            o = ot_map_put(h, o, ot_map_key(info, i), ot_map_value(info, i));
    if (mem != OT_NONE) {
        ot_term mm = ot_build(h, "#{}");
        for (ot_term l = mem; ot_is_list(l) && l != OT_NIL; l = ot_tl(l)) {
            ot_term kv = ot_hd(l);
            if (ot_is_tuple(kv) && ot_tuple_arity(kv) == 2)
                mm = ot_map_put(h, mm, ot_tuple_get(kv, 0), ot_tuple_get(kv, 1));
        }
        o = ot_map_put(h, o, OT_ATOM(MEMORY), mm);
    }
    char *j = o == OT_NONE ? NULL : ot_to_json(o, NULL);
    if (j)
        ot__web_stream_publish("overview", j);
    free(j);
}

/* One sample: runs in a listener event's process. */
static int sample(int64_t i, void *arg)
{
    (void)i;
    (void)arg;
    ot_heap *h = ot_heap_new();
    if (!h)
        return -ENOMEM;
    pthread_mutex_lock(&life);
    int rc = 0;
    if (ot__web_d) {
        /* Under life: a switch waits for this sample, so no point of the
         * previous node lands after the chart was cleared for the next. */
        ot__web_src_ref *ref = ot__web_source_hold();
        const ot_dashboard_source *src = ref->src;
        ot_term mem = OT_NONE;
        if (src->memory && src->memory(src->ctx, h, &mem) == 0) {
            int64_t iter = atomic_fetch_add(&ot__web_d->sample_iter, 1);
            rc = ot_livechart_push(ot__web_d->memory_chart, "memory", memory_point(h, mem, iter));
            /* The overview about once a second. */
            int64_t every = 1000 / (ot__web_d->sample_ms > 0 ? ot__web_d->sample_ms : 200);
            if (every < 1 || iter % every == 0)
                publish_overview(h, src, mem);
        }
        ot__web_source_drop(ref);
    }
    pthread_mutex_unlock(&life);
    ot_heap_free(h);
    return rc;
}

int ot__web_set_sample_ms(int64_t ms)
{
    if (ms < 50 || ms > 60000)
        return -EINVAL;
    pthread_mutex_lock(&life);
    if (!ot__web_d) {
        pthread_mutex_unlock(&life);
        return -ENOENT;
    }
    ot_term old = ot__web_d->sampler;
    ot_term pid = ot_listen(ms, sample, NULL);
    if (pid == OT_NONE) {
        pthread_mutex_unlock(&life);
        return -EAGAIN;
    }
    ot__web_d->sampler = pid;
    ot__web_d->sample_ms = ms;
    pthread_mutex_unlock(&life);
    ot_exit_signal(old, OT_ATOM(KILL));
    char j[64];
    snprintf(j, sizeof j, "{\"sample_ms\":%lld}", (long long)ms);
    ot__web_stream_publish("sampling", j);
    return 0;
}

/* ---------------------------------------------------------------- hello */

char *ot__web_hello_json(void)
{
    /* Called under the stream's lock: reads only what stays put while the
     * dashboard runs. */
    ot__web_dash *d = ot__web_d;
    ot__web_src_ref *ref = ot__web_source_hold();
    const ot_dashboard_source *src = ref->src;
    json_t *o = json_object();
    ot_term node = src->node_name ? src->node_name(src->ctx) : OT_ATOM(NONODE);
    const char *nt = ot_atom_text(node, NULL);
    json_object_set_new(o, "node", json_string(nt ? nt : "?"));
    json_object_set_new(o, "source", json_string(src->kind ? src->kind : "?"));
    const char *lt = ot_atom_text(ot_node(), NULL);
    json_object_set_new(o, "local_node", json_string(lt ? lt : "?"));
    json_object_set_new(o, "tour", json_boolean(d && d->opts.tour));
    json_object_set_new(o, "sample_ms", json_integer(d ? d->sample_ms : 0));
    json_object_set_new(o, "window", json_integer(d ? (json_int_t)d->opts.window : 0));
    json_t *av = json_object();
    json_object_set_new(av, "applications", json_boolean(src->which_applications != NULL));
    json_object_set_new(av, "ets", json_boolean(src->ets_tables != NULL));
    json_object_set_new(av, "diagrams", json_true());
    json_object_set_new(av, "ets_spike", json_true());
    json_object_set_new(av, "connect", json_boolean(ot_node_alive()));
    json_object_set_new(o, "available", av);
    ot__web_source_drop(ref);
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    char *r = NULL;
    if (s) {
        size_t n = strlen(s);
        r = ot__malloc(n + 1);
        if (r)
            memcpy(r, s, n + 1);
        free(s);
    }
    return r;
}

/* ---------------------------------------------------------------- actions */

/* The page's demo buttons run the caller's actions (opts.action): the
 * ping/pong trace always, the spikes in tour mode only. */
static int run_action(const char *name)
{
    ot__web_dash *d = ot__web_d;
    if (!d || !d->opts.action)
        return -ENOTSUP;
    return d->opts.action(name);
}

int ot__web_trace_pingpong(void)
{
    return run_action("pingpong");
}

int ot__web_spike(const char *kind)
{
    if (!ot__web_d || !ot__web_d->opts.tour)
        return -EPERM;
    if (strcmp(kind, "binary") && strcmp(kind, "ets"))
        return -EINVAL;
    return run_action(kind);
}

/* ---------------------------------------------------------------- start / stop */

static bool token_valid(const char *t)
{
    size_t n = strlen(t);
    if (n < 16 || n > 128)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = t[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '_'))
            return false;
    }
    return true;
}

static bool is_loopback(const char *a)
{
    return !strncmp(a, "127.", 4) || !strcmp(a, "::1");
}

/* Back to the local node when the dashboard stops (no request runs any
 * more): the dashboard's own source goes now. */
static void drop_current(void)
{
    pthread_mutex_lock(&src_m);
    ot__web_src_ref *old = cur_ref;
    cur_ref = NULL;
    pthread_mutex_unlock(&src_m);
    retire(old);
}

static void dash_free(ot__web_dash *d)
{
    if (!d)
        return;
    ot_livechart_free(d->memory_chart);
    ot__free(d->web_dir);
    ot__free(d->url);
    pthread_mutex_destroy(&d->lock);
    ot__free(d);
}

/* The options once checked, with the defaults filled in: what every later
 * step of ot_dashboard_start reads. Strings are the caller's; the
 * dashboard keeps none of them past the start. */
typedef struct dash_config {
    ot_dashboard_opts o;
    bool loopback;
    bool need_token;
} dash_config;

/* Step 1: the options, defaults filled in and checked. Touches nothing
 * shared. */
static int config_validate(const ot_dashboard_opts *opts, dash_config *c)
{
    ot_dashboard_opts o = opts ? *opts : (ot_dashboard_opts){0};
    if (!o.address)
        o.address = "127.0.0.1";
    if (!o.sample_ms)
        o.sample_ms = 200;
    if (!o.window)
        o.window = 1000;
    if (!o.max_connections)
        o.max_connections = 64;
    if (!o.timeout_s)
        o.timeout_s = 15;
    if (!o.max_request_bytes)
        o.max_request_bytes = 16 * 1024;
    if (o.sample_ms < 50 || o.sample_ms > 60000 || o.max_connections < 4 || o.max_request_bytes < 1024 ||
        o.max_request_bytes > 1024 * 1024 || strlen(o.address) > 64)
        return -EINVAL;
    if (o.token && !token_valid(o.token))
        return -EINVAL;
    c->o = o;
    c->loopback = is_loopback(o.address);
    c->need_token = !c->loopback || o.require_token || o.token;
    return 0;
}

/* The token the caller gave, or 32 random hex digits. */
static int token_make(char *out, size_t cap, const char *given)
{
    if (given) {
        snprintf(out, cap, "%s", given);
        return 0;
    }
    unsigned char raw[16];
    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
        return -EIO;
    for (size_t i = 0; i < sizeof raw && 2 * i + 3 <= cap; i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
    return 0;
}

/* A quick look before any work, so that the common case (one already
 * runs) answers -EALREADY ahead of a missing folder. Only a hint: the
 * answer that counts when starts race is dash_publish's. */
static bool dash_running(void)
{
    pthread_mutex_lock(&life);
    bool running = ot__web_d != NULL;
    pthread_mutex_unlock(&life);
    return running;
}

/* Step 2: the dashboard's record, its token, static folder and memory
 * chart, and the reference to the caller's source (NULL for the local
 * node), all private to this call until published. */
static int dash_build(const dash_config *c, ot__web_dash **out, ot__web_src_ref **ref_out)
{
    ot__web_dash *d = ot__calloc(1, sizeof *d);
    if (!d)
        return -ENOMEM;
    pthread_mutex_init(&d->lock, NULL);
    d->opts = c->o;
    d->opts.static_dir = NULL; /* not kept: the caller's string */
    d->opts.token = NULL;
    d->opts.address = NULL;
    d->sample_ms = c->o.sample_ms;
    d->loopback = c->loopback;
    d->need_token = c->need_token;
    int rc = d->need_token ? token_make(d->token, sizeof d->token, c->o.token) : 0;
    if (rc) {
        dash_free(d);
        return rc;
    }
    d->web_dir = ot__web_files_find(c->o.static_dir);
    if (!d->web_dir) {
        dash_free(d);
        return -ENOENT;
    }
    ot_heap *h = ot_heap_new();
    ot_term spec = OT_NONE;
    if (h)
        ot_from_json(h, MEMORY_SPEC, sizeof MEMORY_SPEC - 1, &spec, NULL);
    d->memory_chart = spec != OT_NONE ? ot_livechart_new(spec, c->o.window) : NULL;
    ot_heap_free(h);
    if (!d->memory_chart) {
        dash_free(d);
        return -ENOMEM;
    }
    ot__web_src_ref *ref = NULL;
    if (c->o.source) {
        ref = ot__calloc(1, sizeof *ref);
        if (!ref) {
            dash_free(d);
            return -ENOMEM;
        }
        ref->src = c->o.source;
        ref->refs = 1;
    }
    *out = d;
    *ref_out = ref;
    return 0;
}

/* Step 3: the one check-and-set. Under `life`, either no dashboard runs
 * and this one becomes the current one (its source and a fresh event
 * stream with it), or one runs (or is starting) and nothing shared was
 * touched: -EALREADY. */
static int dash_publish(ot__web_dash *d, ot__web_src_ref *ref)
{
    pthread_mutex_lock(&life);
    if (ot__web_d) {
        pthread_mutex_unlock(&life);
        return -EALREADY;
    }
    pthread_mutex_lock(&src_m);
    cur_ref = ref;
    pthread_mutex_unlock(&src_m);
    ot__web_stream_init();
    ot__web_d = d;
    pthread_mutex_unlock(&life);
    return 0;
}

/* The page's address, with the token when one is needed. */
static int url_make(ot__web_dash *d, const char *address)
{
    char buf[256];
    bool v6 = strchr(address, ':') != NULL;
    int n = snprintf(buf, sizeof buf, "http://%s%s%s:%u/", v6 ? "[" : "", address, v6 ? "]" : "",
                     (unsigned)d->port);
    if (d->need_token)
        snprintf(buf + n, sizeof buf - (size_t)n, "?token=%s", d->token);
    size_t len = strlen(buf);
    d->url = ot__malloc(len + 1);
    if (!d->url)
        return -ENOMEM;
    memcpy(d->url, buf, len + 1);
    return 0;
}

/* Step 4: the published dashboard goes live: the memory chart on the
 * event stream, the HTTP server, the URL, the sampler. */
static int dash_serve(ot__web_dash *d, const dash_config *c)
{
    int rc = ot__web_stream_attach_chart("memory", d->memory_chart);
    if (rc)
        return rc;
    d->opts.address = c->o.address; /* for the server only: the caller's */
    rc = ot__web_server_start(d);
    d->opts.address = NULL;
    if (rc)
        return rc;
    rc = url_make(d, c->o.address);
    if (rc)
        return rc;
    d->started_ms = ot_monotonic_ms();
    d->sampler = ot_listen(d->sample_ms, sample, NULL);
    return d->sampler == OT_NONE ? -EAGAIN : 0;
}

/* Undoes steps 3 and 4 after a failure in step 4. */
static void dash_unpublish(ot__web_dash *d)
{
    ot__web_server_stop();
    pthread_mutex_lock(&life);
    ot__web_d = NULL;
    pthread_mutex_unlock(&life);
    ot__web_stream_detach_charts();
    ot__web_stream_free();
    dash_free(d);
    drop_current();
}

/* Step 5: the URL (and the token) on stderr unless quiet. */
static void dash_announce(const ot__web_dash *d, const dash_config *c)
{
    if (c->o.quiet)
        return;
    fprintf(stderr, "otter dashboard: %s\n", d->url);
    if (d->need_token)
        fprintf(stderr, "otter dashboard: access token %s (needed on every request)\n", d->token);
}

int ot_dashboard_start(const ot_dashboard_opts *opts, const char **url)
{
    if (ot_schedulers() == 0)
        return -EPERM;
    dash_config c;
    int rc = config_validate(opts, &c);
    if (rc)
        return rc;
    if (dash_running())
        return -EALREADY;
    ot__web_dash *d;
    ot__web_src_ref *ref;
    rc = dash_build(&c, &d, &ref);
    if (rc)
        return rc;
    rc = dash_publish(d, ref);
    if (rc) {
        ot__free(ref);
        dash_free(d);
        return rc;
    }
    rc = dash_serve(d, &c);
    if (rc) {
        dash_unpublish(d);
        return rc;
    }
    dash_announce(d, &c);
    if (url)
        *url = d->url;
    return 0;
}

int ot_dashboard_stop(void)
{
    pthread_mutex_lock(&life);
    ot__web_dash *d = ot__web_d;
    if (!d) {
        pthread_mutex_unlock(&life);
        return -ENOENT;
    }
    ot_term sampler = d->sampler;
    pthread_mutex_unlock(&life);
    ot_exit_signal(sampler, OT_ATOM(KILL));
    ot__web_server_stop();
    /* A sample still running holds `life`: wait for it, then no more. */
    pthread_mutex_lock(&life);
    ot__web_d = NULL;
    pthread_mutex_unlock(&life);
    ot__web_stream_detach_charts();
    ot__web_stream_free();
    ot__web_traces_clear();
    ot__web_proc_forget();
    drop_current();
    dash_free(d);
    return 0;
}

const char *ot_dashboard_url(void)
{
    ot__web_dash *d = ot__web_d;
    return d ? d->url : NULL;
}

int ot__web_switch_source(const ot_dashboard_source *src, ot_dashboard_source *owned)
{
    ot__web_src_ref *nr = NULL;
    if (src && src != ot_dashboard_local_source()) {
        nr = ot__calloc(1, sizeof *nr);
        if (!nr)
            return -ENOMEM;
        nr->src = src;
        nr->owned = owned;
        nr->refs = 1;   /* cur_ref's own */
    }
    pthread_mutex_lock(&life);
    if (!ot__web_d) {
        pthread_mutex_unlock(&life);
        ot__free(nr);
        return -ENOENT;
    }
    pthread_mutex_lock(&src_m);
    ot__web_src_ref *old = cur_ref;
    cur_ref = nr;
    pthread_mutex_unlock(&src_m);
    /* No sample runs (it holds life): the chart starts over for the new
     * node, at measurement 0. */
    ot_livechart_clear(ot__web_d->memory_chart, NULL);
    atomic_store(&ot__web_d->sample_iter, 0);
    pthread_mutex_unlock(&life);
    ot__web_proc_forget();
    char *hello = ot__web_hello_json();
    ot__web_stream_publish("source", hello ? hello : "{}");
    ot__free(hello);
    retire(old);
    return 0;
}

int ot_dashboard_set_source(const ot_dashboard_source *src)
{
    return ot__web_switch_source(src, NULL);
}

ot_livechart *ot_dashboard_memory_chart(void)
{
    ot__web_dash *d = ot__web_d;
    return d ? d->memory_chart : NULL;
}

int64_t ot_dashboard_publish(const char *view, const char *json)
{
    if (!view || !json || !*view || strpbrk(view, "\r\n:") || strpbrk(json, "\r\n"))
        return -EINVAL;
    if (!ot__web_d)
        return -ENOENT;
    return ot__web_stream_publish(view, json);
}
