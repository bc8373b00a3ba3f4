/* print.c — terms as text: Elixir's inspect/2 (1.14) or Erlang's
 * io_lib:format("~tp") on one line.
 *
 * One walker serves both syntaxes and three destinations (a caller's
 * buffer with snprintf semantics, a growing string, a FILE). The walk
 * never recurses in C: containers are entered by pushing a frame on an
 * explicit stack (a few frames on the C stack, then the heap), and list
 * tails are followed in a loop, so neither long lists nor deep nesting
 * need a large C stack. Printing into a caller's buffer allocates nothing
 * unless nesting is deeper than FRAMES_INLINE or a bignum is longer than
 * BIG_INLINE limbs.
 *
 * The rules below come from Elixir 1.14's Inspect implementations
 * (Inspect.Atom / Macro.inspect_atom, Inspect.BitString, Inspect.List,
 * Inspect.Map, Code.Identifier.escape) and OTP 25's io_lib / io_lib_pretty,
 * and are checked against the real ones by tests/unit/test_print_oracle.c.
 * Where otter cannot know what BEAM knows, it prints a documented
 * approximation (docs/terms.md, "Printing"):
 *   - pids, ports and references of other nodes show the node's atom index
 *     where BEAM shows its node-table slot: #PID<N.id.serial>;
 *   - local funs print without the defining function's name, which the
 *     external format does not carry: #Function<Index.Uniq/Arity in Mod>;
 *   - maps print their keys in otter's map order (Erlang's term order),
 *     which is BEAM's order for maps of up to 32 keys;
 *   - a map whose __struct__ is an atom prints as the plain map, as
 *     inspect does when the module is not loaded;
 *   - atoms of non-ASCII letters are classified with a coarse letter test
 *     (Elixir's mixed-script and NFC checks are not repeated).
 */
#include <errno.h>
#include <stdio.h>

#include "term/term_internal.h"

/* ---------------------------------------------------------------- sink */

/* Where text goes. A window [cur, end) is filled directly; when it is full
 * the mode's slow path runs. `total` counts every byte produced, written
 * or not, which gives ot_print its snprintf return value. */
enum sink_mode { SINK_BUF, SINK_SB, SINK_FILE };

typedef struct sink {
    char *cur, *end;
    size_t total;           /* bytes emitted before the window start + ... */
    char *win;              /* start of the current window */
    enum sink_mode mode;
    bool failed;            /* out of memory (SB) */
    int err;                /* I/O error (FILE) */
    ot__buf *sb;
    FILE *f;
    char chunk[512];        /* FILE mode buffer */
} sink;

static void sink_slow(sink *s, const char *p, size_t n);

static inline void put(sink *s, const char *p, size_t n)
{
    if ((size_t)(s->end - s->cur) >= n) {
        memcpy(s->cur, p, n);
        s->cur += n;
        return;
    }
    sink_slow(s, p, n);
}

static inline void putc1(sink *s, char c)
{
    if (s->cur < s->end) {
        *s->cur++ = c;
        return;
    }
    sink_slow(s, &c, 1);
}

#define PUTS(s, lit) put((s), (lit), sizeof(lit) - 1)

static inline void put_str(sink *s, const char *z) { put(s, z, strlen(z)); }

static void sink_slow(sink *s, const char *p, size_t n)
{
    switch (s->mode) {
    case SINK_BUF: {
        /* Fill what fits, count the rest. */
        size_t room = (size_t)(s->end - s->cur);
        if (room)
            memcpy(s->cur, p, room);
        s->cur += room;
        s->total += n - room;
        return;
    }
    case SINK_SB: {
        ot__buf *sb = s->sb;
        sb->len = (size_t)(s->cur - sb->data);
        ot__buf_add(sb, p, n);
        if (sb->failed) {
            s->failed = true;
            /* Keep counting into nothing. */
            s->cur = s->end = s->win = NULL;
            s->total += n;
            return;
        }
        /* Grow the window to the whole capacity (minus the NUL). */
        s->win = sb->data;
        s->cur = sb->data + sb->len;
        s->end = sb->data + sb->cap - 1;
        return;
    }
    case SINK_FILE: {
        size_t have = (size_t)(s->cur - s->chunk);
        if (have && !s->err && fwrite(s->chunk, 1, have, s->f) != have)
            s->err = errno ? errno : EIO;
        s->total += have;
        s->cur = s->chunk;
        if (n >= sizeof s->chunk) {
            if (!s->err && fwrite(p, 1, n, s->f) != n)
                s->err = errno ? errno : EIO;
            s->total += n;
            return;
        }
        memcpy(s->cur, p, n);
        s->cur += n;
        return;
    }
    }
}

/* ---------------------------------------------------------------- numbers */

static void put_u64(sink *s, uint64_t v)
{
    char buf[24];
    char *e = buf + sizeof buf, *p = e;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put(s, p, (size_t)(e - p));
}

static void put_i64(sink *s, int64_t v)
{
    if (v < 0) {
        putc1(s, '-');
        put_u64(s, (uint64_t)0 - (uint64_t)v);
    } else {
        put_u64(s, (uint64_t)v);
    }
}

#define BIG_INLINE 8

/* Decimal text of any integer term. Uses the heap only for integers of
 * more than BIG_INLINE limbs; false if that allocation fails. */
static bool put_int(sink *s, ot_term t)
{
    if (ot__is_small(t)) {
        put_i64(s, ot__small_val(t));
        return true;
    }
    bool neg;
    const uint64_t *l;
    uint64_t scratch;
    size_t n = ot__int_limbs(t, &neg, &l, &scratch);
    uint64_t wbuf[BIG_INLINE];
    char dbuf[BIG_INLINE * 20 + 2];
    uint64_t *work = wbuf;
    char *digits = dbuf;
    size_t dcap = sizeof dbuf;
    if (n > BIG_INLINE) {
        dcap = n * 20 + 2;
        work = ot__malloc(n * sizeof *work);
        digits = ot__malloc(dcap);
        if (!work || !digits) {
            ot__free(work);
            ot__free(digits);
            return false;
        }
    }
    memcpy(work, l, n * sizeof *work);
    char *p = ot__mag_to_decimal(work, n, digits + dcap);
    if (neg)
        *--p = '-';
    put(s, p, (size_t)(digits + dcap - p));
    if (work != wbuf) {
        ot__free(work);
        ot__free(digits);
    }
    return true;
}

