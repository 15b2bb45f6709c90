/* bus_msg: envelopes with their routing frames over real sockets: ROUTER<->DEALER (inproc and tcp) with a
 * worker identity, REQ's empty delimiter carried back on the reply, PUB topic frames, refusal of messages
 * with too many routing frames or an empty envelope (the next message still arrives intact). */
#include "bus/bus_msg.h"
#include "bus/bus_sock.h"
#include "proto/proto.h"
#include "testutil.h"

#include <string.h>

static bus_msg_t *s_recv(zsock_t *s)
{
    zmq_pollitem_t it = {.socket = zsock_resolve(s), .events = ZMQ_POLLIN};
    ck_assert_int_eq(zmq_poll(&it, 1, 3000), 1);
    err_t err = {0};
    bus_msg_t *m = bus_msg_recv(s, &err);
    ck_assert_msg(m != NULL, "recv: %s", err.msg);
    return m;
}

static void s_round_trip(const char *bind_ep)
{
    err_t err = {0};
    zsock_t *router = bus_router_new(bind_ep, NULL, &err);
    ck_assert_msg(router != NULL, "%s", err.msg);
    char ep[256];
    snprintf(ep, sizeof ep, ">%s", strchr(bind_ep, '*') ? bus_sock_endpoint(router) : bind_ep + 1);
    bus_sock_opts_t o;
    bus_sock_opts_default(&o);
    o.routing_id = "binance-1";
    zsock_t *worker = bus_dealer_new(ep, &o, &err);
    ck_assert_msg(worker != NULL, "%s", err.msg);

    /* worker -> router: worker.register */
    proto_header_t h;
    proto_header_init(&h, "c-1");
    proto_control_t reg;
    proto_control_init(&reg, PROTO_T_WORKER_REGISTER);
    memcpy(reg.venue, "binance", 8);
    memcpy(reg.instance, "binance-1", 10);
    memcpy(reg.account, "default", 8);
    reg.capacity = 32;
    reg.pid = 99;
    buf_t out;
    buf_init(&out, PROTO_ENVELOPE_MAX);
    ck_assert_int_eq(proto_control_encode(&h, &reg, &out, &err), 0);
    ck_assert_int_eq(bus_send_envelope(worker, NULL, &out, &err), 0);

    bus_msg_t *in = s_recv(router);
    ck_assert_uint_eq(bus_msg_route_count(in), 1);
    size_t len;
    const void *rid = bus_msg_route(in, 0, &len);
    ck_assert_uint_eq(len, 9);
    ck_assert_int_eq(memcmp(rid, "binance-1", 9), 0);
    proto_msg_t *reader = proto_msg_new();
    proto_header_t got;
    ck_assert_int_eq(bus_msg_parse(in, reader, &got, &err), 0);
    ck_assert_int_eq(got.type, PROTO_T_WORKER_REGISTER);
    proto_control_t c;
    ck_assert_int_eq(proto_control_decode(reader, &c, &err), 0);
    ck_assert_uint_eq(c.capacity, 32);
    ck_assert_str_eq(c.instance, "binance-1");

    /* router -> worker: a reply routed by the same frames */
    bus_msg_t *reply = bus_msg_new_reply(in);
    buf_reset(&out);
    proto_header_t rh;
    proto_header_reply(&rh, &got);
    proto_control_t hello;
    proto_control_init(&hello, PROTO_T_ROUTER_HELLO);
    hello.epoch = 12345;
    ck_assert_int_eq(proto_control_encode(&rh, &hello, &out, &err), 0);
    bus_msg_set_envelope(reply, out.data, out.len);
    ck_assert_int_eq(bus_msg_send(&reply, router, &err), 0);
    ck_assert_ptr_null(reply);
    bus_msg_t *back = s_recv(worker);
    ck_assert_uint_eq(bus_msg_route_count(back), 0);
    ck_assert_int_eq(bus_msg_parse(back, reader, &got, &err), 0);
    ck_assert_str_eq(got.id, "c-1");
    ck_assert_int_eq(proto_control_decode(reader, &c, &err), 0);
    ck_assert_int_eq(c.epoch, 12345);

    bus_msg_destroy(&back);
    bus_msg_destroy(&in);
    proto_msg_destroy(&reader);
    buf_release(&out);
    zsock_destroy(&worker);
    zsock_destroy(&router);
}

START_TEST(router_dealer_inproc)
{
    s_round_trip("@inproc://bus-msg-rt");
}
END_TEST

START_TEST(router_dealer_tcp)
{
    s_round_trip("@tcp://127.0.0.1:*");
}
END_TEST

START_TEST(req_delimiter_round_trip)
{
    err_t err = {0};
    zsock_t *router = bus_router_new("@inproc://bus-req", NULL, &err);
    zsock_t *req = bus_sock_new(ZMQ_REQ, ">inproc://bus-req", NULL, &err);
    ck_assert_ptr_nonnull(req);
    buf_t env;
    buf_init(&env, 64);
    buf_puts(&env, "\x81\xa1x\x01");
    ck_assert_int_eq(bus_send_envelope(req, NULL, &env, &err), 0);
    bus_msg_t *in = s_recv(router);
    ck_assert_uint_eq(bus_msg_route_count(in), 2); /* identity, empty delimiter */
    size_t len;
    bus_msg_route(in, 1, &len);
    ck_assert_uint_eq(len, 0);
    bus_msg_t *reply = bus_msg_new_reply(in);
    bus_msg_set_envelope(reply, "\x80", 1);
    ck_assert_int_eq(bus_msg_send(&reply, router, &err), 0);
    bus_msg_t *back = s_recv(req);
    const unsigned char *e = bus_msg_envelope(back, &len);
    ck_assert_uint_eq(len, 1);
    ck_assert_uint_eq(e[0], 0x80);
    bus_msg_destroy(&back);
    bus_msg_destroy(&in);
    buf_release(&env);
    zsock_destroy(&req);
    zsock_destroy(&router);
}
END_TEST

