/* packet.c — the packets of an established connection: decoding the
 * untrusted bytes of one packet into a control message whose every field
 * has the type its operation asks for, and encoding outgoing packets.
 *
 * Without the atom cache a packet is 112 (pass through), the control
 * term, then for some operations the message (or exit reason, or spawn
 * arguments), each term starting with its 131 version byte. Every term a
 * peer sends goes through ot_decode with its depth and size limits. */
#include <errno.h>
#include <string.h>

#include "distribution/distribution_internal.h"

/* ---------------------------------------------------------------- framing */

int ot__packet_next(const uint8_t *buf, size_t len, size_t max, size_t *n)
{
    if (len < 4)
        return 0;
    size_t k = (size_t)buf[0] << 24 | (size_t)buf[1] << 16 | (size_t)buf[2] << 8 | buf[3];
    if (k > max)
        return -E2BIG;
    *n = k;
    return len - 4 >= k ? 1 : 0;
}

/* ---------------------------------------------------------------- decode */

static bool is_int(ot_term t) { return ot_is_int(t); }
static bool is_pid(ot_term t) { return ot_is_pid(t); }
static bool is_pid_or_atom(ot_term t) { return ot_is_pid(t) || ot_is_atom(t); }

/* The shape of each operation: arity of the control tuple, whether a
 * payload term follows, and what it is based on. */
typedef struct op_shape {
    uint8_t arity;
    bool payload;
    int base;
} op_shape;

static bool shape_of(int op, op_shape *s)
{
    switch (op) {
    case OT__DOP_LINK: *s = (op_shape){3, false, OT__DOP_LINK}; return true;
    case OT__DOP_SEND: *s = (op_shape){3, true, OT__DOP_SEND}; return true;
    case OT__DOP_EXIT: *s = (op_shape){4, false, OT__DOP_EXIT}; return true;
    case OT__DOP_UNLINK: *s = (op_shape){3, false, OT__DOP_UNLINK}; return true;
    case OT__DOP_REG_SEND: *s = (op_shape){4, true, OT__DOP_REG_SEND}; return true;
    case OT__DOP_GROUP_LEADER: *s = (op_shape){3, false, OT__DOP_GROUP_LEADER}; return true;
    case OT__DOP_EXIT2: *s = (op_shape){4, false, OT__DOP_EXIT2}; return true;
    case OT__DOP_SEND_TT: *s = (op_shape){4, true, OT__DOP_SEND}; return true;
    case OT__DOP_EXIT_TT: *s = (op_shape){5, false, OT__DOP_EXIT}; return true;
    case OT__DOP_REG_SEND_TT: *s = (op_shape){5, true, OT__DOP_REG_SEND}; return true;
    case OT__DOP_EXIT2_TT: *s = (op_shape){5, false, OT__DOP_EXIT2}; return true;
    case OT__DOP_MONITOR_P: *s = (op_shape){4, false, OT__DOP_MONITOR_P}; return true;
    case OT__DOP_DEMONITOR_P: *s = (op_shape){4, false, OT__DOP_DEMONITOR_P}; return true;
    case OT__DOP_MONITOR_P_EXIT: *s = (op_shape){5, false, OT__DOP_MONITOR_P_EXIT}; return true;
    case OT__DOP_SEND_SENDER: *s = (op_shape){3, true, OT__DOP_SEND}; return true;
    case OT__DOP_SEND_SENDER_TT: *s = (op_shape){4, true, OT__DOP_SEND}; return true;
    case OT__DOP_PAYLOAD_EXIT: *s = (op_shape){3, true, OT__DOP_EXIT}; return true;
    case OT__DOP_PAYLOAD_EXIT_TT: *s = (op_shape){4, true, OT__DOP_EXIT}; return true;
    case OT__DOP_PAYLOAD_EXIT2: *s = (op_shape){3, true, OT__DOP_EXIT2}; return true;
    case OT__DOP_PAYLOAD_EXIT2_TT: *s = (op_shape){4, true, OT__DOP_EXIT2}; return true;
    case OT__DOP_PAYLOAD_MONITOR_P_EXIT: *s = (op_shape){4, true, OT__DOP_MONITOR_P_EXIT}; return true;
    case OT__DOP_SPAWN_REQUEST: *s = (op_shape){6, true, OT__DOP_SPAWN_REQUEST}; return true;
    case OT__DOP_SPAWN_REQUEST_TT: *s = (op_shape){7, true, OT__DOP_SPAWN_REQUEST}; return true;
    case OT__DOP_SPAWN_REPLY: *s = (op_shape){5, false, OT__DOP_SPAWN_REPLY}; return true;
    case OT__DOP_SPAWN_REPLY_TT: *s = (op_shape){6, false, OT__DOP_SPAWN_REPLY}; return true;
    case OT__DOP_ALIAS_SEND: *s = (op_shape){3, true, OT__DOP_ALIAS_SEND}; return true;
    case OT__DOP_ALIAS_SEND_TT: *s = (op_shape){4, true, OT__DOP_ALIAS_SEND}; return true;
    case OT__DOP_UNLINK_ID: *s = (op_shape){4, false, OT__DOP_UNLINK_ID}; return true;
    case OT__DOP_UNLINK_ID_ACK: *s = (op_shape){4, false, OT__DOP_UNLINK_ID_ACK}; return true;
    default: return false;
    }
}

