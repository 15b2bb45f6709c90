/* authz: clients.conf with names resolved through real certificate files (made by bus_curve_keygen) and raw
 * keys; account and venue rules per request type; pinning to a key's only venue; malformed files refused
 * with the line; missing certificates skipped; unlisted keys refused. */
#include "gateway/authz.h"

#include "bus/bus_curve.h"
#include "testutil.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    char dir[512];
    char path[600];
    char alice[BUS_CURVE_KEY_SZ], bob[BUS_CURVE_KEY_SZ], ops[BUS_CURVE_KEY_SZ], raw[BUS_CURVE_KEY_SZ];
} fx_t;

static void s_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static void s_fixture(fx_t *fx, const char *name)
{
    snprintf(fx->dir, sizeof fx->dir, "%s", tu_scratch_dir(name));
    err_t err = {0};
    ck_assert_int_eq(bus_curve_keygen(fx->dir, "alice", fx->alice, &err), 0);
    ck_assert_int_eq(bus_curve_keygen(fx->dir, "bob", fx->bob, &err), 0);
    ck_assert_int_eq(bus_curve_keygen(fx->dir, "ops", fx->ops, &err), 0);
    char sec[BUS_CURVE_KEY_SZ];
    ck_assert_int_eq(zmq_curve_keypair(fx->raw, sec), 0);
    snprintf(fx->path, sizeof fx->path, "%s/clients.conf", fx->dir);
    char text[1024];
    snprintf(text, sizeof text,
             "# NAME ACCOUNTS VENUES\n"
             "alice   default        binance\n"
             "  bob   hedge,default  binance,bybit   \n"
             "\n"
             "ops     *              *\n"
             "%s  raw-acct  coindcx\n"
             "carol   default        *\n", /* no certificate: skipped */
             fx->raw);
    s_write(fx->path, text);
}

static proto_request_t s_req(proto_type_t op, const char *account, const char *venue)
{
    proto_request_t r;
    proto_request_init(&r, op);
    snprintf(r.account, sizeof r.account, "%s", account);
    snprintf(r.venue, sizeof r.venue, "%s", venue);
    return r;
}

START_TEST(rules)
{
    fx_t fx;
    s_fixture(&fx, "rules");
    err_t err = {0};
    authz_t *a = authz_load(fx.path, fx.dir, &err);
    ck_assert_msg(a != NULL, "%s", err.msg);
    ck_assert_uint_eq(authz_size(a), 4);
    ck_assert(authz_is_client(a, fx.alice));
    ck_assert(!authz_is_client(a, NULL));
    bool pinned = false;

    /* alice: account default, venue binance only */
    proto_request_t r = s_req(PROTO_T_PLACE_ORDER, "default", "binance");
    ck_assert_int_eq(authz_check(a, fx.alice, &r, &pinned, &err), 0);
    ck_assert(!pinned);
    r = s_req(PROTO_T_PLACE_ORDER, "hedge", "binance");
    ck_assert_int_eq(authz_check(a, fx.alice, &r, &pinned, &err), -1);
    ck_assert_int_eq(err.code, XR_AUTH);
    ck_assert_str_eq(err.msg, "account hedge is not allowed for client alice (place_order)");
    r = s_req(PROTO_T_CANCEL_ORDER, "default", "bybit");
    ck_assert_int_eq(authz_check(a, fx.alice, &r, &pinned, &err), -1);
    ck_assert_str_eq(err.msg, "venue bybit is not allowed for client alice (cancel_order)");
    /* no venue named: pinned to her only venue */
    r = s_req(PROTO_T_GET_POSITIONS, "default", "");
    ck_assert_int_eq(authz_check(a, fx.alice, &r, &pinned, &err), 0);
    ck_assert(pinned);
    ck_assert_str_eq(r.venue, "binance");
    /* informational requests need only a listed key; reload needs everything */
    r = s_req(PROTO_T_GET_TICKER, "other", "bybit");
    ck_assert_int_eq(authz_check(a, fx.alice, &r, &pinned, &err), 0);
    r = s_req(PROTO_T_RELOAD, "default", "");
    ck_assert_int_eq(authz_check(a, fx.alice, &r, &pinned, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "may not reload"));
    ck_assert_int_eq(authz_check(a, fx.ops, &r, &pinned, &err), 0);

    /* bob: two venues, must name one */
    pinned = false;
    r = s_req(PROTO_T_PLACE_ORDER, "hedge", "");
    ck_assert_int_eq(authz_check(a, fx.bob, &r, &pinned, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "name one with `venue`"));
    ck_assert(!pinned);
    r = s_req(PROTO_T_PLACE_ORDER, "hedge", "bybit");
    ck_assert_int_eq(authz_check(a, fx.bob, &r, &pinned, &err), 0);
    /* an account name that is a prefix of an allowed one is not allowed */
    r = s_req(PROTO_T_PLACE_ORDER, "hed", "bybit");
    ck_assert_int_eq(authz_check(a, fx.bob, &r, &pinned, &err), -1);

    /* ops: anything */
    r = s_req(PROTO_T_CANCEL_ALL, "anything", "");
    ck_assert_int_eq(authz_check(a, fx.ops, &r, &pinned, &err), 0);
    ck_assert_str_eq(r.venue, "");

    /* raw key line */
    r = s_req(PROTO_T_PLACE_ORDER, "raw-acct", "coindcx");
    ck_assert_int_eq(authz_check(a, fx.raw, &r, &pinned, &err), 0);

    /* unlisted and missing keys */
    char other[BUS_CURVE_KEY_SZ], sec[BUS_CURVE_KEY_SZ];
    zmq_curve_keypair(other, sec);
    r = s_req(PROTO_T_HEALTH, "default", "");
    ck_assert_int_eq(authz_check(a, other, &r, &pinned, &err), -1);
    ck_assert_int_eq(err.code, XR_AUTH);
    ck_assert_ptr_nonnull(strstr(err.msg, "not listed"));
    ck_assert_ptr_nonnull(strstr(err.msg, other));
    ck_assert_int_eq(authz_check(a, NULL, &r, &pinned, &err), -1);
    authz_destroy(&a);
    ck_assert_ptr_null(a);
}
END_TEST

