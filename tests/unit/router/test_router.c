/* router: the real router (forked child) driven over real ZeroMQ sockets: the test plays the gateway (a DEALER
 * on the frontend) and venue workers (DEALERs on the backend with their instance ids). Checks correlation,
 * least-outstanding choice between replicas, no worker -> VENUE_UNAVAILABLE at once, a dead worker's request
 * answered TIMEOUT with its client order id and never re-sent to another replica, fan-out merging with a venue
 * missing, malformed requests, the admin requests, and the replica count told to workers in heartbeats. */
#include "router/router.h"
#include "testutil.h"

#include "base/clock.h"
#include "base/log.h"
#include "bus/bus_msg.h"
#include "bus/bus_signal.h"
#include "bus/bus_sock.h"
#include "proto/control.h"
#include "proto/envelope.h"
#include "proto/error.h"
#include "proto/request.h"
#include "proto/result.h"

#include <czmq.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t s_child;
static char s_front[64], s_back[64];

static void s_start_router(void)
{
    int base = 24000 + (getpid() % 500) * 2;
    snprintf(s_front, sizeof s_front, "tcp://127.0.0.1:%d", base);
    snprintf(s_back, sizeof s_back, "tcp://127.0.0.1:%d", base + 1);
    char routes[1400];
    snprintf(routes, sizeof routes, "%s/routes.conf", tu_scratch_dir("router"));
    FILE *f = fopen(routes, "w");
    ck_assert_ptr_nonnull(f);
    fputs("BTC/USDT binance\nETH/USDT bybit\ndefault binance\n", f);
    fclose(f);
    s_child = fork();
    ck_assert_int_ge(s_child, 0);
    if (s_child == 0) {
        log_init("router-test", LOG_LEVEL_WARN);
        bus_signal_install(NULL);
        router_config_t cfg;
        router_config_default(&cfg);
        cfg.frontend = s_front;
        cfg.backend = s_back;
        cfg.routes_path = routes;
        cfg.heartbeat_ms = 100;
        cfg.liveness_ms = 500;
        router_t *r = router_new(&cfg, NULL);
        if (!r)
            _exit(3);
        int rc = router_run(r);
        router_destroy(&r);
        _exit(rc == 0 ? 0 : 4);
    }
}

static void s_stop_router(void)
{
    kill(s_child, SIGTERM);
    int status = 0;
    waitpid(s_child, &status, 0);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "router did not stop cleanly (status %d)", status);
}

static zsock_t *s_dealer(const char *ep, const char *identity)
{
    char spec[80];
    snprintf(spec, sizeof spec, ">%s", ep);
    bus_sock_opts_t o;
    bus_sock_opts_default(&o);
    o.routing_id = identity;
    zsock_t *s = bus_sock_new(ZMQ_DEALER, spec, &o, NULL);
    ck_assert_ptr_nonnull(s);
    return s;
}

static void s_send_request(zsock_t *gw, const char *id, proto_request_t *req)
{
    proto_header_t h;
    proto_header_init(&h, id);
    buf_t b;
    buf_init(&b, 1 << 20);
    ck_assert_int_eq(proto_request_encode(&h, req, &b, NULL), 0);
    ck_assert_int_eq(bus_send_envelope(gw, NULL, &b, NULL), 0);
    buf_release(&b);
}

static void s_place(zsock_t *gw, const char *id, const char *symbol, const char *cloid)
{
    proto_request_t req;
    proto_request_init(&req, PROTO_T_PLACE_ORDER);
    snprintf(req.symbol, sizeof req.symbol, "%s", symbol);
    req.order.side = PROTO_SIDE_BUY;
    req.order.type = PROTO_OT_MARKET;
    decimal_from_str("1", &req.order.quantity, NULL);
    snprintf(req.order.client_order_id, sizeof req.order.client_order_id, "%s", cloid);
    s_send_request(gw, id, &req);
    proto_request_free(&req);
}