#define BAD(text) do { *why = text; return -EBADMSG; } while (0)

/* Fills m's fields from the control tuple c of operation op. */
static int fields(ot__dmsg *m, ot_term c, const char **why)
{
    ot_term e1 = ot_tuple_get(c, 1), e2 = ot_tuple_get(c, 2), e3 = ot_tuple_get(c, 3);
    ot_term e4 = ot_tuple_get(c, 4), e5 = ot_tuple_get(c, 5);
    switch (m->op) {
    case OT__DOP_LINK:
    case OT__DOP_UNLINK:
    case OT__DOP_GROUP_LEADER:
    case OT__DOP_SEND_SENDER:
    case OT__DOP_SEND_SENDER_TT:
    case OT__DOP_PAYLOAD_EXIT:
    case OT__DOP_PAYLOAD_EXIT_TT:
    case OT__DOP_PAYLOAD_EXIT2:
    case OT__DOP_PAYLOAD_EXIT2_TT:
        if (!is_pid(e1) || !is_pid(e2))
            BAD("a control message needs two pids");
        m->from = e1;
        m->to = e2;
        return 0;
    case OT__DOP_SEND:
    case OT__DOP_SEND_TT:
        if (!is_pid(e2))
            BAD("SEND to something not a pid");
        m->to = e2;
        return 0;
    case OT__DOP_EXIT:
    case OT__DOP_EXIT2:
        if (!is_pid(e1) || !is_pid(e2))
            BAD("EXIT needs two pids");
        m->from = e1;
        m->to = e2;
        m->reason = e3;
        return 0;
    case OT__DOP_EXIT_TT:
    case OT__DOP_EXIT2_TT:
        if (!is_pid(e1) || !is_pid(e2))
            BAD("EXIT needs two pids");
        m->from = e1;
        m->to = e2;
        m->reason = e4;
        return 0;
    case OT__DOP_REG_SEND:
    case OT__DOP_REG_SEND_TT:
        if (!is_pid(e1) || !ot_is_atom(e3))
            BAD("REG_SEND needs a pid and a name");
        m->from = e1;
        m->name = e3;
        return 0;
    case OT__DOP_MONITOR_P:
    case OT__DOP_DEMONITOR_P:
        if (!is_pid(e1) || !is_pid_or_atom(e2) || !ot_is_ref(e3))
            BAD("MONITOR_P needs a pid, a pid or name, and a reference");
        m->from = e1;
        m->to = e2;
        m->ref = e3;
        return 0;
    case OT__DOP_MONITOR_P_EXIT:
    case OT__DOP_PAYLOAD_MONITOR_P_EXIT:
        if (!is_pid_or_atom(e1) || !is_pid(e2) || !ot_is_ref(e3))
            BAD("MONITOR_P_EXIT needs a pid or name, a pid and a reference");
        m->from = e1;
        m->to = e2;
        m->ref = e3;
        if (m->op == OT__DOP_MONITOR_P_EXIT)
            m->reason = e4;
        return 0;
    case OT__DOP_SPAWN_REQUEST:
    case OT__DOP_SPAWN_REQUEST_TT: {
        if (!ot_is_ref(e1) || !is_pid(e2) || !is_pid(e3))
            BAD("SPAWN_REQUEST needs a reference and two pids");
        if (ot_tuple_arity(e4) != 3 || !ot_is_atom(ot_tuple_get(e4, 0)) ||
            !ot_is_atom(ot_tuple_get(e4, 1)) || !is_int(ot_tuple_get(e4, 2)))
            BAD("SPAWN_REQUEST needs {module, function, arity}");
        if (ot_list_length(e5) < 0)
            BAD("SPAWN_REQUEST options are not a list");
        m->ref = e1;
        m->from = e2;
        m->gl = e3;
        m->mfa = e4;
        m->opts = e5;
        return 0;
    }
    case OT__DOP_SPAWN_REPLY:
    case OT__DOP_SPAWN_REPLY_TT:
        if (!ot_is_ref(e1) || !is_pid(e2) || !is_int(e3) || !is_pid_or_atom(e4))
            BAD("SPAWN_REPLY needs a reference, a pid, flags and a pid or atom");
        m->ref = e1;
        m->to = e2;
        if (ot_get_int64(e3, &m->flags) != 0)
            BAD("SPAWN_REPLY flags out of range");
        m->result = e4;
        return 0;
    case OT__DOP_ALIAS_SEND:
    case OT__DOP_ALIAS_SEND_TT:
        if (!is_pid(e1) || !ot_is_ref(e2))
            BAD("ALIAS_SEND needs a pid and a reference");
        m->from = e1;
        m->ref = e2;
        return 0;
    case OT__DOP_UNLINK_ID:
    case OT__DOP_UNLINK_ID_ACK:
        if (!is_int(e1) || !is_pid(e2) || !is_pid(e3))
            BAD("UNLINK_ID needs an id and two pids");
        m->id = e1;
        m->from = e2;
        m->to = e3;
        return 0;
    }
    BAD("unknown operation");
}

