/* http_client: libcurl's multi interface driven by socket and timer callbacks, so a service whose only
 * loop is zmq_poll can run many HTTP requests at once (see http_client.h for the loop).
 *
 * Each request is a transfer: one easy handle plus copies of everything the caller passed, so the caller's
 * buffers are free as soon as submit returns. Connections live in the multi handle's cache and are reused
 * by later transfers to the same host (HTTP/1.1 keep-alive, at most max_host_connections per host; extra
 * requests wait in curl's pending queue).
 *
 * Duplicate protection. When a reused connection dies before any response byte, libcurl (multi_done ->
 * Curl_retry_request) quietly reruns the transfer on a new connection. The server may well have received
 * and executed the first copy (it read the request, then closed), so for an order this is a duplicate.
 * Two independent guards stop it:
 *   1. the body is supplied by a read callback whose seek callback answers CANTSEEK, so a rerun that has to
 *      resend body bytes fails with CURLE_SEND_FAIL_REWIND;
 *   2. the pre-request callback (CURLOPT_PREREQFUNCTION, called each time a request is about to be sent on
 *      a connection) refuses a second call for the same transfer, which also covers requests with no body
 *      (a Binance POST with all parameters in the query string).
 * Either way the transfer fails and is reported HTTP_UNKNOWN. The same pre-request callback tells the
 * outcomes apart: a failure before it ever ran sent nothing (HTTP_NOT_SENT); after it, anything may have
 * reached the server (HTTP_UNKNOWN) unless a complete response arrived. */
#include "http_client.h"

#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"

#include <curl/curl.h>

#include <assert.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define HTTP_HEADERS_MAX (64 * 1024) /* bytes of response headers kept per response */

struct _http_transfer_t {
    http_client_t *client;        /* owner */
    CURL *easy;                   /* curl's transfer */
    uint64_t id;                  /* caller-visible id */
    http_done_fn *done;           /* completion callback */
    void *user;                   /* its argument */
    struct curl_slist *headers;   /* request headers (ours + the caller's) */
    char *body;                   /* request body copy, or NULL */
    size_t body_len;              /* bytes of body */
    size_t body_off;              /* bytes handed to curl so far */
    buf_t resp_body;              /* response body, bounded by max_response */
    buf_t resp_headers;           /* final response headers as "name\0value\0" pairs */
    int prereq_calls;             /* times curl was about to send the request on a connection */
    bool allow_resend;            /* caller lets curl rerun it on a fresh connection */
    bool resend_blocked;          /* we refused such a rerun */
    bool too_large;               /* body or headers went past their limit */
    int64_t start_ns;             /* submit time (monotonic) */
    char errbuf[CURL_ERROR_SIZE]; /* curl's detailed reason */
    http_transfer_t *prev;        /* in-flight list */
    http_transfer_t *next;        /* in-flight list */
};

#define HTTP_IDLE_EASY 64 /* easy handles kept for reuse (an easy handle costs several allocations) */

struct _http_client_t {
    CURLM *multi;                 /* the one multi handle */
    http_config_t cfg;            /* limits with defaults applied */
    char *user_agent;             /* owned copy */
    char *ca_file;                /* owned copy or NULL */
    http_pollfd_t *socks;         /* sockets curl wants watched */
    size_t nsocks;                /* entries in use */
    size_t socks_cap;             /* entries allocated */
    bool timer_set;               /* curl asked to be called at timer_ns */
    int64_t timer_ns;             /* deadline (monotonic) */
    http_transfer_t *head;        /* in-flight transfers */
    size_t in_flight;             /* length of that list */
    uint64_t next_id;             /* id of the next request */
    bool in_callback;             /* a completion callback is running */
    CURL *idle[HTTP_IDLE_EASY];   /* finished easy handles, reset, kept for the next requests */
    size_t n_idle;                /* entries in use */
};

const char *http_outcome_name(http_outcome_t outcome)
{
    switch (outcome) {
    case HTTP_OK:
        return "OK";
    case HTTP_NOT_SENT:
        return "NOT_SENT";
    case HTTP_UNKNOWN:
        return "UNKNOWN";
    case HTTP_TOO_LARGE:
        return "TOO_LARGE";
    }
    return "INVALID";
}