/* Receives one message within ms and parses it into hdr (reader keeps it until the next call). */
static bus_msg_t *s_recv(zsock_t *s, int ms, proto_msg_t *reader, proto_header_t *hdr)
{
    zpoller_t *p = zpoller_new(s, NULL);
    bus_msg_t *m = NULL;
    int64_t end = clock_mono_ms() + ms;
    while (!m && clock_mono_ms() < end) {
        if (zpoller_wait(p, 50))
            m = bus_msg_recv(s, NULL);
    }
    zpoller_destroy(&p);
    if (m)
        ck_assert_int_eq(bus_msg_parse(m, reader, hdr, NULL), 0);
    return m;
}

/* A worker: registers, then answers control traffic transparently while the test waits for requests. */
static void s_register(zsock_t *w, const char *venue, const char *instance)
{
    proto_header_t h;
    proto_header_init(&h, "reg");
    proto_control_t c;
    proto_control_init(&c, PROTO_T_WORKER_REGISTER);
    snprintf(c.venue, sizeof c.venue, "%s", venue);
    snprintf(c.instance, sizeof c.instance, "%s", instance);
    snprintf(c.account, sizeof c.account, "default");
    c.capacity = 8;
    c.pid = 1;
    buf_t b;
    buf_init(&b, 4096);
    ck_assert_int_eq(proto_control_encode(&h, &c, &b, NULL), 0);
    ck_assert_int_eq(bus_send_envelope(w, NULL, &b, NULL), 0);
    buf_release(&b);
}

static void s_heartbeat(zsock_t *w, const char *instance)
{
    proto_header_t h;
    proto_header_init(&h, "hb");
    proto_control_t c;
    proto_control_init(&c, PROTO_T_WORKER_HEARTBEAT);
    snprintf(c.instance, sizeof c.instance, "%s", instance);
    buf_t b;
    buf_init(&b, 4096);
    proto_control_encode(&h, &c, &b, NULL);
    bus_send_envelope(w, NULL, &b, NULL);
    buf_release(&b);
}

/* Next request arriving at a worker (control messages skipped), or NULL. */
static bus_msg_t *s_worker_next(zsock_t *w, const char *instance, int ms, proto_msg_t *reader, proto_header_t *hdr)
{
    int64_t end = clock_mono_ms() + ms;
    while (clock_mono_ms() < end) {
        s_heartbeat(w, instance);
        bus_msg_t *m = s_recv(w, 50, reader, hdr);
        if (!m)
            continue;
        if (proto_type_is_request(hdr->type))
            return m;
        bus_msg_destroy(&m);
    }
    return NULL;
}

static void s_reply_order(zsock_t *w, const proto_header_t *req, const char *venue, const char *order_id)
{
    proto_header_t h;
    proto_header_reply(&h, req);
    proto_result_t res;
    proto_result_init(&res, PROTO_T_PLACE_ORDER);
    snprintf(res.order.venue, sizeof res.order.venue, "%s", venue);
    snprintf(res.order.account, sizeof res.order.account, "default");
    snprintf(res.order.order_id, sizeof res.order.order_id, "%s", order_id);
    snprintf(res.order.symbol, sizeof res.order.symbol, "BTC/USDT");
    res.order.side = PROTO_SIDE_BUY;
    res.order.type = PROTO_OT_MARKET;
    res.order.status = PROTO_STATUS_NEW;
    buf_t b;
    buf_init(&b, 1 << 16);
    ck_assert_int_eq(proto_result_encode(&h, &res, &b, NULL), 0);
    ck_assert_int_eq(bus_send_envelope(w, NULL, &b, NULL), 0);
    buf_release(&b);
}

