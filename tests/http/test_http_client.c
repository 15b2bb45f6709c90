/* test_http_client: lib/http against real servers on 127.0.0.1: a libmicrohttpd server (one thread per
 * connection, so slow handlers really run in parallel) for round trips, concurrency, keep-alive, timeouts
 * and size limits, and a raw socket server, scripted byte by byte, for the duplicate-POST case: the server
 * reads a POST on a reused keep-alive connection and closes it without answering. libcurl would resend it on
 * a fresh connection; the client must not, and must report UNKNOWN. */
#include "http/http_client.h"
#include "testutil.h"

#include <check.h>
#include <microhttpd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------------------------------------------- */
/* libmicrohttpd server */

typedef struct {
    struct MHD_Daemon *daemon;
    int port;
    atomic_int connections; /* TCP connections accepted */
    atomic_int requests;    /* requests answered */
} server_t;

typedef struct {
    char *data;
    size_t len;
} upload_t;

static void s_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long) (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void s_on_mhd_connection(void *cls, struct MHD_Connection *c, void **socket_ctx,
                                enum MHD_ConnectionNotificationCode code)
{
    (void) c;
    (void) socket_ctx;
    server_t *srv = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED)
        atomic_fetch_add(&srv->connections, 1);
}

static void s_on_mhd_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                               enum MHD_RequestTerminationCode toe)
{
    (void) cls;
    (void) c;
    (void) toe;
    upload_t *up = *con_cls;
    if (up) {
        free(up->data);
        free(up);
        *con_cls = NULL;
    }
}

static ssize_t s_stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    uint64_t total = (uint64_t) (uintptr_t) cls;
    if (pos >= total)
        return MHD_CONTENT_READER_END_OF_STREAM;
    size_t n = total - pos < max ? (size_t) (total - pos) : max;
    memset(buf, 'z', n);
    return (ssize_t) n;
}

static long s_arg(struct MHD_Connection *c, const char *name)
{
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
    return v ? strtol(v, NULL, 10) : 0;
}

/* Routes: /echo (method, X-Test header and body back, plus Binance-style headers), /slow?ms=&i=, /id?i=,
 * /big?n= (Content-Length known), /stream?n= (chunked, length unknown). */
static enum MHD_Result s_on_mhd_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                        const char *version, const char *upload_data, size_t *upload_size,
                                        void **con_cls)
{
    (void) version;
    server_t *srv = cls;
    upload_t *up = *con_cls;
    if (!up) {
        *con_cls = calloc(1, sizeof(upload_t));
        return MHD_YES;
    }
    if (*upload_size > 0) {
        up->data = realloc(up->data, up->len + *upload_size + 1);
        memcpy(up->data + up->len, upload_data, *upload_size);
        up->len += *upload_size;
        *upload_size = 0;
        return MHD_YES;
    }
    struct MHD_Response *resp = NULL;
    char text[256];
    if (strcmp(url, "/echo") == 0) {
        const char *xt = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Test");
        const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
        size_t n = (size_t) snprintf(text, sizeof text, "%s|%s|%s|%zu|", method, xt ? xt : "-", ct ? ct : "-", up->len);
        char *all = malloc(n + up->len);
        memcpy(all, text, n);
        if (up->len)
            memcpy(all + n, up->data, up->len);
        resp = MHD_create_response_from_buffer(n + up->len, all, MHD_RESPMEM_MUST_FREE);
        MHD_add_response_header(resp, "X-MBX-USED-WEIGHT-1M", "17");
        MHD_add_response_header(resp, "Retry-After", "  3 ");
        MHD_add_response_header(resp, "X-Dup", "first");
        MHD_add_response_header(resp, "X-Dup", "second");
    } else if (strcmp(url, "/slow") == 0 || strcmp(url, "/id") == 0) {
        if (url[1] == 's')
            s_sleep_ms((int) s_arg(c, "ms"));
        snprintf(text, sizeof text, "id=%ld", s_arg(c, "i"));
        resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_COPY);
    } else if (strcmp(url, "/big") == 0) {
        size_t n = (size_t) s_arg(c, "n");
        char *all = malloc(n + 1);
        memset(all, 'b', n);
        resp = MHD_create_response_from_buffer(n, all, MHD_RESPMEM_MUST_FREE);
    } else if (strcmp(url, "/stream") == 0) {
        resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 1024, s_stream_reader,
                                                 (void *) (uintptr_t) s_arg(c, "n"), NULL);
    } else {
        resp = MHD_create_response_from_buffer(9, "not found", MHD_RESPMEM_PERSISTENT);
        enum MHD_Result r = MHD_queue_response(c, 404, resp);
        MHD_destroy_response(resp);
        atomic_fetch_add(&srv->requests, 1);
        return r;
    }
    enum MHD_Result r = MHD_queue_response(c, 200, resp);
    MHD_destroy_response(resp);
    atomic_fetch_add(&srv->requests, 1);
    return r;
}

