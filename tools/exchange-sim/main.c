/* xroute-exchange-sim: the exchange simulator: Binance, Bybit and CoinDCX REST dialects over one matching
 * engine, plus an admin API. main parses flags, builds engine, fault table and server, runs the loop until
 * SIGINT/SIGTERM, and tears down in reverse. */
#include "engine.h"
#include "faults.h"
#include "server.h"
#include "sim_binance.h"
#ifdef SIM_HAVE_BYBIT
#include "sim_bybit.h"
#endif
#ifdef SIM_HAVE_COINDCX
#include "sim_coindcx.h"
#endif

#include "base/log.h"
#include "base/prog.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *s_usage =
    "usage: xroute-exchange-sim [options]\n"
    "the exchange simulator: Binance, Bybit and CoinDCX REST dialects over one matching engine.\n"
    "Listeners: admin on the port base (default 9100), Binance +1, Bybit +2, CoinDCX +3.\n"
    "  --port-base N            admin port N, venues N+1..N+3 (default 9100)\n"
    "  --bind ADDR              listen address (default 127.0.0.1)\n"
    "  --account KEY:SECRET     an account on every venue (repeatable); demo-key:demo-secret always exists\n"
    "  --seed N                 price path and id seed (default 1): the same seed repeats a run\n"
    "  --partial-fills N        trades per market order / per resting fill, 1..5 (default 1)\n"
    "  --tick-ms N              price path step in ms (default 100; 0 = prices move only by /admin/price)\n"
    "  --walk-bp N              max step size in 1/100 bp of the start price (default 100 = 1 bp)\n"
    "  --maker-fee R            maker fee rate (default 0.0002)\n"
    "  --taker-fee R            taker fee rate (default 0.0005)\n"
    "  --funds N                USDT per account per venue (default 100000)\n"
    "  --no-rate-limits         never answer 429/418/403 for load (for benchmarks); published limits\n"
    "                           (exchangeInfo rateLimits, X-Bapi-Limit) become 1000000\n"
    "  --rate-limit-per-min N   IP weight per minute before 429 (default: the venue's own, 2400 on Binance),\n"
    "                           published as Binance's REQUEST_WEIGHT\n"
    "  --max-open-orders N      open orders per account and symbol on every venue (default: the venue's own,\n"
    "                           200 on Binance, published as MAX_NUM_ORDERS); for benchmarks of resting orders\n"
    "  --log-keep N             requests kept per venue for /admin/requests (default 256)\n"
    "  --log-level LEVEL        debug, info, warn, error, off (default info)\n"
    "  --help, --version\n";

static volatile sig_atomic_t s_stop = 0; /* the interrupt flag */

static void s_on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

