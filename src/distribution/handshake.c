/* handshake.c — the distribution handshake, version 6 (OTP 23 and later,
 * the only one OTP 25 speaks): its messages, parsed from untrusted bytes
 * and checked field by field, the MD5 challenge digest (OpenSSL's
 * libcrypto), and the initiating side of the exchange. The accepting side
 * lives with the connection table (conn.c), which must decide between
 * ok, ok_simultaneous, nok and alive.
 *
 *   initiator                         acceptor
 *   send_name 'N' flags creation name  ->
 *                                     <- status 's' ok | nok | alive ...
 *                                     <- challenge 'N' flags challenge creation name
 *   challenge_reply 'r' challenge digest ->
 *                                     <- challenge_ack 'a' digest
 *
 * Every handshake message carries a 2-byte length. digest =
 * md5(cookie ++ decimal text of the other side's challenge). */
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "distribution/distribution_internal.h"

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* A node name from the wire: name@host, both parts non-empty, no control
 * characters or blanks, at most 255 bytes. */
static int take_name(const uint8_t *p, size_t n, ot__hs_name *out)
{
    if (n == 0 || n > 255)
        return -EBADMSG;
    const uint8_t *at = memchr(p, '@', n);
    if (!at || at == p || at == p + n - 1)
        return -EBADMSG;
    for (size_t i = 0; i < n; i++)
        if (p[i] <= 0x20 || p[i] == 0x7f)
            return -EBADMSG;
    memcpy(out->name, p, n);
    out->name[n] = 0;
    out->name_len = n;
    return 0;
}

int ot__hs_parse_send_name(const uint8_t *p, size_t n, ot__hs_name *out)
{
    memset(out, 0, sizeof *out);
    if (n < 1 + 8 + 4 + 2 || p[0] != 'N')
        return -EBADMSG;
    out->flags = get64(p + 1);
    out->creation = get32(p + 9);
    size_t nlen = (size_t)p[13] << 8 | p[14];
    /* The name may be followed by nothing else. */
    if (15 + nlen != n)
        return -EBADMSG;
    return take_name(p + 15, nlen, out);
}

int ot__hs_parse_challenge(const uint8_t *p, size_t n, ot__hs_name *out)
{
    memset(out, 0, sizeof *out);
    if (n < 1 + 8 + 4 + 4 + 2 || p[0] != 'N')
        return -EBADMSG;
    out->flags = get64(p + 1);
    out->challenge = get32(p + 9);
    out->creation = get32(p + 13);
    size_t nlen = (size_t)p[17] << 8 | p[18];
    if (19 + nlen != n)
        return -EBADMSG;
    return take_name(p + 19, nlen, out);
}

int ot__hs_parse_reply(const uint8_t *p, size_t n, uint32_t *challenge, uint8_t digest[16])
{
    if (n != 1 + 4 + 16 || p[0] != 'r')
        return -EBADMSG;
    *challenge = get32(p + 1);
    memcpy(digest, p + 5, 16);
    return 0;
}

int ot__hs_parse_ack(const uint8_t *p, size_t n, uint8_t digest[16])
{
    if (n != 1 + 16 || p[0] != 'a')
        return -EBADMSG;
    memcpy(digest, p + 1, 16);
    return 0;
}

int ot__hs_parse_status(const uint8_t *p, size_t n, char *out, size_t cap)
{
    if (n < 2 || p[0] != 's' || n - 1 >= cap)
        return -EBADMSG;
    for (size_t i = 1; i < n; i++)
        if (p[i] < 0x20 || p[i] > 0x7e)
            return -EBADMSG;
    memcpy(out, p + 1, n - 1);
    out[n - 1] = 0;
    return 0;
}

void ot__hs_digest(const char *cookie, uint32_t challenge, uint8_t out[16])
{
    char text[256 + 16];
    int n = snprintf(text, sizeof text, "%s%u", cookie, challenge);
    unsigned len = 16;
    if (n < 0 || (size_t)n >= sizeof text || !EVP_Digest(text, (size_t)n, out, &len, EVP_md5(), NULL))
        memset(out, 0, 16); /* cannot match a peer's digest: the handshake fails */
}

uint64_t ot__hs_missing_flags(uint64_t flags)
{
    if (flags & OT__DFLAG_MANDATORY_25_DIGEST)
        return 0;
    return OT__DFLAGS_MANDATORY_25 & ~flags;
}

/* ---------------------------------------------------------------- framing */

int ot__hs_send(int fd, const uint8_t *p, size_t n, int64_t deadline)
{
    uint8_t buf[2 + 512];
    if (n > 512)
        return -EINVAL;
    buf[0] = (uint8_t)(n >> 8);
    buf[1] = (uint8_t)n;
    memcpy(buf + 2, p, n);
    return ot__sock_write_all(fd, buf, n + 2, deadline);
}

