/* server: libmicrohttpd listeners in external-epoll mode driven from one loop (see server.h).
 *
 * Per request, MHD calls the access handler several times: once when the headers are in (we only note it),
 * once per body chunk (appended to a bounded buffer; past SIM_MAX_BODY the rest is discarded and the request
 * is flagged), and once more when the request is complete, where we build a sim_http_req_t from the raw URI
 * (captured by the URI log callback before MHD decodes anything), the headers and the body, apply a fault if
 * one matches, and let the dialect (or the admin handler) answer. A delayed reply (latency fault) suspends the
 * connection with the response already built; the loop resumes it when due and MHD calls the handler again,
 * which queues it. A "timeout" fault suspends it without a response and drops it after SIM_TIMEOUT_HOLD_MS.
 * Request contexts are recycled through a free list so a busy keep-alive connection allocates nothing. */
#include "server.h"

#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define SIM_TIMEOUT_HOLD_MS (10 * 60 * 1000) /* a "timeout" fault holds the connection this long, then drops it */
#define SIM_MAX_URI 16384                    /* longer request targets are refused by the handler (414) */

typedef enum {
    PH_NEW = 0,      /* headers seen, waiting for body or completion */
    PH_BODY,         /* receiving the body */
    PH_DELAYED,      /* suspended with a built response, waiting for its time */
    PH_HELD,         /* suspended without a response (timeout fault), to be dropped */
    PH_DONE          /* answered (or dropped) */
} s_phase_t;

typedef struct s_creq s_creq_t;
typedef struct s_listener s_listener_t;

struct s_creq {
    s_listener_t *l;                /* listener the request arrived on */
    struct MHD_Connection *conn;    /* its connection */
    buf_t uri;                      /* raw request target as sent */
    buf_t body;                     /* body, at most SIM_MAX_BODY */
    bool too_large;                 /* body exceeded the cap */
    s_phase_t phase;                /* progress */
    struct MHD_Response *pending;   /* response to send when resumed (PH_DELAYED) */
    unsigned pending_status;        /* its status */
    int64_t due_ms;                 /* when to resume */
    s_creq_t *next;                 /* free list or suspended list */
};

struct s_listener {
    sim_server_t *srv;              /* owner */
    const sim_dialect_t *dialect;   /* NULL for the admin listener */
    void *state;                    /* dialect private state */
    sim_reqlog_t *log;              /* requests of this venue (NULL for admin) */
    struct MHD_Daemon *daemon;      /* MHD daemon once started */
    uint16_t port;                  /* bound port */
    bool initialised;               /* dialect init ran (fini is due) */
};

struct _sim_server_t {
    sim_engine_t *engine;                      /* borrowed */
    sim_faults_t *faults;                      /* borrowed */
    sim_server_config_t cfg;                   /* config (bind copied) */
    char bind[64];                             /* listen address */
    s_listener_t admin;                        /* admin listener */
    s_listener_t venues[SIM_VENUE_COUNT];      /* venue listeners (dialect NULL when absent) */
    int epfd;                                  /* our epoll instance */
    s_creq_t *free_list;                       /* recycled request contexts */
    s_creq_t *suspended;                       /* delayed and held requests */
    sim_http_resp_t resp;                      /* response under construction (reused) */
    sim_header_t headers[SIM_MAX_REQ_HEADERS]; /* headers of the request being handled */
    size_t n_headers;                          /* used */
};

/* ---- request contexts ---- */

static s_creq_t *s_creq_get(sim_server_t *self)
{
    s_creq_t *r = self->free_list;
    if (r) {
        self->free_list = r->next;
    } else {
        r = mem_calloc(1, sizeof *r);
        buf_init(&r->uri, SIM_MAX_URI);
        buf_init(&r->body, SIM_MAX_BODY);
    }
    buf_reset(&r->uri);
    buf_reset(&r->body);
    r->too_large = false;
    r->phase = PH_NEW;
    r->pending = NULL;
    r->next = NULL;
    r->conn = NULL;
    r->l = NULL;
    return r;
}

