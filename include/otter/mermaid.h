/* otter/mermaid.h — Mermaid text for what the notebook draws with
 * Kino.Process: message sequence diagrams (render_seq_trace) and
 * supervision and application trees (render_sup_tree, render_app_tree).
 *
 * These are pure renderers: they turn terms into text and gather nothing
 * themselves. The trace collector and the tree walker (otter/introspect.h)
 * produce exactly the terms described here; any program may build them by
 * hand too (ot_build). The text is what Kino writes, line for line, so a
 * diagram looks the same in otter's dashboard and in Livebook; where Kino's
 * output would be broken by unusual text (quotes, #, ;, %%, markup,
 * newlines), otter escapes it so that Mermaid shows the original text.
 * docs/viz.md describes the input terms with examples.
 *
 * Memory: the text is returned in a new NUL-terminated buffer that the
 * caller frees with free(). Input terms are only read.
 *
 * Errors: functions return the text's length, or a negative errno:
 * -EINVAL for input that is not shaped as documented (err, if not NULL,
 * then says what and where), -E2BIG for input nested too deeply, -ENOMEM.
 *
 * Threads: every function may be called from any thread or process; none
 * keeps state between calls.
 */
#ifndef OTTER_MERMAID_H
#define OTTER_MERMAID_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "otter/term.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What was wrong with the input. */
typedef struct ot_mermaid_error {
    size_t index;        /* which event (sequence) or node (tree, depth-first
                            from 0) was wrong; SIZE_MAX for the whole input */
    const char *what;    /* static English description */
} ot_mermaid_error;

/* ---------------------------------------------------------------- escaping */

/* Where a piece of text goes: each place has its own forbidden characters. */
typedef enum ot_mermaid_place {
    OT_MERMAID_TEXT = 0,   /* a sequence participant name, a message label or
                              a flowchart node's "quoted" text */
    OT_MERMAID_MARKDOWN    /* text inside a "`markdown string`" */
} ot_mermaid_place;

/* ot_mermaid_escape: n bytes of UTF-8 text s written so that Mermaid shows
 * exactly that text at `place`: `#` `;` `"` `<` `>` `&` `%` and backquotes
 * become Mermaid entities (#35; #59; #quot; #lt; #gt; #amp; #37; #96;),
 * a `:` that would otherwise be read as a style becomes #58;, line breaks
 * become <br/>, other control characters and leading or trailing white
 * space become numeric entities; in markdown also the characters that
 * would start emphasis or markup. Invalid UTF-8 bytes show as U+FFFD. Empty
 * text gives #8203; (a zero-width space: Mermaid drops an empty name).
 * Returns the length of the new text in *out (free()), or -ENOMEM. */
OT_API ssize_t ot_mermaid_escape(const char *s, size_t n, ot_mermaid_place place, char **out);

/* ---------------------------------------------------------------- sequence */

/* ot_seq_label_fn: a caller's label for one drawn message (Kino's
 * :message_label). `event` is the event map (see ot_mermaid_seq). Return
 * the label text (UTF-8; otter escapes it), which must stay valid until the
 * next call of the function, or NULL to use the default label. */
typedef const char *(*ot_seq_label_fn)(void *arg, ot_term event);

/* Flags of ot_seq_opts. */
#define OT_SEQ_FULL     0x1   /* labels show the whole message, printed with
                                 print_limit, instead of its first word */
#define OT_SEQ_REPLIES  0x2   /* draw the reply to a call as a dashed arrow
                                 (-->>) labelled REPLY, from the called
                                 process back to the caller */
#define OT_SEQ_NO_INIT  0x4   /* leave out Kino's %%{init}%% theme line */

typedef struct ot_seq_opts {
    unsigned flags;           /* OT_SEQ_* */
    size_t max_events;        /* draw at most this many events, then a note
                                 "… N more events"; 0 = 1,000 */
    size_t max_bytes;         /* stop (with the same note) before the text
                                 passes this size; 0 = 45,000, below
                                 Mermaid's default maxTextSize of 50,000 */
    size_t print_limit;       /* items per collection when printing terms
                                 (as inspect's :limit); 0 = 10 */
    size_t max_label;         /* longest label or name, in characters, before
                                 it is cut with "…"; 0 = 120 */
    ot_term targets;          /* a pid or a list of pids (or names): keep only
                                 events from or to one of them; OT_NONE = all */
    ot_seq_label_fn label;    /* custom labels, or NULL */
    void *label_arg;          /* passed to label */
} ot_seq_opts;

