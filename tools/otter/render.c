/* render.c — the web folder and the SVG renderer (see render.h). */
#include "render.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "tool.h"

#ifndef OTTER_WEB_DIR
#define OTTER_WEB_DIR "web"
#endif

extern char **environ;

#define SCRIPT "render/mermaid-svg.mjs"
/* What the script needs beside itself, under the web folder. */
static const char *const script_needs[] = {
    SCRIPT,
    "node_modules/mermaid/dist/mermaid.min.js",
    "node_modules/playwright-core/package.json",
};
#define MAX_SVG ((size_t)1 << 30)   /* more than this is not an SVG we drew */
#define MAX_ERR 8192                /* of the renderer's stderr, kept for messages */

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool is_exe(const char *path)
{
    return is_file(path) && access(path, X_OK) == 0;
}

char *tool_path_join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s/%s", a, b);
    return s;
}

const char *tool_web_dir(const char *probe)
{
    const char *env = getenv("OTTER_WEB_DIR");
    if (env && *env)
        return env;
    static char share[PATH_MAX + 32];
    char exe[PATH_MAX];
    ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (k > 0) {
        exe[k] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            snprintf(share, sizeof share, "%s/../share/otter/web", exe);
            char *p = tool_path_join(share, probe);
            bool there = p && is_file(p);
            free(p);
            if (there)
                return share;
        }
    }
    return OTTER_WEB_DIR;
}

/* name found in $PATH (an executable file), malloc'd, or NULL. Empty PATH
 * entries (the current folder) are skipped. */
static char *in_path(const char *name)
{
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin";
    for (const char *p = path; *p;) {
        const char *end = strchr(p, ':');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n > 0 && n < PATH_MAX) {
            char dir[PATH_MAX];
            memcpy(dir, p, n);
            dir[n] = 0;
            char *f = tool_path_join(dir, name);
            if (f && is_exe(f))
                return f;
            free(f);
        }
        p += n;
        if (*p == ':')
            p++;
    }
    return NULL;
}

void svg_renderer_free(svg_renderer *r)
{
    free(r->node);
    free(r->script);
    free(r->browser);
    memset(r, 0, sizeof *r);
}