/* ---------------------------------------------------------------------------------------------------- */
/* curl callbacks: multi level */

static int s_on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    (void) easy;
    (void) socketp;
    http_client_t *self = userp;
    size_t i = 0;
    while (i < self->nsocks && self->socks[i].fd != fd)
        i++;
    if (what == CURL_POLL_REMOVE) {
        if (i < self->nsocks)
            self->socks[i] = self->socks[--self->nsocks];
        return 0;
    }
    if (i == self->nsocks) {
        if (self->nsocks == self->socks_cap) {
            self->socks_cap = self->socks_cap ? self->socks_cap * 2 : 16;
            self->socks = mem_realloc(self->socks, self->socks_cap * sizeof *self->socks);
        }
        self->nsocks++;
        self->socks[i].fd = fd;
    }
    self->socks[i].events = (short) (((what & CURL_POLL_IN) ? HTTP_POLLIN : 0)
                                     | ((what & CURL_POLL_OUT) ? HTTP_POLLOUT : 0));
    self->socks[i].revents = 0;
    return 0;
}

static int s_on_timer(CURLM *multi, long timeout_ms, void *userp)
{
    (void) multi;
    http_client_t *self = userp;
    if (timeout_ms < 0) {
        self->timer_set = false;
    } else {
        self->timer_set = true;
        self->timer_ns = clock_mono_ns() + (int64_t) timeout_ms * 1000000;
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------------- */
/* curl callbacks: transfer level */

static size_t s_on_body(char *ptr, size_t size, size_t nmemb, void *userp)
{
    http_transfer_t *t = userp;
    size_t n = size * nmemb;
    if (buf_append(&t->resp_body, ptr, n) != 0) {
        t->too_large = true;
        return 0; /* anything but n aborts the transfer */
    }
    return n;
}

static size_t s_on_header(char *ptr, size_t size, size_t nmemb, void *userp)
{
    http_transfer_t *t = userp;
    size_t n = size * nmemb;
    size_t len = n;
    while (len > 0 && (ptr[len - 1] == '\r' || ptr[len - 1] == '\n'))
        len--;
    if (len >= 5 && memcmp(ptr, "HTTP/", 5) == 0) {
        buf_reset(&t->resp_headers); /* a new response (after 1xx): keep only the final one's headers */
        return n;
    }
    const char *colon = memchr(ptr, ':', len);
    if (len == 0 || !colon || ptr[0] == ' ' || ptr[0] == '\t')
        return n; /* blank end line, malformed or folded line: not kept */
    size_t name_len = (size_t) (colon - ptr);
    const char *val = colon + 1;
    const char *end = ptr + len;
    while (val < end && (*val == ' ' || *val == '\t'))
        val++;
    while (end > val && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    size_t before = t->resp_headers.len;
    if (buf_append(&t->resp_headers, ptr, name_len) != 0 || buf_putc(&t->resp_headers, '\0') != 0
        || buf_append(&t->resp_headers, val, (size_t) (end - val)) != 0
        || buf_putc(&t->resp_headers, '\0') != 0) {
        t->resp_headers.len = before;
        t->too_large = true;
        return 0;
    }
    return n;
}

static size_t s_on_read(char *dest, size_t size, size_t nmemb, void *userp)
{
    http_transfer_t *t = userp;
    size_t room = size * nmemb;
    size_t left = t->body_len - t->body_off;
    size_t n = left < room ? left : room;
    if (n)
        memcpy(dest, t->body + t->body_off, n);
    t->body_off += n;
    return n;
}

/* Guard 1: the body can never be rewound, so curl cannot send it a second time. */
static int s_on_seek(void *userp, curl_off_t offset, int origin)
{
    (void) userp;
    (void) offset;
    (void) origin;
    return CURL_SEEKFUNC_CANTSEEK;
}

/* Guard 2: a transfer is sent on a connection at most once. */
static int s_on_prereq(void *userp, char *primary_ip, char *local_ip, int primary_port, int local_port)
{
    (void) primary_ip;
    (void) local_ip;
    (void) primary_port;
    (void) local_port;
    http_transfer_t *t = userp;
    t->prereq_calls++;
    if (t->prereq_calls > 1 && !t->allow_resend) {
        t->resend_blocked = true;
        return CURL_PREREQFUNC_ABORT;
    }
    return CURL_PREREQFUNC_OK;
}

/* ---------------------------------------------------------------------------------------------------- */
/* Lifecycle */

http_client_t *http_client_new(const http_config_t *cfg, err_t *err)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        err_set(err, XR_INTERNAL, "http: curl_global_init failed");
        return NULL;
    }
    http_client_t *self = mem_calloc(1, sizeof *self);
    if (cfg)
        self->cfg = *cfg;
    http_config_t *c = &self->cfg;
    c->max_host_connections = c->max_host_connections > 0 ? c->max_host_connections : 8;
    c->max_total_connections = c->max_total_connections > 0 ? c->max_total_connections : 32;
    c->max_in_flight = c->max_in_flight > 0 ? c->max_in_flight : 1024;
    c->default_timeout_ms = c->default_timeout_ms > 0 ? c->default_timeout_ms : 10000;
    c->connect_timeout_ms = c->connect_timeout_ms > 0 ? c->connect_timeout_ms : 5000;
    c->default_max_response = c->default_max_response > 0 ? c->default_max_response : 4 * 1024 * 1024;
    c->idle_max_s = c->idle_max_s > 0 ? c->idle_max_s : 50;
    self->user_agent = mem_strdup(c->user_agent ? c->user_agent : "xroute/" XR_VERSION);
    self->ca_file = mem_strdup(c->ca_file);
    c->user_agent = self->user_agent;
    c->ca_file = self->ca_file;
    self->next_id = 1;

    self->multi = curl_multi_init();
    if (!self->multi)
        goto fail_multi;
    CURLMcode mc = CURLM_OK;
    mc |= curl_multi_setopt(self->multi, CURLMOPT_SOCKETFUNCTION, s_on_socket);
    mc |= curl_multi_setopt(self->multi, CURLMOPT_SOCKETDATA, self);
    mc |= curl_multi_setopt(self->multi, CURLMOPT_TIMERFUNCTION, s_on_timer);
    mc |= curl_multi_setopt(self->multi, CURLMOPT_TIMERDATA, self);
    mc |= curl_multi_setopt(self->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long) c->max_host_connections);
    mc |= curl_multi_setopt(self->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long) c->max_total_connections);
    mc |= curl_multi_setopt(self->multi, CURLMOPT_MAXCONNECTS, (long) c->max_total_connections);
    mc |= curl_multi_setopt(self->multi, CURLMOPT_PIPELINING, (long) CURLPIPE_NOTHING);
    if (mc != CURLM_OK)
        goto fail_setopt;
    return self;

