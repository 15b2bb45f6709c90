/* gateway: the real gateway (the xroute-gateway binary in a child process) over real sockets; the test plays the client, the router (a ROUTER
 * bound where the gateway connects) and a worker publishing events. Checks id generation and correlation,
 * idempotent resubmission answered without a second forward (also after a gateway restart), risk rejection
 * never forwarded, malformed and oversized input, deadline -> TIMEOUT with the client order id, and events
 * republished to subscribers by topic. */
#include "gateway/gateway.h"
#include "testutil.h"

#include "base/clock.h"
#include "base/log.h"
#include "bus/bus_msg.h"
#include "bus/bus_sock.h"
#include "proto/envelope.h"
#include "proto/error.h"
#include "proto/event.h"
#include "proto/request.h"
#include "proto/result.h"

#include <czmq.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t s_child;
static char s_clients[64], s_pub[64], s_intake[64], s_router[64], s_idem[1400], s_risk[1400];

/* The gateway runs as the real binary in a child (fork + exec): a fork without exec of this multi-threaded
 * test process (ZeroMQ's threads, ASan's allocator) could leave the child stuck on a lock held by a thread
 * that did not survive the fork; it did, now and then, and the first request then got no answer. */
static void s_start_gateway(void)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/xroute-gateway", getenv("XR_BIN"));
    s_child = fork();
    ck_assert_int_ge(s_child, 0);
    if (s_child == 0) {
        setenv("XROUTE_CURVE", "off", 1);
        execl(path, "xroute-gateway", "--clients", s_clients, "--events-out", s_pub, "--events-in", s_intake,
              "--router", s_router, "--risk", s_risk, "--idem", s_idem, "--timeout-ms", "700", "--log-level", "warn",
              (char *) NULL);
        _exit(127);
    }
}

static void s_stop_gateway(void)
{
    kill(s_child, SIGTERM);
    int status = 0;
    waitpid(s_child, &status, 0);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "gateway did not stop cleanly (%d)", status);
}

/* Loopback endpoints on distinct ports the kernel just handed out (plain sockets held until all are bound,
 * then closed; no ZeroMQ before the fork), so that parallel suites and processes on fixed ports do not
 * collide with the gateway child's binds. */
static void s_free_endpoints(char *const out[], size_t cap, int n)
{
    int fds[8];
    ck_assert_int_le(n, 8);
    for (int i = 0; i < n; i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        ck_assert_int_ge(fds[i], 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = 0};
        socklen_t len = sizeof a;
        ck_assert_int_eq(bind(fds[i], (struct sockaddr *) &a, sizeof a), 0);
        ck_assert_int_eq(getsockname(fds[i], (struct sockaddr *) &a, &len), 0);
        snprintf(out[i], cap, "tcp://127.0.0.1:%d", ntohs(a.sin_port));
    }
    for (int i = 0; i < n; i++)
        close(fds[i]);
}

static void s_setup(const char *name)
{
    char *const eps[] = {s_clients, s_pub, s_intake, s_router};
    s_free_endpoints(eps, sizeof s_clients, 4);
    const char *dir = tu_scratch_dir(name);
    snprintf(s_idem, sizeof s_idem, "%s/idem.journal", dir);
    snprintf(s_risk, sizeof s_risk, "%s/risk.conf", dir);
    FILE *f = fopen(s_risk, "w");
    ck_assert_ptr_nonnull(f);
    fputs("max_qty BTC/USDT 2\n", f);
    fclose(f);
}

static zsock_t *s_sock(int type, char prefix, const char *ep, const char *subscribe)
{
    char spec[80];
    snprintf(spec, sizeof spec, "%c%s", prefix, ep);
    bus_sock_opts_t o;
    bus_sock_opts_default(&o);
    o.subscribe = subscribe;
    zsock_t *s = bus_sock_new(type, spec, &o, NULL);
    ck_assert_ptr_nonnull(s);
    return s;
}

static bus_msg_t *s_recv(zsock_t *s, int ms, proto_msg_t *reader, proto_header_t *hdr)
{
    zpoller_t *p = zpoller_new(s, NULL);
    bus_msg_t *m = NULL;
    int64_t end = clock_mono_ms() + ms;
    while (!m && clock_mono_ms() < end)
        if (zpoller_wait(p, 20))
            m = bus_msg_recv(s, NULL);
    zpoller_destroy(&p);
    if (m)
        ck_assert_int_eq(bus_msg_parse(m, reader, hdr, NULL), 0);
    return m;
}

