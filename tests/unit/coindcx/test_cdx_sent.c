/* test_cdx_sent: the memory of orders sent (client id -> parameters, send time, venue id) and the matching
 * rule that recognises a sent order among listed ones, for a venue that keeps no client order ids. */
#include "coindcx/cdx_sent.h"
#include "testutil.h"

#include "base/mem.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

static decimal_t D(const char *s)
{
    decimal_t d;
    ck_assert_int_eq(decimal_from_str(s, &d, NULL), 0);
    return d;
}

static venue_order_t O(const char *id, venue_side_t side, venue_type_t t, const char *qty, const char *price,
                       int64_t created)
{
    venue_order_t o = {0};
    snprintf(o.order_id, sizeof o.order_id, "%s", id);
    snprintf(o.symbol, sizeof o.symbol, "ETH/USDT");
    o.side = side;
    o.type = t;
    o.quantity = D(qty);
    o.price = price ? D(price) : DECIMAL_ZERO;
    o.created_at = created;
    return o;
}

START_TEST(test_match_order)
{
    venue_order_t list[] = {
        O("a", VENUE_SIDE_BUY, VENUE_TYPE_LIMIT, "0.01", "2000.5", 1000),          /* too early */
        O("b", VENUE_SIDE_BUY, VENUE_TYPE_LIMIT, "0.01", "2000.5", 10100),         /* claimed by another id */
        O("c", VENUE_SIDE_BUY, VENUE_TYPE_LIMIT, "0.01", "2000.50", 10400),        /* match, further */
        O("d", VENUE_SIDE_BUY, VENUE_TYPE_LIMIT, "0.01", "2000.5", 10050),         /* match, closest */
        O("e", VENUE_SIDE_BUY, VENUE_TYPE_LIMIT, "0.011", "2000.5", 10000),        /* quantity differs */
        O("f", VENUE_SIDE_SELL, VENUE_TYPE_LIMIT, "0.01", "2000.5", 10000),        /* side differs */
        O("g", VENUE_SIDE_BUY, VENUE_TYPE_LIMIT, "0.01", "2000.4", 10000),         /* price differs */
        O("h", VENUE_SIDE_BUY, VENUE_TYPE_MARKET, "0.01", NULL, 10000),            /* type differs */
        O("i", VENUE_SIDE_BUY, VENUE_TYPE_LIMIT, "0.01", "2000.5", 10000 + 16000), /* too late */
    };
    coindcx_intent_t want = {.symbol = "ETH/USDT", .side = VENUE_SIDE_BUY, .type = VENUE_TYPE_LIMIT,
                             .quantity = D("0.01"), .price = D("2000.5"), .sent_ms = 10000};
    const char *claimed[] = {"b"};
    ck_assert_int_eq(coindcx_match_order(list, 9, &want, claimed, 1), 3);
    ck_assert_int_eq(coindcx_match_order(list, 3, &want, claimed, 1), 2);
    ck_assert_int_eq(coindcx_match_order(list, 3, &want, NULL, 0), 1);
    ck_assert_int_eq(coindcx_match_order(list, 2, &want, claimed, 1), -1);
    snprintf(want.symbol, sizeof want.symbol, "BTC/USDT");
    ck_assert_int_eq(coindcx_match_order(list, 9, &want, NULL, 0), -1);
    /* market orders match without a price; no send time: the newest unclaimed wins */
    coindcx_intent_t mk = {.symbol = "ETH/USDT", .side = VENUE_SIDE_BUY, .type = VENUE_TYPE_MARKET,
                           .quantity = D("0.01")};
    ck_assert_int_eq(coindcx_match_order(list, 9, &mk, NULL, 0), 7);
    want = (coindcx_intent_t){.symbol = "ETH/USDT", .side = VENUE_SIDE_BUY, .type = VENUE_TYPE_LIMIT,
                              .quantity = D("0.01"), .price = D("2000.5")};
    ck_assert_int_eq(coindcx_match_order(list, 9, &want, claimed, 1), 8);
}
END_TEST

static coindcx_intent_t I(venue_side_t side, const char *qty, const char *price, int64_t sent)
{
    coindcx_intent_t w = {.symbol = "ETH/USDT", .side = side, .type = VENUE_TYPE_LIMIT, .quantity = D(qty),
                          .price = D(price), .sent_ms = sent};
    return w;
}

