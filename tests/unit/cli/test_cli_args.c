/* cli_args: commands and options become the right requests; bad usage is refused with the option named. */
#include "cli/cli_args.h"
#include "testutil.h"

#include <stdio.h>
#include <string.h>

static int s_parse(cli_args_t *a, err_t *err, int argc, const char **argv)
{
    return cli_args_parse(argc, (char **) argv, NULL, NULL, a, err);
}

#define PARSE(a, err, ...)                                                                                   \
    ({                                                                                                       \
        const char *v_[] = {"xroute", __VA_ARGS__};                                                          \
        s_parse(a, err, (int) (sizeof v_ / sizeof v_[0]), v_);                                               \
    })

START_TEST(test_place_limit)
{
    cli_args_t a;
    err_t err = {0};
    ck_assert_int_eq(PARSE(&a, &err, "--json", "place", "--symbol", "ETH/USDT", "--side", "buy", "--type", "limit",
                           "--qty", "0.010", "--price", "2000.10", "--tif", "gtx", "--client-id", "bot1-42",
                           "--meta", "bot=alpha", "--venue", "bybit", "--gateway", "tcp://10.0.0.1:1"),
                     0);
    ck_assert(a.json);
    ck_assert_int_eq(a.action, CLI_REQUEST);
    ck_assert_str_eq(a.gateway, "tcp://10.0.0.1:1");
    ck_assert_int_eq(a.req.op, PROTO_T_PLACE_ORDER);
    ck_assert_str_eq(a.req.symbol, "ETH/USDT");
    ck_assert_str_eq(a.req.venue, "bybit");
    ck_assert_str_eq(a.req.account, "default");
    ck_assert_int_eq(a.req.order.side, PROTO_SIDE_BUY);
    ck_assert_int_eq(a.req.order.type, PROTO_OT_LIMIT);
    ck_assert_int_eq(a.req.order.time_in_force, PROTO_TIF_GTX);
    decimal_t want;
    decimal_from_str("0.01", &want, NULL);
    ck_assert(decimal_eq(a.req.order.quantity, want));
    decimal_from_str("2000.1", &want, NULL);
    ck_assert(decimal_eq(a.req.order.price, want));
    ck_assert_str_eq(a.req.order.client_order_id, "bot1-42");
    ck_assert_str_eq(proto_meta_get(&a.req.order.metadata, "bot"), "alpha");
    cli_args_free(&a);
}
END_TEST

START_TEST(test_positionals_and_fanout)
{
    cli_args_t a;
    err_t err = {0};
    ck_assert_int_eq(PARSE(&a, &err, "leverage", "BTC/USDT", "20"), 0);
    ck_assert_int_eq(a.req.op, PROTO_T_SET_LEVERAGE);
    ck_assert_str_eq(a.req.symbol, "BTC/USDT");
    ck_assert_uint_eq(a.req.leverage, 20);
    cli_args_free(&a);
    ck_assert_int_eq(PARSE(&a, &err, "klines", "SOL/USDT", "--interval", "1h", "--limit", "3"), 0);
    ck_assert_int_eq(a.req.klines.interval, PROTO_IV_1H);
    ck_assert_uint_eq(a.req.klines.limit, 3);
    cli_args_free(&a);
    ck_assert_int_eq(PARSE(&a, &err, "positions"), 0);
    ck_assert_int_eq(a.req.op, PROTO_T_GET_POSITIONS);
    ck_assert_str_eq(a.req.venue, "");
    cli_args_free(&a);
    ck_assert_int_eq(PARSE(&a, &err, "watch", "--account", "default"), 0);
    ck_assert_int_eq(a.action, CLI_WATCH);
    cli_args_free(&a);
    ck_assert_int_eq(PARSE(&a, &err, "--help"), 0);
    ck_assert_int_eq(a.action, CLI_HELP);
    cli_args_free(&a);
}
END_TEST

START_TEST(test_every_valued_option_known)
{
    /* each option of the usage text that takes a value: last on the line it needs its value (it is known),
     * with a value it is never "unknown" */
    const char *valued[] = {"--gateway", "--events", "--timeout", "--venue", "--account", "--symbol", "--side",
                            "--type", "--tif", "--position-side", "--qty", "--price", "--stop-price", "--tp",
                            "--sl", "--trail", "--leverage", "--client-id", "--id", "--asset", "--interval",
                            "--limit", "--start", "--end", "--since", "--meta"};
    for (size_t i = 0; i < sizeof valued / sizeof valued[0]; i++) {
        ck_assert_msg(strstr(cli_usage(), valued[i]) != NULL, "%s not in the usage text", valued[i]);
        cli_args_t a;
        err_t err = {0};
        const char *last[] = {"xroute", "orders", valued[i]};
        ck_assert_int_eq(s_parse(&a, &err, 3, last), -1);
        char want[64];
        snprintf(want, sizeof want, "%s needs a value", valued[i]);
        ck_assert_msg(strcmp(err.msg, want) == 0, "%s: '%s'", valued[i], err.msg);
        const char *with[] = {"xroute", "orders", valued[i], "x"};
        err = (err_t){0};
        if (s_parse(&a, &err, 4, with) == 0)
            cli_args_free(&a);
        ck_assert_msg(strstr(err.msg, "unknown option") == NULL, "%s: '%s'", valued[i], err.msg);
    }
}
END_TEST

START_TEST(test_bad_usage)
{
    struct {
        const char *argv[8];
        int argc;
        const char *expect;
    } cases[] = {
        {{"xroute"}, 1, "no command given"},
        {{"xroute", "buy"}, 2, "unknown command 'buy'"},
        {{"xroute", "price"}, 2, "price needs SYMBOL"},
        {{"xroute", "price", "BTC/USDT", "ETH/USDT"}, 4, "unexpected argument 'ETH/USDT'"},
        {{"xroute", "place", "--qty"}, 3, "--qty needs a value"},
        {{"xroute", "place", "--qty", "1,5"}, 4, "--qty: '1,5' is not a decimal"},
        {{"xroute", "place", "--side", "long"}, 4, "--side: 'long' is not one of buy sell"},
        {{"xroute", "leverage", "BTC/USDT", "126"}, 4, "leverage: '126' is not a whole number in 1..125"},
        {{"xroute", "orders", "--frobnicate", "1"}, 4, "unknown option --frobnicate"},
        {{"xroute", "orders", "--frobnicate"}, 3, "unknown option --frobnicate"}, /* last: unknown, not valueless */
        {{"xroute", "--frobnicate"}, 2, "unknown option --frobnicate"},
        {{"xroute", "place", "--symbol"}, 3, "--symbol needs a value"},
        {{"xroute", "place", "--meta", "novalue"}, 4, "--meta: want KEY=VALUE"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cli_args_t a;
        err_t err = {0};
        ck_assert_int_eq(s_parse(&a, &err, cases[i].argc, cases[i].argv), -1);
        ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
        ck_assert_msg(strstr(err.msg, cases[i].expect) != NULL, "case %zu: '%s'", i, err.msg);
    }
    /* proto validation: a limit order without a price */
    cli_args_t a;
    err_t err = {0};
    ck_assert_int_eq(PARSE(&a, &err, "place", "--symbol", "ETH/USDT", "--side", "buy", "--type", "limit", "--qty",
                           "1"),
                     -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "price"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli_args");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_place_limit);
    tcase_add_test(tc, test_positionals_and_fanout);
    tcase_add_test(tc, test_every_valued_option_known);
    tcase_add_test(tc, test_bad_usage);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
