/* result: a result of every operation built with the proto_result_* API round-trips field for field, fan-out
 * replies keep each venue's items and errors in order, the list builders are bounded and typed by op, and
 * malformed bodies (both a list and per_venue, per_venue where no list exists, a failed part without its
 * error, an unknown op, a bad item) are refused with the path of the offending field. */
#include "proto/proto.h"
#include "testutil.h"

#include <msgpack.h>
#include <string.h>

static decimal_t D(const char *s)
{
    decimal_t v;
    ck_assert_int_eq(decimal_from_str(s, &v, NULL), 0);
    return v;
}

#define SET(dst, s) memcpy(dst, s, strlen(s) + 1)

/* Encodes res, decodes into *out, and checks that the re-encoding is byte-identical. */
static void s_round_trip(const proto_result_t *res, proto_result_t *out)
{
    proto_header_t h;
    proto_header_init(&h, "res-1");
    buf_t a, b;
    buf_init(&a, PROTO_ENVELOPE_MAX);
    buf_init(&b, PROTO_ENVELOPE_MAX);
    err_t err = {0};
    ck_assert_int_eq(proto_result_encode(&h, res, &a, &err), 0);
    proto_msg_t *m = proto_msg_new();
    proto_header_t got;
    ck_assert_msg(proto_msg_parse(m, a.data, a.len, &got, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(got.type, PROTO_T_RESULT);
    ck_assert_msg(proto_result_decode(m, out, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(out->op, res->op);
    ck_assert_int_eq(proto_result_encode(&got, out, &b, &err), 0);
    ck_assert_uint_eq(a.len, b.len);
    ck_assert_int_eq(memcmp(a.data, b.data, a.len), 0);
    proto_msg_destroy(&m);
    buf_release(&a);
    buf_release(&b);
}

static void s_fill_order(proto_order_t *o, const char *id)
{
    SET(o->venue, "binance");
    SET(o->account, "default");
    SET(o->order_id, id);
    SET(o->client_order_id, "cid-7");
    SET(o->symbol, "BTC/USDT");
    o->side = PROTO_SIDE_SELL;
    o->type = PROTO_OT_STOP_LIMIT;
    o->time_in_force = PROTO_TIF_IOC;
    o->quantity = D("2");
    o->filled_quantity = D("0.5");
    o->price = D("100.25");
    o->average_price = D("100.2");
    o->stop_price = D("99");
    o->reduce_only = true;
    o->status = PROTO_STATUS_UNTRIGGERED;
    o->created_at = 1;
    o->updated_at = 2;
    proto_raw_set(&o->raw, "{\"a\":1}", 7);
}

static void s_check_order(const proto_order_t *o, const char *id)
{
    ck_assert_str_eq(o->venue, "binance");
    ck_assert_str_eq(o->account, "default");
    ck_assert_str_eq(o->order_id, id);
    ck_assert_str_eq(o->client_order_id, "cid-7");
    ck_assert_str_eq(o->symbol, "BTC/USDT");
    ck_assert_int_eq(o->side, PROTO_SIDE_SELL);
    ck_assert_int_eq(o->type, PROTO_OT_STOP_LIMIT);
    ck_assert_int_eq(o->time_in_force, PROTO_TIF_IOC);
    ck_assert(decimal_eq(o->quantity, D("2")));
    ck_assert(decimal_eq(o->filled_quantity, D("0.5")));
    ck_assert(decimal_eq(o->price, D("100.25")));
    ck_assert(decimal_eq(o->average_price, D("100.2")));
    ck_assert(decimal_eq(o->stop_price, D("99")));
    ck_assert(o->reduce_only);
    ck_assert_int_eq(o->status, PROTO_STATUS_UNTRIGGERED);
    ck_assert_int_eq(o->created_at, 1);
    ck_assert_int_eq(o->updated_at, 2);
    ck_assert_uint_eq(o->raw.len, 7);
    ck_assert_str_eq(o->raw.data, "{\"a\":1}");
}

static void s_fill_fill(proto_fill_t *f)
{
    SET(f->venue, "coindcx");
    SET(f->account, "a1");
    SET(f->trade_id, "t1");
    SET(f->order_id, "o1");
    SET(f->client_order_id, "c1");
    SET(f->symbol, "SOL/USDT");
    f->side = PROTO_SIDE_BUY;
    f->order_type = PROTO_OT_LIMIT;
    f->quantity = D("3");
    f->price = D("150.5");
    f->fee = D("0");
    SET(f->fee_asset, "USDT");
    f->realized_pnl = D("-4.25");
    f->liquidity = PROTO_LIQ_MAKER;
    f->executed_at = 99;
    ck_assert_int_eq(proto_meta_set(&f->metadata, "bot", "b", NULL), 0);
    proto_raw_set(&f->raw, "[]", 2);
}

START_TEST(single_value_ops)
{
    proto_result_t r, back;
    const proto_type_t order_ops[] = {PROTO_T_PLACE_ORDER, PROTO_T_GET_ORDER, PROTO_T_CLOSE_POSITION};
    for (size_t i = 0; i < 3; i++) {
        proto_result_init(&r, order_ops[i]);
        s_fill_order(&r.order, "o-9");
        s_round_trip(&r, &back);
        s_check_order(&back.order, "o-9");
        proto_result_free(&back);
        proto_result_free(&r);
    }
    proto_result_init(&r, PROTO_T_CANCEL_ORDER);
    r.cancel.ok = false; /* a required false is still written */
    SET(r.cancel.order_id, "5");
    r.cancel.status = PROTO_STATUS_FILLED;
    s_round_trip(&r, &back);
    ck_assert(!back.cancel.ok);
    ck_assert_str_eq(back.cancel.order_id, "5");
    ck_assert_int_eq(back.cancel.status, PROTO_STATUS_FILLED);
    proto_result_free(&back);

    proto_result_init(&r, PROTO_T_GET_TICKER);
    SET(r.ticker.venue, "bybit");
    SET(r.ticker.symbol, "ETH/USDT");
    r.ticker.last = D("3000.01");
    r.ticker.bid = D("3000");
    r.ticker.time = 5;
    s_round_trip(&r, &back);
    ck_assert(decimal_eq(back.ticker.last, D("3000.01")));
    ck_assert(decimal_eq(back.ticker.bid, D("3000")));
    ck_assert(decimal_is_zero(back.ticker.ask));
    ck_assert_int_eq(back.ticker.time, 5);
    proto_result_free(&back);

    proto_result_init(&r, PROTO_T_SET_LEVERAGE);
    SET(r.leverage.symbol, "ETH/USDT");
    r.leverage.leverage = 50;
    s_round_trip(&r, &back);
    ck_assert_str_eq(back.leverage.symbol, "ETH/USDT");
    ck_assert_uint_eq(back.leverage.leverage, 50);
    proto_result_free(&back);

    proto_result_init(&r, PROTO_T_ROUTE);
    SET(r.route.symbol, "ETH/USDT");
    SET(r.route.venue, "bybit");
    SET(r.route.reason, "exact");
    s_round_trip(&r, &back);
    ck_assert_str_eq(back.route.reason, "exact");
    proto_result_free(&back);

    proto_result_init(&r, PROTO_T_RELOAD);
    r.reloaded = 0;
    s_round_trip(&r, &back);
    ck_assert_uint_eq(back.reloaded, 0);
    proto_result_free(&back);
}
END_TEST

START_TEST(list_ops)
{
    proto_result_t r, back;

    proto_result_init(&r, PROTO_T_CANCEL_ALL);
    r.cancel_count = 1;
    proto_cancel_t *c = proto_result_add_cancel(&r);
    c->ok = true;
    SET(c->client_order_id, "x");
    ck_assert_ptr_null(proto_result_add_order(&r)); /* wrong list for the op */
    s_round_trip(&r, &back);
    ck_assert_uint_eq(back.cancel_count, 1);
    ck_assert_uint_eq(back.n_cancels, 1);
    ck_assert_str_eq(back.cancels[0].client_order_id, "x");
    proto_result_free(&back);
    proto_result_free(&r);

    proto_result_init(&r, PROTO_T_GET_OPEN_ORDERS);
    for (int i = 0; i < 3; i++) {
        char id[8];
        snprintf(id, sizeof id, "o%d", i);
        s_fill_order(proto_result_add_order(&r), id);
    }
    ck_assert_uint_eq(proto_result_list_len(&r), 3);
    s_round_trip(&r, &back);
    ck_assert_uint_eq(back.n_orders, 3);
    s_check_order(&back.orders[2], "o2");
    /* A decoded list can be appended to (the gateway merges replies this way). */
    for (int i = 3; i < 40; i++)
        s_fill_order(proto_result_add_order(&back), "more");
    ck_assert_uint_eq(back.n_orders, 40);
    s_check_order(&back.orders[1], "o1");
    s_check_order(&back.orders[39], "more");
    proto_result_free(&back);
    proto_result_free(&r);

    proto_result_init(&r, PROTO_T_GET_POSITIONS);
    proto_position_t *p = proto_result_add_position(&r);
    SET(p->venue, "bybit");
    SET(p->account, "default");
    SET(p->symbol, "ETH/USDT");
    p->side = PROTO_DIR_FLAT;
    p->quantity = D("0");
    p->size = D("0");
    p->leverage = 3;
    p->take_profit = D("10");
    p->stop_loss = D("1");
    p->position_side = PROTO_PS_LONG;
    s_round_trip(&r, &back);
    ck_assert_int_eq(back.positions[0].side, PROTO_DIR_FLAT);
    ck_assert(decimal_is_zero(back.positions[0].size));
    ck_assert_uint_eq(back.positions[0].leverage, 3);
    ck_assert(decimal_eq(back.positions[0].take_profit, D("10")));
    ck_assert(decimal_eq(back.positions[0].stop_loss, D("1")));
    ck_assert_int_eq(back.positions[0].position_side, PROTO_PS_LONG);
    proto_result_free(&back);
    proto_result_free(&r);

    proto_result_init(&r, PROTO_T_GET_BALANCES);
    proto_balance_t *bal = proto_result_add_balance(&r);
    SET(bal->venue, "binance");
    SET(bal->account, "default");
    SET(bal->asset, "BNB");
    bal->total = D("-1"); /* negative balances exist (debt) */
    s_round_trip(&r, &back);
    ck_assert(decimal_eq(back.balances[0].total, D("-1")));
    proto_result_free(&back);
    proto_result_free(&r);

    proto_result_init(&r, PROTO_T_GET_KLINES);
    for (int i = 0; i < 500; i++) {
        proto_kline_t *k = proto_result_add_kline(&r);
        k->open_time = i * 60000;
        k->close_time = k->open_time + 59999;
        k->open = decimal_from_int(i);
        k->high = decimal_from_int(i + 2);
        k->low = decimal_from_int(i);
        k->close = decimal_from_int(i + 1);
        k->volume = D("0.001");
    }
    s_round_trip(&r, &back);
    ck_assert_uint_eq(back.n_klines, 500);
    ck_assert_int_eq(back.klines[499].open_time, 499 * 60000);
    ck_assert(decimal_eq(back.klines[499].close, decimal_from_int(500)));
    proto_result_free(&back);
    proto_result_free(&r);

    proto_result_init(&r, PROTO_T_GET_FILLS);
    s_fill_fill(proto_result_add_fill(&r));
    SET(r.cursor, "page-3");
    s_round_trip(&r, &back);
    const proto_fill_t *f = &back.fills[0];
    ck_assert_str_eq(f->venue, "coindcx");
    ck_assert_str_eq(f->trade_id, "t1");
    ck_assert_int_eq(f->order_type, PROTO_OT_LIMIT);
    ck_assert(decimal_is_zero(f->fee));
    ck_assert(decimal_eq(f->realized_pnl, D("-4.25")));
    ck_assert_int_eq(f->liquidity, PROTO_LIQ_MAKER);
    ck_assert_int_eq(f->executed_at, 99);
    ck_assert_str_eq(proto_meta_get(&f->metadata, "bot"), "b");
    ck_assert_str_eq(f->raw.data, "[]");
    ck_assert_str_eq(back.cursor, "page-3");
    proto_fill_t copy;
    proto_fill_copy(&copy, f);
    ck_assert_ptr_ne(copy.raw.data, f->raw.data);
    ck_assert_str_eq(copy.raw.data, "[]");
    proto_fill_free(&copy);
    proto_result_free(&back);
    proto_result_free(&r);

    proto_result_init(&r, PROTO_T_HEALTH);
    proto_health_t *hl = proto_result_add_health(&r);
    SET(hl->venue, "bybit");
    hl->reachable = false;
    hl->circuit = PROTO_CIRCUIT_HALF_OPEN;
    hl->clock_offset_ms = -3;
    hl->journal_backlog = 1ull << 40;
    s_round_trip(&r, &back);
    ck_assert(!back.health[0].reachable);
    ck_assert_int_eq(back.health[0].circuit, PROTO_CIRCUIT_HALF_OPEN);
    ck_assert_int_eq(back.health[0].clock_offset_ms, -3);
    ck_assert_uint_eq(back.health[0].journal_backlog, 1ull << 40);
    proto_result_free(&back);
    proto_result_free(&r);

    proto_result_init(&r, PROTO_T_VENUES);
    proto_worker_info_t *w = proto_result_add_worker(&r);
    SET(w->venue, "binance");
    SET(w->instance, "binance-2.a:b");
    SET(w->account, "default");
    w->alive = true;
    w->pid = 7;
    s_round_trip(&r, &back);
    ck_assert_str_eq(back.workers[0].instance, "binance-2.a:b");
    ck_assert_uint_eq(back.workers[0].pid, 7);
    proto_result_free(&back);
    proto_result_free(&r);

    /* An empty list is a valid reply. */
    proto_result_init(&r, PROTO_T_GET_OPEN_ORDERS);
    s_round_trip(&r, &back);
    ck_assert_uint_eq(back.n_orders, 0);
    ck_assert_ptr_null(back.orders);
    proto_result_free(&back);
}
END_TEST

START_TEST(fan_out)
{
    proto_result_t r, back;
    proto_result_init(&r, PROTO_T_GET_BALANCES);
    for (int i = 0; i < 2; i++) {
        proto_balance_t *b = proto_result_add_balance(&r);
        SET(b->venue, "binance");
        SET(b->account, "default");
        SET(b->asset, i ? "BTC" : "USDT");
        b->total = decimal_from_int(i + 1);
    }
    ck_assert_ptr_nonnull(proto_result_add_part(&r, "binance", true, NULL, 2));
    proto_error_t e = {0};
    e.code = XR_TIMEOUT;
    SET(e.message, "no answer in 5000 ms");
    ck_assert_ptr_nonnull(proto_result_add_part(&r, "bybit", false, &e, 0));
    proto_balance_t *b = proto_result_add_balance(&r);
    SET(b->venue, "coindcx");
    SET(b->account, "default");
    SET(b->asset, "INR");
    ck_assert_ptr_nonnull(proto_result_add_part(&r, "coindcx", true, NULL, 1));
    s_round_trip(&r, &back);
    ck_assert_uint_eq(back.n_parts, 3);
    ck_assert_uint_eq(back.n_balances, 3);
    ck_assert_str_eq(back.parts[1].venue, "bybit");
    ck_assert(!back.parts[1].ok);
    ck_assert_int_eq(back.parts[1].error.code, XR_TIMEOUT);
    ck_assert_str_eq(back.parts[1].error.message, "no answer in 5000 ms");
    ck_assert_uint_eq(back.parts[2].count, 1);
    ck_assert_str_eq(back.balances[1].asset, "BTC");
    ck_assert_str_eq(back.balances[2].asset, "INR");
    proto_result_free(&back);
    proto_result_free(&r);
}
END_TEST

/* A result body from alternating key / raw-msgpack pieces. */
static int s_decode_raw_body(const char *body, size_t body_len, err_t *err)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 5);
    const char *head[] = {"v", "type", "result", "id", "x", "ts"};
    msgpack_pack_str(&pk, 1);
    msgpack_pack_str_body(&pk, "v", 1);
    msgpack_pack_int(&pk, 1);
    for (int i = 1; i < 6; i++) {
        msgpack_pack_str(&pk, strlen(head[i]));
        msgpack_pack_str_body(&pk, head[i], strlen(head[i]));
    }
    msgpack_pack_int(&pk, 1);
    msgpack_pack_str(&pk, 4);
    msgpack_pack_str_body(&pk, "body", 4);
    msgpack_sbuffer_write(&sb, body, body_len);
    proto_msg_t *m = proto_msg_new();
    proto_header_t h;
    proto_result_t r;
    int rc = proto_msg_parse(m, sb.data, sb.size, &h, err);
    if (rc == 0) {
        rc = proto_result_decode(m, &r, err);
        if (rc != 0) {
            static const proto_result_t zero;
            ck_assert_int_eq(memcmp(&r, &zero, sizeof r), 0);
        }
        proto_result_free(&r);
    }
    proto_msg_destroy(&m);
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

/* Python-like literal bodies are awkward in C; these are packed with msgpack-c here. */
static void s_refused_body(void (*build)(msgpack_packer *), const char *want)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    build(&pk);
    err_t err = {0};
    ck_assert_int_eq(s_decode_raw_body(sb.data, sb.size, &err), -1);
    ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
    ck_assert_msg(strstr(err.msg, want) != NULL, "got \"%s\", want \"%s\"", err.msg, want);
    msgpack_sbuffer_destroy(&sb);
}

static void S(msgpack_packer *pk, const char *s)
{
    msgpack_pack_str(pk, strlen(s));
    msgpack_pack_str_body(pk, s, strlen(s));
}

static void s_both(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 3);
    S(pk, "op"), S(pk, "get_balances");
    S(pk, "balances"), msgpack_pack_array(pk, 0);
    S(pk, "per_venue"), msgpack_pack_array(pk, 0);
}
static void s_pv_not_list(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 3);
    S(pk, "op"), S(pk, "get_ticker");
    S(pk, "per_venue"), msgpack_pack_array(pk, 0);
    S(pk, "ticker"), msgpack_pack_map(pk, 0);
}
static void s_part_no_error(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 2);
    S(pk, "op"), S(pk, "get_positions");
    S(pk, "per_venue"), msgpack_pack_array(pk, 1);
    msgpack_pack_map(pk, 2);
    S(pk, "venue"), S(pk, "bybit");
    S(pk, "ok"), msgpack_pack_false(pk);
}
static void s_part_bad_item(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 2);
    S(pk, "op"), S(pk, "get_balances");
    S(pk, "per_venue"), msgpack_pack_array(pk, 1);
    msgpack_pack_map(pk, 3);
    S(pk, "venue"), S(pk, "bybit");
    S(pk, "ok"), msgpack_pack_true(pk);
    S(pk, "items"), msgpack_pack_array(pk, 1);
    msgpack_pack_map(pk, 1);
    S(pk, "venue"), S(pk, "bybit");
}
static void s_unknown_op(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 1);
    S(pk, "op"), S(pk, "result");
}
static void s_missing_order(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 1);
    S(pk, "op"), S(pk, "place_order");
}
static void s_bad_status(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 2);
    S(pk, "op"), S(pk, "get_order");
    S(pk, "order"), msgpack_pack_map(pk, 9);
    S(pk, "venue"), S(pk, "binance");
    S(pk, "account"), S(pk, "default");
    S(pk, "symbol"), S(pk, "A/B");
    S(pk, "side"), S(pk, "BUY");
    S(pk, "type"), S(pk, "LIMIT");
    S(pk, "quantity"), S(pk, "1");
    S(pk, "filled_quantity"), S(pk, "0");
    S(pk, "status"), S(pk, "OPEN");
    S(pk, "raw"), msgpack_pack_nil(pk);
}
static void s_raw_nul(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 2);
    S(pk, "op"), S(pk, "get_order");
    S(pk, "order"), msgpack_pack_map(pk, 9);
    S(pk, "venue"), S(pk, "binance");
    S(pk, "account"), S(pk, "default");
    S(pk, "symbol"), S(pk, "A/B");
    S(pk, "side"), S(pk, "BUY");
    S(pk, "type"), S(pk, "LIMIT");
    S(pk, "quantity"), S(pk, "1");
    S(pk, "filled_quantity"), S(pk, "0");
    S(pk, "status"), S(pk, "NEW");
    S(pk, "raw"), msgpack_pack_str(pk, 3), msgpack_pack_str_body(pk, "{\0}", 3);
}
static void s_count_negative(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 2);
    S(pk, "op"), S(pk, "cancel_all");
    S(pk, "count"), msgpack_pack_int(pk, -1);
}