static void s_place(zsock_t *c, const char *id, const char *qty, const char *cloid)
{
    proto_request_t req;
    proto_request_init(&req, PROTO_T_PLACE_ORDER);
    snprintf(req.symbol, sizeof req.symbol, "BTC/USDT");
    req.order.side = PROTO_SIDE_BUY;
    req.order.type = PROTO_OT_MARKET;
    decimal_from_str(qty, &req.order.quantity, NULL);
    if (cloid)
        snprintf(req.order.client_order_id, sizeof req.order.client_order_id, "%s", cloid);
    proto_header_t h;
    proto_header_init(&h, id);
    buf_t b;
    buf_init(&b, 1 << 16);
    ck_assert_int_eq(proto_request_encode(&h, &req, &b, NULL), 0);
    ck_assert_int_eq(bus_send_envelope(c, NULL, &b, NULL), 0);
    buf_release(&b);
    proto_request_free(&req);
}

/* The router side: answers a forwarded place_order with a NEW order carrying its client order id. */
static void s_router_answer(zsock_t *r, bus_msg_t *m, proto_msg_t *reader, const proto_header_t *hdr,
                            const char *order_id)
{
    proto_request_t req;
    ck_assert_int_eq(proto_request_decode(reader, &req, NULL), 0);
    proto_header_t h;
    proto_header_reply(&h, hdr);
    proto_result_t res;
    proto_result_init(&res, PROTO_T_PLACE_ORDER);
    snprintf(res.order.venue, sizeof res.order.venue, "binance");
    snprintf(res.order.account, sizeof res.order.account, "default");
    snprintf(res.order.order_id, sizeof res.order.order_id, "%s", order_id);
    snprintf(res.order.client_order_id, sizeof res.order.client_order_id, "%s", req.order.client_order_id);
    snprintf(res.order.symbol, sizeof res.order.symbol, "BTC/USDT");
    res.order.side = PROTO_SIDE_BUY;
    res.order.type = PROTO_OT_MARKET;
    res.order.quantity = req.order.quantity;
    res.order.status = PROTO_STATUS_NEW;
    buf_t b;
    buf_init(&b, 1 << 16);
    ck_assert_int_eq(proto_result_encode(&h, &res, &b, NULL), 0);
    bus_msg_t *reply = bus_msg_new_reply(m);
    bus_msg_set_envelope(reply, b.data, b.len);
    ck_assert_int_eq(bus_msg_send(&reply, r, NULL), 0);
    buf_release(&b);
    proto_request_free(&req);
}

START_TEST(test_place_idempotent_across_restart)
{
    s_setup("idem");
    zsock_t *router = s_sock(ZMQ_ROUTER, '@', s_router, NULL);
    s_start_gateway();
    proto_msg_t *reader = proto_msg_new();
    zsock_t *c = s_sock(ZMQ_DEALER, '>', s_clients, NULL);
    proto_header_t h;

    /* no client order id: the gateway generates one and forwards under its own id */
    s_place(c, "p1", "1", NULL);
    bus_msg_t *fwd = s_recv(router, 10000, reader, &h);
    ck_assert_ptr_nonnull(fwd);
    ck_assert_str_ne(h.id, "p1");
    ck_assert_str_ne(h.client, "");
    s_router_answer(router, fwd, reader, &h, "1001");
    bus_msg_destroy(&fwd);
    bus_msg_t *rep = s_recv(c, 10000, reader, &h);
    ck_assert_ptr_nonnull(rep);
    ck_assert_str_eq(h.id, "p1");
    proto_result_t res;
    ck_assert_int_eq(proto_result_decode(reader, &res, NULL), 0);
    ck_assert_str_eq(res.order.order_id, "1001");
    ck_assert_int_eq(strncmp(res.order.client_order_id, "xr", 2), 0);
    proto_result_free(&res);
    bus_msg_destroy(&rep);

    /* with an id: first forwarded, the resubmission answered from the store, nothing forwarded */
    s_place(c, "p2", "1", "same-id");
    fwd = s_recv(router, 10000, reader, &h);
    ck_assert_ptr_nonnull(fwd);
    s_router_answer(router, fwd, reader, &h, "2002");
    bus_msg_destroy(&fwd);
    rep = s_recv(c, 10000, reader, &h);
    ck_assert_ptr_nonnull(rep);
    bus_msg_destroy(&rep);
    s_place(c, "p3", "1", "same-id");
    rep = s_recv(c, 10000, reader, &h);
    ck_assert_ptr_nonnull(rep);
    ck_assert_str_eq(h.id, "p3");
    ck_assert_int_eq(proto_result_decode(reader, &res, NULL), 0);
    ck_assert_str_eq(res.order.order_id, "2002");
    proto_result_free(&res);
    bus_msg_destroy(&rep);
    ck_assert_ptr_null(s_recv(router, 300, reader, &h));

    /* a restart of the gateway remembers it */
    s_stop_gateway();
    s_start_gateway();
    zsock_destroy(&c);
    c = s_sock(ZMQ_DEALER, '>', s_clients, NULL);
    s_place(c, "p4", "1", "same-id");
    rep = s_recv(c, 10000, reader, &h);
    ck_assert_ptr_nonnull(rep);
    ck_assert_int_eq(proto_result_decode(reader, &res, NULL), 0);
    ck_assert_str_eq(res.order.order_id, "2002");
    proto_result_free(&res);
    bus_msg_destroy(&rep);
    ck_assert_ptr_null(s_recv(router, 300, reader, &h));

    zsock_destroy(&c);
    zsock_destroy(&router);
    proto_msg_destroy(&reader);
    s_stop_gateway();
}
END_TEST

