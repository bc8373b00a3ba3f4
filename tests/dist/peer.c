/* peer.c — real nodes for the distribution tests (see peer.h). */
#include "peer.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "otter/process.h"

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *peer_unique_name(const char *prefix, char *out, size_t cap)
{
    static int n;
    snprintf(out, cap, "%s%dx%d", prefix, (int)getpid(), ++n);
    return out;
}

char *peer_line(peer *p, int timeout_ms)
{
    long deadline = now_ms() + timeout_ms;
    for (;;) {
        char *nl = memchr(p->buf, '\n', p->buflen);
        if (nl) {
            size_t n = (size_t)(nl - p->buf);
            char *line = malloc(n + 1);
            memcpy(line, p->buf, n);
            line[n] = 0;
            memmove(p->buf, nl + 1, p->buflen - n - 1);
            p->buflen -= n + 1;
            return line;
        }
        long left = deadline - now_ms();
        if (left <= 0 || p->buflen == sizeof p->buf)
            return NULL;
        struct pollfd pf = {.fd = p->out_fd, .events = POLLIN};
        int r = poll(&pf, 1, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return NULL;
        ssize_t got = read(p->out_fd, p->buf + p->buflen, sizeof p->buf - p->buflen);
        if (got <= 0)
            return NULL;
        p->buflen += (size_t)got;
    }
}

peer *peer_start(char *const argv[], int timeout_ms)
{
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0)
        return NULL;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0)
        return NULL;
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(1);
        dup2(in[0], 0);
        dup2(out[1], 1);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    peer *p = calloc(1, sizeof *p);
    p->pid = pid;
    p->in_fd = in[1];
    p->out_fd = out[0];
    long deadline = now_ms() + timeout_ms;
    for (;;) {
        long left = deadline - now_ms();
        char *line = left > 0 ? peer_line(p, (int)left) : NULL;
        if (!line) {
            fprintf(stderr, "peer %s did not come up\n", argv[0]);
            peer_kill(p);
            return NULL;
        }
        if (!strncmp(line, "READY ", 6)) {
            snprintf(p->node, sizeof p->node, "%s", line + 6);
            free(line);
            return p;
        }
        free(line); /* start-up chatter */
    }
}

peer *peer_start_elixir(const char *name, const char *cookie)
{
    const char *src = getenv("OTTER_SOURCE_DIR");
    char script[4096];
    snprintf(script, sizeof script, "%s/tests/dist/peer.exs", src ? src : ".");
    char *argv[] = {"elixir", "--sname", (char *)name, "--cookie", (char *)cookie, script, NULL};
    return peer_start(argv, 60000);
}

peer *peer_start_otter(const char *name, const char *cookie)
{
    const char *b = getenv("OTTER_BUILD_DIR");
    char prog[4096];
    snprintf(prog, sizeof prog, "%s/tests/otter_peer", b ? b : ".");
    char *argv[] = {prog, (char *)name, (char *)cookie, NULL};
    return peer_start(argv, 30000);
}

char *peer_eval(peer *p, const char *code, int timeout_ms)
{
    size_t n = strlen(code);
    if (write(p->in_fd, code, n) != (ssize_t)n || write(p->in_fd, "\n", 1) != 1)
        return NULL;
    long deadline = now_ms() + timeout_ms;
    for (;;) {
        long left = deadline - now_ms();
        char *line = left > 0 ? peer_line(p, (int)left) : NULL;
        if (!line)
            return NULL;
        if (!strncmp(line, "=> ", 3) || !strncmp(line, "!! ", 3))
            return line;
        free(line); /* output of the code itself */
    }
}

static void reap(peer *p, int wait_ms)
{
    long deadline = now_ms() + wait_ms;
    for (;;) {
        int st;
        pid_t r = waitpid(p->pid, &st, WNOHANG);
        if (r == p->pid || (r < 0 && errno == ECHILD))
            break;
        if (now_ms() >= deadline) {
            kill(p->pid, SIGKILL);
            waitpid(p->pid, &st, 0);
            break;
        }
        usleep(10000);
    }
    close(p->out_fd);
    free(p);
}

void peer_stop(peer *p)
{
    if (!p)
        return;
    close(p->in_fd);
    reap(p, 5000);
}

void peer_kill(peer *p)
{
    if (!p)
        return;
    kill(p->pid, SIGKILL);
    close(p->in_fd);
    reap(p, 5000);
}

/* ---------------------------------------------------------------- inside processes */

typedef struct job {
    peer *p;
    char *code;
    int timeout_ms;
    char *reply;
} job;

static void eval_job(void *arg)
{
    job *j = arg;
    j->reply = peer_eval(j->p, j->code, j->timeout_ms);
}

char *pe_eval(peer *p, const char *code, int timeout_ms)
{
    job *j = calloc(1, sizeof *j);
    j->p = p;
    j->code = strdup(code);
    j->timeout_ms = timeout_ms;
    if (ot_blocking(eval_job, j) != 0)
        j->reply = NULL;
    char *r = j->reply;
    free(j->code);
    free(j);
    return r;
}

char *pe_evalf(peer *p, int timeout_ms, const char *fmt, ...)
{
    char *code;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&code, fmt, ap) < 0)
        code = NULL;
    va_end(ap);
    if (!code)
        return NULL;
    char *r = pe_eval(p, code, timeout_ms);
    free(code);
    return r;
}

static void kill_job(void *arg)
{
    job *j = arg;
    peer_kill(j->p);
}

void pe_kill(peer *p)
{
    job *j = calloc(1, sizeof *j);
    j->p = p;
    ot_blocking(kill_job, j);
    free(j);
}

bool pe_expect(peer *p, const char *code, const char *want, char **got)
{
    char *r = pe_eval(p, code, 20000);
    bool ok = r && !strncmp(r, "=> ", 3) && !strcmp(r + 3, want);
    if (got)
        *got = r;
    else
        free(r);
    return ok;
}
