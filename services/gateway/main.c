/* xroute-gateway: parse settings, build the gateway, run until SIGTERM, destroy. */
#include "gateway.h"

#include "base/config.h"
#include "base/log.h"
#include "base/prog.h"
#include "bus/bus_signal.h"

#include <stdio.h>
#include <string.h>

static const char *s_usage =
    "usage: xroute-gateway [options]\n"
    "The front door: validates, risk-checks and de-duplicates requests, forwards them to the router and\n"
    "streams order updates and fills to clients.\n"
    "\n"
    "options (each also from the environment variable shown; flags win):\n"
    "  --clients EP        client request endpoint to bind   XROUTE_GATEWAY_CLIENTS   (tcp://127.0.0.1:7100)\n"
    "  --events-out EP     event stream to clients (PUB)     XROUTE_GATEWAY_EVENTS    (tcp://127.0.0.1:7101)\n"
    "  --events-in EP      event intake from workers (SUB)   XROUTE_GATEWAY_INTAKE    (tcp://127.0.0.1:7102)\n"
    "  --router EP         router frontend to connect to     XROUTE_ROUTER_FRONTEND   (tcp://127.0.0.1:7110)\n"
    "  --risk FILE         risk limits                       XROUTE_RISK              (deploy/config/risk.conf)\n"
    "  --idem FILE         idempotency journal               XROUTE_GATEWAY_IDEM      (var/gateway/idem.journal)\n"
    "  --idem-window-ms N  remember client order ids for N   XROUTE_GATEWAY_IDEM_WINDOW_MS (86400000)\n"
    "  --timeout-ms N      deadline of requests without one  XROUTE_GATEWAY_TIMEOUT_MS (10000)\n"
    "  --idem-sync B       fdatasync ids before forwarding   XROUTE_GATEWAY_IDEM_SYNC (true; false = survive a\n"
    "                      gateway crash but not an OS crash, for lower latency)\n"
    "  --clients-conf FILE what each client key may do       XROUTE_CLIENTS_CONF      (deploy/config/clients.conf;\n"
    "                      read when CURVE is on)\n"
    "  --log-level L       debug|info|warn|error             XROUTE_LOG_LEVEL         (info)\n"
    "CURVE (docs/security.md), from the environment: XROUTE_CURVE=on|off (off), XROUTE_CURVE_WORKER_LINKS\n"
    "(= XROUTE_CURVE; the intake), XROUTE_KEYS_DIR (var/keys), XROUTE_CURVE_SECRET_FILE\n"
    "(KEYS_DIR/gateway.cert_secret), XROUTE_CURVE_ALLOW_DIR (KEYS_DIR/allow/gateway: client and worker public\n"
    "certificates), XROUTE_CURVE_ROUTER_CERT (KEYS_DIR/router.cert).\n"
    "  --help, --version\n"
    "Signals: SIGHUP reloads the risk limits and clients.conf, each on its own (a bad file is refused, what is\n"
    "in force kept); SIGTERM stops.\n";

int main(int argc, char **argv)
{
    static const char *const name = "xroute-gateway";
    if (prog_std_flags(argc, argv, name, s_usage))
        return 0;
    static const char *const known[] = {"--clients", "--events-out", "--events-in", "--router", "--risk", "--idem",
                                        "--idem-window-ms", "--timeout-ms", "--idem-sync", "--log-level",
                                        "--clients-conf"};
    if (prog_check_opts(argc, argv, name, known, sizeof known / sizeof known[0]) != 0)
        return 2;
    gateway_config_t cfg;
    gateway_config_default(&cfg);
    cfg.clients = prog_opt(argc, argv, "--clients", "XROUTE_GATEWAY_CLIENTS", cfg.clients);
    cfg.events_out = prog_opt(argc, argv, "--events-out", "XROUTE_GATEWAY_EVENTS", cfg.events_out);
    cfg.events_in = prog_opt(argc, argv, "--events-in", "XROUTE_GATEWAY_INTAKE", cfg.events_in);
    cfg.router = prog_opt(argc, argv, "--router", "XROUTE_ROUTER_FRONTEND", cfg.router);
    cfg.risk_path = prog_opt(argc, argv, "--risk", "XROUTE_RISK", cfg.risk_path);
    cfg.idem_path = prog_opt(argc, argv, "--idem", "XROUTE_GATEWAY_IDEM", cfg.idem_path);
    cfg.clients_path = prog_opt(argc, argv, "--clients-conf", "XROUTE_CLIENTS_CONF", cfg.clients_path);
    const char *t = prog_opt(argc, argv, "--idem-window-ms", "XROUTE_GATEWAY_IDEM_WINDOW_MS", NULL);
    if (t && prog_parse_int(name, "idem-window-ms", t, 1000, 30LL * 86400000, &cfg.idem_window_ms) != 0)
        return 2;
    t = prog_opt(argc, argv, "--timeout-ms", "XROUTE_GATEWAY_TIMEOUT_MS", NULL);
    if (t && prog_parse_int(name, "timeout-ms", t, 10, 3600000, &cfg.request_timeout_ms) != 0)
        return 2;
    t = prog_opt(argc, argv, "--idem-sync", "XROUTE_GATEWAY_IDEM_SYNC", "true");
    if (strcmp(t, "true") != 0 && strcmp(t, "false") != 0) {
        fprintf(stderr, "%s: idem-sync: '%s' is not true or false\n", name, t);
        return 2;
    }
    cfg.idem_sync = strcmp(t, "true") == 0;
    const char *level_text = prog_opt(argc, argv, "--log-level", "XROUTE_LOG_LEVEL", "info");
    log_level_t level;
    if (log_level_parse(level_text, &level) != 0) {
        fprintf(stderr, "%s: log level '%s' is not debug, info, warn or error\n", name, level_text);
        return 2;
    }
    log_init("gateway", level);

    err_t err = {0};
    if (bus_signal_install(&err) != 0) {
        log_error("cannot install signal handlers: %s", err.msg);
        return 1;
    }
    config_t *settings = config_new(NULL, &err);
    bus_curve_t *curve = settings ? bus_curve_new(settings, "gateway", &err) : NULL;
    cfg.curve = curve;
    gateway_t *gw = curve ? gateway_new(&cfg, &err) : NULL;
    if (!gw) {
        log_error("gateway failed to start: %s", err.msg);
        fprintf(stderr, "%s: %s\n", name, err.msg);
        bus_curve_destroy(&curve);
        config_destroy(&settings);
        return 1;
    }
    int rc = gateway_run(gw);
    gateway_destroy(&gw);
    bus_curve_destroy(&curve);
    config_destroy(&settings);
    log_info("gateway stopped");
    return rc == 0 ? 0 : 1;
}