START_TEST(test_record_lookup_forget)
{
    cdx_sent_t *s = mem_calloc(1, sizeof *s); /* zeroed = empty, as the runtime hands state over */
    ck_assert_ptr_null(cdx_sent_by_clid(s, "a"));
    coindcx_intent_t w = I(VENUE_SIDE_BUY, "0.01", "2000.5", 10000);
    cdx_sent_record(s, "a", &w);
    cdx_sent_record(s, "b", &w);
    ck_assert_ptr_nonnull(cdx_sent_by_clid(s, "a"));
    ck_assert_ptr_null(cdx_sent_by_id(s, "v-1"));
    cdx_sent_set_id(s, "a", "v-1");
    ck_assert_str_eq(cdx_sent_by_id(s, "v-1")->clid, "a");
    ck_assert_ptr_null(cdx_sent_by_clid(s, ""));
    ck_assert_ptr_null(cdx_sent_by_id(s, ""));
    /* a resend of the same id updates its entry rather than adding one */
    w.sent_ms = 20000;
    cdx_sent_record(s, "a", &w);
    ck_assert_uint_eq(s->n, 2);
    ck_assert_int_eq(cdx_sent_by_clid(s, "a")->sent.sent_ms, 20000);
    /* forgetting: only a send without a venue id */
    cdx_sent_forget(s, "a");
    ck_assert_ptr_nonnull(cdx_sent_by_clid(s, "a"));
    cdx_sent_forget(s, "b");
    ck_assert_ptr_null(cdx_sent_by_clid(s, "b"));
    const char *claimed[4];
    ck_assert_uint_eq(cdx_sent_claimed(s, "x", claimed, 4), 1);
    ck_assert_str_eq(claimed[0], "v-1");
    ck_assert_uint_eq(cdx_sent_claimed(s, "a", claimed, 4), 0);
    mem_free(s);
}
END_TEST

START_TEST(test_ring_forgets_the_oldest)
{
    cdx_sent_t *s = mem_calloc(1, sizeof *s);
    coindcx_intent_t w = I(VENUE_SIDE_BUY, "0.01", "2000.5", 10000);
    char clid[VENUE_CLID_MAX];
    for (int i = 0; i < CDX_SENT_MAX + 10; i++) {
        snprintf(clid, sizeof clid, "c-%d", i);
        cdx_sent_record(s, clid, &w);
    }
    ck_assert_ptr_null(cdx_sent_by_clid(s, "c-0"));
    ck_assert_ptr_null(cdx_sent_by_clid(s, "c-9"));
    ck_assert_ptr_nonnull(cdx_sent_by_clid(s, "c-10"));
    snprintf(clid, sizeof clid, "c-%d", CDX_SENT_MAX + 9);
    ck_assert_ptr_nonnull(cdx_sent_by_clid(s, clid));
    mem_free(s);
}
END_TEST

START_TEST(test_own_adopts_only_an_unambiguous_send)
{
    cdx_sent_t *s = mem_calloc(1, sizeof *s);
    coindcx_intent_t a = I(VENUE_SIDE_BUY, "0.01", "2000.5", 10000), b = I(VENUE_SIDE_SELL, "0.02", "2100", 10000);
    cdx_sent_record(s, "a", &a);
    cdx_sent_record(s, "b", &b);
    venue_order_t o = O("v-9", VENUE_SIDE_BUY, VENUE_TYPE_LIMIT, "0.01", "2000.5", 10300);
    cdx_sent_own(s, &o);
    ck_assert_str_eq(o.client_order_id, "a");
    ck_assert_str_eq(cdx_sent_by_clid(s, "a")->order_id, "v-9");
    /* known from now on by its id */
    venue_order_t again = O("v-9", VENUE_SIDE_BUY, VENUE_TYPE_LIMIT, "0.01", "2000.5", 10300);
    cdx_sent_own(s, &again);
    ck_assert_str_eq(again.client_order_id, "a");
    /* someone else's order with other parameters stays nobody's */
    venue_order_t other = O("v-10", VENUE_SIDE_BUY, VENUE_TYPE_LIMIT, "0.05", "2000.5", 10300);
    cdx_sent_own(s, &other);
    ck_assert_str_eq(other.client_order_id, "");
    /* two identical unresolved sends: ambiguous, left to the resolver */
    coindcx_intent_t c = I(VENUE_SIDE_BUY, "0.03", "1999", 10000);
    cdx_sent_record(s, "c1", &c);
    cdx_sent_record(s, "c2", &c);
    venue_order_t twin = O("v-11", VENUE_SIDE_BUY, VENUE_TYPE_LIMIT, "0.03", "1999", 10100);
    cdx_sent_own(s, &twin);
    ck_assert_str_eq(twin.client_order_id, "");
    ck_assert_str_eq(cdx_sent_by_clid(s, "c1")->order_id, "");
    mem_free(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cdx_sent");
    TCase *tc = tcase_create("sent");
    tcase_add_test(tc, test_match_order);
    tcase_add_test(tc, test_record_lookup_forget);
    tcase_add_test(tc, test_ring_forgets_the_oldest);
    tcase_add_test(tc, test_own_adopts_only_an_unambiguous_send);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
