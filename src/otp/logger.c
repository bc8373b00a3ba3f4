/* logger.c — otter_logger, the process of otter's application that writes
 * log events on stderr, one line each ("[level] text"), and the calls
 * that send it events: ot_log (include/otter/application.h) and the
 * layers' ot__log_report (otp_internal.h). Without a logger ot_log writes
 * the line itself. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "otp/otp_internal.h"
#include "term/term_internal.h"


static void write_line(ot_term level, ot_term text)
{
    char buf[4096];
    size_t n = 0;
    const char *lv = ot_is_atom(level) ? ot_atom_text(level, NULL) : "log";
    n = (size_t)snprintf(buf, sizeof buf, "[%s] ", lv);
    size_t len;
    const uint8_t *bytes = ot_binary_data(text, &len);
    if (bytes && ot_is_binary(text)) {
        if (len > sizeof buf - n - 2)
            len = sizeof buf - n - 2;
        memcpy(buf + n, bytes, len);
        n += len;
    } else {
        ot_print_opts o = {.syntax = OT_SYNTAX_ERLANG, .limit = 50};
        ssize_t w = ot_print(buf + n, sizeof buf - n - 1, text, &o);
        n = w < 0 ? n : n + (size_t)w < sizeof buf - 2 ? n + (size_t)w : sizeof buf - 2;
    }
    buf[n++] = '\n';
    ssize_t rc = write(STDERR_FILENO, buf, n);
    (void)rc;
}

static void logger_main(void *arg)
{
    (void)arg;
    for (;;) {
        ot_msg *m = ot_receive(OT_NONE, OT_INFINITY, NULL);
        ot_term t = ot_msg_term(m);
        ot_term from;
        if (ot_tuple_arity(t) == 3 && ot_tuple_get(t, 0) == OT__ATOM(LOG))
            write_line(ot_tuple_get(t, 1), ot_tuple_get(t, 2));
        else if (ot_call_parse(t, &from, NULL))
            ot_reply(from, OT_ATOM(OK)); /* a sync: everything before it is written */
        ot_msg_free(m);
    }
}

ot_term ot__logger_start(ot_heap *h, ot_term arg, void *data)
{
    (void)h;
    (void)arg;
    (void)data;
    ot_spawn_opts o = {.link = true, .name = OT__ATOM(OTTER_LOGGER), .initial_call = "otter_logger:init/1"};
    return ot_spawn_opt(logger_main, NULL, &o);
}

static int send_log(ot_term level, const char *text, size_t len)
{
    ot_heap *h = ot_heap_new();
    if (!h)
        return -ENOMEM;
    ot_term msg = ot_tuple(h, 3, OT__ATOM(LOG), level, ot_binary(h, text, len));
    int rc = msg == OT_NONE ? -ENOMEM : ot_send(OT__ATOM(OTTER_LOGGER), msg);
    ot_heap_free(h);
    return rc;
}

void ot__log_report(ot_term level, const char *fmt, ...)
{
    if (ot_whereis(OT__ATOM(OTTER_LOGGER)) == OT_NONE)
        return;
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    send_log(level, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

int ot_log(ot_term level, const char *text)
{
    if (!ot_is_atom(level) || !text)
        return -EINVAL;
    if (send_log(level, text, strlen(text)) == 0)
        return 0;
    uint64_t mem[64];
    ot_heap local;
    ot__heap_init_fixed(&local, mem, 64);
    ot_term t = ot_binary(&local, text, strlen(text) < 256 ? strlen(text) : 256);
    write_line(level, t);
    ot__heap_release_fixed(&local);
    return 0;
}
