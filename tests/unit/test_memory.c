/* test_memory.c — ot_memory: :erlang.memory()'s categories in BEAM's order,
 * consistent with each other, and moving when the notebook's spikes happen
 * (shared binaries raise `binary`, processes raise `processes`). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "otter/introspect.h"
#include "proctest.h"
#include "testutil.h"

static void check_consistent(const ot_memory_info *m)
{
    CHECK(m->total == m->processes + m->system, "total %zu", m->total);
    CHECK(m->system >= m->atom + m->binary + m->code + m->ets);
    CHECK(m->atom_used <= m->atom && m->atom_used > 0);
    CHECK(m->processes_used <= m->processes);
    CHECK(m->code > 0, "no code mapped?");
}

/* The keys, in order, are BEAM's own: asked of a real erl. */
Test(memory, categories_as_beam_lists_them)
{
    size_t len;
    int status;
    char *out = tu_run("erl -noshell -eval "
                       "'io:format(\"~w\", [[K || {K, _} <- erlang:memory()]]), halt().'",
                       NULL, 0, &len, &status);
    cr_assert_eq(status, 0);
    ot_heap *h = ot_heap_new();
    ot_term list = ot_memory(h);
    cr_assert(list != OT_NONE);
    char keys[512] = "[";
    size_t at = 1;
    for (ot_term c = list; ot_is_list(c) && c != OT_NIL; c = ot_tl(c)) {
        ot_term kv = ot_hd(c);
        cr_assert(ot_is_tuple(kv) && ot_tuple_arity(kv) == 2 && ot_is_int(ot_tuple_get(kv, 1)));
        size_t n;
        const char *k = ot_atom_text(ot_tuple_get(kv, 0), &n);
        at += (size_t)snprintf(keys + at, sizeof keys - at, "%s%.*s", at > 1 ? "," : "", (int)n, k);
        int64_t v;
        ot_get_int64(ot_tuple_get(kv, 1), &v);
        cr_expect(v >= 0 && ot_memory_of(ot_tuple_get(kv, 0)) >= 0);
    }
    snprintf(keys + at, sizeof keys - at, "]");
    cr_expect_str_eq(keys, out);
    cr_expect(ot_memory_of(ot_atom("no_such_category")) == -EINVAL);
    cr_expect(ot_memory_read(NULL) == -EINVAL);
    free(out);
    ot_heap_free(h);
}

/* The notebook's binary spike, scaled down: for i <- 1..1000,
 * String.duplicate("cat", i) kept in a list. Binaries over 64 bytes are
 * shared ones, counted in `binary`; dropping them gives the bytes back. */
Test(memory, binary_spike)
{
    ot_memory_info before, during, after;
    ot_memory_read(&before);
    ot_heap *h = ot_heap_new();
    char *buf = malloc(3000);
    size_t shared = 0;
    ot_term list = OT_NIL;
    for (int i = 1; i <= 1000; i++) {
        for (int k = 0; k < i; k++)
            memcpy(buf + 3 * k, "cat", 3);
        list = ot_cons(h, ot_binary(h, buf, (size_t)(3 * i)), list);
        if (3 * i > 64)
            shared += (size_t)(3 * i);
    }
    ot_memory_read(&during);
    cr_expect(during.binary >= before.binary + shared, "binary %zu -> %zu, want +%zu", before.binary,
              during.binary, shared);
    cr_expect(during.total >= before.total + shared);
    ot_heap_free(h);
    ot_memory_read(&after);
    cr_expect(after.binary == before.binary, "binary %zu after, %zu before", after.binary, before.binary);
    free(buf);
}

Test(memory, atoms)
{
    ot_memory_info before, after;
    ot_memory_read(&before);
    char name[64];
    for (int i = 0; i < 2000; i++) {
        snprintf(name, sizeof name, "memory_test_atom_number_%d", i);
        ot_atom(name);
    }
    ot_memory_read(&after);
    cr_expect(after.atom_used >= before.atom_used + 2000 * 26);
    cr_expect(after.atom > before.atom);
}

/* 10,000 idle processes raise `processes`; once they are gone the used
 * part falls back (control blocks stay allocated for reuse, as BEAM's
 * allocators keep their carriers). */
