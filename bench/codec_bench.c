/* codec_bench: the wire codec alone: encodes and decodes per second of a place_order request envelope and of an
 * event.fill envelope (proto/README.md), single thread, no I/O.
 *
 * Encode: header + body struct -> msgpack envelope in a reused buf_t (proto_request_encode /
 * proto_event_encode). Decode: proto_msg_parse + the family decoder with full validation (proto_request_decode /
 * proto_event_decode), then the heap parts freed, as every service does per message. Each operation runs for
 * about `seconds` and reports operations per second and the envelope size.
 *
 * usage: bench_codec [seconds per operation (default 1)]. Prints one JSON line per operation. */
#include "base/buf.h"
#include "base/clock.h"
#include "base/decimal.h"
#include "proto/proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH 1000

static decimal_t s_dec(const char *s)
{
    decimal_t d;
    if (decimal_from_str(s, &d, NULL) < 0)
        abort();
    return d;
}

static void s_make_request(proto_request_t *req)
{
    proto_request_init(req, PROTO_T_PLACE_ORDER);
    snprintf(req->venue, sizeof req->venue, "binance");
    snprintf(req->symbol, sizeof req->symbol, "BTC/USDT");
    req->order.side = PROTO_SIDE_BUY;
    req->order.type = PROTO_OT_LIMIT;
    req->order.time_in_force = PROTO_TIF_GTC;
    req->order.quantity = s_dec("0.001");
    req->order.price = s_dec("90000.5");
    snprintf(req->order.client_order_id, sizeof req->order.client_order_id, "bench-000000001");
}

static void s_make_fill(proto_event_t *ev)
{
    proto_event_init(ev, PROTO_T_EVENT_FILL);
    snprintf(ev->source, sizeof ev->source, "binance-1");
    ev->seq = 123456;
    proto_fill_t *f = &ev->fill;
    snprintf(f->venue, sizeof f->venue, "binance");
    snprintf(f->account, sizeof f->account, "default");
    snprintf(f->trade_id, sizeof f->trade_id, "5000000123");
    snprintf(f->order_id, sizeof f->order_id, "8000000456");
    snprintf(f->client_order_id, sizeof f->client_order_id, "bench-000000001");
    snprintf(f->symbol, sizeof f->symbol, "BTC/USDT");
    f->side = PROTO_SIDE_BUY;
    f->order_type = PROTO_OT_MARKET;
    f->quantity = s_dec("0.001");
    f->price = s_dec("95000.1");
    f->fee = s_dec("0.04750005");
    snprintf(f->fee_asset, sizeof f->fee_asset, "USDT");
    f->realized_pnl = s_dec("0");
    f->liquidity = PROTO_LIQ_TAKER;
    f->executed_at = 1763700000000;
}

static void s_report(const char *name, long ops, int64_t ns, size_t bytes)
{
    printf("{\"op\":\"%s\",\"ops\":%ld,\"seconds\":%.6f,\"ops_per_s\":%.0f,\"bytes\":%zu}\n", name, ops,
           (double) ns / 1e9, (double) ops * 1e9 / (double) ns, bytes);
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? strtod(argv[1], NULL) : 1.0;
    if (!(seconds > 0 && seconds < 600))
        seconds = 1.0;
    int64_t budget = (int64_t) (seconds * 1e9);
    proto_header_t h;
    proto_header_init(&h, "c-1234567");
    buf_t out;
    buf_init(&out, 1 << 16);
    proto_msg_t *msg = proto_msg_new();
    int rc = 1;

    proto_request_t req;
    s_make_request(&req);
    long ops = 0;
    int64_t t0 = clock_mono_ns(), t;
    do {
        for (int i = 0; i < BATCH; i++) {
            buf_reset(&out);
            if (proto_request_encode(&h, &req, &out, NULL) < 0)
                goto cleanup;
        }
        ops += BATCH;
    } while ((t = clock_mono_ns() - t0) < budget);
    s_report("encode_order_request", ops, t, out.len);

    buf_t req_bytes;
    buf_init(&req_bytes, 1 << 16);
    buf_append(&req_bytes, out.data, out.len);
    ops = 0;
    t0 = clock_mono_ns();
    do {
        for (int i = 0; i < BATCH; i++) {
            proto_header_t hh;
            proto_request_t r;
            if (proto_msg_parse(msg, req_bytes.data, req_bytes.len, &hh, NULL) < 0 ||
                proto_request_decode(msg, &r, NULL) < 0) {
                buf_release(&req_bytes);
                goto cleanup;
            }
            proto_request_free(&r);
        }
        ops += BATCH;
    } while ((t = clock_mono_ns() - t0) < budget);
    s_report("decode_order_request", ops, t, req_bytes.len);
    buf_release(&req_bytes);
    proto_request_free(&req);

    proto_event_t ev;
    s_make_fill(&ev);
    ops = 0;
    t0 = clock_mono_ns();
    do {
        for (int i = 0; i < BATCH; i++) {
            buf_reset(&out);
            if (proto_event_encode(&h, &ev, &out, NULL) < 0)
                goto cleanup;
        }
        ops += BATCH;
    } while ((t = clock_mono_ns() - t0) < budget);
    s_report("encode_fill_event", ops, t, out.len);
    proto_event_free(&ev);

    ops = 0;
    t0 = clock_mono_ns();
    do {
        for (int i = 0; i < BATCH; i++) {
            proto_header_t hh;
            proto_event_t e;
            if (proto_msg_parse(msg, out.data, out.len, &hh, NULL) < 0 || proto_event_decode(msg, &e, NULL) < 0)
                goto cleanup;
            proto_event_free(&e);
        }
        ops += BATCH;
    } while ((t = clock_mono_ns() - t0) < budget);
    s_report("decode_fill_event", ops, t, out.len);
    rc = 0;
cleanup:
    if (rc != 0)
        fprintf(stderr, "bench_codec: an encode or decode failed\n");
    proto_msg_destroy(&msg);
    buf_release(&out);
    return rc;
}
