/* stream.c — the dashboard's one server-sent-events stream.
 *
 * Every live update of every view travels here, as an event whose name
 * says what it is for (`chart`, `overview`, `traces`, `source`, ...): a
 * browser keeps one HTTP/1.1 connection for all of them (browsers allow
 * about six per host). Events get increasing ids and the last 1,024 stay
 * in a ring, so a page that reconnects with Last-Event-ID gets exactly
 * what it missed; one that missed more than the ring holds, or a new page,
 * starts from the state instead: a hello event, then each live chart's
 * spec and the points it keeps (a mirror of the chart, updated under the
 * same lock as the ring, so that no push is lost or seen twice).
 *
 * A stream with nothing to send suspends its connection (libmicrohttpd
 * then neither polls nor times it out); a publish resumes it. */
#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "web/web_internal.h"

#define RING 1024
#define MAX_CHARTS 4
#define MAX_SETS 8

/* ---------------------------------------------------------------- state */

typedef struct event {
    int64_t id;
    char *text;             /* "id: N\nevent: X\ndata: J\n\n" */
    size_t len;
} event;

typedef struct mirror_set {
    char *name;
    char **points;          /* JSON texts, a ring of `window` (or growing) */
    size_t cap, start, n;
    size_t window;          /* as last pushed; 0: no limit */
} mirror_set;

typedef struct chart {
    char id[32];
    ot_livechart *c;
    int sub;
    char *spec;             /* JSON */
    mirror_set sets[MAX_SETS];
    size_t nsets;
} chart;

struct ot__web_client {
    struct MHD_Connection *conn;
    int64_t last_id;        /* last event id written */
    bool init;              /* the start state is still to be written */
    bool suspended;
    bool closing;
    ot__buf out;             /* bytes to write */
    size_t off;
    ot__web_client *next;
};

static struct {
    pthread_mutex_t lock;
    bool ready;
    event ring[RING];
    int64_t first_id;       /* id of the first event of this run */
    int64_t next_id;
    chart charts[MAX_CHARTS];
    size_t ncharts;
    ot__web_client *clients;
    size_t nclients;
    bool closing;
} S = {.lock = PTHREAD_MUTEX_INITIALIZER};

