/* vegalite.c — the Vega-Lite vocabulary of Elixir's VegaLite library, on
 * terms (see otter/vegalite.h). A spec is a map with binary keys; options
 * are converted as VegaLite's opts_to_vl_props does: atom keys and values
 * to camelCase strings, keyword lists to maps. */
#include <errno.h>
#include <string.h>

#include "otter/vegalite.h"
#include "viz/viz_internal.h"

#define SCHEMA_URL "https://vega.github.io/schema/vega-lite/v6.json"

static _Thread_local const char *vl_error;

const char *ot_vl_error(void)
{
    return vl_error;
}

ot_term ot__vl_fail(const char *why)
{
    vl_error = why;
    return OT_NONE;
}

/* ---------------------------------------------------------------- conversion */

/* snake_case -> camelCase, as VegaLite's snake_to_camel: the first part in
 * lower case, each later part with its first letter capitalised. */
static ot_term camel(ot_heap *h, const char *s, size_t n)
{
    char small[128] = {0};
    char *buf = n < sizeof small ? small : ot__malloc(n + 1);
    if (!buf)
        return OT_NONE;
    size_t k = 0;
    bool first_part = true, part_start = true;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '_') {
            first_part = false;
            part_start = true;
            continue;
        }
        if (first_part && c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        else if (!first_part && part_start && c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        part_start = false;
        buf[k++] = c;
    }
    ot_term t = ot_binary(h, buf, k);
    if (buf != small)
        ot__free(buf);
    return t;
}

static ot_term camel_atom(ot_heap *h, ot_term a)
{
    size_t n;
    const char *s = ot_atom_text(a, &n);
    return camel(h, s, n);
}

ot_term ot__vl_key(ot_heap *h, const char *s)
{
    return ot_string(h, s);
}

static bool is_keyword(ot_term l)
{
    if (!ot_is_list(l) || l == OT_NIL)
        return false;
    ot_term hd = ot_hd(l);
    return ot_tuple_arity(hd) == 2 && ot_is_atom(ot_tuple_get(hd, 0));
}

static ot_term to_vl(ot_heap *h, ot_term v, int depth);

static ot_term conv_key(ot_heap *h, ot_term k)
{
    return ot_is_atom(k) ? camel_atom(h, k) : k;
}

/* A keyword list or map of options as a map with converted keys/values. */
static ot_term pairs_to_map(ot_heap *h, ot_term v, int depth)
{
    ot_term m = ot_map(h, 0, NULL, NULL);
    if (ot_is_map(v)) {
        size_t n = ot_map_size(v);
        for (size_t i = 0; i < n && m != OT_NONE; i++)
            m = ot_map_put(h, m, conv_key(h, ot_map_key(v, i)), to_vl(h, ot_map_value(v, i), depth + 1));
        return m;
    }
    for (ot_term l = v; l != OT_NIL && m != OT_NONE; l = ot_tl(l)) {
        if (!ot_is_list(l))
            return ot__vl_fail("an option list is not a proper list");
        ot_term kv = ot_hd(l);
        if (ot_tuple_arity(kv) != 2)
            return ot__vl_fail("a keyword list holds something other than {key, value}");
        m = ot_map_put(h, m, conv_key(h, ot_tuple_get(kv, 0)), to_vl(h, ot_tuple_get(kv, 1), depth + 1));
    }
    return m;
}

static ot_term to_vl(ot_heap *h, ot_term v, int depth)
{
    if (depth > 100)
        return ot__vl_fail("options nested more than 100 levels deep");
    if (v == OT_ATOM(TRUE) || v == OT_ATOM(FALSE) || v == OT_ATOM(NIL))
        return v;
    if (ot_is_atom(v))
        return camel_atom(h, v);
    if (ot_is_map(v) || is_keyword(v))
        return pairs_to_map(h, v, depth);
    if (ot_is_list(v) && v != OT_NIL) {
        ssize_t n = ot_list_length(v);
        if (n < 0)
            return v;   /* an improper list is data, kept as it is */
        ot_term small[16];
        ot_term *e = n <= 16 ? small : ot__malloc((size_t)n * sizeof *e);
        if (!e)
            return OT_NONE;
        size_t i = 0;
        for (ot_term l = v; l != OT_NIL; l = ot_tl(l))
            e[i++] = to_vl(h, ot_hd(l), depth + 1);
        ot_term r = ot_listv(h, (size_t)n, e);
        if (e != small)
            ot__free(e);
        return r;
    }
    return v;
}

