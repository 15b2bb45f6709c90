/* pipeline_bench: place_order requests through the whole xroute pipeline (client -> gateway -> router ->
 * venue worker -> venue -> back), as fast as a fixed number of requests in flight allows, and the latency of
 * each one as the client sees it.
 *
 * One ZeroMQ DEALER connected to the gateway keeps `inflight` requests outstanding, each with its own
 * correlation id (the request's index), and sends the next as soon as a reply arrives. Orders are LIMIT GTC
 * orders spread round-robin over the symbols given, each priced so that it rests (far from the market but inside
 * the venue's price band), so the venue does no matching. Every order has a fresh client order id (prefix given
 * by the caller, so runs never collide in the gateway's idempotency journal). A reply counts as ok when it is a
 * `result`; anything else (an `error`) is counted and its first code is reported.
 *
 * usage: bench_pipeline GATEWAY N INFLIGHT CLID_PREFIX VENUE SYMBOL:QTY:PRICE...
 *   e.g. bench_pipeline tcp://127.0.0.1:26000 240 64 r1a binance BTC/USDT:0.001:90000 ETH/USDT:0.03:3300
 * Prints one JSON line: orders, inflight, ok, errors, first_error, seconds, orders_per_s, p50_us, p99_us,
 * p999_us, max_us. Exit 0 when every request was answered (errors included), 1 on a timeout or a setup
 * failure. CURVE as the xroute CLI does it: from the environment (XROUTE_CURVE, XROUTE_KEYS_DIR, ...: the
 * stack's client key), plain TCP when XROUTE_CURVE is off. */
#include "bench_report.h"

#include "base/buf.h"
#include "base/config.h"
#include "base/clock.h"
#include "base/mem.h"
#include "base/decimal.h"
#include "base/err.h"
#include "bus/bus_curve.h"
#include "bus/bus_msg.h"
#include "bus/bus_sock.h"
#include "proto/error.h"
#include "proto/proto.h"

#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SYMBOLS 16
#define MAX_ORDERS 1000000
#define REPLY_TIMEOUT_MS 60000

typedef struct {
    char symbol[PROTO_SYMBOL_SZ];
    decimal_t qty;
    decimal_t price;
} bench_sym_t;

typedef struct {
    zsock_t *sock;            /* DEALER to the gateway */
    const char *prefix;       /* client order id prefix */
    const char *venue;        /* venue override ("" = route by symbol) */
    bench_sym_t syms[MAX_SYMBOLS];
    int n_syms;
    long n;                   /* orders to send */
    long sent;                /* sent so far */
    long answered;            /* replies received */
    long ok;                  /* result replies */
    long errors;              /* error replies */
    char first_error[256];    /* code and message of the first error reply */
    int64_t *sent_ns;         /* send time of each order (0 = answered) */
    uint32_t *lat_us;         /* latencies, in answer order */
    buf_t out;                /* encode buffer */
    proto_msg_t *reader;      /* reply reader */
} bench_t;

static int s_parse_sym(const char *arg, bench_sym_t *s)
{
    const char *c1 = strchr(arg, ':');
    const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c1 || !c2 || (size_t) (c1 - arg) >= sizeof s->symbol)
        return -1;
    memcpy(s->symbol, arg, (size_t) (c1 - arg));
    s->symbol[c1 - arg] = '\0';
    if (decimal_parse(c1 + 1, (size_t) (c2 - c1 - 1), &s->qty, NULL) < 0 ||
        decimal_from_str(c2 + 1, &s->price, NULL) < 0)
        return -1;
    return 0;
}

/* Sends order number i. 0 or -1. */
static int s_send(bench_t *b, long i)
{
    const bench_sym_t *s = &b->syms[i % b->n_syms];
    proto_request_t req;
    proto_request_init(&req, PROTO_T_PLACE_ORDER);
    snprintf(req.venue, sizeof req.venue, "%s", b->venue);
    snprintf(req.symbol, sizeof req.symbol, "%s", s->symbol);
    req.order.side = PROTO_SIDE_BUY;
    req.order.type = PROTO_OT_LIMIT;
    req.order.time_in_force = PROTO_TIF_GTC;
    req.order.quantity = s->qty;
    req.order.price = s->price;
    snprintf(req.order.client_order_id, sizeof req.order.client_order_id, "%s-%ld", b->prefix, i);
    char id[32];
    snprintf(id, sizeof id, "%ld", i);
    proto_header_t h;
    proto_header_init(&h, id);
    h.deadline = h.ts + REPLY_TIMEOUT_MS;
    err_t err;
    buf_reset(&b->out);
    int rc = proto_request_encode(&h, &req, &b->out, &err);
    proto_request_free(&req);
    if (rc < 0) {
        fprintf(stderr, "bench_pipeline: encode: %s\n", err.msg);
        return -1;
    }
    b->sent_ns[i] = clock_mono_ns();
    if (bus_send_envelope(b->sock, NULL, &b->out, &err) < 0) {
        fprintf(stderr, "bench_pipeline: send: %s\n", err.msg);
        return -1;
    }
    b->sent++;
    return 0;
}