static double float_val(ot_term t)
{
    double d;
    memcpy(&d, ot__box_ptr(t) + 1, sizeof d);
    return d;
}

/* The float text of ot__float_text, into the sink. The buffer borrows
 * local memory larger than any float text, so it never allocates. */
static void put_float_erlang(sink *s, double d)
{
    char buf[64];
    ot__buf sb;
    ot__buf_init_mem(&sb, buf, sizeof buf);
    ot__float_text(&sb, d);
    put(s, buf, sb.len);
}

/* Inspect.Float: integral values in [1, 1e16) print as the integer with
 * ".0"; everything else as Erlang does. */
static void put_float_elixir(sink *s, double d)
{
    double a = d < 0 ? -d : d;
    if (a >= 1.0 && a < 1.0e16 && (double)(int64_t)d == d) {
        put_i64(s, (int64_t)d);
        PUTS(s, ".0");
        return;
    }
    put_float_erlang(s, d);
}

/* ---------------------------------------------------------------- text */

static const char HEX[] = "0123456789ABCDEF";

static void put_utf8(sink *s, uint32_t cp)
{
    uint8_t b[4];
    size_t n = ot__utf8_encode(cp, b);
    put(s, (const char *)b, n);
}

/* Code.Identifier.escape(text, q): Elixir's escaping inside "..." or
 * '...'. Invalid UTF-8 bytes (never in atoms or printable strings) become
 * \xHH. */
static void put_elixir_escaped(sink *s, const uint8_t *p, size_t n, char q)
{
    size_t i = 0;
    while (i < n) {
        /* Copy a run of plain ASCII in one go. */
        size_t j = i;
        while (j < n && p[j] >= 0x20 && p[j] < 0x7f && p[j] != (uint8_t)q && p[j] != '\\' &&
               p[j] != '#')
            j++;
        if (j > i) {
            put(s, (const char *)p + i, j - i);
            i = j;
            if (i == n)
                break;
        }
        uint8_t c = p[i];
        if (c == (uint8_t)q) {
            putc1(s, '\\');
            putc1(s, q);
            i++;
            continue;
        }
        if (c == '#') {
            if (i + 1 < n && p[i + 1] == '{') {
                PUTS(s, "\\#{");
                i += 2;
            } else {
                putc1(s, '#');
                i++;
            }
            continue;
        }
        uint32_t cp;
        size_t l = ot__utf8_decode(p + i, n - i, &cp);
        if (!l) {
            char e[4] = { '\\', 'x', HEX[c >> 4], HEX[c & 15] };
            put(s, e, 4);
            i++;
            continue;
        }
        i += l;
        switch (cp) {
        case '\a': PUTS(s, "\\a"); continue;
        case '\b': PUTS(s, "\\b"); continue;
        case 0x7f: PUTS(s, "\\d"); continue;
        case 0x1b: PUTS(s, "\\e"); continue;
        case '\f': PUTS(s, "\\f"); continue;
        case '\n': PUTS(s, "\\n"); continue;
        case '\r': PUTS(s, "\\r"); continue;
        case '\t': PUTS(s, "\\t"); continue;
        case '\v': PUTS(s, "\\v"); continue;
        case '\\': PUTS(s, "\\\\"); continue;
        case 0: PUTS(s, "\\0"); continue;
        case 0xfeff: PUTS(s, "\\uFEFF"); continue;
        default: break;
        }
        if ((cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xd7ff) ||
            (cp >= 0xe000 && cp <= 0xfffd) || cp >= 0x10000) {
            put(s, (const char *)p + i - l, l);
        } else if (cp < 0x100) {
            char e[4] = { '\\', 'x', HEX[cp >> 4], HEX[cp & 15] };
            put(s, e, 4);
        } else {
            char e[9] = { '\\', 'x', '{', HEX[(cp >> 12) & 15], HEX[(cp >> 8) & 15],
                          HEX[(cp >> 4) & 15], HEX[cp & 15], '}' };
            put(s, e, 8);
        }
    }
}

/* io_lib's string_char for unicode text (write_string/2): one code point
 * inside a q-quoted Erlang string or atom. */
static void put_erlang_char(sink *s, uint32_t c, char q)
{
    if (c == (uint32_t)(uint8_t)q) {
        putc1(s, '\\');
        putc1(s, q);
    } else if (c == '\\') {
        PUTS(s, "\\\\");
    } else if (c >= 0x20 && c <= 0x7e) {
        putc1(s, (char)c);
    } else if (c >= 0xa0) {
        put_utf8(s, c);
    } else {
        switch (c) {
        case '\n': PUTS(s, "\\n"); break;
        case '\r': PUTS(s, "\\r"); break;
        case '\t': PUTS(s, "\\t"); break;
        case '\v': PUTS(s, "\\v"); break;
        case '\b': PUTS(s, "\\b"); break;
        case '\f': PUTS(s, "\\f"); break;
        case 0x1b: PUTS(s, "\\e"); break;
        case 0x7f: PUTS(s, "\\d"); break;
        default: {
            char e[4] = { '\\', (char)('0' + (c >> 6)), (char)('0' + ((c >> 3) & 7)),
                          (char)('0' + (c & 7)) };
            put(s, e, 4);
        }
        }
    }
}

/* UTF-8 text as an Erlang q-quoted string body. */
static void put_erlang_escaped_utf8(sink *s, const uint8_t *p, size_t n, char q)
{
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t l = ot__utf8_decode(p + i, n - i, &cp);
        if (!l) {
            cp = p[i];
            l = 1;
        }
        put_erlang_char(s, cp, q);
        i += l;
    }
}

/* ---------------------------------------------------------------- atoms */

static bool eq(const char *a, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(a, lit, n) == 0;
}

static bool in_list(const char *a, size_t n, const char *const *list)
{
    for (; *list; list++)
        if (eq(a, n, *list))
            return true;
    return false;
}

enum aclass { A_ALIAS, A_IDENT, A_UNQUOTED_OP, A_QUOTED_OP, A_NOT_CALLABLE, A_OTHER };

static const char *const NOT_CALLABLE[] = { "%", "%{}", "{}", "<<>>", "...", "..", ".", "..//",
                                            "->", NULL };
