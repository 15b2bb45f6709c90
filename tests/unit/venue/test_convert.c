/* test_convert: the adapter model and the wire agree: enumerations convert by value, so their names must
 * match one for one (a reordering on either side fails here); a decoded place_order becomes the adapter's
 * input; a model order survives the trip to a proto result and back through the real codec. */
#include "testutil.h"
#include "venue/convert.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

static decimal_t D(const char *s)
{
    decimal_t d;
    ck_assert_int_eq(decimal_from_str(s, &d, NULL), 0);
    return d;
}

START_TEST(test_enum_names_agree)
{
    for (int i = 0; i <= VENUE_STATUS_PENDING_UNKNOWN; i++)
        ck_assert_str_eq(venue_status_name((venue_status_t) i), proto_status_name((proto_status_t) i));
    for (int i = 0; i <= VENUE_TYPE_TRAILING_STOP_MARKET; i++)
        ck_assert_str_eq(venue_type_name((venue_type_t) i), proto_order_type_name((proto_order_type_t) i));
    for (int i = 0; i <= VENUE_TIF_GTX; i++)
        ck_assert_str_eq(venue_tif_name((venue_tif_t) i), proto_tif_name((proto_tif_t) i));
    for (int i = 0; i <= VENUE_PSIDE_SHORT; i++)
        ck_assert_str_eq(venue_pside_name((venue_pside_t) i), proto_position_side_name((proto_position_side_t) i));
    for (int i = 0; i <= VENUE_SIDE_SELL; i++)
        ck_assert_str_eq(venue_side_name((venue_side_t) i), proto_side_name((proto_side_t) i));
    for (int i = 0; i <= VENUE_LIQ_TAKER; i++)
        ck_assert_str_eq(venue_liq_name((venue_liq_t) i), proto_liquidity_name((proto_liquidity_t) i));
}
END_TEST

START_TEST(test_request_to_input)
{
    proto_request_t r;
    proto_request_init(&r, PROTO_T_PLACE_ORDER);
    snprintf(r.symbol, sizeof r.symbol, "ETH/USDT");
    r.order.side = PROTO_SIDE_SELL;
    r.order.type = PROTO_OT_STOP_LIMIT;
    r.order.quantity = D("0.5");
    r.order.price = D("1990");
    r.order.stop_price = D("1995");
    r.order.time_in_force = PROTO_TIF_IOC;
    r.order.position_side = PROTO_PS_SHORT;
    r.order.leverage = 10;
    r.order.round = true;
    snprintf(r.order.client_order_id, sizeof r.order.client_order_id, "c-1");
    venue_input_t in;
    err_t e;
    ck_assert_int_eq(venue_convert_request(&r, &in, &e), 0);
    ck_assert_str_eq(in.order.symbol, "ETH/USDT");
    ck_assert_int_eq(in.order.side, VENUE_SIDE_SELL);
    ck_assert_int_eq(in.order.type, VENUE_TYPE_STOP_LIMIT);
    ck_assert_int_eq(in.order.time_in_force, VENUE_TIF_IOC);
    ck_assert_int_eq(in.order.position_side, VENUE_PSIDE_SHORT);
    ck_assert_int_eq(in.order.leverage, 10);
    ck_assert(in.order.round);
    ck_assert(decimal_eq(in.order.stop_price, D("1995")));
    ck_assert_str_eq(in.order.client_order_id, "c-1");
    proto_request_free(&r);

    proto_request_init(&r, PROTO_T_GET_FILLS);
    snprintf(r.fills.cursor, sizeof r.fills.cursor, "698760");
    ck_assert_int_eq(venue_convert_request(&r, &in, &e), 0);
    ck_assert_int_eq(in.from_id, 698760);
    snprintf(r.fills.cursor, sizeof r.fills.cursor, "1763750000000:4f1c-uuid");
    ck_assert_int_eq(venue_convert_request(&r, &in, &e), 0); /* the adapter's own cursor, passed through */
    ck_assert_int_eq(in.from_id, 0);
    ck_assert_str_eq(in.cursor, "1763750000000:4f1c-uuid");
    memset(r.fills.cursor, 'x', sizeof r.fills.cursor - 1);
    ck_assert_int_eq(venue_convert_request(&r, &in, &e), -1);
    ck_assert_int_eq(e.code, XR_INVALID_REQUEST);
    proto_request_free(&r);

    venue_op_t op;
    ck_assert_int_eq(venue_convert_op(PROTO_T_CANCEL_ALL, &op), 0);
    ck_assert_int_eq(op, VENUE_OP_CANCEL_ALL);
    ck_assert_int_eq(venue_convert_op(PROTO_T_HEALTH, &op), -1);
}
END_TEST

