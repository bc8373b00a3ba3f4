/* test_livechart.c — live charts: the window keeps the newest points, a
 * late subscriber gets the spec and every kept point first, pushes reach
 * subscribers in order, clear, snapshots, pushes from several threads. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "otter/livechart.h"
#include "otter/term.h"

static ot_heap *h;
static void setup(void) { h = ot_heap_new(); }
static void teardown(void) { ot_heap_free(h); }
TestSuite(livechart, .init = setup, .fini = teardown);

static ot_term spec(void)
{
    return ot_build(h, "#{data => #{name => <<\"memory\">>}, mark => line}");
}

static ot_term pt(int64_t i)
{
    return ot_build(h, "#{i => ~l, mb => ~f}", i, (double)i / 10.0);
}

static int64_t pt_i(ot_term p)
{
    int64_t v = -1;
    ot_get_int64(ot_map_get(p, ot_atom("i")), &v);
    return v;
}

typedef struct seen {
    int specs, clears;
    int64_t last_i;       /* the i of the newest point seen */
    long points;
    bool in_order;
    pthread_mutex_t lock;
} seen;

static void on_event(ot_live_event ev, const char *dataset, ot_term rows, size_t window, void *arg)
{
    seen *s = arg;
    pthread_mutex_lock(&s->lock);
    if (ev == OT_LIVE_SPEC) {
        s->specs++;
        cr_expect(dataset == NULL && ot_is_map(rows));
    } else if (ev == OT_LIVE_CLEAR) {
        s->clears++;
    } else {
        cr_expect_str_eq(dataset, "memory");
        cr_expect(window == 1000);
        for (ot_term l = rows; l != OT_NIL; l = ot_tl(l)) {
            int64_t i = pt_i(ot_hd(l));
            if (s->last_i >= 0 && i != s->last_i + 1)
                s->in_order = false;
            s->last_i = i;
            s->points++;
        }
    }
    pthread_mutex_unlock(&s->lock);
}

Test(livechart, window_keeps_the_newest)
{
    ot_livechart *c = ot_livechart_new(spec(), 1000);
    cr_assert(c);
    for (int64_t i = 0; i < 1500; i++) {
        cr_assert(ot_livechart_push(c, "memory", pt(i)) == 0);
        ot_heap_reset(h);
    }
    ot_term l = ot_livechart_points(c, "memory", h);
    cr_expect(ot_list_length(l) == 1000);
    cr_expect(pt_i(ot_hd(l)) == 500);
    int64_t want = 500;
    for (; l != OT_NIL; l = ot_tl(l))
        cr_expect(pt_i(ot_hd(l)) == want++);
    cr_expect(ot_livechart_points(c, "other", h) == OT_NIL);
    ot_livechart_free(c);
}

Test(livechart, no_window_keeps_everything)
{
    ot_livechart *c = ot_livechart_new(spec(), 0);
    for (int64_t i = 0; i < 3000; i++)
        ot_livechart_push(c, "memory", pt(i));
    cr_expect(ot_list_length(ot_livechart_points(c, "memory", h)) == 3000);
    ot_livechart_free(c);
}

Test(livechart, late_subscriber_gets_spec_then_stored_points)
{
    ot_livechart *c = ot_livechart_new(spec(), 1000);
    for (int64_t i = 0; i < 1200; i++)
        ot_livechart_push(c, "memory", pt(i));
    seen s = {.last_i = -1, .in_order = true, .lock = PTHREAD_MUTEX_INITIALIZER};
    int id = ot_livechart_subscribe(c, on_event, &s);
    cr_assert(id > 0);
    cr_expect(s.specs == 1 && s.points == 1000 && s.last_i == 1199);
    for (int64_t i = 1200; i < 1300; i++)
        ot_livechart_push(c, "memory", pt(i));
    cr_expect(s.points == 1100 && s.last_i == 1299 && s.in_order);
    ot_livechart_clear(c, "memory");
    cr_expect(s.clears == 1);
    cr_expect(ot_livechart_points(c, "memory", h) == OT_NIL);
    ot_livechart_unsubscribe(c, id);
    ot_livechart_push(c, "memory", pt(5000));
    cr_expect(s.points == 1100, "no event after unsubscribe");
    ot_livechart_free(c);
}

Test(livechart, snapshot_inlines_the_points)
{
    ot_livechart *c = ot_livechart_new(spec(), 10);
    for (int64_t i = 0; i < 25; i++)
        ot_livechart_push(c, "memory", pt(i));
    ot_term snap = ot_livechart_snapshot(c, h);
    cr_assert(snap != OT_NONE);
    ot_term sets = ot_map_get(snap, ot_atom("datasets"));
    cr_assert(ot_is_map(sets));
    ot_term rows = ot_map_get(sets, ot_string(h, "memory"));
    cr_expect(ot_list_length(rows) == 10 && pt_i(ot_hd(rows)) == 15);
    cr_expect(ot_map_get(snap, ot_atom("mark")) == ot_atom("line"));
    size_t len;
    char *json = ot_to_json(snap, &len);
    cr_assert(json);
    cr_expect(strstr(json, "\"datasets\":{\"memory\":[") != NULL, "%s", json);
    free(json);
    ot_livechart_free(c);
}

Test(livechart, bad_arguments)
{
    cr_expect(ot_livechart_new(ot_atom("not_a_map"), 10) == NULL);
    ot_livechart *c = ot_livechart_new(spec(), 10);
    cr_expect(ot_livechart_push(c, "memory", ot_atom("x")) == -EINVAL);
    cr_expect(ot_livechart_push(c, NULL, pt(1)) == -EINVAL);
    cr_expect(ot_livechart_push_many(c, "memory", ot_build(h, "[#{}, 3]")) == -EINVAL);
    cr_expect(ot_livechart_points(c, "memory", h) == OT_NIL, "a bad list adds nothing");
    cr_expect(ot_livechart_subscribe(c, NULL, NULL) == -EINVAL);
    ot_livechart_free(c);
    ot_livechart_free(NULL);
}

/* Four threads push; one subscriber sees every point exactly once. */
typedef struct pusher {
    ot_livechart *c;
    int k;
} pusher;

static void *push_thread(void *arg)
{
    pusher *p = arg;
    ot_heap *th = ot_heap_new();
    for (int i = 0; i < 2000; i++) {
        ot_livechart_push(p->c, "memory", ot_build(th, "#{i => ~i, k => ~i}", i, p->k));
        ot_heap_reset(th);
    }
    ot_heap_free(th);
    return NULL;
}

Test(livechart, pushes_from_threads)
{
    ot_livechart *c = ot_livechart_new(spec(), 1000);
    seen s = {.last_i = -1, .in_order = true, .lock = PTHREAD_MUTEX_INITIALIZER};
    ot_livechart_subscribe(c, on_event, &s);
    pthread_t t[4];
    pusher ps[4];
    for (int k = 0; k < 4; k++) {
        ps[k] = (pusher){c, k};
        pthread_create(&t[k], NULL, push_thread, &ps[k]);
    }
    for (int k = 0; k < 4; k++)
        pthread_join(t[k], NULL);
    cr_expect(s.points == 8000);
    cr_expect(ot_list_length(ot_livechart_points(c, "memory", h)) == 1000);
    ot_livechart_free(c);
}