fail_setopt:
    curl_multi_cleanup(self->multi);
fail_multi:
    mem_free(self->ca_file);
    mem_free(self->user_agent);
    mem_free(self);
    curl_global_cleanup();
    err_set(err, XR_INTERNAL, "http: cannot set up the curl multi handle");
    return NULL;
}

static void s_transfer_free(http_transfer_t *t)
{
    if (t->easy) {
        http_client_t *c = t->client;
        curl_multi_remove_handle(c->multi, t->easy);
        /* A handle is reused with every option set again (curl_easy_reset forgets them all); the connections
         * stay in the multi handle's pool whatever happens to the easy handles. */
        if (c->n_idle < HTTP_IDLE_EASY) {
            curl_easy_reset(t->easy);
            c->idle[c->n_idle++] = t->easy;
        } else {
            curl_easy_cleanup(t->easy);
        }
    }
    curl_slist_free_all(t->headers);
    mem_free(t->body);
    buf_release(&t->resp_body);
    buf_release(&t->resp_headers);
    mem_free(t);
}

static void s_unlink(http_client_t *self, http_transfer_t *t)
{
    if (t->prev)
        t->prev->next = t->next;
    else
        self->head = t->next;
    if (t->next)
        t->next->prev = t->prev;
    t->prev = t->next = NULL;
    self->in_flight--;
}

void http_client_destroy(http_client_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    http_client_t *self = *self_p;
    assert(!self->in_callback);
    while (self->head) {
        http_transfer_t *t = self->head;
        s_unlink(self, t);
        s_transfer_free(t);
    }
    while (self->n_idle)
        curl_easy_cleanup(self->idle[--self->n_idle]);
    curl_multi_cleanup(self->multi);
    mem_free(self->socks);
    mem_free(self->ca_file);
    mem_free(self->user_agent);
    mem_free(self);
    curl_global_cleanup();
    *self_p = NULL;
}

