/* fuzz_coindcx: arbitrary bytes as CoinDCX replies into every hook of the adapter, at every step it reaches,
 * through sign and map_error exactly as the runtime calls them. Input layout:
 *   byte 0  operation (mod VENUE_OP_COUNT_)
 *   byte 1  bits 0-2: HTTP status of every reply (200 x3, 400, 401, 404, 429, 503); bit 3: input with a
 *           symbol; bit 4: by venue order id instead of client id; bit 5: conditional order with leverage;
 *           bit 6: reduce-only
 *   rest    NUL-separated segments: the first is the reply header block, the next ones are the bodies of
 *           successive replies (a call that asks for more requests than there are segments stops there)
 * Invariants: a hook returns SEND, DONE or FAIL only; FAIL carries a code; SEND carries a path, and a signed
 * request's body starts with the timestamp the signature covers; DONE results are bounded, klines and fills come
 * oldest first with non-decreasing cursor keys, every symbol in a result is a unified symbol of the table,
 * and a filled quantity is never negative. */
#include "coindcx/coindcx.h"

#include "base/log.h"
#include "base/mem.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SEGMENTS 8

static instruments_t *s_table(void)
{
    static const struct {
        const char *sym, *vsym, *base, *tick, *step;
    } rows[] = {{"ETH/USDT", "B-ETH_USDT", "ETH", "0.01", "0.001"},
                {"BTC/USDT", "B-BTC_USDT", "BTC", "0.1", "0.001"},
                {"1000SHIB/USDT", "B-1000SHIB_USDT", "1000SHIB", "0.000001", "1"}};
    instruments_t *t = instruments_new();
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        instrument_t in;
        memset(&in, 0, sizeof in);
        memcpy(in.venue_symbol, rows[i].vsym, strlen(rows[i].vsym) + 1);
        memcpy(in.symbol, rows[i].sym, strlen(rows[i].sym) + 1);
        memcpy(in.base, rows[i].base, strlen(rows[i].base) + 1);
        memcpy(in.quote, "USDT", 5);
        in.trading = true;
        decimal_from_str(rows[i].tick, &in.tick, NULL);
        decimal_from_str(rows[i].step, &in.step, NULL);
        if (instruments_add(t, &in, NULL) < 0)
            abort();
    }
    return t;
}

static void s_input(venue_call_t *call, venue_op_t op, uint8_t flags)
{
    venue_input_t *in = &call->in;
    const char *sym = flags & 8 ? "ETH/USDT" : "";
    memcpy(in->symbol, sym, strlen(sym) + 1);
    if (op == VENUE_OP_PLACE_ORDER || op == VENUE_OP_CLOSE_POSITION || op == VENUE_OP_GET_FILLS ||
        op == VENUE_OP_GET_TICKER || op == VENUE_OP_GET_KLINES || op == VENUE_OP_SET_LEVERAGE)
        memcpy(in->symbol, "ETH/USDT", 9);
    if (flags & 16)
        memcpy(in->order_id, "c87ca633-6218-44ea-900b-e86981358cbd", 37);
    else
        memcpy(in->client_order_id, "fz-1", 5);
    memcpy(in->interval, "1m", 3);
    in->limit = 5;
    in->leverage = 10;
    in->start_ms = 1705647300000;
    venue_order_req_t *o = &in->order;
    memcpy(o->symbol, "ETH/USDT", 9);
    memcpy(o->client_order_id, "fz-1", 5);
    o->side = VENUE_SIDE_BUY;
    o->type = flags & 32 ? VENUE_TYPE_STOP_LIMIT : VENUE_TYPE_LIMIT;
    o->reduce_only = (flags & 64) != 0;
    decimal_from_str("0.01", &o->quantity, NULL);
    decimal_from_str("2000.5", &o->price, NULL);
    decimal_from_str("1990", &o->stop_price, NULL);
    o->leverage = flags & 32 ? 5 : 0;
}