/* Topics granted for a subscription: "N|t1 t2 ...". */
static const char *s_topics(const authz_t *a, const char *key, const char *topic)
{
    static char joined[AUTHZ_TOPICS_MAX * AUTHZ_TOPIC_SZ];
    char out[AUTHZ_TOPICS_MAX][AUTHZ_TOPIC_SZ];
    int n = authz_event_topics(a, key, topic, strlen(topic), out, AUTHZ_TOPICS_MAX);
    size_t len = (size_t) snprintf(joined, sizeof joined, "%d|", n);
    for (int i = 0; i < n; i++)
        len += (size_t) snprintf(joined + len, sizeof joined - len, "%s%s", i ? " " : "", out[i]);
    return joined;
}

START_TEST(event_topics)
{
    fx_t fx;
    s_fixture(&fx, "topics");
    err_t err = {0};
    authz_t *a = authz_load(fx.path, fx.dir, &err);
    ck_assert_ptr_nonnull(a);
    /* ops sees everything as asked */
    ck_assert_str_eq(s_topics(a, fx.ops, ""), "1|");
    ck_assert_str_eq(s_topics(a, fx.ops, "x.bybit."), "1|x.bybit.");
    /* alice (default / binance): everything narrows to default.binance. */
    ck_assert_str_eq(s_topics(a, fx.alice, ""), "1|default.binance.");
    ck_assert_str_eq(s_topics(a, fx.alice, "def"), "1|default.binance.");
    ck_assert_str_eq(s_topics(a, fx.alice, "default."), "1|default.binance.");
    ck_assert_str_eq(s_topics(a, fx.alice, "default.bi"), "1|default.binance.");
    ck_assert_str_eq(s_topics(a, fx.alice, "default.binance."), "1|default.binance.");
    ck_assert_str_eq(s_topics(a, fx.alice, "default.bybit."), "0|");
    ck_assert_str_eq(s_topics(a, fx.alice, "hedge."), "0|");
    ck_assert_str_eq(s_topics(a, fx.alice, "x"), "0|");
    /* bob (hedge,default / binance,bybit) */
    ck_assert_str_eq(s_topics(a, fx.bob, ""), "4|hedge.binance. hedge.bybit. default.binance. default.bybit.");
    ck_assert_str_eq(s_topics(a, fx.bob, "hedge.by"), "1|hedge.bybit.");
    /* carol-like: every account, some venues: a whole account can be narrowed, "" cannot */
    char text[256];
    snprintf(text, sizeof text, "%s * binance\n", fx.raw);
    s_write(fx.path, text);
    authz_t *b = authz_load(fx.path, fx.dir, &err);
    ck_assert_ptr_nonnull(b);
    ck_assert_str_eq(s_topics(b, fx.raw, ""), "0|");
    ck_assert_str_eq(s_topics(b, fx.raw, "any."), "1|any.binance.");
    ck_assert_str_eq(s_topics(b, fx.raw, "any.binance.x"), "1|any.binance.x");
    /* unknown keys and odd bytes get nothing */
    ck_assert_str_eq(s_topics(a, NULL, ""), "0|");
    char one[1][AUTHZ_TOPIC_SZ];
    ck_assert_int_eq(authz_event_topics(a, fx.alice, "de\0fault.", 10, one, 1), 0);
    ck_assert_int_eq(authz_event_topics(a, fx.bob, "", 0, one, 1), 0); /* needs 4: more than max is nothing */
    authz_destroy(&b);
    authz_destroy(&a);
}
END_TEST

START_TEST(malformed)
{
    fx_t fx;
    s_fixture(&fx, "malformed");
    err_t err = {0};
    static const char *const bad[] = {
        "alice default\n",                       /* missing venues */
        "alice default binance extra\n",         /* too many words */
        "alice default, binance\n",              /* empty item */
        "alice de;fault binance\n",              /* bad character */
        "alice default binance\nalice hedge *\n" /* same key twice */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_write(fx.path, bad[i]);
        ck_assert_ptr_null(authz_load(fx.path, fx.dir, &err));
        ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
        ck_assert_msg(strstr(err.msg, "clients.conf:") != NULL, "%s", err.msg);
    }
    ck_assert_ptr_null(authz_load("/nonexistent/clients.conf", fx.dir, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/clients.conf"));
    /* an empty file: nobody may do anything */
    s_write(fx.path, "# nobody\n");
    authz_t *a = authz_load(fx.path, fx.dir, &err);
    ck_assert_ptr_nonnull(a);
    ck_assert_uint_eq(authz_size(a), 0);
    authz_destroy(&a);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gateway_authz");
    TCase *tc = tcase_create("authz");
    tcase_add_test(tc, rules);
    tcase_add_test(tc, event_topics);
    tcase_add_test(tc, malformed);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