/* ---------------------------------------------------------------------------------------------------- */
/* Submitting */

static int s_validate(const http_client_t *self, const http_request_t *req, const char *method, err_t *err)
{
    if ((int) self->in_flight >= self->cfg.max_in_flight)
        return err_set(err, XR_VENUE_UNAVAILABLE, "http: %d requests already in flight", self->cfg.max_in_flight);
    if (!method[0] || strlen(method) > 16 || strspn(method, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(method))
        return err_set(err, XR_INVALID_REQUEST, "http: bad method");
    if (!req->url || (strncasecmp(req->url, "http://", 7) != 0 && strncasecmp(req->url, "https://", 8) != 0))
        return err_set(err, XR_INVALID_REQUEST, "http: URL must be http:// or https://");
    CURLU *u = curl_url();
    CURLUcode uc = u ? curl_url_set(u, CURLUPART_URL, req->url, 0) : CURLUE_OUT_OF_MEMORY;
    curl_url_cleanup(u);
    if (uc != CURLUE_OK)
        return err_set(err, XR_INVALID_REQUEST, "http: malformed URL (%s)", curl_url_strerror(uc));
    for (const char *const *h = req->headers; h && *h; h++) {
        if (strpbrk(*h, "\r\n") || !strchr(*h, ':') || (*h)[0] == ':')
            return err_set(err, XR_INVALID_REQUEST, "http: bad header line (needs \"Name: value\", no CR/LF)");
    }
    if (req->body_len > 0 && !req->body)
        return err_set(err, XR_INVALID_REQUEST, "http: body_len without body");
    return 0;
}

/* Body-carrying methods always send Content-Length (even 0); others only when given a body. */
static bool s_sends_body(const char *method, const http_request_t *req)
{
    return req->body_len > 0 || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0
           || strcmp(method, "PATCH") == 0;
}

static int s_setup_easy(http_client_t *self, http_transfer_t *t, const http_request_t *req, const char *method)
{
    CURL *e = t->easy;
    long timeout = req->timeout_ms > 0 ? req->timeout_ms : self->cfg.default_timeout_ms;
    long connect_timeout = self->cfg.connect_timeout_ms < timeout ? self->cfg.connect_timeout_ms : timeout;
    size_t max_response = req->max_response > 0 ? req->max_response : self->cfg.default_max_response;
    CURLcode rc = CURLE_OK;
    rc |= curl_easy_setopt(e, CURLOPT_URL, req->url);
    rc |= curl_easy_setopt(e, CURLOPT_PRIVATE, t);
    rc |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
    rc |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    rc |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    rc |= curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    rc |= curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long) CURL_HTTP_VERSION_1_1);
    rc |= curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    rc |= curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    rc |= curl_easy_setopt(e, CURLOPT_MAXAGE_CONN, (long) self->cfg.idle_max_s);
    rc |= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout);
    rc |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout);
    rc |= curl_easy_setopt(e, CURLOPT_USERAGENT, self->user_agent);
    if (self->ca_file)
        rc |= curl_easy_setopt(e, CURLOPT_CAINFO, self->ca_file);
    rc |= curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t) max_response);
    rc |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, s_on_body);
    rc |= curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
    rc |= curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, s_on_header);
    rc |= curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
    rc |= curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, s_on_prereq);
    rc |= curl_easy_setopt(e, CURLOPT_PREREQDATA, t);
    if (s_sends_body(method, req)) {
        rc |= curl_easy_setopt(e, CURLOPT_POST, 1L);
        rc |= curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) t->body_len);
        rc |= curl_easy_setopt(e, CURLOPT_READFUNCTION, s_on_read);
        rc |= curl_easy_setopt(e, CURLOPT_READDATA, t);
        rc |= curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, s_on_seek);
        rc |= curl_easy_setopt(e, CURLOPT_SEEKDATA, t);
        if (strcmp(method, "POST") != 0)
            rc |= curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
        /* No "Expect: 100-continue" round trip (and no second chance to send the body). */
        t->headers = curl_slist_append(t->headers, "Expect:");
    } else if (strcmp(method, "HEAD") == 0) {
        rc |= curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else {
        rc |= curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
        if (strcmp(method, "GET") != 0)
            rc |= curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
    }
    for (const char *const *h = req->headers; h && *h; h++)
        t->headers = curl_slist_append(t->headers, *h);
    if (t->headers)
        rc |= curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
    return rc == CURLE_OK ? 0 : -1;
}