static void s_wait_registered(zsock_t *gw, size_t want, proto_msg_t *reader)
{
    int64_t end = clock_mono_ms() + 5000;
    while (clock_mono_ms() < end) {
        proto_request_t req;
        proto_request_init(&req, PROTO_T_VENUES);
        s_send_request(gw, "venues", &req);
        proto_header_t hdr;
        bus_msg_t *m = s_recv(gw, 1000, reader, &hdr);
        if (m) {
            proto_result_t res;
            ck_assert_int_eq(proto_result_decode(reader, &res, NULL), 0);
            size_t n = res.n_workers;
            proto_result_free(&res);
            bus_msg_destroy(&m);
            if (n >= want)
                return;
        }
        zclock_sleep(50);
    }
    ck_abort_msg("workers did not register");
}

START_TEST(test_dispatch_correlation_and_replicas)
{
    s_start_router();
    proto_msg_t *reader = proto_msg_new();
    zsock_t *gw = s_dealer(s_front, NULL);
    zsock_t *w1 = s_dealer(s_back, "binance-1");
    zsock_t *w2 = s_dealer(s_back, "binance-2");
    s_register(w1, "binance", "binance-1");
    s_register(w2, "binance", "binance-2");
    s_wait_registered(gw, 2, reader);

    /* two requests in flight go to different replicas (least outstanding) */
    s_place(gw, "req-a", "BTC/USDT", "cl-a");
    s_place(gw, "req-b", "BTC/USDT", "cl-b");
    proto_header_t h1, h2, hr;
    bus_msg_t *m1 = s_worker_next(w1, "binance-1", 2000, reader, &h1);
    ck_assert_ptr_nonnull(m1);
    ck_assert_str_ne(h1.id, "req-a"); /* the router's own id, not the gateway's */
    proto_header_t req1 = h1;
    bus_msg_t *m2 = s_worker_next(w2, "binance-2", 2000, reader, &h2);
    ck_assert_ptr_nonnull(m2);
    proto_header_t req2 = h2;
    s_reply_order(w2, &req2, "binance", "222");
    s_reply_order(w1, &req1, "binance", "111");
    char seen[2][PROTO_ID_SZ] = {"", ""};
    for (int i = 0; i < 2; i++) {
        bus_msg_t *r = s_recv(gw, 2000, reader, &hr);
        ck_assert_ptr_nonnull(r);
        ck_assert_int_eq(hr.type, PROTO_T_RESULT);
        proto_result_t res;
        ck_assert_int_eq(proto_result_decode(reader, &res, NULL), 0);
        /* the gateway gets its own id back, with the right order */
        ck_assert(strcmp(hr.id, "req-a") == 0 || strcmp(hr.id, "req-b") == 0);
        snprintf(seen[i], sizeof seen[i], "%s", hr.id);
        proto_result_free(&res);
        bus_msg_destroy(&r);
    }
    ck_assert_str_ne(seen[0], seen[1]);
    bus_msg_destroy(&m1);
    bus_msg_destroy(&m2);
    zsock_destroy(&w1);
    zsock_destroy(&w2);
    zsock_destroy(&gw);
    proto_msg_destroy(&reader);
    s_stop_router();
}
END_TEST