static void s_creq_put(sim_server_t *self, s_creq_t *r)
{
    if (r->pending) {
        MHD_destroy_response(r->pending);
        r->pending = NULL;
    }
    /* keep big buffers from pinning memory forever */
    if (r->body.cap > 16384)
        buf_release(&r->body);
    r->next = self->free_list;
    self->free_list = r;
}

static void s_suspend(sim_server_t *self, s_creq_t *r, int64_t due_ms)
{
    r->due_ms = due_ms;
    MHD_suspend_connection(r->conn);
    r->next = self->suspended;
    self->suspended = r;
}

/* ---- MHD callbacks ---- */

static void *s_uri_log(void *cls, const char *uri, struct MHD_Connection *conn)
{
    s_listener_t *l = cls;
    s_creq_t *r = s_creq_get(l->srv);
    r->l = l;
    r->conn = conn;
    if (buf_puts(&r->uri, uri ? uri : "/") != 0)
        buf_puts(&r->uri, "\x01"); /* marks an over-long target; answered 414 */
    return r;
}

static void s_completed(void *cls, struct MHD_Connection *conn, void **req_cls, enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    (void)toe;
    s_listener_t *l = cls;
    s_creq_t *r = *req_cls;
    if (!r)
        return;
    /* a suspended request is never completed before it is resumed, so it is not on the suspended list here */
    s_creq_put(l->srv, r);
    *req_cls = NULL;
}

static enum MHD_Result s_header_it(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    sim_server_t *self = cls;
    if (self->n_headers >= SIM_MAX_REQ_HEADERS)
        return MHD_NO;
    self->headers[self->n_headers].name = key;
    self->headers[self->n_headers].value = value ? value : "";
    self->n_headers++;
    return MHD_YES;
}

static void s_peer(struct MHD_Connection *conn, char *out, size_t cap)
{
    assert(cap >= INET6_ADDRSTRLEN);
    memcpy(out, "?", 2);
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET) {
        /* dotted quad by hand: inet_ntop formats with sprintf, a visible cost at one call per request */
        const uint8_t *b = (const uint8_t *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
        char *p = out;
        for (int i = 0; i < 4; i++) {
            if (b[i] >= 100)
                *p++ = (char)('0' + b[i] / 100);
            if (b[i] >= 10)
                *p++ = (char)('0' + b[i] / 10 % 10);
            *p++ = (char)('0' + b[i] % 10);
            *p++ = i < 3 ? '.' : '\0';
        }
    } else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out, (socklen_t)cap);
}

static struct MHD_Response *s_build(sim_server_t *self)
{
    sim_http_resp_t *rs = &self->resp;
    struct MHD_Response *mr = MHD_create_response_from_buffer(rs->body.len, rs->body.len ? rs->body.data : (void *)"",
                                                              MHD_RESPMEM_MUST_COPY);
    if (!mr)
        return NULL;
    MHD_add_response_header(mr, "Content-Type", rs->content_type ? rs->content_type : "application/json");
    for (size_t i = 0; i < rs->header_count; i++)
        MHD_add_response_header(mr, rs->headers[i].name, rs->headers[i].value);
    return mr;
}

static enum MHD_Result s_send(sim_server_t *self, struct MHD_Connection *conn)
{
    struct MHD_Response *mr = s_build(self);
    if (!mr)
        return MHD_NO;
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)self->resp.status, mr);
    MHD_destroy_response(mr);
    return ret;
}

/* Builds the dialect's view of a complete request. The path must be NUL-terminated for dialects, so the URI
 * buffer is cut in place at the '?'. peer (64 bytes) receives the client address. */