/* opts (OT_NONE, [], a map or a keyword list) as a converted map. */
ot_term ot__vl_opts(ot_heap *h, ot_term opts)
{
    if (opts == OT_NONE || opts == OT_NIL)
        return ot_map(h, 0, NULL, NULL);
    if (!ot_is_map(opts) && !is_keyword(opts))
        return ot__vl_fail("options must be a map or a keyword list");
    return pairs_to_map(h, opts, 0);
}

static ot_term get(ot_heap *h, ot_term m, const char *key)
{
    return ot_map_get(m, ot__vl_key(h, key));
}

static ot_term put(ot_heap *h, ot_term m, const char *key, ot_term v)
{
    if (m == OT_NONE || v == OT_NONE)
        return OT_NONE;
    return ot_map_put(h, m, ot__vl_key(h, key), v);
}

static ot_term merge(ot_heap *h, ot_term a, ot_term b)
{
    size_t n = ot_map_size(b);
    for (size_t i = 0; i < n && a != OT_NONE; i++)
        a = ot_map_put(h, a, ot_map_key(b, i), ot_map_value(b, i));
    return a;
}

static bool spec_ok(ot_term vl)
{
    if (vl == OT_NONE)
        return false;   /* an earlier builder failed: keep its reason */
    if (!ot_is_map(vl)) {
        ot__vl_fail("the spec is not a map (build it with ot_vl_new)");
        return false;
    }
    return true;
}

static bool in_set(const char *s, const char *const *set)
{
    for (; *set; set++)
        if (!strcmp(s, *set))
            return true;
    return false;
}

/* Vl.mark and the multi-view builders need a view that is neither. */
static bool blank_view(ot_heap *h, ot_term vl, const char *why)
{
    static const char *const keys[] = {"mark", "layer", "hconcat", "vconcat", "concat", "repeat",
                                       "facet", "spec", NULL};
    for (const char *const *k = keys; *k; k++) {
        if (get(h, vl, *k) != OT_NONE) {
            ot__vl_fail(why);
            return false;
        }
    }
    return true;
}

/* ---------------------------------------------------------------- the vocabulary */

ot_term ot_vl_new(ot_heap *h, ot_term opts)
{
    vl_error = NULL;
    ot_term o = ot__vl_opts(h, opts);
    if (o == OT_NONE)
        return OT_NONE;
    ot_term vl = put(h, ot_map(h, 0, NULL, NULL), "$schema", ot_string(h, SCHEMA_URL));
    return vl == OT_NONE ? OT_NONE : merge(h, vl, o);
}

ot_term ot_vl_data(ot_heap *h, ot_term vl, ot_term opts)
{
    if (!spec_ok(vl))
        return OT_NONE;
    ot_term o = ot__vl_opts(h, opts);
    if (o == OT_NONE)
        return OT_NONE;
    if (ot_map_size(o) == 0)
        return ot__vl_fail("data needs at least one property");
    return put(h, vl, "data", o);
}

/* The text of a field name given as an atom or a binary. */
static bool field_text(ot_term f, const char **s, size_t *n)
{
    if ((*s = ot_atom_text(f, n)))
        return true;
    if (!ot_is_binary(f))
        return false;
    const uint8_t *b = ot_binary_data(f, n);
    *s = b ? (const char *)b : "";
    return true;
}

static bool only_has(ot_term only, ot_term key)
{
    const char *ks, *os;
    size_t kn, on;
    if (!field_text(key, &ks, &kn))
        return false;
    for (ot_term l = only; l != OT_NIL; l = ot_tl(l))
        if (field_text(ot_hd(l), &os, &on) && on == kn && !memcmp(os, ks, kn))
            return true;
    return false;
}