START_TEST(test_result_round_trip)
{
    venue_result_t vr = {0};
    venue_order_t *o = &vr.order;
    snprintf(o->order_id, sizeof o->order_id, "42");
    snprintf(o->client_order_id, sizeof o->client_order_id, "c-42");
    snprintf(o->symbol, sizeof o->symbol, "BTC/USDT");
    o->side = VENUE_SIDE_BUY;
    o->type = VENUE_TYPE_LIMIT;
    o->time_in_force = VENUE_TIF_GTX;
    o->quantity = D("0.010");
    o->filled_quantity = D("0.004");
    o->price = D("91000.5");
    o->average_price = D("91000.5");
    o->status = VENUE_STATUS_PARTIALLY_FILLED;
    o->created_at = 1763750000000;
    o->updated_at = 1763750001000;
    proto_result_t pr;
    venue_convert_result(VENUE_OP_PLACE_ORDER, &vr, "binance", "default", "BTC/USDT", &pr);
    buf_t out;
    buf_init(&out, PROTO_ENVELOPE_MAX);
    proto_header_t h;
    proto_header_init(&h, "r-1");
    err_t e;
    ck_assert_int_eq(proto_result_encode(&h, &pr, &out, &e), 0);
    proto_msg_t *msg = proto_msg_new();
    proto_header_t got_h;
    proto_result_t back;
    ck_assert_int_eq(proto_msg_parse(msg, out.data, out.len, &got_h, &e), 0);
    ck_assert_int_eq(proto_result_decode(msg, &back, &e), 0);
    ck_assert_int_eq(back.op, PROTO_T_PLACE_ORDER);
    ck_assert_str_eq(back.order.order_id, "42");
    ck_assert_str_eq(back.order.venue, "binance");
    ck_assert_int_eq(back.order.status, PROTO_STATUS_PARTIALLY_FILLED);
    ck_assert_int_eq(back.order.time_in_force, PROTO_TIF_GTX);
    ck_assert(decimal_eq(back.order.filled_quantity, D("0.004")));
    ck_assert_int_eq(back.order.updated_at, 1763750001000);
    proto_result_free(&back);
    proto_result_free(&pr);
    proto_msg_destroy(&msg);
    buf_release(&out);
}
END_TEST

START_TEST(test_error)
{
    venue_error_t ve = {.code = XR_INSUFFICIENT_BALANCE, .retry_after_ms = 0};
    snprintf(ve.message, sizeof ve.message, "binance -2019: Margin is insufficient.");
    snprintf(ve.venue_code, sizeof ve.venue_code, "-2019");
    snprintf(ve.venue_message, sizeof ve.venue_message, "Margin is insufficient.");
    proto_error_t pe;
    venue_convert_error(&ve, "binance", "c-1", &pe);
    ck_assert_int_eq(pe.code, XR_INSUFFICIENT_BALANCE);
    ck_assert_str_eq(pe.venue_code, "-2019");
    ck_assert_str_eq(pe.client_order_id, "c-1");
    ck_assert_str_eq(pe.venue, "binance");
    venue_error_t none = {0};
    venue_convert_error(&none, "binance", "", &pe);
    ck_assert_int_eq(pe.code, XR_INTERNAL); /* an error reply never carries OK */
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("convert");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_enum_names_agree);
    tcase_add_test(tc, test_request_to_input);
    tcase_add_test(tc, test_result_round_trip);
    tcase_add_test(tc, test_error);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(s_suite());
}
