/* seq.c — a message trace as a Mermaid sequenceDiagram, in the format
 * Kino.Process.render_seq_trace writes (see otter/mermaid.h for the input
 * terms and docs/viz.md for examples).
 *
 * One pass over the events in time order: each event becomes its lines
 * (arrow, then activate/deactivate), participants are numbered when first
 * met, and drawing stops at the event cap or the byte budget with a note
 * saying how many events were left out.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "viz/viz_internal.h"

#define INIT_LINE                                                                    \
    "%%{init: {'themeCSS': '.actor:last-of-type:not(:only-of-type) "                 \
    "{dominant-baseline: hanging;}'} }%%\n"

enum ev_type { EV_SEND, EV_SPAWN, EV_EXIT, EV_DOWN };

typedef struct ev {
    ot_term map;
    enum ev_type type;
    ot_term from, to;     /* to may be OT_NONE for an :exit */
    int64_t time;
    size_t pos;           /* position in the input list */
} ev;

typedef struct call {
    ot_term tag;          /* the call's reply tag (a ref or [:alias | ref]) */
    ot_term caller, callee;
} call;

typedef struct seq {
    const ot_seq_opts *o;
    unsigned flags;
    size_t limit, max_label;
    ot_term self, processes;
    /* participants, numbered by position */
    ot_term *parts;
    bool *active;
    size_t nparts, capparts;
    size_t *slots;        /* hash index of parts: position + 1, 0 = free */
    size_t nslots;
    /* calls waiting for their reply */
    call *calls;
    size_t ncalls, capcalls;
    ot__buf part_lines, msg_lines;
    ot_mermaid_error *err;
} seq;

static int fail(seq *s, size_t index, const char *what)
{
    if (s->err) {
        s->err->index = index;
        s->err->what = what;
    }
    return -EINVAL;
}

/* ---------------------------------------------------------------- input */

static int read_event(seq *s, ot_term m, size_t pos, ev *e)
{
    if (!ot_is_map(m))
        return fail(s, pos, "an event is not a map");
    ot_term type = ot__viz_get(m, "type");
    const char *t = ot_atom_text(type, NULL);
    if (!t)
        return fail(s, pos, "an event has no :type atom");
    if (!strcmp(t, "send"))
        e->type = EV_SEND;
    else if (!strcmp(t, "spawn"))
        e->type = EV_SPAWN;
    else if (!strcmp(t, "exit"))
        e->type = EV_EXIT;
    else if (!strcmp(t, "down"))
        e->type = EV_DOWN;
    else
        return fail(s, pos, "unknown event :type (expected :send, :spawn, :exit or :down)");
    e->map = m;
    e->pos = pos;
    e->from = ot__viz_get(m, "from");
    e->to = ot__viz_get(m, "to");
    if (e->from == OT_NONE)
        return fail(s, pos, "an event has no :from");
    if (ot__viz_absent(e->to)) {
        if (e->type != EV_EXIT)
            return fail(s, pos, "an event has no :to");
        e->to = OT_NONE;
    }
    if (e->type == EV_SEND && ot__viz_get(m, "msg") == OT_NONE)
        return fail(s, pos, "a :send event has no :msg");
    ot_term time = ot__viz_get(m, "time");
    e->time = INT64_MIN;
    if (time != OT_NONE && ot_get_int64(time, &e->time) < 0)
        return fail(s, pos, "an event's :time is not an integer");
    return 0;
}

/* Is t one of the targets: a list of them, or a single one (a pid)? */
static bool in_list(ot_term list, ot_term t)
{
    if (!ot_is_list(list))
        return ot_equal(list, t);
    for (ot_term l = list; ot_is_list(l) && l != OT_NIL; l = ot_tl(l))
        if (ot_equal(ot_hd(l), t))
            return true;
    return false;
}

static bool is_tagged(ot_term t, size_t arity, ot_term tag)
{
    return ot_tuple_arity(t) == arity && ot_tuple_get(t, 0) == tag;
}

