/* task.c — Elixir's Task (include/otter/task.h): async/await/yield/
 * shutdown, start/start_link, and async_stream.
 *
 * The protocol is Elixir's: the owner spawns the task linked, monitors it,
 * and sends it {Owner, Ref}; the task waits for that message, runs its
 * function and sends {Ref, Result} to the owner, then exits normally. The
 * task cannot end before the owner's monitor is in place (but by a kill),
 * so the owner always learns how it ended. The task's record (function,
 * context, a copy of its argument) is owned by its process from the spawn
 * (ot__spawn_owned) and freed however it ends. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/core_internal.h"
#include "otp/otp_internal.h"
#include "otter/task.h"

#define TASK_INITIAL_CALL "Elixir.Task.Supervised:invoke_mfa/2"

/* ---------------------------------------------------------------- the task process */

typedef struct task_rec {
    ot_task_fn fn;
    void *ctx;
    ot_term owner;
    bool reply;             /* async: wait for {Owner, Ref}, answer {Ref, Result} */
    ot_term arg;            /* in arg_block (or immediate) */
    uint64_t *arg_block;
} task_rec;

static void task_rec_free(task_rec *t)
{
    ot__term_block_free(t->arg_block);
    ot__free(t);
}

static void task_gone(void *arg, ot_term pid, ot_term reason)
{
    (void)pid, (void)reason;
    task_rec_free(arg);
}

static bool is_go(ot_term msg, void *ctx)
{
    task_rec *t = ctx;
    return ot_is_tuple(msg) && ot_tuple_arity(msg) == 2 && ot_tuple_get(msg, 0) == t->owner &&
           ot_is_ref(ot_tuple_get(msg, 1));
}

static void task_main(void *arg)
{
    task_rec *t = arg;
    ot_heap *h = ot_proc_heap();
    ot_term ref = OT_NONE;
    if (t->reply) {
        ot_msg *go = ot_receive_if(is_go, t, OT_INFINITY);
        ref = ot_copy(h, ot_tuple_get(ot_msg_term(go), 1));
        ot_msg_free(go);
        if (ref == OT_NONE)
            ot_exit(OT__ATOM(SYSTEM_LIMIT));
    }
    ot_term result = t->fn(t->arg, t->ctx, h);
    if (result == OT_NONE)
        ot_exit(OT__ATOM(BAD_RETURN_VALUE));
    if (t->reply) {
        uint64_t mem[3];
        ot_heap local;
        ot__heap_init_fixed(&local, mem, 3);
        ot_send(t->owner, ot_tuple(&local, 2, ref, result));
        ot__heap_release_fixed(&local);
    }
}

/* Spawns a task process; OT_NONE on failure. */
static ot_term task_spawn(ot_task_fn fn, ot_term arg, void *ctx, bool link, bool reply)
{
    if (!fn || arg == OT_NONE)
        return OT_NONE;
    task_rec *t = ot__calloc(1, sizeof *t);
    if (!t)
        return OT_NONE;
    t->fn = fn;
    t->ctx = ctx;
    t->owner = ot_self();
    t->reply = reply;
    t->arg = ot__term_block_new(arg, &t->arg_block);
    if (t->arg == OT_NONE) {
        task_rec_free(t);
        return OT_NONE;
    }
    ot_spawn_opts so = {.link = link, .initial_call = TASK_INITIAL_CALL};
    ot_term pid = ot__spawn_owned(task_main, t, &so, task_gone);
    if (pid == OT_NONE)
        task_rec_free(t);
    return pid;
}

ot_term ot_task_start(ot_task_fn fn, ot_term arg, void *ctx)
{
    return task_spawn(fn, arg, ctx, false, false);
}

ot_term ot_task_start_link(ot_task_fn fn, ot_term arg, void *ctx)
{
    return ot_self() ? task_spawn(fn, arg, ctx, true, false) : OT_NONE;
}