static void s_server_start(server_t *srv)
{
    memset(srv, 0, sizeof *srv);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    srv->daemon = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL,
                                   0, NULL, NULL, s_on_mhd_request, srv, MHD_OPTION_SOCK_ADDR, &addr,
                                   MHD_OPTION_NOTIFY_CONNECTION, s_on_mhd_connection, srv,
                                   MHD_OPTION_NOTIFY_COMPLETED, s_on_mhd_completed, srv, MHD_OPTION_END);
    ck_assert_ptr_nonnull(srv->daemon);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    ck_assert_ptr_nonnull(info);
    srv->port = info->port;
    ck_assert_int_gt(srv->port, 0);
}

static void s_server_stop(server_t *srv)
{
    MHD_stop_daemon(srv->daemon);
    srv->daemon = NULL;
}

/* ---------------------------------------------------------------------------------------------------- */
/* Client-side recording */

#define MAX_DONE 256

typedef struct {
    uint64_t id;
    http_outcome_t outcome;
    int status;
    char body[512];
    size_t body_len;
    char error[256];
    char weight[32];
    char retry_after[32];
    char dup[32];
    int missing_header_null;
    int64_t elapsed_us;
} done_t;

typedef struct {
    done_t done[MAX_DONE];
    int count;
} record_t;

static void s_copy_header(const http_response_t *r, const char *name, char *out, size_t cap)
{
    const char *v = http_response_header(r, name);
    snprintf(out, cap, "%s", v ? v : "(null)");
}

static void s_on_done(const http_response_t *r, void *user)
{
    record_t *rec = user;
    ck_assert_int_lt(rec->count, MAX_DONE);
    done_t *d = &rec->done[rec->count++];
    d->id = r->id;
    d->outcome = r->outcome;
    d->status = r->status;
    d->body_len = r->body_len;
    size_t n = r->body_len < sizeof d->body - 1 ? r->body_len : sizeof d->body - 1;
    memcpy(d->body, r->body, n);
    d->body[n] = '\0';
    ck_assert_int_eq(r->body[r->body_len], '\0');
    snprintf(d->error, sizeof d->error, "%s", r->error);
    s_copy_header(r, "x-mbx-used-weight-1m", d->weight, sizeof d->weight);
    s_copy_header(r, "RETRY-AFTER", d->retry_after, sizeof d->retry_after);
    s_copy_header(r, "X-Dup", d->dup, sizeof d->dup);
    d->missing_header_null = http_response_header(r, "X-Not-There") == NULL;
    d->elapsed_us = r->elapsed_us;
}

static void s_submit(http_client_t *hc, const http_request_t *req, record_t *rec, uint64_t *id)
{
    err_t err;
    ck_assert_msg(http_client_submit(hc, req, s_on_done, rec, id, &err) == 0, "submit: %s", err.msg);
}

static void s_url(char *out, size_t cap, int port, const char *path)
{
    snprintf(out, cap, "http://127.0.0.1:%d%s", port, path);
}

/* ---------------------------------------------------------------------------------------------------- */
/* Tests against libmicrohttpd */

