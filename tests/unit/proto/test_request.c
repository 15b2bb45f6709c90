/* request: every request type built in C round-trips (encode -> decode -> every field equal, and the
 * re-encoding is byte-identical), and the request rules refuse what README section 6/7 forbids: type
 * specific prices, positive decimals, client order id charset and length, symbols, leverage range, enum
 * names, metadata limits, order reference, kline window; a refused request comes back zeroed. */
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

/* Encodes req, decodes it into *out (caller frees), and checks the re-encoding is identical. */
static void s_round_trip(const proto_request_t *req, proto_request_t *out)
{
    proto_header_t h;
    proto_header_init(&h, "rt-1");
    memcpy(h.client, "c", 2);
    h.deadline = h.ts + 100;
    buf_t a, b;
    buf_init(&a, PROTO_ENVELOPE_MAX);
    buf_init(&b, PROTO_ENVELOPE_MAX);
    err_t err = {0};
    ck_assert_msg(proto_request_validate(req, &err) == 0, "validate: %s", err.msg);
    ck_assert_int_eq(proto_request_encode(&h, req, &a, &err), 0);
    proto_msg_t *m = proto_msg_new();
    proto_header_t got;
    ck_assert_msg(proto_msg_parse(m, a.data, a.len, &got, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(got.type, req->op);
    ck_assert_str_eq(got.id, "rt-1");
    ck_assert_str_eq(got.client, "c");
    ck_assert_int_eq(got.ts, h.ts);
    ck_assert_int_eq(got.deadline, h.deadline);
    ck_assert_msg(proto_request_decode(m, out, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(proto_request_encode(&got, out, &b, &err), 0);
    ck_assert_uint_eq(a.len, b.len);
    ck_assert_int_eq(memcmp(a.data, b.data, a.len), 0);
    proto_msg_destroy(&m);
    buf_release(&a);
    buf_release(&b);
}

static void s_full_order(proto_request_t *r)
{
    proto_request_init(r, PROTO_T_PLACE_ORDER);
    SET(r->symbol, "ETH/USDT");
    SET(r->venue, "bybit");
    SET(r->account, "acct_2");
    proto_order_request_t *o = &r->order;
    o->side = PROTO_SIDE_SELL;
    o->type = PROTO_OT_TAKE_PROFIT_LIMIT;
    o->quantity = D("1.25");
    o->price = D("3500.5");
    o->stop_price = D("3400");
    o->time_in_force = PROTO_TIF_GTX;
    o->reduce_only = true;
    o->position_side = PROTO_PS_SHORT;
    SET(o->client_order_id, "A-b_9");
    o->leverage = 125;
    o->take_profit_price = D("3000");
    o->stop_loss_price = D("3800");
    o->trailing_stop_pct = D("0.5");
    o->round = true;
    ck_assert_int_eq(proto_meta_set(&o->metadata, "bot", "grid-1", NULL), 0);
    ck_assert_int_eq(proto_meta_set(&o->metadata, "note", "", NULL), 0);
}

START_TEST(place_order_every_field)
{
    proto_request_t r, back;
    s_full_order(&r);
    s_round_trip(&r, &back);
    ck_assert_int_eq(back.op, PROTO_T_PLACE_ORDER);
    ck_assert_str_eq(back.symbol, "ETH/USDT");
    ck_assert_str_eq(back.venue, "bybit");
    ck_assert_str_eq(back.account, "acct_2");
    const proto_order_request_t *o = &back.order;
    ck_assert_int_eq(o->side, PROTO_SIDE_SELL);
    ck_assert_int_eq(o->type, PROTO_OT_TAKE_PROFIT_LIMIT);
    ck_assert(decimal_eq(o->quantity, D("1.25")));
    ck_assert(decimal_eq(o->price, D("3500.5")));
    ck_assert(decimal_eq(o->stop_price, D("3400")));
    ck_assert_int_eq(o->time_in_force, PROTO_TIF_GTX);
    ck_assert(o->reduce_only);
    ck_assert_int_eq(o->position_side, PROTO_PS_SHORT);
    ck_assert_str_eq(o->client_order_id, "A-b_9");
    ck_assert_uint_eq(o->leverage, 125);
    ck_assert(decimal_eq(o->take_profit_price, D("3000")));
    ck_assert(decimal_eq(o->stop_loss_price, D("3800")));
    ck_assert(decimal_eq(o->trailing_stop_pct, D("0.5")));
    ck_assert(o->round);
    ck_assert_uint_eq(o->metadata.count, 2);
    ck_assert_str_eq(proto_meta_get(&o->metadata, "bot"), "grid-1");
    ck_assert_str_eq(proto_meta_get(&o->metadata, "note"), "");
    proto_request_t copy;
    proto_order_request_copy(&copy.order, &back.order);
    ck_assert_ptr_ne(copy.order.metadata.items, back.order.metadata.items);
    ck_assert_str_eq(proto_meta_get(&copy.order.metadata, "bot"), "grid-1");
    proto_order_request_free(&copy.order);
    proto_request_free(&back);
    proto_request_free(&r);
    proto_request_free(&r); /* idempotent */
}
END_TEST

START_TEST(every_other_request)
{
    proto_request_t r, back;
    for (int t = PROTO_T_CANCEL_ORDER; t <= PROTO_T_VENUES; t++) {
        proto_request_init(&r, (proto_type_t) t);
        SET(r.symbol, "BTC/USDT");
        SET(r.venue, "binance");
        switch (t) {
        case PROTO_T_CANCEL_ORDER:
        case PROTO_T_GET_ORDER:
            SET(r.ref.order_id, "123");
            SET(r.ref.client_order_id, "cid-1");
            break;
        case PROTO_T_GET_BALANCES: SET(r.asset, "USDT"); break;
        case PROTO_T_GET_KLINES:
            r.klines.interval = PROTO_IV_1MO;
            r.klines.limit = 1500;
            r.klines.start = 1;
            r.klines.end = 2;
            break;
        case PROTO_T_SET_LEVERAGE: r.leverage = 1; break;
        case PROTO_T_GET_FILLS:
            r.fills.since_ms = 77;
            SET(r.fills.cursor, "c/=+");
            r.fills.limit = 1000;
            break;
        default: break;
        }
        s_round_trip(&r, &back);
        ck_assert_int_eq(back.op, t);
        ck_assert_str_eq(back.symbol, "BTC/USDT");
        ck_assert_str_eq(back.venue, "binance");
        ck_assert_str_eq(back.account, "default");
        ck_assert_str_eq(back.ref.order_id, r.ref.order_id);
        ck_assert_str_eq(back.ref.client_order_id, r.ref.client_order_id);
        ck_assert_str_eq(back.asset, r.asset);
        ck_assert_int_eq(back.klines.interval, r.klines.interval);
        ck_assert_uint_eq(back.klines.limit, r.klines.limit);
        ck_assert_int_eq(back.klines.start, r.klines.start);
        ck_assert_int_eq(back.klines.end, r.klines.end);
        ck_assert_uint_eq(back.leverage, r.leverage);
        ck_assert_int_eq(back.fills.since_ms, r.fills.since_ms);
        ck_assert_str_eq(back.fills.cursor, r.fills.cursor);
        ck_assert_uint_eq(back.fills.limit, r.fills.limit);
        proto_request_free(&back);
    }
}
END_TEST

/* A place_order body given as alternating key/value C strings (values starting with '#' are ints, "true"
 * and "false" are bools), decoded; returns the decode result and fills err. */
static int s_decode_body(const char *type, const char *const *kv, size_t n, err_t *err)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 5);
    const char *head[] = {"v", NULL, "type", type, "id", "x", "ts", NULL};
    for (int i = 0; i < 8; i += 2) {
        msgpack_pack_str(&pk, strlen(head[i]));
        msgpack_pack_str_body(&pk, head[i], strlen(head[i]));
        if (head[i + 1]) {
            msgpack_pack_str(&pk, strlen(head[i + 1]));
            msgpack_pack_str_body(&pk, head[i + 1], strlen(head[i + 1]));
        } else {
            msgpack_pack_int(&pk, 1);
        }
    }
    msgpack_pack_str(&pk, 4);
    msgpack_pack_str_body(&pk, "body", 4);
    msgpack_pack_map(&pk, n / 2);
    for (size_t i = 0; i < n; i++) {
        const char *s = kv[i];
        if (i % 2 && s[0] == '#') {
            long long v = strtoll(s + 1, NULL, 10);
            msgpack_pack_int64(&pk, v);
        } else if (i % 2 && strcmp(s, "true") == 0) {
            msgpack_pack_true(&pk);
        } else if (i % 2 && strcmp(s, "false") == 0) {
            msgpack_pack_false(&pk);
        } else {
            msgpack_pack_str(&pk, strlen(s));
            msgpack_pack_str_body(&pk, s, strlen(s));
        }
    }
    proto_msg_t *m = proto_msg_new();
    proto_header_t h;
    proto_request_t r;
    int rc = proto_msg_parse(m, sb.data, sb.size, &h, err);
    if (rc == 0) {
        rc = proto_request_decode(m, &r, err);
        if (rc != 0) {
            /* refused requests come back zeroed */
            static const proto_request_t zero;
            ck_assert_int_eq(memcmp(&r, &zero, sizeof r), 0);
        }
        proto_request_free(&r);
    }
    proto_msg_destroy(&m);
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

#define ORDER_BASE "symbol", "BTC/USDT", "side", "BUY", "quantity", "1"

static void s_refused(const char *type, const char *const *kv, size_t n, const char *want)
{
    err_t err = {0};
    ck_assert_msg(s_decode_body(type, kv, n, &err) == -1, "accepted, want %s", want);
    ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
    ck_assert_msg(strstr(err.msg, want) != NULL, "got \"%s\", want \"%s\"", err.msg, want);
}

static void s_accepted(const char *type, const char *const *kv, size_t n)
{
    err_t err = {0};
    ck_assert_msg(s_decode_body(type, kv, n, &err) == 0, "refused: %s", err.msg);
}

#define REFUSED(type, want, ...)                                                  \
    do {                                                                          \
        const char *kv_[] = {__VA_ARGS__};                                        \
        s_refused(type, kv_, sizeof kv_ / sizeof kv_[0], want);                   \
    } while (0)
#define ACCEPTED(type, ...)                                                       \
    do {                                                                          \
        const char *kv_[] = {__VA_ARGS__};                                        \
        s_accepted(type, kv_, sizeof kv_ / sizeof kv_[0]);                        \
    } while (0)

START_TEST(order_type_rules)
{
    ACCEPTED("place_order", ORDER_BASE, "type", "MARKET");
    ACCEPTED("place_order", ORDER_BASE, "type", "MARKET", "price", "0"); /* zero = absent */
    ACCEPTED("place_order", ORDER_BASE, "type", "LIMIT", "price", "10.50");
    REFUSED("place_order", "body.price: required for LIMIT", ORDER_BASE, "type", "LIMIT");
    REFUSED("place_order", "body.price: required for STOP_LIMIT", ORDER_BASE, "type", "STOP_LIMIT", "stop_price", "9");
    REFUSED("place_order", "body.stop_price: required for STOP_LIMIT", ORDER_BASE, "type", "STOP_LIMIT", "price", "9");
    REFUSED("place_order", "body.stop_price: required for STOP_MARKET", ORDER_BASE, "type", "STOP_MARKET");
    REFUSED("place_order", "body.stop_price: required for TAKE_PROFIT_MARKET", ORDER_BASE, "type",
            "TAKE_PROFIT_MARKET");
    REFUSED("place_order", "body.price: required for TAKE_PROFIT_LIMIT", ORDER_BASE, "type", "TAKE_PROFIT_LIMIT",
            "stop_price", "1");
    ACCEPTED("place_order", ORDER_BASE, "type", "STOP_MARKET", "stop_price", "1");
    REFUSED("place_order", "body.trailing_stop_pct: required for TRAILING_STOP_MARKET", ORDER_BASE, "type",
            "TRAILING_STOP_MARKET");
    ACCEPTED("place_order", ORDER_BASE, "type", "TRAILING_STOP_MARKET", "trailing_stop_pct", "1.5");
    REFUSED("place_order", "body.type: required", ORDER_BASE);
    REFUSED("place_order", "body.type: unknown value \"ICEBERG\"", ORDER_BASE, "type", "ICEBERG");
    REFUSED("place_order", "body.side: unknown value \"buy\"", "symbol", "BTC/USDT", "side", "buy", "quantity", "1",
            "type", "MARKET");
    REFUSED("place_order", "body.symbol: required", "side", "BUY", "quantity", "1", "type", "MARKET");
    REFUSED("place_order", "body.quantity: required", "symbol", "BTC/USDT", "side", "BUY", "type", "MARKET");
}
END_TEST

START_TEST(decimals)
{
    REFUSED("place_order", "body.quantity: duplicate key", ORDER_BASE, "type", "MARKET", "quantity", "0");
    REFUSED("place_order", "body.quantity: must be > 0", "symbol", "BTC/USDT", "side", "BUY", "type", "MARKET",
            "quantity", "-1");
    REFUSED("place_order", "body.quantity: must be a decimal string, got int", "symbol", "BTC/USDT", "side", "BUY",
            "type", "MARKET", "quantity", "#1");
    const char *bad[] = {"1e5", "+1", ".5", "5.", "1,5", " 1", "0x10", "NaN", "", "1.2.3", "--1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        REFUSED("place_order", "body.quantity: not a plain decimal", "symbol", "BTC/USDT", "side", "BUY", "type",
                "MARKET", "quantity", bad[i]);
    }
    REFUSED("place_order", "body.quantity: ", "symbol", "BTC/USDT", "side", "BUY", "type", "MARKET", "quantity",
            "1234567890123456789"); /* 19 significant digits */
    REFUSED("place_order", "body.price: must be > 0", ORDER_BASE, "type", "LIMIT", "price", "-2");
    REFUSED("place_order", "body.stop_loss_price: must be > 0", ORDER_BASE, "type", "MARKET", "stop_loss_price",
            "-0.1");
    ACCEPTED("place_order", "symbol", "BTC/USDT", "side", "BUY", "type", "MARKET", "quantity", "000.0100");
}
END_TEST

START_TEST(identifiers_and_ranges)
{
    REFUSED("get_ticker", "body.symbol: must be BASE/QUOTE", "symbol", "BTCUSDT");
    REFUSED("get_ticker", "body.symbol: must be BASE/QUOTE", "symbol", "btc/usdt");
    REFUSED("get_ticker", "body.symbol: must be BASE/QUOTE", "symbol", "BTC/");
    REFUSED("get_ticker", "body.symbol: must be BASE/QUOTE", "symbol", "/USDT");
    REFUSED("get_ticker", "body.symbol: must be BASE/QUOTE", "symbol", "A/B/C");
    REFUSED("get_ticker", "body.symbol: must be BASE/QUOTE", "symbol", "ABCDEFGHIJKLMNOPQRSTU/USDT");
    ACCEPTED("get_ticker", "symbol", "ABCDEFGHIJKLMNOPQRST/ABCDEFGHIJKLMNOPQRST");
    REFUSED("get_ticker", "body.symbol: required");
    REFUSED("get_ticker", "body.venue: must be 1..23 characters of [a-z0-9_-]", "symbol", "A/B", "venue", "Binance");
    REFUSED("get_ticker", "body.account: must be", "symbol", "A/B", "account", "a b");
    REFUSED("get_order", "body.client_order_id: must be 1..36", "symbol", "A/B", "client_order_id",
            "1234567890123456789012345678901234567");
    ACCEPTED("get_order", "symbol", "A/B", "client_order_id", "123456789012345678901234567890123456");
    REFUSED("get_order", "body.client_order_id", "symbol", "A/B", "client_order_id", "a.b");
    REFUSED("get_order", "body.order_id: order_id or client_order_id required", "symbol", "A/B");
    REFUSED("cancel_order", "body.order_id: must be printable", "symbol", "A/B", "order_id", "1 2");
    REFUSED("set_leverage", "body.leverage: must be 1..125", "symbol", "A/B", "leverage", "#0");
    REFUSED("set_leverage", "body.leverage: must be 1..125", "symbol", "A/B", "leverage", "#126");
    REFUSED("set_leverage", "body.leverage: must be >= 0", "symbol", "A/B", "leverage", "#-3");
    REFUSED("set_leverage", "body.leverage: required", "symbol", "A/B");
    ACCEPTED("set_leverage", "symbol", "A/B", "leverage", "#125");
    REFUSED("place_order", "body.leverage: must be 1..125", ORDER_BASE, "type", "MARKET", "leverage", "#200");
    ACCEPTED("place_order", ORDER_BASE, "type", "MARKET", "leverage", "#0"); /* 0 = leave as is */
    REFUSED("get_klines", "body.interval: required", "symbol", "A/B");
    REFUSED("get_klines", "body.interval: unknown value \"2m\"", "symbol", "A/B", "interval", "2m");
    REFUSED("get_klines", "body.limit: must be 1..1500", "symbol", "A/B", "interval", "1h", "limit", "#1501");
    REFUSED("get_klines", "body.start: after end", "symbol", "A/B", "interval", "1h", "start", "#5", "end", "#4");
    REFUSED("get_fills", "body.limit: must be 1..1000", "limit", "#1001");
    REFUSED("get_balances", "body.asset: must be 1..20 characters of [A-Z0-9]", "asset", "usdt");
    REFUSED("place_order", "body.reduce_only: must be bool, got str", ORDER_BASE, "type", "MARKET", "reduce_only",
            "yes");
    ACCEPTED("place_order", ORDER_BASE, "type", "MARKET", "reduce_only", "true", "round", "false");
    REFUSED("place_order", "body.time_in_force: unknown value \"DAY\"", ORDER_BASE, "type", "MARKET",
            "time_in_force", "DAY");
    REFUSED("place_order", "body.position_side: unknown value", ORDER_BASE, "type", "MARKET", "position_side",
            "UP");
}
END_TEST

START_TEST(metadata_limits)
{
    /* Built with the packer: 33 entries refused, 32 accepted, non-string value refused. */
    for (int n = 32; n <= 33; n++) {
        msgpack_sbuffer sb;
        msgpack_sbuffer_init(&sb);
        msgpack_packer pk;
        msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
        msgpack_pack_map(&pk, 5);
        const char *kv[] = {"v", "type", "place_order", "id", "x", "ts"};
        msgpack_pack_str(&pk, 1);
        msgpack_pack_str_body(&pk, "v", 1);
        msgpack_pack_int(&pk, 1);
        for (int i = 1; i < 6; i++) {
            msgpack_pack_str(&pk, strlen(kv[i]));
            msgpack_pack_str_body(&pk, kv[i], strlen(kv[i]));
        }
        msgpack_pack_int(&pk, 1);
        msgpack_pack_str(&pk, 4);
        msgpack_pack_str_body(&pk, "body", 4);
        msgpack_pack_map(&pk, 5);
        const char *body[] = {"symbol", "A/B", "side", "BUY", "type", "MARKET", "quantity", "1"};
        for (int i = 0; i < 8; i++) {
            msgpack_pack_str(&pk, strlen(body[i]));
            msgpack_pack_str_body(&pk, body[i], strlen(body[i]));
        }
        msgpack_pack_str(&pk, 8);
        msgpack_pack_str_body(&pk, "metadata", 8);
        msgpack_pack_map(&pk, n);
        for (int i = 0; i < n; i++) {
            char k[8];
            int kl = snprintf(k, sizeof k, "k%d", i);
            msgpack_pack_str(&pk, kl);
            msgpack_pack_str_body(&pk, k, kl);
            msgpack_pack_str(&pk, 1);
            msgpack_pack_str_body(&pk, "v", 1);
        }
        proto_msg_t *m = proto_msg_new();
        proto_header_t h;
        proto_request_t r;
        err_t err = {0};
        ck_assert_int_eq(proto_msg_parse(m, sb.data, sb.size, &h, &err), 0);
        int rc = proto_request_decode(m, &r, &err);
        if (n == 32) {
            ck_assert_msg(rc == 0, "%s", err.msg);
            ck_assert_uint_eq(r.order.metadata.count, 32);
            ck_assert_str_eq(proto_meta_get(&r.order.metadata, "k31"), "v");
        } else {
            ck_assert_int_eq(rc, -1);
            ck_assert_ptr_nonnull(strstr(err.msg, "body.metadata: more than 32 entries"));
        }
        proto_request_free(&r);
        proto_msg_destroy(&m);
        msgpack_sbuffer_destroy(&sb);
    }
    /* The builder enforces the same limits. */
    proto_meta_t meta = {0};
    err_t err = {0};
    char key[70];
    memset(key, 'k', 65);
    key[65] = '\0';
    ck_assert_int_eq(proto_meta_set(&meta, key, "v", &err), -1);
    ck_assert_int_eq(proto_meta_set(&meta, "", "v", &err), -1);
    char val[300];
    memset(val, 'v', 257);
    val[257] = '\0';
    ck_assert_int_eq(proto_meta_set(&meta, "k", val, &err), -1);
    val[256] = '\0';
    ck_assert_int_eq(proto_meta_set(&meta, "k", val, &err), 0);
    ck_assert_int_eq(proto_meta_set(&meta, "k", "again", &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "duplicate"));
    for (int i = 1; i < PROTO_META_MAX; i++) {
        char k[8];
        snprintf(k, sizeof k, "k%d", i);
        ck_assert_int_eq(proto_meta_set(&meta, k, "x", &err), 0);
    }
    ck_assert_int_eq(proto_meta_set(&meta, "last", "x", &err), -1);
    ck_assert_uint_eq(meta.count, PROTO_META_MAX);
    proto_meta_free(&meta);
    ck_assert_uint_eq(meta.count, 0);
    ck_assert_ptr_null(meta.items);
}
END_TEST

START_TEST(validate_built_requests)
{
    proto_request_t r;
    err_t err = {0};
    s_full_order(&r);
    ck_assert_int_eq(proto_request_validate(&r, &err), 0);
    r.order.quantity = D("0");
    ck_assert_int_eq(proto_request_validate(&r, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "body.quantity: must be > 0"));
    r.order.quantity = D("1");
    SET(r.symbol, "eth-usdt");
    ck_assert_int_eq(proto_request_validate(&r, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "body.symbol"));
    SET(r.symbol, "ETH/USDT");
    r.order.leverage = 126;
    ck_assert_int_eq(proto_request_validate(&r, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "body.leverage"));
    r.order.leverage = 0;
    r.order.side = PROTO_SIDE_NONE;
    ck_assert_int_eq(proto_request_validate(&r, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "body.side: required"));
    proto_request_free(&r);
    proto_request_init(&r, PROTO_T_RESULT);
    ck_assert_int_eq(proto_request_validate(&r, &err), -1);
}
END_TEST

START_TEST(encode_into_full_buffer)
{
    proto_request_t r;
    s_full_order(&r);
    proto_header_t h;
    proto_header_init(&h, "x");
    buf_t out;
    buf_init(&out, 64);
    buf_puts(&out, "prefix");
    err_t err = {0};
    ck_assert_int_eq(proto_request_encode(&h, &r, &out, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "message too large"));
    ck_assert_str_eq(buf_cstr(&out), "prefix");
    buf_release(&out);
    proto_request_free(&r);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("proto_request");
    TCase *tc = tcase_create("request");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, place_order_every_field);
    tcase_add_test(tc, every_other_request);
    tcase_add_test(tc, order_type_rules);
    tcase_add_test(tc, decimals);
    tcase_add_test(tc, identifiers_and_ranges);
    tcase_add_test(tc, metadata_limits);
    tcase_add_test(tc, validate_built_requests);
    tcase_add_test(tc, encode_into_full_buffer);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(s_suite());
}
