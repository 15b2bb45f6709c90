/* floor_bench: the floor under the pipeline: the same resting limit orders sent straight to the exchange
 * simulator's Binance dialect by a minimal C client over the same keep-alive HTTP client the venue workers use
 * (lib/http, one libcurl multi handle) and signed with the same code (lib/crypto HMAC-SHA256), with a fixed
 * number of requests in flight. What is left is what the simulator and loopback cost alone.
 *
 * Each order is POST /fapi/v1/order with the signed parameters in the form body (as venue-binance sends them),
 * a fresh timestamp and signature, and a fresh newClientOrderId. A 200 counts as ok; anything else is counted
 * and the first body is reported.
 *
 * usage: bench_floor BASE_URL N INFLIGHT CLID_PREFIX API_KEY SECRET SYMBOL:QTY:PRICE...
 *   e.g. bench_floor http://127.0.0.1:26031 2000 64 f1a demo-key demo-secret BTCUSDT:0.001:90000
 * Prints one JSON line like bench_pipeline's. Exit 0 when every request completed, 1 otherwise. */
#include "bench_report.h"

#include "base/clock.h"
#include "base/mem.h"
#include "crypto/crypto.h"
#include "http/http_client.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SYMBOLS 16
#define MAX_ORDERS 1000000
#define MAX_FDS 256

typedef struct {
    char symbol[32];
    char qty[32];
    char price[32];
} floor_sym_t;

typedef struct {
    http_client_t *hc;
    char url[256];
    char key_header[160];
    const char *secret;
    const char *prefix;
    floor_sym_t syms[MAX_SYMBOLS];
    int n_syms;
    long n, sent, answered, ok, errors;
    char first_error[256];
    uint32_t *lat_us;
    int failed;
} floor_t;

static int s_parse_sym(const char *arg, floor_sym_t *s)
{
    const char *c1 = strchr(arg, ':');
    const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c1 || !c2 || (size_t) (c1 - arg) >= sizeof s->symbol || (size_t) (c2 - c1 - 1) >= sizeof s->qty ||
        strlen(c2 + 1) >= sizeof s->price)
        return -1;
    memcpy(s->symbol, arg, (size_t) (c1 - arg));
    s->symbol[c1 - arg] = '\0';
    memcpy(s->qty, c1 + 1, (size_t) (c2 - c1 - 1));
    s->qty[c2 - c1 - 1] = '\0';
    snprintf(s->price, sizeof s->price, "%s", c2 + 1);
    return 0;
}

static void s_done(const http_response_t *resp, void *user);

static int s_send(floor_t *f, long i)
{
    const floor_sym_t *s = &f->syms[i % f->n_syms];
    char body[512], sig[CRYPTO_HEX_SHA256_LEN];
    int n = snprintf(body, sizeof body,
                     "symbol=%s&side=BUY&type=LIMIT&timeInForce=GTC&quantity=%s&price=%s&newClientOrderId=%s-%ld"
                     "&timestamp=%lld",
                     s->symbol, s->qty, s->price, f->prefix, i, (long long) clock_wall_ms());
    crypto_hmac_sha256_hex(f->secret, body, (size_t) n, sig);
    n += snprintf(body + n, sizeof body - (size_t) n, "&signature=%s", sig);
    const char *headers[] = {f->key_header, NULL};
    http_request_t req = {.method = "POST", .url = f->url, .headers = headers, .body = body,
                          .body_len = (size_t) n, .timeout_ms = 30000};
    err_t err;
    if (http_client_submit(f->hc, &req, s_done, f, NULL, &err) < 0) {
        fprintf(stderr, "bench_floor: submit: %s\n", err.msg);
        f->failed = 1;
        return -1;
    }
    f->sent++;
    return 0;
}