int http_client_submit(http_client_t *self, const http_request_t *req, http_done_fn *done, void *user,
                       uint64_t *id, err_t *err)
{
    assert(self && req && done);
    const char *method = req->method ? req->method : "GET";
    if (s_validate(self, req, method, err) != 0)
        return -1;
    http_transfer_t *t = mem_calloc(1, sizeof *t);
    t->client = self;
    t->done = done;
    t->user = user;
    t->allow_resend = req->allow_resend;
    t->start_ns = clock_mono_ns();
    if (req->body_len > 0) {
        t->body = mem_alloc(req->body_len);
        memcpy(t->body, req->body, req->body_len);
        t->body_len = req->body_len;
    }
    buf_init(&t->resp_body, req->max_response > 0 ? req->max_response : self->cfg.default_max_response);
    buf_init(&t->resp_headers, HTTP_HEADERS_MAX);
    t->easy = self->n_idle ? self->idle[--self->n_idle] : curl_easy_init();
    if (!t->easy)
        goto fail;
    if (s_setup_easy(self, t, req, method) != 0)
        goto fail;
    if (curl_multi_add_handle(self->multi, t->easy) != CURLM_OK)
        goto fail;
    t->id = self->next_id++;
    t->next = self->head;
    if (self->head)
        self->head->prev = t;
    self->head = t;
    self->in_flight++;
    if (id)
        *id = t->id;
    return 0;

fail:
    if (t->easy) {
        curl_easy_cleanup(t->easy);
        t->easy = NULL;
    }
    s_transfer_free(t);
    return err_set(err, XR_INTERNAL, "http: cannot set up the transfer");
}

/* ---------------------------------------------------------------------------------------------------- */
/* Completing */

static http_outcome_t s_classify(const http_transfer_t *t, CURLcode rc, const char **why)
{
    if (t->too_large || rc == CURLE_FILESIZE_EXCEEDED) {
        *why = "response too large";
        return HTTP_TOO_LARGE;
    }
    if (rc == CURLE_OK) {
        *why = "";
        return HTTP_OK;
    }
    if (t->resend_blocked || rc == CURLE_SEND_FAIL_REWIND) {
        *why = "connection closed before any response; not resent (request may have been received)";
        return HTTP_UNKNOWN;
    }
    if (t->prereq_calls == 0) {
        *why = "not sent";
        return HTTP_NOT_SENT;
    }
    *why = "request may have been received";
    return HTTP_UNKNOWN;
}

static void s_complete(http_client_t *self, http_transfer_t *t, CURLcode rc)
{
    long status = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_multi_remove_handle(self->multi, t->easy);
    s_unlink(self, t);

    const char *why = "";
    http_outcome_t outcome = s_classify(t, rc, &why);
    char error[ERR_MSG_MAX] = "";
    if (outcome != HTTP_OK)
        snprintf(error, sizeof error, "%s: %s", why, t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc));
    http_response_t resp = {
        .id = t->id,
        .outcome = outcome,
        .status = (int) status,
        .body = buf_cstr(&t->resp_body),
        .body_len = t->resp_body.len,
        .error = error,
        .elapsed_us = (clock_mono_ns() - t->start_ns) / 1000,
        .xfer_ = t,
    };
    log_debug("http done id=%llu outcome=%s status=%d elapsed_us=%lld", (unsigned long long) t->id,
              http_outcome_name(outcome), resp.status, (long long) resp.elapsed_us);
    self->in_callback = true;
    t->done(&resp, t->user);
    self->in_callback = false;
    s_transfer_free(t);
}