START_TEST(test_dead_worker_timeout_not_resent)
{
    s_start_router();
    proto_msg_t *reader = proto_msg_new();
    zsock_t *gw = s_dealer(s_front, NULL);
    zsock_t *w1 = s_dealer(s_back, "binance-1");
    zsock_t *w2 = s_dealer(s_back, "binance-2");
    s_register(w1, "binance", "binance-1");
    s_register(w2, "binance", "binance-2");
    s_wait_registered(gw, 2, reader);
    /* keep w2 busy with one request so the next goes to w1, which then dies */
    s_place(gw, "busy", "BTC/USDT", "cl-busy");
    proto_header_t h;
    bus_msg_t *first = NULL;
    zsock_t *busy = NULL, *victim = NULL;
    const char *victim_id = NULL;
    int64_t end = clock_mono_ms() + 2000;
    while (!first && clock_mono_ms() < end) {
        if ((first = s_worker_next(w1, "binance-1", 100, reader, &h))) {
            busy = w1;
            victim = w2;
            victim_id = "binance-2";
        } else if ((first = s_worker_next(w2, "binance-2", 100, reader, &h))) {
            busy = w2;
            victim = w1;
            victim_id = "binance-1";
        }
    }
    ck_assert_ptr_nonnull(first);
    s_place(gw, "doomed", "BTC/USDT", "cl-doomed");
    bus_msg_t *m = s_worker_next(victim, victim_id, 2000, reader, &h);
    ck_assert_ptr_nonnull(m);
    bus_msg_destroy(&m);
    /* the victim goes silent; the busy one keeps heartbeating and must never see cl-doomed */
    int64_t t0 = clock_mono_ms();
    proto_header_t hr;
    bus_msg_t *r = NULL;
    while (!r && clock_mono_ms() - t0 < 3000) {
        proto_header_t hb;
        bus_msg_t *leak = s_worker_next(busy, "x", 50, reader, &hb);
        ck_assert_msg(leak == NULL, "the dead worker's request was re-sent to another replica");
        r = s_recv(gw, 50, reader, &hr);
    }
    ck_assert_ptr_nonnull(r);
    ck_assert_str_eq(hr.id, "doomed");
    ck_assert_int_eq(hr.type, PROTO_T_ERROR);
    proto_error_t e;
    ck_assert_int_eq(proto_error_decode(reader, &e, NULL), 0);
    ck_assert_int_eq(e.code, XR_TIMEOUT);
    ck_assert_str_eq(e.client_order_id, "cl-doomed");
    ck_assert_int_lt(clock_mono_ms() - t0, 2000); /* liveness 500 ms + heartbeat period */
    bus_msg_destroy(&r);
    bus_msg_destroy(&first);
    zsock_destroy(&w1);
    zsock_destroy(&w2);
    zsock_destroy(&gw);
    proto_msg_destroy(&reader);
    s_stop_router();
}
END_TEST

