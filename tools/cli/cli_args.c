/* cli_args: argv -> proto request. Table-driven: each command names its request type and the positional
 * arguments it takes; every option writes one field of the request. */
#include "cli_args.h"

#include "base/decimal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *s_usage =
    "usage: xroute [global options] COMMAND [options]\n"
    "\n"
    "global options (anywhere on the line):\n"
    "  --gateway URL      gateway request endpoint (XROUTE_GATEWAY, default tcp://127.0.0.1:7100)\n"
    "  --events URL       gateway event endpoint for watch (XROUTE_EVENTS, default tcp://127.0.0.1:7101)\n"
    "  --json             one JSON object per line, unified field names\n"
    "  --timeout MS       how long to wait for the answer (default 10000)\n"
    "  --venue NAME       override routing; narrows fan-out commands to one venue\n"
    "  --account NAME     account (default \"default\")\n"
    "\n"
    "commands:\n"
    "  place --symbol S --side buy|sell --type T --qty Q [--price P] [--stop-price P] [--tif GTC|IOC|FOK|GTX]\n"
    "        [--reduce-only] [--client-id ID] [--leverage N] [--tp P] [--sl P] [--trail PCT]\n"
    "        [--position-side BOTH|LONG|SHORT] [--meta KEY=VALUE]... [--round]\n"
    "        T: market limit stop_market stop_limit take_profit_market take_profit_limit trailing_stop_market\n"
    "  cancel --symbol S (--id ORDER_ID | --client-id ID)\n"
    "  cancel-all [--symbol S]\n"
    "  order --symbol S (--id ORDER_ID | --client-id ID)     one order\n"
    "  orders [--symbol S]                                   open orders\n"
    "  positions [--symbol S]\n"
    "  balances [--asset A]\n"
    "  price SYMBOL                                          last, mark, bid, ask\n"
    "  klines SYMBOL [--interval 1m] [--limit N] [--start MS] [--end MS]\n"
    "  leverage SYMBOL N\n"
    "  close SYMBOL                                          flatten the position with a reduce-only market order\n"
    "  fills SYMBOL [--since MS] [--limit N]                 the venue's trade history\n"
    "  route SYMBOL                                          which venue serves SYMBOL, and why\n"
    "  venues                                                connected workers, replicas and their load\n"
    "  health                                                every venue's health\n"
    "  reload                                                reload the router's routing table\n"
    "  watch                                                 stream order updates and fills until interrupted\n"
    "  keygen NAME [--dir DIR]                               new CURVE key pair: DIR/NAME.cert (public) and\n"
    "                                                        DIR/NAME.cert_secret (mode 0600); DIR default var/keys;\n"
    "                                                        never overwrites (first word on the line only)\n"
    "\n"
    "CURVE (docs/security.md): XROUTE_CURVE=on encrypts and authenticates the link to the gateway with the\n"
    "secret certificate XROUTE_CURVE_SECRET_FILE (default var/keys/client.cert_secret) and the gateway's\n"
    "public certificate XROUTE_CURVE_GATEWAY_CERT (default var/keys/gateway.cert); XROUTE_KEYS_DIR moves both.\n"
    "\n"
    "Exit status: 0 on success; 1 with \"CODE: message\" when the answer is an error; 2 for bad usage;\n"
    "3 when the gateway did not answer in time.\n";

const char *cli_usage(void)
{
    return s_usage;
}

typedef struct {
    const char *word;     /* command as typed */
    proto_type_t op;      /* request type, or UNKNOWN for local actions */
    cli_action_t action;  /* CLI_REQUEST unless local */
    int positional;       /* positional arguments: 0, 1 (symbol) or 2 (symbol, number) */
} command_t;

