/* buf.c — the one growable buffer (buf.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"

void ot__buf_init_mem(ot__buf *b, void *mem, size_t cap)
{
    memset(b, 0, sizeof *b);
    b->data = mem;
    b->cap = cap;
    b->borrowed = true;
}

bool ot__buf_grow(ot__buf *b, size_t n)
{
    size_t want = b->len + n + 1;
    if (want <= b->len) {   /* overflow */
        b->failed = true;
        return false;
    }
    size_t cap = b->cap ? b->cap : 64;
    while (cap < want)
        cap = cap * 2 > cap ? cap * 2 : want;
    char *d = b->borrowed ? ot__malloc(cap) : ot__realloc(b->data, cap);
    if (!d) {
        b->failed = true;
        return false;
    }
    if (b->borrowed && b->len)
        memcpy(d, b->data, b->len);
    b->data = d;
    b->cap = cap;
    b->borrowed = false;
    return true;
}

void ot__buf_add(ot__buf *b, const void *p, size_t n)
{
    if (b->failed || !ot__buf_reserve(b, n))
        return;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
}

void ot__buf_puts(ot__buf *b, const char *s)
{
    ot__buf_add(b, s, strlen(s));
}

void ot__buf_putc(ot__buf *b, char c)
{
    ot__buf_add(b, &c, 1);
}

void ot__buf_printf(ot__buf *b, const char *fmt, ...)
{
    if (b->failed)
        return;
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if ((size_t)n < sizeof small) {
        ot__buf_add(b, small, (size_t)n);
        return;
    }
    if (!ot__buf_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

char *ot__buf_take(ot__buf *b, size_t *len)
{
    char *d = NULL;
    if (!b->failed && b->borrowed) {
        d = ot__malloc(b->len + 1);   /* the caller's memory cannot be handed over */
        if (d)
            memcpy(d, b->data, b->len);
    } else if (!b->failed && ot__buf_reserve(b, 0)) {
        d = b->data;
        b->data = NULL;
    }
    if (d) {
        d[b->len] = 0;
        if (len)
            *len = b->len;
    }
    ot__buf_free(b);
    return d;
}

void ot__buf_free(ot__buf *b)
{
    if (!b->borrowed)
        ot__free(b->data);
    memset(b, 0, sizeof *b);
}