static void s_collect(http_client_t *self)
{
    CURLMsg *msg;
    int left = 0;
    while ((msg = curl_multi_info_read(self->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURLcode rc = msg->data.result;
        char *priv = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
        http_transfer_t *t = (http_transfer_t *) priv;
        assert(t);
        s_complete(self, t, rc);
    }
}

const char *http_response_header(const http_response_t *resp, const char *name)
{
    assert(resp && name);
    const http_transfer_t *t = resp->xfer_;
    if (!t)
        return NULL;
    const char *p = t->resp_headers.data;
    const char *end = p + t->resp_headers.len;
    while (p && p < end) {
        const char *val = p + strlen(p) + 1;
        if (strcasecmp(p, name) == 0)
            return val;
        p = val + strlen(val) + 1;
    }
    return NULL;
}

/* ---------------------------------------------------------------------------------------------------- */
/* Driving */

size_t http_client_fds(const http_client_t *self, http_pollfd_t *fds, size_t cap)
{
    assert(self && (fds || cap == 0));
    for (size_t i = 0; i < self->nsocks && i < cap; i++) {
        fds[i] = self->socks[i];
        fds[i].revents = 0;
    }
    return self->nsocks;
}

int http_client_timeout_ms(const http_client_t *self)
{
    assert(self);
    if (!self->timer_set)
        return -1;
    int64_t left_ns = self->timer_ns - clock_mono_ns();
    if (left_ns <= 0)
        return 0;
    int64_t ms = (left_ns + 999999) / 1000000;
    return ms > 1000000 ? 1000000 : (int) ms;
}

void http_client_perform(http_client_t *self, const http_pollfd_t *fds, size_t n)
{
    assert(self && (fds || n == 0));
    assert(!self->in_callback);
    int running = 0;
    for (size_t i = 0; i < n; i++) {
        short ev = fds[i].revents;
        if (!ev)
            continue;
        int mask = ((ev & HTTP_POLLIN) ? CURL_CSELECT_IN : 0) | ((ev & HTTP_POLLOUT) ? CURL_CSELECT_OUT : 0)
                   | ((ev & HTTP_POLLERR) ? CURL_CSELECT_ERR : 0);
        curl_multi_socket_action(self->multi, fds[i].fd, mask, &running);
    }
    if (self->timer_set && clock_mono_ns() >= self->timer_ns) {
        self->timer_set = false;
        curl_multi_socket_action(self->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    }
    s_collect(self);
}

size_t http_client_in_flight(const http_client_t *self)
{
    assert(self);
    return self->in_flight;
}

int http_client_run_until_idle(http_client_t *self, int timeout_ms)
{
    assert(self);
    int64_t deadline = clock_mono_ms() + timeout_ms;
    http_pollfd_t *fds = NULL;
    struct pollfd *pfds = NULL;
    size_t cap = 0;
    int rc = 0;
    while (self->in_flight > 0) {
        int64_t left = deadline - clock_mono_ms();
        if (left <= 0) {
            rc = -1;
            break;
        }
        size_t n = http_client_fds(self, fds, cap);
        if (n > cap) {
            cap = n * 2;
            fds = mem_realloc(fds, cap * sizeof *fds);
            pfds = mem_realloc(pfds, cap * sizeof *pfds);
            n = http_client_fds(self, fds, cap);
        }
        for (size_t i = 0; i < n; i++) {
            pfds[i].fd = fds[i].fd;
            pfds[i].events = (short) (((fds[i].events & HTTP_POLLIN) ? POLLIN : 0)
                                      | ((fds[i].events & HTTP_POLLOUT) ? POLLOUT : 0));
            pfds[i].revents = 0;
        }
        int wait = http_client_timeout_ms(self);
        if (wait < 0 || wait > left)
            wait = (int) left;
        if (poll(pfds, n, wait) > 0) {
            for (size_t i = 0; i < n; i++) {
                short r = pfds[i].revents;
                fds[i].revents = (short) (((r & (POLLIN | POLLHUP)) ? HTTP_POLLIN : 0)
                                          | ((r & POLLOUT) ? HTTP_POLLOUT : 0)
                                          | ((r & (POLLERR | POLLHUP | POLLNVAL)) ? HTTP_POLLERR : 0));
            }
        }
        http_client_perform(self, fds, n);
    }
    mem_free(pfds);
    mem_free(fds);
    return rc;
}