int ot__packet_decode(ot_heap *h, const uint8_t *buf, size_t len, size_t max_depth, ot__dmsg *m,
                      const char **why)
{
    static const char *none = "";
    const char *dummy;
    if (!why)
        why = &dummy;
    *why = none;
    memset(m, 0, sizeof *m);
    if (len < 2 || buf[0] != OT__PASS_THROUGH)
        BAD(len && buf[0] == 68 ? "atom cache header, which was not negotiated"
                                : "packet does not start with 112");
    ot_decode_opts o = {.max_depth = max_depth, .max_bytes = len};
    ot_decode_error de;
    ot_term c;
    ssize_t n = ot_decode(h, buf + 1, len - 1, &o, &c, &de);
    if (n < 0) {
        *why = n == -E2BIG ? "control term over the limits" : "malformed control term";
        return n == -E2BIG ? -E2BIG : n == -ENOMEM ? -ENOMEM : -EBADMSG;
    }
    size_t used = 1 + (size_t)n;
    size_t arity = ot_tuple_arity(c);
    int64_t op;
    if (!arity || ot_get_int64(ot_tuple_get(c, 0), &op) != 0)
        BAD("control message is not a tuple starting with an operation");
    op_shape s;
    if (op < 0 || op > 255 || !shape_of((int)op, &s)) {
        *why = "unknown control operation";
        return -ENOTSUP;
    }
    if (arity != s.arity)
        BAD("control tuple of the wrong size");
    m->op = (int)op;
    m->base = s.base;
    int rc = fields(m, c, why);
    if (rc)
        return rc;
    if (!s.payload) {
        if (used != len)
            BAD("bytes after a control message that takes none");
        return 0;
    }
    if (used >= len)
        BAD("control message without its payload");
    ot_term p;
    n = ot_decode(h, buf + used, len - used, &o, &p, &de);
    if (n < 0) {
        *why = n == -E2BIG ? "message over the limits" : "malformed message term";
        return n == -E2BIG ? -E2BIG : n == -ENOMEM ? -ENOMEM : -EBADMSG;
    }
    if (used + (size_t)n != len)
        BAD("bytes after the message");
    switch (m->base) {
    case OT__DOP_EXIT:
    case OT__DOP_EXIT2:
    case OT__DOP_MONITOR_P_EXIT:
        m->reason = p;
        break;
    case OT__DOP_SPAWN_REQUEST: {
        int64_t arity_want = 0;
        ot_get_int64(ot_tuple_get(m->mfa, 2), &arity_want);
        if (ot_list_length(p) != arity_want)
            BAD("SPAWN_REQUEST arguments do not match the arity");
        m->msg = p;
        break;
    }
    default:
        m->msg = p;
    }
    return 0;
}

/* ---------------------------------------------------------------- encode */

static int put_term(ot__buf *b, ot_term t)
{
    ssize_t n = ot_encode(t, b->bytes + b->len, b->cap - b->len, OT_ENCODE_UTF8_ATOMS);
    if (n == -ENOBUFS) {
        ssize_t need = ot_encoded_size(t, OT_ENCODE_UTF8_ATOMS);
        if (need < 0)
            return (int)need;
        if (!ot__dist_buf_reserve(b, (size_t)need))
            return -ENOMEM;
        n = ot_encode(t, b->bytes + b->len, b->cap - b->len, OT_ENCODE_UTF8_ATOMS);
    }
    if (n < 0)
        return (int)n;
    b->len += (size_t)n;
    return 0;
}

int ot__packet_put(ot__buf *b, ot_term control, ot_term msg)
{
    size_t start = b->len;
    if (!ot__dist_buf_reserve(b, 5 + 64))
        return -ENOMEM;
    b->len += 5;
    int rc = put_term(b, control);
    if (!rc && msg != OT_NONE)
        rc = put_term(b, msg);
    size_t n = b->len - start - 4;
    if (!rc && n > UINT32_MAX)
        rc = -E2BIG;
    if (rc) {
        b->len = start;
        return rc;
    }
    uint8_t *p = b->bytes + start;
    p[0] = (uint8_t)(n >> 24);
    p[1] = (uint8_t)(n >> 16);
    p[2] = (uint8_t)(n >> 8);
    p[3] = (uint8_t)n;
    p[4] = OT__PASS_THROUGH;
    return 0;
}
