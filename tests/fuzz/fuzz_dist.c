/* fuzz_dist.c — libFuzzer target for the distribution layer's parsers of
 * untrusted bytes: the handshake messages, epmd's replies, the framing of
 * an established connection and the control-message decoder. The first
 * input byte picks the parser (mod 4), the rest is its input. Each parser
 * must reject cleanly (a documented error, a reason) or give a result
 * whose fields are what its contract promises. Built with the fuzz
 * build (`make fuzz` sets it up); run it as
 *     build-fuzz/tests/fuzz/fuzz_dist -max_total_time=60 CORPUS tests/fuzz/corpus_dist
 * test_dist_fuzz runs the seeds and mutations of them in `make test`. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "distribution/distribution_internal.h"

static const char *check_name(const ot__hs_name *n)
{
    if (n->name_len == 0 || n->name_len > 255 || strlen(n->name) != n->name_len)
        return "name length";
    const char *at = strchr(n->name, '@');
    if (!at || at == n->name || at[1] == 0)
        return "name without both parts";
    return NULL;
}

static const char *check_handshake(const uint8_t *p, size_t n)
{
    ot__hs_name hn;
    int rc = ot__hs_parse_send_name(p, n, &hn);
    if (rc != 0 && rc != -EBADMSG)
        return "send_name: unexpected error";
    if (!rc && check_name(&hn))
        return check_name(&hn);
    rc = ot__hs_parse_challenge(p, n, &hn);
    if (rc != 0 && rc != -EBADMSG)
        return "challenge: unexpected error";
    if (!rc && check_name(&hn))
        return check_name(&hn);
    uint32_t c;
    uint8_t d[16];
    rc = ot__hs_parse_reply(p, n, &c, d);
    if (rc != 0 && rc != -EBADMSG)
        return "reply: unexpected error";
    if (!rc && n != 21)
        return "reply accepted at the wrong length";
    rc = ot__hs_parse_ack(p, n, d);
    if (!rc && n != 17)
        return "ack accepted at the wrong length";
    char s[64];
    rc = ot__hs_parse_status(p, n, s, sizeof s);
    if (!rc && strlen(s) != n - 1)
        return "status text length";
    return NULL;
}

static const char *check_epmd(const uint8_t *p, size_t n)
{
    uint32_t creation;
    int rc = ot__epmd_parse_alive2_resp(p, n, &creation);
    if (rc != 0 && rc != -EBADMSG && rc != -EADDRINUSE)
        return "alive2: unexpected error";
    uint16_t port;
    rc = ot__epmd_parse_port2_resp(p, n, &port);
    if (rc != 0 && rc != -EBADMSG && rc != -ECONNREFUSED && rc != -EPROTO)
        return "port2: unexpected error";
    if (!rc && port == 0)
        return "port2: port 0";
    return NULL;
}

static const char *check_packet(ot_heap *h, const uint8_t *p, size_t n)
{
    ot__dmsg m;
    const char *why = NULL;
    int rc = ot__packet_decode(h, p, n, 200, &m, &why);
    if (rc) {
        if (rc != -EBADMSG && rc != -ENOTSUP && rc != -E2BIG && rc != -ENOMEM)
            return "decode: unexpected error";
        if (!why || !*why)
            return "decode: no reason given";
        return NULL;
    }
    switch (m.base) {
    case OT__DOP_SEND:
        if (!ot_is_pid(m.to) || m.msg == OT_NONE)
            return "SEND without pid or message";
        break;
    case OT__DOP_REG_SEND:
        if (!ot_is_pid(m.from) || !ot_is_atom(m.name) || m.msg == OT_NONE)
            return "REG_SEND fields";
        break;
    case OT__DOP_LINK:
    case OT__DOP_UNLINK:
        if (!ot_is_pid(m.from) || !ot_is_pid(m.to))
            return "LINK fields";
        break;
    case OT__DOP_EXIT:
    case OT__DOP_EXIT2:
        if (!ot_is_pid(m.from) || !ot_is_pid(m.to) || m.reason == OT_NONE)
            return "EXIT fields";
        break;
    case OT__DOP_MONITOR_P:
    case OT__DOP_DEMONITOR_P:
        if (!ot_is_pid(m.from) || !ot_is_ref(m.ref) || (!ot_is_pid(m.to) && !ot_is_atom(m.to)))
            return "MONITOR_P fields";
        break;
    case OT__DOP_MONITOR_P_EXIT:
        if (!ot_is_pid(m.to) || !ot_is_ref(m.ref) || m.reason == OT_NONE)
            return "MONITOR_P_EXIT fields";
        break;
    case OT__DOP_SPAWN_REQUEST: {
        int64_t a = -1;
        ot_get_int64(ot_tuple_get(m.mfa, 2), &a);
        if (!ot_is_ref(m.ref) || !ot_is_pid(m.from) || ot_list_length(m.msg) != a ||
            ot_list_length(m.opts) < 0)
            return "SPAWN_REQUEST fields";
        break;
    }
    case OT__DOP_SPAWN_REPLY:
        if (!ot_is_ref(m.ref) || !ot_is_pid(m.to) || (!ot_is_pid(m.result) && !ot_is_atom(m.result)))
            return "SPAWN_REPLY fields";
        break;
    case OT__DOP_UNLINK_ID:
    case OT__DOP_UNLINK_ID_ACK:
        if (!ot_is_int(m.id) || !ot_is_pid(m.from) || !ot_is_pid(m.to))
            return "UNLINK_ID fields";
        break;
    case OT__DOP_ALIAS_SEND:
        if (!ot_is_ref(m.ref) || m.msg == OT_NONE)
            return "ALIAS_SEND fields";
        break;
    case OT__DOP_GROUP_LEADER:
        break;
    default:
        return "decoded an operation without a base";
    }
    return NULL;
}

/* A byte stream as a connection reads it: packets one after another. */
static const char *check_stream(ot_heap *h, const uint8_t *p, size_t n)
{
    size_t off = 0;
    while (off < n) {
        size_t k = 0;
        int got = ot__packet_next(p + off, n - off, 1 << 16, &k);
        if (got < 0)
            return NULL; /* over the limit: the connection closes */
        if (got == 0)
            return n - off >= 4 && k <= n - off - 4 ? "a whole packet not seen" : NULL;
        if (k) {
            const char *bad = check_packet(h, p + off + 4, k);
            ot_heap_reset(h);
            if (bad)
                return bad;
        }
        off += 4 + k;
    }
    return NULL;
}

const char *fuzz_dist_one(const uint8_t *data, size_t size);

const char *fuzz_dist_one(const uint8_t *data, size_t size)
{
    if (size == 0)
        return NULL;
    ot_heap *h = ot_heap_new();
    if (!h)
        return NULL;
    const char *bad = NULL;
    switch (data[0] % 4) {
    case 0: bad = check_packet(h, data + 1, size - 1); break;
    case 1: bad = check_handshake(data + 1, size - 1); break;
    case 2: bad = check_epmd(data + 1, size - 1); break;
    case 3: bad = check_stream(h, data + 1, size - 1); break;
    }
    ot_heap_free(h);
    return bad;
}

#ifndef FUZZ_DIST_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *bad = fuzz_dist_one(data, size);
    if (bad) {
        fprintf(stderr, "fuzz_dist: %s\n", bad);
        abort();
    }
    return 0;
}
#endif