START_TEST(test_get_post_round_trip)
{
    server_t srv;
    s_server_start(&srv);
    http_client_t *hc = http_client_new(NULL, NULL);
    ck_assert_ptr_nonnull(hc);
    record_t rec = {0};
    char url[128];
    s_url(url, sizeof url, srv.port, "/echo?x=1");
    const char *headers[] = {"X-Test: abc", "Content-Type: application/json", NULL};
    const char body[] = "{\"a\":1,\"b\":\"\0x\"}"; /* binary-safe: carries a NUL */
    http_request_t get = {.url = url, .headers = headers};
    http_request_t post = {.method = "POST", .url = url, .headers = headers, .body = body, .body_len = sizeof body - 1};
    http_request_t put = {.method = "PUT", .url = url, .body = "k=v", .body_len = 3};
    http_request_t del = {.method = "DELETE", .url = url};
    http_request_t post_empty = {.method = "POST", .url = url};
    uint64_t ids[5];
    s_submit(hc, &get, &rec, &ids[0]);
    s_submit(hc, &post, &rec, &ids[1]);
    s_submit(hc, &put, &rec, &ids[2]);
    s_submit(hc, &del, &rec, &ids[3]);
    s_submit(hc, &post_empty, &rec, &ids[4]);
    ck_assert_uint_eq(http_client_in_flight(hc), 5);
    ck_assert_int_eq(http_client_run_until_idle(hc, 5000), 0);
    ck_assert_int_eq(rec.count, 5);
    ck_assert_uint_eq(http_client_in_flight(hc), 0);
    for (int i = 0; i < 5; i++) {
        done_t *d = NULL;
        for (int j = 0; j < 5; j++)
            if (rec.done[j].id == ids[i])
                d = &rec.done[j];
        ck_assert_ptr_nonnull(d);
        ck_assert_msg(d->outcome == HTTP_OK, "request %d: %s", i, d->error);
        ck_assert_int_eq(d->status, 200);
        ck_assert_str_eq(d->error, "");
        ck_assert_str_eq(d->weight, "17");
        ck_assert_str_eq(d->retry_after, "3");
        ck_assert_str_eq(d->dup, "first");
        ck_assert(d->missing_header_null);
        ck_assert_int_gt(d->elapsed_us, 0);
        switch (i) {
        case 0:
            ck_assert_str_eq(d->body, "GET|abc|application/json|0|");
            break;
        case 1:
            ck_assert_uint_eq(d->body_len, strlen("POST|abc|application/json|16|") + 16);
            ck_assert(memcmp(d->body, "POST|abc|application/json|16|{\"a\":1,\"b\":\"\0x\"}", d->body_len) == 0);
            break;
        case 2:
            ck_assert_str_eq(d->body, "PUT|-|application/x-www-form-urlencoded|3|k=v");
            break;
        case 3:
            ck_assert_str_eq(d->body, "DELETE|-|-|0|");
            break;
        case 4:
            ck_assert_str_eq(d->body, "POST|-|application/x-www-form-urlencoded|0|");
            break;
        }
    }
    /* 404 is a response like any other. */
    s_url(url, sizeof url, srv.port, "/nowhere");
    rec.count = 0;
    s_submit(hc, &get, &rec, NULL);
    ck_assert_int_eq(http_client_run_until_idle(hc, 5000), 0);
    ck_assert_int_eq(rec.done[0].outcome, HTTP_OK);
    ck_assert_int_eq(rec.done[0].status, 404);
    ck_assert_str_eq(rec.done[0].body, "not found");
    http_client_destroy(&hc);
    ck_assert_ptr_null(hc);
    http_client_destroy(&hc);
    s_server_stop(&srv);
}
END_TEST

START_TEST(test_concurrent_out_of_order)
{
    enum { N = 100, SLOW_EVERY = 20, SLOW_MS = 1000 };
    server_t srv;
    s_server_start(&srv);
    http_config_t cfg = {.max_host_connections = 12};
    http_client_t *hc = http_client_new(&cfg, NULL);
    record_t rec = {0};
    uint64_t ids[N];
    for (int i = 0; i < N; i++) {
        char url[128], path[64];
        if (i % SLOW_EVERY == 0)
            snprintf(path, sizeof path, "/slow?ms=%d&i=%d", SLOW_MS, i);
        else
            snprintf(path, sizeof path, "/id?i=%d", i);
        s_url(url, sizeof url, srv.port, path);
        http_request_t req = {.url = url};
        s_submit(hc, &req, &rec, &ids[i]);
    }
    ck_assert_uint_eq(http_client_in_flight(hc), N);
    ck_assert_int_eq(http_client_run_until_idle(hc, 20000), 0);
    ck_assert_int_eq(rec.count, N);
    int first_slow_pos = -1, last_fast_pos = -1;
    for (int pos = 0; pos < N; pos++) {
        done_t *d = &rec.done[pos];
        ck_assert_msg(d->outcome == HTTP_OK && d->status == 200, "%s", d->error);
        int i = -1;
        for (int k = 0; k < N; k++)
            if (ids[k] == d->id)
                i = k;
        ck_assert_int_ge(i, 0);
        char want[32];
        snprintf(want, sizeof want, "id=%d", i);
        ck_assert_str_eq(d->body, want);
        if (i % SLOW_EVERY == 0) {
            if (first_slow_pos < 0)
                first_slow_pos = pos;
        } else {
            last_fast_pos = pos;
        }
    }
    /* Every fast reply completed before any slow one: slow replies did not hold the others up. */
    ck_assert_int_eq(first_slow_pos, N - N / SLOW_EVERY);
    ck_assert_int_lt(last_fast_pos, first_slow_pos);
    ck_assert_int_le(atomic_load(&srv.connections), 12);
    http_client_destroy(&hc);
    s_server_stop(&srv);
}
END_TEST