/* Events Kino leaves out: a process's messages to itself, spawn replies,
 * and with targets, events that touch none of them. */
static bool keep(seq *s, const ev *e)
{
    if (e->to != OT_NONE && ot_equal(e->from, e->to))
        return false;
    if (e->type == EV_SEND) {
        ot_term msg = ot__viz_get(e->map, "msg");
        if (is_tagged(msg, 4, ot_atom("spawn_reply")))
            return false;
    }
    if (s->o && s->o->targets != OT_NONE) {
        if (!in_list(s->o->targets, e->from) && (e->to == OT_NONE || !in_list(s->o->targets, e->to)))
            return false;
    }
    return true;
}

static int cmp_ev(const void *a, const void *b)
{
    const ev *x = a, *y = b;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;   /* stable */
}

/* ---------------------------------------------------------------- labels */

/* Kino's short form of a value: the atom heading a tuple, an atom, a
 * reference printed, `tuple` or `term`; the whole term with OT_SEQ_FULL. */
static void value_label(seq *s, ot__buf *sb, ot_term v)
{
    if (s->flags & OT_SEQ_FULL) {
        ot__mm_term(sb, v, s->limit, OT_MERMAID_TEXT, s->max_label);
        return;
    }
    ot_term head = ot_tuple_arity(v) > 0 ? ot_tuple_get(v, 0) : OT_NONE;
    size_t len;
    const char *text;
    if (head != OT_NONE && (text = ot_atom_text(head, &len)))
        ot__mm_escape(sb, text, len, OT_MERMAID_TEXT, s->max_label);
    else if ((text = ot_atom_text(v, &len)))
        ot__mm_escape(sb, text, len, OT_MERMAID_TEXT, s->max_label);
    else if (ot_is_ref(v))
        ot__mm_term(sb, v, s->limit, OT_MERMAID_TEXT, s->max_label);
    else if (ot_is_tuple(v))
        ot__buf_puts(sb, "tuple");
    else
        ot__buf_puts(sb, "term");
}

static void reason_label(seq *s, ot__buf *sb, ot_term r)
{
    if (s->flags & OT_SEQ_FULL) {
        ot__mm_term(sb, r, s->limit, OT_MERMAID_TEXT, s->max_label);
        return;
    }
    if (r == OT_ATOM(NORMAL))
        ot__buf_puts(sb, "normal");
    else if (r == OT_ATOM(SHUTDOWN) || is_tagged(r, 2, OT_ATOM(SHUTDOWN)))
        ot__buf_puts(sb, "shutdown");
    else
        ot__buf_puts(sb, "abnormal");
}

/* ---------------------------------------------------------------- participants */

static size_t find_part(const seq *s, ot_term t)
{
    if (!s->nslots)
        return SIZE_MAX;
    for (size_t j = ot_hash(t) & (s->nslots - 1); s->slots[j]; j = (j + 1) & (s->nslots - 1))
        if (ot_equal(s->parts[s->slots[j] - 1], t))
            return s->slots[j] - 1;
    return SIZE_MAX;
}

/* Indexes parts[i]; grows the index to keep it at most half full. */
static bool index_part(seq *s, size_t i)
{
    if ((s->nparts + 1) * 2 > s->nslots) {
        size_t n = s->nslots ? 2 * s->nslots : 64;
        size_t *ns = ot__calloc(n, sizeof *ns);
        if (!ns)
            return false;
        ot__free(s->slots);
        s->slots = ns;
        s->nslots = n;
        for (size_t k = 0; k < s->nparts; k++)
            if (k != i)
                index_part(s, k);
    }
    size_t j = ot_hash(s->parts[i]) & (s->nslots - 1);
    while (s->slots[j])
        j = (j + 1) & (s->nslots - 1);
    s->slots[j] = i + 1;
    return true;
}

/* The text after "AS": self(), a registered name, label<br/><pid>, or the
 * pid as #35;PID<0.1.2>. */
