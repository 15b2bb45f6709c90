/* buf: a growable byte buffer with a hard maximum (STYLE rule 13, after curl's dynbuf). Appending past the
 * maximum fails cleanly and leaves the buffer as it was. The data is always NUL-terminated, so text built
 * here can be used as a C string. A plain value type: embed it, buf_init it, buf_release it. */
#ifndef XR_BASE_BUF_H
#define XR_BASE_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct {
    char *data;  /* bytes, NUL-terminated at data[len]; NULL until the first append */
    size_t len;  /* bytes in use, not counting the NUL */
    size_t cap;  /* bytes allocated */
    size_t max;  /* hard limit on len */
} buf_t;

/* Prepares an empty buffer that may hold at most max bytes. Allocates nothing. */
void buf_init(buf_t *b, size_t max);

/* Appends n bytes. Returns 0, or -1 (buffer unchanged) if len would exceed max. */
int buf_append(buf_t *b, const void *data, size_t n);

/* Appends a NUL-terminated string / one byte / printf-style text. Same return as buf_append. */
int buf_puts(buf_t *b, const char *s);
int buf_putc(buf_t *b, char c);
int buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Empties the buffer, keeping its memory. */
void buf_reset(buf_t *b);

/* Text of the buffer; "" when empty. Borrowed: valid until the next append or release. */
const char *buf_cstr(const buf_t *b);

/* Frees the memory; the buffer is empty and reusable afterwards. */
void buf_release(buf_t *b);

#endif
