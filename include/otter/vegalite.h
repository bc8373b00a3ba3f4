/* otter/vegalite.h — Vega-Lite chart specs built with the vocabulary of
 * Elixir's VegaLite library (Vl.new, Vl.data_from_values, Vl.mark,
 * Vl.encode_field, ...), as the notebook's charts are:
 *
 *     ot_term vl = ot_vl_new(h, ot_build(h, "#{width => 600, height => 400}"));
 *     vl = ot_vl_data_from_values(h, vl, processes, OT_NONE);
 *     vl = ot_vl_mark(h, vl, "point", ot_build(h, "#{tooltip => true}"));
 *     vl = ot_vl_encode_field(h, vl, "x", "reductions",
 *              ot_build(h, "#{type => quantitative, scale => #{type => log, base => 10}}"));
 *     char *json = ot_vl_to_json(vl, NULL);
 *
 * A spec is a term: a map with binary keys ("mark", "encoding", ...), so
 * process data (lists of maps from otter/introspect.h) becomes chart data
 * without translation, and ot_to_json writes the JSON a browser gives to
 * vega-embed. Options are terms too, a map or a keyword list; as in Elixir
 * their keys and atom values are written in camelCase (time_unit ->
 * "timeUnit", :quantitative -> "quantitative"), true/false/nil stay
 * JSON's true/false/null, and nested maps and keyword lists become
 * objects. Data rows are kept as given.
 *
 * Every builder returns a new spec built on h (the argument is not
 * changed), or OT_NONE for bad arguments or when memory runs out; given
 * OT_NONE as the spec it returns OT_NONE, so a chain can be checked once at
 * the end. ot_vl_error() then says what went wrong. Builders may be called
 * from any thread or process, each with its own heap.
 */
#ifndef OTTER_VEGALITE_H
#define OTTER_VEGALITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otter/term.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- the vocabulary */

/* ot_vl_new: Vl.new(opts): an empty spec with the Vega-Lite v6 $schema and
 * the given top-level properties (width, height, title, padding, ...).
 * opts may be OT_NONE or []. */
OT_API ot_term ot_vl_new(ot_heap *h, ot_term opts);

/* ot_vl_data_from_values: Vl.data_from_values(vl, values, opts): inline
 * data. values is a list of rows, each a map or keyword list (keys may be
 * atoms or strings); the rows are used as they are, not copied. opts:
 * only: [field] keeps only those fields of each row (rows are then
 * rebuilt); name: "dataset" names the dataset (for pushing points to a
 * live chart); other keys are data properties. */
OT_API ot_term ot_vl_data_from_values(ot_heap *h, ot_term vl, ot_term values, ot_term opts);

/* ot_vl_data: Vl.data(vl, opts): data properties as given, e.g.
 * #{url => <<"data.json">>} or #{name => <<"points">>}. */
OT_API ot_term ot_vl_data(ot_heap *h, ot_term vl, ot_term opts);

/* ot_vl_mark: Vl.mark(vl, type, opts): type is one of arc area bar boxplot
 * circle errorband errorbar geoshape image line point rect rule square
 * text tick trail; with opts, "mark" is an object with "type". Refused
 * (OT_NONE) on a multi-view spec (layer, concat, repeat). */
OT_API ot_term ot_vl_mark(ot_heap *h, ot_term vl, const char *type, ot_term opts);

/* ot_vl_encode: Vl.encode(vl, channel, opts): the channel's definition is
 * opts, which must have field, value or datum (or aggregate: count).
 * channel is a Vega-Lite channel in snake_case (x, y, color, size,
 * tooltip, stroke_dash, x_offset, ...). A list of option maps gives a list
 * (e.g. several tooltip fields). */
OT_API ot_term ot_vl_encode(ot_heap *h, ot_term vl, const char *channel, ot_term opts);

/* ot_vl_encode_field: Vl.encode_field(vl, channel, field, opts): a channel
 * bound to a data field; opts such as type (quantitative, temporal,
 * nominal, ordinal), scale, title, bin, aggregate, time_unit, axis. */
OT_API ot_term ot_vl_encode_field(ot_heap *h, ot_term vl, const char *channel, const char *field,
                                  ot_term opts);

/* ot_vl_encode_repeat: Vl.encode_repeat(vl, channel, repeat_type, opts):
 * the channel takes its field from the repeat operator; repeat_type is
 * "repeat", "row", "column" or "layer". */
OT_API ot_term ot_vl_encode_repeat(ot_heap *h, ot_term vl, const char *channel,
                                   const char *repeat_type, ot_term opts);