static void part_text(seq *s, ot__buf *sb, ot_term p)
{
    if (s->self != OT_NONE && ot_equal(p, s->self)) {
        ot__buf_puts(sb, "self()");
        return;
    }
    ot_term info = OT_NONE;
    if (ot_is_map(s->processes))
        info = ot_map_get(s->processes, p);
    ot_term name = ot__viz_get(info, "name");
    if (!ot__viz_absent(name) && ot_is_atom(name)) {
        ot__mm_name(sb, name, s->max_label);
        return;
    }
    ot_term label = ot__viz_get(info, "label");
    if (!ot__viz_absent(label)) {
        size_t n;
        const uint8_t *b;
        if (ot_is_binary(label) && (b = ot_binary_data(label, &n)) && ot__utf8_valid(b, n, NULL))
            ot__mm_escape(sb, (const char *)b, n, OT_MERMAID_TEXT, s->max_label);
        else
            ot__mm_term(sb, label, s->limit, OT_MERMAID_TEXT, s->max_label);
        ot__buf_puts(sb, "<br/>");
        if (ot_is_pid(p))
            ot__mm_pid_text(sb, p);
        else
            ot__mm_term(sb, p, s->limit, OT_MERMAID_TEXT, s->max_label);
        return;
    }
    if (ot_is_pid(p)) {
        ot__buf_puts(sb, "#35;PID");
        ot__mm_pid_text(sb, p);
    } else if (ot_is_atom(p)) {
        ot__mm_name(sb, p, s->max_label);
    } else {
        ot__mm_term(sb, p, s->limit, OT_MERMAID_TEXT, s->max_label);
    }
}

/* The participant's number, declaring it (into `decl`) if it is new. New
 * participants are recorded in `pending` so that an event that does not
 * fit the budget can be undone. */
static size_t part_index(seq *s, ot_term p, ot__buf *decl, size_t *pending)
{
    size_t i = find_part(s, p);
    if (i != SIZE_MAX)
        return i;
    if (s->nparts == s->capparts) {
        size_t cap = s->capparts ? 2 * s->capparts : 16;
        ot_term *np = ot__realloc(s->parts, cap * sizeof *np);
        if (!np) {
            decl->failed = true;
            return 0;
        }
        s->parts = np;
        bool *na = ot__realloc(s->active, cap * sizeof *na);
        if (!na) {
            decl->failed = true;
            return 0;
        }
        s->active = na;
        s->capparts = cap;
    }
    i = s->nparts;
    s->parts[i] = p;
    s->active[i] = false;
    if (!index_part(s, i)) {
        decl->failed = true;
        return 0;
    }
    s->nparts++;
    (*pending)++;
    ot__buf_printf(decl, "participant %zu AS ", i);
    part_text(s, decl, p);
    ot__buf_puts(decl, ";\n");
    return i;
}

/* ---------------------------------------------------------------- calls */

static void remember_call(seq *s, ot__buf *sb, ot_term tag, ot_term caller, ot_term callee)
{
    if (s->ncalls == s->capcalls) {
        size_t cap = s->capcalls ? 2 * s->capcalls : 16;
        call *nc = ot__realloc(s->calls, cap * sizeof *nc);
        if (!nc) {
            sb->failed = true;
            return;
        }
        s->calls = nc;
        s->capcalls = cap;
    }
    s->calls[s->ncalls++] = (call){tag, caller, callee};
}

/* The call that `msg` sent by `from` answers, or SIZE_MAX. */
static size_t find_reply(const seq *s, ot_term msg, ot_term from)
{
    if (ot_tuple_arity(msg) != 2)
        return SIZE_MAX;
    ot_term tag = ot_tuple_get(msg, 0);
    for (size_t i = s->ncalls; i-- > 0;)
        if (ot_equal(s->calls[i].tag, tag) && ot_equal(s->calls[i].callee, from))
            return i;
    return SIZE_MAX;
}

/* ---------------------------------------------------------------- events */

typedef enum after { AFTER_NONE, AFTER_ACTIVATE, AFTER_DEACTIVATE } after;

/* Writes the lines of one event into `lines`, declaring new participants
 * into `decl`. Returns false if the event draws nothing. */
