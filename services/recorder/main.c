/* xroute-recorder: parse settings, build the recorder, run until SIGTERM, destroy. */
#include "recorder.h"

#include "base/config.h"
#include "base/log.h"
#include "base/prog.h"
#include "bus/bus_curve.h"
#include "bus/bus_signal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *s_usage =
    "usage: xroute-recorder [options]\n"
    "Persists every fill and order update of the venue workers exactly once in PostgreSQL.\n"
    "\n"
    "options (each also from the environment variable shown; flags win):\n"
    "  --events EP         event intake (SUB) to bind      XROUTE_RECORDER_EVENTS   (tcp://127.0.0.1:7120)\n"
    "  --control EP        worker control (ROUTER) to bind XROUTE_RECORDER_CONTROL  (tcp://127.0.0.1:7121)\n"
    "  --dsn DSN           PostgreSQL conninfo             XROUTE_PG_DSN            (required)\n"
    "  --password-file F   file holding the password       XROUTE_PG_PASSWORD_FILE  (else PGPASSFILE/.pgpass)\n"
    "  --sql-dir DIR       migrations applied at start     XROUTE_SQL_DIR           (deploy/sql)\n"
    "  --batch N           events per transaction          XROUTE_RECORDER_BATCH    (500)\n"
    "  --flush-ms N        longest wait before a commit    XROUTE_RECORDER_FLUSH_MS (5)\n"
    "  --replay-ms N       re-ask a stalled replay after   XROUTE_RECORDER_REPLAY_MS (300)\n"
    "  --health-log-ms N   health line interval            XROUTE_RECORDER_HEALTH_LOG_MS (10000)\n"
    "  --instance NAME     name in health replies          XROUTE_RECORDER_INSTANCE (recorder)\n"
    "  --pipeline 0|1      overlap commit and next batch   XROUTE_RECORDER_PIPELINE (1)\n"
    "  --router EP         router frontend (backstop)      XROUTE_ROUTER_FRONTEND   (tcp://127.0.0.1:7110)\n"
    "  --backstop-ms N     get_fills backstop period, 0=off XROUTE_RECORDER_BACKSTOP_MS (300000)\n"
    "  --backstop-margin-ms N  read back before the last fill XROUTE_RECORDER_BACKSTOP_MARGIN_MS (300000)\n"
    "  --backstop-settle-ms N  leave younger fills to events  XROUTE_RECORDER_BACKSTOP_SETTLE_MS (30000)\n"
    "  --backstop-start-ms N   first pass after start         XROUTE_RECORDER_BACKSTOP_START_MS (6000)\n"
    "  --backstop-page N       fills per get_fills page       XROUTE_RECORDER_BACKSTOP_PAGE (500, max 1000)\n"
    "  --log-level L       debug|info|warn|error           XROUTE_LOG_LEVEL         (info)\n"
    "  --help, --version\n"
    "CURVE on the worker links: XROUTE_CURVE / XROUTE_CURVE_WORKER_LINKS and the key settings of\n"
    "lib/bus/bus_curve.h (docs/security.md).\n"
    "The DSN and the password are never logged; logs name only host and database.\n";

static const char *s_flags[] = {"--events",   "--control",   "--dsn",           "--password-file",
                                "--sql-dir",  "--batch",     "--flush-ms",      "--replay-ms",
                                "--instance", "--log-level", "--health-log-ms", "--pipeline",
                                "--router",   "--backstop-ms", "--backstop-margin-ms", "--backstop-settle-ms",
                                "--backstop-start-ms", "--backstop-page"};

static const char *s_opt(int argc, char **argv, const char *flag, const char *env, const char *dflt)
{
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], flag) == 0)
            return argv[i + 1];
    const char *v = getenv(env);
    return v && *v ? v : dflt;
}

/* Every argument must be a known flag followed by its value. */
static int s_check_args(int argc, char **argv)
{
    for (int i = 1; i < argc; i += 2) {
        bool ok = false;
        for (size_t k = 0; k < sizeof s_flags / sizeof s_flags[0] && !ok; k++)
            ok = strcmp(argv[i], s_flags[k]) == 0 && i + 1 < argc;
        if (!ok) {
            fprintf(stderr, "xroute-recorder: unknown or incomplete option '%s' (see --help)\n", argv[i]);
            return -1;
        }
    }
    return 0;
}

