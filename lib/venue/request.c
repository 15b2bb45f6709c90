/* request: building a venue request's parameters with the exact encoding that is then signed and sent. */
#include "request.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

void venue_req_init(venue_req_t *r)
{
    memset(r, 0, sizeof *r);
    buf_init(&r->query, VENUE_REQ_PARAMS_MAX);
    buf_init(&r->body, VENUE_REQ_PARAMS_MAX);
}

void venue_req_reset(venue_req_t *r, venue_method_t method, const char *path)
{
    buf_t q = r->query, b = r->body;
    buf_reset(&q);
    buf_reset(&b);
    memset(r, 0, sizeof *r);
    r->query = q;
    r->body = b;
    r->method = method;
    r->weight = 1;
    if (snprintf(r->path, sizeof r->path, "%s", path) >= (int) sizeof r->path)
        r->overflow = true;
}

void venue_req_release(venue_req_t *r)
{
    buf_release(&r->query);
    buf_release(&r->body);
}

int venue_pct_encode(buf_t *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
        unsigned char c = *p;
        bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                     c == '_' || c == '.' || c == '~';
        char enc[3] = {'%', hex[c >> 4], hex[c & 15]};
        if (plain ? buf_putc(out, (char) c) < 0 : buf_append(out, enc, 3) < 0)
            return -1;
    }
    return 0;
}

static void s_param(venue_req_t *r, buf_t *b, const char *key, const char *value)
{
    if ((b->len && buf_putc(b, '&') < 0) || venue_pct_encode(b, key) < 0 || buf_putc(b, '=') < 0 ||
        venue_pct_encode(b, value) < 0)
        r->overflow = true;
}

void venue_req_param(venue_req_t *r, const char *key, const char *value)
{
    s_param(r, &r->query, key, value);
}

void venue_req_body_param(venue_req_t *r, const char *key, const char *value)
{
    s_param(r, &r->body, key, value);
}

void venue_req_param_int(venue_req_t *r, const char *key, int64_t value)
{
    char t[24];
    snprintf(t, sizeof t, "%lld", (long long) value);
    venue_req_param(r, key, t);
}

void venue_req_param_decimal(venue_req_t *r, const char *key, decimal_t value)
{
    char t[DECIMAL_STR_MAX];
    if (decimal_format(value, t, sizeof t) == 0)
        r->overflow = true;
    venue_req_param(r, key, t);
}

void venue_req_header(venue_req_t *r, const char *name, const char *value)
{
    if (r->n_headers == VENUE_REQ_HEADERS_MAX) {
        r->overflow = true;
        return;
    }
    char *h = r->headers[r->n_headers];
    if (snprintf(h, VENUE_REQ_HEADER_LEN, "%s: %s", name, value) >= VENUE_REQ_HEADER_LEN) {
        h[0] = '\0';
        r->overflow = true;
        return;
    }
    r->n_headers++;
}

const char *venue_method_name(venue_method_t m)
{
    static const char *const names[] = {"GET", "POST", "PUT", "DELETE"};
    assert(m <= VENUE_DELETE);
    return names[m];
}
