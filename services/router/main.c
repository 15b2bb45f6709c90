/* xroute-router: parse settings, build the router, run until SIGTERM, destroy. */
#include "router.h"

#include "base/log.h"
#include "base/prog.h"
#include "bus/bus_signal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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
    "Signals: SIGHUP reloads the routing table (a bad file is refused, the old table kept); SIGTERM stops.\n";

static int s_ms(const char *name, const char *text, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || !end || *end || v <= 0 || v > 3600000) {
        fprintf(stderr, "xroute-router: %s: '%s' is not a number of milliseconds in 1..3600000\n", name, text);
        return -1;
    }
    *out = v;
    return 0;
}

static const char *s_opt(int argc, char **argv, const char *flag, const char *env, const char *dflt)
{
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], flag) == 0)
            return argv[i + 1];
    const char *v = getenv(env);
    return v && *v ? v : dflt;
}

static int s_check_args(int argc, char **argv)
{
    static const char *known[] = {"--frontend", "--backend", "--routes", "--liveness-ms", "--heartbeat-ms",
                                  "--log-level"};
    for (int i = 1; i < argc; i++) {
        bool ok = false;
        for (size_t k = 0; k < sizeof known / sizeof known[0] && !ok; k++)
            ok = strcmp(argv[i], known[k]) == 0 && i + 1 < argc;
        if (!ok) {
            fprintf(stderr, "xroute-router: unknown or incomplete option '%s' (see --help)\n", argv[i]);
            return -1;
        }
        i++;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (prog_std_flags(argc, argv, "xroute-router", s_usage))
        return 0;
    if (s_check_args(argc, argv) != 0)
        return 2;
    router_config_t cfg;
    router_config_default(&cfg);
    cfg.frontend = s_opt(argc, argv, "--frontend", "XROUTE_ROUTER_FRONTEND", cfg.frontend);
    cfg.backend = s_opt(argc, argv, "--backend", "XROUTE_ROUTER_BACKEND", cfg.backend);
    cfg.routes_path = s_opt(argc, argv, "--routes", "XROUTE_ROUTES", cfg.routes_path);
    const char *level_text = s_opt(argc, argv, "--log-level", "XROUTE_LOG_LEVEL", "info");
    log_level_t level;
    if (log_level_parse(level_text, &level) != 0) {
        fprintf(stderr, "xroute-router: log level '%s' is not debug, info, warn or error\n", level_text);
        return 2;
    }
    const char *t = s_opt(argc, argv, "--liveness-ms", "XROUTE_ROUTER_LIVENESS_MS", NULL);
    if (t && s_ms("liveness", t, &cfg.liveness_ms) != 0)
        return 2;
    t = s_opt(argc, argv, "--heartbeat-ms", "XROUTE_ROUTER_HEARTBEAT_MS", NULL);
    if (t && s_ms("heartbeat", t, &cfg.heartbeat_ms) != 0)
        return 2;
    log_init("router", level);

    err_t err = {0};
    if (bus_signal_install(&err) != 0) {
        log_error("cannot install signal handlers: %s", err.msg);
        return 1;
    }
    router_t *router = router_new(&cfg, &err);
    if (!router) {
        log_error("router failed to start: %s", err.msg);
        fprintf(stderr, "xroute-router: %s\n", err.msg);
        return 1;
    }
    int rc = router_run(router);
    router_destroy(&router);
    log_info("router stopped");
    return rc == 0 ? 0 : 1;
}