int ot__hs_recv(int fd, uint8_t *buf, size_t cap, size_t *len, int64_t deadline)
{
    uint8_t hdr[2];
    int rc = ot__sock_read_exact(fd, hdr, 2, deadline);
    if (rc)
        return rc;
    size_t n = (size_t)hdr[0] << 8 | hdr[1];
    if (n == 0 || n > cap)
        return -EBADMSG;
    rc = ot__sock_read_exact(fd, buf, n, deadline);
    if (rc)
        return rc;
    *len = n;
    return 0;
}

uint32_t ot__hs_new_challenge(void)
{
    uint32_t c = 0;
    if (getrandom(&c, sizeof c, 0) != (ssize_t)sizeof c)
        c = (uint32_t)ot__now_ns() ^ (uint32_t)(uintptr_t)&c;
    return c;
}

size_t ot__hs_put_name(uint8_t *out, bool challenge_msg, uint32_t challenge)
{
    /* 'N' flags:64 [challenge:32] creation:32 nlen:16 name */
    size_t nlen;
    const char *name = ot_atom_text(ot__self_node.name, &nlen);
    uint8_t *p = out;
    *p++ = 'N';
    put64(p, OT__DFLAGS_OURS);
    p += 8;
    if (challenge_msg) {
        put32(p, challenge);
        p += 4;
    }
    put32(p, ot__self_node.creation);
    p += 4;
    *p++ = (uint8_t)(nlen >> 8);
    *p++ = (uint8_t)nlen;
    memcpy(p, name, nlen);
    p += nlen;
    return (size_t)(p - out);
}

/* ---------------------------------------------------------------- initiating */

int ot__handshake_connect(int fd, ot__dnode *d, const char *cookie, int64_t deadline,
                          ot__hs_name *peer)
{
    uint8_t buf[512];
    size_t n = ot__hs_put_name(buf, false, 0);
    int rc = ot__hs_send(fd, buf, n, deadline);
    if (rc)
        return rc;

    /* status */
    rc = ot__hs_recv(fd, buf, sizeof buf, &n, deadline);
    if (rc)
        return rc;
    char status[64];
    if (ot__hs_parse_status(buf, n, status, sizeof status))
        return -EBADMSG;
    if (!strcmp(status, "nok"))
        return -EALREADY; /* a connection from the peer is being set up */
    if (!strcmp(status, "not_allowed"))
        return -EPROTO;
    if (!strcmp(status, "alive")) {
        /* The peer still has a connection from us that we do not: it is
         * stale, and the peer may replace it. */
        rc = ot__hs_send(fd, (const uint8_t *)"strue", 5, deadline);
        if (rc)
            return rc;
    } else if (strcmp(status, "ok") && strcmp(status, "ok_simultaneous")) {
        return -EPROTO;
    }

    /* challenge */
    rc = ot__hs_recv(fd, buf, sizeof buf, &n, deadline);
    if (rc)
        return rc;
    if (ot__hs_parse_challenge(buf, n, peer))
        return -EBADMSG;
    size_t want_len;
    const char *want = ot_atom_text(d->node, &want_len);
    if (peer->name_len != want_len || memcmp(peer->name, want, want_len) != 0) {
        ot__dist_log("connection to %s cancelled: the node there is %s", want, peer->name);
        return -EPROTO;
    }
    uint64_t missing = ot__hs_missing_flags(peer->flags);
    if (missing) {
        ot__dist_log("connection to %s aborted: it lacks capabilities 0x%llx", want,
                     (unsigned long long)missing);
        return -EPROTO;
    }

    /* challenge_reply */
    uint32_t mine = ot__hs_new_challenge();
    uint8_t reply[21];
    reply[0] = 'r';
    put32(reply + 1, mine);
    ot__hs_digest(cookie, peer->challenge, reply + 5);
    rc = ot__hs_send(fd, reply, sizeof reply, deadline);
    if (rc)
        return rc;

    /* challenge_ack: a peer with another cookie closes instead */
    rc = ot__hs_recv(fd, buf, sizeof buf, &n, deadline);
    if (rc == -ECONNRESET) {
        ot__dist_log("connection to %s refused by the peer (cookies differ?)", want);
        return -EACCES;
    }
    if (rc)
        return rc;
    uint8_t got[16], expect[16];
    if (ot__hs_parse_ack(buf, n, got))
        return -EBADMSG;
    ot__hs_digest(cookie, mine, expect);
    if (memcmp(got, expect, 16) != 0) {
        ot__dist_log("connection to %s cancelled: invalid challenge ack (cookies differ)", want);
        return -EACCES;
    }
    return 0;
}
