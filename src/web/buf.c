/* buf.c — the dashboard's growing byte buffer (ow_buf, web_internal.h):
 * appends of bytes, strings and printf text; a failed allocation marks the
 * buffer failed and later appends do nothing, so a caller checks once at
 * the end. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "web/web_internal.h"

static void buf_reserve(ow_buf *b, size_t extra)
{
    if (b->failed || b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *d = ot__realloc(b->data, cap);
    if (!d) {
        b->failed = true;
        return;
    }
    b->data = d;
    b->cap = cap;
}

void ow_buf_add(ow_buf *b, const void *p, size_t n)
{
    buf_reserve(b, n);
    if (b->failed)
        return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
}

void ow_buf_str(ow_buf *b, const char *s)
{
    ow_buf_add(b, s, strlen(s));
}

void ow_buf_printf(ow_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if ((size_t)n < sizeof small) {
        ow_buf_add(b, small, (size_t)n);
        return;
    }
    buf_reserve(b, (size_t)n);
    if (b->failed)
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void ow_buf_free(ow_buf *b)
{
    ot__free(b->data);
    memset(b, 0, sizeof *b);
}
