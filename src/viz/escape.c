/* escape.c — text inside Mermaid diagrams.
 *
 * Mermaid reads entities written as #name; or #123; anywhere in a diagram
 * (it swaps them out before parsing and back into HTML entities when it
 * draws), so any character that the diagram grammar or the HTML of a label
 * would take for syntax is written as an entity, the style Kino uses for
 * `#35;PID<...>`. What needs it, found by running mermaid's own parser
 * over adversarial text (tests/unit/test_mermaid.c):
 *   #            starts an entity or a comment           -> #35;
 *   ;            ends a statement                        -> #59;
 *   "            ends a quoted node text                 -> #quot;
 *   < > &        markup in HTML labels                   -> #lt; #gt; #amp;
 *   %            %% starts a comment or directive        -> #37;
 *   `            starts a markdown string                -> #96;
 *   :            `style...:X#...;` lines lose their last ';' to a regex,
 *                so a ':' followed in the same word by an entity -> #58;
 *   white space  trimmed at both ends of a text          -> #32; etc.
 *   newline      ends a statement                        -> <br/>
 * Inside a "`markdown string`" the characters that start emphasis, links,
 * lists or escapes are written as entities too.
 */
#include <errno.h>
#include <string.h>

#include "base/alloc.h"
#include "viz/viz_internal.h"

/* White space as JavaScript's String.prototype.trim sees it (Mermaid trims
 * texts with it). */
static bool js_space(uint32_t c)
{
    return c == ' ' || (c >= 0x09 && c <= 0x0d) || c == 0xa0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f ||
           c == 0x205f || c == 0x3000 || c == 0xfeff;
}

