/* strbuf.c — a growable text buffer for the printer and JSON writer. */
#include <stdarg.h>
#include <stdio.h>

#include "term/term_internal.h"

static bool grow(ot__strbuf *sb, size_t need)
{
    if (sb->failed)
        return false;
    if (sb->len + need + 1 <= sb->cap)
        return true;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < sb->len + need + 1)
        cap *= 2;
    char *d = ot__realloc(sb->data, cap);
    if (!d) {
        sb->failed = true;
        return false;
    }
    sb->data = d;
    sb->cap = cap;
    return true;
}

void ot__sb_put(ot__strbuf *sb, const char *s, size_t n)
{
    if (!grow(sb, n))
        return;
    memcpy(sb->data + sb->len, s, n);
    sb->len += n;
    sb->data[sb->len] = 0;
}

void ot__sb_puts(ot__strbuf *sb, const char *s)
{
    ot__sb_put(sb, s, strlen(s));
}

void ot__sb_putc(ot__strbuf *sb, char c)
{
    if (!grow(sb, 1))
        return;
    sb->data[sb->len++] = c;
    sb->data[sb->len] = 0;
}

void ot__sb_printf(ot__strbuf *sb, const char *fmt, ...)
{
    char small[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        sb->failed = true;
        return;
    }
    if ((size_t)n < sizeof small) {
        ot__sb_put(sb, small, (size_t)n);
        return;
    }
    if (!grow(sb, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

char *ot__sb_take(ot__strbuf *sb, size_t *len)
{
    if (sb->failed || !grow(sb, 0)) {
        ot__sb_free(sb);
        return NULL;
    }
    char *d = sb->data;
    d[sb->len] = 0;
    if (len)
        *len = sb->len;
    sb->data = NULL;
    sb->len = sb->cap = 0;
    return d;
}

void ot__sb_free(ot__strbuf *sb)
{
    ot__free(sb->data);
    sb->data = NULL;
    sb->len = sb->cap = 0;
    sb->failed = false;
}