static void s_make_req(sim_server_t *self, s_creq_t *r, const char *method, char *peer, sim_http_req_t *req)
{
    s_peer(r->conn, peer, 64);
    self->n_headers = 0;
    MHD_get_connection_values(r->conn, MHD_HEADER_KIND, s_header_it, self);
    char *uri = r->uri.data ? r->uri.data : (char *)"";
    const char *q = strchr(uri, '?');
    size_t path_len = q ? (size_t)(q - uri) : r->uri.len;
    const char *query = "";
    size_t query_len = 0;
    if (q) {
        uri[path_len] = '\0';
        query = uri + path_len + 1;
        query_len = r->uri.len - path_len - 1;
    }
    *req = (sim_http_req_t){
        .method = method, .path = uri, .path_len = path_len, .query = query, .query_len = query_len,
        .headers = self->headers, .header_count = self->n_headers, .body = r->body.data ? r->body.data : "",
        .body_len = r->body.len, .body_too_large = r->too_large, .peer = peer, .now_ms = clock_wall_ms()};
}

/* Faults that stop the request before the dialect sees it (drop, timeout, http5xx, ratelimit). Returns true
 * and sets *ret when the fault took over. */
static bool s_fault_before(s_listener_t *l, s_creq_t *r, const sim_http_req_t *req, sim_fault_kind_t fault,
                           enum MHD_Result *ret)
{
    sim_server_t *self = l->srv;
    sim_http_resp_t *rs = &self->resp;
    switch (fault) {
    case SIM_FAULT_DROP:
        sim_reqlog_add(l->log, req, l->dialect, 0, fault);
        log_info("fault venue=%s path=%s kind=drop", l->dialect->name, req->path);
        *ret = MHD_NO;
        return true;
    case SIM_FAULT_TIMEOUT:
        sim_reqlog_add(l->log, req, l->dialect, 0, fault);
        log_info("fault venue=%s path=%s kind=timeout", l->dialect->name, req->path);
        r->phase = PH_HELD;
        s_suspend(self, r, req->now_ms + SIM_TIMEOUT_HOLD_MS);
        *ret = MHD_YES;
        return true;
    case SIM_FAULT_HTTP5XX:
    case SIM_FAULT_RATELIMIT:
        if (l->dialect->fault_reply) {
            l->dialect->fault_reply(l->state, fault, req, rs);
        } else {
            sim_resp_begin(rs, fault == SIM_FAULT_RATELIMIT ? 429 : 503);
            buf_puts(&rs->body, "{}");
        }
        sim_reqlog_add(l->log, req, l->dialect, rs->status, fault);
        *ret = s_send(self, r->conn);
        return true;
    default:
        return false;
    }
}

/* The request is complete: build it, apply faults, answer. */
static enum MHD_Result s_complete(s_listener_t *l, s_creq_t *r, const char *method)
{
    sim_server_t *self = l->srv;
    char peer[64];
    sim_http_req_t req;
    s_make_req(self, r, method, peer, &req);
    sim_http_resp_t *rs = &self->resp;
    sim_resp_begin(rs, 200);
    r->phase = PH_DONE;
    if (r->uri.len && r->uri.data[r->uri.len - 1] == '\x01') {
        sim_resp_begin(rs, 414);
        buf_puts(&rs->body, "{\"error\":\"request target too long\"}");
        return s_send(self, r->conn);
    }
    if (!l->dialect) {
        sim_admin_handle(self, &req, rs);
        return s_send(self, r->conn);
    }
    int64_t ms = 0;
    enum MHD_Result ret;
    sim_fault_kind_t fault = sim_faults_match(self->faults, l->dialect->venue, req.path, req.path_len, &ms);
    if (s_fault_before(l, r, &req, fault, &ret))
        return ret;
    l->dialect->handle(l->state, &req, rs);
    if (fault == SIM_FAULT_LOSE_REPLY) {
        sim_reqlog_add(l->log, &req, l->dialect, 0, fault);
        log_info("fault venue=%s path=%s kind=lose_reply status=%d", l->dialect->name, req.path, rs->status);
        return MHD_NO;
    }
    sim_reqlog_add(l->log, &req, l->dialect, rs->status, fault);
    if (fault != SIM_FAULT_LATENCY || ms <= 0)
        return s_send(self, r->conn);
    r->pending = s_build(self);
    r->pending_status = (unsigned)rs->status;
    if (!r->pending)
        return MHD_NO;
    r->phase = PH_DELAYED;
    s_suspend(self, r, req.now_ms + ms);
    return MHD_YES;
}

