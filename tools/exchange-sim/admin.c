/* admin: the simulator's own JSON API on the admin port, for tests and operators (README.md lists it):
 *   GET    /admin/health                      venues, ports, counters
 *   GET    /admin/ledger?venue=&account=&since_trade=   orders accepted, fills, final states: the exchange's truth
 *   GET    /admin/requests?venue=&limit=      last raw requests of a venue, secrets redacted
 *   GET    /admin/fault                       active faults
 *   POST   /admin/fault {venue,path,kind,ms,count,probability}
 *   DELETE /admin/fault[?venue=]              clear faults
 *   POST   /admin/price {venue,symbol,price}  set a price (matches at once)
 *   POST   /admin/config {partial_fills,rate_limits,rate_limit_per_min}
 *   POST   /admin/reset                       back to the start state
 * Errors: HTTP 400/404 with {"error":"..."}. */
#include "server.h"

#include "params.h"

#include "base/mem.h"
#include "json/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    sim_server_t *srv;            /* server */
    const sim_http_req_t *req;    /* request */
    sim_http_resp_t *resp;        /* response */
    sim_params_t q;               /* query parameters */
    jw_t w;                       /* writer */
} s_actx_t;

static void s_error(s_actx_t *a, int status, const char *msg)
{
    sim_resp_begin(a->resp, status);
    jw_t w;
    jw_init(&w, &a->resp->body);
    jw_object_begin(&w);
    jw_key(&w, "error");
    jw_string(&w, msg);
    jw_object_end(&w);
}

static void s_begin(s_actx_t *a)
{
    sim_resp_begin(a->resp, 200);
    jw_init(&a->w, &a->resp->body);
}

static void s_ok(s_actx_t *a)
{
    s_begin(a);
    jw_object_begin(&a->w);
    jw_key(&a->w, "ok");
    jw_bool(&a->w, true);
    jw_object_end(&a->w);
}

/* Venue from a query parameter; -1 when absent; -2 (error written) when unknown. */
static int s_venue_param(s_actx_t *a, const char *value)
{
    if (!value || !*value)
        return -1;
    sim_venue_t v;
    if (sim_venue_parse(value, &v) != 0) {
        s_error(a, 400, "unknown venue (binance, bybit, coindcx)");
        return -2;
    }
    return (int)v;
}

static int s_int_param(s_actx_t *a, const char *name, int64_t def, int64_t *out)
{
    const char *v = sim_params_get(&a->q, name);
    *out = def;
    if (!v || !*v)
        return 0;
    char *end = NULL;
    long long x = strtoll(v, &end, 10);
    if (!end || *end || x < 0) {
        char msg[96];
        snprintf(msg, sizeof msg, "%s must be a non-negative integer", name);
        s_error(a, 400, msg);
        return -1;
    }
    *out = x;
    return 0;
}

/* ---- health ---- */

static void s_health(s_actx_t *a)
{
    sim_engine_t *eng = sim_server_engine(a->srv);
    jw_t *w = &a->w;
    s_begin(a);
    jw_object_begin(w);
    jw_key(w, "status");
    jw_string(w, "ok");
    jw_key(w, "time");
    jw_int64(w, a->req->now_ms);
    jw_key(w, "admin_port");
    jw_int64(w, sim_server_port(a->srv, -1));
    jw_key(w, "seed");
    jw_int64(w, (int64_t)sim_engine_config(eng)->seed);
    jw_key(w, "partial_fills");
    jw_int64(w, sim_engine_config(eng)->partial_fills);
    jw_key(w, "rate_limits");
    jw_bool(w, sim_engine_config(eng)->rate_limits);
    jw_key(w, "faults");
    jw_int64(w, (int64_t)sim_faults_count(sim_server_faults(a->srv)));
    jw_key(w, "venues");
    jw_array_begin(w);
    for (int v = 0; v < SIM_VENUE_COUNT; v++) {
        if (!sim_server_dialect(a->srv, v))
            continue;
        sim_engine_stats_t st;
        sim_engine_stats(eng, (sim_venue_t)v, &st);
        jw_object_begin(w);
        jw_key(w, "venue");
        jw_string(w, sim_venue_name((sim_venue_t)v));
        jw_key(w, "port");
        jw_int64(w, sim_server_port(a->srv, v));
        jw_key(w, "instruments");
        jw_int64(w, (int64_t)sim_engine_instrument_count(eng, (sim_venue_t)v));
        jw_key(w, "orders");
        jw_int64(w, (int64_t)st.orders);
        jw_key(w, "open_orders");
        jw_int64(w, (int64_t)st.open_orders);
        jw_key(w, "fills");
        jw_int64(w, (int64_t)st.fills);
        jw_key(w, "requests");
        jw_int64(w, (int64_t)sim_reqlog_total(sim_server_reqlog(a->srv, v)));
        jw_object_end(w);
    }
    jw_array_end(w);
    jw_key(w, "accounts");
    jw_array_begin(w);
    for (int i = 0; i < sim_engine_account_count(eng); i++) {
        jw_object_begin(w);
        jw_key(w, "id");
        jw_int64(w, i);
        jw_key(w, "key");
        jw_string(w, sim_engine_account(eng, i)->key);
        jw_object_end(w);
    }
    jw_array_end(w);
    jw_object_end(w);
}

