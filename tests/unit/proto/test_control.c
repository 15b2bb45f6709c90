/* control: every worker/router/recorder control message round-trips; required fields, ranges and the
 * events.hello window are enforced; non-control types are refused. */
#include "proto/proto.h"
#include "testutil.h"

#include <string.h>

#define SET(dst, s) memcpy(dst, s, strlen(s) + 1)

static int s_round_trip(const proto_control_t *c, proto_control_t *out, err_t *err)
{
    proto_header_t h;
    proto_header_init(&h, "ctl");
    buf_t b;
    buf_init(&b, 4096);
    ck_assert_int_eq(proto_control_encode(&h, c, &b, NULL), 0);
    proto_msg_t *m = proto_msg_new();
    proto_header_t got;
    ck_assert_int_eq(proto_msg_parse(m, b.data, b.len, &got, NULL), 0);
    ck_assert_int_eq(got.type, c->type);
    int rc = proto_control_decode(m, out, err);
    proto_msg_destroy(&m);
    buf_release(&b);
    return rc;
}

START_TEST(every_type)
{
    proto_control_t c, back;
    err_t err = {0};
    proto_control_init(&c, PROTO_T_WORKER_REGISTER);
    SET(c.venue, "bybit");
    SET(c.instance, "bybit-2");
    SET(c.account, "default");
    c.capacity = 8;
    c.pid = 1234;
    ck_assert_msg(s_round_trip(&c, &back, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(back.venue, "bybit");
    ck_assert_str_eq(back.instance, "bybit-2");
    ck_assert_str_eq(back.account, "default");
    ck_assert_uint_eq(back.capacity, 8);
    ck_assert_uint_eq(back.pid, 1234);

    proto_control_init(&c, PROTO_T_WORKER_HEARTBEAT);
    SET(c.instance, "bybit-2");
    c.inflight = 0; /* required zeros are written */
    c.journal_backlog = UINT64_MAX;
    ck_assert_int_eq(s_round_trip(&c, &back, &err), 0);
    ck_assert_uint_eq(back.inflight, 0);
    ck_assert_uint_eq(back.journal_backlog, UINT64_MAX);

    proto_control_init(&c, PROTO_T_ROUTER_HELLO);
    c.epoch = 1763758800000LL;
    ck_assert_int_eq(s_round_trip(&c, &back, &err), 0);
    ck_assert_int_eq(back.epoch, 1763758800000LL);
    proto_control_init(&c, PROTO_T_ROUTER_HEARTBEAT);
    c.epoch = 7;
    ck_assert_int_eq(s_round_trip(&c, &back, &err), 0);
    ck_assert_int_eq(back.type, PROTO_T_ROUTER_HEARTBEAT);

    proto_control_init(&c, PROTO_T_EVENTS_HELLO);
    SET(c.source, "binance-1");
    c.first_seq = 0; /* empty journal */
    c.last_seq = 0;
    ck_assert_int_eq(s_round_trip(&c, &back, &err), 0);
    c.first_seq = 10;
    c.last_seq = 20;
    ck_assert_int_eq(s_round_trip(&c, &back, &err), 0);
    ck_assert_uint_eq(back.first_seq, 10);
    ck_assert_uint_eq(back.last_seq, 20);
    c.first_seq = 21;
    ck_assert_int_eq(s_round_trip(&c, &back, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "body.first_seq: after last_seq"));
    ck_assert_uint_eq(back.last_seq, 0); /* zeroed */

    proto_control_init(&c, PROTO_T_EVENTS_ACK);
    SET(c.source, "binance-1");
    c.seq = 20;
    ck_assert_int_eq(s_round_trip(&c, &back, &err), 0);
    ck_assert_uint_eq(back.seq, 20);

    proto_control_init(&c, PROTO_T_EVENTS_REPLAY);
    SET(c.source, "binance-1");
    c.from_seq = 11;
    ck_assert_int_eq(s_round_trip(&c, &back, &err), 0);
    ck_assert_uint_eq(back.from_seq, 11);
    c.from_seq = 0;
    ck_assert_int_eq(s_round_trip(&c, &back, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "body.from_seq: must be 1.."));
}
END_TEST

START_TEST(required_fields)
{
    proto_control_t c, back;
    err_t err = {0};
    proto_control_init(&c, PROTO_T_WORKER_REGISTER);
    SET(c.venue, "bybit");
    SET(c.account, "default");
    c.capacity = 1;
    ck_assert_int_eq(s_round_trip(&c, &back, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "body.instance: must not be empty"));
    SET(c.instance, "x");
    c.capacity = 0;
    ck_assert_int_eq(s_round_trip(&c, &back, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "body.capacity: must be 1.."));
    proto_control_init(&c, PROTO_T_EVENTS_ACK);
    ck_assert_int_eq(s_round_trip(&c, &back, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "body.source"));
}
END_TEST

START_TEST(other_types_refused)
{
    proto_header_t h;
    proto_header_init(&h, "x");
    proto_request_t r;
    proto_request_init(&r, PROTO_T_HEALTH);
    buf_t b;
    buf_init(&b, 4096);
    ck_assert_int_eq(proto_request_encode(&h, &r, &b, NULL), 0);
    proto_msg_t *m = proto_msg_new();
    ck_assert_int_eq(proto_msg_parse(m, b.data, b.len, &h, NULL), 0);
    proto_control_t c;
    err_t err = {0};
    ck_assert_int_eq(proto_control_decode(m, &c, &err), -1);
    ck_assert_str_eq(err.msg, "type: not a control message");
    proto_msg_destroy(&m);
    buf_release(&b);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("proto_control");
    TCase *tc = tcase_create("control");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, every_type);
    tcase_add_test(tc, required_fields);
    tcase_add_test(tc, other_types_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(s_suite());
}