static enum MHD_Result s_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                const char *version, const char *upload_data, size_t *upload_size, void **req_cls)
{
    (void)version;
    s_listener_t *l = cls;
    s_creq_t *r = *req_cls;
    if (!r) { /* no URI log call happened (should not): start from the decoded URL */
        r = s_uri_log(l, url, conn);
        *req_cls = r;
    }
    r->conn = conn;
    switch (r->phase) {
    case PH_NEW:
        r->phase = PH_BODY;
        return MHD_YES;
    case PH_BODY:
        break;
    case PH_DELAYED: {
        enum MHD_Result ret = MHD_queue_response(conn, r->pending_status, r->pending);
        MHD_destroy_response(r->pending);
        r->pending = NULL;
        r->phase = PH_DONE;
        return ret;
    }
    case PH_HELD:
        r->phase = PH_DONE;
        return MHD_NO;
    case PH_DONE:
        return MHD_NO;
    }
    if (*upload_size > 0) {
        if (!r->too_large && buf_append(&r->body, upload_data, *upload_size) != 0) {
            r->too_large = true;
            buf_reset(&r->body);
        }
        *upload_size = 0;
        return MHD_YES;
    }
    return s_complete(l, r, method);
}

/* ---- lifecycle ---- */

sim_server_t *sim_server_new(sim_engine_t *engine, sim_faults_t *faults, const sim_server_config_t *cfg,
                             err_t *err)
{
    assert(engine && faults && cfg);
    const char *bind = cfg->bind ? cfg->bind : "127.0.0.1";
    if (strlen(bind) >= 64) {
        err_set(err, XR_INVALID_REQUEST, "bind address too long");
        return NULL;
    }
    if (cfg->port_base < -1 || cfg->port_base > 65535 - SIM_VENUE_COUNT) {
        err_set(err, XR_INVALID_REQUEST, "port base must be within 0..%d (or -1: ephemeral)", 65535 - SIM_VENUE_COUNT);
        return NULL;
    }
    sim_server_t *self = mem_calloc(1, sizeof *self);
    self->engine = engine;
    self->faults = faults;
    self->cfg = *cfg;
    memcpy(self->bind, bind, strlen(bind) + 1);
    self->cfg.bind = self->bind;
    self->epfd = -1;
    self->admin.srv = self;
    for (int v = 0; v < SIM_VENUE_COUNT; v++)
        self->venues[v].srv = self;
    buf_init(&self->resp.body, SIM_MAX_RESP_BODY);
    return self;
}

static void s_listener_stop(sim_server_t *self, s_listener_t *l)
{
    (void)self;
    if (l->daemon) {
        MHD_stop_daemon(l->daemon);
        l->daemon = NULL;
    }
}

void sim_server_destroy(sim_server_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sim_server_t *self = *self_p;
    /* suspended connections must be resumed before their daemon stops; they are then dropped */
    for (s_creq_t *r = self->suspended; r; r = r->next) {
        if (r->pending) {
            MHD_destroy_response(r->pending);
            r->pending = NULL;
        }
        r->phase = PH_HELD;
        MHD_resume_connection(r->conn);
    }
    self->suspended = NULL;
    for (int i = 0; i < 3; i++) {
        if (self->admin.daemon)
            MHD_run(self->admin.daemon);
        for (int v = 0; v < SIM_VENUE_COUNT; v++)
            if (self->venues[v].daemon)
                MHD_run(self->venues[v].daemon);
    }
    for (int v = SIM_VENUE_COUNT - 1; v >= 0; v--) {
        s_listener_t *l = &self->venues[v];
        s_listener_stop(self, l);
        if (l->initialised && l->dialect->fini)
            l->dialect->fini(l->state);
        mem_free(l->state);
        sim_reqlog_destroy(&l->log);
    }
    s_listener_stop(self, &self->admin);
    if (self->epfd >= 0)
        close(self->epfd);
    while (self->free_list) {
        s_creq_t *r = self->free_list;
        self->free_list = r->next;
        buf_release(&r->uri);
        buf_release(&r->body);
        mem_free(r);
    }
    buf_release(&self->resp.body);
    mem_free(self);
    *self_p = NULL;
}

