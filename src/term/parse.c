/* parse.c — Erlang term text to terms: ot_build, ot_parse, ot_pattern.
 *
 * One parser serves all three. It reads the text once, left to right, and
 * builds terms straight onto the heap: scalars as they are read, and each
 * tuple, list or map when its closing bracket is reached, from the
 * elements collected so far on a value stack. Nesting is tracked on an
 * explicit frame stack, so neither deep nesting nor long lists recurse on
 * the C stack. Both stacks and the scratch buffers start inline, so a short
 * format such as "{~a, ~p, ~i}" allocates nothing but its terms.
 *
 * Accepted text (see docs/terms.md for examples):
 *   atoms       ok, node@host, 'quoted atom' (with Erlang escapes)
 *   integers    42, -7, 1_000_000, 16#ff, 2#101, $a, $\n, any size
 *   floats      1.5, -0.25, 6.02e23, 1.0E-9 (digits on both sides of '.')
 *   strings     "text" (a charlist, as in Erlang; adjacent strings join)
 *   binaries    <<"bytes">>, <<1,2,3>>, <<"é"/utf8>>, <<X:16/little>>, ...
 *   tuples      {a, 1}   lists [1, 2], [H | T]   maps #{k => v}
 *   identifiers <0.1.2>, #PID<0.1.2>, #Port<0.5>, #Ref<0.1.2.3>: the first
 *               number must be 0, which in Erlang's text means the running
 *               node: the identifier belongs to ot__local_node() with the
 *               node's current creation (0 until it is distributed), as
 *               list_to_pid/1 does. Reference words are written last first.
 *   patterns    variables (From, _Rest) and the wildcard _ (pattern mode)
 *   directives  ~a ~s ~i ~l ~u ~f ~b ~t ~p ~~ (ot_build / ot_pattern only)
 * Whitespace and % comments may appear between tokens. */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>

#include "term/term_internal.h"

/* ---------------------------------------------------------------- state */

enum frame_kind { F_TUPLE, F_LIST, F_MAP };

typedef struct frame {
    unsigned char kind;
    bool tail;           /* list: a '|' was read, the next value is the tail */
    size_t start;        /* first element on the value stack */
    size_t open;         /* offset of the opening bracket, for errors */
    size_t mark;         /* map: variable uses before the current key */
} frame;

typedef struct varname {
    const char *name;
    size_t len;
} varname;

#define INLINE_VALS 64
#define INLINE_FRAMES 16
#define INLINE_VARS 16
#define INLINE_BYTES 256

typedef struct parser {
    ot_heap *h;
    const char *start, *p, *end;
    bool directives;     /* ~ directives take C arguments */
    bool pattern;        /* variables and _ allowed */
    va_list ap;

    ot_term *vals;
    size_t nvals, capvals;
    frame *frames;
    size_t nframes, capframes;
    varname *vars;
    size_t nvars, capvars;

    size_t uses;         /* variables and _ read so far */
    int err;             /* 0, -EINVAL or -ENOMEM */
    size_t err_off;
    const char *what;

    ot_term vals_inline[INLINE_VALS];
    frame frames_inline[INLINE_FRAMES];
    varname vars_inline[INLINE_VARS];
} parser;

/* ---------------------------------------------------------------- errors */

static bool fail_at(parser *ps, const char *at, const char *what)
{
    if (!ps->err) {
        ps->err = -EINVAL;
        ps->err_off = (size_t)(at - ps->start);
        ps->what = what;
    }
    return false;
}

static bool fail(parser *ps, const char *what)
{
    return fail_at(ps, ps->p, what);
}

static bool oom(parser *ps)
{
    if (!ps->err) {
        ps->err = -ENOMEM;
        ps->err_off = (size_t)(ps->p - ps->start);
        ps->what = "out of memory";
    }
    return false;
}

/* ---------------------------------------------------------------- stacks */

static bool grow(parser *ps, void **items, void *inline_items, size_t *cap, size_t size)
{
    size_t ncap = *cap * 2;
    void *n = ot__malloc(ncap * size);
    if (!n)
        return oom(ps);
    memcpy(n, *items, *cap * size);
    if (*items != inline_items)
        ot__free(*items);
    *items = n;
    *cap = ncap;
    return true;
}

static bool push_val(parser *ps, ot_term t)
{
    if (ps->nvals == ps->capvals &&
        !grow(ps, (void **)&ps->vals, ps->vals_inline, &ps->capvals, sizeof *ps->vals))
        return false;
    ps->vals[ps->nvals++] = t;
    return true;
}

static bool push_frame(parser *ps, enum frame_kind kind, const char *open)
{
    if (ps->nframes == ps->capframes &&
        !grow(ps, (void **)&ps->frames, ps->frames_inline, &ps->capframes, sizeof *ps->frames))
        return false;
    ps->frames[ps->nframes++] = (frame){(unsigned char)kind, false, ps->nvals,
                                         (size_t)(open - ps->start), ps->uses};
    return true;
}

/* ---------------------------------------------------------------- lexing */

static inline bool at_end(const parser *ps) { return ps->p >= ps->end; }
static inline int peek(const parser *ps) { return ps->p < ps->end ? (unsigned char)*ps->p : -1; }
static inline int peek_at(const parser *ps, size_t k)
{
    return (size_t)(ps->end - ps->p) > k ? (unsigned char)ps->p[k] : -1;
}

static void skip_ws(parser *ps)
{
    while (ps->p < ps->end) {
        char c = *ps->p;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            ps->p++;
        } else if (c == '%') {
            while (ps->p < ps->end && *ps->p != '\n')
                ps->p++;
        } else {
            break;
        }
    }
}

static inline bool is_digit(int c) { return c >= '0' && c <= '9'; }
static inline bool is_lower(int c) { return c >= 'a' && c <= 'z'; }
static inline bool is_upper(int c) { return c >= 'A' && c <= 'Z'; }

/* A code point at p (UTF-8), or -1 if the bytes there are not UTF-8. */
static long cp_at(const parser *ps, const char *p, size_t *n)
{
    uint32_t cp;
    size_t l = ot__utf8_decode((const uint8_t *)p, (size_t)(ps->end - p), &cp);
    if (!l)
        return -1;
    *n = l;
    return cp;
}