static bool draw_event(seq *s, const ev *e, ot__buf *decl, ot__buf *lines, size_t *pending,
                       size_t *activate_idx, after *post)
{
    ot_term msg = ot__viz_get(e->map, "msg");
    ot_term reason = ot__viz_get(e->map, "reason");
    ot_term to = e->to;
    const char *arrow = "->>";
    *post = AFTER_NONE;

    if (e->type == EV_EXIT && to == OT_NONE) {
        size_t f = find_part(s, e->from);
        if (f == SIZE_MAX || !s->active[f])
            return false;
        ot__buf_printf(lines, "deactivate %zu\n", f);
        *activate_idx = f;
        *post = AFTER_DEACTIVATE;
        return true;
    }

    /* what kind of message this is, and its reply tag if it answers a call */
    enum { K_INFO, K_SPAWN, K_EXIT, K_DOWN, K_CALL, K_CAST, K_REPLY } kind = K_INFO;
    size_t reply_of = SIZE_MAX;
    switch (e->type) {
    case EV_SPAWN: kind = K_SPAWN; break;
    case EV_EXIT: kind = K_EXIT; break;
    case EV_DOWN: kind = K_DOWN; break;
    case EV_SEND:
        if (is_tagged(msg, 3, OT_ATOM(EXIT))) {
            kind = K_EXIT;
            reason = ot_tuple_get(msg, 2);
        } else if (is_tagged(msg, 8, ot_atom("spawn_request"))) {
            kind = K_SPAWN;
        } else if (is_tagged(msg, 5, OT_ATOM(DOWN)) && ot_tuple_get(msg, 2) == OT_ATOM(PROCESS)) {
            kind = K_DOWN;
            reason = ot_tuple_get(msg, 4);
        } else if (is_tagged(msg, 3, OT_ATOM(GEN_CALL))) {
            kind = K_CALL;
        } else if (is_tagged(msg, 2, OT_ATOM(GEN_CAST))) {
            kind = K_CAST;
        } else if ((s->flags & OT_SEQ_REPLIES) && (reply_of = find_reply(s, msg, e->from)) != SIZE_MAX) {
            kind = K_REPLY;
            arrow = "-->>";
            if (!ot_is_pid(to))
                to = s->calls[reply_of].caller;   /* a reply sent to an alias */
        }
        break;
    }
    if (reason == OT_NONE)
        reason = OT_ATOM(NORMAL);

    size_t fi = part_index(s, e->from, decl, pending);
    size_t ti = part_index(s, to, decl, pending);
    ot__buf_printf(lines, "%zu%s%zu: ", fi, arrow, ti);

    const char *custom = s->o && s->o->label ? s->o->label(s->o->label_arg, e->map) : NULL;
    if (custom) {
        ot__mm_escape(lines, custom, strlen(custom), OT_MERMAID_TEXT, s->max_label);
    } else {
        switch (kind) {
        case K_SPAWN: ot__buf_puts(lines, "SPAWN"); break;
        case K_EXIT: ot__buf_puts(lines, "EXIT: "); reason_label(s, lines, reason); break;
        case K_DOWN: ot__buf_puts(lines, "DOWN: "); reason_label(s, lines, reason); break;
        case K_CALL: ot__buf_puts(lines, "CALL: "); value_label(s, lines, ot_tuple_get(msg, 2)); break;
        case K_CAST: ot__buf_puts(lines, "CAST: "); value_label(s, lines, ot_tuple_get(msg, 1)); break;
        case K_REPLY: ot__buf_puts(lines, "REPLY: "); value_label(s, lines, ot_tuple_get(msg, 1)); break;
        case K_INFO: ot__buf_puts(lines, "INFO: "); value_label(s, lines, msg); break;
        }
    }
    ot__buf_putc(lines, '\n');

    if (kind == K_CALL && (s->flags & OT_SEQ_REPLIES)) {
        ot_term from = ot_tuple_get(msg, 1);   /* {caller, tag} */
        if (ot_tuple_arity(from) == 2)
            remember_call(s, lines, ot_tuple_get(from, 1), ot_tuple_get(from, 0), to);
    }
    if (kind == K_REPLY) {
        s->calls[reply_of] = s->calls[--s->ncalls];
    }
    if (kind == K_SPAWN) {
        *activate_idx = ti;
        *post = AFTER_ACTIVATE;
    } else if (kind == K_EXIT || kind == K_DOWN) {
        *activate_idx = fi;
        *post = AFTER_DEACTIVATE;
    }
    return true;
}