int sim_server_add_dialect(sim_server_t *self, const sim_dialect_t *dialect, err_t *err)
{
    assert(self && dialect && dialect->handle);
    if ((unsigned)dialect->venue >= SIM_VENUE_COUNT)
        return err_set(err, XR_INVALID_REQUEST, "dialect %s: bad venue", dialect->name);
    s_listener_t *l = &self->venues[dialect->venue];
    if (l->dialect)
        return err_set(err, XR_INVALID_REQUEST, "venue %s already served", sim_venue_name(dialect->venue));
    l->dialect = dialect;
    l->state = mem_calloc(1, dialect->state_size ? dialect->state_size : 1);
    l->log = sim_reqlog_new(self->cfg.log_keep ? self->cfg.log_keep : 256);
    if (dialect->init && dialect->init(l->state, self->engine, clock_wall_ms(), err) != 0) {
        mem_free(l->state);
        l->state = NULL;
        sim_reqlog_destroy(&l->log);
        l->dialect = NULL;
        return -1;
    }
    l->initialised = true;
    return 0;
}

static int s_listener_start(sim_server_t *self, s_listener_t *l, int port, err_t *err)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    unsigned flags = MHD_USE_EPOLL | MHD_USE_TURBO | MHD_ALLOW_SUSPEND_RESUME;
    if (strchr(self->bind, ':')) {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, self->bind, &a6->sin6_addr) != 1)
            return err_set(err, XR_INVALID_REQUEST, "bad bind address %s", self->bind);
        flags |= MHD_USE_IPv6;
    } else {
        struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        if (inet_pton(AF_INET, self->bind, &a4->sin_addr) != 1)
            return err_set(err, XR_INVALID_REQUEST, "bad bind address %s", self->bind);
    }
    l->daemon = MHD_start_daemon(
        flags, (uint16_t)port, NULL, NULL, s_access, l, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_URI_LOG_CALLBACK, s_uri_log, l, MHD_OPTION_NOTIFY_COMPLETED, s_completed, l,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)4000, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)300,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(16 * 1024), MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
        MHD_OPTION_END);
    if (!l->daemon)
        return err_set(err, XR_INVALID_REQUEST, "cannot listen on %s:%d (in use?)", self->bind, port);
    const union MHD_DaemonInfo *pi = MHD_get_daemon_info(l->daemon, MHD_DAEMON_INFO_BIND_PORT);
    l->port = pi ? pi->port : (uint16_t)port;
    const union MHD_DaemonInfo *ei = MHD_get_daemon_info(l->daemon, MHD_DAEMON_INFO_EPOLL_FD);
    if (!ei)
        return err_set(err, XR_INTERNAL, "libmicrohttpd gave no epoll fd");
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = l};
    if (epoll_ctl(self->epfd, EPOLL_CTL_ADD, ei->epoll_fd, &ev) != 0)
        return err_set(err, XR_INTERNAL, "epoll_ctl: %s", strerror(errno));
    log_info("listen venue=%s addr=%s port=%u", l->dialect ? l->dialect->name : "admin", self->bind, l->port);
    return 0;
}

int sim_server_start(sim_server_t *self, err_t *err)
{
    self->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (self->epfd < 0)
        return err_set(err, XR_INTERNAL, "epoll_create1: %s", strerror(errno));
    int base = self->cfg.port_base;
    if (s_listener_start(self, &self->admin, base < 0 ? 0 : base, err) != 0)
        return -1;
    for (int v = 0; v < SIM_VENUE_COUNT; v++) {
        s_listener_t *l = &self->venues[v];
        if (!l->dialect)
            continue;
        int port = base < 0 ? 0 : base + (int)l->dialect->default_port - 9100;
        if (s_listener_start(self, l, port, err) != 0)
            return -1;
    }
    return 0;
}