/* Handles one reply. */
static void s_on_reply(bench_t *b, bus_msg_t *msg)
{
    proto_header_t hdr;
    err_t err;
    if (bus_msg_parse(msg, b->reader, &hdr, &err) < 0) {
        fprintf(stderr, "bench_pipeline: bad reply: %s\n", err.msg);
        return;
    }
    char *end = NULL;
    long i = strtol(hdr.id, &end, 10);
    if (!end || *end != '\0' || i < 0 || i >= b->n || b->sent_ns[i] == 0)
        return; /* not ours, or a duplicate */
    int64_t now = clock_mono_ns();
    b->lat_us[b->answered++] = (uint32_t) ((now - b->sent_ns[i]) / 1000);
    b->sent_ns[i] = 0;
    if (hdr.type == PROTO_T_RESULT) {
        b->ok++;
        return;
    }
    b->errors++;
    if (b->first_error[0] == '\0') {
        proto_error_t e;
        memset(&e, 0, sizeof e);
        if (hdr.type == PROTO_T_ERROR && proto_error_decode(b->reader, &e, NULL) == 0)
            snprintf(b->first_error, sizeof b->first_error, "%s: %s", xr_code_name(e.code), e.message);
        else
            snprintf(b->first_error, sizeof b->first_error, "reply type %s", hdr.type_name);
    }
}

int main(int argc, char **argv)
{
    if (argc < 7) {
        fprintf(stderr, "usage: bench_pipeline GATEWAY N INFLIGHT CLID_PREFIX VENUE SYMBOL:QTY:PRICE...\n");
        return 2;
    }
    bench_t b;
    memset(&b, 0, sizeof b);
    char *end = NULL;
    b.n = strtol(argv[2], &end, 10);
    long inflight = strtol(argv[3], NULL, 10);
    if (!end || *end || b.n < 1 || b.n > MAX_ORDERS || inflight < 1 || inflight > 4096) {
        fprintf(stderr, "bench_pipeline: bad N or INFLIGHT\n");
        return 2;
    }
    b.prefix = argv[4];
    b.venue = argv[5];
    for (int a = 6; a < argc && b.n_syms < MAX_SYMBOLS; a++) {
        if (s_parse_sym(argv[a], &b.syms[b.n_syms]) < 0) {
            fprintf(stderr, "bench_pipeline: bad symbol spec '%s'\n", argv[a]);
            return 2;
        }
        b.n_syms++;
    }
    int rc = 1;
    err_t err;
    bus_sock_opts_t o;
    bus_sock_opts_default(&o);
    o.sndhwm = 100000;
    o.rcvhwm = 100000;
    b.sent_ns = mem_calloc((size_t) b.n, sizeof *b.sent_ns);
    b.lat_us = mem_calloc((size_t) b.n, sizeof *b.lat_us);
    buf_init(&b.out, 1 << 16);
    b.reader = proto_msg_new();
    config_t *cfg = config_new(NULL, &err);
    bus_curve_t *curve = cfg ? bus_curve_new(cfg, "client", &err) : NULL;
    if (curve && bus_curve_client_opts(curve, "gateway", false, &o, &err) == 0) {
        char ep[600];
        snprintf(ep, sizeof ep, ">%s", argv[1]);
        b.sock = bus_dealer_new(ep, &o, &err);
    }
    bus_curve_destroy(&curve);
    config_destroy(&cfg);
    if (!b.sock || !b.sent_ns || !b.lat_us) {
        fprintf(stderr, "bench_pipeline: setup: %s\n", b.sock ? "out of memory" : err.msg);
        goto cleanup;
    }
    zclock_sleep(200); /* let the connection come up so the first latency is not the TCP handshake */

    int64_t t0 = clock_mono_ns();
    for (long i = 0; i < inflight && i < b.n; i++)
        if (s_send(&b, i) < 0)
            goto cleanup;
    int64_t last_progress = clock_mono_ns();
    zmq_pollitem_t item = {zsock_resolve(b.sock), 0, ZMQ_POLLIN, 0};
    while (b.answered < b.n) {
        int pr = zmq_poll(&item, 1, 1000);
        if (pr < 0)
            goto cleanup;
        for (;;) {
            bus_msg_t *msg = bus_msg_recv(b.sock, &err);
            if (!msg)
                break;
            long before = b.answered;
            s_on_reply(&b, msg);
            bus_msg_destroy(&msg);
            if (b.answered > before) {
                last_progress = clock_mono_ns();
                if (b.sent < b.n && s_send(&b, b.sent) < 0)
                    goto cleanup;
            }
        }
        if ((clock_mono_ns() - last_progress) / 1000000 > REPLY_TIMEOUT_MS) {
            fprintf(stderr, "bench_pipeline: no reply for %d ms (%ld of %ld answered)\n", REPLY_TIMEOUT_MS,
                    b.answered, b.n);
            goto cleanup;
        }
    }
    double secs = (double) (clock_mono_ns() - t0) / 1e9;
    bench_report(b.n, inflight, b.ok, b.errors, b.first_error, secs, b.lat_us, b.answered);
    rc = 0;
cleanup:
    zsock_destroy(&b.sock);
    proto_msg_destroy(&b.reader);
    buf_release(&b.out);
    mem_free(b.sent_ns);
    mem_free(b.lat_us);
    return rc;
}