static const command_t s_commands[] = {
    {"place", PROTO_T_PLACE_ORDER, CLI_REQUEST, 0},
    {"cancel", PROTO_T_CANCEL_ORDER, CLI_REQUEST, 0},
    {"cancel-all", PROTO_T_CANCEL_ALL, CLI_REQUEST, 0},
    {"order", PROTO_T_GET_ORDER, CLI_REQUEST, 0},
    {"orders", PROTO_T_GET_OPEN_ORDERS, CLI_REQUEST, 0},
    {"positions", PROTO_T_GET_POSITIONS, CLI_REQUEST, 0},
    {"balances", PROTO_T_GET_BALANCES, CLI_REQUEST, 0},
    {"price", PROTO_T_GET_TICKER, CLI_REQUEST, 1},
    {"klines", PROTO_T_GET_KLINES, CLI_REQUEST, 1},
    {"leverage", PROTO_T_SET_LEVERAGE, CLI_REQUEST, 2},
    {"close", PROTO_T_CLOSE_POSITION, CLI_REQUEST, 1},
    {"fills", PROTO_T_GET_FILLS, CLI_REQUEST, 1},
    {"route", PROTO_T_ROUTE, CLI_REQUEST, 1},
    {"venues", PROTO_T_VENUES, CLI_REQUEST, 0},
    {"health", PROTO_T_HEALTH, CLI_REQUEST, 0},
    {"reload", PROTO_T_RELOAD, CLI_REQUEST, 0},
    {"watch", PROTO_T_UNKNOWN, CLI_WATCH, 0},
    {"help", PROTO_T_UNKNOWN, CLI_HELP, 0},
};

static void s_upper(char *dst, size_t cap, const char *src)
{
    size_t i = 0;
    for (; src[i] && i + 1 < cap; i++)
        dst[i] = (char) toupper((unsigned char) src[i]);
    dst[i] = '\0';
}

static int s_decimal(const char *opt, const char *text, decimal_t *out, err_t *err)
{
    err_t derr = {0};
    if (decimal_from_str(text, out, &derr) != 0)
        return err_set(err, XR_INVALID_REQUEST, "%s: '%s' is not a decimal (%s)", opt, text, derr.msg);
    return 0;
}

static int s_int(const char *opt, const char *text, int64_t min, int64_t max, int64_t *out, err_t *err)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || !end || *end || end == text || v < min || v > max)
        return err_set(err, XR_INVALID_REQUEST, "%s: '%s' is not a whole number in %lld..%lld", opt, text,
                       (long long) min, (long long) max);
    *out = v;
    return 0;
}

static int s_copy(const char *opt, char *dst, size_t cap, const char *text, err_t *err)
{
    if (strlen(text) >= cap)
        return err_set(err, XR_INVALID_REQUEST, "%s: longer than %zu characters", opt, cap - 1);
    memcpy(dst, text, strlen(text) + 1);
    return 0;
}

static int s_enum(const char *opt, const char *text, int (*parse)(const char *, size_t, int *), int *out,
                  const char *choices, err_t *err)
{
    char up[48];
    s_upper(up, sizeof up, text);
    if (parse(up, strlen(up), out) != 0)
        return err_set(err, XR_INVALID_REQUEST, "%s: '%s' is not one of %s", opt, text, choices);
    return 0;
}

/* The proto enum parsers take typed pointers; these adapters keep s_enum generic. */
static int s_side(const char *s, size_t n, int *o) { return proto_side_parse(s, n, (proto_side_t *) o); }
static int s_type(const char *s, size_t n, int *o) { return proto_order_type_parse(s, n, (proto_order_type_t *) o); }
static int s_tif(const char *s, size_t n, int *o) { return proto_tif_parse(s, n, (proto_tif_t *) o); }
static int s_ps(const char *s, size_t n, int *o) { return proto_position_side_parse(s, n, (proto_position_side_t *) o); }
static int s_iv(const char *s, size_t n, int *o) { return proto_interval_parse(s, n, (proto_interval_t *) o); }

static int s_interval(const char *text, proto_interval_t *out, err_t *err)
{
    /* interval names are case-sensitive ("1m" minute vs "1M" month): no upper-casing here */
    int v;
    if (s_iv(text, strlen(text), &v) != 0)
        return err_set(err, XR_INVALID_REQUEST, "--interval: '%s' is not one of 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h "
                       "12h 1d 3d 1w 1M", text);
    *out = (proto_interval_t) v;
    return 0;
}

