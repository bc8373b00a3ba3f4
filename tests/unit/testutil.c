/* testutil.c — helpers shared by otter's unit tests. */
#include "testutil.h"

#include <math.h>
#include <stdarg.h>

#include "otter/process.h"
#include "otter/term.h"
#include "term/term_internal.h"

#include <criterion/criterion.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

bool tu_poll(bool (*cond)(void *ctx), void *ctx)
{
    bool in_process = ot_self() != OT_NONE;
    for (int64_t waited = 0; waited < TU_POLL_CAP_MS; waited++) {
        if (cond(ctx))
            return true;
        if (in_process)
            ot_sleep(1);
        else
            usleep(1000);
    }
    return cond(ctx);
}

int tu_leaks(void)
{
#if defined(__SANITIZE_ADDRESS__)
    return __lsan_do_recoverable_leak_check();
#else
    return 0;
#endif
}

const char *tu_source_path(const char *rel)
{
    static char buf[4096];
    const char *root = getenv("OTTER_SOURCE_DIR");
    snprintf(buf, sizeof buf, "%s/%s", root ? root : ".", rel);
    return buf;
}

char *tu_run(const char *cmd, const char *input, size_t input_len, size_t *len, int *status)
{
    int in[2], out[2];
    cr_assert(pipe(in) == 0 && pipe(out) == 0, "pipe: %s", strerror(errno));
    pid_t pid = fork();
    cr_assert(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[0]); close(in[1]); close(out[0]); close(out[1]);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    /* Write input from a child so that a large output cannot deadlock. */
    pid_t writer = -1;
    if (input && input_len) {
        writer = fork();
        cr_assert(writer >= 0);
        if (writer == 0) {
            signal(SIGPIPE, SIG_DFL);
            size_t off = 0;
            while (off < input_len) {
                ssize_t w = write(in[1], input + off, input_len - off);
                if (w <= 0)
                    _exit(1);
                off += (size_t)w;
            }
            _exit(0);
        }
    }
    close(in[1]);
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (n + 4096 > cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        ssize_t r = read(out[0], buf + n, cap - n - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(out[0]);
    buf[n] = 0;
    int st = 0;
    waitpid(pid, &st, 0);
    if (writer > 0)
        waitpid(writer, NULL, 0);
    if (status)
        *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (len)
        *len = n;
    return buf;
}

char *tu_hex(const uint8_t *p, size_t n)
{
    static const char d[] = "0123456789abcdef";
    char *s = malloc(2 * n + 1);
    for (size_t i = 0; i < n; i++) {
        s[2 * i] = d[p[i] >> 4];
        s[2 * i + 1] = d[p[i] & 15];
    }
    s[2 * n] = 0;
    return s;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

long tu_unhex(const char *hex, size_t hexlen, uint8_t *out)
{
    if (hexlen % 2)
        return -1;
    for (size_t i = 0; i < hexlen / 2; i++) {
        int a = hexval(hex[2 * i]), b = hexval(hex[2 * i + 1]);
        if (a < 0 || b < 0)
            return -1;
        out[i] = (uint8_t)(a << 4 | b);
    }
    return (long)(hexlen / 2);
}

char *tu_mktemp(const char *suffix)
{
    const char *dir = getenv("TMPDIR");
    char *path = malloc(4096);
    snprintf(path, 4096, "%s/otter-test-XXXXXX%s", dir ? dir : "/tmp", suffix ? suffix : "");
    int fd = mkstemps(path, suffix ? (int)strlen(suffix) : 0);
    cr_assert(fd >= 0, "mkstemps: %s", strerror(errno));
    close(fd);
    return path;
}

uint64_t tu_rng(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* ---------------------------------------------------------------- Erlang text */

void tu_put(tu_text *w, const char *s, size_t n)
{
    if (w->n + n + 1 > w->cap) {
        w->cap = (w->n + n + 1) * 2;
        w->d = realloc(w->d, w->cap);
    }
    memcpy(w->d + w->n, s, n);
    w->n += n;
    w->d[w->n] = 0;
}
void tu_puts(tu_text *w, const char *s) { tu_put(w, s, strlen(s)); }
void tu_printf(tu_text *w, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    tu_put(w, tmp, (size_t)n);
}

static void write_atom_text(tu_text *w, const char *s, size_t n)
{
    tu_puts(w, "'");
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] < 32 || s[i] == 127) {
            tu_printf(w, "\\%03o", (unsigned char)s[i]);
            continue;
        }
        if (s[i] == '\'' || s[i] == '\\')
            tu_puts(w, "\\");
        tu_put(w, s + i, 1);
    }
    tu_puts(w, "'");
}

static void write_node_bytes(tu_text *w, ot_term node)
{
    size_t n;
    const char *s = ot_atom_text(node, &n);
    tu_printf(w, "119,%zu", n);
    for (size_t i = 0; i < n; i++)
        tu_printf(w, ",%u", (unsigned char)s[i]);
}

void tu_erlang_term(tu_text *w, ot_term t)
{
    switch (ot_typeof(t)) {
    case OT_TYPE_INT: {
        char *s = ot__int_to_decimal(t, NULL);
        tu_puts(w, s);
        ot__free(s);
        break;
    }
    case OT_TYPE_FLOAT: {
        double d;
        ot_get_double(t, &d);
        tu_printf(w, "%s%.16e", signbit(d) && d == 0 ? "-" : "", fabs(d) == 0 ? 0.0 : d);
        break;
    }
    case OT_TYPE_ATOM: {
        size_t n;
        const char *s = ot_atom_text(t, &n);
        write_atom_text(w, s, n);
        break;
    }
    case OT_TYPE_TUPLE:
        tu_puts(w, "{");
        for (size_t i = 0; i < ot_tuple_arity(t); i++) {
            if (i)
                tu_puts(w, ",");
            tu_erlang_term(w, ot_tuple_get(t, i));
        }
        tu_puts(w, "}");
        break;
    case OT_TYPE_NIL:
        tu_puts(w, "[]");
        break;
    case OT_TYPE_LIST:
        tu_puts(w, "[");
        for (bool first = true; ot_is_list(t) && t != OT_NIL; t = ot_tl(t), first = false) {
            if (!first)
                tu_puts(w, ",");
            tu_erlang_term(w, ot_hd(t));
        }
        if (t != OT_NIL) {
            tu_puts(w, "|");
            tu_erlang_term(w, t);
        }
        tu_puts(w, "]");
        break;
    case OT_TYPE_MAP:
        tu_puts(w, "#{");
        for (size_t i = 0; i < ot_map_size(t); i++) {
            if (i)
                tu_puts(w, ",");
            tu_erlang_term(w, ot_map_key(t, i));
            tu_puts(w, "=>");
            tu_erlang_term(w, ot_map_value(t, i));
        }
        tu_puts(w, "}");
        break;
    case OT_TYPE_BINARY: {
        size_t n;
        const uint8_t *b = ot_binary_data(t, &n);
        size_t bits = ot_bitstring_bits(t);
        tu_puts(w, "<<");
        for (size_t i = 0; i < n; i++) {
            if (i)
                tu_puts(w, ",");
            if (i == n - 1 && bits % 8)
                tu_printf(w, "%u:%zu", (unsigned)(b[i] >> (8 - bits % 8)), bits % 8);
            else
                tu_printf(w, "%u", b[i]);
        }
        tu_puts(w, ">>");
        break;
    }
    case OT_TYPE_PID: {
        ot_pid_parts p;
        ot_pid_get(t, &p);
        tu_puts(w, "binary_to_term(<<131,88,");
        write_node_bytes(w, p.node);
        tu_printf(w, ",%u:32,%u:32,%u:32>>)", p.id, p.serial, p.creation);
        break;
    }
    case OT_TYPE_PORT: {
        ot_port_parts p;
        ot_port_get(t, &p);
        tu_puts(w, "binary_to_term(<<131,120,");
        write_node_bytes(w, p.node);
        tu_printf(w, ",%llu:64,%u:32>>)", (unsigned long long)p.id, p.creation);
        break;
    }
    case OT_TYPE_REF: {
        ot_ref_parts p;
        ot_ref_get(t, &p);
        tu_printf(w, "binary_to_term(<<131,90,%u:16,", p.n);
        write_node_bytes(w, p.node);
        tu_printf(w, ",%u:32", p.creation);
        for (uint32_t i = 0; i < p.n; i++)
            tu_printf(w, ",%u:32", p.ids[i]);
        tu_puts(w, ">>)");
        break;
    }
    default:
        cr_assert_fail("unexpected term type %d (%#llx)", (int)ot_typeof(t), (unsigned long long)t);
    }
}

