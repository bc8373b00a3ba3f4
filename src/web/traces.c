/* traces.c — the Traces view's store: the last 32 recorded sequential
 * traces (ot_dashboard_add_trace), each on a heap of its own, and their
 * JSON for the page with the Mermaid sequence diagram drawn. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otter/mermaid.h"
#include "web/web_internal.h"

#define MAX_TRACES 32

typedef struct trace_rec {
    int id;
    char title[128];
    ot_heap *heap;
    ot_term trace;
} trace_rec;

static struct {
    pthread_mutex_t lock;
    trace_rec recs[MAX_TRACES];
    size_t n;
    int next_id;
} T = {.lock = PTHREAD_MUTEX_INITIALIZER, .next_id = 1};

void ot__web_traces_clear(void)
{
    pthread_mutex_lock(&T.lock);
    for (size_t i = 0; i < T.n; i++)
        ot_heap_free(T.recs[i].heap);
    T.n = 0;
    pthread_mutex_unlock(&T.lock);
}

int ot_dashboard_add_trace(const char *title, ot_term trace)
{
    if (!title || !ot_is_map(trace))
        return -EINVAL;
    if (!ot__web_d)
        return -ENOENT;
    ot_heap *h = ot_heap_new();
    ot_term copy = h ? ot_copy(h, trace) : OT_NONE;
    if (copy == OT_NONE) {
        ot_heap_free(h);
        return -ENOMEM;
    }
    pthread_mutex_lock(&T.lock);
    if (T.n == MAX_TRACES) {
        ot_heap_free(T.recs[0].heap);
        memmove(&T.recs[0], &T.recs[1], (MAX_TRACES - 1) * sizeof T.recs[0]);
        T.n--;
    }
    trace_rec *r = &T.recs[T.n++];
    r->id = T.next_id++;
    snprintf(r->title, sizeof r->title, "%s", title);
    r->heap = h;
    r->trace = copy;
    int id = r->id;
    pthread_mutex_unlock(&T.lock);
    char j[64];
    snprintf(j, sizeof j, "{\"id\":%d}", id);
    ot__web_stream_publish("traces", j);
    return id;
}

json_t *ot__web_traces_json(void)
{
    json_t *arr = json_array();
    pthread_mutex_lock(&T.lock);
    for (size_t i = T.n; i-- > 0;) {
        trace_rec *r = &T.recs[i];
        json_t *o = json_object();
        json_object_set_new(o, "id", json_integer(r->id));
        json_object_set_new(o, "title", json_string(r->title));
        ot_term ev = ot_map_get(r->trace, ot_atom("events"));
        ssize_t n = ev == OT_NONE ? 0 : ot_list_length(ev);
        json_object_set_new(o, "events", json_integer(n < 0 ? 0 : n));
        ot_heap *h = ot_heap_new();
        char *text = NULL;
        ot_mermaid_error err = {0};
        ot_seq_opts seq_opts = {.flags = OT_SEQ_REPLIES};
        ssize_t len = h ? ot_mermaid_seq(r->trace, &seq_opts, &text, &err) : -ENOMEM;
        if (len >= 0)
            json_object_set_new(o, "mermaid", json_stringn(text, (size_t)len));
        else
            json_object_set_new(o, "error", json_string(err.what ? err.what : ot_strerror((int)len)));
        free(text);
        ot_heap_free(h);
        /* The raw record too, for a reader that wants the events. */
        char *raw = ot_to_json(r->trace, NULL);
        json_t *rj = raw ? json_loads(raw, 0, NULL) : NULL;
        free(raw);
        json_object_set_new(o, "record", rj ? rj : json_null());
        json_array_append_new(arr, o);
    }
    pthread_mutex_unlock(&T.lock);
    return arr;
}