/* Applies one option with a value to the request. */
static int s_option(cli_args_t *a, const char *opt, const char *val, err_t *err)
{
    proto_request_t *r = &a->req;
    proto_order_request_t *o = &r->order;
    int64_t n;
    int e;
    if (!strcmp(opt, "--gateway"))
        a->gateway = val;
    else if (!strcmp(opt, "--events"))
        a->events = val;
    else if (!strcmp(opt, "--timeout")) {
        if (s_int(opt, val, 1, 3600000, &a->timeout_ms, err))
            return -1;
    } else if (!strcmp(opt, "--venue"))
        return s_copy(opt, r->venue, sizeof r->venue, val, err);
    else if (!strcmp(opt, "--account"))
        return s_copy(opt, r->account, sizeof r->account, val, err);
    else if (!strcmp(opt, "--symbol"))
        return s_copy(opt, r->symbol, sizeof r->symbol, val, err);
    else if (!strcmp(opt, "--side")) {
        if (s_enum(opt, val, s_side, &e, "buy sell", err))
            return -1;
        o->side = (proto_side_t) e;
    } else if (!strcmp(opt, "--type")) {
        if (s_enum(opt, val, s_type, &e, "market limit stop_market stop_limit take_profit_market "
                   "take_profit_limit trailing_stop_market", err))
            return -1;
        o->type = (proto_order_type_t) e;
    } else if (!strcmp(opt, "--tif")) {
        if (s_enum(opt, val, s_tif, &e, "GTC IOC FOK GTX", err))
            return -1;
        o->time_in_force = (proto_tif_t) e;
    } else if (!strcmp(opt, "--position-side")) {
        if (s_enum(opt, val, s_ps, &e, "BOTH LONG SHORT", err))
            return -1;
        o->position_side = (proto_position_side_t) e;
    } else if (!strcmp(opt, "--qty"))
        return s_decimal(opt, val, &o->quantity, err);
    else if (!strcmp(opt, "--price"))
        return s_decimal(opt, val, &o->price, err);
    else if (!strcmp(opt, "--stop-price"))
        return s_decimal(opt, val, &o->stop_price, err);
    else if (!strcmp(opt, "--tp"))
        return s_decimal(opt, val, &o->take_profit_price, err);
    else if (!strcmp(opt, "--sl"))
        return s_decimal(opt, val, &o->stop_loss_price, err);
    else if (!strcmp(opt, "--trail"))
        return s_decimal(opt, val, &o->trailing_stop_pct, err);
    else if (!strcmp(opt, "--leverage")) {
        if (s_int(opt, val, 1, PROTO_LEVERAGE_MAX, &n, err))
            return -1;
        o->leverage = (uint32_t) n;
    } else if (!strcmp(opt, "--client-id")) {
        if (s_copy(opt, o->client_order_id, sizeof o->client_order_id, val, err))
            return -1;
        return s_copy(opt, r->ref.client_order_id, sizeof r->ref.client_order_id, val, err);
    } else if (!strcmp(opt, "--id"))
        return s_copy(opt, r->ref.order_id, sizeof r->ref.order_id, val, err);
    else if (!strcmp(opt, "--asset"))
        return s_copy(opt, r->asset, sizeof r->asset, val, err);
    else if (!strcmp(opt, "--interval"))
        return s_interval(val, &r->klines.interval, err);
    else if (!strcmp(opt, "--limit")) {
        if (s_int(opt, val, 1, 1500, &n, err))
            return -1;
        r->klines.limit = (uint32_t) n;
        r->fills.limit = (uint32_t) (n > 1000 ? 1000 : n);
    } else if (!strcmp(opt, "--start")) {
        return s_int(opt, val, 0, INT64_MAX, &r->klines.start, err);
    } else if (!strcmp(opt, "--end")) {
        return s_int(opt, val, 0, INT64_MAX, &r->klines.end, err);
    } else if (!strcmp(opt, "--since")) {
        return s_int(opt, val, 0, INT64_MAX, &r->fills.since_ms, err);
    } else if (!strcmp(opt, "--meta")) {
        const char *eq = strchr(val, '=');
        char key[PROTO_META_KEY_SZ];
        if (!eq || eq == val || (size_t) (eq - val) >= sizeof key)
            return err_set(err, XR_INVALID_REQUEST, "--meta: want KEY=VALUE, got '%s'", val);
        memcpy(key, val, (size_t) (eq - val));
        key[eq - val] = '\0';
        return proto_meta_set(&o->metadata, key, eq + 1, err);
    } else {
        return err_set(err, XR_INVALID_REQUEST, "unknown option %s (see xroute --help)", opt);
    }
    return 0;
}

/* Options that take a value, as s_option knows them: an unknown option last on the line is reported as
 * unknown, not as missing its value. */
static const char *const s_valued[] = {
    "--gateway", "--events", "--timeout", "--venue", "--account", "--symbol", "--side", "--type", "--tif",
    "--position-side", "--qty", "--price", "--stop-price", "--tp", "--sl", "--trail", "--leverage", "--client-id",
    "--id", "--asset", "--interval", "--limit", "--start", "--end", "--since", "--meta"};

