/* reqlog: a ring of fixed-size entries (see reqlog.h); copying is bounded and redacts on the way in. */
#include "reqlog.h"

#include "base/mem.h"

#include <assert.h>
#include <string.h>
#include <strings.h>

struct _sim_reqlog_t {
    sim_reqlog_entry_t *ring; /* keep entries */
    size_t keep;              /* ring size */
    uint64_t total;           /* entries ever added; the newest is at (total - 1) % keep */
};

sim_reqlog_t *sim_reqlog_new(size_t keep)
{
    if (keep < 1)
        keep = 1;
    if (keep > 4096)
        keep = 4096;
    sim_reqlog_t *self = mem_calloc(1, sizeof *self);
    self->ring = mem_calloc(keep, sizeof self->ring[0]);
    self->keep = keep;
    return self;
}

void sim_reqlog_destroy(sim_reqlog_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    mem_free((*self_p)->ring);
    mem_free(*self_p);
    *self_p = NULL;
}

typedef struct {
    char *p;        /* write position */
    char *end;      /* end of text */
    bool cut;       /* something did not fit */
} s_out_t;

static void s_put_raw(s_out_t *o, const char *s, size_t n);

/* Appends bytes; those outside printable ASCII become %XX, so the admin JSON stays valid whatever was sent. */
static void s_put(s_out_t *o, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 0x20 && ch <= 0x7e)
            continue;
        s_put_raw(o, s + start, i - start);
        char esc[3] = {'%', hex[ch >> 4], hex[ch & 15]};
        s_put_raw(o, esc, 3);
        start = i + 1;
    }
    s_put_raw(o, s + start, n - start);
}

static void s_put_raw(s_out_t *o, const char *s, size_t n)
{
    size_t room = (size_t)(o->end - o->p);
    if (room <= 1) {
        o->cut = o->cut || n > 0;
        return;
    }
    if (n > room - 1) {
        n = room - 1;
        o->cut = true;
    }
    memcpy(o->p, s, n);
    o->p += n;
}

/* Ends the string that began at start; a string that found no room at all is the final NUL byte. */
static const char *s_finish(s_out_t *o, const char *start)
{
    if (o->p < o->end) {
        *o->p++ = '\0';
        return start;
    }
    o->end[-1] = '\0';
    return start < o->end ? start : o->end - 1;
}

static bool s_in_list(const char *const *list, const char *name, size_t n)
{
    for (; list && *list; list++)
        if (strlen(*list) == n && strncasecmp(*list, name, n) == 0)
            return true;
    return false;
}

/* Copies form text pair by pair, replacing values of secret names. */
static void s_put_form(s_out_t *o, const char *text, size_t len, const char *const *secret)
{
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && text[i] != '&')
            continue;
        const char *pair = text + start;
        size_t plen = i - start;
        const char *eq = memchr(pair, '=', plen);
        if (eq && s_in_list(secret, pair, (size_t)(eq - pair))) {
            s_put(o, pair, (size_t)(eq - pair) + 1);
            s_put_raw(o, "<redacted>", 10);
        } else {
            s_put(o, pair, plen);
        }
        if (i < len)
            s_put(o, "&", 1);
        start = i + 1;
    }
}

void sim_reqlog_add(sim_reqlog_t *self, const sim_http_req_t *req, const sim_dialect_t *d, int status,
                    sim_fault_kind_t fault)
{
    assert(self && req);
    sim_reqlog_entry_t *e = &self->ring[self->total % self->keep];
    self->total++;
    e->time_ms = req->now_ms;
    e->status = status;
    e->fault = sim_fault_kind_name(fault);
    size_t ml = strlen(req->method);
    if (ml >= sizeof e->method)
        ml = sizeof e->method - 1;
    memcpy(e->method, req->method, ml);
    e->method[ml] = '\0';
    s_out_t o = {.p = e->text, .end = e->text + sizeof e->text};
    const char *const *sh = d ? d->secret_headers : NULL;
    const char *const *sp = d ? d->secret_params : NULL;
    char *path = o.p;
    s_put(&o, req->path, req->path_len > 1024 ? 1024 : req->path_len);
    e->path = s_finish(&o, path);
    char *query = o.p;
    s_put_form(&o, req->query, req->query_len, sp);
    e->query = s_finish(&o, query);
    char *headers = o.p;
    for (size_t i = 0; i < req->header_count; i++) {
        const sim_header_t *h = &req->headers[i];
        s_put(&o, h->name, strlen(h->name));
        s_put_raw(&o, ": ", 2);
        if (s_in_list(sh, h->name, strlen(h->name)))
            s_put_raw(&o, "<redacted>", 10);
        else
            s_put(&o, h->value, strlen(h->value));
        s_put_raw(&o, "\n", 1);
    }
    e->headers = s_finish(&o, headers);
    char *body = o.p;
    /* JSON bodies carry no secret parameters on these venues (signatures travel in headers) */
    if (req->body_len && req->body[0] != '{' && req->body[0] != '[')
        s_put_form(&o, req->body, req->body_len, sp);
    else
        s_put(&o, req->body, req->body_len);
    e->body = s_finish(&o, body);
    e->truncated = o.cut;
}

void sim_reqlog_clear(sim_reqlog_t *self)
{
    self->total = 0;
}

size_t sim_reqlog_each(const sim_reqlog_t *self, size_t limit, int (*fn)(const sim_reqlog_entry_t *e, void *ctx),
                       void *ctx)
{
    size_t have = self->total < self->keep ? (size_t)self->total : self->keep;
    if (limit == 0 || limit > have)
        limit = have;
    size_t n = 0;
    for (uint64_t i = self->total - limit; i < self->total; i++) {
        n++;
        if (fn(&self->ring[i % self->keep], ctx))
            break;
    }
    return n;
}

uint64_t sim_reqlog_total(const sim_reqlog_t *self)
{
    return self->total;
}
