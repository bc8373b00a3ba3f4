/* test_ets_tsan.c — shared tables used from both schedulers at once, built
 * for ThreadSanitizer: readers and writers on one table of each storage
 * kind, tables made, given away and deleted while others read them, and a
 * plain thread reading beside the processes. A plain program writing TAP
 * (the Criterion runner does not run under ThreadSanitizer).
 *
 * Usage: test_ets_tsan [--tap=FILE] */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otter/ets.h"
#include "otter/process.h"

static FILE *tap;
static int tests_run, tests_failed;
static char failure[256];
static _Atomic int failed;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond) && !atomic_exchange(&failed, 1))                                 \
            snprintf(failure, sizeof failure, "%s:%d: %s", __FILE__, __LINE__, #cond); \
    } while (0)

static void run(const char *name, ot_proc_fn body, void *arg)
{
    atomic_store(&failed, 0);
    failure[0] = 0;
    ot_runtime_opts o = {.schedulers = 2};
    int rc = ot_run(body, arg, &o);
    tests_run++;
    if (rc != 0 || atomic_load(&failed)) {
        tests_failed++;
        fprintf(tap, "not ok %d - %s\n  # rc=%d %s\n", tests_run, name, rc, failure);
    } else {
        fprintf(tap, "ok %d - %s\n", tests_run, name);
    }
    fflush(tap);
}

static uint64_t rng(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * UINT64_C(2685821657736338717);
}

#define KEYS 256
#define OPS 4000

typedef struct work {
    ot_term parent, tab;
    int seed;
} work;

static void worker(void *p)
{
    work *w = p;
    ot_heap *h = ot_heap_new();
    uint64_t s = (uint64_t)w->seed * 977 + 3;
    for (int i = 0; i < OPS; i++) {
        ot_term k = ot_int(h, (int64_t)(rng(&s) % KEYS));
        ot_term out;
        switch (rng(&s) % 5) {
        case 0: CHECK(ot_ets_insert(w->tab, ot_tuple(h, 2, k, ot_string(h, "some value"))) == 0); break;
        case 1: CHECK(ot_ets_delete_key(w->tab, k) == 0); break;
        case 2: CHECK(ot_ets_member(w->tab, k) >= 0); break;
        default: CHECK(ot_ets_lookup(h, w->tab, k, &out) == 0); break;
        }
        if (i % 128 == 0)
            ot_heap_reset(h);
    }
    ot_heap_free(h);
    ot_send(w->parent, ot_atom("done"));
}

static void *thread_reader(void *p)
{
    ot_term tab = *(ot_term *)p;
    ot_heap *h = ot_heap_new();
    for (int i = 0; i < OPS; i++) {
        ot_term out;
        int rc = ot_ets_lookup(h, tab, ot_int(h, i % KEYS), &out);
        CHECK(rc == 0 || rc == -EBADF);
        if (i % 128 == 0)
            ot_heap_reset(h);
    }
    ot_heap_free(h);
    return NULL;
}

static void readers_writers(void *arg)
{
    const char *opts = arg;
    ot_heap *h = ot_proc_heap();
    ot_term tab;
    CHECK(ot_ets_new(h, ot_atom("t"), ot_build(h, opts), &tab) == 0);
    ot_term *shared = malloc(sizeof *shared);
    *shared = ot_atom("t_named");
    ot_term named;
    CHECK(ot_ets_new(h, ot_atom("t_named"), ot_build(h, "[named_table, public]"), &named) == 0);
    pthread_t th;
    CHECK(pthread_create(&th, NULL, thread_reader, shared) == 0);
    work w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (work){ot_self(), i % 2 ? tab : named, i};
        ot_spawn(worker, &w[i]);
    }
    for (int i = 0; i < 4; i++)
        ot_msg_free(ot_receive(ot_atom("done"), OT_INFINITY, NULL));
    pthread_join(th, NULL);
    free(shared);
    CHECK(ot_ets_delete(tab) == 0);
}

/* Tables made, filled and dropped by short-lived owners while readers
 * look them up by name (and find them or not: never a torn table). */
static void owner_churn(void *p)
{
    ot_term parent = (ot_term)(uintptr_t)p;
    ot_heap *h = ot_proc_heap();
    for (int i = 0; i < 50; i++) {
        ot_term tab;
        if (ot_ets_new(h, ot_atom("churn"), ot_build(h, "[named_table, public]"), &tab) == 0) {
            for (int k = 0; k < 20; k++)
                ot_ets_insert(tab, ot_tuple(h, 2, ot_int(h, k), ot_int(h, k)));
            ot_ets_delete(tab);
        }
        ot_heap_reset(h);
    }
    ot_send(parent, ot_atom("done"));
}

static void churn_reader(void *p)
{
    ot_term parent = (ot_term)(uintptr_t)p;
    ot_heap *h = ot_heap_new();
    for (int i = 0; i < 2000; i++) {
        ot_term out;
        int rc = ot_ets_lookup(h, ot_atom("churn"), ot_int(h, i % 20), &out);
        CHECK(rc == 0 || rc == -EBADF);
        ot_heap_reset(h);
    }
    ot_heap_free(h);
    ot_send(parent, ot_atom("done"));
}

static void churn_body(void *arg)
{
    (void)arg;
    void *self = (void *)(uintptr_t)ot_self();
    ot_spawn(owner_churn, self);
    ot_spawn(churn_reader, self);
    ot_spawn(churn_reader, self);
    for (int i = 0; i < 3; i++)
        ot_msg_free(ot_receive(ot_atom("done"), OT_INFINITY, NULL));
}

int main(int argc, char **argv)
{
    tap = stdout;
    for (int i = 1; i < argc; i++)
        if (strncmp(argv[i], "--tap=", 6) == 0 && !(tap = fopen(argv[i] + 6, "w")))
            return 2;
    fprintf(tap, "1..4\n");
    run("ets: readers and writers on a set from both schedulers and a thread", readers_writers, "[public]");
    run("ets: readers and writers on an ordered_set", readers_writers, "[public, ordered_set]");
    run("ets: readers and writers on a bag", readers_writers, "[public, bag]");
    run("ets: tables made and deleted while others look them up", churn_body, NULL);
    fprintf(stderr, "%d tests, %d failed\n", tests_run, tests_failed);
    return tests_failed ? 1 : 0;
}