/* A row as a map: maps stay (or keep `only` keys), keyword lists become maps. */
static ot_term row_map(ot_heap *h, ot_term row, ot_term only)
{
    ot_term m;
    if (ot_is_map(row)) {
        if (only == OT_NONE)
            return row;
        m = ot_map(h, 0, NULL, NULL);
        size_t n = ot_map_size(row);
        for (size_t i = 0; i < n && m != OT_NONE; i++)
            if (only_has(only, ot_map_key(row, i)))
                m = ot_map_put(h, m, ot_map_key(row, i), ot_map_value(row, i));
        return m;
    }
    if (!is_keyword(row) && row != OT_NIL)
        return ot__vl_fail("a data row is neither a map nor a keyword list");
    m = ot_map(h, 0, NULL, NULL);
    for (ot_term l = row; l != OT_NIL && m != OT_NONE; l = ot_tl(l)) {
        if (!ot_is_list(l) || ot_tuple_arity(ot_hd(l)) != 2)
            return ot__vl_fail("a data row is neither a map nor a keyword list");
        ot_term k = ot_tuple_get(ot_hd(l), 0);
        if (only == OT_NONE || only_has(only, k))
            m = ot_map_put(h, m, k, ot_tuple_get(ot_hd(l), 1));
    }
    return m;
}

ot_term ot_vl_data_from_values(ot_heap *h, ot_term vl, ot_term values, ot_term opts)
{
    if (!spec_ok(vl))
        return OT_NONE;
    ssize_t n = ot_list_length(values);
    if (n < 0)
        return ot__vl_fail("data values must be a proper list of rows");
    ot_term only = OT_NONE, name = OT_NONE;
    ot_term rest = ot_map(h, 0, NULL, NULL);
    if (opts != OT_NONE && opts != OT_NIL) {
        if (!ot_is_map(opts) && !is_keyword(opts))
            return ot__vl_fail("options must be a map or a keyword list");
        ot_term o = ot_is_map(opts) ? opts : OT_NONE;
        if (o == OT_NONE) {
            o = ot_map(h, 0, NULL, NULL);
            for (ot_term l = opts; l != OT_NIL && o != OT_NONE; l = ot_tl(l))
                o = ot_map_put(h, o, ot_tuple_get(ot_hd(l), 0), ot_tuple_get(ot_hd(l), 1));
        }
        only = ot_map_get(o, ot_atom("only"));
        name = ot_map_get(o, ot_atom("name"));
        if (only != OT_NONE && ot_list_length(only) < 0)
            return ot__vl_fail("only: must be a list of field names");
        size_t k = ot_map_size(o);
        for (size_t i = 0; i < k; i++) {
            ot_term key = ot_map_key(o, i);
            if (key != ot_atom("only") && key != ot_atom("name"))
                rest = ot_map_put(h, rest, conv_key(h, key), to_vl(h, ot_map_value(o, i), 1));
        }
    }
    /* rows are used as they are unless some must become maps */
    bool as_is = only == OT_NONE;
    for (ot_term l = values; as_is && l != OT_NIL; l = ot_tl(l))
        as_is = ot_is_map(ot_hd(l));
    ot_term rows = values;
    if (!as_is) {
        ot_term *e = ot__malloc(((size_t)n + 1) * sizeof *e);
        if (!e)
            return OT_NONE;
        size_t i = 0;
        for (ot_term l = values; l != OT_NIL; l = ot_tl(l)) {
            e[i] = row_map(h, ot_hd(l), only);
            if (e[i++] == OT_NONE) {
                ot__free(e);
                return OT_NONE;
            }
        }
        rows = ot_listv(h, (size_t)n, e);
        ot__free(e);
    }
    ot_term data = put(h, rest, "values", rows);
    if (name != OT_NONE) {
        if (ot_is_atom(name))
            name = ot_string(h, ot_atom_text(name, NULL));
        data = put(h, data, "name", name);
    }
    return put(h, vl, "data", data);
}

static const char *const mark_types[] = {
    "arc", "area", "bar", "boxplot", "circle", "errorband", "errorbar", "geoshape", "image",
    "line", "point", "rect", "rule", "square", "text", "tick", "trail", NULL};