START_TEST(test_refusals_and_deadline)
{
    s_setup("refuse");
    zsock_t *router = s_sock(ZMQ_ROUTER, '@', s_router, NULL);
    s_start_gateway();
    proto_msg_t *reader = proto_msg_new();
    zsock_t *c = s_sock(ZMQ_DEALER, '>', s_clients, NULL);
    proto_header_t h;
    proto_error_t e;

    s_place(c, "risk", "3", "too-big");
    bus_msg_t *rep = s_recv(c, 10000, reader, &h);
    ck_assert_ptr_nonnull(rep);
    ck_assert_int_eq(proto_error_decode(reader, &e, NULL), 0);
    ck_assert_int_eq(e.code, XR_RISK_REJECTED);
    ck_assert_ptr_nonnull(strstr(e.message, "max_qty BTC/USDT 2"));
    bus_msg_destroy(&rep);

    /* malformed, and over 1 MiB: INVALID_REQUEST */
    buf_t b;
    buf_init(&b, 3 << 20);
    buf_append(&b, "\xc1", 1);
    bus_send_envelope(c, NULL, &b, NULL);
    rep = s_recv(c, 10000, reader, &h);
    ck_assert_ptr_nonnull(rep);
    ck_assert_int_eq(proto_error_decode(reader, &e, NULL), 0);
    ck_assert_int_eq(e.code, XR_INVALID_REQUEST);
    bus_msg_destroy(&rep);
    buf_reset(&b);
    for (int i = 0; i < (2 << 20); i++)
        buf_putc(&b, 'x');
    bus_send_envelope(c, NULL, &b, NULL);
    rep = s_recv(c, 10000, reader, &h);
    ck_assert_ptr_nonnull(rep);
    ck_assert_int_eq(proto_error_decode(reader, &e, NULL), 0);
    ck_assert_int_eq(e.code, XR_INVALID_REQUEST);
    ck_assert_ptr_nonnull(strstr(e.message, "larger than"));
    bus_msg_destroy(&rep);
    buf_release(&b);
    ck_assert_ptr_null(s_recv(router, 200, reader, &h)); /* nothing of that reached the router */

    /* the router never answers: TIMEOUT after the gateway's deadline, with the client order id */
    int64_t t0 = clock_mono_ms();
    s_place(c, "slow", "1", "slow-id");
    bus_msg_t *fwd = s_recv(router, 10000, reader, &h);
    ck_assert_ptr_nonnull(fwd);
    proto_header_t fwd_hdr = h;
    rep = s_recv(c, 10000, reader, &h);
    ck_assert_ptr_nonnull(rep);
    ck_assert_str_eq(h.id, "slow");
    ck_assert_int_eq(proto_error_decode(reader, &e, NULL), 0);
    ck_assert_int_eq(e.code, XR_TIMEOUT);
    ck_assert_str_eq(e.client_order_id, "slow-id");
    ck_assert_int_ge(clock_mono_ms() - t0, 600);
    bus_msg_destroy(&rep);
    /* its late answer is not sent to the client, but a resubmission now sees the order */
    ck_assert_int_eq(bus_msg_parse(fwd, reader, &h, NULL), 0);
    s_router_answer(router, fwd, reader, &fwd_hdr, "3003");
    bus_msg_destroy(&fwd);
    ck_assert_ptr_null(s_recv(c, 300, reader, &h));
    s_place(c, "again", "1", "slow-id");
    rep = s_recv(c, 10000, reader, &h);
    ck_assert_ptr_nonnull(rep);
    proto_result_t res;
    ck_assert_int_eq(proto_result_decode(reader, &res, NULL), 0);
    ck_assert_str_eq(res.order.order_id, "3003");
    proto_result_free(&res);
    bus_msg_destroy(&rep);

    zsock_destroy(&c);
    zsock_destroy(&router);
    proto_msg_destroy(&reader);
    s_stop_gateway();
}
END_TEST