/* ---- ledger ---- */

static const char *s_kind_name(sim_ledger_kind_t k)
{
    return k == SIM_LEDGER_ORDER ? "order" : k == SIM_LEDGER_FILL ? "fill" : "done";
}

static const char *s_status_name(sim_status_t s)
{
    static const char *n[] = {"NEW", "PARTIALLY_FILLED", "FILLED", "CANCELED", "EXPIRED", "UNTRIGGERED", "TRIGGERED",
                              "REJECTED"};
    return (unsigned)s < 8 ? n[s] : "?";
}

static const char *s_type_name(sim_type_t t)
{
    static const char *n[] = {"LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET",
                              "TRAILING_STOP_MARKET"};
    return (unsigned)t < 7 ? n[t] : "?";
}

static int s_ledger_one(const sim_ledger_entry_t *e, void *ctx)
{
    jw_t *w = ctx;
    static const char *tifs[] = {"GTC", "IOC", "FOK", "GTX", "GTD"};
    jw_object_begin(w);
    jw_key(w, "seq");
    jw_int64(w, e->seq);
    jw_key(w, "kind");
    jw_string(w, s_kind_name(e->kind));
    jw_key(w, "venue");
    jw_string(w, sim_venue_name(e->venue));
    jw_key(w, "account");
    jw_int64(w, e->account);
    jw_key(w, "symbol");
    jw_string(w, e->inst ? e->inst->symbol : "");
    jw_key(w, "order_id");
    jw_int64(w, e->order_id);
    jw_key(w, "client_id");
    jw_string(w, e->client_id);
    jw_key(w, "side");
    jw_string(w, e->side == SIM_SIDE_BUY ? "BUY" : "SELL");
    jw_key(w, "time");
    jw_int64(w, e->time_ms);
    if (e->kind == SIM_LEDGER_ORDER) {
        jw_key(w, "type");
        jw_string(w, s_type_name(e->type));
        jw_key(w, "tif");
        jw_string(w, (unsigned)e->tif < 5 ? tifs[e->tif] : "?");
        jw_key(w, "status");
        jw_string(w, s_status_name(e->status));
        jw_key(w, "price");
        jw_decimal_string(w, e->price);
        jw_key(w, "qty");
        jw_decimal_string(w, e->qty);
        jw_key(w, "trigger_price");
        jw_decimal_string(w, e->trigger_price);
        jw_key(w, "reduce_only");
        jw_bool(w, e->reduce_only);
    } else if (e->kind == SIM_LEDGER_FILL) {
        jw_key(w, "trade_id");
        jw_int64(w, e->trade_id);
        jw_key(w, "price");
        jw_decimal_string(w, e->price);
        jw_key(w, "qty");
        jw_decimal_string(w, e->qty);
        jw_key(w, "fee");
        jw_decimal_string(w, e->fee);
        jw_key(w, "realized_pnl");
        jw_decimal_string(w, e->realized);
        jw_key(w, "maker");
        jw_bool(w, e->maker);
    } else {
        jw_key(w, "status");
        jw_string(w, s_status_name(e->status));
        jw_key(w, "filled_qty");
        jw_decimal_string(w, e->qty);
        jw_key(w, "avg_price");
        jw_decimal_string(w, e->price);
    }
    jw_object_end(w);
    return 0;
}