ot_term ot_vl_mark(ot_heap *h, ot_term vl, const char *type, ot_term opts)
{
    if (!spec_ok(vl))
        return OT_NONE;
    if (!type || !in_set(type, mark_types))
        return ot__vl_fail("unknown mark type (expected arc, area, bar, boxplot, circle, errorband, "
                           "errorbar, geoshape, image, line, point, rect, rule, square, text, tick "
                           "or trail)");
    if (!blank_view(h, vl, "cannot add a mark to a view that already has a mark or is a multi-view spec"))
        return OT_NONE;
    ot_term o = ot__vl_opts(h, opts);
    if (o == OT_NONE)
        return OT_NONE;
    if (ot_map_size(o) == 0)
        return put(h, vl, "mark", ot_string(h, type));
    return put(h, vl, "mark", put(h, o, "type", ot_string(h, type)));
}

static const char *const channels[] = {
    "x", "y", "x2", "y2", "x_error", "y_error", "x_error2", "y_error2", "x_offset", "y_offset",
    "theta", "theta2", "radius", "radius2", "longitude", "latitude", "longitude2", "latitude2",
    "angle", "color", "fill", "stroke", "opacity", "fill_opacity", "stroke_opacity", "shape",
    "size", "stroke_dash", "stroke_width", "text", "tooltip", "href", "url", "description",
    "detail", "key", "order", "facet", "row", "column", NULL};

static const char *const field_types[] = {"quantitative", "temporal", "nominal", "ordinal",
                                          "geojson", NULL};

/* A channel definition must say what it shows, and a known type. */
static bool channel_def_ok(ot_heap *h, ot_term def)
{
    ot_term agg = get(h, def, "aggregate");
    size_t n;
    const uint8_t *b;
    bool count = agg != OT_NONE && (b = ot_binary_data(agg, &n)) && n == 5 && !memcmp(b, "count", 5);
    if (get(h, def, "field") == OT_NONE && get(h, def, "value") == OT_NONE &&
        get(h, def, "datum") == OT_NONE && !count) {
        ot__vl_fail("a channel definition needs field, value or datum (or aggregate: count)");
        return false;
    }
    ot_term type = get(h, def, "type");
    if (type != OT_NONE) {
        b = ot_binary_data(type, &n);
        char t[16];
        if (!b || n >= sizeof t) {
            ot__vl_fail("a channel's type must be quantitative, temporal, nominal, ordinal or geojson");
            return false;
        }
        memcpy(t, b, n);
        t[n] = 0;
        if (!in_set(t, field_types)) {
            ot__vl_fail("a channel's type must be quantitative, temporal, nominal, ordinal or geojson");
            return false;
        }
    }
    return true;
}

/* Adds encoding[channel] = def (def already converted). */
static ot_term set_channel(ot_heap *h, ot_term vl, const char *channel, ot_term def)
{
    if (!channel || !in_set(channel, channels))
        return ot__vl_fail("unknown encoding channel");
    if (def == OT_NONE)
        return OT_NONE;
    ot_term enc = get(h, vl, "encoding");
    if (enc == OT_NONE)
        enc = ot_map(h, 0, NULL, NULL);
    else if (!ot_is_map(enc))
        return ot__vl_fail("the spec's encoding is not a map");
    enc = ot_map_put(h, enc, camel(h, channel, strlen(channel)), def);
    return put(h, vl, "encoding", enc);
}

ot_term ot_vl_encode(ot_heap *h, ot_term vl, const char *channel, ot_term opts)
{
    if (!spec_ok(vl))
        return OT_NONE;
    /* a list of definitions: [[field: ...], [field: ...]] or [%{...}, ...] */
    if (ot_is_list(opts) && opts != OT_NIL && !is_keyword(opts)) {
        ssize_t n = ot_list_length(opts);
        if (n < 0)
            return ot__vl_fail("channel options must be a map, a keyword list or a list of them");
        ot_term *e = ot__malloc((size_t)n * sizeof *e);
        if (!e)
            return OT_NONE;
        size_t i = 0;
        for (ot_term l = opts; l != OT_NIL; l = ot_tl(l)) {
            e[i] = ot__vl_opts(h, ot_hd(l));
            if (e[i] == OT_NONE || !channel_def_ok(h, e[i])) {
                ot__free(e);
                return OT_NONE;
            }
            i++;
        }
        ot_term list = ot_listv(h, (size_t)n, e);
        ot__free(e);
        return set_channel(h, vl, channel, list);
    }
    ot_term def = ot__vl_opts(h, opts);
    if (def == OT_NONE || !channel_def_ok(h, def))
        return OT_NONE;
    return set_channel(h, vl, channel, def);
}

