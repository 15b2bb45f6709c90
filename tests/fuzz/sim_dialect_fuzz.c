/* sim_dialect_fuzz: the shared driver of the simulator dialect fuzz targets (see the header). */
#include "sim_dialect_fuzz.h"

#include "sim/engine.h"

#include "base/log.h"
#include "json/json.h"

#include <stdlib.h>
#include <string.h>

static sim_engine_t *s_engine;
static void *s_state;
static sim_http_resp_t s_resp;
static unsigned s_writes; /* write requests since the last reset */

static void s_setup(const sim_dialect_t *dialect)
{
    log_init("fuzz", LOG_LEVEL_OFF);
    sim_engine_config_t cfg;
    sim_engine_config_default(&cfg);
    cfg.tick_ms = 0;
    s_engine = sim_engine_new(&cfg, NULL);
    sim_engine_add_account(s_engine, SIM_FUZZ_KEY, SIM_FUZZ_SECRET, NULL);
    s_state = calloc(1, dialect->state_size);
    if (!s_engine || !s_state || dialect->init(s_state, s_engine, SIM_FUZZ_NOW, NULL) < 0)
        abort();
    buf_init(&s_resp.body, SIM_MAX_RESP_BODY);
}

/* Splits "<path>\n" (when not a known route), then "<query>\n<body>", in place. */
static const char *s_split(char *p, size_t len, const char *const *paths, size_t n_paths, uint8_t route,
                           sim_fuzz_req_t *q)
{
    const char *path = route < n_paths ? paths[route] : p;
    if (route >= n_paths) {
        char *nl = memchr(p, '\n', len);
        size_t skip = nl ? (size_t) (nl + 1 - p) : len;
        if (nl)
            *nl = '\0';
        p += skip;
        len -= skip;
    }
    q->query = "";
    q->body = "";
    char *nl = memchr(p, '\n', len);
    if (nl) {
        *nl = '\0';
        q->query = p;
        q->query_len = (size_t) (nl - p);
        q->body = nl + 1;
        q->body_len = len - q->query_len - 1;
    } else if (strcmp(q->method, "GET") == 0) {
        q->query = p;
        q->query_len = len;
    } else {
        q->body = p;
        q->body_len = len;
    }
    return path;
}

int sim_fuzz_run(const sim_dialect_t *dialect, const char *const *paths, size_t n_paths,
                 sim_fuzz_headers_fn *headers, const uint8_t *data, size_t size)
{
    if (!s_engine)
        s_setup(dialect);
    if (size < 2)
        return 0;
    static const char *const methods[] = {"GET", "POST", "DELETE", "PUT"};
    uint8_t flags = data[0];
    sim_fuzz_req_t q = {.method = methods[(flags >> 1) & 3], .sign = (flags & 1) != 0};
    char *rest = malloc(size - 1);
    memcpy(rest, data + 2, size - 2);
    rest[size - 2] = '\0';
    const char *path = s_split(rest, size - 2, paths, n_paths, data[1], &q);
    sim_header_t h[SIM_FUZZ_HEADERS_MAX];
    char scratch[256];
    size_t n_headers = headers(&q, h, scratch, sizeof scratch);
    sim_http_req_t r = {
        .method = q.method, .path = path, .path_len = strlen(path), .query = q.query,
        .query_len = strlen(q.query), .headers = h, .header_count = n_headers, .body = q.body,
        .body_len = q.body_len, .body_too_large = (flags & 8) != 0, .peer = "127.0.0.1", .now_ms = SIM_FUZZ_NOW,
    };
    /* resetting regenerates the price history (~30 ms): do it every 64 writes so state builds up a little
     * (open orders, positions) and fuzzing stays fast; a corpus replay is still the same every time */
    if (strcmp(q.method, "GET") != 0 && ++s_writes % 64 == 0)
        sim_engine_reset(s_engine, SIM_FUZZ_NOW);
    dialect->reset(s_state);
    sim_resp_begin(&s_resp, 200);
    dialect->handle(s_state, &r, &s_resp);
    json_t *v = json_parse(s_resp.body.data, s_resp.body.len, SIM_MAX_RESP_BODY, 64, NULL);
    if (!v)
        abort(); /* every reply is JSON */
    json_free(&v);
    free(rest);
    return 0;
}
