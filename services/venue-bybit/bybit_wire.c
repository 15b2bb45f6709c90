/* bybit_wire: signing, error envelope and rate-limit headers (see bybit_wire.h). */
#include "bybit.h"
#include "bybit_parse.h"
#include "bybit_wire.h"

#include "crypto/crypto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int bybit_sign(void *state, const venue_creds_t *creds, int64_t now_ms, venue_req_t *req, err_t *err)
{
    (void) state;
    if (!req->sign)
        return 0;
    char ts[24], recv[16], sig[CRYPTO_HEX_SHA256_LEN];
    snprintf(ts, sizeof ts, "%lld", (long long) now_ms);
    snprintf(recv, sizeof recv, "%d", creds->recv_window_ms > 0 ? creds->recv_window_ms : BY_RECV_WINDOW);
    const buf_t *payload = req->method == VENUE_GET ? &req->query : &req->body;
    crypto_part_t parts[4] = {{ts, strlen(ts)}, {creds->api_key, strlen(creds->api_key)}, {recv, strlen(recv)},
                              {payload->data, payload->len}};
    if (venue_sign_hex(creds, parts, 4, sig) != 0)
        return err_set(err, XR_INTERNAL, "signing failed");
    venue_req_header(req, "X-BAPI-API-KEY", creds->api_key);
    venue_req_header(req, "X-BAPI-TIMESTAMP", ts);
    venue_req_header(req, "X-BAPI-RECV-WINDOW", recv);
    venue_req_header(req, "X-BAPI-SIGN", sig);
    if (req->overflow)
        return err_set(err, XR_INVALID_REQUEST, "request too large");
    return 0;
}

xr_code_t bybit_code_map(long code)
{
    switch (code) {
    case 10001: return XR_INVALID_REQUEST;
    case 10002: return XR_CLOCK_SKEW;
    case 10003: case 10004: case 10005: case 10010: case 10029: return XR_AUTH;
    case 10006: case 10018: return XR_RATE_LIMITED;
    case -1: case 10016: return XR_TIMEOUT;
    case 110001: case 110008: return XR_ORDER_NOT_FOUND;
    case 110003: return XR_PRECISION;
    case 110004: case 110007: case 110012: return XR_INSUFFICIENT_BALANCE;
    case 110072: return XR_DUPLICATE_ORDER;
    case 110094: return XR_MIN_NOTIONAL;
    default: return XR_VENUE_REJECTED;
    }
}

static int64_t s_header_int(const venue_resp_t *r, const char *name)
{
    char v[32];
    if (venue_resp_header(r, name, v, sizeof v) < 0)
        return -1;
    char *end;
    long long n = strtoll(v, &end, 10);
    return end != v && *end == '\0' && n >= 0 ? (int64_t) n : -1;
}

/* How long to wait after a rate-limit refusal: Retry-After (s), else the UID window's reset time against
 * the envelope's server time, else dflt. Bounded to (0, 10 min]. */
static int64_t s_retry_after(const venue_resp_t *r, int64_t server_ms, int64_t dflt)
{
    int64_t s = s_header_int(r, "Retry-After"), reset = s_header_int(r, "X-Bapi-Limit-Reset-Timestamp");
    int64_t wait = dflt;
    if (s >= 0)
        wait = s * 1000;
    else if (reset > 0 && server_ms > 0 && reset > server_ms)
        wait = reset - server_ms;
    return wait < 1 ? 1 : wait > BY_IP_BAN_MS ? BY_IP_BAN_MS : wait;
}

static void s_map_http(const venue_resp_t *resp, int64_t ret, int64_t server_ms, venue_error_t *out)
{
    long st = resp->status;
    if (st == 403) {
        out->code = XR_RATE_LIMITED;
        out->retry_after_ms = BY_IP_BAN_MS;
        snprintf(out->message, sizeof out->message,
                 "bybit HTTP 403: IP rate limit breached (or region blocked); sending nothing for 10 min");
    } else if (st == 429) {
        out->code = XR_RATE_LIMITED;
        out->retry_after_ms = s_retry_after(resp, server_ms, 1000);
        snprintf(out->message, sizeof out->message, "bybit HTTP 429: system-level protection");
    } else if (st >= 500) {
        out->code = XR_TIMEOUT;
        out->unknown_outcome = true;
        snprintf(out->message, sizeof out->message, "venue error HTTP %ld: outcome unknown", st);
    } else if (ret != 0) {
        return; /* the retCode says more */
    } else {
        out->code = st == 401 ? XR_AUTH : st == 400 ? XR_INVALID_REQUEST : XR_VENUE_REJECTED;
        snprintf(out->message, sizeof out->message, "bybit HTTP %ld%s", st,
                 st == 404 ? ": route not found" : " without an error code");
    }
}

int bybit_map_error(void *state, const venue_resp_t *resp, venue_error_t *out)
{
    (void) state;
    err_t e;
    int64_t ret = 0, server_ms = 0;
    bool ok_http = resp->status >= 200 && resp->status < 300;
    json_t *root = json_parse(resp->body, resp->body_len, BY_MAX_REPLY, BY_MAX_DEPTH, &e);
    bool has_ret = root && json_get_int64(root, "retCode", &ret, &e) == 0;
    if (ok_http && (!has_ret || ret == 0)) {
        json_free(&root);
        return 0;
    }
    memset(out, 0, sizeof *out);
    if (has_ret) {
        snprintf(out->venue_code, sizeof out->venue_code, "%lld", (long long) ret);
        bybit_opt_str(root, "retMsg", out->venue_message, sizeof out->venue_message, &e);
        bybit_opt_int(root, "time", &server_ms, &e);
    }
    json_free(&root);
    if (!ok_http)
        s_map_http(resp, ret, server_ms, out);
    if (out->code == XR_OK && ret != 0) {
        out->code = bybit_code_map((long) ret);
        out->unknown_outcome = out->code == XR_TIMEOUT;
        if (out->code == XR_RATE_LIMITED)
            out->retry_after_ms = s_retry_after(resp, server_ms, ret == 10018 ? BY_IP_BAN_MS : 1000);
        snprintf(out->message, sizeof out->message, "bybit %lld: %s", (long long) ret, out->venue_message);
    }
    return 1;
}

/* X-Bapi-Limit-Status counts per endpoint. The worker keeps one order budget for every write (create, cancel,
 * amend, leverage: each 10/s at Bybit), so only the create endpoint's count, the one that matters for new
 * orders, is taken from the venue; the others stay counted locally (which can only over-count). */
void bybit_observe(void *state, const venue_resp_t *resp, venue_usage_t *usage)
{
    (void) state;
    if (!resp->req || strcmp(resp->req->path, "/v5/order/create") != 0)
        return;
    int64_t limit = s_header_int(resp, "X-Bapi-Limit"), left = s_header_int(resp, "X-Bapi-Limit-Status");
    if (limit > 0 && limit <= BY_ORDER_LIMIT && left >= 0 && left <= limit)
        usage->orders_short = limit - left;
}
