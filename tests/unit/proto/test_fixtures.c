/* fixtures: the golden envelopes of tests/fixtures/proto, written by gen.py with Python's msgpack (an
 * encoder independent of ours), decode to exactly the values gen.py put in; our re-encoding of each decodes
 * to the same values again; and every malformed envelope listed in bad.txt is refused with its message. */
#include "proto/proto.h"
#include "testutil.h"

#include "base/buf.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TS 1763758800000LL

static char *s_data;
static size_t s_len;
static proto_msg_t *s_msg;
static proto_header_t s_hdr;

static const char *s_dec(decimal_t v)
{
    static char buf[4][DECIMAL_STR_MAX];
    static int i;
    i = (i + 1) % 4;
    decimal_format(v, buf[i], sizeof buf[i]);
    return buf[i];
}

#define ck_dec(v, text) ck_assert_str_eq(s_dec(v), text)

/* Loads and parses a fixture; the header must be valid. */
static void s_load(const char *name)
{
    char file[128];
    snprintf(file, sizeof file, "proto/%s.msgpack", name);
    free(s_data);
    s_data = tu_read_file(tu_fixture(file), &s_len);
    ck_assert_msg(s_data != NULL, "missing fixture %s", file);
    if (!s_msg)
        s_msg = proto_msg_new();
    err_t err = {0};
    ck_assert_msg(proto_msg_parse(s_msg, s_data, s_len, &s_hdr, &err) == 0, "%s: %s", name, err.msg);
    ck_assert_int_eq(s_hdr.v, 1);
    ck_assert_int_eq(s_hdr.ts, TS);
}

static void s_teardown(void)
{
    free(s_data);
    s_data = NULL;
    proto_msg_destroy(&s_msg);
}

static void s_request(const char *op, proto_request_t *req)
{
    char name[64];
    snprintf(name, sizeof name, "req_%s", op);
    s_load(name);
    char id[64];
    snprintf(id, sizeof id, "r-%s", op);
    ck_assert_str_eq(s_hdr.id, id);
    ck_assert_str_eq(s_hdr.client, "cli-1");
    ck_assert_int_eq(s_hdr.deadline, TS + 5000);
    ck_assert_str_eq(proto_type_name(s_hdr.type), op);
    err_t err = {0};
    ck_assert_msg(proto_request_decode(s_msg, req, &err) == 0, "%s: %s", op, err.msg);
    ck_assert_int_eq(req->op, s_hdr.type);
}

/* Encodes req again with our codec and decodes it: the second decode must equal the first (checked by
 * re-encoding both and comparing bytes, since every field goes through the encoder). */