/* Starts an async task: linked, monitored (ref on h), told to go. */
static int task_begin(ot_heap *h, ot_task_fn fn, ot_term arg, void *ctx, ot_term *pid_out,
                      ot_term *ref_out)
{
    ot_term self = ot_self();
    if (!self)
        return -EPERM;
    if (!fn || arg == OT_NONE)
        return -EINVAL;
    ot_term pid = task_spawn(fn, arg, ctx, true, true);
    if (pid == OT_NONE)
        return -EAGAIN;
    ot_term ref = ot_monitor(h, pid);
    uint64_t mem[3];
    ot_heap local;
    ot__heap_init_fixed(&local, mem, 3);
    if (ref == OT_NONE || ot_send(pid, ot_tuple(&local, 2, self, ref)) != 0) {
        ot__heap_release_fixed(&local);
        ot_unlink(pid);
        ot_exit_signal(pid, OT_ATOM(KILL));
        if (ref != OT_NONE)
            ot_demonitor(ref, true);
        return -ENOMEM;
    }
    ot__heap_release_fixed(&local);
    *pid_out = pid;
    *ref_out = ref;
    return 0;
}

int ot_task_async(ot_heap *h, ot_task_fn fn, ot_term arg, void *ctx, ot_task *task)
{
    if (!task)
        return -EINVAL;
    if (!h && !(h = ot_proc_heap()))
        return -EPERM;
    ot_term pid, ref;
    int rc = task_begin(h, fn, arg, ctx, &pid, &ref);
    if (rc != 0)
        return rc;
    task->pid = pid;
    task->ref = ref;
    task->owner = ot_self();
    return 0;
}

/* ---------------------------------------------------------------- awaiting */

/* What the owner waits for: {Ref, Result} or {DOWN, Ref, ...} of one of
 * n refs. Sets which (the index) and down. */
typedef struct waiting {
    const char *base;       /* ref i is at base + i * stride */
    size_t n, stride;
    size_t which;
    bool down;
} waiting;

static bool reply_or_down(ot_term msg, void *ctx)
{
    waiting *w = ctx;
    ot_term ref;
    ot__awaited k = ot__await_shape(msg, &ref);
    if (k == OT__AWAIT_NO)
        return false;
    for (size_t i = 0; i < w->n; i++) {
        ot_term r;
        memcpy(&r, w->base + i * w->stride, sizeof r);
        if (ot__ref_eq(ref, r)) {
            w->which = i;
            w->down = k == OT__AWAIT_DOWN;
            return true;
        }
    }
    return false;
}

/* Ends a task for good: unlink, exit signal `how`, its DOWN awaited, and
 * its reply (if it sent one meanwhile) taken. Returns the reply message
 * or NULL; *reason gets the DOWN's reason, copied onto h if h. */
static ot_msg *task_end(ot_term pid, ot_term ref, ot_term how, int64_t grace_ms, ot_heap *h,
                        ot_term *reason)
{
    ot_unlink(pid);
    ot_exit_signal(pid, how);
    ot__await dw = {OT_NONE, ref, false};
    ot_msg *down = ot_receive_if(ot__await_pred, &dw, grace_ms);
    if (!down) {
        ot_exit_signal(pid, OT_ATOM(KILL));
        down = ot_receive_if(ot__await_pred, &dw, OT_INFINITY);
    }
    if (reason)
        *reason = h ? ot_copy(h, ot_tuple_get(ot_msg_term(down), 4)) : OT_NONE;
    ot_msg_free(down);
    /* Its messages to us came before its DOWN: the reply is here if any. */
    ot__await rw = {ref, OT_NONE, false};
    return ot_receive_if(ot__await_pred, &rw, 0);
}

static int task_check(ot_task *task, ot_term *result)
{
    if (!task || !ot_self()) {
        if (result)
            *result = OT_ATOM(BADARG);
        return task ? -EPERM : -EINVAL;
    }
    if (task->owner != ot_self()) {
        if (result)
            *result = OT_ATOM(BADARG);
        return -EPERM;
    }
    if (task->ref == OT_NONE) {
        if (result)
            *result = OT_ATOM(NOPROC);
        return -ESRCH;
    }
    return 0;
}

/* Takes a reply or DOWN message of the task: its result (0) or exit
 * reason (-ECONNABORTED) copied onto h. */
