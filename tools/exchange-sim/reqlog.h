/* reqlog: the last N raw requests of one venue, for GET /admin/requests. Secrets never enter it: values of the
 * dialect's secret headers (API key, signature headers) and secret parameters (in the query and in form
 * bodies, "signature") are replaced by "<redacted>" while copying. Each entry holds at most
 * SIM_REQLOG_TEXT bytes of path, query, headers and body together; longer parts are cut (truncated = true). */
#ifndef XR_SIM_REQLOG_H
#define XR_SIM_REQLOG_H

#include "dialect.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_REQLOG_TEXT 8192 /* bytes of text per entry */

typedef struct {
    int64_t time_ms;        /* when the request completed */
    int status;             /* HTTP status sent; 0 when no reply was sent (drop, timeout, lose_reply) */
    char method[12];        /* method */
    const char *path;       /* path (in text) */
    const char *query;      /* query, redacted (in text) */
    const char *headers;    /* "Name: value\n" lines, redacted (in text) */
    const char *body;       /* body, redacted when form-encoded (in text) */
    const char *fault;      /* fault kind applied ("none" normally) */
    bool truncated;         /* some text was cut */
    char text[SIM_REQLOG_TEXT]; /* storage of the four strings */
} sim_reqlog_entry_t;

typedef struct _sim_reqlog_t sim_reqlog_t;

/* A log that keeps the last `keep` (1..4096) requests. Caller destroys it. */
sim_reqlog_t *sim_reqlog_new(size_t keep);

/* Frees the log; *self_p becomes NULL. NULL is fine. */
void sim_reqlog_destroy(sim_reqlog_t **self_p);

/* Records one request, redacting with d's secret lists (d may be NULL: nothing redacted). */
void sim_reqlog_add(sim_reqlog_t *self, const sim_http_req_t *req, const sim_dialect_t *d, int status,
                    sim_fault_kind_t fault);

/* Forgets every entry. */
void sim_reqlog_clear(sim_reqlog_t *self);

/* Calls fn for the last `limit` entries (0: all kept), oldest first, until fn returns non-zero. Returns the
 * number visited. */
size_t sim_reqlog_each(const sim_reqlog_t *self, size_t limit, int (*fn)(const sim_reqlog_entry_t *e, void *ctx),
                       void *ctx);

/* Requests recorded since start or clear (including those no longer kept). */
uint64_t sim_reqlog_total(const sim_reqlog_t *self);

#endif