ot_term ot_vl_encode_field(ot_heap *h, ot_term vl, const char *channel, const char *field,
                           ot_term opts)
{
    if (!spec_ok(vl))
        return OT_NONE;
    if (!field)
        return ot__vl_fail("the field name is NULL");
    ot_term def = put(h, ot__vl_opts(h, opts), "field", ot_string(h, field));
    if (def == OT_NONE || !channel_def_ok(h, def))
        return OT_NONE;
    return set_channel(h, vl, channel, def);
}

ot_term ot_vl_encode_repeat(ot_heap *h, ot_term vl, const char *channel, const char *repeat_type,
                            ot_term opts)
{
    static const char *const types[] = {"repeat", "row", "column", "layer", NULL};
    if (!spec_ok(vl))
        return OT_NONE;
    if (!repeat_type || !in_set(repeat_type, types))
        return ot__vl_fail("the repeat type must be repeat, row, column or layer");
    ot_term field = put(h, ot_map(h, 0, NULL, NULL), "repeat", ot_string(h, repeat_type));
    ot_term def = put(h, ot__vl_opts(h, opts), "field", field);
    if (def == OT_NONE || !channel_def_ok(h, def))
        return OT_NONE;
    return set_channel(h, vl, channel, def);
}

ot_term ot_vl_transform(ot_heap *h, ot_term vl, ot_term opts)
{
    if (!spec_ok(vl))
        return OT_NONE;
    ot_term o = ot__vl_opts(h, opts);
    if (o == OT_NONE)
        return OT_NONE;
    if (ot_map_size(o) == 0)
        return ot__vl_fail("a transform needs at least one property");
    ot_term list = get(h, vl, "transform");
    if (list == OT_NONE)
        list = OT_NIL;
    ssize_t n = ot_list_length(list);
    if (n < 0)
        return ot__vl_fail("the spec's transform is not a list");
    /* append: rebuild the (short) list */
    ot_term *e = ot__malloc(((size_t)n + 1) * sizeof *e);
    if (!e)
        return OT_NONE;
    size_t i = 0;
    for (ot_term l = list; l != OT_NIL; l = ot_tl(l))
        e[i++] = ot_hd(l);
    e[i++] = o;
    ot_term r = ot_listv(h, i, e);
    ot__free(e);
    return put(h, vl, "transform", r);
}

ot_term ot_vl_config(ot_heap *h, ot_term vl, ot_term opts)
{
    if (!spec_ok(vl))
        return OT_NONE;
    ot_term o = ot__vl_opts(h, opts);
    if (o == OT_NONE)
        return OT_NONE;
    if (ot_map_size(o) == 0)
        return ot__vl_fail("config needs at least one property");
    ot_term cfg = get(h, vl, "config");
    if (cfg == OT_NONE)
        cfg = ot_map(h, 0, NULL, NULL);
    return put(h, vl, "config", merge(h, cfg, o));
}

/* A child view: its spec without $schema, refused if it has keys only a
 * top-level spec may have. */
static ot_term child_spec(ot_heap *h, ot_term child)
{
    static const char *const top[] = {"background", "padding", "autosize", "config", "usermeta", NULL};
    if (!spec_ok(child))
        return OT_NONE;
    for (const char *const *k = top; *k; k++)
        if (get(h, child, *k) != OT_NONE)
            return ot__vl_fail("a child view cannot have top-level keys (background, padding, "
                               "autosize, config, usermeta)");
    ot_term m = ot_map(h, 0, NULL, NULL);
    ot_term schema = ot__vl_key(h, "$schema");
    size_t n = ot_map_size(child);
    for (size_t i = 0; i < n && m != OT_NONE; i++)
        if (!ot_equal(ot_map_key(child, i), schema))
            m = ot_map_put(h, m, ot_map_key(child, i), ot_map_value(child, i));
    return m;
}

