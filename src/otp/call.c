/* call.c — gen:call and gen:reply: the request/reply protocol under every
 * behaviour (see include/otter/call.h). */
#include <errno.h>

#include <pthread.h>

#include "otp/otp_internal.h"

/* ---------------------------------------------------------------- atoms */

/* ---------------------------------------------------------------- call */

/* ---------------------------------------------------------------- reply or DOWN */

/* Is t the reference `ref`? Both are local references in practice, whose
 * boxes are canonical: compared word by word first, then by the general
 * order (ot_equal) for any other pair of references. */
static bool same_ref(ot_term t, ot_term ref)
{
    if (t == ref)
        return true;
    if (!ot__is_boxed(t) || ot__box_kind(t) != OT__B_REF || !ot__is_boxed(ref) || ot__box_kind(ref) != OT__B_REF)
        return false;
    const uint64_t *a = ot__box_ptr(t), *b = ot__box_ptr(ref);
    if (a[0] == b[0]) {
        size_t n = 3 + (ot__hdr_size(a[0]) + 1) / 2;
        size_t i = 1;
        while (i < n && a[i] == b[i])
            i++;
        if (i == n)
            return true;
    }
    return ot_equal(t, ref);
}

ot__awaited ot__await_shape(ot_term msg, ot_term *ref)
{
    if (!ot_is_tuple(msg))
        return OT__AWAIT_NO;
    size_t n = ot_tuple_arity(msg);
    ot_term r;
    ot__awaited k;
    if (n == 2) {
        r = ot_tuple_get(msg, 0);
        k = OT__AWAIT_REPLY;
    } else if (n == 5 && ot_tuple_get(msg, 0) == OT_ATOM(DOWN)) {
        r = ot_tuple_get(msg, 1);
        k = OT__AWAIT_DOWN;
    } else {
        return OT__AWAIT_NO;
    }
    if (!ot__is_boxed(r) || ot__box_kind(r) != OT__B_REF)
        return OT__AWAIT_NO;
    *ref = r;
    return k;
}

bool ot__ref_eq(ot_term t, ot_term ref)
{
    return ref != OT_NONE && same_ref(t, ref);
}

ot__awaited ot__reply_or_down(ot_term msg, ot_term tag, ot_term mref)
{
    ot_term r;
    ot__awaited k = ot__await_shape(msg, &r);
    if (k == OT__AWAIT_REPLY && ot__ref_eq(r, tag))
        return k;
    if (k == OT__AWAIT_DOWN && ot__ref_eq(r, mref))
        return k;
    return OT__AWAIT_NO;
}

bool ot__await_pred(ot_term msg, void *await)
{
    ot__await *w = await;
    ot__awaited k = ot__reply_or_down(msg, w->tag, w->mref);
    if (k == OT__AWAIT_NO)
        return false;
    w->down = k == OT__AWAIT_DOWN;
    return true;
}

/* ---------------------------------------------------------------- call */

static int fail(ot_term *result, int err, ot_term reason)
{
    if (result)
        *result = reason;
    return err;
}