int ot__web_stream_init(void)
{
    pthread_mutex_lock(&S.lock);
    /* Ids start from the wall clock in microseconds, so that a page that
     * reconnects to a restarted node does not take its ids for old ones. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    S.first_id = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
    S.next_id = S.first_id;
    S.closing = false;
    S.ready = true;
    pthread_mutex_unlock(&S.lock);
    return 0;
}

/* The oldest id still in the ring. Under S.lock. */
static int64_t oldest_id(void)
{
    int64_t n = S.next_id - S.first_id;
    return n > RING ? S.next_id - RING : S.first_id;
}

static void wake_all(void)
{
    for (ot__web_client *c = S.clients; c; c = c->next) {
        if (c->suspended) {
            c->suspended = false;
            MHD_resume_connection(c->conn);
        }
    }
}

/* Appends an event; under S.lock. */
static int64_t publish_locked(const char *name, const char *json)
{
    if (!S.ready || S.closing)
        return -ENOENT;
    int64_t id = S.next_id;
    ot__buf b = {0};
    ot__buf_printf(&b, "id: %lld\nevent: %s\ndata: %s\n\n", (long long)id, name, json);
    if (b.failed) {
        ot__buf_free(&b);
        return -ENOMEM;
    }
    event *e = &S.ring[(uint64_t)id % RING];
    ot__free(e->text);
    e->id = id;
    e->text = b.data;
    e->len = b.len;
    S.next_id++;
    wake_all();
    return id;
}

int64_t ot__web_stream_publish(const char *name, const char *json)
{
    if (!name || !json)
        return -EINVAL;
    pthread_mutex_lock(&S.lock);
    int64_t id = publish_locked(name, json);
    pthread_mutex_unlock(&S.lock);
    return id;
}

/* ---------------------------------------------------------------- chart mirror */

static mirror_set *mirror_set_for(chart *ch, const char *name)
{
    for (size_t i = 0; i < ch->nsets; i++)
        if (!strcmp(ch->sets[i].name, name))
            return &ch->sets[i];
    if (ch->nsets == MAX_SETS)
        return NULL;
    mirror_set *s = &ch->sets[ch->nsets];
    memset(s, 0, sizeof *s);
    size_t n = strlen(name);
    s->name = ot__malloc(n + 1);
    if (!s->name)
        return NULL;
    memcpy(s->name, name, n + 1);
    ch->nsets++;
    return s;
}

static void mirror_clear(mirror_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        ot__free(s->points[(s->start + i) % s->cap]);
    s->start = s->n = 0;
}

/* Keeps the last `window` points (0: all), as the chart does. */
static void mirror_push(mirror_set *s, char *json, size_t window)
{
    if (window != s->window && window) {
        /* A new window: keep the newest that fit, in a ring of that size. */
        while (s->n > 0 && s->n >= window) {
            ot__free(s->points[s->start]);
            s->start = (s->start + 1) % s->cap;
            s->n--;
        }
    }
    s->window = window;
    size_t want = window ? window : (s->n + 1 > s->cap ? (s->cap ? s->cap * 2 : 64) : s->cap);
    if (want != s->cap) {
        char **np = ot__calloc(want, sizeof *np);
        if (!np) {
            ot__free(json);
            return;
        }
        size_t keep = s->n < want ? s->n : want;
        for (size_t i = 0; i < s->n; i++) {
            char *p = s->points[(s->start + i) % s->cap];
            if (i < s->n - keep)
                ot__free(p);
            else
                np[i - (s->n - keep)] = p;
        }
        ot__free(s->points);
        s->points = np;
        s->cap = want;
        s->start = 0;
        s->n = keep;
    }
    if (s->n == s->cap) {
        ot__free(s->points[s->start]);
        s->points[s->start] = json;
        s->start = (s->start + 1) % s->cap;
    } else {
        s->points[(s->start + s->n) % s->cap] = json;
        s->n++;
    }
}

/* ot_to_json into an ot__malloc'd copy. */
static char *term_json(ot_term t)
{
    size_t n;
    char *j = ot_to_json(t, &n);
    if (!j)
        return NULL;
    char *c = ot__malloc(n + 1);
    if (c)
        memcpy(c, j, n + 1);
    free(j);
    return c;
}

/* The livechart's subscriber: runs under the chart's lock, takes S.lock. */
static void on_chart(ot_live_event ev, const char *dataset, ot_term rows, size_t window, void *arg)
{
    chart *ch = arg;
    pthread_mutex_lock(&S.lock);
    ot__buf b = {0};
    if (ev == OT_LIVE_SPEC) {
        char *spec = term_json(rows);
        if (spec) {
            ot__free(ch->spec);
            ch->spec = spec;
            ot__buf_printf(&b, "{\"chart\":\"%s\",\"kind\":\"spec\",\"spec\":%s}", ch->id, spec);
        }
    } else if (ev == OT_LIVE_CLEAR) {
        for (size_t i = 0; i < ch->nsets; i++)
            if (!dataset || !strcmp(ch->sets[i].name, dataset))
                mirror_clear(&ch->sets[i]);
        if (dataset)
            ot__buf_printf(&b, "{\"chart\":\"%s\",\"kind\":\"clear\",\"dataset\":\"%s\"}", ch->id,
                          dataset);
        else
            ot__buf_printf(&b, "{\"chart\":\"%s\",\"kind\":\"clear\",\"dataset\":null}", ch->id);
    } else {
        mirror_set *s = dataset ? mirror_set_for(ch, dataset) : NULL;
        ot__buf_printf(&b, "{\"chart\":\"%s\",\"kind\":\"push\",\"dataset\":\"%s\",\"window\":%zu,\"rows\":[",
                      ch->id, dataset ? dataset : "", window);
        bool first = true;
        for (ot_term l = rows; ot_is_list(l) && l != OT_NIL; l = ot_tl(l)) {
            char *j = term_json(ot_hd(l));
            if (!j)
                continue;
            if (!first)
                ot__buf_puts(&b, ",");
            ot__buf_puts(&b, j);
            first = false;
            if (s)
                mirror_push(s, j, window);
            else
                ot__free(j);
        }
        ot__buf_puts(&b, "]}");
    }
    if (b.len && !b.failed)
        publish_locked("chart", b.data);
    ot__buf_free(&b);
    pthread_mutex_unlock(&S.lock);
}

int ot__web_stream_attach_chart(const char *id, ot_livechart *c)
{
    if (!id || !c || strlen(id) >= sizeof S.charts[0].id)
        return -EINVAL;
    pthread_mutex_lock(&S.lock);
    if (S.ncharts == MAX_CHARTS) {
        pthread_mutex_unlock(&S.lock);
        return -ENOSPC;
    }
    chart *ch = &S.charts[S.ncharts++];
    memset(ch, 0, sizeof *ch);
    snprintf(ch->id, sizeof ch->id, "%s", id);
    ch->c = c;
    pthread_mutex_unlock(&S.lock);
    /* The first calls (spec, kept points) come before subscribe returns. */
    int sub = ot_livechart_subscribe(c, on_chart, ch);
    if (sub < 0)
        return sub;
    pthread_mutex_lock(&S.lock);
    ch->sub = sub;
    pthread_mutex_unlock(&S.lock);
    return 0;
}

void ot__web_stream_detach_charts(void)
{
    for (size_t i = 0; i < S.ncharts; i++) {
        chart *ch = &S.charts[i];
        if (ch->sub > 0)
            ot_livechart_unsubscribe(ch->c, ch->sub);
    }
    pthread_mutex_lock(&S.lock);
    for (size_t i = 0; i < S.ncharts; i++) {
        chart *ch = &S.charts[i];
        for (size_t k = 0; k < ch->nsets; k++) {
            mirror_clear(&ch->sets[k]);
            ot__free(ch->sets[k].points);
            ot__free(ch->sets[k].name);
        }
        ot__free(ch->spec);
        memset(ch, 0, sizeof *ch);
    }
    S.ncharts = 0;
    pthread_mutex_unlock(&S.lock);
}

/* ---------------------------------------------------------------- streams */

/* What a new page is sent first. Under S.lock. */
static void write_start(ot__web_client *c)
{
    int64_t head = S.next_id - 1;
    char *hello = ot__web_hello_json();
    ot__buf_printf(&c->out, "retry: 2000\nid: %lld\nevent: hello\ndata: %s\n\n", (long long)head,
                  hello ? hello : "{}");
    ot__free(hello);
    for (size_t i = 0; i < S.ncharts; i++) {
        chart *ch = &S.charts[i];
        if (!ch->spec)
            continue;
        ot__buf_printf(&c->out, "event: chart\ndata: {\"chart\":\"%s\",\"kind\":\"spec\",\"spec\":%s}\n\n",
                      ch->id, ch->spec);
        for (size_t k = 0; k < ch->nsets; k++) {
            mirror_set *s = &ch->sets[k];
            ot__buf_printf(&c->out,
                          "event: chart\ndata: {\"chart\":\"%s\",\"kind\":\"reset\",\"dataset\":\"%s\","
                          "\"window\":%zu,\"rows\":[",
                          ch->id, s->name, s->window);
            for (size_t j = 0; j < s->n; j++) {
                if (j)
                    ot__buf_puts(&c->out, ",");
                ot__buf_puts(&c->out, s->points[(s->start + j) % s->cap]);
            }
            ot__buf_puts(&c->out, "]}\n\n");
        }
    }
    c->last_id = head;
}

ot__web_client *ot__web_stream_open(struct MHD_Connection *conn, int64_t last_event_id)
{
    ot__web_client *c = ot__calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->conn = conn;
    pthread_mutex_lock(&S.lock);
    if (!S.ready || S.closing) {
        pthread_mutex_unlock(&S.lock);
        ot__free(c);
        return NULL;
    }
    /* A reconnect resumes after its last event if the ring still holds
     * everything after it; otherwise it starts from the state. */
    if (last_event_id >= 0 && last_event_id + 1 >= oldest_id() && last_event_id < S.next_id) {
        c->last_id = last_event_id;
        c->init = false;
    } else {
        c->init = true;
    }
    c->next = S.clients;
    S.clients = c;
    S.nclients++;
    pthread_mutex_unlock(&S.lock);
    return c;
}

ssize_t ot__web_stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    ot__web_client *c = cls;
    pthread_mutex_lock(&S.lock);
    if (c->off == c->out.len) {
        c->out.len = 0;
        c->off = 0;
        if (c->closing || S.closing) {
            pthread_mutex_unlock(&S.lock);
            return MHD_CONTENT_READER_END_OF_STREAM;
        }
        if (c->init) {
            write_start(c);
            c->init = false;
        } else if (c->last_id + 1 < oldest_id()) {
            /* Too far behind (a very slow reader): start over. */
            ot__buf_puts(&c->out, "event: reset\ndata: {}\n\n");
            write_start(c);
        } else {
            for (int64_t id = c->last_id + 1; id < S.next_id && c->out.len < 256 * 1024; id++) {
                event *e = &S.ring[(uint64_t)id % RING];
                ot__buf_add(&c->out, e->text, e->len);
                c->last_id = id;
            }
        }
        if (c->out.failed) {
            pthread_mutex_unlock(&S.lock);
            return MHD_CONTENT_READER_END_WITH_ERROR;
        }
        if (c->out.len == 0) {
            /* Nothing to say: sleep until a publish wakes us. */
            c->suspended = true;
            MHD_suspend_connection(c->conn);
            pthread_mutex_unlock(&S.lock);
            return 0;
        }
    }
    size_t n = c->out.len - c->off;
    if (n > max)
        n = max;
    memcpy(buf, c->out.data + c->off, n);
    c->off += n;
    pthread_mutex_unlock(&S.lock);
    return (ssize_t)n;
}