START_TEST(test_keepalive_reuse)
{
    server_t srv;
    s_server_start(&srv);
    http_client_t *hc = http_client_new(NULL, NULL);
    record_t rec = {0};
    char url[128];
    s_url(url, sizeof url, srv.port, "/id?i=1");
    http_request_t req = {.url = url};
    for (int round = 0; round < 10; round++) {
        for (int k = 0; k < 3; k++)
            s_submit(hc, &req, &rec, NULL);
        ck_assert_int_eq(http_client_run_until_idle(hc, 5000), 0);
    }
    ck_assert_int_eq(rec.count, 30);
    for (int i = 0; i < rec.count; i++)
        ck_assert_int_eq(rec.done[i].outcome, HTTP_OK);
    ck_assert_int_eq(atomic_load(&srv.requests), 30);
    /* 30 requests over at most 3 connections: the rest reused them. */
    ck_assert_int_ge(atomic_load(&srv.connections), 1);
    ck_assert_int_le(atomic_load(&srv.connections), 3);
    http_client_destroy(&hc);
    s_server_stop(&srv);
}
END_TEST

START_TEST(test_timeout_is_unknown)
{
    server_t srv;
    s_server_start(&srv);
    http_client_t *hc = http_client_new(NULL, NULL);
    record_t rec = {0};
    char url[128];
    s_url(url, sizeof url, srv.port, "/slow?ms=1500&i=1");
    http_request_t req = {.method = "POST", .url = url, .body = "x=1", .body_len = 3, .timeout_ms = 200};
    s_submit(hc, &req, &rec, NULL);
    ck_assert_int_eq(http_client_run_until_idle(hc, 5000), 0);
    ck_assert_int_eq(rec.count, 1);
    ck_assert_int_eq(rec.done[0].outcome, HTTP_UNKNOWN);
    ck_assert_int_eq(rec.done[0].status, 0);
    ck_assert_msg(strstr(rec.done[0].error, "may have been received"), "%s", rec.done[0].error);
    ck_assert_int_lt(rec.done[0].elapsed_us, 1500000);
    http_client_destroy(&hc);
    s_server_stop(&srv);
}
END_TEST

START_TEST(test_queued_past_timeout_is_not_sent)
{
    /* One connection per host: the second request waits in curl's queue behind a slow one and times out
     * there, before anything of it was sent. */
    server_t srv;
    s_server_start(&srv);
    http_config_t cfg = {.max_host_connections = 1};
    http_client_t *hc = http_client_new(&cfg, NULL);
    record_t rec = {0};
    char slow[128], fast[128];
    s_url(slow, sizeof slow, srv.port, "/slow?ms=1000&i=1");
    s_url(fast, sizeof fast, srv.port, "/id?i=2");
    http_request_t a = {.url = slow};
    http_request_t b = {.method = "POST", .url = fast, .timeout_ms = 200};
    uint64_t ida, idb;
    s_submit(hc, &a, &rec, &ida);
    s_submit(hc, &b, &rec, &idb);
    ck_assert_int_eq(http_client_run_until_idle(hc, 5000), 0);
    ck_assert_int_eq(rec.count, 2);
    for (int i = 0; i < 2; i++) {
        if (rec.done[i].id == ida) {
            ck_assert_int_eq(rec.done[i].outcome, HTTP_OK);
        } else {
            ck_assert_msg(rec.done[i].outcome == HTTP_NOT_SENT, "%s: %s", http_outcome_name(rec.done[i].outcome),
                          rec.done[i].error);
        }
    }
    ck_assert_int_eq(atomic_load(&srv.requests), 1);
    http_client_destroy(&hc);
    s_server_stop(&srv);
}
END_TEST

