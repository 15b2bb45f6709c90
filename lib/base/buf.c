/* buf: bounded growable buffer. */
#include "buf.h"

#include "mem.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

void buf_init(buf_t *b, size_t max)
{
    assert(b);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

static int s_reserve(buf_t *b, size_t n)
{
    if (n > b->max - b->len)
        return -1;
    size_t need = b->len + n + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    b->data = mem_realloc(b->data, cap);
    b->cap = cap;
    return 0;
}

int buf_append(buf_t *b, const void *data, size_t n)
{
    assert(b);
    if (s_reserve(b, n) != 0)
        return -1;
    if (n)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int buf_puts(buf_t *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

int buf_putc(buf_t *b, char c)
{
    return buf_append(b, &c, 1);
}

int buf_printf(buf_t *b, const char *fmt, ...)
{
    assert(b);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || s_reserve(b, (size_t) n) != 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t) n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t) n;
    return 0;
}

void buf_reset(buf_t *b)
{
    assert(b);
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

const char *buf_cstr(const buf_t *b)
{
    return b->data ? b->data : "";
}

void buf_release(buf_t *b)
{
    assert(b);
    mem_free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}