static const char *const QUOTED_OPS[] = { "::", "^^^", "~~~", "<|>", NULL };
/* Elixir 1.14's unary and binary operators (Code.Identifier), less "//". */
static const char *const OPERATORS[] = {
    "&", "!", "^", "not", "+", "-", "~~~", "@",
    "<-", "\\\\", "when", "::", "|", "=", "||", "|||", "or", "&&", "&&&", "and",
    "==", "!=", "=~", "===", "!==", "<", "<=", ">=", ">", "|>", "<<<", ">>>", "<~",
    "~>", "<<~", "~>>", "<~>", "<|>", "in", "^^^", "++", "--", "..", "<>", "+++",
    "---", "*", "/", "**", ".", NULL
};

static inline bool ascii_upper(uint32_t c) { return c >= 'A' && c <= 'Z'; }
static inline bool ascii_lower(uint32_t c) { return c >= 'a' && c <= 'z'; }
static inline bool ascii_digit(uint32_t c) { return c >= '0' && c <= '9'; }

/* Coarse Unicode letter classes for identifiers beyond ASCII:
 * 1 = uppercase letter, 2 = other letter (may start), 3 = combining mark,
 * 0 = not in identifiers. */
static int uni_class(uint32_t c)
{
    if (c < 0x80)
        return 0;
    if (c == 0xaa || c == 0xba)
        return 2;
    if (c < 0xc0)
        return 0;
    if (c <= 0xde)
        return c == 0xd7 ? 0 : 1;
    if (c <= 0xff)
        return c == 0xf7 ? 0 : 2;
    if (c >= 0x300 && c <= 0x36f)
        return 3;
    if ((c >= 0x2000 && c <= 0x2bff) || (c >= 0x3000 && c <= 0x3003) ||
        (c >= 0xd800 && c <= 0xf8ff) || (c >= 0xfe00 && c <= 0xfe6f) || c == 0xfeff ||
        (c >= 0xfff0 && c <= 0xffff) || (c >= 0x1f000 && c <= 0x1faff) || c >= 0xe0000)
        return 0; /* punctuation, symbols, format characters, private use, emoji */
    return 2;
}

/* A rough script of a letter beyond ASCII, for Elixir's rule that an
 * identifier keeps to one script (Latin may mix with the CJK scripts):
 * 1 Latin, 2 CJK (Han, kana, Hangul, Bopomofo), else a block number. */
static uint32_t uni_script(uint32_t c)
{
    if (c < 0x250 || (c >= 0x1e00 && c <= 0x1eff))
        return 1;
    if ((c >= 0x3040 && c <= 0x312f) || (c >= 0x3400 && c <= 0x4dbf) ||
        (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xac00 && c <= 0xd7af) ||
        (c >= 0x1100 && c <= 0x11ff) || (c >= 0x20000 && c <= 0x3134f))
        return 2;
    if (c >= 0x370 && c <= 0x3ff)
        return 3;
    if (c >= 0x1f00 && c <= 0x1fff)
        return 3; /* Greek extended */
    if (c >= 0x400 && c <= 0x52f)
        return 4;
    return 16 + (c >> 7);
}

static bool valid_alias(const char *a, size_t n)
{
    if (n < 6 || memcmp(a, "Elixir", 6) != 0)
        return false;
    size_t i = 6;
    while (i < n) {
        if (a[i] != '.' || i + 1 >= n || !ascii_upper((uint8_t)a[i + 1]))
            return false;
        i += 2;
        while (i < n && (ascii_lower((uint8_t)a[i]) || ascii_upper((uint8_t)a[i]) ||
                         ascii_digit((uint8_t)a[i]) || a[i] == '_'))
            i++;
    }
    return true;
}

/* Macro's inner_classify for atom text a[0..n). */
static enum aclass classify(const char *a, size_t n)
{
    /* Fast path: plain ASCII words, the common case. */
    if (n > 0 && n <= 32 && (ascii_lower((uint8_t)a[0]) || a[0] == '_')) {
        size_t i = 1;
        bool at = false;
        while (i < n && (ascii_lower((uint8_t)a[i]) || ascii_upper((uint8_t)a[i]) ||
                         ascii_digit((uint8_t)a[i]) || a[i] == '_' || a[i] == '@')) {
            at |= a[i] == '@';
            i++;
        }
        if (i + 1 == n && (a[i] == '?' || a[i] == '!'))
            i++;
        if (i == n) {
            static const char *const WORD_OPS[] = { "not", "and", "or", "in", "when", NULL };
            if (n <= 4 && in_list(a, n, WORD_OPS))
                return A_UNQUOTED_OP;
            return at ? A_NOT_CALLABLE : A_IDENT;
        }
    }
    if (in_list(a, n, NOT_CALLABLE))
        return A_NOT_CALLABLE;
    if (in_list(a, n, QUOTED_OPS))
        return A_QUOTED_OP;
    if (n <= 4 && in_list(a, n, OPERATORS))
        return A_UNQUOTED_OP;
    if (valid_alias(a, n))
        return A_ALIAS;
    /* String.Tokenizer.tokenize */
    const uint8_t *p = (const uint8_t *)a;
    if (n == 0)
        return A_OTHER;
    uint32_t c;
    size_t i = ot__utf8_decode(p, n, &c);
    if (!i)
        return A_OTHER;
    bool identifier;
    if (ascii_upper(c))
        identifier = false;
    else if (ascii_lower(c) || c == '_')
        identifier = true;
    else {
        int k = uni_class(c);
        if (k == 1)
            identifier = false;
        else if (k == 2)
            identifier = true;
        else
            return A_OTHER;
    }
    bool at = false;
    bool latin = c < 0x80 && c != '_';
    uint32_t other = 0; /* the one non-Latin script seen, if any */
    if (c >= 0x80) {
        uint32_t sc = uni_script(c);
        if (sc == 1)
            latin = true;
        else
            other = sc;
    }
    while (i < n) {
        size_t l = ot__utf8_decode(p + i, n - i, &c);
        if (!l)
            return A_OTHER;
        i += l;
        if (c == '!' || c == '?') {
            if (i != n)
                return A_OTHER;
            break;
        }
        if (c == '@') {
            at = true;
            continue;
        }
        if (ascii_lower(c) || ascii_upper(c)) {
            latin = true;
        } else if (ascii_digit(c) || c == '_') {
            continue;
        } else {
            /* combining marks: treated as not in NFC (Elixir quotes those) */
            if (c < 0x80 || uni_class(c) == 0 || uni_class(c) == 3)
                return A_OTHER;
            uint32_t sc = uni_script(c);
            if (sc == 1)
                latin = true;
            else if (other && other != sc && !(other == 2 && sc == 2))
                return A_OTHER;
            else
                other = sc;
        }
        if (latin && other && other != 2)
            return A_OTHER;
    }
    if (!identifier || at)
        return A_NOT_CALLABLE;
    return A_IDENT;
}