static int task_outcome(ot_heap *h, ot_task *task, ot_msg *m, bool down, ot_term *result)
{
    ot_term t = ot_msg_term(m);
    ot_term v = ot_copy(h, ot_tuple_get(t, down ? 4 : 1));
    if (!down)
        ot_demonitor(task->ref, true);
    ot_msg_free(m);
    task->ref = OT_NONE;
    if (result)
        *result = v == OT_NONE ? OT__ATOM(SYSTEM_LIMIT) : v;
    if (v == OT_NONE)
        return -ENOMEM;
    return down ? -ECONNABORTED : 0;
}

static int task_wait(ot_heap *h, ot_task *task, int64_t timeout_ms, ot_term *result, bool kill)
{
    int rc = task_check(task, result);
    if (rc)
        return rc;
    if (!h && !(h = ot_proc_heap()))
        return -EPERM;
    waiting w = {(const char *)&task->ref, 1, 0, 0, false};
    ot_msg *m = ot_receive_if(reply_or_down, &w, timeout_ms);
    if (m)
        return task_outcome(h, task, m, w.down, result);
    if (kill) {
        ot_msg_free(task_end(task->pid, task->ref, OT_ATOM(KILL), OT_INFINITY, NULL, NULL));
        task->ref = OT_NONE;
    }
    if (result)
        *result = OT_ATOM(TIMEOUT);
    return -ETIMEDOUT;
}

int ot_task_await(ot_heap *h, ot_task *task, int64_t timeout_ms, ot_term *result)
{
    return task_wait(h, task, timeout_ms, result, true);
}

int ot_task_yield(ot_heap *h, ot_task *task, int64_t timeout_ms, ot_term *result)
{
    return task_wait(h, task, timeout_ms, result, false);
}

int ot_task_await_many(ot_heap *h, ot_task *tasks, size_t n, int64_t timeout_ms, ot_term *results)
{
    if (!tasks || !results)
        return -EINVAL;
    if (!h && !(h = ot_proc_heap()))
        return -EPERM;
    for (size_t i = 0; i < n; i++) {
        int rc = task_check(&tasks[i], &results[0]);
        if (rc)
            return rc;
    }
    int64_t deadline = timeout_ms < 0 ? -1 : ot_monotonic_ms() + timeout_ms;
    size_t left = n;
    int rc = 0;
    ot_term why = OT_NONE;
    while (left) {
        int64_t wait = deadline < 0 ? OT_INFINITY : deadline - ot_monotonic_ms();
        if (wait < 0)
            wait = 0;
        /* Every task's ref, spaced as the tasks lie in the array. */
        waiting w = {(const char *)&tasks[0].ref, n, sizeof(ot_task), 0, false};
        ot_msg *m = ot_receive_if(reply_or_down, &w, wait);
        if (!m) {
            rc = -ETIMEDOUT;
            why = OT_ATOM(TIMEOUT);
            break;
        }
        ot_term v;
        rc = task_outcome(h, &tasks[w.which], m, w.down, &v);
        if (rc) {
            why = v;
            break;
        }
        results[w.which] = v;
        left--;
    }
    if (rc) {
        for (size_t i = 0; i < n; i++) {
            if (tasks[i].ref == OT_NONE)
                continue;
            ot_msg_free(task_end(tasks[i].pid, tasks[i].ref, OT_ATOM(KILL), OT_INFINITY, NULL, NULL));
            tasks[i].ref = OT_NONE;
        }
        results[0] = why;
    }
    return rc;
}

int ot_task_shutdown(ot_heap *h, ot_task *task, int64_t timeout_ms, ot_term *result)
{
    int rc = task_check(task, result);
    if (rc)
        return rc;
    if (!h && !(h = ot_proc_heap()))
        return -EPERM;
    bool brutal = timeout_ms == OT_TASK_BRUTAL_KILL;
    ot_term reason = OT_NONE;
    ot_msg *reply = task_end(task->pid, task->ref, brutal ? OT_ATOM(KILL) : OT_ATOM(SHUTDOWN),
                             brutal ? OT_INFINITY : timeout_ms, h, &reason);
    task->ref = OT_NONE;
    if (reply) {
        ot_term v = ot_copy(h, ot_tuple_get(ot_msg_term(reply), 1));
        ot_msg_free(reply);
        if (result)
            *result = v;
        return v == OT_NONE ? -ENOMEM : 0;
    }
    if (reason == OT_ATOM(SHUTDOWN) || reason == OT_ATOM(KILLED) || reason == OT_ATOM(NOPROC)) {
        if (result)
            *result = OT_ATOM(NIL);
        return OT_TASK_NO_REPLY;
    }
    if (result)
        *result = reason;
    return -ECONNABORTED;
}

