/* viz_internal.h — what the Mermaid writers and the Vega-Lite builder
 * share: escaping text for Mermaid, printing terms into it, reading the
 * documented input maps. Internal names are ot__viz_* / ot__mm_*. */
#ifndef OTTER_VIZ_INTERNAL_H
#define OTTER_VIZ_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "otter/mermaid.h"
#include "otter/term.h"
#include "term/term_internal.h"

/* ot__mm_escape: appends n bytes of UTF-8 text s to sb, escaped for
 * `place` (see ot_mermaid_escape), cut after max_chars characters with "…"
 * (0: no limit). */
void ot__mm_escape(ot__buf *sb, const char *s, size_t n, ot_mermaid_place place,
                   size_t max_chars);

/* ot__mm_term: appends t printed in Elixir syntax (items per collection
 * `limit`), escaped as ot__mm_escape does. */
void ot__mm_term(ot__buf *sb, ot_term t, size_t limit, ot_mermaid_place place,
                 size_t max_chars);

/* ot__mm_pid_text: appends the pid as pid_to_list/1 writes it, <0.84.0>
 * (only digits, dots and angle brackets: safe in Mermaid text as it is). */
void ot__mm_pid_text(ot__buf *sb, ot_term pid);

/* ot__mm_name: appends a registered name as Kino shows it: the atom's text
 * without a leading "Elixir.", escaped. */
void ot__mm_name(ot__buf *sb, ot_term atom, size_t max_chars);

/* ot__mm_plain: is this text safe unquoted inside a flowchart node's
 * parentheses (ASCII letters, digits, '_' and '.')? */
bool ot__mm_plain(const char *s, size_t n);

/* ot__viz_get: m[key] for an atom key given as text; OT_NONE if m is not a
 * map or has no such key. */
ot_term ot__viz_get(ot_term m, const char *key);

/* ot__viz_absent: is v missing or one of the "nothing" values nil,
 * undefined, [] ? */
bool ot__viz_absent(ot_term v);

/* Vega-Lite functions shared by vegalite.c and charts.c. */
ot_term ot__vl_fail(const char *why);          /* sets ot_vl_error(); OT_NONE */
ot_term ot__vl_key(ot_heap *h, const char *s); /* a spec key: a binary */
ot_term ot__vl_opts(ot_heap *h, ot_term opts); /* options as a converted map */

#endif
