/* bybit_wire: the Bybit request and reply envelope as the runtime sees it: X-BAPI-* signing of the exact
 * query string or JSON body, the retCode envelope and HTTP statuses mapped to unified errors (with the
 * venue's code and message kept), and the X-Bapi-Limit* rate-limit headers. Pure functions; they are the
 * sign, map_error and observe members of bybit_ops. */
#ifndef XR_BYBIT_BYBIT_WIRE_H
#define XR_BYBIT_BYBIT_WIRE_H

#include "venue/adapter.h"

#define BY_RECV_WINDOW 5000   /* default X-BAPI-RECV-WINDOW (ms) */
#define BY_ORDER_LIMIT 10     /* each write endpoint (create, amend, cancel, set-leverage) per UID per second */
#define BY_READ_LIMIT 50      /* each private read endpoint per UID per second */
#define BY_IP_BAN_MS 600000   /* after HTTP 403 (IP limit): "stop and wait at least 10 minutes" */

/* Signs req for venue time now_ms: adds X-BAPI-API-KEY, -TIMESTAMP, -RECV-WINDOW and -SIGN = hex
 * HMAC-SHA256(secret, timestamp + key + recvWindow + payload), payload = the exact query of a GET or the
 * exact body of a POST. Query and body are not changed. Unsigned requests are left alone. Returns 0, or -1
 * with err (never naming the secret). */
int bybit_sign(void *state, const venue_creds_t *creds, int64_t now_ms, venue_req_t *req, err_t *err);

/* Returns 0 when resp is a success (HTTP 2xx and retCode 0, or a 2xx body that is not an envelope, which
 * the hook then refuses), else 1 with *out filled: unified code, venue code and message, retry-after for
 * rate limits (HTTP 403: 10 min; 10006/429: until X-Bapi-Limit-Reset-Timestamp), unknown_outcome for 5xx,
 * 10016 and -1. */
int bybit_map_error(void *state, const venue_resp_t *resp, venue_error_t *out);

/* Reports the used part of a write endpoint's UID budget (X-Bapi-Limit - X-Bapi-Limit-Status) as
 * usage->orders_short; other counters are per read endpoint and are not reported. */
void bybit_observe(void *state, const venue_resp_t *resp, venue_usage_t *usage);

#endif
