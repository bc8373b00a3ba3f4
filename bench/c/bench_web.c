/* bench_web.c — what the dashboard costs (otter only: BEAM has no twin).
 *
 *   bench_web top50 N       a node with N hibernated processes; the time of
 *                           GET /api/processes?sort=memory&limit=50 over
 *                           HTTP (median of 5 after one warm-up), and the
 *                           walk's own time as the server reports it
 *   bench_web sampling MS   the CPU time the memory sampler (every MS ms,
 *                           pushing into the live chart and the event
 *                           stream) adds to an idle node, per second of
 *                           wall time and per sample
 *
 * Prints RESULT lines for scripts/bench.py. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "benchutil.h"
#include "otter/dashboard.h"
#include "otter/introspect.h"
#include "otter/process.h"

static const char *mode;
static long arg_n;
static int failed;

static void idle_hib(void *arg);
static void idle_hib(void *arg)
{
    (void)arg;
    ot_hibernate(idle_hib, NULL);
}

/* GET path from 127.0.0.1:port; the body in buf; returns the status. */
static int http_get(uint16_t port, const char *path, char *buf, size_t cap)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a)) {
        close(fd);
        return -1;
    }
    char req[512];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
    if (send(fd, req, (size_t)n, 0) != n) {
        close(fd);
        return -1;
    }
    size_t len = 0;
    ssize_t k;
    while (len + 1 < cap && (k = recv(fd, buf + len, cap - 1 - len, 0)) > 0)
        len += (size_t)k;
    buf[len] = 0;
    close(fd);
    return len > 12 ? atoi(buf + 9) : -1;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double cpu_us(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec * 1e6 + (double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_sec * 1e6 +
           (double)ru.ru_stime.tv_usec;
}

static void top50(void)
{
    uint64_t t0 = bu_now_ns();
    for (long i = 0; i < arg_n; i++)
        if (ot_spawn(idle_hib, NULL) == OT_NONE) {
            fprintf(stderr, "bench_web: spawn failed at %ld\n", i);
            failed = 1;
            return;
        }
    printf("# %ld processes spawned in %.2f s\n", arg_n, (double)(bu_now_ns() - t0) / 1e9);
    ot_dashboard_opts o = {.quiet = true};
    const char *url;
    int rc = ot_dashboard_start(&o, &url);
    if (rc) {
        fprintf(stderr, "bench_web: dashboard: %s\n", ot_strerror(rc));
        failed = 1;
        return;
    }
    uint16_t port = (uint16_t)atoi(strrchr(url, ':') + 1);
    size_t cap = 1 << 20;
    char *buf = malloc(cap);
    double wall[6], walk[6];
    for (int i = 0; i < 6; i++) {
        uint64_t s = bu_now_ns();
        int st = http_get(port, "/api/processes?sort=memory&dir=desc&limit=50", buf, cap);
        wall[i] = (double)(bu_now_ns() - s) / 1e6;
        const char *t = strstr(buf, "\"took_us\":");
        walk[i] = t ? atof(t + 10) / 1000 : 0;
        const char *tot = strstr(buf, "\"total\":");
        if (st != 200 || !tot || atol(tot + 8) < arg_n) {
            fprintf(stderr, "bench_web: answer %d: %.200s\n", st, buf);
            failed = 1;
            break;
        }
    }
    if (!failed) {
        /* the first was a warm-up */
        qsort(wall + 1, 5, sizeof(double), cmp_d);
        qsort(walk + 1, 5, sizeof(double), cmp_d);
        printf("RESULT web_top50_1m_ms %.2f ms\n", wall[3]);
        printf("RESULT web_top50_1m_walk_ms %.2f ms\n", walk[3]);
    }
    free(buf);
    ot_dashboard_stop();
}

static void sampling(void)
{
    /* An idle node first, then the same with the dashboard sampling. */
    ot_sleep(300);
    double c0 = cpu_us();
    uint64_t t0 = bu_now_ns();
    ot_sleep(3000);
    double base = (cpu_us() - c0) / ((double)(bu_now_ns() - t0) / 1e9);
    ot_dashboard_opts o = {.quiet = true, .sample_ms = arg_n};
    int rc = ot_dashboard_start(&o, NULL);
    if (rc) {
        fprintf(stderr, "bench_web: dashboard: %s\n", ot_strerror(rc));
        failed = 1;
        return;
    }
    ot_sleep(500);
    c0 = cpu_us();
    t0 = bu_now_ns();
    ot_sleep(5000);
    double with = (cpu_us() - c0) / ((double)(bu_now_ns() - t0) / 1e9);
    ot_dashboard_stop();
    double added = with - base;
    printf("# idle node %.0f us/s of CPU, with the sampler every %ld ms %.0f us/s\n", base, arg_n, with);
    printf("RESULT web_sampling_cpu_us_per_s %.1f us/s\n", added);
    printf("RESULT web_sampling_us_per_sample %.1f us\n", added * (double)arg_n / 1000);
}

static void node_main(void *arg)
{
    (void)arg;
    if (!strcmp(mode, "top50"))
        top50();
    else
        sampling();
}

int main(int argc, char **argv)
{
    if (argc != 3 || (strcmp(argv[1], "top50") && strcmp(argv[1], "sampling"))) {
        fprintf(stderr, "usage: %s top50 NPROCS | sampling MS\n", argv[0]);
        return 2;
    }
    mode = argv[1];
    arg_n = atol(argv[2]);
    ot_runtime_opts ro = {0};
    int rc = ot_run(node_main, NULL, &ro);
    return rc || failed ? 1 : 0;
}