/* ot_mermaid_seq's steps: the options, the trace's events read and
 * ordered, the events drawn within the budget, the "N more events" note,
 * the text put together. */

/* The budget of one diagram: events drawn at most, bytes at most. */
typedef struct seq_budget {
    size_t max_events, max_bytes;
} seq_budget;

/* Step 1: the options, with their defaults. */
static seq_budget seq_config(seq *s, const ot_seq_opts *opts)
{
    s->flags = opts ? opts->flags : 0;
    s->limit = opts && opts->print_limit ? opts->print_limit : 10;
    s->max_label = opts && opts->max_label ? opts->max_label : 120;
    return (seq_budget){opts && opts->max_events ? opts->max_events : 1000,
                        opts && opts->max_bytes ? opts->max_bytes : 45000};
}

/* Step 2: the events list, from a bare list or a trace map (with its
 * :self and :processes); a negative errno with err filled if malformed. */
static int seq_events(seq *s, ot_term trace, ot_term *events, ssize_t *n)
{
    *events = trace;
    if (ot_is_map(trace)) {
        *events = ot__viz_get(trace, "events");
        s->self = ot__viz_get(trace, "self");
        if (ot__viz_absent(s->self))
            s->self = OT_NONE;
        s->processes = ot__viz_get(trace, "processes");
        if (s->processes != OT_NONE && !ot_is_map(s->processes))
            return fail(s, SIZE_MAX, ":processes is not a map of pid => %{name, label}");
        if (*events == OT_NONE)
            return fail(s, SIZE_MAX, "the trace map has no :events list");
    }
    *n = ot_list_length(*events);
    if (*n < 0)
        return fail(s, SIZE_MAX, "the events are not a proper list");
    return 0;
}

/* Step 3: the events read, those the options keep, in time order when
 * every one has a time. *evs is malloc'd (the caller frees it). */
static int seq_collect(seq *s, ot_term events, ssize_t n, ev **evs_out, size_t *kept_out)
{
    ev *evs = ot__malloc(((size_t)n + 1) * sizeof *evs);
    if (!evs)
        return -ENOMEM;
    size_t kept = 0;
    bool all_timed = true;
    size_t pos = 0;
    for (ot_term l = events; l != OT_NIL; l = ot_tl(l), pos++) {
        ev e;
        int rc = read_event(s, ot_hd(l), pos, &e);
        if (rc < 0) {
            ot__free(evs);
            return rc;
        }
        if (!keep(s, &e))
            continue;
        if (e.time == INT64_MIN)
            all_timed = false;
        evs[kept++] = e;
    }
    if (all_timed)
        qsort(evs, kept, sizeof *evs, cmp_ev);
    *evs_out = evs;
    *kept_out = kept;
    return 0;
}

/* Step 4: participants and messages into s->part_lines and s->msg_lines,
 * event by event while the budget lasts (`used` bytes are taken by the
 * header). Returns how many kept events were not drawn; *failed if
 * memory ran out. */