static bool s_takes_value(const char *arg)
{
    for (size_t i = 0; i < sizeof s_valued / sizeof s_valued[0]; i++)
        if (!strcmp(arg, s_valued[i]))
            return true;
    return false;
}

static bool s_is_flag(const char *arg)
{
    return !strcmp(arg, "--json") || !strcmp(arg, "--reduce-only") || !strcmp(arg, "--round") ||
           !strcmp(arg, "--help") || !strcmp(arg, "-h");
}

static int s_positional(cli_args_t *a, const command_t *c, int index, const char *val, err_t *err)
{
    if (index >= c->positional)
        return err_set(err, XR_INVALID_REQUEST, "%s: unexpected argument '%s'", c->word, val);
    if (index == 0)
        return s_copy("SYMBOL", a->req.symbol, sizeof a->req.symbol, val, err);
    int64_t n;
    if (s_int("leverage", val, 1, PROTO_LEVERAGE_MAX, &n, err))
        return -1;
    a->req.leverage = (uint32_t) n;
    return 0;
}

int cli_args_parse(int argc, char **argv, const char *env_gateway, const char *env_events, cli_args_t *out,
                   err_t *err)
{
    memset(out, 0, sizeof *out);
    out->gateway = env_gateway && *env_gateway ? env_gateway : "tcp://127.0.0.1:7100";
    out->events = env_events && *env_events ? env_events : "tcp://127.0.0.1:7101";
    out->timeout_ms = 10000;
    proto_request_init(&out->req, PROTO_T_UNKNOWN);
    const command_t *cmd = NULL;
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (s_is_flag(arg)) {
            if (!strcmp(arg, "--json"))
                out->json = true;
            else if (!strcmp(arg, "--reduce-only"))
                out->req.order.reduce_only = true;
            else if (!strcmp(arg, "--round"))
                out->req.order.round = true;
            else
                out->action = CLI_HELP;
        } else if (!strncmp(arg, "--", 2)) {
            if (!s_takes_value(arg)) {
                err_set(err, XR_INVALID_REQUEST, "unknown option %s (see xroute --help)", arg);
                goto fail;
            }
            if (i + 1 >= argc) {
                err_set(err, XR_INVALID_REQUEST, "%s needs a value", arg);
                goto fail;
            }
            if (s_option(out, arg, argv[++i], err) != 0)
                goto fail;
        } else if (!cmd) {
            for (size_t k = 0; k < sizeof s_commands / sizeof s_commands[0] && !cmd; k++)
                if (!strcmp(arg, s_commands[k].word))
                    cmd = &s_commands[k];
            if (!cmd) {
                err_set(err, XR_INVALID_REQUEST, "unknown command '%s' (see xroute --help)", arg);
                goto fail;
            }
        } else if (s_positional(out, cmd, npos++, arg, err) != 0) {
            goto fail;
        }
    }
    if (out->action == CLI_HELP || (cmd && cmd->action == CLI_HELP)) {
        out->action = CLI_HELP;
        return 0;
    }
    if (!cmd) {
        err_set(err, XR_INVALID_REQUEST, "no command given (see xroute --help)");
        goto fail;
    }
    out->command = cmd->word;
    out->action = cmd->action;
    if (cmd->action == CLI_WATCH)
        return 0;
    if (npos < cmd->positional) {
        err_set(err, XR_INVALID_REQUEST, "%s needs %s", cmd->word, cmd->positional == 2 ? "SYMBOL and N" : "SYMBOL");
        goto fail;
    }
    out->req.op = cmd->op;
    if (!out->req.account[0])
        snprintf(out->req.account, sizeof out->req.account, "%s", PROTO_DEFAULT_ACCOUNT);
    if (cmd->op == PROTO_T_GET_KLINES && out->req.klines.interval == PROTO_IV_NONE)
        out->req.klines.interval = PROTO_IV_1M;
    if (cmd->op != PROTO_T_PLACE_ORDER)
        memset(out->req.order.client_order_id, 0, sizeof out->req.order.client_order_id);
    if (proto_request_validate(&out->req, err) != 0)
        goto fail;
    return 0;
fail:
    cli_args_free(out);
    return -1;
}

void cli_args_free(cli_args_t *a)
{
    proto_request_free(&a->req);
}