START_TEST(test_too_large)
{
    server_t srv;
    s_server_start(&srv);
    http_client_t *hc = http_client_new(NULL, NULL);
    record_t rec = {0};
    char big[128], exact[128], stream[128], stream_ok[128];
    s_url(big, sizeof big, srv.port, "/big?n=100000");
    s_url(exact, sizeof exact, srv.port, "/big?n=1000");
    s_url(stream, sizeof stream, srv.port, "/stream?n=50000");
    s_url(stream_ok, sizeof stream_ok, srv.port, "/stream?n=300");
    http_request_t r1 = {.url = big, .max_response = 1000};
    http_request_t r2 = {.url = exact, .max_response = 1000};
    http_request_t r3 = {.url = stream, .max_response = 1000}; /* no Content-Length: caught while reading */
    http_request_t r4 = {.url = stream_ok, .max_response = 1000};
    uint64_t id[4];
    s_submit(hc, &r1, &rec, &id[0]);
    s_submit(hc, &r2, &rec, &id[1]);
    s_submit(hc, &r3, &rec, &id[2]);
    s_submit(hc, &r4, &rec, &id[3]);
    ck_assert_int_eq(http_client_run_until_idle(hc, 5000), 0);
    ck_assert_int_eq(rec.count, 4);
    for (int i = 0; i < 4; i++) {
        done_t *d = &rec.done[i];
        if (d->id == id[0] || d->id == id[2]) {
            ck_assert_msg(d->outcome == HTTP_TOO_LARGE, "%s", d->error);
            ck_assert_int_eq(d->status, 200);
            ck_assert_uint_le(d->body_len, 1000);
        } else {
            ck_assert_msg(d->outcome == HTTP_OK, "%s", d->error);
            ck_assert_uint_eq(d->body_len, d->id == id[1] ? 1000 : 300);
        }
    }
    http_client_destroy(&hc);
    s_server_stop(&srv);
}
END_TEST

START_TEST(test_refused_is_not_sent)
{
    /* A bound socket that does not listen: connecting to it is refused. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(fd, (struct sockaddr *) &addr, sizeof addr), 0);
    socklen_t alen = sizeof addr;
    getsockname(fd, (struct sockaddr *) &addr, &alen);
    http_client_t *hc = http_client_new(NULL, NULL);
    record_t rec = {0};
    char url[128];
    s_url(url, sizeof url, ntohs(addr.sin_port), "/x");
    http_request_t req = {.method = "POST", .url = url, .body = "a", .body_len = 1};
    s_submit(hc, &req, &rec, NULL);
    ck_assert_int_eq(http_client_run_until_idle(hc, 5000), 0);
    ck_assert_int_eq(rec.count, 1);
    ck_assert_msg(rec.done[0].outcome == HTTP_NOT_SENT, "%s", rec.done[0].error);
    ck_assert_int_eq(rec.done[0].status, 0);
    ck_assert_ptr_null(strstr(rec.done[0].error, "/x")); /* the URL never appears in error text */
    http_client_destroy(&hc);
    close(fd);
}
END_TEST

START_TEST(test_bad_requests_refused)
{
    http_config_t cfg = {.max_in_flight = 2};
    http_client_t *hc = http_client_new(&cfg, NULL);
    record_t rec = {0};
    err_t err;
    const char *bad_header[] = {"X-A: 1\r\nX-Injected: 2", NULL};
    const char *no_colon[] = {"X-A 1", NULL};
    http_request_t reqs[] = {
        {.url = "ftp://127.0.0.1/x"},
        {.url = "http://[::1/x"},
        {.url = NULL},
        {.method = "get", .url = "http://127.0.0.1:1/"},
        {.method = "", .url = "http://127.0.0.1:1/"},
        {.url = "http://127.0.0.1:1/", .headers = bad_header},
        {.url = "http://127.0.0.1:1/", .headers = no_colon},
        {.method = "POST", .url = "http://127.0.0.1:1/", .body = NULL, .body_len = 3},
    };
    for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
        err_clear(&err);
        ck_assert_msg(http_client_submit(hc, &reqs[i], s_on_done, &rec, NULL, &err) == -1, "request %zu", i);
        ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
    }
    ck_assert_uint_eq(http_client_in_flight(hc), 0);
    /* The in-flight bound. */
    http_request_t ok = {.url = "http://127.0.0.1:1/"};
    s_submit(hc, &ok, &rec, NULL);
    s_submit(hc, &ok, &rec, NULL);
    ck_assert_int_eq(http_client_submit(hc, &ok, s_on_done, &rec, NULL, &err), -1);
    ck_assert_int_eq(err.code, XR_VENUE_UNAVAILABLE);
    ck_assert_int_eq(rec.count, 0); /* never a callback from inside submit */
    ck_assert_int_eq(http_client_run_until_idle(hc, 5000), 0);
    ck_assert_int_eq(rec.count, 2);
    http_client_destroy(&hc);
}
END_TEST

typedef struct {
    http_client_t *hc;
    record_t rec;
    char url[128];
    int chained;
} chain_t;