static ot_term multi_view(ot_heap *h, ot_term vl, ot_term children, const char *key, const char *why)
{
    if (!spec_ok(vl))
        return OT_NONE;
    if (!blank_view(h, vl, why))
        return OT_NONE;
    ssize_t n = ot_list_length(children);
    if (n < 0)
        return ot__vl_fail("the child views must be a proper list");
    ot_term *e = ot__malloc(((size_t)n + 1) * sizeof *e);
    if (!e)
        return OT_NONE;
    size_t i = 0;
    for (ot_term l = children; l != OT_NIL; l = ot_tl(l)) {
        e[i] = child_spec(h, ot_hd(l));
        if (e[i++] == OT_NONE) {
            ot__free(e);
            return OT_NONE;
        }
    }
    ot_term list = ot_listv(h, i, e);
    ot__free(e);
    return put(h, vl, key, list);
}

ot_term ot_vl_layers(ot_heap *h, ot_term vl, ot_term children)
{
    return multi_view(h, vl, children, "layer",
                      "cannot build a layered view from a view that has a mark or is a multi-view spec");
}

ot_term ot_vl_concat(ot_heap *h, ot_term vl, ot_term children, const char *type)
{
    const char *key;
    if (!type || !strcmp(type, "wrappable"))
        key = "concat";
    else if (!strcmp(type, "horizontal"))
        key = "hconcat";
    else if (!strcmp(type, "vertical"))
        key = "vconcat";
    else
        return ot__vl_fail("the concat type must be wrappable, horizontal or vertical");
    return multi_view(h, vl, children, key,
                      "cannot build a concatenated view from a view that has a mark or is a multi-view spec");
}

ot_term ot_vl_repeat(ot_heap *h, ot_term vl, ot_term repeat_def, ot_term child)
{
    if (!spec_ok(vl))
        return OT_NONE;
    if (!blank_view(h, vl, "cannot build a repeated view from a view that has a mark or is a multi-view spec"))
        return OT_NONE;
    ot_term rep = OT_NONE;
    bool fields = ot_is_list(repeat_def) && repeat_def != OT_NIL && !is_keyword(repeat_def) &&
                  ot_list_length(repeat_def) > 0;
    for (ot_term l = repeat_def; fields && l != OT_NIL; l = ot_tl(l))
        fields = ot_is_binary(ot_hd(l));
    if (fields) {
        rep = repeat_def;
    } else if (ot_is_map(repeat_def) || is_keyword(repeat_def)) {
        rep = ot__vl_opts(h, repeat_def);
        if (rep != OT_NONE && get(h, rep, "row") == OT_NONE && get(h, rep, "column") == OT_NONE &&
            get(h, rep, "layer") == OT_NONE)
            rep = OT_NONE;
    }
    if (rep == OT_NONE)
        return ot__vl_fail("a repeat definition must be a list of field names or a mapping with "
                           "row, column or layer");
    ot_term c = child_spec(h, child);
    if (c == OT_NONE)
        return OT_NONE;
    /* the schema wants a repeat's width and height in the repeated view */
    static const char *const sizes[] = {"width", "height"};
    for (int i = 0; i < 2; i++) {
        ot_term v = get(h, vl, sizes[i]);
        if (v != OT_NONE && get(h, c, sizes[i]) == OT_NONE) {
            c = put(h, c, sizes[i], v);
            ot_term key = ot__vl_key(h, sizes[i]);
            ot_term m = ot_map(h, 0, NULL, NULL);
            size_t n = ot_map_size(vl);
            for (size_t j = 0; j < n && m != OT_NONE; j++)
                if (!ot_equal(ot_map_key(vl, j), key))
                    m = ot_map_put(h, m, ot_map_key(vl, j), ot_map_value(vl, j));
            vl = m;
        }
    }
    return put(h, put(h, vl, "repeat", rep), "spec", c);
}

char *ot_vl_to_json(ot_term vl, size_t *len)
{
    if (vl == OT_NONE)
        return NULL;
    return ot_to_json(vl, len);
}