/* A whole number in min..max from a flag or variable, or the default when unset. */
static int s_num_range(int argc, char **argv, const char *flag, const char *env, long long min, long long max,
                       int64_t *out)
{
    const char *text = s_opt(argc, argv, flag, env, NULL);
    if (!text)
        return 0;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || !end || *end || v < min || v > max) {
        fprintf(stderr, "xroute-recorder: %s: '%s' is not a whole number in %lld..%lld\n", flag, text, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

/* A whole number in 1..max from a flag or variable, or the default when unset. */
static int s_num(int argc, char **argv, const char *flag, const char *env, long long max, int64_t *out)
{
    return s_num_range(argc, argv, flag, env, 1, max, out);
}

int main(int argc, char **argv)
{
    if (prog_std_flags(argc, argv, "xroute-recorder", s_usage))
        return 0;
    if (s_check_args(argc, argv) != 0)
        return 2;
    recorder_config_t cfg;
    recorder_config_default(&cfg);
    cfg.events = s_opt(argc, argv, "--events", "XROUTE_RECORDER_EVENTS", cfg.events);
    cfg.control = s_opt(argc, argv, "--control", "XROUTE_RECORDER_CONTROL", cfg.control);
    cfg.db.dsn = s_opt(argc, argv, "--dsn", "XROUTE_PG_DSN", NULL);
    cfg.db.password_file = s_opt(argc, argv, "--password-file", "XROUTE_PG_PASSWORD_FILE", NULL);
    cfg.db.app_name = "xroute-recorder";
    cfg.sql_dir = s_opt(argc, argv, "--sql-dir", "XROUTE_SQL_DIR", cfg.sql_dir);
    cfg.instance = s_opt(argc, argv, "--instance", "XROUTE_RECORDER_INSTANCE", cfg.instance);
    int64_t batch = (int64_t) cfg.batch_max;
    if (s_num(argc, argv, "--batch", "XROUTE_RECORDER_BATCH", 100000, &batch) != 0 ||
        s_num(argc, argv, "--flush-ms", "XROUTE_RECORDER_FLUSH_MS", 60000, &cfg.flush_ms) != 0 ||
        s_num(argc, argv, "--replay-ms", "XROUTE_RECORDER_REPLAY_MS", 600000, &cfg.replay_timeout_ms) != 0 ||
        s_num(argc, argv, "--health-log-ms", "XROUTE_RECORDER_HEALTH_LOG_MS", 3600000, &cfg.health_log_ms) != 0)
        return 2;
    cfg.batch_max = (size_t) batch;
    cfg.backstop.router = s_opt(argc, argv, "--router", "XROUTE_ROUTER_FRONTEND", "tcp://127.0.0.1:7110");
    if (s_num_range(argc, argv, "--backstop-ms", "XROUTE_RECORDER_BACKSTOP_MS", 0, 86400000,
                    &cfg.backstop.interval_ms) != 0 ||
        s_num_range(argc, argv, "--backstop-margin-ms", "XROUTE_RECORDER_BACKSTOP_MARGIN_MS", 0, 7LL * 86400000,
                    &cfg.backstop.margin_ms) != 0 ||
        s_num_range(argc, argv, "--backstop-settle-ms", "XROUTE_RECORDER_BACKSTOP_SETTLE_MS", 0, 3600000,
                    &cfg.backstop.settle_ms) != 0 ||
        s_num_range(argc, argv, "--backstop-start-ms", "XROUTE_RECORDER_BACKSTOP_START_MS", 0, 3600000,
                    &cfg.backstop.start_delay_ms) != 0)
        return 2;
    int64_t page = cfg.backstop.page_limit;
    if (s_num(argc, argv, "--backstop-page", "XROUTE_RECORDER_BACKSTOP_PAGE", 1000, &page) != 0)
        return 2;
    cfg.backstop.page_limit = (uint32_t) page;
    const char *pipeline = s_opt(argc, argv, "--pipeline", "XROUTE_RECORDER_PIPELINE", "1");
    if (strcmp(pipeline, "0") != 0 && strcmp(pipeline, "1") != 0) {
        fprintf(stderr, "xroute-recorder: --pipeline: '%s' is not 0 or 1\n", pipeline);
        return 2;
    }
    cfg.pipeline = pipeline[0] == '1';
    const char *level_text = s_opt(argc, argv, "--log-level", "XROUTE_LOG_LEVEL", "info");
    log_level_t level;
    if (log_level_parse(level_text, &level) != 0) {
        fprintf(stderr, "xroute-recorder: log level '%s' is not debug, info, warn or error\n", level_text);
        return 2;
    }
    if (!cfg.db.dsn) {
        fprintf(stderr, "xroute-recorder: no PostgreSQL DSN: set XROUTE_PG_DSN or pass --dsn\n");
        return 2;
    }
    log_init("recorder", level);

    err_t err = {0};
    if (bus_signal_install(&err) != 0) {
        log_error("cannot install signal handlers: %s", err.msg);
        return 1;
    }
    config_t *settings = config_new(NULL, &err);
    cfg.curve = settings ? bus_curve_new(settings, "recorder", &err) : NULL;
    if (!cfg.curve) {
        fprintf(stderr, "xroute-recorder: %s\n", err.msg);
        config_destroy(&settings);
        return 1;
    }
    int rc = 1;
    recorder_t *recorder = recorder_new(&cfg, &err);
    if (!recorder) {
        log_error("recorder failed to start: %s", err.msg);
        fprintf(stderr, "xroute-recorder: %s\n", err.msg);
        goto done;
    }
    rc = recorder_run(recorder) == 0 ? 0 : 1;
    recorder_destroy(&recorder);
    log_info("recorder stopped");
done:
    bus_curve_destroy(&cfg.curve);
    config_destroy(&settings);
    return rc;
}
