/* dialect: helpers every dialect uses to read a request and build a response (see dialect.h). */
#include "dialect.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *sim_req_header(const sim_http_req_t *req, const char *name)
{
    assert(req);
    for (size_t i = 0; i < req->header_count; i++)
        if (strcasecmp(req->headers[i].name, name) == 0)
            return req->headers[i].value;
    return NULL;
}

void sim_resp_begin(sim_http_resp_t *resp, int status)
{
    assert(resp);
    resp->status = status;
    resp->content_type = "application/json";
    resp->header_count = 0;
    resp->retry_after_s = 0;
    buf_reset(&resp->body);
}

int sim_resp_header(sim_http_resp_t *resp, const char *name, const char *fmt, ...)
{
    assert(resp);
    if (resp->header_count >= SIM_MAX_RESP_HEADERS || strlen(name) >= sizeof resp->headers[0].name)
        return -1;
    size_t i = resp->header_count++;
    memcpy(resp->headers[i].name, name, strlen(name) + 1);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(resp->headers[i].value, sizeof resp->headers[i].value, fmt, ap);
    va_end(ap);
    return 0;
}

bool sim_req_path_is(const sim_http_req_t *req, const char *s)
{
    size_t n = strlen(s);
    return req->path_len == n && memcmp(req->path, s, n) == 0;
}