enum atom_form { AF_LITERAL, AF_KEY, AF_REMOTE };

/* Macro.inspect_atom(form, atom). */
static void put_elixir_atom_text(sink *s, const char *a, size_t n, enum atom_form form)
{
    if (form == AF_LITERAL && (eq(a, n, "nil") || eq(a, n, "true") || eq(a, n, "false"))) {
        put(s, a, n);
        return;
    }
    enum aclass k = classify(a, n);
    switch (form) {
    case AF_LITERAL:
        if (k == A_ALIAS) {
            if (eq(a, n, "Elixir") || eq(a, n, "Elixir.Elixir") ||
                (n > 14 && memcmp(a, "Elixir.Elixir.", 14) == 0))
                put(s, a, n);
            else
                put(s, a + 7, n - 7);
        } else if (k == A_QUOTED_OP || k == A_OTHER) {
            PUTS(s, ":\"");
            put_elixir_escaped(s, (const uint8_t *)a, n, '"');
            putc1(s, '"');
        } else {
            putc1(s, ':');
            put(s, a, n);
        }
        return;
    case AF_KEY:
        if (k == A_ALIAS) {
            putc1(s, '"');
            put(s, a, n);
            PUTS(s, "\":");
        } else if (k == A_QUOTED_OP || k == A_OTHER) {
            putc1(s, '"');
            put_elixir_escaped(s, (const uint8_t *)a, n, '"');
            PUTS(s, "\":");
        } else {
            put(s, a, n);
            putc1(s, ':');
        }
        return;
    case AF_REMOTE:
        if (k == A_IDENT || k == A_UNQUOTED_OP || k == A_QUOTED_OP) {
            put(s, a, n);
        } else {
            putc1(s, '"');
            if (k == A_OTHER)
                put_elixir_escaped(s, (const uint8_t *)a, n, '"');
            else
                put(s, a, n);
            putc1(s, '"');
        }
        return;
    }
}

static const char *const RESERVED[] = {
    "after", "and", "andalso", "band", "begin", "bnot", "bor", "bsl", "bsr", "bxor",
    "case", "catch", "cond", "div", "end", "fun", "if", "let", "not", "of", "or",
    "orelse", "receive", "rem", "try", "when", "xor", NULL
};

/* io_lib:write_atom: quoted unless it starts with a lowercase letter
 * (ASCII or Latin-1) and continues with letters, digits, _ and @. */
static void put_erlang_atom_text(sink *s, const char *a, size_t n)
{
    bool quote = n == 0 || in_list(a, n, RESERVED);
    const uint8_t *p = (const uint8_t *)a;
    for (size_t i = 0; !quote && i < n;) {
        uint32_t c;
        size_t l = ot__utf8_decode(p + i, n - i, &c);
        if (!l)
            c = p[i], l = 1;
        bool lower = ascii_lower(c) || (c >= 0xdf && c <= 0xff && c != 0xf7);
        if (i == 0)
            quote = !lower;
        else
            quote = !(lower || ascii_upper(c) || (c >= 0xc0 && c <= 0xde && c != 0xd7) ||
                      ascii_digit(c) || c == '_' || c == '@');
        i += l;
    }
    if (!quote) {
        put(s, a, n);
        return;
    }
    putc1(s, '\'');
    put_erlang_escaped_utf8(s, p, n, '\'');
    putc1(s, '\'');
}

static void put_atom(sink *s, ot_term t, ot_syntax syn, enum atom_form form)
{
    size_t n;
    const char *a = ot__atom_text_idx(ot__atom_index(t), &n);
    if (syn == OT_SYNTAX_ERLANG)
        put_erlang_atom_text(s, a, n);
    else
        put_elixir_atom_text(s, a, n, form);
}

/* ---------------------------------------------------------------- identifiers */

typedef struct pctx {
    sink *s;
    ot_syntax syn;
    ot_term local;
    bool failed;    /* allocation failed */
    bool invalid;   /* OT_NONE or an unknown object inside the term */
} pctx;

/* The node number shown in identifiers: 0 for the local node, otherwise
 * the node name's atom index (BEAM shows its node-table slot). */
static void put_node(pctx *c, ot_term node)
{
    if (node == c->local)
        putc1(c->s, '0');
    else
        put_u64(c->s, ot__atom_index(node));
}

/* A pid: immediate (local) or boxed. */
static void put_pid(pctx *c, ot_term t)
{
    ot_term node;
    uint32_t id, serial;
    if (ot__is_lpid(t)) {
        node = ot__local_node();
        id = ot__lpid_id(t);
        serial = ot__lpid_serial(t);
    } else {
        const uint64_t *p = ot__box_ptr(t);
        node = p[1];
        id = (uint32_t)p[2];
        serial = (uint32_t)(p[2] >> 32);
    }
    if (c->syn == OT_SYNTAX_ELIXIR)
        PUTS(c->s, "#PID<");
    else
        putc1(c->s, '<');
    put_node(c, node);
    putc1(c->s, '.');
    put_u64(c->s, id);
    putc1(c->s, '.');
    put_u64(c->s, serial);
    putc1(c->s, '>');
}

static void put_port(pctx *c, ot_term t)
{
    const uint64_t *p = ot__box_ptr(t);
    PUTS(c->s, "#Port<");
    put_node(c, p[1]);
    putc1(c->s, '.');
    put_u64(c->s, p[2]);
    putc1(c->s, '>');
}

static void put_ref(pctx *c, ot_term t)
{
    const uint64_t *p = ot__box_ptr(t);
    size_t n = (size_t)ot__hdr_size(p[0]);
    if (c->syn == OT_SYNTAX_ELIXIR)
        PUTS(c->s, "#Reference<");
    else
        PUTS(c->s, "#Ref<");
    put_node(c, p[1]);
    /* As erlang:ref_to_list/1: the words from the last to the first. */
    for (size_t i = n; i-- > 0;) {
        putc1(c->s, '.');
        put_u64(c->s, (uint32_t)(p[3 + i / 2] >> (32 * (i % 2))));
    }
    putc1(c->s, '>');
}

/* ---------------------------------------------------------------- funs */