START_TEST(pub_sub_topic)
{
    err_t err = {0};
    zsock_t *pub = bus_pub_new("@inproc://bus-pub", NULL, &err);
    bus_sock_opts_t o;
    bus_sock_opts_default(&o);
    o.subscribe = "default.bybit.";
    zsock_t *sub = bus_sub_new(">inproc://bus-pub", &o, &err);
    ck_assert_ptr_nonnull(sub);
    /* The subscription reaches the publisher asynchronously: publish rounds until one arrives. */
    const char *topics[] = {"default.binance.", "default.bybit.", "default.bybit2."};
    zmq_pollitem_t it = {.socket = zsock_resolve(sub), .events = ZMQ_POLLIN};
    int rounds = 0;
    while (rounds++ < 100) {
        for (int i = 0; i < 3; i++) {
            bus_msg_t *m = bus_msg_new();
            ck_assert_int_eq(bus_msg_push_route(m, topics[i], strlen(topics[i]), &err), 0);
            bus_msg_set_envelope(m, "\x80", 1);
            ck_assert_int_eq(bus_msg_send(&m, pub, &err), 0);
        }
        if (zmq_poll(&it, 1, 50) == 1)
            break;
    }
    /* Everything received has the subscribed topic (bybit2 differs thanks to the trailing dot). */
    int got = 0;
    bus_msg_t *in;
    while (zmq_poll(&it, 1, 50) == 1 && (in = bus_msg_recv(sub, &err))) {
        size_t len;
        const char *t = bus_msg_route(in, 0, &len);
        ck_assert_uint_eq(len, strlen("default.bybit."));
        ck_assert_int_eq(memcmp(t, "default.bybit.", len), 0);
        bus_msg_destroy(&in);
        got++;
    }
    ck_assert_int_ge(got, 1);
    ck_assert_ptr_null(bus_msg_recv(sub, &err));
    ck_assert_int_eq(err.code, XR_OK);
    zsock_destroy(&sub);
    zsock_destroy(&pub);
}
END_TEST

START_TEST(refuses_bad_framing)
{
    err_t err = {0};
    zsock_t *router = bus_router_new("@inproc://bus-bad", NULL, &err);
    zsock_t *dealer = bus_dealer_new(">inproc://bus-bad", NULL, &err);
    /* 9 extra frames + the identity the ROUTER adds = 10 routing frames: refused. */
    for (int i = 0; i < 9; i++)
        zmq_send(zsock_resolve(dealer), "r", 1, ZMQ_SNDMORE);
    zmq_send(zsock_resolve(dealer), "\x80", 1, 0);
    /* An empty envelope: refused. */
    zmq_send(zsock_resolve(dealer), "", 0, 0);
    /* A routing frame longer than 255 bytes is impossible to receive on a ROUTER as identity, but a DEALER
     * can put one in the middle: refused. */
    char big[300];
    memset(big, 'b', sizeof big);
    zmq_send(zsock_resolve(dealer), big, sizeof big, ZMQ_SNDMORE);
    zmq_send(zsock_resolve(dealer), "\x80", 1, 0);
    /* Then a good one. */
    zmq_send(zsock_resolve(dealer), "\x81\xa1v\x01", 4, 0);
    zmq_pollitem_t it = {.socket = zsock_resolve(router), .events = ZMQ_POLLIN};
    int refused = 0;
    bus_msg_t *good = NULL;
    while (!good && zmq_poll(&it, 1, 2000) == 1) {
        bus_msg_t *m = bus_msg_recv(router, &err);
        if (m)
            good = m;
        else if (err.code == XR_INVALID_REQUEST)
            refused++;
    }
    ck_assert_int_eq(refused, 3);
    ck_assert_ptr_nonnull(good);
    size_t len;
    const char *e = bus_msg_envelope(good, &len);
    ck_assert_uint_eq(len, 4);
    ck_assert_int_eq(memcmp(e, "\x81\xa1v\x01", 4), 0);
    bus_msg_destroy(&good);
    zsock_destroy(&dealer);
    zsock_destroy(&router);
}
END_TEST

START_TEST(route_limits_when_building)
{
    err_t err = {0};
    bus_msg_t *m = bus_msg_new();
    for (int i = 0; i < BUS_ROUTE_MAX; i++)
        ck_assert_int_eq(bus_msg_push_route(m, "a", 1, &err), 0);
    ck_assert_int_eq(bus_msg_push_route(m, "a", 1, &err), -1);
    bus_msg_t *n = bus_msg_new();
    char big[BUS_ROUTE_FRAME_MAX + 1] = {0};
    ck_assert_int_eq(bus_msg_push_route(n, big, sizeof big, &err), -1);
    size_t len;
    ck_assert_ptr_null(bus_msg_envelope(n, &len));
    ck_assert_uint_eq(len, 0);
    bus_msg_destroy(&m);
    bus_msg_destroy(&n);
    bus_msg_destroy(&n); /* idempotent */
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("bus_msg");
    TCase *tc = tcase_create("msg");
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, router_dealer_inproc);
    tcase_add_test(tc, router_dealer_tcp);
    tcase_add_test(tc, req_delimiter_round_trip);
    tcase_add_test(tc, pub_sub_topic);
    tcase_add_test(tc, refuses_bad_framing);
    tcase_add_test(tc, route_limits_when_building);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(s_suite());
}