START_TEST(test_no_worker_fanout_and_malformed)
{
    s_start_router();
    proto_msg_t *reader = proto_msg_new();
    zsock_t *gw = s_dealer(s_front, NULL);
    zsock_t *wb = s_dealer(s_back, "bybit-1");
    s_register(wb, "bybit", "bybit-1");
    s_wait_registered(gw, 1, reader);
    /* no binance worker: VENUE_UNAVAILABLE at once */
    int64_t t0 = clock_mono_ms();
    s_place(gw, "nw", "BTC/USDT", "cl-nw");
    proto_header_t hr;
    bus_msg_t *r = s_recv(gw, 1000, reader, &hr);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_lt(clock_mono_ms() - t0, 500);
    proto_error_t e;
    ck_assert_int_eq(proto_error_decode(reader, &e, NULL), 0);
    ck_assert_int_eq(e.code, XR_VENUE_UNAVAILABLE);
    ck_assert_str_eq(e.client_order_id, "cl-nw");
    bus_msg_destroy(&r);

    /* fan-out positions: bybit answers, binance has no worker and appears with its error */
    proto_request_t req;
    proto_request_init(&req, PROTO_T_GET_POSITIONS);
    s_send_request(gw, "pos", &req);
    proto_header_t hw;
    bus_msg_t *m = s_worker_next(wb, "bybit-1", 2000, reader, &hw);
    ck_assert_ptr_nonnull(m);
    proto_header_t reqh = hw;
    proto_header_t h;
    proto_header_reply(&h, &reqh);
    proto_result_t res;
    proto_result_init(&res, PROTO_T_GET_POSITIONS);
    proto_position_t *p = proto_result_add_position(&res);
    snprintf(p->venue, sizeof p->venue, "bybit");
    snprintf(p->account, sizeof p->account, "default");
    snprintf(p->symbol, sizeof p->symbol, "ETH/USDT");
    p->side = PROTO_DIR_LONG;
    decimal_from_str("0.5", &p->quantity, NULL);
    decimal_from_str("0.5", &p->size, NULL);
    buf_t b;
    buf_init(&b, 1 << 16);
    ck_assert_int_eq(proto_result_encode(&h, &res, &b, NULL), 0);
    bus_send_envelope(wb, NULL, &b, NULL);
    proto_result_free(&res);
    bus_msg_destroy(&m);
    r = s_recv(gw, 2000, reader, &hr);
    ck_assert_ptr_nonnull(r);
    ck_assert_str_eq(hr.id, "pos");
    ck_assert_int_eq(proto_result_decode(reader, &res, NULL), 0);
    ck_assert_uint_eq(res.n_parts, 2);
    ck_assert_uint_eq(res.n_positions, 1);
    bool saw_binance_error = false, saw_bybit_ok = false;
    for (size_t i = 0; i < res.n_parts; i++) {
        if (!strcmp(res.parts[i].venue, "binance"))
            saw_binance_error = !res.parts[i].ok && res.parts[i].error.code == XR_VENUE_UNAVAILABLE;
        if (!strcmp(res.parts[i].venue, "bybit"))
            saw_bybit_ok = res.parts[i].ok && res.parts[i].count == 1;
    }
    ck_assert(saw_binance_error && saw_bybit_ok);
    proto_result_free(&res);
    bus_msg_destroy(&r);

    /* a venue-wide request with a venue and no symbol goes to that venue's worker */
    proto_request_init(&req, PROTO_T_HEALTH);
    snprintf(req.venue, sizeof req.venue, "bybit");
    s_send_request(gw, "health-bybit", &req);
    m = s_worker_next(wb, "bybit-1", 2000, reader, &hw);
    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(hw.type, PROTO_T_HEALTH);
    bus_msg_destroy(&m);

    /* malformed: answered INVALID_REQUEST with id "-" */
    buf_reset(&b);
    buf_append(&b, "\x93\x01\x02\x03", 4);
    bus_send_envelope(gw, NULL, &b, NULL);
    r = s_recv(gw, 2000, reader, &hr);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(hr.type, PROTO_T_ERROR);
    ck_assert_str_eq(hr.id, "-");
    ck_assert_int_eq(proto_error_decode(reader, &e, NULL), 0);
    ck_assert_int_eq(e.code, XR_INVALID_REQUEST);
    bus_msg_destroy(&r);

    /* route answered by the router itself */
    proto_request_init(&req, PROTO_T_ROUTE);
    snprintf(req.symbol, sizeof req.symbol, "ETH/USDT");
    s_send_request(gw, "route", &req);
    r = s_recv(gw, 2000, reader, &hr);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(proto_result_decode(reader, &res, NULL), 0);
    ck_assert_str_eq(res.route.venue, "bybit");
    ck_assert_str_eq(res.route.rule, "exact");
    ck_assert_ptr_nonnull(strstr(res.route.reason, "ETH/USDT"));
    proto_result_free(&res);
    bus_msg_destroy(&r);
    buf_release(&b);
    zsock_destroy(&wb);
    zsock_destroy(&gw);
    proto_msg_destroy(&reader);
    s_stop_router();
}
END_TEST

/* Waits for a router.heartbeat to worker w (instance inst) telling `want` replicas, heartbeating for w and
 * for keep (instance keep_inst, may be NULL) meanwhile. Returns false on timeout. */