/* ---------------------------------------------------------------- async_stream */

typedef struct stream_slot {
    ot_term pid;
    ot_term ref;            /* OT_NONE: free slot; else on refheap */
    ot_heap refheap;
    uint64_t refmem[8];
    size_t index;           /* the item's place in the input */
    int64_t deadline_ns;    /* INT64_MAX: none */
    ot_term input;          /* zip_input_on_exit: the item, in input_block */
    uint64_t *input_block;
} stream_slot;

typedef struct stream_result {
    size_t index;
    ot_term term;           /* {ok, V} or {exit, R}, in block */
    uint64_t *block;
} stream_result;

struct ot_task_stream {
    ot_term owner;
    ot_task_fn fn;
    void *ctx;
    ot_task_stream_opts o;
    /* input */
    ot_heap *items_heap;    /* array input: the copied items */
    ot_term *items;
    size_t nitems;
    ot_task_stream_next_fn next;
    void *it;
    ot_heap *scratch;       /* iterator items, emptied after each */
    bool input_done;
    size_t next_in;         /* index of the next item to start */
    /* tasks */
    stream_slot *slots;     /* max_concurrency of them */
    size_t running;
    /* results not yet given out: ordered by completion */
    stream_result *done;
    size_t ndone, capdone;
    size_t next_out;        /* ordered: the index to give out next */
    bool failed;            /* timed out with on_timeout :exit */
};

static ot_task_stream *stream_new(ot_task_fn fn, void *ctx, const ot_task_stream_opts *opts)
{
    ot_term self = ot_self();
    if (!fn || !self)
        return NULL;
    ot_task_stream *s = ot__calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->owner = self;
    s->fn = fn;
    s->ctx = ctx;
    if (opts)
        s->o = *opts;
    if (!s->o.max_concurrency)
        s->o.max_concurrency = ot_schedulers() ? ot_schedulers() : 1;
    if (!s->o.timeout_ms)
        s->o.timeout_ms = 5000;
    s->slots = ot__calloc(s->o.max_concurrency, sizeof *s->slots);
    if (!s->slots) {
        ot__free(s);
        return NULL;
    }
    return s;
}

ot_task_stream *ot_task_async_stream(const ot_term *items, size_t n, ot_task_fn fn, void *ctx,
                                     const ot_task_stream_opts *opts)
{
    if (!items && n)
        return NULL;
    ot_task_stream *s = stream_new(fn, ctx, opts);
    if (!s)
        return NULL;
    s->items_heap = ot_heap_new();
    s->items = n ? ot__malloc(n * sizeof *s->items) : NULL;
    bool ok = s->items_heap && (s->items || !n);
    for (size_t i = 0; ok && i < n; i++) {
        s->items[i] = items[i] == OT_NONE ? OT_NONE : ot_copy(s->items_heap, items[i]);
        ok = s->items[i] != OT_NONE;
    }
    s->nitems = n;
    if (!ok) {
        s->nitems = 0;
        ot_task_stream_close(s);
        return NULL;
    }
    return s;
}

ot_task_stream *ot_task_async_stream_from(ot_task_stream_next_fn next, void *it, ot_task_fn fn,
                                          void *ctx, const ot_task_stream_opts *opts)
{
    if (!next)
        return NULL;
    ot_task_stream *s = stream_new(fn, ctx, opts);
    if (!s)
        return NULL;
    s->next = next;
    s->it = it;
    s->scratch = ot_heap_new();
    if (!s->scratch) {
        ot_task_stream_close(s);
        return NULL;
    }
    return s;
}