static void s_on_chain(const http_response_t *r, void *user)
{
    chain_t *c = user;
    s_on_done(r, &c->rec);
    if (c->chained++ < 4) {
        http_request_t req = {.url = c->url};
        err_t err;
        ck_assert_int_eq(http_client_submit(c->hc, &req, s_on_chain, c, NULL, &err), 0);
    }
}

START_TEST(test_submit_from_callback)
{
    server_t srv;
    s_server_start(&srv);
    chain_t c = {0};
    c.hc = http_client_new(NULL, NULL);
    s_url(c.url, sizeof c.url, srv.port, "/id?i=7");
    http_request_t req = {.url = c.url};
    ck_assert_int_eq(http_client_submit(c.hc, &req, s_on_chain, &c, NULL, NULL), 0);
    ck_assert_int_eq(http_client_run_until_idle(c.hc, 5000), 0);
    ck_assert_int_eq(c.rec.count, 5);
    for (int i = 0; i < 5; i++)
        ck_assert_str_eq(c.rec.done[i].body, "id=7");
    http_client_destroy(&c.hc);
    s_server_stop(&srv);
}
END_TEST

START_TEST(test_external_loop_api)
{
    /* Drive the client the way a zmq_poll loop does: fds + timeout out, revents in, perform. */
    server_t srv;
    s_server_start(&srv);
    http_client_t *hc = http_client_new(NULL, NULL);
    record_t rec = {0};
    char url[128];
    s_url(url, sizeof url, srv.port, "/slow?ms=100&i=3");
    http_request_t req = {.url = url};
    for (int i = 0; i < 4; i++)
        s_submit(hc, &req, &rec, NULL);
    ck_assert_int_eq(http_client_timeout_ms(hc), 0); /* curl wants to start at once */
    int loops = 0;
    size_t max_fds = 0;
    while (http_client_in_flight(hc) > 0 && loops++ < 10000) {
        http_pollfd_t fds[8];
        size_t n = http_client_fds(hc, fds, 8);
        ck_assert_uint_le(n, 8);
        ck_assert_uint_eq(http_client_fds(hc, NULL, 0), n); /* the count alone, to size an array */
        max_fds = n > max_fds ? n : max_fds;
        struct pollfd pfds[8];
        for (size_t i = 0; i < n; i++) {
            ck_assert_int_eq(fds[i].revents, 0);
            ck_assert(fds[i].events & (HTTP_POLLIN | HTTP_POLLOUT));
            pfds[i].fd = fds[i].fd;
            pfds[i].events = (short) (((fds[i].events & HTTP_POLLIN) ? POLLIN : 0)
                                      | ((fds[i].events & HTTP_POLLOUT) ? POLLOUT : 0));
        }
        int t = http_client_timeout_ms(hc);
        ck_assert_int_ge(t, -1);
        if (t < 0 || t > 50)
            t = 50;
        if (poll(pfds, n, t) > 0)
            for (size_t i = 0; i < n; i++)
                fds[i].revents = (short) (((pfds[i].revents & (POLLIN | POLLHUP)) ? HTTP_POLLIN : 0)
                                          | ((pfds[i].revents & POLLOUT) ? HTTP_POLLOUT : 0));
        http_client_perform(hc, fds, n);
    }
    ck_assert_int_eq(rec.count, 4);
    ck_assert_uint_ge(max_fds, 2); /* several connections were watched at once */
    for (int i = 0; i < 4; i++)
        ck_assert_str_eq(rec.done[i].body, "id=3");
    http_client_destroy(&hc);
    s_server_stop(&srv);
}
END_TEST

START_TEST(test_destroy_with_requests_in_flight)
{
    server_t srv;
    s_server_start(&srv);
    http_client_t *hc = http_client_new(NULL, NULL);
    record_t rec = {0};
    char url[128];
    s_url(url, sizeof url, srv.port, "/slow?ms=300&i=1");
    http_request_t req = {.method = "POST", .url = url, .body = "abc", .body_len = 3};
    for (int i = 0; i < 5; i++)
        s_submit(hc, &req, &rec, NULL);
    ck_assert_int_eq(http_client_run_until_idle(hc, 50), -1); /* still in flight */
    ck_assert_uint_eq(http_client_in_flight(hc), 5);
    http_client_destroy(&hc);
    ck_assert_int_eq(rec.count, 0);
    s_server_stop(&srv);
}
END_TEST

/* ---------------------------------------------------------------------------------------------------- */
/* Raw socket server: one scripted keep-alive connection */

typedef struct {
    int listen_fd;
    int port;
    atomic_int stop;
    atomic_int connections;  /* accepted */
    atomic_int requests;     /* complete requests read, on any connection */
    atomic_int first_conn_requests;
    char last_method[16];
} raw_server_t;