static void s_ledger(s_actx_t *a)
{
    int venue = s_venue_param(a, sim_params_get(&a->q, "venue"));
    if (venue == -2)
        return;
    int64_t since = 0, account = -1;
    if (s_int_param(a, "since_trade", 0, &since) != 0 || s_int_param(a, "account", -1, &account) != 0)
        return;
    if (!sim_params_get(&a->q, "account"))
        account = -1;
    s_begin(a);
    jw_object_begin(&a->w);
    jw_key(&a->w, "entries");
    jw_array_begin(&a->w);
    sim_engine_ledger(sim_server_engine(a->srv), venue < 0 ? SIM_VENUE_COUNT : (sim_venue_t)venue, (int)account, since,
                      s_ledger_one, &a->w);
    jw_array_end(&a->w);
    jw_object_end(&a->w);
    if (jw_failed(&a->w))
        s_error(a, 500, "ledger too large for one response: filter with venue, account or since_trade");
}

/* ---- requests ---- */

static int s_request_one(const sim_reqlog_entry_t *e, void *ctx)
{
    jw_t *w = ctx;
    jw_object_begin(w);
    jw_key(w, "time");
    jw_int64(w, e->time_ms);
    jw_key(w, "method");
    jw_string(w, e->method);
    jw_key(w, "path");
    jw_string(w, e->path);
    jw_key(w, "query");
    jw_string(w, e->query);
    jw_key(w, "headers");
    jw_object_begin(w);
    for (const char *p = e->headers; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        const char *colon = memchr(p, ':', len);
        if (colon) {
            char name[128];
            size_t nlen = (size_t)(colon - p) < sizeof name - 1 ? (size_t)(colon - p) : sizeof name - 1;
            memcpy(name, p, nlen);
            name[nlen] = '\0';
            jw_key(w, name);
            size_t off = (size_t)(colon - p) + 2;
            jw_string_n(w, off <= len ? colon + 2 : "", off <= len ? len - off : 0);
        }
        p += len + (nl ? 1 : 0);
    }
    jw_object_end(w);
    jw_key(w, "body");
    jw_string(w, e->body);
    jw_key(w, "status");
    jw_int64(w, e->status);
    jw_key(w, "fault");
    jw_string(w, e->fault);
    jw_key(w, "truncated");
    jw_bool(w, e->truncated);
    jw_object_end(w);
    return 0;
}

static void s_requests(s_actx_t *a)
{
    int venue = s_venue_param(a, sim_params_get(&a->q, "venue"));
    if (venue == -2)
        return;
    if (venue < 0) {
        s_error(a, 400, "venue is required");
        return;
    }
    const sim_reqlog_t *log = sim_server_reqlog(a->srv, venue);
    if (!log) {
        s_error(a, 404, "venue not served");
        return;
    }
    int64_t limit = 0;
    if (s_int_param(a, "limit", 50, &limit) != 0)
        return;
    s_begin(a);
    jw_object_begin(&a->w);
    jw_key(&a->w, "requests");
    jw_array_begin(&a->w);
    sim_reqlog_each(log, (size_t)limit, s_request_one, &a->w);
    jw_array_end(&a->w);
    jw_object_end(&a->w);
}

/* ---- faults ---- */

static json_t *s_body_json(s_actx_t *a)
{
    err_t err;
    json_t *root = json_parse(a->req->body, a->req->body_len, SIM_MAX_BODY, 8, &err);
    if (!root || json_kind(root) != JSON_OBJECT) {
        char msg[300];
        snprintf(msg, sizeof msg, "body must be a JSON object: %s", root ? "not an object" : err.msg);
        s_error(a, 400, msg);
        json_free(&root);
        return NULL;
    }
    return root;
}