/* An atom as erlang:fun_to_list/1 writes it: quoted when io_lib would
 * quote it (reserved words aside), and each byte of its UTF-8 text as one
 * character, so that non-ASCII names come out double-encoded exactly as
 * BEAM's text has them. */
static void put_erts_atom(sink *s, const char *a, size_t n, bool may_quote)
{
    const uint8_t *p = (const uint8_t *)a;
    bool quote = false;
    if (may_quote) {
        quote = n == 0;
        for (size_t i = 0; !quote && i < n;) {
            uint32_t c;
            size_t l = ot__utf8_decode(p + i, n - i, &c);
            if (!l)
                c = p[i], l = 1;
            bool lower = ascii_lower(c) || (c >= 0xdf && c <= 0xff && c != 0xf7);
            if (i == 0)
                quote = !lower;
            else
                quote = !(lower || ascii_upper(c) || (c >= 0xc0 && c <= 0xde && c != 0xd7) ||
                          ascii_digit(c) || c == '_' || c == '@');
            i += l;
        }
    }
    if (quote)
        putc1(s, '\'');
    for (size_t i = 0; i < n; i++) {
        uint8_t b = p[i];
        if (quote && (b < 0x20 || b == '\'' || b == '\\' || b == 0x7f))
            put_erlang_char(s, b, '\'');
        else
            put_utf8(s, b);
    }
    if (quote)
        putc1(s, '\'');
}

/* A little reader over a fun's external bytes. */
typedef struct rd {
    const uint8_t *p;
    size_t n, i;
    bool bad;
} rd;