/* Reads one request (headers + Content-Length body). Returns 1, 0 on EOF/timeout, -1 on error. */
static int s_read_request(int fd, char *method, size_t method_cap)
{
    char buf[8192];
    size_t len = 0;
    char *end = NULL;
    while (!end) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 3000) <= 0)
            return 0;
        ssize_t n = recv(fd, buf + len, sizeof buf - 1 - len, 0);
        if (n <= 0)
            return 0;
        len += (size_t) n;
        buf[len] = '\0';
        end = strstr(buf, "\r\n\r\n");
        if (!end && len >= sizeof buf - 1)
            return -1;
    }
    size_t head = (size_t) (end - buf) + 4;
    size_t clen = 0;
    const char *cl = strcasestr(buf, "\r\nContent-Length:");
    if (cl && cl < end)
        clen = (size_t) strtoul(cl + 17, NULL, 10);
    size_t mlen = strcspn(buf, " ");
    snprintf(method, method_cap, "%.*s", (int) mlen, buf);
    size_t have = len - head;
    while (have < clen) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0)
            return 0;
        have += (size_t) n;
    }
    return 1;
}

static void s_reply(int fd, const char *body)
{
    char resp[256];
    int n = snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s", strlen(body), body);
    ck_assert_int_eq(send(fd, resp, (size_t) n, MSG_NOSIGNAL), n);
}

/* Connection 1: answers its first request, reads the second and closes without a reply. Any later
 * connection answers every request with "again" (so a resent request would succeed and be counted). */
static void *s_raw_server_main(void *arg)
{
    raw_server_t *rs = arg;
    while (!atomic_load(&rs->stop)) {
        struct pollfd p = {.fd = rs->listen_fd, .events = POLLIN};
        if (poll(&p, 1, 20) <= 0)
            continue;
        int fd = accept(rs->listen_fd, NULL, NULL);
        if (fd < 0)
            continue;
        int conn = atomic_fetch_add(&rs->connections, 1) + 1;
        char method[16];
        while (s_read_request(fd, method, sizeof method) == 1) {
            atomic_fetch_add(&rs->requests, 1);
            snprintf(rs->last_method, sizeof rs->last_method, "%s", method);
            if (conn > 1) {
                s_reply(fd, "again");
                continue;
            }
            if (atomic_fetch_add(&rs->first_conn_requests, 1) == 0)
                s_reply(fd, "first");
            else
                break; /* read it all, answer nothing */
        }
        close(fd);
    }
    return NULL;
}

static void s_raw_start(raw_server_t *rs, pthread_t *th)
{
    memset(rs, 0, sizeof *rs);
    rs->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(rs->listen_fd, (struct sockaddr *) &addr, sizeof addr), 0);
    ck_assert_int_eq(listen(rs->listen_fd, 16), 0);
    socklen_t alen = sizeof addr;
    getsockname(rs->listen_fd, (struct sockaddr *) &addr, &alen);
    rs->port = ntohs(addr.sin_port);
    ck_assert_int_eq(pthread_create(th, NULL, s_raw_server_main, rs), 0);
}

static void s_raw_stop(raw_server_t *rs, pthread_t th)
{
    atomic_store(&rs->stop, 1);
    pthread_join(th, NULL);
    close(rs->listen_fd);
}

/* Sends `first`, then `second` on the (reused) connection; the server swallows the second. */
static void s_duplicate_scenario(const http_request_t *first, const http_request_t *second, raw_server_t *rs,
                                 record_t *rec)
{
    pthread_t th;
    s_raw_start(rs, &th);
    char url[128];
    s_url(url, sizeof url, rs->port, "/fapi/v1/order?symbol=ETHUSDT&side=BUY&signature=abc");
    http_request_t a = *first, b = *second;
    a.url = url;
    b.url = url;
    http_client_t *hc = http_client_new(NULL, NULL);
    s_submit(hc, &a, rec, NULL);
    ck_assert_int_eq(http_client_run_until_idle(hc, 5000), 0);
    ck_assert_int_eq(rec->count, 1);
    ck_assert_msg(rec->done[0].outcome == HTTP_OK, "%s", rec->done[0].error);
    ck_assert_str_eq(rec->done[0].body, "first");
    s_submit(hc, &b, rec, NULL);
    ck_assert_int_eq(http_client_run_until_idle(hc, 5000), 0);
    ck_assert_int_eq(rec->count, 2);
    s_sleep_ms(100); /* room for a resend to show up at the server, were one made */
    http_client_destroy(&hc);
    s_raw_stop(rs, th);
}