static void s_fault_list(s_actx_t *a)
{
    sim_faults_t *f = sim_server_faults(a->srv);
    jw_t *w = &a->w;
    s_begin(a);
    jw_object_begin(w);
    jw_key(w, "faults");
    jw_array_begin(w);
    for (size_t i = 0; i < sim_faults_count(f); i++) {
        sim_fault_t x;
        sim_faults_get(f, i, &x);
        jw_object_begin(w);
        jw_key(w, "venue");
        jw_string(w, sim_venue_name((sim_venue_t)x.venue));
        jw_key(w, "path");
        jw_string(w, x.prefix);
        jw_key(w, "kind");
        jw_string(w, sim_fault_kind_name(x.kind));
        jw_key(w, "ms");
        jw_int64(w, x.ms);
        jw_key(w, "count");
        jw_int64(w, x.count);
        jw_key(w, "per_mille");
        jw_int64(w, x.per_mille);
        jw_object_end(w);
    }
    jw_array_end(w);
    jw_object_end(w);
}

static void s_fault_add(s_actx_t *a)
{
    json_t *root = s_body_json(a);
    if (!root)
        return;
    sim_fault_t f = {.count = -1, .per_mille = 1000};
    char venue[16] = "", kind[16] = "", path[sizeof f.prefix] = "*";
    err_t err;
    const char *bad = NULL;
    sim_venue_t v;
    if (json_get_str(root, "venue", venue, sizeof venue, &err) != 0 || sim_venue_parse(venue, &v) != 0)
        bad = "venue must be binance, bybit or coindcx";
    else if (json_get_str(root, "kind", kind, sizeof kind, &err) != 0 || sim_fault_kind_parse(kind, &f.kind) != 0)
        bad = "kind must be latency, http5xx, ratelimit, drop, timeout or lose_reply";
    else if (json_get(root, "path") && json_get_str(root, "path", path, sizeof path, &err) != 0)
        bad = "path must be a string (a prefix or \"*\")";
    else if (json_get(root, "ms") && json_get_int64(root, "ms", &f.ms, &err) != 0)
        bad = "ms must be an integer";
    else if (json_get(root, "count") && json_get_int64(root, "count", &f.count, &err) != 0)
        bad = "count must be an integer (-1: until cleared)";
    if (!bad && json_get(root, "probability")) {
        decimal_t p, pm;
        if (json_get_decimal(root, "probability", &p, &err) != 0 ||
            decimal_mul(p, decimal_from_int(1000), 0, DECIMAL_ROUND_HALF_EVEN, &pm, NULL) != 0 ||
            decimal_sign(pm) < 0 || decimal_cmp(pm, decimal_from_int(1000)) > 0) {
            bad = "probability must be a number within 0..1";
        } else {
            int64_t x = 0;
            decimal_to_int(pm, &x);
            f.per_mille = (int)x;
        }
    }
    json_free(&root);
    if (bad) {
        s_error(a, 400, bad);
        return;
    }
    f.venue = (int)v;
    memcpy(f.prefix, path, sizeof f.prefix);
    if (f.kind == SIM_FAULT_LATENCY && f.ms <= 0) {
        s_error(a, 400, "latency needs ms > 0");
        return;
    }
    if (sim_faults_add(sim_server_faults(a->srv), &f, &err) != 0) {
        s_error(a, 400, err.msg);
        return;
    }
    s_fault_list(a);
}

static void s_fault_clear(s_actx_t *a)
{
    int venue = s_venue_param(a, sim_params_get(&a->q, "venue"));
    if (venue == -2)
        return;
    size_t n = sim_faults_clear(sim_server_faults(a->srv), venue);
    s_begin(a);
    jw_object_begin(&a->w);
    jw_key(&a->w, "ok");
    jw_bool(&a->w, true);
    jw_key(&a->w, "removed");
    jw_int64(&a->w, (int64_t)n);
    jw_object_end(&a->w);
}

/* ---- price, config, reset ---- */