/* ot_vl_transform: Vl.transform(vl, opts): appends one transform, e.g.
 * #{filter => <<"datum.memory > 0">>} or #{bin => true, field => ..., as => ...}. */
OT_API ot_term ot_vl_transform(ot_heap *h, ot_term vl, ot_term opts);

/* ot_vl_config: Vl.config(vl, opts): merges opts into "config". */
OT_API ot_term ot_vl_config(ot_heap *h, ot_term vl, ot_term opts);

/* ot_vl_layers: Vl.layers(vl, children): a layered view of the child specs
 * (a list; each built with ot_vl_new and without top-level-only keys such
 * as padding or config). */
OT_API ot_term ot_vl_layers(ot_heap *h, ot_term vl, ot_term children);

/* ot_vl_concat: Vl.concat(vl, children, type): type "wrappable" (or NULL),
 * "horizontal" or "vertical". */
OT_API ot_term ot_vl_concat(ot_heap *h, ot_term vl, ot_term children, const char *type);

/* ot_vl_repeat: Vl.repeat(vl, repeat_def, child): repeat_def is a list of
 * field names or a map/keyword list with row, column or layer lists. The
 * schema does not allow width and height beside a repeat, so those of vl
 * move into the child (the drawn chart is the same). */
OT_API ot_term ot_vl_repeat(ot_heap *h, ot_term vl, ot_term repeat_def, ot_term child);

/* ot_vl_to_json: the spec as compact JSON (ot_to_json), in a string the
 * caller frees with free(); its length in *len if len is not NULL. NULL
 * for OT_NONE or when memory runs out. */
OT_API char *ot_vl_to_json(ot_term vl, size_t *len);

/* ot_vl_error: why the last builder on this thread returned OT_NONE (a
 * static English sentence), or NULL. */
OT_API const char *ot_vl_error(void);

/* ---------------------------------------------------------------- the notebook's charts */

typedef struct ot_vl_scatter_opts {
    size_t max_points;    /* above this many processes, aggregate; 0 = 10,000 */
    unsigned bins;        /* bins per power of ten when aggregating; 0 = 5 */
    int width, height;    /* 0 = 600 x 400 */
} ot_vl_scatter_opts;

/* ot_vl_process_scatter: the notebook's "Inspecting remote processes"
 * chart. processes is a list of maps %{pid, reductions, memory, status}
 * (as built from Process.info/2; pid may be a pid or its text). Up to
 * max_points processes give the notebook's spec exactly: a point per
 * process, reductions against memory on log scales, colour by status,
 * tooltip pid. Above that, processes are counted into log-scale bins of
 * reductions x memory x status, and each bin becomes one point sized by
 * its count, with fields count, reductions and memory (where the point is
 * drawn: the bin's centre, statuses sharing a bin side by side),
 * reductions_min/_max, memory_min/_max, reductions_total, memory_total
 * (sums over the bin: totals are kept exactly), status and pid (one
 * process of the bin) — so a node with a million processes draws a few
 * thousand points. Values below 1 are counted in the first bin, [1, ...).
 * OT_NONE (ot_vl_error says why) for rows without numeric reductions and
 * memory, or when memory runs out. */
OT_API ot_term ot_vl_process_scatter(ot_heap *h, ot_term processes, const ot_vl_scatter_opts *opts);

typedef struct ot_vl_memory_opts {
    size_t window;        /* keep the last this many points; 0 = 1,000 */
    int width, height;    /* 0 = 600 x 400 */
    const char *dataset;  /* name of the dataset points are pushed to;
                             NULL = "memory" */
} ot_vl_memory_opts;

/* ot_vl_memory_chart: the notebook's "Tracking memory usage" chart: one
 * line per memory category (total, processes, atom, binary, code, ets) in
 * MB against the measurement number "iter", as the notebook's
 * Vl.repeat(layer: [...]) spec. points (a list, or OT_NONE/[]) are the
 * points so far; the last `window` of them become the named dataset's
 * values, to which a live chart pushes new points. */
OT_API ot_term ot_vl_memory_chart(ot_heap *h, ot_term points, const ot_vl_memory_opts *opts);

/* ot_vl_memory_point: one point of that chart from :erlang.memory()'s
 * answer (a keyword list or map of category => bytes): a map of each
 * category in MB (bytes / 1,000,000, a float) and iter => iter. */
OT_API ot_term ot_vl_memory_point(ot_heap *h, ot_term memory, int64_t iter);

#ifdef __cplusplus
}
#endif
#endif