START_TEST(malformed_bodies)
{
    s_refused_body(s_both, "body.per_venue: not allowed together with balances");
    s_refused_body(s_pv_not_list, "body.per_venue: not allowed for get_ticker");
    s_refused_body(s_part_no_error, "body.per_venue[0].error: required when ok is false");
    s_refused_body(s_part_bad_item, "body.per_venue[0].items[0].account: required");
    s_refused_body(s_unknown_op, "body.op: unknown operation");
    s_refused_body(s_missing_order, "body.order: required");
    s_refused_body(s_bad_status, "body.order.status: unknown value \"OPEN\"");
    s_refused_body(s_count_negative, "body.count: must be a uint32");
    s_refused_body(s_raw_nul, "body.order.raw: contains a NUL byte");
}
END_TEST

START_TEST(list_bounded)
{
    proto_result_t r;
    proto_result_init(&r, PROTO_T_GET_KLINES);
    for (int i = 0; i < PROTO_ARRAY_MAX; i++)
        ck_assert_ptr_nonnull(proto_result_add_kline(&r));
    ck_assert_ptr_null(proto_result_add_kline(&r));
    ck_assert_uint_eq(r.n_klines, PROTO_ARRAY_MAX);
    proto_result_free(&r);
    ck_assert_ptr_null(r.klines);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("proto_result");
    TCase *tc = tcase_create("result");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, single_value_ops);
    tcase_add_test(tc, list_ops);
    tcase_add_test(tc, fan_out);
    tcase_add_test(tc, malformed_bodies);
    tcase_add_test(tc, list_bounded);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(s_suite());
}
