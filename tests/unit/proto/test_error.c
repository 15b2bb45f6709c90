/* error: the error body round-trips with every field, the code must be a known name other than OK, and an
 * err_t converts into it. */
#include "proto/proto.h"
#include "testutil.h"

#include <msgpack.h>
#include <string.h>

#define SET(dst, s) memcpy(dst, s, strlen(s) + 1)

START_TEST(round_trip_every_field)
{
    proto_error_t e = {0}, back;
    e.code = XR_INSUFFICIENT_BALANCE;
    SET(e.message, "");
    SET(e.venue_code, "110007");
    SET(e.venue_message, "ab not enough for new order");
    e.retry_after_ms = 0;
    SET(e.client_order_id, "c-1");
    SET(e.venue, "bybit");
    proto_header_t h;
    proto_header_init(&h, "e1");
    buf_t b;
    buf_init(&b, 8192);
    ck_assert_int_eq(proto_error_encode(&h, &e, &b, NULL), 0);
    proto_msg_t *m = proto_msg_new();
    ck_assert_int_eq(proto_msg_parse(m, b.data, b.len, &h, NULL), 0);
    ck_assert_int_eq(h.type, PROTO_T_ERROR);
    err_t err = {0};
    ck_assert_msg(proto_error_decode(m, &back, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(back.code, XR_INSUFFICIENT_BALANCE);
    ck_assert_str_eq(back.message, "");
    ck_assert_str_eq(back.venue_code, "110007");
    ck_assert_str_eq(back.venue_message, "ab not enough for new order");
    ck_assert_str_eq(back.client_order_id, "c-1");
    ck_assert_str_eq(back.venue, "bybit");
    /* A 1024-byte message fits; the limit is the field's. */
    memset(e.message, 'm', 1024);
    e.message[1024] = '\0';
    e.retry_after_ms = 250;
    buf_reset(&b);
    ck_assert_int_eq(proto_error_encode(&h, &e, &b, NULL), 0);
    ck_assert_int_eq(proto_msg_parse(m, b.data, b.len, &h, NULL), 0);
    ck_assert_int_eq(proto_error_decode(m, &back, &err), 0);
    ck_assert_uint_eq(strlen(back.message), 1024);
    ck_assert_int_eq(back.retry_after_ms, 250);
    proto_msg_destroy(&m);
    buf_release(&b);
}
END_TEST

static int s_decode_code(const char *code, err_t *err)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    const char *kv[] = {"type", "error", "id", "x"};
    msgpack_pack_map(&pk, 5);
    msgpack_pack_str(&pk, 1);
    msgpack_pack_str_body(&pk, "v", 1);
    msgpack_pack_int(&pk, 1);
    for (int i = 0; i < 4; i++) {
        msgpack_pack_str(&pk, strlen(kv[i]));
        msgpack_pack_str_body(&pk, kv[i], strlen(kv[i]));
    }
    msgpack_pack_str(&pk, 2);
    msgpack_pack_str_body(&pk, "ts", 2);
    msgpack_pack_int(&pk, 1);
    msgpack_pack_str(&pk, 4);
    msgpack_pack_str_body(&pk, "body", 4);
    msgpack_pack_map(&pk, 2);
    msgpack_pack_str(&pk, 4);
    msgpack_pack_str_body(&pk, "code", 4);
    msgpack_pack_str(&pk, strlen(code));
    msgpack_pack_str_body(&pk, code, strlen(code));
    msgpack_pack_str(&pk, 7);
    msgpack_pack_str_body(&pk, "message", 7);
    msgpack_pack_str(&pk, 1);
    msgpack_pack_str_body(&pk, "m", 1);
    proto_msg_t *m = proto_msg_new();
    proto_header_t h;
    ck_assert_int_eq(proto_msg_parse(m, sb.data, sb.size, &h, NULL), 0);
    proto_error_t e;
    int rc = proto_error_decode(m, &e, err);
    proto_msg_destroy(&m);
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

START_TEST(codes)
{
    err_t err = {0};
    for (int c = XR_INVALID_REQUEST; c < XR_CODE_COUNT_; c++)
        ck_assert_msg(s_decode_code(xr_code_name((xr_code_t) c), &err) == 0, "%s", err.msg);
    ck_assert_int_eq(s_decode_code("OK", &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "body.code: unknown error code \"OK\""));
    ck_assert_int_eq(s_decode_code("TEAPOT", &err), -1);
    ck_assert_int_eq(s_decode_code("invalid_request", &err), -1);
}
END_TEST

START_TEST(from_err)
{
    err_t err;
    err_set(&err, XR_PRECISION, "price 1.005 off tick 0.01");
    proto_error_t e;
    proto_error_from_err(&e, &err);
    ck_assert_int_eq(e.code, XR_PRECISION);
    ck_assert_str_eq(e.message, "price 1.005 off tick 0.01");
    ck_assert_str_eq(e.venue, "");
    err_clear(&err);
    proto_error_from_err(&e, &err);
    ck_assert_int_eq(e.code, XR_INTERNAL); /* an error reply never carries OK */
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("proto_error");
    TCase *tc = tcase_create("error");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, round_trip_every_field);
    tcase_add_test(tc, codes);
    tcase_add_test(tc, from_err);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(s_suite());
}
