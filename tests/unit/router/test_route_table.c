/* route_table: rules, precedence, switched-off venues, reasons and rule kinds, and refusal of bad files. */
#include "router/route_table.h"
#include "testutil.h"

#include <stdio.h>
#include <string.h>

static const char *s_routes =
    "# demo routes\n"
    "default binance\n"
    "BTC/USDT binance\n"
    "ETH/USDT   bybit   # exact\n"
    "*/USDT bybit\n"
    "DOGE/* coindcx\n"
    "XRP/USDT coindcx\n"
    "\n";

static route_table_t *s_table(const char *text)
{
    err_t err = {0};
    route_table_t *t = route_table_parse(text, "routes", &err);
    ck_assert_msg(t != NULL, "parse failed: %s", err.msg);
    return t;
}

START_TEST(test_exact_pattern_default)
{
    route_table_t *t = s_table(s_routes);
    char venue[ROUTE_VENUE_MAX], reason[ROUTE_REASON_MAX];
    err_t err = {0};
    ck_assert_int_eq(route_table_resolve(t, "ETH/USDT", NULL, venue, reason, NULL, &err), 0);
    ck_assert_str_eq(venue, "bybit");
    ck_assert_str_eq(reason, "exact rule ETH/USDT (line 4)");
    ck_assert_int_eq(route_table_resolve(t, "SOL/USDT", NULL, venue, reason, NULL, &err), 0);
    ck_assert_str_eq(venue, "bybit");
    ck_assert_str_eq(reason, "pattern */USDT (line 5)");
    /* exact beats an earlier pattern */
    ck_assert_int_eq(route_table_resolve(t, "XRP/USDT", NULL, venue, reason, NULL, &err), 0);
    ck_assert_str_eq(venue, "coindcx");
    /* first matching pattern in file order: the USDT pattern comes before the DOGE one */
    ck_assert_int_eq(route_table_resolve(t, "DOGE/USDT", NULL, venue, reason, NULL, &err), 0);
    ck_assert_str_eq(venue, "bybit");
    ck_assert_int_eq(route_table_resolve(t, "DOGE/INR", NULL, venue, reason, NULL, &err), 0);
    ck_assert_str_eq(venue, "coindcx");
    ck_assert_int_eq(route_table_resolve(t, "ADA/BTC", NULL, venue, reason, NULL, &err), 0);
    ck_assert_str_eq(venue, "binance");
    ck_assert_str_eq(reason, "default (line 2)");
    ck_assert_uint_eq(route_table_size(t), 6);
    route_table_destroy(&t);
    ck_assert_ptr_null(t);
    route_table_destroy(&t);
}
END_TEST

