/* otter_app.c — `otter`, the application of otter's own services: its
 * root supervisor otter_sup runs otter_logger (logger.c) and the children
 * other layers register with ot_otter_add_child. */
#include <errno.h>
#include <pthread.h>

#include "base/alloc.h"
#include "otp/otp_internal.h"

/* Keep in step with the project version in meson.build. */
#define OTTER_APP_VSN "0.1.0"


static pthread_mutex_t extra_lock = PTHREAD_MUTEX_INITIALIZER;
static ot_child_spec *extra;      /* children other layers registered */
static size_t n_extra, cap_extra;
static ot_heap *extra_heap;       /* their ids, args and modules; lives for the node */

static ot_term otter_app_start(ot_heap *h, void *data)
{
    (void)data;
    pthread_mutex_lock(&extra_lock);
    size_t n = 1 + n_extra;
    ot_child_spec *kids = ot__calloc(n, sizeof *kids);
    if (kids) {
        kids[0] = (ot_child_spec){.id = OT__ATOM(OTTER_LOGGER), .start = ot__logger_start,
                                  .modules = ot_list(h, 1, OT__ATOM(OTTER_LOGGER))};
        for (size_t i = 0; i < n_extra; i++) {
            kids[1 + i] = extra[i];
            kids[1 + i].id = ot_copy(h, extra[i].id);
            kids[1 + i].arg = ot_copy(h, extra[i].arg);
            kids[1 + i].modules = ot_copy(h, extra[i].modules);
        }
    }
    pthread_mutex_unlock(&extra_lock);
    if (!kids)
        return ot_tuple(h, 2, OT_ATOM(ERROR), OT__ATOM(SYSTEM_LIMIT));
    ot_sup_opts o = {.strategy = OT_ONE_FOR_ONE, .intensity = 10, .period = 10,
                     .name = OT__ATOM(OTTER_SUP), .initial_call = "supervisor:init/1"};
    ot_term r;
    int rc = ot_supervisor_start_link(&o, kids, n, h, &r);
    ot__free(kids);
    if (rc != 0)
        return ot_tuple(h, 2, OT_ATOM(ERROR), r);
    /* Children registered while otter_sup was starting: ot_otter_add_child
     * did not see otter_sup yet, so they are started here (a child both
     * sides start answers already_started, which is fine). */
    for (size_t i = n - 1;; i++) {
        pthread_mutex_lock(&extra_lock);
        ot_child_spec c = i < n_extra ? extra[i] : (ot_child_spec){0};
        pthread_mutex_unlock(&extra_lock);
        if (!c.start)
            break;
        ot_term ignored;
        ot_supervisor_start_child(h, r, &c, &ignored);
    }
    return r;
}

const ot_app_spec ot__otter_app = {
    .name = "otter",
    .description = "otter runtime services",
    .vsn = OTTER_APP_VSN,
    .mod = "otter_app",
    .start = otter_app_start,
};

int ot_otter_start(void)
{
    int rc = ot_application_load(&ot__otter_app);
    if (rc)
        return rc;
    return ot_application_ensure_started(NULL, OT__ATOM(OTTER), NULL);
}

int ot_otter_add_child(const ot_child_spec *spec)
{
    if (!spec || spec->id == OT_NONE || !spec->start)
        return -EINVAL;
    pthread_mutex_lock(&extra_lock);
    int rc = 0;
    if (ot_equal(spec->id, OT__ATOM(OTTER_LOGGER)))
        rc = -EEXIST;
    for (size_t i = 0; i < n_extra && !rc; i++)
        if (ot_equal(extra[i].id, spec->id))
            rc = -EEXIST;
    if (!rc && !extra_heap && !(extra_heap = ot_heap_new()))
        rc = -ENOMEM;
    if (!rc && n_extra == cap_extra) {
        size_t cap = cap_extra ? cap_extra * 2 : 8;
        ot_child_spec *t = ot__realloc(extra, cap * sizeof *t);
        if (t) {
            extra = t;
            cap_extra = cap;
        } else {
            rc = -ENOMEM;
        }
    }
    if (!rc) {
        ot_child_spec c = *spec;
        c.id = ot_copy(extra_heap, spec->id);
        c.arg = spec->arg == OT_NONE ? OT_NONE : ot_copy(extra_heap, spec->arg);
        c.modules = spec->modules == OT_NONE ? OT_NONE : ot_copy(extra_heap, spec->modules);
        if (c.id == OT_NONE || (spec->arg != OT_NONE && c.arg == OT_NONE)
            || (spec->modules != OT_NONE && c.modules == OT_NONE))
            rc = -ENOMEM;
        else
            extra[n_extra++] = c;
    }
    pthread_mutex_unlock(&extra_lock);
    if (rc || !ot_self() || ot_whereis(OT__ATOM(OTTER_SUP)) == OT_NONE)
        return rc;
    ot_heap *h = ot_heap_new();
    if (!h)
        return -ENOMEM;
    ot_term r;
    rc = ot_supervisor_start_child(h, OT__ATOM(OTTER_SUP), spec, &r);
    if (rc == 0 && ot_tuple_get(r, 0) != OT_ATOM(OK)) {
        ot_term why = ot_tuple_get(r, 1);
        bool already = ot_is_tuple(why) && ot_tuple_get(why, 0) == OT__ATOM(ALREADY_STARTED);
        rc = already ? 0 : why == OT__ATOM(ALREADY_PRESENT) ? 0 : -ECHILD;
    }
    ot_heap_free(h);
    return rc == -ESRCH ? 0 : rc;
}