/* The next input item, or false at the end. */
static bool stream_input(ot_task_stream *s, ot_term *item)
{
    if (s->input_done)
        return false;
    if (s->next) {
        ot_heap_reset(s->scratch);
        if (s->next(s->it, s->scratch, item) && *item != OT_NONE)
            return true;
    } else if (s->next_in < s->nitems) {
        *item = s->items[s->next_in];
        return true;
    }
    s->input_done = true;
    return false;
}

static void slot_clear(stream_slot *sl)
{
    ot__heap_release_fixed(&sl->refheap);
    ot__term_block_free(sl->input_block);
    sl->input_block = NULL;
    sl->ref = OT_NONE;
}

/* Starts tasks until max_concurrency run or the input ends. */
static int stream_fill(ot_task_stream *s)
{
    while (s->running < s->o.max_concurrency) {
        ot_term item;
        if (!stream_input(s, &item))
            return 0;
        stream_slot *sl = NULL;
        for (size_t i = 0; i < s->o.max_concurrency && !sl; i++)
            if (s->slots[i].ref == OT_NONE)
                sl = &s->slots[i];
        ot__heap_init_fixed(&sl->refheap, sl->refmem, sizeof sl->refmem / sizeof sl->refmem[0]);
        int rc = task_begin(&sl->refheap, s->fn, item, s->ctx, &sl->pid, &sl->ref);
        if (rc) {
            sl->ref = OT_NONE;
            return rc;
        }
        sl->index = s->next_in++;
        sl->deadline_ns = s->o.timeout_ms < 0 ? INT64_MAX : ot_monotonic_ns() + s->o.timeout_ms * 1000000;
        sl->input = OT_NONE;
        if (s->o.zip_input_on_exit)
            sl->input = ot__term_block_new(item, &sl->input_block);
        s->running++;
    }
    return 0;
}

/* Records a finished task's result; 0 or -ENOMEM. */
static int stream_done(ot_task_stream *s, stream_slot *sl, bool ok, ot_term value)
{
    if (s->ndone == s->capdone) {
        size_t cap = s->capdone ? s->capdone * 2 : 8;
        stream_result *d = ot__realloc(s->done, cap * sizeof *d);
        if (!d)
            return -ENOMEM;
        s->done = d;
        s->capdone = cap;
    }
    uint64_t mem[6];
    ot_heap local;
    ot__heap_init_fixed(&local, mem, 6);
    if (!ok && s->o.zip_input_on_exit && sl->input != OT_NONE)
        value = ot_tuple(&local, 2, sl->input, value);
    ot_term t = ot_tuple(&local, 2, ok ? OT_ATOM(OK) : OT__ATOM(EXIT_LC), value);
    stream_result *r = &s->done[s->ndone];
    r->index = sl->index;
    r->term = ot__term_block_new(t, &r->block);
    ot__heap_release_fixed(&local);
    slot_clear(sl);
    s->running--;
    if (r->term == OT_NONE)
        return -ENOMEM;
    s->ndone++;
    return 0;
}

/* Kills every running task (unlinked first) and forgets them. */
static void stream_kill_all(ot_task_stream *s)
{
    for (size_t i = 0; i < s->o.max_concurrency; i++) {
        stream_slot *sl = &s->slots[i];
        if (sl->ref == OT_NONE)
            continue;
        ot_msg_free(task_end(sl->pid, sl->ref, OT_ATOM(KILL), OT_INFINITY, NULL, NULL));
        slot_clear(sl);
    }
    s->running = 0;
}

/* A result ready to give out, by the stream's order; its place in done
 * or -1. */
static ssize_t stream_ready(ot_task_stream *s)
{
    for (size_t i = 0; i < s->ndone; i++)
        if (s->o.unordered || s->done[i].index == s->next_out)
            return (ssize_t)i;
    return -1;
}

