/* fuzz_sim_admin: arbitrary requests straight into the exchange simulator's admin API (sim_admin_handle, no
 * socket), aimed at the JSON bodies of POST /admin/fault, /admin/price and /admin/config (s_body_json and the
 * field checks behind it). Input layout:
 *   byte 0  bits 0-3: route (index into s_routes, modulo its size), bit 7: body marked too large
 *   rest    the body for a POST, the query string otherwise
 * Invariants: every reply is JSON with status 200, 400, 404 or 413; a POST whose body is not a JSON object is
 * answered 400; a refused POST /admin/fault or /admin/config changes nothing (fault table, engine settings);
 * the fault table never holds more than SIM_FAULTS_MAX. The server persists across inputs and is reset every
 * 64 inputs, so a run is a pure function of the input sequence. */
#include "sim/server.h"
#include "sim/sim_binance.h"
#include "sim/sim_bybit.h"
#include "sim/sim_coindcx.h"

#include "base/log.h"
#include "json/json.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW 1767225600000LL

typedef struct {
    const char *method; /* HTTP method */
    const char *path;   /* admin path */
} s_route_t;

static const s_route_t s_routes[] = {
    {"POST", "/admin/fault"},   {"POST", "/admin/price"},    {"POST", "/admin/config"}, {"POST", "/admin/fault"},
    {"POST", "/admin/price"},   {"POST", "/admin/config"},   {"DELETE", "/admin/fault"}, {"GET", "/admin/fault"},
    {"GET", "/admin/ledger"},   {"GET", "/admin/requests"},  {"GET", "/admin/health"},  {"POST", "/admin/reset"},
    {"POST", "/admin/nowhere"}, {"PUT", "/admin/config"},
};
#define NROUTES (sizeof s_routes / sizeof s_routes[0])

static sim_engine_t *s_engine;
static sim_faults_t *s_faults;
static sim_server_t *s_server;
static sim_http_resp_t s_resp;
static unsigned s_count;

static void s_setup(void)
{
    log_init("fuzz", LOG_LEVEL_OFF);
    sim_engine_config_t cfg;
    sim_engine_config_default(&cfg);
    s_engine = sim_engine_new(&cfg, NULL);
    s_faults = sim_faults_new(7);
    sim_server_config_t scfg = {.bind = "127.0.0.1", .port_base = -1, .log_keep = 16};
    s_server = s_engine && s_faults ? sim_server_new(s_engine, s_faults, &scfg, NULL) : NULL;
    if (!s_server || sim_server_add_dialect(s_server, &sim_dialect_binance, NULL) != 0 ||
        sim_server_add_dialect(s_server, &sim_dialect_bybit, NULL) != 0 ||
        sim_server_add_dialect(s_server, &sim_dialect_coindcx, NULL) != 0)
        abort();
    buf_init(&s_resp.body, SIM_MAX_RESP_BODY);
}

/* Whether body is a JSON object as the admin API reads bodies (same limits as s_body_json). */
static bool s_is_object(const char *body, size_t len)
{
    err_t err;
    json_t *doc = json_parse(body, len, SIM_MAX_BODY, 8, &err);
    bool object = doc && json_kind(doc) == JSON_OBJECT;
    json_free(&doc);
    return object;
}

static void s_check_reply(const s_route_t *r, bool too_large, bool object, size_t faults_before,
                          sim_engine_config_t before)
{
    int st = s_resp.status;
    if (st != 200 && st != 400 && st != 404 && st != 413)
        abort();
    err_t err;
    json_t *doc = json_parse(s_resp.body.data ? s_resp.body.data : "", s_resp.body.len, SIM_MAX_RESP_BODY, 64, &err);
    if (!doc) {
        fprintf(stderr, "reply is not JSON: %.300s\n", buf_cstr(&s_resp.body));
        abort();
    }
    json_free(&doc);
    bool post = strcmp(r->method, "POST") == 0;
    bool body_route = post && (strcmp(r->path, "/admin/fault") == 0 || strcmp(r->path, "/admin/price") == 0 ||
                               strcmp(r->path, "/admin/config") == 0);
    if (body_route && !too_large && !object && st != 400)
        abort(); /* a body that is not a JSON object is refused */
    if (sim_faults_count(s_faults) > SIM_FAULTS_MAX)
        abort();
    if (st == 200 || !post)
        return;
    const sim_engine_config_t *now = sim_engine_config(s_engine);
    if (sim_faults_count(s_faults) != faults_before || now->partial_fills != before.partial_fills ||
        now->rate_limits != before.rate_limits || now->rate_limit_per_min != before.rate_limit_per_min)
        abort(); /* a refused request changed the simulator */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!s_server)
        s_setup();
    if (size < 1 || size > 65536)
        return 0;
    const s_route_t *r = &s_routes[(data[0] & 15) % NROUTES];
    bool too_large = (data[0] & 128) != 0;
    bool post = strcmp(r->method, "POST") == 0;
    size_t len = size - 1;
    static char rest[65536];
    memcpy(rest, data + 1, len);
    rest[len] = '\0';
    int64_t now = NOW + (int64_t)s_count * 150;
    sim_http_req_t req = {.method = r->method, .path = r->path, .path_len = strlen(r->path),
                          .query = post ? "" : rest, .query_len = post ? 0 : len,
                          .body = post && !too_large ? rest : "", .body_len = post && !too_large ? len : 0,
                          .body_too_large = too_large, .peer = "127.0.0.1", .now_ms = now};
    bool object = post && s_is_object(rest, len);
    size_t faults_before = sim_faults_count(s_faults);
    sim_engine_config_t before = *sim_engine_config(s_engine);
    sim_engine_tick(s_engine, now);
    sim_resp_begin(&s_resp, 200);
    sim_admin_handle(s_server, &req, &s_resp);
    s_check_reply(r, too_large, object, faults_before, before);
    if (++s_count % 64 == 0)
        sim_server_reset(s_server);
    return 0;
}