START_TEST(test_no_duplicate_post_on_dead_reused_connection)
{
    raw_server_t rs;
    record_t rec = {0};
    const char body[] = "symbol=ETHUSDT&side=BUY&type=LIMIT&quantity=1&price=2000&timestamp=1";
    http_request_t post = {.method = "POST", .body = body, .body_len = sizeof body - 1};
    s_duplicate_scenario(&post, &post, &rs, &rec);
    ck_assert_msg(rec.done[1].outcome == HTTP_UNKNOWN, "%s: %s", http_outcome_name(rec.done[1].outcome),
                  rec.done[1].error);
    ck_assert_int_eq(rec.done[1].status, 0);
    ck_assert_ptr_null(strstr(rec.done[1].error, "signature")); /* no URL in error text */
    ck_assert_msg(strstr(rec.done[1].error, "not resent"), "%s", rec.done[1].error);
    /* The second POST reached the server exactly once, on the reused connection. curl did open a fresh
     * connection for its retry, but the guard stopped it before a byte was sent there. */
    ck_assert_int_eq(atomic_load(&rs.requests), 2);
    ck_assert_int_eq(atomic_load(&rs.first_conn_requests), 2);
    ck_assert_int_le(atomic_load(&rs.connections), 2);
}
END_TEST

START_TEST(test_no_duplicate_bodyless_post)
{
    /* Binance style: every parameter in the query string, empty body. No body bytes means no rewind is
     * needed, so only the pre-request guard stands between curl and a resend. */
    raw_server_t rs;
    record_t rec = {0};
    http_request_t post = {.method = "POST"};
    s_duplicate_scenario(&post, &post, &rs, &rec);
    ck_assert_msg(rec.done[1].outcome == HTTP_UNKNOWN, "%s", rec.done[1].error);
    ck_assert_msg(strstr(rec.done[1].error, "aborted by pre-request callback"), "%s", rec.done[1].error);
    ck_assert_int_eq(atomic_load(&rs.requests), 2);
    ck_assert_int_eq(atomic_load(&rs.first_conn_requests), 2);
    ck_assert_str_eq(rs.last_method, "POST");

    /* DELETE (a cancel) likewise. */
    raw_server_t rs2;
    record_t rec2 = {0};
    http_request_t del = {.method = "DELETE"};
    s_duplicate_scenario(&del, &del, &rs2, &rec2);
    ck_assert_msg(rec2.done[1].outcome == HTTP_UNKNOWN, "%s", rec2.done[1].error);
    ck_assert_int_eq(atomic_load(&rs2.requests), 2);
    ck_assert_int_eq(atomic_load(&rs2.first_conn_requests), 2);
}
END_TEST

START_TEST(test_allow_resend_lets_curl_retry)
{
    /* The control experiment: with the guard lifted (an idempotent GET), libcurl does resend on a fresh
     * connection, which is exactly what the guard prevents for everything else. */
    raw_server_t rs;
    record_t rec = {0};
    http_request_t get = {.method = "GET", .allow_resend = true};
    s_duplicate_scenario(&get, &get, &rs, &rec);
    ck_assert_msg(rec.done[1].outcome == HTTP_OK, "%s", rec.done[1].error);
    ck_assert_str_eq(rec.done[1].body, "again");
    ck_assert_int_eq(atomic_load(&rs.requests), 3);
    ck_assert_int_eq(atomic_load(&rs.connections), 2);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("http_client");
    TCase *tc = tcase_create("mhd");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_get_post_round_trip);
    tcase_add_test(tc, test_concurrent_out_of_order);
    tcase_add_test(tc, test_keepalive_reuse);
    tcase_add_test(tc, test_timeout_is_unknown);
    tcase_add_test(tc, test_queued_past_timeout_is_not_sent);
    tcase_add_test(tc, test_too_large);
    tcase_add_test(tc, test_refused_is_not_sent);
    tcase_add_test(tc, test_bad_requests_refused);
    tcase_add_test(tc, test_submit_from_callback);
    tcase_add_test(tc, test_external_loop_api);
    tcase_add_test(tc, test_destroy_with_requests_in_flight);
    suite_add_tcase(s, tc);
    tc = tcase_create("duplicate");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_no_duplicate_post_on_dead_reused_connection);
    tcase_add_test(tc, test_no_duplicate_bodyless_post);
    tcase_add_test(tc, test_allow_resend_lets_curl_retry);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(s_suite());
}
