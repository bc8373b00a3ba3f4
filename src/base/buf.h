/* buf.h — otter's one growable buffer, for text and for bytes.
 *
 * A buffer starts empty ({0}) or in caller memory (ot__buf_init_mem), and
 * grows on the heap through ot__malloc/ot__realloc, so that fault
 * injection reaches every buffer. The contents are always followed by one
 * spare byte, which the text appends keep NUL. An append that runs out of
 * memory marks the buffer failed and later appends do nothing, so that a
 * writer of text checks once at the end (ot__buf_take, or `failed`). */
#ifndef OTTER_BASE_BUF_H
#define OTTER_BASE_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ot__buf {
    union {
        char *data;      /* the contents as text */
        uint8_t *bytes;  /* the same, as bytes */
    };
    size_t len, cap;
    bool failed;         /* an append ran out of memory */
    bool borrowed;       /* data is the caller's memory, not to be freed */
} ot__buf;

/* ot__buf_init_mem: b starts empty in the caller's cap bytes at mem, which
 * must outlive b; growing past them moves the contents to the heap. */
void ot__buf_init_mem(ot__buf *b, void *mem, size_t cap);
/* ot__buf_reserve: room for n more bytes (and the spare one) after len.
 * True, or false if memory runs out: then b is as it was, but marked
 * failed. A reserve is tried even on a failed buffer (writers of bytes
 * that retry later do not look at `failed`). */
static inline bool ot__buf_reserve(ot__buf *b, size_t n);
/* ot__buf_grow: ot__buf_reserve's slow path, when the room is not there. */
bool ot__buf_grow(ot__buf *b, size_t n);
/* ot__buf_add: appends n bytes from p and a NUL after them; nothing on a
 * failed buffer, or if memory runs out (which marks it failed). */
void ot__buf_add(ot__buf *b, const void *p, size_t n);
/* ot__buf_puts: appends the NUL-terminated string s, as ot__buf_add. */
void ot__buf_puts(ot__buf *b, const char *s);
/* ot__buf_putc: appends the character c, as ot__buf_add. */
void ot__buf_putc(ot__buf *b, char c);
/* ot__buf_printf: appends printf text, as ot__buf_add; an encoding error
 * of vsnprintf marks the buffer failed. */
void ot__buf_printf(ot__buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* ot__buf_take: the NUL-terminated contents, which the caller frees with
 * ot__free (and their length in *len unless len is NULL), leaving b empty;
 * NULL if b failed or memory runs out, and b is freed. */
char *ot__buf_take(ot__buf *b, size_t *len);
/* ot__buf_free: frees what b allocated and leaves it empty ({0}); the
 * caller's memory of ot__buf_init_mem is forgotten, not freed. */
void ot__buf_free(ot__buf *b);

static inline bool ot__buf_reserve(ot__buf *b, size_t n)
{
    return (b->cap > b->len && b->cap - b->len > n) || ot__buf_grow(b, n);
}

#endif
