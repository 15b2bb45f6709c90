/* bus_sock: options really reach the socket (read back with zmq_getsockopt), ephemeral tcp endpoints are
 * reported, ROUTER_MANDATORY makes a send to an unknown peer fail, and MAXMSGSIZE drops an oversized
 * message (and the connection that sent it) while a normal one gets through. Real sockets, no mocks. */
#include "bus/bus_msg.h"
#include "bus/bus_sock.h"
#include "testutil.h"

#include <string.h>

static int s_get_int(zsock_t *s, int opt)
{
    int v = -1;
    size_t len = sizeof v;
    ck_assert_int_eq(zmq_getsockopt(zsock_resolve(s), opt, &v, &len), 0);
    return v;
}

START_TEST(options_applied)
{
    bus_sock_opts_t o;
    bus_sock_opts_default(&o);
    o.sndhwm = 123;
    o.rcvhwm = 456;
    o.linger_ms = 7;
    o.heartbeat_ivl_ms = 800;
    o.heartbeat_timeout_ms = 2500;
    o.routing_id = "worker-7";
    err_t err = {0};
    zsock_t *d = bus_dealer_new(NULL, &o, &err);
    ck_assert_msg(d != NULL, "%s", err.msg);
    ck_assert_int_eq(s_get_int(d, ZMQ_SNDHWM), 123);
    ck_assert_int_eq(s_get_int(d, ZMQ_RCVHWM), 456);
    ck_assert_int_eq(s_get_int(d, ZMQ_LINGER), 7);
    ck_assert_int_eq(s_get_int(d, ZMQ_HEARTBEAT_IVL), 800);
    ck_assert_int_eq(s_get_int(d, ZMQ_HEARTBEAT_TIMEOUT), 2500);
    int64_t max = 0;
    size_t len = sizeof max;
    ck_assert_int_eq(zmq_getsockopt(zsock_resolve(d), ZMQ_MAXMSGSIZE, &max, &len), 0);
    ck_assert_int_eq(max, (1 << 20) + 65536);
    char id[256];
    len = sizeof id;
    ck_assert_int_eq(zmq_getsockopt(zsock_resolve(d), ZMQ_ROUTING_ID, id, &len), 0);
    ck_assert_uint_eq(len, 8);
    ck_assert_int_eq(memcmp(id, "worker-7", 8), 0);
    zsock_destroy(&d);
}
END_TEST

START_TEST(bad_endpoint_and_routing_id)
{
    err_t err = {0};
    ck_assert_ptr_null(bus_router_new("@nonsense://x", NULL, &err));
    ck_assert_int_eq(err.code, XR_INTERNAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "nonsense"));
    bus_sock_opts_t o;
    bus_sock_opts_default(&o);
    o.routing_id = "";
    ck_assert_ptr_null(bus_dealer_new(NULL, &o, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "ROUTING_ID"));
}
END_TEST

START_TEST(ephemeral_endpoint)
{
    err_t err = {0};
    zsock_t *r = bus_router_new("@tcp://127.0.0.1:*", NULL, &err);
    ck_assert_msg(r != NULL, "%s", err.msg);
    const char *ep = bus_sock_endpoint(r);
    ck_assert_ptr_nonnull(strstr(ep, "tcp://127.0.0.1:"));
    ck_assert_ptr_null(strchr(ep, '*'));
    zsock_destroy(&r);
}
END_TEST

/* Waits up to ms for a readable socket. */
static bool s_wait(zsock_t *s, int ms)
{
    zmq_pollitem_t it = {.socket = zsock_resolve(s), .events = ZMQ_POLLIN};
    return zmq_poll(&it, 1, ms) == 1;
}

START_TEST(router_mandatory_unknown_peer)
{
    err_t err = {0};
    zsock_t *r = bus_router_new("@inproc://mandatory", NULL, &err);
    ck_assert_ptr_nonnull(r);
    bus_msg_t *m = bus_msg_new();
    ck_assert_int_eq(bus_msg_push_route(m, "nobody", 6, &err), 0);
    bus_msg_set_envelope(m, "\x80", 1);
    ck_assert_int_eq(bus_msg_send(&m, r, &err), -1);
    ck_assert_ptr_null(m);
    ck_assert_int_eq(err.code, XR_VENUE_UNAVAILABLE);
    zsock_destroy(&r);
}
END_TEST

START_TEST(maxmsgsize_drops_oversized)
{
    err_t err = {0};
    bus_sock_opts_t o;
    bus_sock_opts_default(&o);
    o.maxmsgsize = 1024;
    zsock_t *r = bus_router_new("@tcp://127.0.0.1:*", &o, &err);
    ck_assert_ptr_nonnull(r);
    char ep[256];
    snprintf(ep, sizeof ep, ">%s", bus_sock_endpoint(r));
    /* One peer sends too much: its connection is dropped, nothing is delivered. */
    zsock_t *big = bus_dealer_new(ep, NULL, &err);
    ck_assert_ptr_nonnull(big);
    static char payload[4096];
    memset(payload, 'x', sizeof payload);
    buf_t env;
    buf_init(&env, sizeof payload);
    buf_append(&env, payload, sizeof payload);
    ck_assert_int_eq(bus_send_envelope(big, NULL, &env, &err), 0);
    ck_assert(!s_wait(r, 300));
    /* Another peer within the limit gets through. */
    zsock_t *small = bus_dealer_new(ep, NULL, &err);
    buf_reset(&env);
    buf_append(&env, payload, 1000);
    ck_assert_int_eq(bus_send_envelope(small, NULL, &env, &err), 0);
    ck_assert(s_wait(r, 2000));
    bus_msg_t *m = bus_msg_recv(r, &err);
    ck_assert_ptr_nonnull(m);
    size_t len;
    bus_msg_envelope(m, &len);
    ck_assert_uint_eq(len, 1000);
    ck_assert_uint_eq(bus_msg_route_count(m), 1);
    bus_msg_destroy(&m);
    buf_release(&env);
    zsock_destroy(&small);
    zsock_destroy(&big);
    zsock_destroy(&r);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("bus_sock");
    TCase *tc = tcase_create("sock");
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, options_applied);
    tcase_add_test(tc, bad_endpoint_and_routing_id);
    tcase_add_test(tc, ephemeral_endpoint);
    tcase_add_test(tc, router_mandatory_unknown_peer);
    tcase_add_test(tc, maxmsgsize_drops_oversized);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(s_suite());
}