/* ot_mermaid_seq: a Mermaid sequenceDiagram of a message trace, in Kino's
 * format:
 *
 *     %%{init: {'themeCSS': '...'} }%%
 *     sequenceDiagram
 *     participant 0 AS self();
 *     participant 1 AS #35;PID<0.234.0>;
 *     0->>1: SPAWN
 *     activate 1
 *     0->>1: INFO: ping
 *     1->>0: INFO: pong
 *     1->>0: EXIT: normal
 *     deactivate 1
 *
 * `trace` is a list of events, or a map
 *     %{events: [event], self: pid, processes: %{pid => %{name: atom, label: term}}}
 * where self (optional) is drawn as self(), and processes (optional) gives
 * registered names (drawn without "Elixir.") and labels (drawn as
 * label<br/><0.1.2>). An event is a map
 *     %{type: :send | :spawn | :exit | :down, time: integer, from: pid,
 *       to: pid, msg: term, reason: term}
 * (from and to may be any term, e.g. a registered name). Events are drawn
 * in `time` order (a stable sort: equal or missing times keep the given
 * order). :send draws msg labelled as Kino does (CALL: / CAST: / INFO:,
 * and EXIT: / DOWN: / SPAWN for the signals BEAM's tracer reports as
 * messages); :spawn draws SPAWN and activates `to`; :exit and :down draw
 * EXIT: / DOWN: with the reason (normal, shutdown or abnormal) and
 * deactivate `from` if it was activated; an :exit without `to` only
 * deactivates. As Kino does, messages a process sends itself and
 * {:spawn_reply, ...} messages are left out. Participants are numbered in
 * order of first appearance.
 *
 * Returns the text's length and the text in *out (free()), or -EINVAL with
 * *err filled (a malformed event, an unknown type), or -ENOMEM. opts may
 * be NULL. */
OT_API ssize_t ot_mermaid_seq(ot_term trace, const ot_seq_opts *opts, char **out,
                              ot_mermaid_error *err);

/* ---------------------------------------------------------------- trees */

/* Flags of ot_tree_opts. */
#define OT_TREE_LR  0x1       /* left to right (graph LR); default top-down (TD) */

typedef struct ot_tree_opts {
    unsigned flags;           /* OT_TREE_* */
    size_t print_limit;       /* items per collection when printing ids and
                                 labels; 0 = 10 */
    size_t max_label;         /* longest node text in characters; 0 = 120 */
    size_t max_bytes;         /* stop adding edges before the text passes this
                                 size and draw a node "… N more nodes";
                                 0 = 45,000 (Mermaid's limit is 50,000) */
} ot_tree_opts;

/* ot_mermaid_tree: a Mermaid graph of a supervision tree in Kino's format
 * (render_sup_tree, and render_app_tree when the application is given):
 *
 *     graph TD;
 *     0(my_sup):::root ---> 1(agent_child):::worker
 *     0(my_sup):::root ---> 2("Agent<br/><0.201.0>"):::worker
 *     0(my_sup):::root ---> 3(id: :not_started):::notstarted
 *     1(agent_child):::worker -..- 2("Agent<br/><0.201.0>"):::worker
 *     classDef root ...
 *
 * `tree` is a node map, or %{root: node, ets: [table], application: app}:
 *   node   %{pid: pid | :undefined | :restarting, id: term,
 *            type: :supervisor | :worker, name: atom, label: term,
 *            children: [node], links: [pid]}
 *          Only pid is required for the root; a child needs pid and id.
 *          A pid that is not a pid draws the child as not started.
 *   table  %{name: atom, owner: pid, heir: pid | :none, protection: atom}
 *          drawn (with an `owner` edge, and a `heir` edge when the heir is
 *          in the tree) if its owner is in the tree.
 *   app    %{master: pid, ancestor: pid}: the application master and the
 *          root supervisor's ancestor, drawn above the root as Kino does.
 * Nodes are numbered depth first in children order (the root is 0), then
 * the tables. Supervision edges are `--->`; a link between two processes
 * of the tree is `-..-` unless they already share a supervision edge.
 *
 * Returns the length and the text in *out (free()), -EINVAL with *err
 * filled, -E2BIG for a tree deeper than 1,000 levels, or -ENOMEM. opts may
 * be NULL. */
OT_API ssize_t ot_mermaid_tree(ot_term tree, const ot_tree_opts *opts, char **out,
                               ot_mermaid_error *err);

#ifdef __cplusplus
}
#endif
#endif
