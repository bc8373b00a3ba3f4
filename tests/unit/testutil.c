/* testutil.c — helpers shared by otter's unit tests. */
#include "testutil.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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