static uint32_t rd_u32(rd *r)
{
    if (r->n - r->i < 4) {
        r->bad = true;
        return 0;
    }
    const uint8_t *q = r->p + r->i;
    r->i += 4;
    return (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
}

static uint8_t rd_u8(rd *r)
{
    if (r->i >= r->n) {
        r->bad = true;
        return 0;
    }
    return r->p[r->i++];
}

/* An atom in any of its encodings, as UTF-8 into out (room for 1024). */
static size_t rd_atom(rd *r, char *out)
{
    uint8_t tag = rd_u8(r);
    size_t len;
    bool latin1;
    switch (tag) {
    case 100: /* ATOM_EXT */
    case 118: /* ATOM_UTF8_EXT */
        len = (size_t)rd_u8(r) << 8;
        len |= rd_u8(r);
        latin1 = tag == 100;
        break;
    case 115: /* SMALL_ATOM_EXT */
    case 119: /* SMALL_ATOM_UTF8_EXT */
        len = rd_u8(r);
        latin1 = tag == 115;
        break;
    default:
        r->bad = true;
        return 0;
    }
    if (r->bad || r->n - r->i < len || len > 1020 / (latin1 ? 2 : 1)) {
        r->bad = true;
        return 0;
    }
    const uint8_t *q = r->p + r->i;
    r->i += len;
    if (!latin1) {
        memcpy(out, q, len);
        return len;
    }
    size_t k = 0;
    for (size_t j = 0; j < len; j++)
        k += ot__utf8_encode(q[j], (uint8_t *)out + k);
    return k;
}

static int64_t rd_int(rd *r)
{
    uint8_t tag = rd_u8(r);
    if (tag == 97)
        return rd_u8(r);
    if (tag == 98)
        return (int32_t)rd_u32(r);
    r->bad = true;
    return 0;
}

static void put_fun(pctx *c, ot_term t)
{
    sink *s = c->s;
    const uint64_t *box = ot__box_ptr(t);
    rd r = { (const uint8_t *)(box + 1), (size_t)ot__hdr_size(box[0]), 0, false };
    char mod[1024], name[1024];
    uint8_t tag = rd_u8(&r);
    if (tag == 113) { /* EXPORT_EXT: Module Function Arity */
        size_t ml = rd_atom(&r, mod);
        size_t nl = rd_atom(&r, name);
        int64_t arity = rd_int(&r);
        if (!r.bad) {
            if (c->syn == OT_SYNTAX_ELIXIR) {
                putc1(s, '&');
                put_elixir_atom_text(s, mod, ml, AF_LITERAL);
                putc1(s, '.');
                put_elixir_atom_text(s, name, nl, AF_REMOTE);
                putc1(s, '/');
            } else {
                PUTS(s, "fun ");
                put_erts_atom(s, mod, ml, true);
                putc1(s, ':');
                put_erts_atom(s, name, nl, true);
                putc1(s, '/');
            }
            put_i64(s, arity);
            return;
        }
    } else if (tag == 112) {
        /* NEW_FUN_EXT: Size Arity Uniq[16] Index NumFree Module OldIndex
         * OldUniq Pid FreeVars... */
        rd_u32(&r);
        uint8_t arity = rd_u8(&r);
        r.i += 16;
        if (r.i > r.n)
            r.bad = true;
        uint32_t index = rd_u32(&r);
        rd_u32(&r);
        size_t ml = rd_atom(&r, mod);
        int64_t old_index = rd_int(&r);
        int64_t old_uniq = rd_int(&r);
        (void)old_index;
        if (!r.bad) {
            if (c->syn == OT_SYNTAX_ELIXIR) {
                PUTS(s, "#Function<");
                put_u64(s, index);
                putc1(s, '.');
                put_i64(s, old_uniq);
                putc1(s, '/');
                put_u64(s, arity);
                PUTS(s, " in ");
                put_elixir_atom_text(s, mod, ml, AF_LITERAL);
            } else {
                PUTS(s, "#Fun<");
                put_erts_atom(s, mod, ml, false);
                putc1(s, '.');
                put_u64(s, index);
                putc1(s, '.');
                put_i64(s, old_uniq);
            }
            putc1(s, '>');
            return;
        }
    }
    put_str(s, c->syn == OT_SYNTAX_ELIXIR ? "#Function<>" : "#Fun<>");
}

/* ---------------------------------------------------------------- binaries */

/* String.printable?/1 */
static bool elixir_printable(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t b = p[i];
        if (b >= 0x20 && b < 0x7f) {
            i++;
            continue;
        }
        uint32_t c;
        size_t l = ot__utf8_decode(p + i, n - i, &c);
        if (!l)
            return false;
        i += l;
        if ((c >= 7 && c <= 13) || c == 0x1b || c == 0x7f)
            continue;
        if ((c >= 0xa0 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || c >= 0x10000)
            continue;
        return false;
    }
    return true;
}

static inline bool latin1_printable(uint32_t c)
{
    return (c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xff) || (c >= 8 && c <= 13) ||
           c == 0x1b;
}

/* Prints the bytes of a bitstring as <<1, 2, 3::size(4)>> (Elixir) or
 * <<1,2,3:4>> (Erlang), with at most `lim` items (-1: all). */
static void put_bytes(pctx *c, const uint8_t *p, size_t nbits, int64_t lim)
{
    sink *s = c->s;
    bool ex = c->syn == OT_SYNTAX_ELIXIR;
    size_t nb = nbits / 8;
    unsigned tb = (unsigned)(nbits % 8);
    PUTS(s, "<<");
    for (size_t i = 0; i < nb; i++) {
        if (lim == 0) {
            PUTS(s, "...");
            PUTS(s, ">>");
            return;
        }
        put_u64(s, p[i]);
        if (i + 1 == nb && tb == 0)
            break;
        if (ex)
            PUTS(s, ", ");
        else
            putc1(s, ',');
        if (lim > 0)
            lim--;
    }
    if (tb) {
        if (lim == 0) {
            PUTS(s, "...");
        } else {
            put_u64(s, (unsigned)(p[nb] >> (8 - tb)));
            if (ex) {
                PUTS(s, "::size(");
                put_u64(s, tb);
                putc1(s, ')');
            } else {
                putc1(s, ':');
                put_u64(s, tb);
            }
        }
    }
    PUTS(s, ">>");
}

static void put_bitstring(pctx *c, ot_term t, int64_t lim)
{
    sink *s = c->s;
    size_t nbits = ot_bitstring_bits(t);
    size_t nbytes;
    const uint8_t *p = ot_binary_data(t, &nbytes);
    if (nbits == 0) {
        put_str(s, c->syn == OT_SYNTAX_ELIXIR ? "\"\"" : "<<>>");
        return;
    }
    if (c->syn == OT_SYNTAX_ELIXIR) {
        if (nbits % 8 == 0 && elixir_printable(p, nbytes)) {
            putc1(s, '"');
            put_elixir_escaped(s, p, nbytes, '"');
            putc1(s, '"');
            return;
        }
        put_bytes(c, p, nbits, lim);
        return;
    }
    /* io_lib_pretty: printable as UTF-8 (Latin-1 range characters only,
     * as io:printable_range() is latin1 by default), else as Latin-1. */
    if (nbits % 8 == 0) {
        bool utf8 = ot__utf8_valid(p, nbytes, NULL);
        bool printable = true, ascii = true;
        for (size_t i = 0; printable && i < nbytes;) {
            uint32_t cp = p[i];
            size_t l = 1;
            if (utf8)
                l = ot__utf8_decode(p + i, nbytes - i, &cp);
            if (cp >= 0x80)
                ascii = false;
            printable = latin1_printable(cp);
            i += l;
        }
        if (printable) {
            PUTS(s, "<<\"");
            for (size_t i = 0; i < nbytes;) {
                uint32_t cp = p[i];
                size_t l = 1;
                if (utf8)
                    l = ot__utf8_decode(p + i, nbytes - i, &cp);
                put_erlang_char(s, cp, '"');
                i += l;
            }
            if (utf8 && !ascii)
                PUTS(s, "\"/utf8>>");
            else
                PUTS(s, "\">>");
            return;
        }
    }
    put_bytes(c, p, nbits, lim);
}

/* ---------------------------------------------------------------- lists */

/* Is list t (a cons) an Elixir charlist, List.ascii_printable?/1? */
static bool elixir_charlist(ot_term t)
{
    while (ot__is_cons(t)) {
        const ot_term *cell = ot__cons_ptr(t);
        if (!ot__is_small(cell[0]))
            return false;
        int64_t v = ot__small_val(cell[0]);
        if (!((v >= 7 && v <= 13) || v == 27 || (v >= 32 && v <= 126)))
            return false;
        t = cell[1];
    }
    return t == OT_NIL;
}

/* Erlang's io_lib:printable_list/1 with the latin1 printable range. */
static bool erlang_string(ot_term t)
{
    while (ot__is_cons(t)) {
        const ot_term *cell = ot__cons_ptr(t);
        if (!ot__is_small(cell[0]))
            return false;
        int64_t v = ot__small_val(cell[0]);
        if (v < 0 || v > 255 || !latin1_printable((uint32_t)v))
            return false;
        t = cell[1];
    }
    return t == OT_NIL;
}

/* An atom that may be a keyword key: not an alias-looking "Elixir.". */
static inline bool keyword_key(ot_term k)
{
    if (!ot__is_atom(k))
        return false;
    size_t n;
    const char *a = ot__atom_text_idx(ot__atom_index(k), &n);
    return !(n >= 7 && memcmp(a, "Elixir.", 7) == 0);
}

static inline bool is_pair(ot_term t)
{
    return ot__is_boxed(t) && ot__box_kind(t) == OT__B_TUPLE && ot__hdr_size(*ot__box_ptr(t)) == 2;
}

/* Inspect.List.keyword?/1 */
static bool elixir_keyword(ot_term t)
{
    while (ot__is_cons(t)) {
        const ot_term *cell = ot__cons_ptr(t);
        if (!is_pair(cell[0]) || !keyword_key(ot__box_ptr(cell[0])[1]))
            return false;
        t = cell[1];
    }
    return t == OT_NIL;
}

static void put_charlist_elixir(sink *s, ot_term t)
{
    putc1(s, '\'');
    while (ot__is_cons(t)) {
        const ot_term *cell = ot__cons_ptr(t);
        char ch = (char)ot__small_val(cell[0]);
        t = cell[1];
        switch (ch) {
        case '\'': PUTS(s, "\\'"); break;
        case '\\': PUTS(s, "\\\\"); break;
        case '\a': PUTS(s, "\\a"); break;
        case '\b': PUTS(s, "\\b"); break;
        case '\t': PUTS(s, "\\t"); break;
        case '\n': PUTS(s, "\\n"); break;
        case '\v': PUTS(s, "\\v"); break;
        case '\f': PUTS(s, "\\f"); break;
        case '\r': PUTS(s, "\\r"); break;
        case 27: PUTS(s, "\\e"); break;
        case '#':
            if (ot__is_cons(t) && ot__cons_ptr(t)[0] == ot__make_small('{')) {
                PUTS(s, "\\#{");
                t = ot__cons_ptr(t)[1];
            } else {
                putc1(s, '#');
            }
            break;
        default: putc1(s, ch);
        }
    }
    putc1(s, '\'');
}

static void put_string_erlang(sink *s, ot_term t)
{
    putc1(s, '"');
    while (ot__is_cons(t)) {
        const ot_term *cell = ot__cons_ptr(t);
        put_erlang_char(s, (uint32_t)ot__small_val(cell[0]), '"');
        t = cell[1];
    }
    putc1(s, '"');
}

/* ---------------------------------------------------------------- walker */

enum fkind { F_LIST, F_TUPLE, F_MAP };
enum fphase { P_NEXT, P_TAIL, P_VALUE, P_CLOSE };

typedef struct frame {
    uint8_t kind;
    uint8_t phase;
    bool keyword;      /* Elixir: list or map printed as key: value */
    bool first;
    int64_t lim;       /* items left before "..." (-1: no limit) */
    ot_term cur;       /* list: the rest; tuple/map: the box */
    size_t i, n;
} frame;

#define FRAMES_INLINE 12

typedef struct fstack {
    frame *f;
    size_t n, cap;
    frame inl[FRAMES_INLINE];
} fstack;

static frame *push(pctx *c, fstack *st)
{
    if (st->n == st->cap) {
        size_t cap = st->cap * 2;
        frame *nf;
        if (st->f == st->inl) {
            nf = ot__malloc(cap * sizeof *nf);
            if (nf)
                memcpy(nf, st->inl, st->n * sizeof *nf);
        } else {
            nf = ot__realloc(st->f, cap * sizeof *nf);
        }
        if (!nf) {
            c->failed = true;
            return NULL;
        }
        st->f = nf;
        st->cap = cap;
    }
    return &st->f[st->n++];
}

static inline int64_t dec(int64_t lim) { return lim > 0 ? lim - 1 : lim; }

/* Separator between items of a collection. */
static inline void put_sep(pctx *c)
{
    if (c->syn == OT_SYNTAX_ELIXIR)
        PUTS(c->s, ", ");
    else
        putc1(c->s, ',');
}

/* The closing text of a frame's collection. */
static void put_close(pctx *c, const frame *f)
{
    switch (f->kind) {
    case F_LIST: putc1(c->s, ']'); break;
    case F_TUPLE: putc1(c->s, '}'); break;
    case F_MAP: putc1(c->s, '}'); break;
    }
}

/* "..." where the limit cut a collection: after a separator in Elixir
 * ([1, ...]) and Erlang tuples and maps ({1,...}); Erlang lists as [1|...]. */
static void put_dots(pctx *c, const frame *f)
{
    if (!f->first) {
        if (c->syn == OT_SYNTAX_ERLANG && f->kind == F_LIST)
            putc1(c->s, '|');
        else
            put_sep(c);
    }
    PUTS(c->s, "...");
}

static void walk(pctx *c, ot_term root, int64_t root_lim)
{
    sink *s = c->s;
    bool ex = c->syn == OT_SYNTAX_ELIXIR;
    fstack st;
    st.f = st.inl;
    st.n = 0;
    st.cap = FRAMES_INLINE;
    ot_term t = root;
    int64_t lim = root_lim;

    for (;;) {
        /* ---- print t (with its own item limit lim) */
        switch (ot__tag(t)) {
        case OT__TAG_SMALL:
            put_i64(s, ot__small_val(t));
            break;
        case OT__TAG_ATOM:
            put_atom(s, t, c->syn, AF_LITERAL);
            break;
        case OT__TAG_LPID:
            put_pid(c, t);
            break;
        case OT__TAG_SPECIAL:
            if (t == OT_NIL) {
                PUTS(s, "[]");
            } else if (ot__special_sub(t) == OT__SPECIAL_ANY) {
                putc1(s, '_');
            } else if (ot__special_sub(t) == OT__SPECIAL_VAR) {
                putc1(s, '_');
                put_u64(s, ot__special_payload(t));
            } else {
                c->invalid = true;
            }
            break;
        case OT__TAG_LIST:
            if (ex ? elixir_charlist(t) : erlang_string(t)) {
                if (ex)
                    put_charlist_elixir(s, t);
                else
                    put_string_erlang(s, t);
                break;
            } else {
                frame *f = push(c, &st);
                if (!f)
                    goto out;
                *f = (frame){ .kind = F_LIST, .phase = P_NEXT, .keyword = ex && elixir_keyword(t),
                              .first = true, .lim = lim, .cur = t };
                putc1(s, '[');
            }
            break;
        case OT__TAG_BOXED: {
            if (t == OT_NONE) {
                c->invalid = true;
                break;
            }
            const uint64_t *p = ot__box_ptr(t);
            switch (ot__hdr_kind(p[0])) {
            case OT__B_TUPLE: {
                size_t n = (size_t)ot__hdr_size(p[0]);
                if (n == 0) {
                    PUTS(s, "{}");
                    break;
                }
                frame *f = push(c, &st);
                if (!f)
                    goto out;
                *f = (frame){ .kind = F_TUPLE, .phase = P_NEXT, .first = true, .lim = lim,
                              .cur = t, .n = n };
                putc1(s, '{');
                break;
            }
            case OT__B_MAP: {
                size_t n = (size_t)ot__hdr_size(p[0]);
                if (n == 0) {
                    put_str(s, ex ? "%{}" : "#{}");
                    break;
                }
                bool kw = false;
                if (ex) {
                    kw = true;
                    for (size_t i = 0; kw && i < n; i++)
                        kw = keyword_key(p[1 + i]);
                }
                frame *f = push(c, &st);
                if (!f)
                    goto out;
                *f = (frame){ .kind = F_MAP, .phase = P_NEXT, .keyword = kw, .first = true,
                              .lim = lim, .cur = t, .n = n };
                put_str(s, ex ? "%{" : "#{");
                break;
            }
            case OT__B_BIGNUM:
                if (!put_int(s, t)) {
                    c->failed = true;
                    goto out;
                }
                break;
            case OT__B_FLOAT:
                if (ex)
                    put_float_elixir(s, float_val(t));
                else
                    put_float_erlang(s, float_val(t));
                break;
            case OT__B_HEAPBIN:
            case OT__B_REFCBIN:
                put_bitstring(c, t, lim);
                break;
            case OT__B_PID: put_pid(c, t); break;
            case OT__B_PORT: put_port(c, t); break;
            case OT__B_REF: put_ref(c, t); break;
            case OT__B_FUN: put_fun(c, t); break;
            default: c->invalid = true; break;
            }
            break;
        }
        default:
            c->invalid = true;
            break;
        }

        /* ---- choose the next term to print, closing finished frames */
        for (;;) {
            if (st.n == 0)
                goto out;
            frame *f = &st.f[st.n - 1];
            if (f->phase == P_CLOSE) {
                put_close(c, f);
                st.n--;
                continue;
            }
            if (f->phase == P_TAIL) {
                /* the tail of an improper list, after its last head */
                put_str(s, ex ? " | " : "|");
                f->phase = P_CLOSE;
                t = f->cur;
                lim = f->lim;
                break;
            }
            if (f->phase == P_VALUE) {
                /* a map's value, after its key */
                const uint64_t *p = ot__box_ptr(f->cur);
                put_str(s, ex ? " => " : " => ");
                f->phase = P_NEXT;
                t = p[1 + f->n + f->i - 1];
                lim = f->lim;
                break;
            }
            /* P_NEXT: the next item, or the end */
            bool more;
            if (f->kind == F_LIST)
                more = ot__is_cons(f->cur);
            else
                more = f->i < f->n;
            if (!more) {
                put_close(c, f);
                st.n--;
                continue;
            }
            if (f->lim == 0) {
                put_dots(c, f);
                put_close(c, f);
                st.n--;
                continue;
            }
            if (!f->first) {
                if (f->kind == F_LIST && !ex)
                    putc1(s, ',');
                else
                    put_sep(c);
            }
            f->first = false;
            f->lim = dec(f->lim);
            lim = f->lim;
            if (f->kind == F_LIST) {
                const ot_term *cell = ot__cons_ptr(f->cur);
                t = cell[0];
                f->cur = cell[1];
                if (f->cur != OT_NIL && !ot__is_cons(f->cur))
                    f->phase = P_TAIL;
                if (f->keyword) {
                    const uint64_t *tp = ot__box_ptr(t);
                    put_atom(s, tp[1], c->syn, AF_KEY);
                    putc1(s, ' ');
                    t = tp[2];
                }
            } else if (f->kind == F_TUPLE) {
                t = ot__box_ptr(f->cur)[1 + f->i++];
            } else {
                const uint64_t *p = ot__box_ptr(f->cur);
                size_t i = f->i++;
                if (f->keyword) {
                    put_atom(s, p[1 + i], c->syn, AF_KEY);
                    putc1(s, ' ');
                    t = p[1 + f->n + i];
                } else {
                    t = p[1 + i];
                    f->phase = P_VALUE;
                }
            }
            break;
        }
    }
out:
    if (st.f != st.inl)
        ot__free(st.f);
}

/* ---------------------------------------------------------------- API */

static int64_t opts_limit(const ot_print_opts *o)
{
    if (!o || o->limit == 0 || o->limit > (size_t)INT64_MAX)
        return -1;
    return (int64_t)o->limit;
}

static void ctx_init(pctx *c, sink *s, const ot_print_opts *o)
{
    c->s = s;
    c->syn = o && o->syntax == OT_SYNTAX_ERLANG ? OT_SYNTAX_ERLANG : OT_SYNTAX_ELIXIR;
    c->local = o && o->local_node != OT_NONE ? o->local_node : ot__local_node();
    c->failed = false;
    c->invalid = false;
}

ssize_t ot_print(char *buf, size_t cap, ot_term t, const ot_print_opts *opts)
{
    if (t == OT_NONE)
        return -EINVAL;
    if (!buf)
        cap = 0;
    sink s;
    s.mode = SINK_BUF;
    s.win = s.cur = buf;
    s.end = cap ? buf + cap - 1 : buf;
    s.total = 0;
    s.failed = false;
    s.err = 0;
    pctx c;
    ctx_init(&c, &s, opts);
    walk(&c, t, opts_limit(opts));
    if (cap)
        *s.cur = 0;
    if (c.failed)
        return -ENOMEM;
    if (c.invalid)
        return -EINVAL;
    return (ssize_t)(s.total + (size_t)(s.cur - s.win));
}

/* ot__print_sb: appends t's text to sb (for the JSON writer and others
 * that build text). Returns 0, -ENOMEM (sb->failed is then set too), or
 * -EINVAL if t is or contains OT_NONE. */
int ot__print_sb(ot__buf *sb, ot_term t, const ot_print_opts *opts)
{
    if (t == OT_NONE)
        return -EINVAL;
    if (sb->failed)
        return -ENOMEM;
    /* Make sure there is a window to write into. */
    ot__buf_add(sb, "", 0);
    if (sb->failed)
        return -ENOMEM;
    sink s;
    s.mode = SINK_SB;
    s.sb = sb;
    s.win = sb->data;
    s.cur = sb->data + sb->len;
    s.end = sb->data + sb->cap - 1;
    s.total = 0;
    s.failed = false;
    s.err = 0;
    pctx c;
    ctx_init(&c, &s, opts);
    walk(&c, t, opts_limit(opts));
    if (!s.failed) {
        sb->len = (size_t)(s.cur - sb->data);
        sb->data[sb->len] = 0;
    }
    if (c.failed || s.failed) {
        sb->failed = true;
        return -ENOMEM;
    }
    return c.invalid ? -EINVAL : 0;
}

char *ot_inspect(ot_term t, const ot_print_opts *opts)
{
    ot__buf sb = { 0 };
    if (ot__print_sb(&sb, t, opts) < 0) {
        ot__buf_free(&sb);
        return NULL;
    }
    /* The caller frees with free(): ot__malloc memory is malloc memory. */
    return ot__buf_take(&sb, NULL);
}

ssize_t ot_fprint(FILE *f, ot_term t, const ot_print_opts *opts)
{
    if (t == OT_NONE || !f)
        return -EINVAL;
    sink *s = ot__malloc(sizeof *s);
    if (!s)
        return -ENOMEM;
    s->mode = SINK_FILE;
    s->f = f;
    s->win = s->cur = s->chunk;
    s->end = s->chunk + sizeof s->chunk;
    s->total = 0;
    s->failed = false;
    s->err = 0;
    pctx c;
    ctx_init(&c, s, opts);
    walk(&c, t, opts_limit(opts));
    sink_slow(s, "", 0); /* flush */
    ssize_t r = (ssize_t)s->total;
    if (c.failed)
        r = -ENOMEM;
    else if (s->err)
        r = -s->err;
    else if (c.invalid)
        r = -EINVAL;
    ot__free(s);
    return r;
}