static int s_parse_int(const char *text, long long min, long long max, long long *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || !end || *end || end == text || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

typedef struct {
    sim_engine_config_t engine;  /* engine settings */
    sim_server_config_t server;  /* server settings */
    log_level_t level;           /* log level */
    const char *accounts[256];   /* KEY:SECRET arguments */
    int n_accounts;              /* used */
} s_opts_t;

static int s_bad(const char *flag, const char *why)
{
    fprintf(stderr, "xroute-exchange-sim: %s: %s (see --help)\n", flag, why);
    return -1;
}

static int s_parse_args(int argc, char **argv, s_opts_t *o)
{
    for (int i = 1; i < argc; i++) {
        const char *f = argv[i];
        bool has = i + 1 < argc;
        const char *v = has ? argv[i + 1] : NULL;
        long long n = 0;
        if (strcmp(f, "--no-rate-limits") == 0) {
            o->engine.rate_limits = false;
            continue;
        }
        if (!has)
            return s_bad(f, "unknown flag or missing value");
        i++;
        if (strcmp(f, "--port-base") == 0) {
            if (s_parse_int(v, 1, 65535 - 3, &n))
                return s_bad(f, "must be 1..65532");
            o->server.port_base = (int)n;
        } else if (strcmp(f, "--bind") == 0) {
            o->server.bind = v;
        } else if (strcmp(f, "--account") == 0) {
            if (!strchr(v, ':') || o->n_accounts >= 256)
                return s_bad(f, "must be KEY:SECRET (at most 256)");
            o->accounts[o->n_accounts++] = v;
        } else if (strcmp(f, "--seed") == 0) {
            if (s_parse_int(v, 0, INT64_MAX, &n))
                return s_bad(f, "must be a non-negative integer");
            o->engine.seed = (uint64_t)n;
        } else if (strcmp(f, "--partial-fills") == 0) {
            if (s_parse_int(v, 1, 5, &n))
                return s_bad(f, "must be 1..5");
            o->engine.partial_fills = (int)n;
        } else if (strcmp(f, "--tick-ms") == 0) {
            if (s_parse_int(v, 0, 3600000, &n))
                return s_bad(f, "must be 0..3600000");
            o->engine.tick_ms = n;
        } else if (strcmp(f, "--walk-bp") == 0) {
            if (s_parse_int(v, 0, 10000, &n))
                return s_bad(f, "must be 0..10000");
            o->engine.walk_bp = (int)n;
        } else if (strcmp(f, "--maker-fee") == 0 || strcmp(f, "--taker-fee") == 0 || strcmp(f, "--funds") == 0) {
            decimal_t d;
            if (decimal_from_str(v, &d, NULL) != 0 || decimal_sign(d) < 0)
                return s_bad(f, "must be a non-negative decimal");
            if (f[2] == 'm')
                o->engine.maker_fee = d;
            else if (f[2] == 't')
                o->engine.taker_fee = d;
            else
                o->engine.initial_funds = d;
        } else if (strcmp(f, "--rate-limit-per-min") == 0) {
            if (s_parse_int(v, 1, 1000000, &n))
                return s_bad(f, "must be 1..1000000");
            o->engine.rate_limit_per_min = (int)n;
        } else if (strcmp(f, "--max-open-orders") == 0) {
            if (s_parse_int(v, 1, 10000000, &n))
                return s_bad(f, "must be 1..10000000");
            o->engine.max_open_orders = (int)n;
        } else if (strcmp(f, "--log-keep") == 0) {
            if (s_parse_int(v, 1, 4096, &n))
                return s_bad(f, "must be 1..4096");
            o->server.log_keep = (size_t)n;
        } else if (strcmp(f, "--log-level") == 0) {
            if (log_level_parse(v, &o->level) != 0)
                return s_bad(f, "must be debug, info, warn, error or off");
        } else {
            return s_bad(f, "unknown flag");
        }
    }
    return 0;
}

static int s_add_accounts(sim_engine_t *eng, const s_opts_t *o, err_t *err)
{
    if (sim_engine_add_account(eng, "demo-key", "demo-secret", err) < 0)
        return -1;
    for (int i = 0; i < o->n_accounts; i++) {
        const char *arg = o->accounts[i];
        const char *colon = strchr(arg, ':');
        char key[128];
        size_t klen = (size_t)(colon - arg);
        if (klen == 0 || klen >= sizeof key)
            return err_set(err, XR_INVALID_REQUEST, "--account: key empty or too long");
        memcpy(key, arg, klen);
        key[klen] = '\0';
        if (sim_engine_add_account(eng, key, colon + 1, err) < 0)
            return -1;
    }
    return 0;
}

/* Dialects, accounts, listeners. Returns 0, or -1 with err set. */
static int s_setup(sim_server_t *srv, sim_engine_t *eng, const s_opts_t *o, err_t *err)
{
    if (sim_server_add_dialect(srv, &sim_dialect_binance, err) != 0)
        return -1;
#ifdef SIM_HAVE_BYBIT
    if (sim_server_add_dialect(srv, &sim_dialect_bybit, err) != 0)
        return -1;
#endif
#ifdef SIM_HAVE_COINDCX
    if (sim_server_add_dialect(srv, &sim_dialect_coindcx, err) != 0)
        return -1;
#endif
    if (s_add_accounts(eng, o, err) != 0)
        return -1;
    return sim_server_start(srv, err);
}

int main(int argc, char **argv)
{
    if (prog_std_flags(argc, argv, "xroute-exchange-sim", s_usage))
        return 0;
    s_opts_t o;
    memset(&o, 0, sizeof o);
    sim_engine_config_default(&o.engine);
    o.server.bind = "127.0.0.1";
    o.server.port_base = 9100;
    o.server.log_keep = 256;
    o.level = LOG_LEVEL_INFO;
    if (s_parse_args(argc, argv, &o) != 0)
        return 2;
    log_init("exchange-sim", o.level);
    int rc = 2;
    err_t err;
    err_clear(&err);
    sim_engine_t *eng = sim_engine_new(&o.engine, &err);
    sim_faults_t *faults = sim_faults_new(o.engine.seed);
    sim_server_t *srv = eng ? sim_server_new(eng, faults, &o.server, &err) : NULL;
    if (!srv || s_setup(srv, eng, &o, &err) != 0) {
        log_error("start failed: %s", err.msg);
        goto cleanup;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    log_info("start seed=%llu accounts=%d partial_fills=%d rate_limits=%s", (unsigned long long)o.engine.seed,
             sim_engine_account_count(eng), o.engine.partial_fills, o.engine.rate_limits ? "on" : "off");
    rc = sim_server_run(srv, &s_stop) == 0 ? 0 : 1;
    log_info("stop rc=%d", rc);
cleanup:
    sim_server_destroy(&srv);
    sim_faults_destroy(&faults);
    sim_engine_destroy(&eng);
    return rc;
}