static void s_price(s_actx_t *a)
{
    json_t *root = s_body_json(a);
    if (!root)
        return;
    char venue[16] = "", symbol[32] = "";
    decimal_t price;
    err_t err;
    sim_venue_t v;
    sim_engine_t *eng = sim_server_engine(a->srv);
    const sim_instrument_t *in = NULL;
    const char *bad = NULL;
    if (json_get_str(root, "venue", venue, sizeof venue, &err) != 0 || sim_venue_parse(venue, &v) != 0)
        bad = "venue must be binance, bybit or coindcx";
    else if (json_get_str(root, "symbol", symbol, sizeof symbol, &err) != 0 ||
             !(in = sim_engine_instrument(eng, v, symbol)))
        bad = "unknown symbol for this venue (use the venue's own name)";
    else if (json_get_decimal(root, "price", &price, &err) != 0)
        bad = "price must be a decimal (string or number)";
    json_free(&root);
    if (bad) {
        s_error(a, 400, bad);
        return;
    }
    if (sim_engine_set_price(eng, in, price, a->req->now_ms, &err) != 0) {
        s_error(a, 400, err.msg);
        return;
    }
    s_begin(a);
    jw_object_begin(&a->w);
    jw_key(&a->w, "ok");
    jw_bool(&a->w, true);
    jw_key(&a->w, "venue");
    jw_string(&a->w, venue);
    jw_key(&a->w, "symbol");
    jw_string(&a->w, symbol);
    jw_key(&a->w, "price");
    jw_decimal_string(&a->w, price);
    jw_object_end(&a->w);
}

static void s_config(s_actx_t *a)
{
    json_t *root = s_body_json(a);
    if (!root)
        return;
    sim_engine_t *eng = sim_server_engine(a->srv);
    err_t err;
    const char *bad = NULL;
    int64_t pf = 0, per_min = sim_engine_config(eng)->rate_limit_per_min;
    bool rl = sim_engine_config(eng)->rate_limits;
    if (json_get(root, "partial_fills") &&
        (json_get_int64(root, "partial_fills", &pf, &err) != 0 || pf < 1 || pf > 5))
        bad = "partial_fills must be 1..5";
    else if (json_get(root, "rate_limits") && json_get_bool(root, "rate_limits", &rl, &err) != 0)
        bad = "rate_limits must be a boolean";
    else if (json_get(root, "rate_limit_per_min") &&
             (json_get_int64(root, "rate_limit_per_min", &per_min, &err) != 0 || per_min < 0 || per_min > 1000000))
        bad = "rate_limit_per_min must be 0..1000000 (0: the venue's default)";
    json_free(&root);
    if (bad) {
        s_error(a, 400, bad);
        return;
    }
    if (pf)
        sim_engine_set_partial_fills(eng, (int)pf);
    sim_engine_set_rate_limits(eng, rl, (int)per_min);
    s_ok(a);
}

void sim_admin_handle(sim_server_t *server, const sim_http_req_t *req, sim_http_resp_t *resp)
{
    s_actx_t *a = mem_alloc(sizeof *a);
    a->srv = server;
    a->req = req;
    a->resp = resp;
    err_t err;
    sim_params_init(&a->q);
    if (req->body_too_large) {
        s_error(a, 413, "body too large");
    } else if (sim_params_parse(&a->q, req->query, req->query_len, false, &err) != 0) {
        s_error(a, 400, err.msg);
    } else {
        bool get = strcmp(req->method, "GET") == 0, post = strcmp(req->method, "POST") == 0;
        bool del = strcmp(req->method, "DELETE") == 0;
        if (get && sim_req_path_is(req, "/admin/health"))
            s_health(a);
        else if (get && sim_req_path_is(req, "/admin/ledger"))
            s_ledger(a);
        else if (get && sim_req_path_is(req, "/admin/requests"))
            s_requests(a);
        else if (get && sim_req_path_is(req, "/admin/fault"))
            s_fault_list(a);
        else if (post && sim_req_path_is(req, "/admin/fault"))
            s_fault_add(a);
        else if (del && sim_req_path_is(req, "/admin/fault"))
            s_fault_clear(a);
        else if (post && sim_req_path_is(req, "/admin/price"))
            s_price(a);
        else if (post && sim_req_path_is(req, "/admin/config"))
            s_config(a);
        else if (post && sim_req_path_is(req, "/admin/reset")) {
            sim_server_reset(server);
            s_ok(a);
        } else
            s_error(a, 404, "no such admin endpoint");
    }
    mem_free(a);
}