static void idle(void *arg)
{
    (void)arg;
    ot_msg_free(ot_receive(OT_NONE, OT_INFINITY, NULL));
}

/* tu_poll's conditions. waiting_in: the process pointed at by ctx[0]
 * waits in its receive (looked up on the scratch heap ctx[1], reset after,
 * so that looking adds nothing to the processes being measured). */
typedef struct look {
    ot_term pid;
    ot_heap *scratch;
} look;

static bool waiting_in(void *ctx)
{
    look *l = ctx;
    ot_term st = ot_process_info(l->scratch, l->pid, OT_ATOM(STATUS));
    bool w = ot_tuple_arity(st) == 2 && ot_tuple_get(st, 1) == OT_ATOM(WAITING);
    ot_heap_reset(l->scratch);
    return w;
}

static bool only_me(void *ctx)
{
    (void)ctx;
    return ot_process_count() == 1;
}

static void processes_body(void *arg)
{
    (void)arg;
    enum { N = 10000 };
    ot_memory_info before, during, after;
    ot_memory_read(&before);
    check_consistent(&before);
    ot_term *pids = malloc(N * sizeof *pids);
    for (int i = 0; i < N; i++)
        pids[i] = ot_spawn(idle, NULL);
    /* each has run to its receive: it holds all it will hold */
    look l = {.scratch = ot_heap_new()};
    for (int i = 0; i < N; i++) {
        l.pid = pids[i];
        CHECK(tu_poll(waiting_in, &l), "process %d never got to its receive", i);
    }
    ot_heap_free(l.scratch);
    ot_memory_read(&during);
    check_consistent(&during);
    CHECK(during.processes_used >= before.processes_used + N * 200,
          "processes_used %zu -> %zu", before.processes_used, during.processes_used);
    for (int i = 0; i < N; i++)
        ot_send(pids[i], ot_atom("go"));
    CHECK(tu_poll(only_me, NULL), "%zu processes still live", ot_process_count());
    ot_memory_read(&after);
    check_consistent(&after);
    CHECK(after.processes_used < during.processes_used - N * 200,
          "processes_used %zu after, %zu during", after.processes_used, during.processes_used);
    /* a process's own heap counts under processes */
    ot_memory_read(&before);
    ot_heap *h = ot_proc_heap();
    for (int i = 0; i < 20000; i++)
        ot_int(h, (int64_t)1 << 62);
    ot_memory_read(&after);
    CHECK(after.processes >= before.processes + 20000 * 16, "%zu -> %zu", before.processes, after.processes);
    free(pids);
}

Test(memory, processes) { pt_run(processes_body, NULL, 2); }

/* The notebook's ETS spike, scaled down: 100,000 inserts of
 * {i, "User #{i}"} raise `ets` by at least the objects' bytes; deleting
 * the table gives them back. */
#include "otter/ets.h"

static void ets_body(void *arg)
{
    (void)arg;
    ot_heap *h = ot_heap_new();
    int64_t before = ot_memory_of(ot_atom("ets"));
    ot_term tid;
    CHECK(ot_ets_new(h, ot_atom("users"), ot_build(h, "[set, public]"), &tid) == 0);
    ot_heap *row = ot_heap_new();
    for (int64_t i = 1; i <= 100000; i++) {
        char name[32];
        snprintf(name, sizeof name, "User %lld", (long long)i);
        ot_ets_insert(tid, ot_build(row, "{~l, ~s}", i, name));
        ot_heap_reset(row);
    }
    int64_t during = ot_memory_of(ot_atom("ets"));
    CHECK(during >= before + 100000 * 12, "ets %lld -> %lld", (long long)before, (long long)during);
    ot_memory_info m;
    ot_memory_read(&m);
    CHECK(m.system >= m.ets && (int64_t)m.ets == during);
    ot_ets_delete(tid);
    CHECK(ot_memory_of(ot_atom("ets")) < during - 100000 * 12);
    ot_heap_free(row);
    ot_heap_free(h);
}

Test(memory, ets_spike) { pt_run(ets_body, NULL, 2); }