static void s_check_done(const venue_call_t *call, const instruments_t *t)
{
    const venue_result_t *r = &call->result;
    assert(r->n_orders <= VENUE_RESULT_ITEMS_MAX && r->n_fills <= VENUE_RESULT_ITEMS_MAX &&
           r->n_klines <= VENUE_RESULT_ITEMS_MAX && r->n_positions <= VENUE_RESULT_ITEMS_MAX &&
           r->n_balances <= VENUE_RESULT_ITEMS_MAX && r->n_cancels <= VENUE_RESULT_ITEMS_MAX);
    for (size_t i = 0; i < r->n_orders; i++) {
        assert(instruments_find(t, r->orders[i].symbol));
        assert(decimal_sign(r->orders[i].filled_quantity) >= 0);
    }
    for (size_t i = 0; i < r->n_positions; i++)
        assert(instruments_find(t, r->positions[i].symbol));
    for (size_t i = 0; i < r->n_fills; i++) {
        assert(instruments_find(t, r->fills[i].symbol));
        assert(strncmp(r->fills[i].trade_id, "cdx-", 4) == 0);
        assert(i == 0 || r->fills[i].seq_key >= r->fills[i - 1].seq_key);
    }
    for (size_t i = 1; i < r->n_klines; i++)
        assert(r->klines[i].open_time >= r->klines[i - 1].open_time);
    if (r->order.order_id[0]) {
        assert(instruments_find(t, r->order.symbol));
        assert(decimal_sign(r->order.filled_quantity) >= 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const long statuses[] = {200, 200, 200, 400, 401, 404, 429, 503};
    static instruments_t *table;
    if (!table) {
        log_init("fuzz", LOG_LEVEL_OFF);
        table = s_table();
    }
    if (size < 2)
        return 0;
    venue_op_t op = (venue_op_t) (data[0] % VENUE_OP_COUNT_);
    uint8_t flags = data[1];
    long status = statuses[flags & 7];
    const uint8_t *seg[MAX_SEGMENTS];
    size_t len[MAX_SEGMENTS], n = 0;
    for (size_t at = 2; at <= size && n < MAX_SEGMENTS;) {
        const uint8_t *end = at < size ? memchr(data + at, 0, size - at) : NULL;
        size_t l = end ? (size_t) (end - (data + at)) : size - at;
        seg[n] = data + at;
        len[n++] = l;
        at += l + 1;
        if (!end)
            break;
    }
    char *headers = mem_calloc(1, len[0] + 1);
    memcpy(headers, seg[0], len[0]);

    void *state = mem_calloc(1, coindcx_ops.state_size);
    if (coindcx_configure(state, "USDT", NULL) < 0)
        abort();
    venue_ctx_t ctx = {.venue = "coindcx", .instruments = table, .now_ms = 1705647376759};
    venue_call_t call;
    memset(&call, 0, sizeof call);
    venue_req_init(&call.req);
    call.op = op;
    call.ctx = &ctx;
    s_input(&call, op, flags);
    venue_step_fn *fn = venue_ops_hook(&coindcx_ops, op);
    int rc = fn(state, &call);
    for (size_t i = 1; rc == VENUE_SEND && i < n; i++) {
        assert(call.req.path[0] == '/');
        venue_creds_t creds = {.api_key = "k", .api_secret = "s"};
        if (call.req.sign) {
            assert(coindcx_ops.sign(state, &creds, 1705647376759, &call.req, NULL) == 0);
            assert(strncmp(buf_cstr(&call.req.body), "{\"timestamp\":1705647376759", 26) == 0);
        }
        char *body = mem_alloc(len[i] ? len[i] : 1);
        memcpy(body, seg[i], len[i]);
        venue_resp_t resp = {.status = status, .body = body, .body_len = len[i], .headers = headers};
        venue_error_t err;
        int is_err = coindcx_ops.map_error(state, &resp, &err);
        assert(is_err == (status >= 300));
        if (is_err) {
            assert(err.code != XR_OK);
            assert(err.retry_after_ms >= 0 && err.retry_after_ms <= 7 * 86400000LL);
            assert(err.unknown_outcome == (status >= 500));
        }
        call.resp = &resp;
        call.error = is_err ? &err : NULL;
        rc = fn(state, &call);
        call.resp = NULL;
        call.error = NULL;
        mem_free(body);
    }
    assert(rc == VENUE_SEND || rc == VENUE_DONE || rc == VENUE_FAIL);
    if (rc == VENUE_FAIL)
        assert(call.fail.code != XR_OK);
    if (rc == VENUE_DONE)
        s_check_done(&call, table);
    venue_result_release(&call.result);
    venue_req_release(&call.req);
    mem_free(state);
    mem_free(headers);
    return 0;
}
