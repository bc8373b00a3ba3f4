/* otter/livechart.h — a live Vega-Lite chart: Kino.VegaLite.new/push/clear
 * for C. The chart keeps its spec and, per named dataset, the last
 * `window` points; subscribers (the dashboard's browsers, a process) get
 * every push as it happens, and one that subscribes late first gets the
 * spec and every point still kept.
 *
 *     ot_livechart *c = ot_livechart_new(spec, 1000);     // spec: a term (map)
 *     ot_livechart_push(c, "memory", point);              // point: a map
 *
 * All functions are thread-safe and may be called from processes or plain
 * threads. Points are copied in; the chart owns its memory. */
#ifndef OTTER_LIVECHART_H
#define OTTER_LIVECHART_H

#include <stdint.h>

#include "otter/term.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ot_livechart ot_livechart;

/* What a subscriber is told. For OT_LIVE_SPEC, rows is the spec; for
 * OT_LIVE_PUSH, rows is the list of new points of `dataset` and window the
 * window they were pushed with (0: no limit); for OT_LIVE_CLEAR, rows is
 * []. Terms are valid only during the call. */
typedef enum { OT_LIVE_SPEC, OT_LIVE_PUSH, OT_LIVE_CLEAR } ot_live_event;
typedef void (*ot_live_fn)(ot_live_event ev, const char *dataset, ot_term rows, size_t window,
                           void *arg);

/* ot_livechart_new: a chart with a copy of spec (a Vega-Lite spec term,
 * e.g. from otter/vegalite.h) keeping at most `window` points per dataset
 * (0: keep every point). The name of the data a push goes to is the
 * dataset; a spec names it with data: %{name: "..."}. NULL if memory runs
 * out or spec is not a map. */
OT_API ot_livechart *ot_livechart_new(ot_term spec, size_t window);
/* ot_livechart_free: frees the chart; subscribers are dropped silently. */
OT_API void ot_livechart_free(ot_livechart *c);

/* ot_livechart_push: appends point (a map; copied) to dataset, dropping
 * the oldest points beyond the window, and tells subscribers. Returns 0,
 * -EINVAL for a bad argument, -ENOMEM. */
OT_API int ot_livechart_push(ot_livechart *c, const char *dataset, ot_term point);
/* ot_livechart_push_many: the same for a list of points, as one push. */
OT_API int ot_livechart_push_many(ot_livechart *c, const char *dataset, ot_term points);
/* ot_livechart_clear: drops every point of dataset (NULL: of all). */
OT_API int ot_livechart_clear(ot_livechart *c, const char *dataset);

/* ot_livechart_subscribe: calls fn for every later event, after first
 * calling it with OT_LIVE_SPEC and then one OT_LIVE_PUSH per dataset with
 * the points kept so far. fn runs on the pushing thread with the chart's
 * lock held: it must be quick and must not call into this chart (copy or
 * encode what it needs and return). Returns a subscription id > 0, or a
 * negative errno. */
OT_API int ot_livechart_subscribe(ot_livechart *c, ot_live_fn fn, void *arg);
/* ot_livechart_unsubscribe: stops calls for id; when it returns, fn is not
 * running and will not run again for this id. */
OT_API void ot_livechart_unsubscribe(ot_livechart *c, int id);

/* ot_livechart_snapshot: the spec with every kept point inlined as its
 * data values (a static chart of the current state), built on h. */
OT_API ot_term ot_livechart_snapshot(ot_livechart *c, ot_heap *h);
/* ot_livechart_points: the kept points of dataset as a list, oldest
 * first, built on h. */
OT_API ot_term ot_livechart_points(ot_livechart *c, const char *dataset, ot_heap *h);

#ifdef __cplusplus
}
#endif
#endif