uint16_t sim_server_port(const sim_server_t *self, int venue)
{
    if (venue < 0)
        return self->admin.port;
    return venue < SIM_VENUE_COUNT ? self->venues[venue].port : 0;
}

/* ---- loop ---- */

static void s_resume_due(sim_server_t *self, int64_t now)
{
    s_creq_t **pp = &self->suspended;
    while (*pp) {
        s_creq_t *r = *pp;
        if (r->due_ms <= now) {
            *pp = r->next;
            r->next = NULL;
            MHD_resume_connection(r->conn);
        } else {
            pp = &r->next;
        }
    }
}

static void s_run_all(sim_server_t *self)
{
    if (self->admin.daemon)
        MHD_run(self->admin.daemon);
    for (int v = 0; v < SIM_VENUE_COUNT; v++)
        if (self->venues[v].daemon)
            MHD_run(self->venues[v].daemon);
}

int sim_server_step(sim_server_t *self, int max_wait_ms)
{
    int64_t now = clock_wall_ms();
    int64_t wait = sim_engine_tick(self->engine, now);
    if (wait > max_wait_ms)
        wait = max_wait_ms;
    for (s_creq_t *r = self->suspended; r; r = r->next)
        if (r->due_ms - now < wait)
            wait = r->due_ms - now;
    s_listener_t *all[SIM_VENUE_COUNT + 1] = {&self->admin};
    for (int v = 0; v < SIM_VENUE_COUNT; v++)
        all[v + 1] = &self->venues[v];
    for (int i = 0; i <= SIM_VENUE_COUNT; i++) {
        MHD_UNSIGNED_LONG_LONG t;
        if (all[i]->daemon && MHD_get_timeout(all[i]->daemon, &t) == MHD_YES && (int64_t)t < wait)
            wait = (int64_t)t;
    }
    if (wait < 0)
        wait = 0;
    struct epoll_event evs[8];
    int n = epoll_wait(self->epfd, evs, 8, (int)wait);
    if (n < 0) {
        if (errno == EINTR)
            return 0;
        log_error("epoll_wait failed: %s", strerror(errno));
        return -1;
    }
    if (n == 0) {
        s_run_all(self); /* timeouts of MHD itself */
    } else {
        for (int i = 0; i < n; i++) {
            s_listener_t *l = evs[i].data.ptr;
            MHD_run(l->daemon);
        }
    }
    if (self->suspended) {
        s_resume_due(self, clock_wall_ms());
    }
    return 0;
}

int sim_server_run(sim_server_t *self, volatile sig_atomic_t *stop)
{
    while (!*stop)
        if (sim_server_step(self, 100) != 0)
            return -1;
    return 0;
}

/* ---- admin access ---- */

sim_engine_t *sim_server_engine(sim_server_t *self)
{
    return self->engine;
}

sim_faults_t *sim_server_faults(sim_server_t *self)
{
    return self->faults;
}

const sim_reqlog_t *sim_server_reqlog(const sim_server_t *self, int venue)
{
    return venue >= 0 && venue < SIM_VENUE_COUNT ? self->venues[venue].log : NULL;
}

const sim_dialect_t *sim_server_dialect(const sim_server_t *self, int venue)
{
    return venue >= 0 && venue < SIM_VENUE_COUNT ? self->venues[venue].dialect : NULL;
}

void sim_server_reset(sim_server_t *self)
{
    sim_engine_reset(self->engine, clock_wall_ms());
    sim_faults_clear(self->faults, -1);
    for (int v = 0; v < SIM_VENUE_COUNT; v++) {
        s_listener_t *l = &self->venues[v];
        if (!l->dialect)
            continue;
        if (l->dialect->reset)
            l->dialect->reset(l->state);
        sim_reqlog_clear(l->log);
    }
}