static void s_reencode_request(const proto_request_t *req)
{
    buf_t a, b;
    buf_init(&a, PROTO_ENVELOPE_MAX);
    buf_init(&b, PROTO_ENVELOPE_MAX);
    ck_assert_int_eq(proto_request_encode(&s_hdr, req, &a, NULL), 0);
    proto_msg_t *m = proto_msg_new();
    proto_header_t h;
    proto_request_t again;
    err_t err = {0};
    ck_assert_msg(proto_msg_parse(m, a.data, a.len, &h, &err) == 0, "%s", err.msg);
    ck_assert_msg(proto_request_decode(m, &again, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(proto_request_encode(&h, &again, &b, NULL), 0);
    ck_assert_uint_eq(a.len, b.len);
    ck_assert_int_eq(memcmp(a.data, b.data, a.len), 0);
    proto_request_free(&again);
    proto_msg_destroy(&m);
    buf_release(&a);
    buf_release(&b);
}

START_TEST(place_order_every_field)
{
    proto_request_t r;
    s_request("place_order", &r);
    ck_assert_str_eq(r.symbol, "BTC/USDT");
    ck_assert_str_eq(r.venue, "binance");
    ck_assert_str_eq(r.account, "acct-1");
    ck_assert_int_eq(r.order.side, PROTO_SIDE_BUY);
    ck_assert_int_eq(r.order.type, PROTO_OT_STOP_LIMIT);
    ck_dec(r.order.quantity, "0.01");
    ck_dec(r.order.price, "65000.5");
    ck_dec(r.order.stop_price, "64000");
    ck_assert_int_eq(r.order.time_in_force, PROTO_TIF_GTC);
    ck_assert(r.order.reduce_only);
    ck_assert_int_eq(r.order.position_side, PROTO_PS_LONG);
    ck_assert_str_eq(r.order.client_order_id, "bot7-0001");
    ck_assert_uint_eq(r.order.leverage, 20);
    ck_dec(r.order.take_profit_price, "70000");
    ck_dec(r.order.stop_loss_price, "60000");
    ck_assert(decimal_is_zero(r.order.trailing_stop_pct));
    ck_assert(r.order.round);
    ck_assert_uint_eq(r.order.metadata.count, 2);
    ck_assert_str_eq(proto_meta_get(&r.order.metadata, "bot"), "grid");
    ck_assert_str_eq(proto_meta_get(&r.order.metadata, "level"), "3");
    s_reencode_request(&r);
    proto_request_free(&r);
}
END_TEST

START_TEST(other_requests)
{
    proto_request_t r;
    s_request("cancel_order", &r);
    ck_assert_str_eq(r.ref.order_id, "8389765");
    ck_assert_str_eq(r.ref.client_order_id, "");
    ck_assert_str_eq(r.account, "default"); /* absent -> default */
    s_reencode_request(&r);
    proto_request_free(&r);

    s_request("cancel_all", &r);
    ck_assert_str_eq(r.symbol, "ETH/USDT");
    proto_request_free(&r);

    s_request("get_order", &r);
    ck_assert_str_eq(r.ref.client_order_id, "bot7-0001");
    proto_request_free(&r);

    s_request("get_open_orders", &r);
    ck_assert_str_eq(r.symbol, "");
    proto_request_free(&r);

    s_request("get_positions", &r);
    ck_assert_str_eq(r.account, "main");
    proto_request_free(&r);

    s_request("get_balances", &r);
    ck_assert_str_eq(r.asset, "USDT");
    proto_request_free(&r);

    s_request("get_ticker", &r);
    ck_assert_str_eq(r.symbol, "SOL/USDT");
    proto_request_free(&r);

    s_request("get_klines", &r);
    ck_assert_int_eq(r.klines.interval, PROTO_IV_15M);
    ck_assert_uint_eq(r.klines.limit, 500);
    ck_assert_int_eq(r.klines.start, TS - 3600000);
    ck_assert_int_eq(r.klines.end, TS);
    s_reencode_request(&r);
    proto_request_free(&r);

    s_request("set_leverage", &r);
    ck_assert_uint_eq(r.leverage, 25);
    ck_assert_str_eq(r.venue, "coindcx");
    proto_request_free(&r);

    s_request("close_position", &r);
    ck_assert_str_eq(r.venue, "bybit");
    proto_request_free(&r);

    s_request("get_fills", &r);
    ck_assert_int_eq(r.fills.since_ms, TS - 86400000);
    ck_assert_str_eq(r.fills.cursor, "abc==");
    ck_assert_uint_eq(r.fills.limit, 100);
    s_reencode_request(&r);
    proto_request_free(&r);

    const char *empty[] = {"health", "reload", "venues"};
    for (size_t i = 0; i < 3; i++) {
        s_request(empty[i], &r);
        ck_assert_str_eq(r.symbol, "");
        proto_request_free(&r);
    }
    s_request("route", &r);
    ck_assert_str_eq(r.symbol, "1000PEPE/USDT");
    proto_request_free(&r);
}
END_TEST

static void s_check_order(const proto_order_t *o)
{
    ck_assert_str_eq(o->venue, "binance");
    ck_assert_str_eq(o->account, "default");
    ck_assert_str_eq(o->order_id, "8389765");
    ck_assert_str_eq(o->client_order_id, "bot7-0001");
    ck_assert_str_eq(o->symbol, "BTC/USDT");
    ck_assert_int_eq(o->side, PROTO_SIDE_BUY);
    ck_assert_int_eq(o->type, PROTO_OT_LIMIT);
    ck_assert_int_eq(o->time_in_force, PROTO_TIF_GTC);
    ck_dec(o->quantity, "0.01");
    ck_dec(o->filled_quantity, "0.004");
    ck_dec(o->price, "65000.5");
    ck_dec(o->average_price, "65000.1");
    ck_assert(decimal_is_zero(o->stop_price));
    ck_assert(!o->reduce_only);
    ck_assert_int_eq(o->status, PROTO_STATUS_PARTIALLY_FILLED);
    ck_assert_int_eq(o->created_at, TS - 5);
    ck_assert_int_eq(o->updated_at, TS);
    ck_assert_str_eq(o->raw.data, "{\"orderId\":8389765,\"status\":\"PARTIALLY_FILLED\"}");
    ck_assert_uint_eq(o->raw.len, strlen(o->raw.data));
}

static void s_check_fill(const proto_fill_t *f)
{
    ck_assert_str_eq(f->venue, "bybit");
    ck_assert_str_eq(f->account, "main");
    ck_assert_str_eq(f->trade_id, "t-77");
    ck_assert_str_eq(f->order_id, "o-55");
    ck_assert_str_eq(f->client_order_id, "c1");
    ck_assert_str_eq(f->symbol, "ETH/USDT");
    ck_assert_int_eq(f->side, PROTO_SIDE_SELL);
    ck_assert_int_eq(f->order_type, PROTO_OT_MARKET);
    ck_dec(f->quantity, "1.5");
    ck_dec(f->price, "3200.25");
    ck_dec(f->fee, "-0.0012");
    ck_assert_str_eq(f->fee_asset, "USDT");
    ck_dec(f->realized_pnl, "12.5");
    ck_assert_int_eq(f->liquidity, PROTO_LIQ_TAKER);
    ck_assert_int_eq(f->executed_at, TS);
    ck_assert_uint_eq(f->metadata.count, 2);
    ck_assert_str_eq(proto_meta_get(&f->metadata, "run"), "42");
    ck_assert_ptr_null(f->raw.data);
}

static void s_result(const char *op, proto_result_t *res)
{
    char name[64];
    snprintf(name, sizeof name, "res_%s", op);
    s_load(name);
    ck_assert_int_eq(s_hdr.type, PROTO_T_RESULT);
    err_t err = {0};
    ck_assert_msg(proto_result_decode(s_msg, res, &err) == 0, "%s: %s", op, err.msg);
    ck_assert_str_eq(proto_type_name(res->op), op);
    /* Our encoding of what we decoded decodes to the same bytes again. */
    buf_t a, b;
    buf_init(&a, PROTO_ENVELOPE_MAX);
    buf_init(&b, PROTO_ENVELOPE_MAX);
    ck_assert_int_eq(proto_result_encode(&s_hdr, res, &a, NULL), 0);
    proto_msg_t *m = proto_msg_new();
    proto_header_t h;
    proto_result_t again;
    ck_assert_msg(proto_msg_parse(m, a.data, a.len, &h, &err) == 0, "%s", err.msg);
    ck_assert_msg(proto_result_decode(m, &again, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(proto_result_encode(&h, &again, &b, NULL), 0);
    ck_assert_uint_eq(a.len, b.len);
    ck_assert_int_eq(memcmp(a.data, b.data, a.len), 0);
    proto_result_free(&again);
    proto_msg_destroy(&m);
    buf_release(&a);
    buf_release(&b);
}

START_TEST(results_single_values)
{
    proto_result_t r;
    s_result("place_order", &r);
    s_check_order(&r.order);
    proto_result_free(&r);

    s_result("get_order", &r);
    s_check_order(&r.order);
    proto_result_free(&r);

    s_result("close_position", &r);
    ck_assert_int_eq(r.order.type, PROTO_OT_MARKET);
    ck_assert(decimal_is_zero(r.order.price)); /* nil = absent */
    ck_assert(r.order.reduce_only);
    ck_assert_int_eq(r.order.status, PROTO_STATUS_FILLED);
    ck_assert_ptr_null(r.order.raw.data);
    proto_result_free(&r);

    s_result("cancel_order", &r);
    ck_assert(r.cancel.ok);
    ck_assert_str_eq(r.cancel.order_id, "8389765");
    ck_assert_str_eq(r.cancel.client_order_id, "bot7-0001");
    ck_assert_str_eq(r.cancel.symbol, "BTC/USDT");
    ck_assert_int_eq(r.cancel.status, PROTO_STATUS_CANCELED);
    proto_result_free(&r);

    s_result("get_ticker", &r);
    ck_assert_str_eq(r.ticker.venue, "binance");
    ck_assert_str_eq(r.ticker.symbol, "BTC/USDT");
    ck_dec(r.ticker.last, "65000.1");
    ck_dec(r.ticker.mark, "65001");
    ck_dec(r.ticker.bid, "65000");
    ck_dec(r.ticker.ask, "65000.2");
    ck_assert_int_eq(r.ticker.time, TS);
    proto_result_free(&r);

    s_result("set_leverage", &r);
    ck_assert_str_eq(r.leverage.symbol, "BTC/USDT");
    ck_assert_uint_eq(r.leverage.leverage, 25);
    proto_result_free(&r);

    s_result("route", &r);
    ck_assert_str_eq(r.route.symbol, "1000PEPE/USDT");
    ck_assert_str_eq(r.route.venue, "bybit");
    ck_assert_str_eq(r.route.reason, "pattern */USDT (line 4)");
    ck_assert_str_eq(r.route.rule, "pattern");
    proto_result_free(&r);

    s_result("reload", &r);
    ck_assert_uint_eq(r.reloaded, 7);
    proto_result_free(&r);
}
END_TEST

START_TEST(results_lists)
{
    proto_result_t r;
    s_result("cancel_all", &r);
    ck_assert_uint_eq(r.cancel_count, 2);
    ck_assert_uint_eq(r.n_cancels, 2);
    ck_assert(r.cancels[0].ok);
    ck_assert_int_eq(r.cancels[0].status, PROTO_STATUS_CANCELED);
    ck_assert(!r.cancels[1].ok);
    ck_assert_str_eq(r.cancels[1].order_id, "2");
    proto_result_free(&r);

    s_result("get_open_orders", &r);
    ck_assert_uint_eq(r.n_orders, 2);
    s_check_order(&r.orders[0]);
    ck_assert_str_eq(r.orders[1].order_id, "8389766");
    ck_assert_int_eq(r.orders[1].status, PROTO_STATUS_NEW);
    ck_assert(decimal_is_zero(r.orders[1].average_price));
    proto_result_free(&r);

    s_result("get_balances", &r);
    ck_assert_uint_eq(r.n_balances, 2);
    ck_assert_str_eq(r.balances[0].asset, "USDT");
    ck_dec(r.balances[0].total, "1000.5");
    ck_dec(r.balances[0].available, "900");
    ck_dec(r.balances[0].locked, "100.5");
    ck_assert_str_eq(r.balances[1].asset, "BTC");
    ck_dec(r.balances[1].locked, "0");
    proto_result_free(&r);

    s_result("get_klines", &r);
    ck_assert_uint_eq(r.n_klines, 2);
    ck_assert_int_eq(r.klines[0].open_time, TS - 60000);
    ck_dec(r.klines[0].high, "2.5");
    ck_dec(r.klines[0].volume, "100.25");
    ck_assert_int_eq(r.klines[1].close_time, TS + 59999);
    ck_dec(r.klines[1].close, "2.75");
    proto_result_free(&r);

    s_result("get_fills", &r);
    ck_assert_uint_eq(r.n_fills, 1);
    s_check_fill(&r.fills[0]);
    ck_assert_str_eq(r.cursor, "next-2");
    proto_result_free(&r);

    s_result("health", &r);
    ck_assert_uint_eq(r.n_health, 1);
    ck_assert_str_eq(r.health[0].instance, "binance-1");
    ck_assert(r.health[0].reachable);
    ck_assert_int_eq(r.health[0].clock_offset_ms, -12);
    ck_assert_uint_eq(r.health[0].rate_limit_used, 120);
    ck_assert_uint_eq(r.health[0].rate_limit_limit, 2400);
    ck_assert_int_eq(r.health[0].circuit, PROTO_CIRCUIT_CLOSED);
    ck_assert_uint_eq(r.health[0].inflight, 3);
    ck_assert_uint_eq(r.health[0].journal_backlog, 17);
    proto_result_free(&r);

    s_result("venues", &r);
    ck_assert_uint_eq(r.n_workers, 1);
    ck_assert_str_eq(r.workers[0].instance, "binance-1");
    ck_assert(r.workers[0].alive);
    ck_assert_uint_eq(r.workers[0].capacity, 64);
    ck_assert_uint_eq(r.workers[0].inflight, 2);
    ck_assert_int_eq(r.workers[0].last_seen, TS);
    ck_assert_uint_eq(r.workers[0].pid, 4242);
    proto_result_free(&r);
}
END_TEST

START_TEST(result_fan_out)
{
    proto_result_t r;
    s_result("get_positions", &r);
    ck_assert_uint_eq(r.n_parts, 3);
    ck_assert_uint_eq(r.n_positions, 2);
    ck_assert_str_eq(r.parts[0].venue, "binance");
    ck_assert(r.parts[0].ok);
    ck_assert_uint_eq(r.parts[0].count, 1);
    ck_assert_str_eq(r.parts[1].venue, "bybit");
    ck_assert_uint_eq(r.parts[1].count, 1);
    ck_assert_str_eq(r.parts[2].venue, "coindcx");
    ck_assert(!r.parts[2].ok);
    ck_assert_uint_eq(r.parts[2].count, 0);
    ck_assert_int_eq(r.parts[2].error.code, XR_VENUE_UNAVAILABLE);
    ck_assert_str_eq(r.parts[2].error.message, "circuit open");
    ck_assert_str_eq(r.parts[2].error.venue, "coindcx");
    const proto_position_t *p = &r.positions[1];
    ck_assert_str_eq(p->venue, "bybit");
    ck_assert_str_eq(p->symbol, "ETH/USDT");
    ck_assert_int_eq(p->side, PROTO_DIR_SHORT);
    ck_dec(p->quantity, "2");
    ck_dec(p->size, "-2");
    ck_dec(p->entry_price, "3000");
    ck_dec(p->mark_price, "3100.5");
    ck_dec(p->liquidation_price, "4000");
    ck_dec(p->unrealized_pnl, "-201");
    ck_dec(p->realized_pnl, "0");
    ck_assert_uint_eq(p->leverage, 10);
    ck_dec(p->margin, "600");
    ck_assert_int_eq(p->position_side, PROTO_PS_BOTH);
    ck_assert_int_eq(p->updated_at, TS);
    ck_assert_int_eq(r.positions[0].side, PROTO_DIR_LONG);
    ck_dec(r.positions[0].size, "2");
    proto_result_free(&r);
}
END_TEST

START_TEST(error_control_events)
{
    s_load("error");
    proto_error_t e;
    err_t err = {0};
    ck_assert_msg(proto_error_decode(s_msg, &e, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(e.code, XR_RATE_LIMITED);
    ck_assert_str_eq(e.message, "too many requests");
    ck_assert_str_eq(e.venue_code, "-1003");
    ck_assert_str_eq(e.venue_message, "Way too many requests");
    ck_assert_int_eq(e.retry_after_ms, 1500);
    ck_assert_str_eq(e.client_order_id, "bot7-0001");
    ck_assert_str_eq(e.venue, "binance");

    proto_control_t c;
    s_load("ctl_worker_register");
    ck_assert_int_eq(proto_control_decode(s_msg, &c, &err), 0);
    ck_assert_int_eq(c.type, PROTO_T_WORKER_REGISTER);
    ck_assert_str_eq(c.venue, "binance");
    ck_assert_str_eq(c.instance, "binance-1");
    ck_assert_str_eq(c.account, "default");
    ck_assert_uint_eq(c.capacity, 64);
    ck_assert_uint_eq(c.pid, 4242);
    s_load("ctl_worker_heartbeat");
    ck_assert_int_eq(proto_control_decode(s_msg, &c, &err), 0);
    ck_assert_uint_eq(c.inflight, 3);
    ck_assert_uint_eq(c.journal_backlog, 17);
    s_load("ctl_router_hello");
    ck_assert_int_eq(proto_control_decode(s_msg, &c, &err), 0);
    ck_assert_int_eq(c.type, PROTO_T_ROUTER_HELLO);
    ck_assert_int_eq(c.epoch, TS - 1000);
    s_load("ctl_router_heartbeat");
    ck_assert_int_eq(proto_control_decode(s_msg, &c, &err), 0);
    ck_assert_int_eq(c.epoch, TS - 1000);
    ck_assert_uint_eq(c.replicas, 3);
    s_load("ctl_events_hello");
    ck_assert_int_eq(proto_control_decode(s_msg, &c, &err), 0);
    ck_assert_str_eq(c.source, "binance-1");
    ck_assert_uint_eq(c.first_seq, 100);
    ck_assert_uint_eq(c.last_seq, 117);
    s_load("ctl_events_ack");
    ck_assert_int_eq(proto_control_decode(s_msg, &c, &err), 0);
    ck_assert_uint_eq(c.seq, 110);
    s_load("ctl_events_replay");
    ck_assert_int_eq(proto_control_decode(s_msg, &c, &err), 0);
    ck_assert_uint_eq(c.from_seq, 111);

    proto_event_t ev;
    s_load("event_order");
    ck_assert_msg(proto_event_decode(s_msg, &ev, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(ev.source, "binance-1");
    ck_assert_uint_eq(ev.seq, 118);
    s_check_order(&ev.order);
    char topic[PROTO_TOPIC_SZ];
    ck_assert_uint_eq(proto_event_topic(&ev, topic, sizeof topic), strlen("default.binance."));
    ck_assert_str_eq(topic, "default.binance.");
    proto_event_free(&ev);
    s_load("event_fill");
    ck_assert_msg(proto_event_decode(s_msg, &ev, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(ev.source, "bybit-1");
    ck_assert_uint_eq(ev.seq, 9);
    s_check_fill(&ev.fill);
    proto_event_topic(&ev, topic, sizeof topic);
    ck_assert_str_eq(topic, "main.bybit.");
    proto_event_free(&ev);
}
END_TEST

/* The README's worked example is what gen.py wrote, and our encoder produces the same bytes. */
START_TEST(readme_example_bytes)
{
    s_load("readme_place_order");
    ck_assert_uint_eq(s_len, 175);
    proto_request_t r;
    ck_assert_int_eq(proto_request_decode(s_msg, &r, NULL), 0);
    proto_header_t h = s_hdr;
    buf_t out;
    buf_init(&out, 4096);
    ck_assert_int_eq(proto_request_encode(&h, &r, &out, NULL), 0);
    /* Our encoder writes the keys in table order (the README example's order except that account is
     * written because the decoder defaulted it), so compare values by decoding our bytes instead. */
    proto_msg_t *m = proto_msg_new();
    proto_header_t h2;
    proto_request_t r2;
    ck_assert_int_eq(proto_msg_parse(m, out.data, out.len, &h2, NULL), 0);
    ck_assert_int_eq(proto_request_decode(m, &r2, NULL), 0);
    ck_assert_str_eq(r2.order.client_order_id, "bot7-0001");
    ck_dec(r2.order.price, "65000.5");
    ck_assert_str_eq(proto_meta_get(&r2.order.metadata, "bot"), "grid");
    /* And the README hex dump's first and last bytes. */
    ck_assert_uint_eq((unsigned char) s_data[0], 0x85);
    ck_assert_uint_eq((unsigned char) s_data[0x2f], 0x88);
    ck_assert_int_eq(memcmp(s_data + s_len - 4, "grid", 4), 0);
    proto_request_free(&r);
    proto_request_free(&r2);
    proto_msg_destroy(&m);
    buf_release(&out);
}
END_TEST

/* Every malformed fixture is refused with XR_INVALID_REQUEST and the listed message; decoding the body of a
 * refused envelope is impossible (the parse fails first) or fails itself. */
START_TEST(malformed_fixtures)
{
    size_t n;
    char *manifest = tu_read_file(tu_fixture("proto/bad.txt"), &n);
    ck_assert_ptr_nonnull(manifest);
    int checked = 0;
    proto_msg_t *m = proto_msg_new();
    for (char *line = manifest, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (line[0] == '#')
            continue;
        char *tab = strchr(line, '\t');
        ck_assert_ptr_nonnull(tab);
        *tab = '\0';
        const char *expect = tab + 1;
        char file[128];
        snprintf(file, sizeof file, "proto/%s", line);
        size_t len;
        char *data = tu_read_file(tu_fixture(file), &len);
        ck_assert_ptr_nonnull(data);
        proto_header_t h;
        err_t err = {0};
        int rc = proto_msg_parse(m, data, len, &h, &err);
        if (rc == 0) {
            /* The envelope is fine; the body must be refused by its family decoder. */
            if (proto_type_is_request(h.type)) {
                proto_request_t r;
                rc = proto_request_decode(m, &r, &err);
                ck_assert_int_eq(r.op, 0); /* zeroed on failure */
            } else if (h.type == PROTO_T_RESULT) {
                proto_result_t r;
                rc = proto_result_decode(m, &r, &err);
                ck_assert_uint_eq(r.n_balances, 0);
                ck_assert_ptr_null(r.balances);
            } else if (h.type == PROTO_T_EVENT_ORDER) {
                proto_event_t ev;
                rc = proto_event_decode(m, &ev, &err);
                ck_assert_uint_eq(ev.seq, 0);
            }
        }
        ck_assert_msg(rc == -1, "%s was accepted", line);
        ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
        ck_assert_msg(strstr(err.msg, expect) != NULL, "%s: got \"%s\", want \"%s\"", line, err.msg, expect);
        free(data);
        checked++;
    }
    ck_assert_int_ge(checked, 19);
    free(manifest);
    proto_msg_destroy(&m);
}
END_TEST

/* Decodes the body by type and encodes the whole message again with proto's encoder into out. */
static void s_reencode(const proto_msg_t *m, const proto_header_t *h, buf_t *out)
{
    err_t err = {0};
    int rc = -1;
    if (proto_type_is_request(h->type)) {
        proto_request_t r;
        ck_assert_msg(proto_request_decode(m, &r, &err) == 0, "%s", err.msg);
        rc = proto_request_encode(h, &r, out, &err);
        proto_request_free(&r);
    } else if (h->type == PROTO_T_RESULT) {
        proto_result_t r;
        ck_assert_msg(proto_result_decode(m, &r, &err) == 0, "%s", err.msg);
        rc = proto_result_encode(h, &r, out, &err);
        proto_result_free(&r);
    } else if (h->type == PROTO_T_ERROR) {
        proto_error_t e;
        ck_assert_int_eq(proto_error_decode(m, &e, &err), 0);
        rc = proto_error_encode(h, &e, out, &err);
    } else if (h->type == PROTO_T_EVENT_ORDER || h->type == PROTO_T_EVENT_FILL) {
        proto_event_t ev;
        ck_assert_int_eq(proto_event_decode(m, &ev, &err), 0);
        rc = proto_event_encode(h, &ev, out, &err);
        proto_event_free(&ev);
    } else {
        proto_control_t c;
        ck_assert_int_eq(proto_control_decode(m, &c, &err), 0);
        rc = proto_control_encode(h, &c, out, &err);
    }
    ck_assert_msg(rc == 0, "%s", err.msg);
}

/* Python -> C -> Python: every golden envelope, decoded and re-encoded by proto, reads back in Python's
 * msgpack as the message gen.py wrote (gen.py --verify compares them). */
START_TEST(python_reads_our_encoding)
{
    const char *dir = tu_scratch_dir("reencoded");
    ck_assert_ptr_nonnull(dir);
    char outdir[1200];
    snprintf(outdir, sizeof outdir, "%s", dir);
    DIR *d = opendir(tu_fixture("proto"));
    ck_assert_ptr_nonnull(d);
    proto_msg_t *m = proto_msg_new();
    buf_t out;
    buf_init(&out, PROTO_ENVELOPE_MAX);
    int written = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 9 || strcmp(e->d_name + n - 8, ".msgpack") != 0 || strncmp(e->d_name, "bad_", 4) == 0)
            continue;
        char in[1400];
        snprintf(in, sizeof in, "%s/%s", tu_fixture("proto"), e->d_name);
        size_t len;
        char *data = tu_read_file(in, &len);
        ck_assert_ptr_nonnull(data);
        proto_header_t h;
        err_t err = {0};
        ck_assert_msg(proto_msg_parse(m, data, len, &h, &err) == 0, "%s: %s", e->d_name, err.msg);
        buf_reset(&out);
        s_reencode(m, &h, &out);
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", outdir, e->d_name);
        FILE *f = fopen(path, "wb");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(out.data, 1, out.len, f), out.len);
        fclose(f);
        free(data);
        written++;
    }
    closedir(d);
    ck_assert_int_ge(written, 42);
    const char *src = getenv("XR_SOURCE");
    char cmd[3000];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s/tests/fixtures/proto/gen.py' --verify '%s'", src ? src : ".",
             outdir);
    ck_assert_msg(system(cmd) == 0, "gen.py --verify failed (see output above)");
    buf_release(&out);
    proto_msg_destroy(&m);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("proto_fixtures");
    TCase *tc = tcase_create("golden");
    tcase_set_timeout(tc, 30);
    tcase_add_checked_fixture(tc, NULL, s_teardown);
    tcase_add_test(tc, place_order_every_field);
    tcase_add_test(tc, other_requests);
    tcase_add_test(tc, results_single_values);
    tcase_add_test(tc, results_lists);
    tcase_add_test(tc, result_fan_out);
    tcase_add_test(tc, error_control_events);
    tcase_add_test(tc, readme_example_bytes);
    tcase_add_test(tc, malformed_fixtures);
    tcase_add_test(tc, python_reads_our_encoding);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(s_suite());
}
