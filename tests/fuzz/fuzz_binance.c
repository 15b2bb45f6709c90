/* fuzz_binance: arbitrary venue replies through every step of every Binance adapter operation (the bytes are
 * the reply body at every step, with success and error statuses), through the error mapper and the
 * rate-limit header reader, and through exchangeInfo parsing. Nothing may crash, leak or read out of
 * bounds; failures must come back as VENUE_FAIL with a message. */
#include "binance/binance.h"

#include "base/mem.h"
#include "venue/adapter.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const char s_info[] =
    "{\"rateLimits\":[],\"symbols\":["
    "{\"symbol\":\"BTCUSDT\",\"contractType\":\"PERPETUAL\",\"status\":\"TRADING\",\"baseAsset\":\"BTC\","
    "\"quoteAsset\":\"USDT\",\"filters\":[{\"filterType\":\"PRICE_FILTER\",\"tickSize\":\"0.1\"},"
    "{\"filterType\":\"LOT_SIZE\",\"stepSize\":\"0.001\",\"minQty\":\"0.001\",\"maxQty\":\"1000\"}]},"
    "{\"symbol\":\"ETHUSDT\",\"contractType\":\"PERPETUAL\",\"status\":\"TRADING\",\"baseAsset\":\"ETH\","
    "\"quoteAsset\":\"USDT\",\"filters\":[]}]}";

/* Runs one hook: step 0, then the reply for up to 8 steps. */
static void s_drive(venue_op_t op, const venue_ctx_t *ctx, const venue_input_t *in, const venue_resp_t *resp)
{
    venue_call_t call;
    memset(&call, 0, sizeof call);
    venue_req_init(&call.req);
    call.op = op;
    call.in = *in;
    call.ctx = ctx;
    venue_step_fn *fn = venue_ops_hook(&binance_ops, op);
    int rc = fn(NULL, &call);
    venue_error_t err;
    for (int i = 0; i < 8 && rc == VENUE_SEND; i++) {
        call.resp = resp;
        call.error = binance_ops.map_error(NULL, resp, &err) ? &err : NULL;
        rc = fn(NULL, &call);
    }
    if (rc == VENUE_FAIL && !call.fail.code)
        __builtin_trap();
    venue_result_release(&call.result);
    venue_req_release(&call.req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = mem_strndup((const char *) data, size);
    instruments_t *inst = instruments_new();
    venue_ctx_t ctx = {.venue = "binance", .instruments = inst, .now_ms = 1763750000000};
    venue_resp_t info = {.status = 200, .body = s_info, .body_len = sizeof s_info - 1};
    venue_call_t load;
    memset(&load, 0, sizeof load);
    venue_req_init(&load.req);
    load.op = VENUE_OP_LOAD_INSTRUMENTS;
    load.ctx = &ctx;
    binance_ops.load_instruments(NULL, &load);
    load.resp = &info;
    if (binance_ops.load_instruments(NULL, &load) == VENUE_DONE && load.result.instruments)
        instruments_replace(inst, load.result.instruments);
    venue_result_release(&load.result);
    venue_req_release(&load.req);

    venue_input_t in;
    memset(&in, 0, sizeof in);
    snprintf(in.symbol, sizeof in.symbol, "BTC/USDT");
    snprintf(in.client_order_id, sizeof in.client_order_id, "fz-1");
    snprintf(in.interval, sizeof in.interval, "1m");
    in.leverage = 5;
    in.from_id = 1;
    venue_order_req_t *o = &in.order;
    snprintf(o->symbol, sizeof o->symbol, "BTC/USDT");
    snprintf(o->client_order_id, sizeof o->client_order_id, "fz-1");
    o->side = VENUE_SIDE_BUY;
    o->type = (size & 1) ? VENUE_TYPE_LIMIT : VENUE_TYPE_STOP_MARKET;
    o->quantity = decimal_from_int(1);
    o->price = (size & 1) ? decimal_from_int(100) : DECIMAL_ZERO;
    o->stop_price = (size & 1) ? DECIMAL_ZERO : decimal_from_int(90);
    o->leverage = 3;
    o->take_profit = decimal_from_int(200);
    o->stop_loss = decimal_from_int(50);

    static const long statuses[] = {200, 400, 429, 503};
    for (size_t s = 0; s < sizeof statuses / sizeof statuses[0]; s++) {
        venue_resp_t resp = {.status = statuses[s], .body = text, .body_len = size, .headers = text};
        for (int op = 0; op < VENUE_OP_COUNT_; op++)
            s_drive((venue_op_t) op, &ctx, &in, &resp);
        venue_usage_t u;
        binance_ops.observe(NULL, &resp, &u);
    }
    instruments_destroy(&inst);
    mem_free(text);
    return 0;
}