static void s_done(const http_response_t *resp, void *user)
{
    floor_t *f = user;
    f->lat_us[f->answered++] = (uint32_t) resp->elapsed_us;
    if (resp->outcome == HTTP_OK && resp->status == 200) {
        f->ok++;
    } else {
        f->errors++;
        if (f->first_error[0] == '\0')
            snprintf(f->first_error, sizeof f->first_error, "%s %d %.200s", http_outcome_name(resp->outcome),
                     resp->status, resp->outcome == HTTP_OK ? resp->body : resp->error);
    }
    if (f->sent < f->n)
        s_send(f, f->sent);
}

int main(int argc, char **argv)
{
    if (argc < 8) {
        fprintf(stderr, "usage: bench_floor BASE_URL N INFLIGHT CLID_PREFIX API_KEY SECRET SYMBOL:QTY:PRICE...\n");
        return 2;
    }
    floor_t f;
    memset(&f, 0, sizeof f);
    char *end = NULL;
    f.n = strtol(argv[2], &end, 10);
    long inflight = strtol(argv[3], NULL, 10);
    if (!end || *end || f.n < 1 || f.n > MAX_ORDERS || inflight < 1 || inflight > 200) {
        fprintf(stderr, "bench_floor: bad N or INFLIGHT\n");
        return 2;
    }
    snprintf(f.url, sizeof f.url, "%s/fapi/v1/order", argv[1]);
    f.prefix = argv[4];
    snprintf(f.key_header, sizeof f.key_header, "X-MBX-APIKEY: %s", argv[5]);
    f.secret = argv[6];
    for (int a = 7; a < argc && f.n_syms < MAX_SYMBOLS; a++)
        if (s_parse_sym(argv[a], &f.syms[f.n_syms++]) < 0) {
            fprintf(stderr, "bench_floor: bad symbol spec '%s'\n", argv[a]);
            return 2;
        }
    f.lat_us = mem_calloc((size_t) f.n, sizeof *f.lat_us);
    http_config_t cfg = {.max_host_connections = (int) inflight, .max_total_connections = (int) inflight,
                         .max_in_flight = (int) inflight};
    err_t err;
    f.hc = http_client_new(&cfg, &err);
    if (!f.hc || !f.lat_us) {
        fprintf(stderr, "bench_floor: setup failed\n");
        return 1;
    }
    int rc = 1;
    int64_t t0 = clock_mono_ns();
    for (long i = 0; i < inflight && i < f.n; i++)
        if (s_send(&f, i) < 0)
            goto cleanup;
    while (f.answered < f.n && !f.failed) {
        http_pollfd_t hf[MAX_FDS];
        struct pollfd pf[MAX_FDS];
        size_t nf = http_client_fds(f.hc, hf, MAX_FDS);
        if (nf > MAX_FDS)
            nf = MAX_FDS;
        for (size_t k = 0; k < nf; k++) {
            pf[k].fd = hf[k].fd;
            pf[k].events = (short) (((hf[k].events & HTTP_POLLIN) ? POLLIN : 0) |
                                    ((hf[k].events & HTTP_POLLOUT) ? POLLOUT : 0));
            pf[k].revents = 0;
        }
        int t = http_client_timeout_ms(f.hc);
        if (t < 0 || t > 100)
            t = 100;
        if (poll(pf, nf, t) < 0)
            goto cleanup;
        for (size_t k = 0; k < nf; k++)
            hf[k].revents = (short) (((pf[k].revents & POLLIN) ? HTTP_POLLIN : 0) |
                                     ((pf[k].revents & POLLOUT) ? HTTP_POLLOUT : 0) |
                                     ((pf[k].revents & (POLLERR | POLLHUP)) ? HTTP_POLLERR : 0));
        http_client_perform(f.hc, hf, nf);
    }
    if (f.failed)
        goto cleanup;
    double secs = (double) (clock_mono_ns() - t0) / 1e9;
    bench_report(f.n, inflight, f.ok, f.errors, f.first_error, secs, f.lat_us, f.answered);
    rc = 0;
cleanup:
    http_client_destroy(&f.hc);
    mem_free(f.lat_us);
    return rc;
}