static size_t seq_draw(seq *s, const ev *evs, size_t kept, seq_budget b, size_t used, bool *failed)
{
    const size_t note_room = 64;   /* "Note over 0,N: … N more events\n" */
    size_t drawn = 0;
    ot__buf decl = {0}, lines = {0};
    size_t i;
    for (i = 0; i < kept; i++) {
        if (drawn == b.max_events)
            break;
        size_t pending = 0, idx = 0;
        after post;
        decl.len = 0;
        lines.len = 0;
        if (!draw_event(s, &evs[i], &decl, &lines, &pending, &idx, &post)) {
            continue;
        }
        if (post == AFTER_ACTIVATE) {
            if (!s->active[idx])
                ot__buf_printf(&lines, "activate %zu\n", idx);
        } else if (post == AFTER_DEACTIVATE && evs[i].to != OT_NONE) {
            if (s->active[idx])
                ot__buf_printf(&lines, "deactivate %zu\n", idx);
        }
        if (decl.failed || lines.failed)
            break;
        if (used + decl.len + lines.len + note_room > b.max_bytes && drawn > 0) {
            s->nparts -= pending;   /* this event does not fit: drawing stops here */
            break;
        }
        if (post == AFTER_ACTIVATE)
            s->active[idx] = true;
        else if (post == AFTER_DEACTIVATE)
            s->active[idx] = false;
        ot__buf_add(&s->part_lines, decl.data ? decl.data : "", decl.len);
        ot__buf_add(&s->msg_lines, lines.data ? lines.data : "", lines.len);
        used += decl.len + lines.len;
        drawn++;
    }
    *failed = decl.failed || lines.failed;
    ot__buf_free(&decl);
    ot__buf_free(&lines);
    return kept - i;
}

/* Step 5: the note that says how many events were left out. */
static void seq_note_rest(seq *s, size_t rest)
{
    if (s->nparts == 0)
        ot__buf_puts(&s->part_lines, "participant 0 AS …;\n"), s->nparts = 1;
    if (s->nparts == 1)
        ot__buf_printf(&s->msg_lines, "Note over 0: … %zu more event%s\n", rest, rest == 1 ? "" : "s");
    else
        ot__buf_printf(&s->msg_lines, "Note over 0,%zu: … %zu more event%s\n", s->nparts - 1, rest,
                      rest == 1 ? "" : "s");
}

/* Step 6: header, participants and messages as one text in *out; frees
 * what the drawing kept in s. Its length, or -ENOMEM. */
static ssize_t seq_finish(seq *s, ot__buf *head, bool failed, char **out)
{
    ot__buf_add(head, s->part_lines.data ? s->part_lines.data : "", s->part_lines.len);
    ot__buf_add(head, s->msg_lines.data ? s->msg_lines.data : "", s->msg_lines.len);
    failed = failed || s->part_lines.failed || s->msg_lines.failed;
    ot__buf_free(&s->part_lines);
    ot__buf_free(&s->msg_lines);
    ot__free(s->parts);
    ot__free(s->slots);
    ot__free(s->active);
    ot__free(s->calls);
    size_t len;
    char *text = ot__buf_take(head, &len);
    if (failed || !text) {
        ot__free(text);
        return -ENOMEM;
    }
    *out = text;
    return (ssize_t)len;
}

ssize_t ot_mermaid_seq(ot_term trace, const ot_seq_opts *opts, char **out,
                       ot_mermaid_error *err)
{
    if (err) {
        err->index = SIZE_MAX;
        err->what = NULL;
    }
    seq s = {.o = opts, .err = err, .self = OT_NONE, .processes = OT_NONE};
    if (!out)
        return fail(&s, SIZE_MAX, "no place for the text (out is NULL)");
    *out = NULL;
    seq_budget b = seq_config(&s, opts);
    ot_term events;
    ssize_t n;
    int rc = seq_events(&s, trace, &events, &n);
    if (rc < 0)
        return rc;
    ev *evs;
    size_t kept;
    rc = seq_collect(&s, events, n, &evs, &kept);
    if (rc < 0)
        return rc;

    ot__buf head = {0};
    if (!(s.flags & OT_SEQ_NO_INIT))
        ot__buf_puts(&head, INIT_LINE);
    ot__buf_puts(&head, "sequenceDiagram\n");
    bool failed;
    size_t rest = seq_draw(&s, evs, kept, b, head.len, &failed);
    ot__free(evs);
    if (rest > 0 && !failed)
        seq_note_rest(&s, rest);
    return seq_finish(&s, &head, failed, out);
}