static bool s_wait_replicas(zsock_t *w, const char *inst, uint32_t want, zsock_t *keep, const char *keep_inst,
                            proto_msg_t *reader)
{
    int64_t end = clock_mono_ms() + 3000;
    uint32_t last = 0;
    while (clock_mono_ms() < end) {
        s_heartbeat(w, inst);
        if (keep) {
            s_heartbeat(keep, keep_inst);
            zsock_set_rcvtimeo(keep, 0);
            zmsg_t *drop = zmsg_recv(keep); /* its own control traffic is not what is waited for */
            zmsg_destroy(&drop);
        }
        proto_header_t hdr;
        bus_msg_t *m = s_recv(w, 50, reader, &hdr);
        if (!m)
            continue;
        if (hdr.type == PROTO_T_ROUTER_HEARTBEAT) {
            proto_control_t c;
            ck_assert_int_eq(proto_control_decode(reader, &c, NULL), 0);
            ck_assert_int_ne(c.epoch, 0);
            last = c.replicas;
        }
        bus_msg_destroy(&m);
        if (last == want)
            return true;
    }
    fprintf(stderr, "%s: replicas %u, wanted %u\n", inst, last, want);
    return false;
}

/* The router tells each worker, in the registration's acknowledgement and every heartbeat, how many workers
 * of its venue and account are registered: replicas started without configuration split the rate-limit
 * budget by it (README 9). Other venues and accounts are not counted; a dropped replica leaves the count. */
START_TEST(test_heartbeats_tell_replicas)
{
    s_start_router();
    zsock_t *gw = s_dealer(s_front, "gw");
    zsock_t *w1 = s_dealer(s_back, "binance-1"), *w2 = s_dealer(s_back, "binance-2");
    zsock_t *wy = s_dealer(s_back, "bybit-1"), *wo = s_dealer(s_back, "binance-o");
    proto_msg_t *reader = proto_msg_new();
    /* another venue and another account of the same venue: counted apart (they fall silent later, which
     * changes nothing for binance/default) */
    s_register(wy, "bybit", "bybit-1");
    ck_assert(s_wait_replicas(wy, "bybit-1", 1, NULL, NULL, reader)); /* the registration's acknowledgement */
    proto_header_t h;
    proto_header_init(&h, "reg");
    proto_control_t c;
    proto_control_init(&c, PROTO_T_WORKER_REGISTER);
    snprintf(c.venue, sizeof c.venue, "binance");
    snprintf(c.instance, sizeof c.instance, "binance-o");
    snprintf(c.account, sizeof c.account, "other");
    c.capacity = 1;
    c.pid = 1;
    buf_t b;
    buf_init(&b, 4096);
    ck_assert_int_eq(proto_control_encode(&h, &c, &b, NULL), 0);
    ck_assert_int_eq(bus_send_envelope(wo, NULL, &b, NULL), 0);
    buf_release(&b);
    ck_assert(s_wait_replicas(wo, "binance-o", 1, NULL, NULL, reader));
    s_register(w1, "binance", "binance-1");
    ck_assert(s_wait_replicas(w1, "binance-1", 1, NULL, NULL, reader));
    s_register(w2, "binance", "binance-2");
    ck_assert(s_wait_replicas(w2, "binance-2", 2, w1, "binance-1", reader));
    ck_assert(s_wait_replicas(w1, "binance-1", 2, w2, "binance-2", reader)); /* told by the next heartbeat */
    /* binance-2 goes silent: once the router drops it (liveness 500 ms), binance-1 is told it is alone */
    ck_assert(s_wait_replicas(w1, "binance-1", 1, NULL, NULL, reader));
    zsock_destroy(&wo);
    zsock_destroy(&wy);
    zsock_destroy(&w2);
    zsock_destroy(&w1);
    zsock_destroy(&gw);
    proto_msg_destroy(&reader);
    s_stop_router();
}
END_TEST

int main(void)
{
    zsys_handler_set(NULL);
    Suite *s = suite_create("router");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_dispatch_correlation_and_replicas);
    tcase_add_test(tc, test_dead_worker_timeout_not_resent);
    tcase_add_test(tc, test_no_worker_fanout_and_malformed);
    tcase_add_test(tc, test_heartbeats_tell_replicas);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