int ot__call_as(ot_heap *h, ot_term server, ot_term label, ot_term request, int64_t timeout_ms,
                ot_term *result)
{
    ot_term self = ot_self();
    if (!self || (!h && !(h = ot_proc_heap())))
        return fail(result, -EPERM, OT_ATOM(BADARG));
    if ((!ot_is_pid(server) && !ot_is_atom(server)) || request == OT_NONE)
        return fail(result, -EINVAL, OT_ATOM(BADARG));
    /* A name is looked up once, as gen:call does for a local name. */
    ot_term pid = ot_is_atom(server) ? ot_whereis(server) : server;
    if (pid == OT_NONE)
        return fail(result, -ESRCH, OT_ATOM(NOPROC));
    /* gen:call refuses to wait for itself: the reply could never come. */
    if (pid == self)
        return fail(result, -EDEADLK, OT__ATOM(CALLING_SELF));

    /* The monitor's reference is the call's tag: one reference does both
     * jobs, as in gen:call. Small terms live on a heap in this frame. */
    uint64_t mem[32];
    ot_heap local;
    ot__heap_init_fixed(&local, mem, sizeof mem / sizeof mem[0]);
    ot_term tag = ot_monitor(&local, pid);
    ot_term msg = tag == OT_NONE ? OT_NONE
        : ot_tuple(&local, 3, label, ot_tuple(&local, 2, self, tag), request);
    if (msg == OT_NONE) {
        if (tag != OT_NONE)
            ot_demonitor(tag, true);
        ot__heap_release_fixed(&local);
        return fail(result, -ENOMEM, OT__ATOM(SYSTEM_LIMIT));
    }
    int rc = ot_send(pid, msg);
    if (rc != 0) {
        ot_demonitor(tag, true);
        ot__heap_release_fixed(&local);
        return fail(result, rc == -ENOMEM ? -ENOMEM : -EINVAL,
                    rc == -ENOMEM ? OT__ATOM(SYSTEM_LIMIT) : OT_ATOM(BADARG));
    }
    /* A dead server: the monitor has already delivered DOWN noproc, and
     * the receive below takes it. */

    ot__await w = {tag, tag, false};
    ot_msg *m = ot_receive_if(ot__await_pred, &w, timeout_ms);
    if (!m) {
        ot_demonitor(tag, true);
        ot__heap_release_fixed(&local);
        return fail(result, -ETIMEDOUT, OT_ATOM(TIMEOUT));
    }
    ot_term t = ot_msg_term(m);
    if (w.down) {
        ot_term reason = ot_tuple_get(t, 4);
        int err = reason == OT_ATOM(NOPROC) ? -ESRCH : -ECONNABORTED;
        ot_term copy = ot_copy(h, reason);
        ot_msg_free(m);
        ot__heap_release_fixed(&local);
        return fail(result, err, copy == OT_NONE ? reason : copy);
    }
    ot_demonitor(tag, true);
    ot__heap_release_fixed(&local);
    ot_term reply = ot_copy(h, ot_tuple_get(t, 1));
    ot_msg_free(m);
    if (reply == OT_NONE)
        return fail(result, -ENOMEM, OT__ATOM(SYSTEM_LIMIT));
    if (result)
        *result = reply;
    return 0;
}

int ot_call(ot_heap *h, ot_term server, ot_term request, int64_t timeout_ms, ot_term *result)
{
    return ot__call_as(h, server, OT_ATOM(GEN_CALL), request, timeout_ms, result);
}

int ot_cast(ot_term server, ot_term request)
{
    if ((!ot_is_pid(server) && !ot_is_atom(server)) || request == OT_NONE)
        return -EINVAL;
    uint64_t mem[4];
    ot_heap local;
    ot__heap_init_fixed(&local, mem, 4);
    ot_term msg = ot_tuple(&local, 2, OT_ATOM(GEN_CAST), request);
    int rc = ot_send(server, msg);
    ot__heap_release_fixed(&local);
    return rc == -ENOENT ? 0 : rc;
}

bool ot_call_parse(ot_term msg, ot_term *from, ot_term *request)
{
    if (!ot_is_tuple(msg) || ot_tuple_arity(msg) != 3 || ot_tuple_get(msg, 0) != OT_ATOM(GEN_CALL))
        return false;
    ot_term f = ot_tuple_get(msg, 1);
    if (!ot_is_tuple(f) || ot_tuple_arity(f) != 2 || !ot_is_pid(ot_tuple_get(f, 0)))
        return false;
    if (from)
        *from = f;
    if (request)
        *request = ot_tuple_get(msg, 2);
    return true;
}

bool ot_cast_parse(ot_term msg, ot_term *request)
{
    if (!ot_is_tuple(msg) || ot_tuple_arity(msg) != 2 || ot_tuple_get(msg, 0) != OT_ATOM(GEN_CAST))
        return false;
    if (request)
        *request = ot_tuple_get(msg, 1);
    return true;
}

int ot_reply(ot_term from, ot_term reply)
{
    if (!ot_is_tuple(from) || ot_tuple_arity(from) != 2 || reply == OT_NONE)
        return -EINVAL;
    ot_term pid = ot_tuple_get(from, 0);
    if (!ot_is_pid(pid))
        return -EINVAL;
    ot_term tag = ot_tuple_get(from, 1);
    /* BEAM's [alias | ref] tag goes back as it came: the caller's receive
     * matches the whole tag. */
    uint64_t mem[4];
    ot_heap local;
    ot__heap_init_fixed(&local, mem, 4);
    ot_term msg = ot_tuple(&local, 2, tag, reply);
    int rc = ot_send(pid, msg);
    ot__heap_release_fixed(&local);
    return rc;
}