/* The kind of rule next to the human-readable reason, for each of the four kinds. */
START_TEST(test_rule_kinds)
{
    route_table_t *t = s_table(s_routes);
    char venue[ROUTE_VENUE_MAX], reason[ROUTE_REASON_MAX];
    err_t err = {0};
    static const struct {
        const char *symbol, *override, *rule;
    } cases[] = {{"ETH/USDT", NULL, "exact"}, {"SOL/USDT", NULL, "pattern"}, {"DOGE/INR", NULL, "pattern"},
                 {"ADA/BTC", NULL, "default"}, {"ETH/USDT", "coindcx", "override"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        route_rule_t rule = (route_rule_t) 99;
        ck_assert_int_eq(route_table_resolve(t, cases[i].symbol, cases[i].override, venue, reason, &rule, &err), 0);
        ck_assert_str_eq(route_rule_name(rule), cases[i].rule);
    }
    route_rule_t rule = ROUTE_RULE_EXACT;
    ck_assert_int_eq(route_table_resolve(t, "bad", NULL, venue, reason, &rule, &err), -1);
    ck_assert_int_eq(rule, ROUTE_RULE_EXACT); /* untouched on failure */
    ck_assert_str_eq(route_rule_name((route_rule_t) 99), "");
    route_table_destroy(&t);
}
END_TEST

START_TEST(test_override_and_off)
{
    route_table_t *t = s_table("BTC/USDT binance\n*/USDT bybit\noff bybit\n");
    char venue[ROUTE_VENUE_MAX] = "", reason[ROUTE_REASON_MAX] = "";
    err_t err = {0};
    ck_assert_int_eq(route_table_resolve(t, "BTC/USDT", "coindcx", venue, reason, NULL, &err), 0);
    ck_assert_str_eq(venue, "coindcx");
    ck_assert_str_eq(reason, "explicit venue in request");
    ck_assert_int_eq(route_table_resolve(t, "SOL/USDT", NULL, venue, reason, NULL, &err), -1);
    ck_assert_int_eq(err.code, XR_NO_ROUTE);
    ck_assert_ptr_nonnull(strstr(err.msg, "switched off"));
    ck_assert_int_eq(route_table_resolve(t, "BTC/USDT", "bybit", venue, reason, NULL, &err), -1);
    ck_assert_int_eq(err.code, XR_NO_ROUTE);
    /* no default: an unmatched symbol has no route */
    ck_assert_int_eq(route_table_resolve(t, "ADA/BTC", NULL, venue, reason, NULL, &err), -1);
    ck_assert_int_eq(err.code, XR_NO_ROUTE);
    const char *names[8];
    size_t n = route_table_venues(t, names, 8);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(names[0], "binance");
    ck_assert(route_table_is_off(t, "bybit"));
    route_table_destroy(&t);
}
END_TEST

START_TEST(test_bad_symbols_in_requests)
{
    route_table_t *t = s_table(s_routes);
    char venue[ROUTE_VENUE_MAX], reason[ROUTE_REASON_MAX];
    const char *bad[] = {"", "ETHUSDT", "eth/usdt", "ETH/", "/USDT", "ETH/USDT/X", "*/USDT", "ETH/*", "ETH USDT"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err_t err = {0};
        ck_assert_int_eq(route_table_resolve(t, bad[i], NULL, venue, reason, NULL, &err), -1);
        ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
    }
    err_t err = {0};
    ck_assert_int_eq(route_table_resolve(t, "BTC/USDT", "Bad Venue", venue, reason, NULL, &err), -1);
    ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
    route_table_destroy(&t);
}
END_TEST

START_TEST(test_bad_files_refused_with_line)
{
    struct {
        const char *text;
        const char *expect;
    } cases[] = {
        {"BTC/USDT\n", "routes:1: want two words"},
        {"BTC/USDT binance extra\n", "routes:1: want two words"},
        {"default binance\ndefault bybit\n", "routes:2: second default"},
        {"btc/usdt binance\n", "routes:1: bad symbol"},
        {"*/* binance\n", "routes:1: bad symbol"},
        {"BTC/USDT Binance\n", "routes:1: bad venue name"},
        {"# ok\nETH/USDT bybit\nETH/USDT binance\n", "routes:3: 'ETH/USDT' already routed on line 2"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err_t err = {0};
        route_table_t *t = route_table_parse(cases[i].text, "routes", &err);
        ck_assert_ptr_null(t);
        ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
        ck_assert_msg(strstr(err.msg, cases[i].expect) != NULL, "case %zu: got '%s'", i, err.msg);
    }
}
END_TEST

START_TEST(test_load_file)
{
    const char *dir = tu_scratch_dir("routes");
    char path[1400];
    snprintf(path, sizeof path, "%s/routes.conf", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(s_routes, f);
    fclose(f);
    err_t err = {0};
    route_table_t *t = route_table_load(path, &err);
    ck_assert_msg(t != NULL, "%s", err.msg);
    route_table_destroy(&t);
    snprintf(path, sizeof path, "%s/missing.conf", dir);
    ck_assert_ptr_null(route_table_load(path, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "cannot open routes file"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("route_table");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_exact_pattern_default);
    tcase_add_test(tc, test_rule_kinds);
    tcase_add_test(tc, test_override_and_off);
    tcase_add_test(tc, test_bad_symbols_in_requests);
    tcase_add_test(tc, test_bad_files_refused_with_line);
    tcase_add_test(tc, test_load_file);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