void ot__web_stream_release(void *cls)
{
    ot__web_client *c = cls;
    pthread_mutex_lock(&S.lock);
    for (ot__web_client **pp = &S.clients; *pp; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            S.nclients--;
            break;
        }
    }
    pthread_mutex_unlock(&S.lock);
    ot__buf_free(&c->out);
    ot__free(c);
}

size_t ot__web_stream_clients(void)
{
    pthread_mutex_lock(&S.lock);
    size_t n = S.nclients;
    pthread_mutex_unlock(&S.lock);
    return n;
}

void ot__web_stream_close_all(void)
{
    pthread_mutex_lock(&S.lock);
    S.closing = true;
    for (ot__web_client *c = S.clients; c; c = c->next)
        c->closing = true;
    wake_all();
    pthread_mutex_unlock(&S.lock);
    /* Give the server a moment to finish the streams, so that none is
     * left suspended when it stops (which libmicrohttpd forbids). */
    for (int i = 0; i < 200 && ot__web_stream_clients(); i++)
        usleep(5000);
}

void ot__web_stream_free(void)
{
    pthread_mutex_lock(&S.lock);
    for (size_t i = 0; i < RING; i++) {
        ot__free(S.ring[i].text);
        S.ring[i].text = NULL;
    }
    S.ready = false;
    pthread_mutex_unlock(&S.lock);
}