START_TEST(test_events_republished_by_topic)
{
    s_setup("events");
    zsock_t *router = s_sock(ZMQ_ROUTER, '@', s_router, NULL);
    s_start_gateway();
    proto_msg_t *reader = proto_msg_new();
    zsock_t *sub = s_sock(ZMQ_SUB, '>', s_pub, "default.bybit.");
    zsock_t *worker = s_sock(ZMQ_PUB, '>', s_intake, NULL);
    zclock_sleep(300); /* PUB/SUB joins */
    proto_event_t ev;
    buf_t b;
    buf_init(&b, 1 << 16);
    int got = 0;
    for (int round = 0; round < 20 && !got; round++) {
        for (int v = 0; v < 2; v++) {
            proto_event_init(&ev, PROTO_T_EVENT_FILL);
            snprintf(ev.source, sizeof ev.source, "w-1");
            ev.seq = (uint64_t) round * 2 + (uint64_t) v + 1;
            proto_fill_t *f = &ev.fill;
            snprintf(f->venue, sizeof f->venue, "%s", v ? "bybit" : "binance");
            snprintf(f->account, sizeof f->account, "default");
            snprintf(f->trade_id, sizeof f->trade_id, "t%d", round);
            snprintf(f->order_id, sizeof f->order_id, "o1");
            snprintf(f->symbol, sizeof f->symbol, "ETH/USDT");
            f->side = PROTO_SIDE_BUY;
            decimal_from_str("0.1", &f->quantity, NULL);
            decimal_from_str("3000.5", &f->price, NULL);
            f->executed_at = clock_wall_ms();
            char topic[PROTO_TOPIC_SZ];
            proto_event_topic(&ev, topic, sizeof topic);
            proto_header_t h;
            proto_header_init(&h, "ev");
            buf_reset(&b);
            ck_assert_int_eq(proto_event_encode(&h, &ev, &b, NULL), 0);
            bus_msg_t *m = bus_msg_new();
            bus_msg_push_route(m, topic, strlen(topic), NULL);
            bus_msg_set_envelope(m, b.data, b.len);
            bus_msg_send(&m, worker, NULL);
            proto_event_free(&ev);
        }
        proto_header_t h;
        bus_msg_t *m = s_recv(sub, 100, reader, &h);
        while (m) {
            size_t tl;
            const char *t = bus_msg_route(m, 0, &tl);
            ck_assert_int_eq(strncmp(t, "default.bybit.", tl), 0); /* only the subscribed venue */
            ck_assert_int_eq(proto_event_decode(reader, &ev, NULL), 0);
            ck_assert_str_eq(ev.fill.venue, "bybit");
            proto_event_free(&ev);
            got++;
            bus_msg_destroy(&m);
            m = s_recv(sub, 100, reader, &h);
        }
    }
    ck_assert_int_gt(got, 0);
    buf_release(&b);
    zsock_destroy(&worker);
    zsock_destroy(&sub);
    zsock_destroy(&router);
    proto_msg_destroy(&reader);
    s_stop_gateway();
}
END_TEST

int main(void)
{
    zsys_handler_set(NULL);
    Suite *s = suite_create("gateway");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_place_idempotent_across_restart);
    tcase_add_test(tc, test_refusals_and_deadline);
    tcase_add_test(tc, test_events_republished_by_topic);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