static bool ascii_alnum(uint32_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

typedef enum how {
    RAW = 0,       /* the character itself */
    ENTITY,        /* #name; or #123; */
    BREAK,         /* <br/> */
    NEWLINE        /* a raw newline (markdown strings) */
} how;

/* The decision for each character, made once the whole text is known. */
static how decide(const uint32_t *cp, size_t n, size_t i, size_t first, size_t last,
                  ot_mermaid_place place, bool line_start)
{
    uint32_t c = cp[i];
    bool edge = i < first || i > last;
    if (c == '\n') {
        if (place == OT_MERMAID_TEXT)
            return BREAK;
        /* markdown: one newline inside the text is a line break; blank
         * lines and newlines at either end would vanish */
        if (edge || (i > 0 && cp[i - 1] == '\n'))
            return ENTITY;
        return NEWLINE;
    }
    if (js_space(c))
        return (c == ' ' && !edge && !(place == OT_MERMAID_MARKDOWN && line_start)) ? RAW : ENTITY;
    if (c < 0x20 || c == 0x7f)
        return ENTITY;
    switch (c) {
    case '#': case ';': case '"': case '<': case '>': case '&': case '%': case '`':
        return ENTITY;
    default:
        break;
    }
    if (place == OT_MERMAID_MARKDOWN) {
        switch (c) {
        case '*': case '~': case '[': case ']': case '\\': case '!': case '|':
        case '{': case '}': case '$':
            return ENTITY;
        case '_':
            /* intraword underscores never start emphasis (my_ets_table) */
            if (i > 0 && i + 1 < n && ascii_alnum(cp[i - 1]) && ascii_alnum(cp[i + 1]))
                return RAW;
            return ENTITY;
        case '-': case '+': case '=':
            return line_start ? ENTITY : RAW;
        default:
            if (line_start && c >= '0' && c <= '9')
                return ENTITY;
            break;
        }
    }
    return RAW;
}

static void put_cp(ot__buf *sb, uint32_t c)
{
    uint8_t u[4];
    size_t l = ot__utf8_encode(c, u);
    ot__buf_add(sb, (const char *)u, l);
}

static void put_entity(ot__buf *sb, uint32_t c)
{
    switch (c) {
    case '"': ot__buf_puts(sb, "#quot;"); return;
    case '<': ot__buf_puts(sb, "#lt;"); return;
    case '>': ot__buf_puts(sb, "#gt;"); return;
    case '&': ot__buf_puts(sb, "#amp;"); return;
    default: ot__buf_printf(sb, "#%u;", (unsigned)c); return;
    }
}

void ot__mm_escape(ot__buf *sb, const char *s, size_t n, ot_mermaid_place place,
                   size_t max_chars)
{
    /* decode (at most max_chars + 1 characters are needed) */
    size_t cap = n + 1;
    if (max_chars && max_chars + 1 < cap)
        cap = max_chars + 1;
    uint32_t *cp = ot__malloc(cap * sizeof *cp);
    uint8_t *ent_after = ot__malloc(cap);
    if (!cp || !ent_after) {
        ot__free(cp);
        ot__free(ent_after);
        sb->failed = true;
        return;
    }
    size_t k = 0, i = 0;
    bool cut = false;
    while (i < n) {
        if (max_chars && k == max_chars) {
            cut = true;
            break;
        }
        uint32_t c;
        size_t l = ot__utf8_decode((const uint8_t *)s + i, n - i, &c);
        if (l == 0) {
            c = 0xfffd;
            l = 1;
        }
        if (c == 0)
            c = 0xfffd;
        cp[k++] = c;
        i += l;
    }
    if (cut) {
        k = max_chars > 0 ? max_chars - 1 : 0;
        cp[k++] = 0x2026;   /* … */
    }
    if (k == 0) {
        ot__buf_puts(sb, "#8203;");
        ot__free(cp);
        ot__free(ent_after);
        return;
    }

    /* the first and last characters that are not white space */
    size_t first = 0, last = k - 1;
    while (first < k && js_space(cp[first]))
        first++;
    while (last > 0 && js_space(cp[last]))
        last--;
    if (first == k) {   /* all white space: every character is at an edge */
        first = 1;
        last = 0;
    }

    /* pass 1 (right to left): does an entity follow within the same word?
     * Words end at raw spaces only, as \S in Mermaid's style regex sees them. */
    bool line_start = true;
    how *hw = ot__malloc(k * sizeof *hw);
    if (!hw) {
        ot__free(cp);
        ot__free(ent_after);
        sb->failed = true;
        return;
    }
    for (size_t j = 0; j < k; j++) {
        hw[j] = decide(cp, k, j, first, last, place, line_start);
        line_start = hw[j] == NEWLINE || (line_start && hw[j] == ENTITY && js_space(cp[j]));
    }
    bool after = false;
    for (size_t j = k; j-- > 0;) {
        ent_after[j] = after;
        if (hw[j] == RAW && cp[j] == ' ')
            after = false;
        else if (hw[j] == NEWLINE)
            after = false;
        else if (hw[j] == ENTITY)
            after = true;
    }

    for (size_t j = 0; j < k; j++) {
        uint32_t c = cp[j];
        switch (hw[j]) {
        case ENTITY:
            put_entity(sb, c);
            break;
        case BREAK:
            ot__buf_puts(sb, "<br/>");
            break;
        case NEWLINE:
            ot__buf_putc(sb, '\n');
            break;
        case RAW:
            if (c == ':' && ent_after[j])
                ot__buf_puts(sb, "#58;");
            else
                put_cp(sb, c);
            break;
        }
    }
    ot__free(hw);
    ot__free(cp);
    ot__free(ent_after);
}

ssize_t ot_mermaid_escape(const char *s, size_t n, ot_mermaid_place place, char **out)
{
    if (!out || (!s && n) || (place != OT_MERMAID_TEXT && place != OT_MERMAID_MARKDOWN))
        return -EINVAL;
    ot__buf sb = {0};
    ot__mm_escape(&sb, s ? s : "", n, place, 0);
    size_t len;
    char *text = ot__buf_take(&sb, &len);
    if (!text)
        return -ENOMEM;
    *out = text;   /* ot__free is free() */
    return (ssize_t)len;
}

void ot__mm_term(ot__buf *sb, ot_term t, size_t limit, ot_mermaid_place place,
                 size_t max_chars)
{
    ot_print_opts po = {.syntax = OT_SYNTAX_ELIXIR, .limit = limit};
    ot__buf tmp = {0};
    int rc = ot__print_sb(&tmp, t, &po);
    if (rc < 0 || tmp.failed) {
        ot__buf_free(&tmp);
        sb->failed = true;
        return;
    }
    ot__mm_escape(sb, tmp.data ? tmp.data : "", tmp.len, place, max_chars);
    ot__buf_free(&tmp);
}

void ot__mm_pid_text(ot__buf *sb, ot_term pid)
{
    ot_print_opts po = {.syntax = OT_SYNTAX_ERLANG};
    if (ot__print_sb(sb, pid, &po) < 0)
        sb->failed = true;
}

void ot__mm_name(ot__buf *sb, ot_term atom, size_t max_chars)
{
    size_t len;
    const char *text = ot_atom_text(atom, &len);
    if (!text) {
        ot__mm_term(sb, atom, 10, OT_MERMAID_TEXT, max_chars);
        return;
    }
    if (len > 7 && memcmp(text, "Elixir.", 7) == 0) {
        text += 7;
        len -= 7;
    }
    ot__mm_escape(sb, text, len, OT_MERMAID_TEXT, max_chars);
}

bool ot__mm_plain(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(ascii_alnum(c) || c == '_' || c == '.'))
            return false;
    }
    return true;
}

ot_term ot__viz_get(ot_term m, const char *key)
{
    if (!ot_is_map(m))
        return OT_NONE;
    ot_term k = ot_atom(key);
    return k == OT_NONE ? OT_NONE : ot_map_get(m, k);
}

bool ot__viz_absent(ot_term v)
{
    return v == OT_NONE || v == OT_NIL || v == OT_ATOM(NIL) || v == OT_ATOM(UNDEFINED);
}
