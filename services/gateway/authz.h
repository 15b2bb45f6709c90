/* authz: which accounts and venues each authenticated client may use. CURVE (bus_curve.h) proves who the
 * client is (its public key, the message's User-Id); this table says what that key may do. Loaded from
 * clients.conf (deploy/config/clients.conf), one client per line:
 *
 *     # NAME      ACCOUNTS               VENUES
 *     desk-a      default,hedge          binance,bybit
 *     ops         *                      *
 *
 * NAME is a certificate name: the key is read from ALLOW_DIR/NAME.cert (the directory zauth admits
 * clients from), or NAME is itself a 40-character Z85 public key. ACCOUNTS and VENUES are comma-separated
 * lists or `*` for all. A line whose certificate is missing is skipped with a warning (that key could not
 * connect anyway); a malformed line refuses the whole file. A key that is not listed may do nothing.
 *
 * Rules (authz_check): market data and informational requests (health, route, venues, get_ticker,
 * get_klines) need only a listed key; reload needs `*` for both accounts and venues; every other request
 * needs its account allowed, and its venue allowed when it names one. A request that names no venue from a
 * key limited to exactly one venue is pinned to that venue; limited to several, it must name one. */
#ifndef XR_GATEWAY_AUTHZ_H
#define XR_GATEWAY_AUTHZ_H

#include "base/err.h"
#include "proto/request.h"

#include <stdbool.h>

typedef struct _authz_t authz_t;

/* Loads path, resolving names through allow_dir. NULL with err (XR_INVALID_REQUEST naming the file and line)
 * on a malformed file or more than 4096 clients. */
authz_t *authz_load(const char *path, const char *allow_dir, err_t *err);

/* Number of clients loaded. */
size_t authz_size(const authz_t *self);

/* True when user_id (Z85 public key) is a listed client. */
bool authz_is_client(const authz_t *self, const char *user_id);

/* Checks req from user_id; may set req->venue (then *pinned = true: the request must be re-encoded).
 * Returns 0, or -1 with err (XR_AUTH) saying what was refused and for which client. */
int authz_check(const authz_t *self, const char *user_id, proto_request_t *req, bool *pinned, err_t *err);

/* Longest event topic ("account.venue.") and most topics one subscription may expand to. */
#define AUTHZ_TOPIC_SZ (PROTO_ACCOUNT_SZ + PROTO_VENUE_SZ + 2)
#define AUTHZ_TOPICS_MAX 64

/* The event topics (prefixes of "account.venue.") that user_id's subscription to topic (len bytes, any
 * bytes) may really get: topic itself when the key may see everything under it, else topic narrowed to the
 * key's accounts and venues (a subscription to "" by a key limited to account a and venues v, w becomes
 * "a.v." and "a.w."), none when nothing under it is allowed or it cannot be narrowed (a key with every
 * account but some venues subscribing to less than a whole account) or would need more than
 * AUTHZ_TOPICS_MAX prefixes. Returns the number written to out. */
int authz_event_topics(const authz_t *self, const char *user_id, const char *topic, size_t len,
                       char out[][AUTHZ_TOPIC_SZ], int max);

/* Frees. NULL-safe; nulls *self_p. */
void authz_destroy(authz_t **self_p);

#endif
