/* Check suite for params: form/query parsing with percent-decoding, raw pair bytes kept for signatures, and the
 * bounds (pair count, arena size, bad escapes, NUL bytes). */
#include "sim/params.h"

#include "testutil.h"

#include <stdio.h>
#include <string.h>

START_TEST(decodes_pairs_and_keeps_raw_bytes)
{
    sim_params_t p;
    sim_params_init(&p);
    const char *q = "symbol=BTCUSDT&id=a%3Ab%2Fc&sp=x+y&&bare&empty=";
    ck_assert_int_eq(sim_params_parse(&p, q, strlen(q), false, NULL), 0);
    ck_assert_uint_eq(p.count, 5);
    ck_assert_str_eq(sim_params_get(&p, "id"), "a:b/c");
    ck_assert_str_eq(sim_params_get(&p, "sp"), "x y");
    ck_assert_str_eq(sim_params_get(&p, "bare"), "");
    ck_assert_str_eq(sim_params_get(&p, "empty"), "");
    ck_assert_ptr_null(sim_params_get(&p, "nope"));
    const sim_param_t *id = sim_params_find(&p, "id");
    ck_assert_uint_eq(id->raw_len, strlen("id=a%3Ab%2Fc"));
    ck_assert(memcmp(id->raw, "id=a%3Ab%2Fc", id->raw_len) == 0);
    ck_assert_ptr_eq(id->raw, q + strlen("symbol=BTCUSDT&"));
    const char *b = "symbol=ETHUSDT";
    ck_assert_int_eq(sim_params_parse(&p, b, strlen(b), true, NULL), 0);
    ck_assert_uint_eq(sim_params_count_of(&p, "symbol"), 2);
    ck_assert_str_eq(sim_params_get(&p, "symbol"), "BTCUSDT"); /* the first (query) wins */
    ck_assert(p.items[p.count - 1].from_body);
}
END_TEST

START_TEST(refuses_malformed_text)
{
    const char *bad[] = {"a=%", "a=%4", "a=%G0", "=v", "a=%00", "%41%=1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sim_params_t p;
        sim_params_init(&p);
        err_t err;
        ck_assert_msg(sim_params_parse(&p, bad[i], strlen(bad[i]), false, &err) == -1, "accepted %s", bad[i]);
        ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
    }
}
END_TEST

START_TEST(bounds)
{
    char text[SIM_PARAMS_ARENA * 2];
    size_t n = 0;
    for (int i = 0; i < SIM_PARAMS_MAX + 1; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "p%d=1&", i);
    sim_params_t p;
    sim_params_init(&p);
    ck_assert_int_eq(sim_params_parse(&p, text, n, false, NULL), -1);
    ck_assert_uint_eq(p.count, SIM_PARAMS_MAX);
    memset(text, 'v', sizeof text);
    memcpy(text, "a=", 2);
    sim_params_init(&p);
    ck_assert_int_eq(sim_params_parse(&p, text, SIM_PARAMS_ARENA + 10, false, NULL), -1);
    sim_params_init(&p);
    ck_assert_int_eq(sim_params_parse(&p, text, SIM_PARAMS_ARENA / 2, false, NULL), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sim_params");
    TCase *tc = tcase_create("params");
    tcase_add_test(tc, decodes_pairs_and_keeps_raw_bytes);
    tcase_add_test(tc, refuses_malformed_text);
    tcase_add_test(tc, bounds);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