int ot_task_stream_next(ot_task_stream *s, ot_heap *h, ot_term *result)
{
    if (!s)
        return -EINVAL;
    if (s->owner != ot_self())
        return -EPERM;
    if (!h && !(h = ot_proc_heap()))
        return -EPERM;
    for (;;) {
        ssize_t i = stream_ready(s);
        if (i >= 0) {
            stream_result r = s->done[i];
            memmove(&s->done[i], &s->done[i + 1], (s->ndone - (size_t)i - 1) * sizeof *s->done);
            s->ndone--;
            s->next_out++;
            ot_term t = ot_copy(h, r.term);
            ot__term_block_free(r.block);
            if (t == OT_NONE)
                return -ENOMEM;
            if (result)
                *result = t;
            return 1;
        }
        if (s->failed)
            return -ETIMEDOUT;
        int rc = stream_fill(s);
        if (rc)
            return rc;
        if (!s->running)
            return 0;
        /* Wait for a reply or a DOWN, until the first deadline. */
        int64_t first = INT64_MAX;
        for (size_t k = 0; k < s->o.max_concurrency; k++)
            if (s->slots[k].ref != OT_NONE && s->slots[k].deadline_ns < first)
                first = s->slots[k].deadline_ns;
        int64_t wait = OT_INFINITY;
        if (first != INT64_MAX) {
            int64_t left = first - ot_monotonic_ns();
            wait = left <= 0 ? 0 : (left + 999999) / 1000000;
        }
        waiting w = {(const char *)&s->slots[0].ref, s->o.max_concurrency, sizeof(stream_slot), 0,
                     false};
        ot_msg *m = ot_receive_if(reply_or_down, &w, wait);
        if (m) {
            stream_slot *sl = &s->slots[w.which];
            if (!w.down)
                ot_demonitor(sl->ref, true);
            rc = stream_done(s, sl, !w.down, ot_tuple_get(ot_msg_term(m), w.down ? 4 : 1));
            ot_msg_free(m);
            if (rc)
                return rc;
            continue;
        }
        /* Tasks past their deadline. */
        int64_t now = ot_monotonic_ns();
        for (size_t k = 0; k < s->o.max_concurrency; k++) {
            stream_slot *sl = &s->slots[k];
            if (sl->ref == OT_NONE || sl->deadline_ns > now)
                continue;
            if (!s->o.kill_task_on_timeout) {
                stream_kill_all(s);
                s->failed = true;
                s->input_done = true;
                return -ETIMEDOUT;
            }
            ot_msg *late = task_end(sl->pid, sl->ref, OT_ATOM(KILL), OT_INFINITY, NULL, NULL);
            /* A result that came in the meantime still counts. */
            rc = late ? stream_done(s, sl, true, ot_tuple_get(ot_msg_term(late), 1))
                      : stream_done(s, sl, false, OT_ATOM(TIMEOUT));
            ot_msg_free(late);
            if (rc)
                return rc;
        }
    }
}

int ot_task_stream_run(ot_task_stream *s)
{
    ot_heap *h = ot_heap_new();
    if (!h)
        return -ENOMEM;
    int rc;
    ot_term r;
    while ((rc = ot_task_stream_next(s, h, &r)) == 1)
        ot_heap_reset(h);
    ot_heap_free(h);
    return rc;
}

int ot_task_stream_to_list(ot_task_stream *s, ot_heap *h, ot_term *list)
{
    if (!h && !(h = ot_proc_heap()))
        return -EPERM;
    ot_term *acc = NULL;
    size_t n = 0, cap = 0;
    int rc;
    ot_term r;
    while ((rc = ot_task_stream_next(s, h, &r)) == 1) {
        if (n == cap) {
            size_t c = cap ? cap * 2 : 16;
            ot_term *a = ot__realloc(acc, c * sizeof *a);
            if (!a) {
                rc = -ENOMEM;
                break;
            }
            acc = a;
            cap = c;
        }
        acc[n++] = r;
    }
    if (rc == 0) {
        ot_term l = ot_listv(h, n, acc);
        if (l == OT_NONE)
            rc = -ENOMEM;
        else if (list)
            *list = l;
    }
    ot__free(acc);
    return rc;
}

void ot_task_stream_close(ot_task_stream *s)
{
    if (!s)
        return;
    if (s->owner == ot_self())
        stream_kill_all(s);
    for (size_t i = 0; i < s->ndone; i++)
        ot__term_block_free(s->done[i].block);
    ot__free(s->done);
    ot__free(s->slots);
    ot__free(s->items);
    ot_heap_free(s->items_heap);
    ot_heap_free(s->scratch);
    ot__free(s);
}