/* Name characters after the first: letters (Latin-1 too), digits, _ and @. */
static size_t name_char(const parser *ps, const char *p)
{
    if (p >= ps->end)
        return 0;
    unsigned char c = (unsigned char)*p;
    if (c < 0x80)
        return (is_lower(c) || is_upper(c) || is_digit(c) || c == '_' || c == '@') ? 1 : 0;
    size_t n;
    long cp = cp_at(ps, p, &n);
    if (cp >= 0xC0 && cp <= 0xFF && cp != 0xD7 && cp != 0xF7)
        return n;
    return 0;
}

/* Does p start an unquoted atom (a lower-case letter, Latin-1 included)? */
static bool atom_start(const parser *ps, const char *p)
{
    if (p >= ps->end)
        return false;
    unsigned char c = (unsigned char)*p;
    if (c < 0x80)
        return is_lower(c);
    size_t n;
    long cp = cp_at(ps, p, &n);
    return cp >= 0xDF && cp <= 0xFF && cp != 0xF7;
}

static const char *name_end(const parser *ps, const char *p)
{
    size_t n;
    while ((n = name_char(ps, p)) != 0)
        p += n;
    return p;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Reads one character of quoted text (after the opening quote), handling
 * Erlang escapes and, with directives, "~~". Returns the code point, or -1
 * on error (reported). */
static long quoted_char(parser *ps)
{
    const char *at = ps->p;
    if (at_end(ps))
        return fail(ps, "unterminated quoted text"), -1;
    unsigned char c = (unsigned char)*ps->p;
    if (c == '~' && ps->directives) {
        if (peek_at(ps, 1) == '~') {
            ps->p += 2;
            return '~';
        }
        return fail(ps, "directive inside quoted text (write ~~ for ~)"), -1;
    }
    if (c != '\\') {
        size_t n;
        long cp = cp_at(ps, ps->p, &n);
        if (cp < 0)
            return fail(ps, "invalid UTF-8"), -1;
        ps->p += n;
        return cp;
    }
    ps->p++;
    if (at_end(ps))
        return fail_at(ps, at, "unterminated escape"), -1;
    c = (unsigned char)*ps->p++;
    switch (c) {
    case 'b': return '\b';
    case 'd': return 127;
    case 'e': return 27;
    case 'f': return '\f';
    case 'n': return '\n';
    case 'r': return '\r';
    case 's': return ' ';
    case 't': return '\t';
    case 'v': return '\v';
    case '^': {
        int k = peek(ps);
        if (k < 0)
            return fail_at(ps, at, "unterminated escape"), -1;
        ps->p++;
        return k & 31;
    }
    case 'x': {
        long v = 0;
        if (peek(ps) == '{') {
            ps->p++;
            int digits = 0;
            while (hexval(peek(ps)) >= 0) {
                v = v * 16 + hexval(peek(ps));
                ps->p++;
                if (++digits > 8 || v > 0x10FFFF)
                    return fail_at(ps, at, "escape beyond U+10FFFF"), -1;
            }
            if (digits == 0 || peek(ps) != '}')
                return fail_at(ps, at, "malformed \\x{...} escape"), -1;
            ps->p++;
        } else {
            int h1 = hexval(peek(ps)), h2 = hexval(peek_at(ps, 1));
            if (h1 < 0 || h2 < 0)
                return fail_at(ps, at, "malformed \\xHH escape"), -1;
            ps->p += 2;
            v = h1 * 16 + h2;
        }
        if (v >= 0xD800 && v <= 0xDFFF)
            return fail_at(ps, at, "escape is a surrogate code point"), -1;
        return v;
    }
    default:
        if (c >= '0' && c <= '7') {
            long v = c - '0';
            for (int i = 0; i < 2 && peek(ps) >= '0' && peek(ps) <= '7'; i++)
                v = v * 8 + (*ps->p++ - '0');
            return v;
        }
        if (c >= 0x80) {
            ps->p--;
            size_t n;
            long cp = cp_at(ps, ps->p, &n);
            if (cp < 0)
                return fail(ps, "invalid UTF-8"), -1;
            ps->p += n;
            return cp;
        }
        return c; /* \' \" \\ and any other character stand for themselves */
    }
}

/* ---------------------------------------------------------------- scalars */

static bool parse_quoted_atom(parser *ps, ot_term *out)
{
    const char *open = ps->p++;
    uint8_t buf[OT_ATOM_MAX_CHARS * 4 + 4];
    size_t len = 0, chars = 0;
    for (;;) {
        if (at_end(ps))
            return fail_at(ps, open, "unterminated quoted atom");
        if (*ps->p == '\'') {
            ps->p++;
            break;
        }
        long cp = quoted_char(ps);
        if (cp < 0)
            return false;
        if (++chars > OT_ATOM_MAX_CHARS)
            return fail_at(ps, open, "atom longer than 255 characters");
        len += ot__utf8_encode((uint32_t)cp, buf + len);
    }
    *out = ot_atom_len((const char *)buf, len);
    return *out != OT_NONE ? true : fail_at(ps, open, "atom table full");
}

static bool parse_atom(parser *ps, ot_term *out)
{
    const char *s = ps->p;
    const char *e = name_end(ps, s);
    ps->p = e;
    size_t chars;
    ot__utf8_valid((const uint8_t *)s, (size_t)(e - s), &chars);
    if (chars > OT_ATOM_MAX_CHARS)
        return fail_at(ps, s, "atom longer than 255 characters");
    *out = ot_atom_len(s, (size_t)(e - s));
    return *out != OT_NONE ? true : fail_at(ps, s, "atom table full");
}

/* Copies digits (without _ separators) into b; checks that every _ sits
 * between two digits of `base`. Returns the number of digits. */
static size_t scan_digits(parser *ps, ot__buf *b, unsigned base, bool *ok)
{
    size_t n = 0;
    *ok = true;
    for (;;) {
        int c = peek(ps);
        int d = c < 0 ? -1 : is_digit(c) ? c - '0' : is_lower(c) ? c - 'a' + 10
                : is_upper(c) ? c - 'A' + 10 : -1;
        if (d >= 0 && (unsigned)d < base) {
            if (!ot__buf_reserve(b, 1)) {
                *ok = false;
                oom(ps);
                return n;
            }
            b->bytes[b->len++] = (uint8_t)c;
            ps->p++;
            n++;
            continue;
        }
        if (c == '_' && n > 0) {
            int c2 = peek_at(ps, 1);
            int d2 = c2 < 0 ? -1 : is_digit(c2) ? c2 - '0' : is_lower(c2) ? c2 - 'a' + 10
                     : is_upper(c2) ? c2 - 'A' + 10 : -1;
            if (d2 >= 0 && (unsigned)d2 < base) {
                ps->p++;
                continue;
            }
        }
        return n;
    }
}

static locale_t c_locale_value;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static void c_locale_init(void) { c_locale_value = newlocale(LC_ALL_MASK, "C", (locale_t)0); }

static double c_strtod(const char *s, char **end)
{
    pthread_once(&c_locale_once, c_locale_init);
    if (c_locale_value)
        return strtod_l(s, end, c_locale_value);
    return strtod(s, end);
}

/* A number: integer (decimal or base#digits), $char or float; an optional
 * leading '-' was already consumed (neg). */
static bool parse_number(parser *ps, bool neg, const char *at, ot_term *out)
{
    if (peek(ps) == '$') {
        ps->p++;
        if (at_end(ps))
            return fail_at(ps, at, "character expected after $");
        long cp;
        if (*ps->p == '\\' || (*ps->p == '~' && ps->directives)) {
            cp = quoted_char(ps);
            if (cp < 0)
                return false;
        } else {
            size_t n;
            cp = cp_at(ps, ps->p, &n);
            if (cp < 0)
                return fail(ps, "invalid UTF-8");
            ps->p += n;
        }
        *out = ot__make_small(neg ? -cp : cp);
        return true;
    }
    /* Fast path: a short plain decimal integer. */
    {
        const char *q = ps->p;
        int64_t v = 0;
        int nd = 0;
        while (q < ps->end && is_digit(*q) && nd < 18) {
            v = v * 10 + (*q - '0');
            q++;
            nd++;
        }
        if (nd > 0 && (q >= ps->end || (!is_digit(*q) && *q != '_' && *q != '.' && *q != '#'))) {
            ps->p = q;
            *out = ot__make_small(neg ? -v : v);
            return true;
        }
    }
    ot__buf b;
    uint8_t b_mem[INLINE_BYTES];
    ot__buf_init_mem(&b, b_mem, sizeof b_mem);
    bool ok;
    size_t nd = scan_digits(ps, &b, 10, &ok);
    if (!ok)
        goto fail;
    if (nd == 0) {
        fail_at(ps, at, "number expected");
        goto fail;
    }
    if (peek(ps) == '#') {
        /* base#digits */
        unsigned base = 0;
        for (size_t i = 0; i < b.len && base <= 36; i++)
            base = base * 10 + (unsigned)(b.bytes[i] - '0');
        if (base < 2 || base > 36) {
            fail_at(ps, at, "base must be 2..36");
            goto fail;
        }
        ps->p++;
        b.len = 0;
        nd = scan_digits(ps, &b, base, &ok);
        if (!ok)
            goto fail;
        if (nd == 0) {
            fail(ps, "digits of the base expected after #");
            goto fail;
        }
        *out = ot__int_from_text(ps->h, neg, (const char *)b.bytes, b.len, base);
        ot__buf_free(&b);
        return *out != OT_NONE ? true : oom(ps);
    }
    if (peek(ps) == '.' && is_digit(peek_at(ps, 1))) {
        ps->p++;
        if (!ot__buf_reserve(&b, 1)) {
            oom(ps);
            goto fail;
        }
        b.bytes[b.len++] = '.';
        if (!scan_digits(ps, &b, 10, &ok) || !ok)
            goto fail;
        int c = peek(ps);
        if (c == 'e' || c == 'E') {
            const char *save = ps->p;
            ps->p++;
            size_t mark = b.len;
            if (!ot__buf_reserve(&b, 2)) {
                oom(ps);
                goto fail;
            }
            b.bytes[b.len++] = 'e';
            if (peek(ps) == '+' || peek(ps) == '-')
                b.bytes[b.len++] = (uint8_t)*ps->p++;
            if (!scan_digits(ps, &b, 10, &ok)) {
                if (!ok)
                    goto fail;
                ps->p = save; /* not an exponent after all */
                b.len = mark;
            }
        }
        if (!ot__buf_reserve(&b, 1)) {
            oom(ps);
            goto fail;
        }
        b.bytes[b.len] = 0;
        char *e;
        double d = c_strtod((const char *)b.bytes, &e);
        if (!isfinite(d)) {
            fail_at(ps, at, "float out of range");
            goto fail;
        }
        ot__buf_free(&b);
        *out = ot_float(ps->h, neg ? -d : d);
        return *out != OT_NONE ? true : oom(ps);
    }
    *out = ot__int_from_text(ps->h, neg, (const char *)b.bytes, b.len, 10);
    ot__buf_free(&b);
    return *out != OT_NONE ? true : oom(ps);
fail:
    ot__buf_free(&b);
    return false;
}

/* "text" as a charlist; adjacent strings join, as in Erlang. */
static bool parse_string(parser *ps, ot_term *out)
{
    ot_term first = OT_NIL, *link = &first;
    for (;;) {
        const char *open = ps->p++;
        for (;;) {
            if (at_end(ps))
                return fail_at(ps, open, "unterminated string");
            if (*ps->p == '"') {
                ps->p++;
                break;
            }
            long cp = quoted_char(ps);
            if (cp < 0)
                return false;
            ot_term *cell = ot__heap_alloc(ps->h, 2);
            if (!cell)
                return oom(ps);
            cell[0] = ot__make_small(cp);
            cell[1] = OT_NIL;
            *link = ot__make_cons(cell);
            link = &cell[1];
        }
        const char *save = ps->p;
        skip_ws(ps);
        if (peek(ps) != '"') {
            ps->p = save;
            break;
        }
    }
    *out = first;
    return true;
}

/* <0.1.2>, after '<' or '#PID<'; also ports (#Port<0.5>) and references
 * (#Ref<0.1.2.3>): `kind` is 'p', 'o' or 'r'. */
static bool parse_ident(parser *ps, int kind, const char *at, ot_term *out)
{
    uint64_t nums[6];
    size_t n = 0;
    for (;;) {
        if (!is_digit(peek(ps)))
            return fail(ps, "number expected in identifier");
        uint64_t v = 0;
        while (is_digit(peek(ps))) {
            v = v * 10 + (uint64_t)(*ps->p++ - '0');
            if (v > UINT32_MAX && !(kind == 'o' && n == 1 && v <= UINT64_MAX / 10))
                return fail_at(ps, at, "identifier number out of range");
        }
        if (n == 6)
            return fail_at(ps, at, "too many numbers in identifier");
        nums[n++] = v;
        if (peek(ps) == '.') {
            ps->p++;
            continue;
        }
        if (peek(ps) == '>') {
            ps->p++;
            break;
        }
        return fail(ps, "'.' or '>' expected in identifier");
    }
    if (nums[0] != 0)
        return fail_at(ps, at, "identifier of another node (its first number must be 0)");
    ot_term node = ot__local_node();
    uint32_t creation = ot__local_creation();
    if (kind == 'p') {
        if (n != 3)
            return fail_at(ps, at, "a pid has three numbers: <0.Id.Serial>");
        *out = ot_pid(ps->h, node, (uint32_t)nums[1], (uint32_t)nums[2], creation);
    } else if (kind == 'o') {
        if (n != 2)
            return fail_at(ps, at, "a port has two numbers: #Port<0.Id>");
        *out = ot_port(ps->h, node, nums[1], creation);
    } else {
        if (n < 2)
            return fail_at(ps, at, "a reference has one to five words after the 0");
        uint32_t ids[5];
        size_t k = n - 1;
        for (size_t i = 0; i < k; i++)
            ids[i] = (uint32_t)nums[n - 1 - i]; /* printed last word first */
        *out = ot_ref(ps->h, node, creation, ids, k);
    }
    return *out != OT_NONE ? true : oom(ps);
}

/* ---------------------------------------------------------------- binaries */

/* Appends the low `bits` bits of the two's-complement integer (neg, l[0..n))
 * to the bit buffer, most significant first (big) or by bytes, least
 * significant first (little). */
static bool put_int_bits(parser *ps, ot__buf *b, uint64_t *bitpos, bool neg,
                         const uint64_t *l, size_t n, uint64_t bits, bool little)
{
    if (bits == 0)
        return true;
    if (little && bits % 8)
        return fail(ps, "little-endian segment size must be a multiple of 8");
    if (!ot__buf_reserve(b, (size_t)((*bitpos + bits + 7) / 8 - b->len)))
        return oom(ps);
    if (bits == 8 && *bitpos % 8 == 0) {
        uint64_t low = n ? l[0] : 0;
        b->bytes[*bitpos / 8] = (uint8_t)(neg ? 0 - low : low);
        b->len = (size_t)(*bitpos / 8 + 1);
        *bitpos += 8;
        return true;
    }
    /* bit k (0 = least significant) of the two's complement value */
    for (uint64_t i = 0; i < bits; i++) {
        uint64_t k;
        if (little)
            k = (i / 8) * 8 + (7 - i % 8);
        else
            k = bits - 1 - i;
        size_t li = (size_t)(k / 64);
        uint64_t word = li < n ? l[li] : 0;
        if (neg) {
            /* two's complement of the magnitude: ~mag + 1, limb by limb */
            bool borrow_all_zero = true;
            for (size_t j = 0; j < li && j < n; j++)
                if (l[j] != 0) {
                    borrow_all_zero = false;
                    break;
                }
            word = ~word + (borrow_all_zero ? 1 : 0);
        }
        unsigned bit = (unsigned)((word >> (k % 64)) & 1);
        uint64_t pos = *bitpos + i;
        size_t byte = (size_t)(pos / 8);
        if (pos % 8 == 0) {
            b->bytes[byte] = 0;
            if (b->len < byte + 1)
                b->len = byte + 1;
        }
        if (bit)
            b->bytes[byte] |= (uint8_t)(0x80 >> (pos % 8));
    }
    *bitpos += bits;
    return true;
}

static bool put_bytes_bits(parser *ps, ot__buf *b, uint64_t *bitpos, const uint8_t *d, uint64_t bits)
{
    if (!ot__buf_reserve(b, (size_t)((*bitpos + bits + 7) / 8 - b->len)))
        return oom(ps);
    if (*bitpos % 8 == 0) {
        size_t nb = (size_t)((bits + 7) / 8);
        memcpy(b->bytes + *bitpos / 8, d, nb);
        if (bits % 8)
            b->bytes[*bitpos / 8 + nb - 1] &= (uint8_t)(0xff << (8 - bits % 8));
        b->len = (size_t)((*bitpos + bits + 7) / 8);
        *bitpos += bits;
        return true;
    }
    for (uint64_t i = 0; i < bits; i++) {
        unsigned bit = (d[i / 8] >> (7 - i % 8)) & 1;
        uint64_t pos = *bitpos + i;
        size_t byte = (size_t)(pos / 8);
        if (pos % 8 == 0) {
            b->bytes[byte] = 0;
            b->len = byte + 1;
        }
        if (bit)
            b->bytes[byte] |= (uint8_t)(0x80 >> (pos % 8));
    }
    *bitpos += bits;
    return true;
}

enum seg_type { T_DEFAULT, T_INTEGER, T_FLOAT, T_BINARY, T_BITS, T_UTF8, T_UTF16, T_UTF32 };

typedef struct segspec {
    enum seg_type type;
    bool little;
    bool has_size;
    uint64_t size;
} segspec;

static bool parse_segspec(parser *ps, segspec *s)
{
    s->type = T_DEFAULT;
    s->little = false;
    s->has_size = false;
    s->size = 0;
    skip_ws(ps);
    if (peek(ps) == ':') {
        ps->p++;
        skip_ws(ps);
        if (!is_digit(peek(ps)))
            return fail(ps, "segment size must be a literal integer");
        uint64_t v = 0;
        while (is_digit(peek(ps))) {
            v = v * 10 + (uint64_t)(*ps->p++ - '0');
            if (v > (UINT64_C(1) << 40))
                return fail(ps, "segment size too large");
        }
        s->has_size = true;
        s->size = v;
        skip_ws(ps);
    }
    if (peek(ps) == '/') {
        ps->p++;
        for (;;) {
            skip_ws(ps);
            const char *w = ps->p, *e = name_end(ps, w);
            size_t n = (size_t)(e - w);
            ps->p = e;
#define IS(lit) (n == sizeof(lit) - 1 && memcmp(w, lit, n) == 0)
            if (IS("integer")) s->type = T_INTEGER;
            else if (IS("float")) s->type = T_FLOAT;
            else if (IS("binary") || IS("bytes")) s->type = T_BINARY;
            else if (IS("bitstring") || IS("bits")) s->type = T_BITS;
            else if (IS("utf8")) s->type = T_UTF8;
            else if (IS("utf16")) s->type = T_UTF16;
            else if (IS("utf32")) s->type = T_UTF32;
            else if (IS("big") || IS("signed") || IS("unsigned")) ;
            else if (IS("little")) s->little = true;
            else
                return fail_at(ps, w, "unknown binary segment type");
#undef IS
            skip_ws(ps);
            if (peek(ps) != '-')
                break;
            ps->p++;
        }
    }
    return true;
}

static bool put_utf(parser *ps, ot__buf *b, uint64_t *bitpos, long cp, enum seg_type t, bool little)
{
    uint8_t tmp[4];
    if (cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return fail(ps, "not a Unicode code point for a utf segment");
    if (t == T_UTF8) {
        size_t n = ot__utf8_encode((uint32_t)cp, tmp);
        return put_bytes_bits(ps, b, bitpos, tmp, 8 * n);
    }
    uint64_t v;
    if (t == T_UTF32) {
        v = (uint64_t)cp;
        return put_int_bits(ps, b, bitpos, false, &v, 1, 32, little);
    }
    if (cp < 0x10000) {
        v = (uint64_t)cp;
        return put_int_bits(ps, b, bitpos, false, &v, 1, 16, little);
    }
    uint64_t hi = 0xD800 + ((uint64_t)(cp - 0x10000) >> 10), lo = 0xDC00 + ((uint64_t)(cp - 0x10000) & 0x3FF);
    return put_int_bits(ps, b, bitpos, false, &hi, 1, 16, little) &&
           put_int_bits(ps, b, bitpos, false, &lo, 1, 16, little);
}

/* An integer term (small or big) into a segment. */
static bool put_int_term(parser *ps, ot__buf *b, uint64_t *bitpos, ot_term v, const segspec *s)
{
    if (s->type == T_UTF8 || s->type == T_UTF16 || s->type == T_UTF32) {
        if (!ot__is_small(v))
            return fail(ps, "not a Unicode code point for a utf segment");
        return put_utf(ps, b, bitpos, (long)ot__small_val(v), s->type, s->little);
    }
    if (s->type == T_FLOAT) {
        double d;
        ot_get_double(v, &d);
        uint64_t size = s->has_size ? s->size : 64;
        uint64_t w;
        if (size == 64) {
            memcpy(&w, &d, 8);
        } else if (size == 32) {
            float f = (float)d;
            uint32_t x;
            memcpy(&x, &f, 4);
            w = x;
        } else {
            return fail(ps, "float segments are 32 or 64 bits");
        }
        return put_int_bits(ps, b, bitpos, false, &w, 1, size, s->little);
    }
    if (s->type != T_DEFAULT && s->type != T_INTEGER)
        return fail(ps, "an integer cannot be a binary segment");
    bool neg;
    const uint64_t *l;
    uint64_t scratch;
    size_t n = ot__int_limbs(v, &neg, &l, &scratch);
    return put_int_bits(ps, b, bitpos, neg, l, n, s->has_size ? s->size : 8, s->little);
}

/* A bitstring term spliced into a segment (/binary, /bits or default). */
static bool put_bits_term(parser *ps, ot__buf *b, uint64_t *bitpos, ot_term v, const segspec *s)
{
    if (!ot_is_bitstring(v))
        return fail(ps, "binary segment value is not a bitstring");
    uint64_t bits = ot_bitstring_bits(v);
    if (s->type == T_BINARY && bits % 8 && !s->has_size)
        return fail(ps, "a /binary segment needs whole bytes");
    if (s->has_size) {
        uint64_t want = s->type == T_BINARY ? s->size * 8 : s->size;
        if (want > bits)
            return fail(ps, "segment size larger than the binary");
        bits = want;
    }
    return put_bytes_bits(ps, b, bitpos, ot_binary_data(v, NULL), bits);
}

static bool parse_binary(parser *ps, ot_term *out)
{
    const char *open = ps->p;
    ps->p += 2;
    ot__buf b;
    uint8_t b_mem[INLINE_BYTES];
    ot__buf_init_mem(&b, b_mem, sizeof b_mem);
    uint64_t bitpos = 0;
    skip_ws(ps);
    if (peek(ps) == '>' && peek_at(ps, 1) == '>') {
        ps->p += 2;
        *out = ot_binary(ps->h, "", 0);
        return *out != OT_NONE ? true : oom(ps);
    }
    for (;;) {
        skip_ws(ps);
        int c = peek(ps);
        const char *segat = ps->p;
        if (c == '"') {
            /* a string: each character a segment of the given spec */
            const char *sopen = ps->p++;
            const char *body = ps->p;
            /* find the spec first: scan to the closing quote */
            for (;;) {
                if (at_end(ps)) {
                    fail_at(ps, sopen, "unterminated string");
                    goto fail;
                }
                if (*ps->p == '"')
                    break;
                if (quoted_char(ps) < 0)
                    goto fail;
            }
            const char *close = ps->p++;
            segspec s;
            if (!parse_segspec(ps, &s))
                goto fail;
            if (s.type == T_BINARY || s.type == T_BITS || s.type == T_FLOAT) {
                fail_at(ps, segat, "a string segment must be integer or utf");
                goto fail;
            }
            const char *after = ps->p;
            ps->p = body;
            while (ps->p < close) {
                long cp = quoted_char(ps);
                if (cp < 0)
                    goto fail;
                uint64_t v = (uint64_t)cp;
                bool okp = (s.type == T_UTF8 || s.type == T_UTF16 || s.type == T_UTF32)
                               ? put_utf(ps, &b, &bitpos, cp, s.type, s.little)
                               : put_int_bits(ps, &b, &bitpos, false, &v, 1,
                                              s.has_size ? s.size : 8, s.little);
                if (!okp)
                    goto fail;
            }
            ps->p = after;
        } else if (c == '~' && ps->directives) {
            int d = peek_at(ps, 1);
            ps->p += 2;
            ot_term v = OT_NONE;
            bool is_bits = false;
            switch (d) {
            case 'i': v = ot_int(ps->h, va_arg(ps->ap, int)); break;
            case 'l': v = ot_int(ps->h, va_arg(ps->ap, int64_t)); break;
            case 'u': v = ot_uint(ps->h, va_arg(ps->ap, uint64_t)); break;
            case 'f': {
                double x = va_arg(ps->ap, double);
                v = ot_float(ps->h, x);
                if (v == OT_NONE) {
                    fail_at(ps, segat, "~f argument is not a finite float");
                    goto fail;
                }
                break;
            }
            case 's': {
                const char *str = va_arg(ps->ap, const char *);
                if (!str) {
                    fail_at(ps, segat, "~s argument is NULL");
                    goto fail;
                }
                segspec s;
                if (!parse_segspec(ps, &s))
                    goto fail;
                if (s.type != T_DEFAULT && s.type != T_BINARY) {
                    fail_at(ps, segat, "~s in a binary is a /binary segment");
                    goto fail;
                }
                size_t n = strlen(str);
                if (s.has_size) {
                    if (s.size > n) {
                        fail_at(ps, segat, "segment size larger than the binary");
                        goto fail;
                    }
                    n = (size_t)s.size;
                }
                if (!put_bytes_bits(ps, &b, &bitpos, (const uint8_t *)str, 8 * (uint64_t)n))
                    goto fail;
                goto segment_done;
            }
            case 'b': {
                const void *data = va_arg(ps->ap, const void *);
                size_t n = va_arg(ps->ap, size_t);
                if (!data && n) {
                    fail_at(ps, segat, "~b argument is NULL");
                    goto fail;
                }
                segspec s;
                if (!parse_segspec(ps, &s))
                    goto fail;
                if (s.type != T_DEFAULT && s.type != T_BINARY) {
                    fail_at(ps, segat, "~b in a binary is a /binary segment");
                    goto fail;
                }
                if (s.has_size) {
                    if (s.size > n) {
                        fail_at(ps, segat, "segment size larger than the binary");
                        goto fail;
                    }
                    n = (size_t)s.size;
                }
                if (n && !put_bytes_bits(ps, &b, &bitpos, data, 8 * (uint64_t)n))
                    goto fail;
                goto segment_done;
            }
            case 't':
            case 'p':
                v = va_arg(ps->ap, ot_term);
                is_bits = ot_is_bitstring(v);
                if (v == OT_NONE) {
                    fail_at(ps, segat, "~t argument is OT_NONE");
                    goto fail;
                }
                break;
            default:
                fail_at(ps, segat, "unknown or unsupported directive in a binary");
                goto fail;
            }
            if (v == OT_NONE) {
                oom(ps);
                goto fail;
            }
            segspec s;
            if (!parse_segspec(ps, &s))
                goto fail;
            if (d == 'f' && s.type == T_DEFAULT)
                s.type = T_FLOAT;
            bool okp;
            if (is_bits && (s.type == T_DEFAULT || s.type == T_BINARY || s.type == T_BITS))
                okp = put_bits_term(ps, &b, &bitpos, v, &s);
            else if (ot_is_int(v))
                okp = put_int_term(ps, &b, &bitpos, v, &s);
            else if (ot_is_float(v) && (s.type == T_FLOAT))
                okp = put_int_term(ps, &b, &bitpos, v, &s);
            else
                okp = fail_at(ps, segat, "value does not fit this binary segment");
            if (!okp)
                goto fail;
        } else if (is_digit(c) || c == '-' || c == '$') {
            const char *at = ps->p;
            bool neg = false;
            if (c == '-') {
                neg = true;
                ps->p++;
            }
            ot_term v;
            if (!parse_number(ps, neg, at, &v))
                goto fail;
            segspec s;
            if (!parse_segspec(ps, &s))
                goto fail;
            if (ot_is_float(v)) {
                if (s.type != T_DEFAULT && s.type != T_FLOAT) {
                    fail_at(ps, segat, "a float segment must be /float");
                    goto fail;
                }
                s.type = T_FLOAT;
            }
            if (!put_int_term(ps, &b, &bitpos, v, &s))
                goto fail;
        } else if (ps->pattern && (is_upper(c) || c == '_')) {
            fail(ps, "variables inside <<>> are not supported");
            goto fail;
        } else {
            fail(ps, "binary segment expected (integer, float, string or directive)");
            goto fail;
        }
    segment_done:
        skip_ws(ps);
        if (peek(ps) == ',') {
            ps->p++;
            continue;
        }
        if (peek(ps) == '>' && peek_at(ps, 1) == '>') {
            ps->p += 2;
            break;
        }
        if (at_end(ps))
            fail_at(ps, open, "unterminated binary (missing >>)");
        else
            fail(ps, "',' or '>>' expected in binary");
        goto fail;
    }
    *out = ot_bitstring(ps->h, b.bytes, bitpos);
    ot__buf_free(&b);
    return *out != OT_NONE ? true : oom(ps);
fail:
    ot__buf_free(&b);
    return false;
}

/* ---------------------------------------------------------------- values */

static bool parse_var(parser *ps, ot_term *out)
{
    const char *s = ps->p;
    const char *e = name_end(ps, s);
    ps->p = e;
    size_t n = (size_t)(e - s);
    if (!ps->pattern)
        return fail_at(ps, s, "variables are allowed only in patterns");
    ps->uses++;
    if (n == 1 && *s == '_') {
        *out = OT__ANY;
        return true;
    }
    for (size_t i = 0; i < ps->nvars; i++)
        if (ps->vars[i].len == n && memcmp(ps->vars[i].name, s, n) == 0) {
            *out = ot__make_var((uint32_t)i);
            return true;
        }
    if (ps->nvars == ps->capvars &&
        !grow(ps, (void **)&ps->vars, ps->vars_inline, &ps->capvars, sizeof *ps->vars))
        return false;
    ps->vars[ps->nvars] = (varname){s, n};
    *out = ot__make_var((uint32_t)ps->nvars++);
    return true;
}

static bool parse_directive(parser *ps, ot_term *out)
{
    const char *at = ps->p;
    if (!ps->directives)
        return fail(ps, "~ directives are allowed only in ot_build formats");
    int d = peek_at(ps, 1);
    ps->p += d < 0 ? 1 : 2;
    switch (d) {
    case 'a': {
        const char *s = va_arg(ps->ap, const char *);
        if (!s)
            return fail_at(ps, at, "~a argument is NULL");
        *out = ot_atom(s);
        return *out != OT_NONE ? true
                               : fail_at(ps, at, "~a argument is not valid UTF-8 of at most 255 characters");
    }
    case 's': {
        const char *s = va_arg(ps->ap, const char *);
        if (!s)
            return fail_at(ps, at, "~s argument is NULL");
        *out = ot_string(ps->h, s);
        break;
    }
    case 'i': *out = ot_int(ps->h, va_arg(ps->ap, int)); break;
    case 'l': *out = ot_int(ps->h, va_arg(ps->ap, int64_t)); break;
    case 'u': *out = ot_uint(ps->h, va_arg(ps->ap, uint64_t)); break;
    case 'f': {
        double x = va_arg(ps->ap, double);
        if (!isfinite(x))
            return fail_at(ps, at, "~f argument is not a finite float");
        *out = ot_float(ps->h, x);
        break;
    }
    case 'b': {
        const void *data = va_arg(ps->ap, const void *);
        size_t n = va_arg(ps->ap, size_t);
        if (!data && n)
            return fail_at(ps, at, "~b argument is NULL");
        *out = ot_binary(ps->h, data, n);
        break;
    }
    case 't':
    case 'p': {
        ot_term t = va_arg(ps->ap, ot_term);
        if (t == OT_NONE)
            return fail_at(ps, at, "~t/~p argument is OT_NONE");
        *out = t;
        return true;
    }
    case '~':
        return fail_at(ps, at, "~~ (a literal ~) belongs inside quoted text");
    default:
        return fail_at(ps, at, "unknown directive (expected ~a ~s ~i ~l ~u ~f ~b ~t ~p)");
    }
    return *out != OT_NONE ? true : oom(ps);
}

/* Keys and values of a map frame into a map box, without malloc for small
 * maps: insertion sort of pair indices in exact order, later pairs winning. */
static bool build_map(parser *ps, const ot_term *kv, size_t n, ot_term *out)
{
    size_t ix_inline[32];
    size_t *ix = n <= 32 ? ix_inline : ot__malloc(n * sizeof *ix);
    if (!ix)
        return oom(ps);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        ot_term k = kv[2 * i];
        /* binary search for the slot */
        size_t lo = 0, hi = m;
        bool dup = false;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            int c = ot_compare_exact(kv[2 * ix[mid]], k);
            if (c == 0) {
                ix[mid] = i;
                dup = true;
                break;
            }
            if (c < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (dup)
            continue;
        memmove(ix + lo + 1, ix + lo, (m - lo) * sizeof *ix);
        ix[lo] = i;
        m++;
    }
    uint64_t *p = ot__heap_alloc(ps->h, 1 + 2 * m);
    if (!p) {
        if (ix != ix_inline)
            ot__free(ix);
        return oom(ps);
    }
    p[0] = ot__hdr(OT__B_MAP, m);
    for (size_t i = 0; i < m; i++) {
        p[1 + i] = kv[2 * ix[i]];
        p[1 + m + i] = kv[2 * ix[i] + 1];
    }
    if (ix != ix_inline)
        ot__free(ix);
    *out = ot__make_boxed(p);
    return true;
}

/* Closes the top frame into a term. */
static bool close_frame(parser *ps, ot_term *out)
{
    frame *f = &ps->frames[ps->nframes - 1];
    const ot_term *el = ps->vals + f->start;
    size_t n = ps->nvals - f->start;
    switch (f->kind) {
    case F_TUPLE: {
        uint64_t *p = ot__heap_alloc(ps->h, 1 + n);
        if (!p)
            return oom(ps);
        p[0] = ot__hdr(OT__B_TUPLE, n);
        memcpy(p + 1, el, n * sizeof *el);
        *out = ot__make_boxed(p);
        break;
    }
    case F_LIST: {
        size_t k = f->tail ? n - 1 : n;
        ot_term tail = f->tail ? el[n - 1] : OT_NIL;
        if (k == 0) {
            *out = tail;
            break;
        }
        ot_term *cells = ot__heap_alloc(ps->h, 2 * k);
        if (!cells)
            return oom(ps);
        for (size_t i = 0; i < k; i++) {
            cells[2 * i] = el[i];
            cells[2 * i + 1] = i + 1 < k ? ot__make_cons(&cells[2 * (i + 1)]) : tail;
        }
        *out = ot__make_cons(cells);
        break;
    }
    default:
        if (!build_map(ps, el, n / 2, out))
            return false;
        break;
    }
    ps->nvals = f->start;
    ps->nframes--;
    return true;
}

/* A scalar or an opening bracket at the current position. Returns true
 * with *have set if a complete value was read into *out. */
static bool parse_start(parser *ps, ot_term *out, bool *have)
{
    *have = true;
    const char *at = ps->p;
    int c = peek(ps);
    switch (c) {
    case -1:
        return fail(ps, "unexpected end of text");
    case '{':
        ps->p++;
        *have = false;
        return push_frame(ps, F_TUPLE, at);
    case '[':
        ps->p++;
        *have = false;
        return push_frame(ps, F_LIST, at);
    case '#':
        if (peek_at(ps, 1) == '{') {
            ps->p += 2;
            *have = false;
            return push_frame(ps, F_MAP, at);
        }
        if ((size_t)(ps->end - ps->p) >= 5 && memcmp(ps->p, "#PID<", 5) == 0) {
            ps->p += 5;
            return parse_ident(ps, 'p', at, out);
        }
        if ((size_t)(ps->end - ps->p) >= 5 && memcmp(ps->p, "#Ref<", 5) == 0) {
            ps->p += 5;
            return parse_ident(ps, 'r', at, out);
        }
        if ((size_t)(ps->end - ps->p) >= 6 && memcmp(ps->p, "#Port<", 6) == 0) {
            ps->p += 6;
            return parse_ident(ps, 'o', at, out);
        }
        if ((size_t)(ps->end - ps->p) >= 5 && memcmp(ps->p, "#Fun<", 5) == 0)
            return fail(ps, "funs cannot be written as text");
        return fail(ps, "'#{', #PID<, #Port< or #Ref< expected after #");
    case '<':
        if (peek_at(ps, 1) == '<')
            return parse_binary(ps, out);
        ps->p++;
        return parse_ident(ps, 'p', at, out);
    case '\'':
        return parse_quoted_atom(ps, out);
    case '"':
        return parse_string(ps, out);
    case '~':
        return parse_directive(ps, out);
    case '-':
        ps->p++;
        if (!is_digit(peek(ps)) && peek(ps) != '$')
            return fail_at(ps, at, "number expected after '-'");
        return parse_number(ps, true, at, out);
    case '$':
        return parse_number(ps, false, at, out);
    default:
        if (is_digit(c))
            return parse_number(ps, false, at, out);
        if (atom_start(ps, ps->p))
            return parse_atom(ps, out);
        if (is_upper(c) || c == '_')
            return parse_var(ps, out);
        return fail(ps, "term expected");
    }
}

/* The whole text: one term, then only whitespace. */
static bool parse_all(parser *ps, ot_term *result)
{
    for (;;) {
        /* expect a value */
        skip_ws(ps);
        ot_term v;
        bool have;
        const char *vat = ps->p;
        if (!parse_start(ps, &v, &have))
            return false;
        if (!have) {
            /* empty container? */
            skip_ws(ps);
            frame *f = &ps->frames[ps->nframes - 1];
            int c = peek(ps);
            if ((f->kind == F_LIST && c == ']') || (f->kind != F_LIST && c == '}')) {
                ps->p++;
                if (!close_frame(ps, &v))
                    return false;
            } else {
                continue;
            }
        }
        /* a complete value v: attach it, closing frames as far as we can */
        for (;;) {
            if (ps->nframes == 0) {
                skip_ws(ps);
                if (!at_end(ps))
                    return fail(ps, "unexpected text after the term");
                *result = v;
                return true;
            }
            frame *f = &ps->frames[ps->nframes - 1];
            if (f->kind == F_MAP) {
                if ((ps->nvals - f->start) % 2 == 0 && ps->uses != f->mark)
                    return fail_at(ps, vat, "a map key in a pattern must not contain variables");
                f->mark = ps->uses;
            }
            if (!push_val(ps, v))
                return false;
            skip_ws(ps);
            int c = peek(ps);
            const char *close = NULL;
            if (f->kind == F_TUPLE) {
                if (c == ',') { ps->p++; break; }
                if (c != '}') return fail(ps, at_end(ps) ? "unterminated tuple (missing })" : "',' or '}' expected in tuple");
                close = ps->p;
            } else if (f->kind == F_LIST) {
                if (f->tail) {
                    if (c != ']') return fail(ps, "']' expected after the tail of a list");
                    close = ps->p;
                } else if (c == ',') {
                    ps->p++;
                    break;
                } else if (c == '|') {
                    ps->p++;
                    f->tail = true;
                    break;
                } else if (c != ']') {
                    return fail(ps, at_end(ps) ? "unterminated list (missing ])" : "',', '|' or ']' expected in list");
                } else {
                    close = ps->p;
                }
            } else {
                bool key = (ps->nvals - f->start) % 2 == 1;
                if (key) {
                    if (c == '=' && peek_at(ps, 1) == '>') { ps->p += 2; break; }
                    if (ps->pattern && c == ':' && peek_at(ps, 1) == '=') { ps->p += 2; break; }
                    return fail(ps, "'=>' expected after a map key");
                }
                if (c == ',') { ps->p++; break; }
                if (c != '}') return fail(ps, at_end(ps) ? "unterminated map (missing })" : "',' or '}' expected in map");
                close = ps->p;
            }
            ps->p = close + 1;
            vat = ps->start + f->open;
            if (!close_frame(ps, &v))
                return false;
        }
    }
}

static void parser_init(parser *ps, ot_heap *h, const char *text, size_t len)
{
    ps->h = h;
    ps->start = ps->p = text;
    ps->end = text + len;
    ps->directives = false;
    ps->pattern = false;
    ps->vals = ps->vals_inline;
    ps->nvals = 0;
    ps->capvals = INLINE_VALS;
    ps->frames = ps->frames_inline;
    ps->nframes = 0;
    ps->capframes = INLINE_FRAMES;
    ps->vars = ps->vars_inline;
    ps->nvars = 0;
    ps->capvars = INLINE_VARS;
    ps->uses = 0;
    ps->err = 0;
    ps->err_off = 0;
    ps->what = NULL;
}

static void parser_free(parser *ps)
{
    if (ps->vals != ps->vals_inline)
        ot__free(ps->vals);
    if (ps->frames != ps->frames_inline)
        ot__free(ps->frames);
    if (ps->vars != ps->vars_inline)
        ot__free(ps->vars);
}

/* The reason of the calling thread's last failed ot_build/ot_pattern. */
static _Thread_local ot_parse_error last_build_error;

/* ot__build_error: why the calling thread's last ot_build, ot_vbuild or
 * ot_pattern returned OT_NONE (offset into its format and a description;
 * what is NULL after a success). */
ot_parse_error ot__build_error(void)
{
    return last_build_error;
}

static ot_term build_common(ot_heap *h, const char *fmt, va_list ap, bool pattern)
{
    if (!h || !fmt) {
        last_build_error = (ot_parse_error){0, "NULL heap or format"};
        return OT_NONE;
    }
    parser ps;
    parser_init(&ps, h, fmt, strlen(fmt));
    ps.directives = true;
    ps.pattern = pattern;
    va_copy(ps.ap, ap);
    ot_term t = OT_NONE;
    bool ok = parse_all(&ps, &t);
    va_end(ps.ap);
    if (ok) {
        last_build_error = (ot_parse_error){0, NULL};
    } else {
        last_build_error = (ot_parse_error){ps.err_off, ps.what};
        t = OT_NONE;
    }
    parser_free(&ps);
    return t;
}

/* ot_vbuild / ot_build / ot_pattern: the term of format fmt on h, or
 * OT_NONE (reason in ot__build_error()). Terms built before a failure stay
 * on h until it is freed; nothing else is kept. */
ot_term ot_vbuild(ot_heap *h, const char *fmt, va_list ap)
{
    return build_common(h, fmt, ap, false);
}

ot_term ot_build(ot_heap *h, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ot_term t = build_common(h, fmt, ap, false);
    va_end(ap);
    return t;
}

ot_term ot_pattern(ot_heap *h, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ot_term t = build_common(h, fmt, ap, true);
    va_end(ap);
    return t;
}

/* ot_parse: 0 and *out, or -EINVAL with *err, or -ENOMEM. *out is only
 * written on success. */
int ot_parse(ot_heap *h, const char *text, size_t len, bool pattern, ot_term *out,
             ot_parse_error *err)
{
    if (!h || (!text && len) || !out) {
        if (err)
            *err = (ot_parse_error){0, "NULL argument"};
        return -EINVAL;
    }
    parser ps;
    parser_init(&ps, h, text ? text : "", len);
    ps.pattern = pattern;
    ot_term t = OT_NONE;
    bool ok = parse_all(&ps, &t);
    parser_free(&ps);
    if (!ok) {
        if (err)
            *err = (ot_parse_error){ps.err_off, ps.what};
        return ps.err ? ps.err : -EINVAL;
    }
    *out = t;
    return 0;
}