int svg_renderer_find(svg_renderer *r, const char *sub)
{
    memset(r, 0, sizeof *r);
    char what[PATH_MAX + 256] = "";
    const char *web = tool_web_dir(SCRIPT);
    r->node = in_path("node");
    if (!r->node)
        snprintf(what, sizeof what, "no `node` on PATH (Debian's nodejs)");
    for (size_t i = 0; !what[0] && i < sizeof script_needs / sizeof script_needs[0]; i++) {
        char *p = tool_path_join(web, script_needs[i]);
        if (!p || !is_file(p))
            snprintf(what, sizeof what, "no %s%s", p ? p : script_needs[i],
                     getenv("OTTER_WEB_DIR") && *getenv("OTTER_WEB_DIR")
                         ? " (the web folder is $OTTER_WEB_DIR)" : "");
        free(p);
    }
    if (!what[0]) {
        const char *env = getenv("OTTER_CHROMIUM");
        if (env && *env) {
            if (is_exe(env))
                r->browser = strdup(env);
            else
                snprintf(what, sizeof what, "no browser at %s ($OTTER_CHROMIUM)", env);
        } else if (!(r->browser = in_path("chromium"))) {
            snprintf(what, sizeof what, "no `chromium` on PATH (Debian's chromium)");
        }
    }
    if (!what[0] && !(r->script = tool_path_join(web, SCRIPT)))
        snprintf(what, sizeof what, "out of memory");
    if (what[0]) {
        svg_renderer_free(r);
        fprintf(stderr, "otter %s: --format svg needs node and chromium: run scripts/deps.sh, or use "
                        "--format mermaid\n(missing: %s)\n", sub, what);
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- running it */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for pid until deadline (ms, monotonic); true if it was reaped. */
static bool reap_by(pid_t pid, int *status, int64_t deadline)
{
    for (;;) {
        pid_t w = waitpid(pid, status, WNOHANG);
        if (w == pid || (w < 0 && errno != EINTR))
            return true;
        if (now_ms() >= deadline)
            return false;
        struct timespec nap = {0, 20 * 1000000};
        nanosleep(&nap, NULL);
    }
}

/* Stops the renderer's process group (node and the browser it started). */
static void stop_group(pid_t pid, int *status)
{
    kill(-pid, SIGTERM);
    if (!reap_by(pid, status, now_ms() + 3000)) {
        kill(-pid, SIGKILL);
        waitpid(pid, status, 0);
    } else {
        kill(-pid, SIGKILL);   /* whatever of the group is left */
    }
}

/* Prints the renderer's stderr, a line at a time, as the command's. */
static void relay_errors(const char *sub, const char *err, size_t n)
{
    const char *p = err, *end = err + n;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (len > 0)
            fprintf(stderr, "otter %s: %.*s\n", sub, (int)len, p);
        p += len + 1;
    }
}

/* What a child prints, kept up to max bytes (over: it printed more, or
 * memory ran out). */
typedef struct capture {
    ot__buf b;
    size_t max;
    bool over;
} capture;

/* Reads what fd has into c; returns 1 on end of file or error, else 0. */
static int drain(int fd, capture *c)
{
    for (;;) {
        char chunk[65536];
        ssize_t k = read(fd, chunk, sizeof chunk);
        if (k == 0)
            return 1;
        if (k < 0)
            return errno == EAGAIN || errno == EINTR ? 0 : 1;
        size_t take = (size_t)k;
        if (c->b.len + take > c->max) {
            c->over = true;
            take = c->max - c->b.len;
        }
        if (!ot__buf_reserve(&c->b, take)) {
            c->over = true;
            return 0;
        }
        memcpy(c->b.data + c->b.len, chunk, take);
        c->b.len += take;
    }
}

int svg_render(const svg_renderer *r, const char *sub, const char *text, size_t len, FILE *out)
{
    int in[2] = {-1, -1}, so[2] = {-1, -1}, se[2] = {-1, -1};
    if (pipe2(in, O_CLOEXEC) || pipe2(so, O_CLOEXEC) || pipe2(se, O_CLOEXEC)) {
        int e = errno;
        for (int i = 0; i < 2; i++) {
            if (in[i] >= 0) close(in[i]);
            if (so[i] >= 0) close(so[i]);
            if (se[i] >= 0) close(se[i]);
        }
        fprintf(stderr, "otter %s: cannot make pipes for the SVG renderer: %s\n", sub, strerror(e));
        return TOOL_FAILED;
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, so[1], 1);
    posix_spawn_file_actions_adddup2(&fa, se[1], 2);
    posix_spawnattr_init(&attr);
    sigset_t none, dflt;
    sigemptyset(&none);
    sigemptyset(&dflt);
    sigaddset(&dflt, SIGPIPE);
    sigaddset(&dflt, SIGINT);
    sigaddset(&dflt, SIGTERM);
    sigaddset(&dflt, SIGHUP);
    sigaddset(&dflt, SIGQUIT);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &dflt);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    char *argv[] = {r->node, r->script, "--browser", r->browser, NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, r->node, &fa, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    close(in[0]);
    close(so[1]);
    close(se[1]);
    if (rc != 0) {
        close(in[1]);
        close(so[0]);
        close(se[0]);
        fprintf(stderr, "otter %s: cannot run %s: %s\n", sub, r->node, strerror(rc));
        return TOOL_FAILED;
    }

    struct sigaction ign = {.sa_handler = SIG_IGN}, old;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, &old);
    fcntl(in[1], F_SETFL, O_NONBLOCK);
    fcntl(so[0], F_SETFL, O_NONBLOCK);
    fcntl(se[0], F_SETFL, O_NONBLOCK);

    capture svg = {.max = MAX_SVG}, err = {.max = MAX_ERR};
    size_t sent = 0;
    if (len == 0) {
        close(in[1]);
        in[1] = -1;
    }
    int64_t budget_s = SVG_RENDER_TIMEOUT_S + (int64_t)(len / SVG_RENDER_BYTES_PER_S);
    int64_t deadline = now_ms() + budget_s * 1000;
    bool timed_out = false;
    while (so[0] >= 0 || se[0] >= 0) {
        struct pollfd p[3];
        int np = 0, iw = -1, io = -1, ie = -1;
        if (in[1] >= 0) { iw = np; p[np++] = (struct pollfd){.fd = in[1], .events = POLLOUT}; }
        if (so[0] >= 0) { io = np; p[np++] = (struct pollfd){.fd = so[0], .events = POLLIN}; }
        if (se[0] >= 0) { ie = np; p[np++] = (struct pollfd){.fd = se[0], .events = POLLIN}; }
        int64_t left = deadline - now_ms();
        if (left <= 0) {
            timed_out = true;
            break;
        }
        int k = poll(p, (nfds_t)np, (int)(left > 1000 ? 1000 : left));
        if (k < 0 && errno != EINTR)
            break;
        if (k <= 0)
            continue;
        if (iw >= 0 && p[iw].revents) {
            ssize_t w = write(in[1], text + sent, len - sent);
            if (w > 0)
                sent += (size_t)w;
            if ((w < 0 && errno != EAGAIN && errno != EINTR) || sent == len) {
                close(in[1]);   /* all sent, or the renderer stopped reading */
                in[1] = -1;
            }
        }
        if (io >= 0 && p[io].revents && drain(so[0], &svg)) {
            close(so[0]);
            so[0] = -1;
        }
        if (ie >= 0 && p[ie].revents && drain(se[0], &err)) {
            close(se[0]);
            se[0] = -1;
        }
        if (svg.over)
            break;
    }
    int code = TOOL_FAILED, status = 0;
    if (in[1] >= 0) close(in[1]);
    if (so[0] >= 0) close(so[0]);
    if (se[0] >= 0) close(se[0]);
    if (timed_out || svg.over) {
        stop_group(pid, &status);
        relay_errors(sub, err.b.data, err.b.len);
        if (svg.over)
            fprintf(stderr, "otter %s: the SVG renderer printed more than %zu MiB: stopped\n", sub,
                    MAX_SVG >> 20);
        else
            fprintf(stderr, "otter %s: the SVG renderer did not finish within %lld s: stopped\n", sub,
                    (long long)budget_s);
    } else if (!reap_by(pid, &status, deadline + 1000)) {
        stop_group(pid, &status);
        relay_errors(sub, err.b.data, err.b.len);
        fprintf(stderr, "otter %s: the SVG renderer did not exit within %lld s: stopped\n", sub,
                (long long)budget_s);
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        relay_errors(sub, err.b.data, err.b.len);
        if (WIFSIGNALED(status))
            fprintf(stderr, "otter %s: the SVG renderer (%s) was killed by signal %d\n", sub, r->script,
                    WTERMSIG(status));
        else
            fprintf(stderr, "otter %s: the SVG renderer (%s) failed (exit %d)\n", sub, r->script,
                    WEXITSTATUS(status));
    } else if (svg.b.len < 5 || memcmp(svg.b.data, "<svg", 4) != 0) {
        relay_errors(sub, err.b.data, err.b.len);
        fprintf(stderr, "otter %s: the SVG renderer (%s) printed no SVG\n", sub, r->script);
    } else if (fwrite(svg.b.data, 1, svg.b.len, out) != svg.b.len || fflush(out) != 0) {
        fprintf(stderr, "otter %s: cannot write the SVG: %s\n", sub, strerror(errno));
    } else {
        code = TOOL_OK;
    }
    sigaction(SIGPIPE, &old, NULL);
    ot__buf_free(&svg.b);
    ot__buf_free(&err.b);
    return code;
}
