/* xroute-router: parse settings, build the router, run until SIGTERM, destroy. */
#include "router.h"

#include "base/config.h"
#include "base/log.h"
#include "base/prog.h"
#include "bus/bus_signal.h"

#include <stdio.h>
#include <string.h>

static const char *s_usage =
    "usage: xroute-router [options]\n"
    "Routes order requests from the gateway to venue workers by symbol.\n"
    "\n"
    "options (each also from the environment variable shown; flags win):\n"
    "  --frontend EP      gateway endpoint to bind        XROUTE_ROUTER_FRONTEND  (tcp://127.0.0.1:7110)\n"
    "  --backend EP       worker endpoint to bind         XROUTE_ROUTER_BACKEND   (tcp://127.0.0.1:7111)\n"
    "  --routes FILE      routing table                   XROUTE_ROUTES           (deploy/config/routes.conf)\n"
    "  --liveness-ms N    drop a silent worker after N ms XROUTE_ROUTER_LIVENESS_MS (3000)\n"
    "  --heartbeat-ms N   heartbeat interval              XROUTE_ROUTER_HEARTBEAT_MS (1000)\n"
    "  --log-level L      debug|info|warn|error           XROUTE_LOG_LEVEL        (info)\n"
    "  --help, --version\n"
    "CURVE (docs/security.md), from the environment: XROUTE_CURVE=on|off (off), XROUTE_CURVE_WORKER_LINKS\n"
    "(= XROUTE_CURVE; the backend), XROUTE_KEYS_DIR (var/keys), XROUTE_CURVE_SECRET_FILE\n"
    "(KEYS_DIR/router.cert_secret), XROUTE_CURVE_ALLOW_DIR (KEYS_DIR/allow/router: the gateway's and the\n"
    "workers' public certificates), XROUTE_CURVE_GATEWAY_CERT (KEYS_DIR/gateway.cert) and\n"
    "XROUTE_CURVE_RECORDER_CERT (KEYS_DIR/recorder.cert, optional): the only keys served on the frontend.\n"
    "Signals: SIGHUP reloads the routing table (a bad file is refused, the old table kept); SIGTERM stops.\n";

int main(int argc, char **argv)
{
    if (prog_std_flags(argc, argv, "xroute-router", s_usage))
        return 0;
    static const char *const known[] = {"--frontend", "--backend", "--routes", "--liveness-ms", "--heartbeat-ms",
                                        "--log-level"};
    if (prog_check_opts(argc, argv, "xroute-router", known, sizeof known / sizeof known[0]) != 0)
        return 2;
    router_config_t cfg;
    router_config_default(&cfg);
    cfg.frontend = prog_opt(argc, argv, "--frontend", "XROUTE_ROUTER_FRONTEND", cfg.frontend);
    cfg.backend = prog_opt(argc, argv, "--backend", "XROUTE_ROUTER_BACKEND", cfg.backend);
    cfg.routes_path = prog_opt(argc, argv, "--routes", "XROUTE_ROUTES", cfg.routes_path);
    const char *level_text = prog_opt(argc, argv, "--log-level", "XROUTE_LOG_LEVEL", "info");
    log_level_t level;
    if (log_level_parse(level_text, &level) != 0) {
        fprintf(stderr, "xroute-router: log level '%s' is not debug, info, warn or error\n", level_text);
        return 2;
    }
    const char *t = prog_opt(argc, argv, "--liveness-ms", "XROUTE_ROUTER_LIVENESS_MS", NULL);
    if (t && prog_parse_int("xroute-router", "liveness-ms", t, 100, 3600000, &cfg.liveness_ms) != 0)
        return 2;
    t = prog_opt(argc, argv, "--heartbeat-ms", "XROUTE_ROUTER_HEARTBEAT_MS", NULL);
    if (t && prog_parse_int("xroute-router", "heartbeat-ms", t, 10, 3600000, &cfg.heartbeat_ms) != 0)
        return 2;
    log_init("router", level);

    err_t err = {0};
    if (bus_signal_install(&err) != 0) {
        log_error("cannot install signal handlers: %s", err.msg);
        return 1;
    }
    config_t *settings = config_new(NULL, &err);
    bus_curve_t *curve = settings ? bus_curve_new(settings, "router", &err) : NULL;
    char gateway_key[BUS_CURVE_KEY_SZ], recorder_key[BUS_CURVE_KEY_SZ];
    cfg.curve = curve;
    if (curve && bus_curve_enabled(curve, false)) {
        if (bus_curve_peer_key(curve, "gateway", gateway_key, &err) != 0)
            bus_curve_destroy(&curve);
        cfg.gateway_key = gateway_key;
        /* the recorder's backstop asks for fills here; without its certificate only the gateway is served */
        err_t ignored = {0};
        if (curve && bus_curve_peer_key(curve, "recorder", recorder_key, &ignored) == 0)
            cfg.recorder_key = recorder_key;
    }
    router_t *router = curve ? router_new(&cfg, &err) : NULL;
    if (!router) {
        log_error("router failed to start: %s", err.msg);
        fprintf(stderr, "xroute-router: %s\n", err.msg);
        bus_curve_destroy(&curve);
        config_destroy(&settings);
        return 1;
    }
    int rc = router_run(router);
    router_destroy(&router);
    bus_curve_destroy(&curve);
    config_destroy(&settings);
    log_info("router stopped");
    return rc == 0 ? 0 : 1;
}
