/* event: event.order and event.fill round-trip with every field of the order/fill, seq is >= 1 and
 * required, the nested value is required and checked with its path, and the topic is "<account>.<venue>.". */
#include "proto/proto.h"
#include "testutil.h"

#include <string.h>

#define SET(dst, s) memcpy(dst, s, strlen(s) + 1)

static decimal_t D(const char *s)
{
    decimal_t v;
    ck_assert_int_eq(decimal_from_str(s, &v, NULL), 0);
    return v;
}

static int s_round_trip(const proto_event_t *ev, proto_event_t *out, err_t *err)
{
    proto_header_t h;
    proto_header_init(&h, "ev");
    buf_t a, b;
    buf_init(&a, PROTO_ENVELOPE_MAX);
    buf_init(&b, PROTO_ENVELOPE_MAX);
    ck_assert_int_eq(proto_event_encode(&h, ev, &a, NULL), 0);
    proto_msg_t *m = proto_msg_new();
    proto_header_t got;
    ck_assert_int_eq(proto_msg_parse(m, a.data, a.len, &got, NULL), 0);
    int rc = proto_event_decode(m, out, err);
    if (rc == 0) {
        ck_assert_int_eq(proto_event_encode(&got, out, &b, NULL), 0);
        ck_assert_uint_eq(a.len, b.len);
        ck_assert_int_eq(memcmp(a.data, b.data, a.len), 0);
    }
    proto_msg_destroy(&m);
    buf_release(&a);
    buf_release(&b);
    return rc;
}

START_TEST(order_event)
{
    proto_event_t ev, back;
    proto_event_init(&ev, PROTO_T_EVENT_ORDER);
    SET(ev.source, "binance-1");
    ev.seq = 1;
    proto_order_t *o = &ev.order;
    SET(o->venue, "binance");
    SET(o->account, "acct");
    SET(o->order_id, "42");
    SET(o->symbol, "BTC/USDT");
    o->side = PROTO_SIDE_BUY;
    o->type = PROTO_OT_MARKET;
    o->quantity = D("0.1");
    o->filled_quantity = D("0.1");
    o->average_price = D("65000");
    o->status = PROTO_STATUS_FILLED;
    o->updated_at = 9;
    err_t err = {0};
    ck_assert_msg(s_round_trip(&ev, &back, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(back.source, "binance-1");
    ck_assert_uint_eq(back.seq, 1);
    ck_assert_str_eq(back.order.order_id, "42");
    ck_assert(decimal_eq(back.order.average_price, D("65000")));
    ck_assert_int_eq(back.order.status, PROTO_STATUS_FILLED);
    char topic[PROTO_TOPIC_SZ];
    ck_assert_uint_eq(proto_event_topic(&back, topic, sizeof topic), 13);
    ck_assert_str_eq(topic, "acct.binance.");
    ck_assert_uint_eq(proto_event_topic(&back, topic, 5), 0);
    ck_assert_str_eq(topic, "");
    proto_event_free(&back);
    ev.seq = 0;
    ck_assert_int_eq(s_round_trip(&ev, &back, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "body.seq: must be 1.."));
    ev.seq = 2;
    o->status = PROTO_STATUS_NONE;
    ck_assert_int_eq(s_round_trip(&ev, &back, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "body.order.status: "));
    ck_assert_uint_eq(back.seq, 0);
    proto_event_free(&ev);
}
END_TEST

START_TEST(fill_event)
{
    proto_event_t ev, back;
    proto_event_init(&ev, PROTO_T_EVENT_FILL);
    SET(ev.source, "bybit-1");
    ev.seq = UINT64_C(9007199254740993); /* beyond double precision: must stay exact */
    proto_fill_t *f = &ev.fill;
    SET(f->venue, "bybit");
    SET(f->account, "default");
    SET(f->trade_id, "T");
    SET(f->order_id, "O");
    SET(f->symbol, "ETH/USDT");
    f->side = PROTO_SIDE_SELL;
    f->quantity = D("0.000000000000000001");
    f->price = D("999999999999999999");
    f->fee = D("-0.5");
    f->realized_pnl = D("0");
    f->executed_at = 1;
    ck_assert_int_eq(proto_meta_set(&f->metadata, "k", "v", NULL), 0);
    err_t err = {0};
    ck_assert_msg(s_round_trip(&ev, &back, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(back.seq, UINT64_C(9007199254740993));
    ck_assert(decimal_eq(back.fill.quantity, D("0.000000000000000001")));
    ck_assert(decimal_eq(back.fill.price, D("999999999999999999")));
    ck_assert(decimal_eq(back.fill.fee, D("-0.5")));
    ck_assert_str_eq(proto_meta_get(&back.fill.metadata, "k"), "v");
    char topic[PROTO_TOPIC_SZ];
    proto_event_topic(&back, topic, sizeof topic);
    ck_assert_str_eq(topic, "default.bybit.");
    proto_event_free(&back);
    f->quantity = D("0");
    ck_assert_int_eq(s_round_trip(&ev, &back, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "body.fill.quantity: must be > 0"));
    proto_event_free(&ev);
    proto_event_free(&ev);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("proto_event");
    TCase *tc = tcase_create("event");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, order_event);
    tcase_add_test(tc, fill_event);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(s_suite());
}
