/* rewrite: id and client replaced, every other key and the body byte-identical, errors leave out unchanged. */
#include "proto/rewrite.h"
#include "testutil.h"

#include <msgpack.h>
#include <string.h>

static void s_str(msgpack_packer *pk, const char *s)
{
    msgpack_pack_str(pk, strlen(s));
    msgpack_pack_str_body(pk, s, strlen(s));
}

/* {"v":1,"type":"place_order","id":<id>,["client":<client>,]"ts":123,"body":{"symbol":"ETH/USDT","q":[1,2]}} */
static msgpack_sbuffer s_envelope(const char *id, const char *client)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, client ? 6 : 5);
    s_str(&pk, "v");
    msgpack_pack_uint8(&pk, 1);
    s_str(&pk, "type");
    s_str(&pk, "place_order");
    s_str(&pk, "id");
    s_str(&pk, id);
    if (client) {
        s_str(&pk, "client");
        s_str(&pk, client);
    }
    s_str(&pk, "ts");
    msgpack_pack_int64(&pk, 123);
    s_str(&pk, "body");
    msgpack_pack_map(&pk, 2);
    s_str(&pk, "symbol");
    s_str(&pk, "ETH/USDT");
    s_str(&pk, "q");
    msgpack_pack_array(&pk, 2);
    msgpack_pack_int(&pk, 1);
    msgpack_pack_int(&pk, 2);
    return sb;
}

static void s_expect_same(const buf_t *got, const char *id, const char *client)
{
    msgpack_sbuffer want = s_envelope(id, client);
    ck_assert_uint_eq(got->len, want.size);
    ck_assert_int_eq(memcmp(got->data, want.data, want.size), 0);
    msgpack_sbuffer_destroy(&want);
}

START_TEST(test_replace_id_keep_rest)
{
    msgpack_sbuffer in = s_envelope("client-req-1", "c7");
    buf_t out;
    buf_init(&out, 4096);
    err_t err = {0};
    ck_assert_int_eq(proto_envelope_rewrite(in.data, in.size, "g42", NULL, &out, &err), 0);
    s_expect_same(&out, "g42", "c7");
    buf_reset(&out);
    ck_assert_int_eq(proto_envelope_rewrite(in.data, in.size, "g42", "gw-client-9", &out, &err), 0);
    s_expect_same(&out, "g42", "gw-client-9");
    buf_release(&out);
    msgpack_sbuffer_destroy(&in);
}
END_TEST

START_TEST(test_client_added_when_absent)
{
    msgpack_sbuffer in = s_envelope("x", NULL);
    buf_t out;
    buf_init(&out, 4096);
    ck_assert_int_eq(proto_envelope_rewrite(in.data, in.size, "y", "cl", &out, NULL), 0);
    /* same keys plus client at the end: check by unpacking */
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    ck_assert_int_eq(msgpack_unpack_next(&u, out.data, out.len, NULL), MSGPACK_UNPACK_SUCCESS);
    ck_assert_uint_eq(u.data.via.map.size, 6);
    msgpack_object_kv *last = &u.data.via.map.ptr[5];
    ck_assert_int_eq(memcmp(last->key.via.str.ptr, "client", 6), 0);
    ck_assert_int_eq(memcmp(last->val.via.str.ptr, "cl", 2), 0);
    msgpack_unpacked_destroy(&u);
    buf_release(&out);
    msgpack_sbuffer_destroy(&in);
}
END_TEST

START_TEST(test_errors_leave_out_unchanged)
{
    msgpack_sbuffer in = s_envelope("x", NULL);
    buf_t out;
    buf_init(&out, 16);
    buf_puts(&out, "keep");
    err_t err = {0};
    ck_assert_int_eq(proto_envelope_rewrite(in.data, in.size, "y", NULL, &out, &err), -1);
    ck_assert_str_eq(buf_cstr(&out), "keep");
    ck_assert_int_eq(proto_envelope_rewrite(in.data, in.size, "", NULL, &out, &err), -1);
    ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
    char long_id[80];
    memset(long_id, 'a', 79);
    long_id[79] = '\0';
    ck_assert_int_eq(proto_envelope_rewrite(in.data, in.size, long_id, NULL, &out, &err), -1);
    ck_assert_int_eq(proto_envelope_rewrite("\x92\x01\x02", 3, "y", NULL, &out, &err), -1);
    ck_assert_str_eq(err.msg, "envelope: not a msgpack map");
    ck_assert_int_eq(proto_envelope_rewrite("\xc1", 1, "y", NULL, &out, &err), -1);
    ck_assert_str_eq(buf_cstr(&out), "keep");
    buf_release(&out);
    msgpack_sbuffer_destroy(&in);
}
END_TEST

/* Keys and headers in longer encodings than needed (map16, str8 keys) are found all the same, and the
 * entries not replaced are copied byte for byte, encodings included. Trailing bytes after the map are not. */
START_TEST(test_long_encodings_copied_as_they_are)
{
    /* map16 of 3: str8 "id" -> "a", "v" -> 1, str8 "body" -> map16 {str8 "q": 1} */
    const unsigned char in[] = {0xde, 0x00, 0x03, 0xd9, 0x02, 'i', 'd', 0xa1, 'a', 0xa1, 'v', 0x01,
                                0xd9, 0x04, 'b', 'o', 'd', 'y', 0xde, 0x00, 0x01, 0xd9, 0x01, 'q', 0x01,
                                0xc0 /* trailing nil: not part of the envelope */};
    const unsigned char want[] = {0x83, 0xd9, 0x02, 'i', 'd', 0xa2, 'z', 'z', 0xa1, 'v', 0x01,
                                  0xd9, 0x04, 'b', 'o', 'd', 'y', 0xde, 0x00, 0x01, 0xd9, 0x01, 'q', 0x01};
    buf_t out;
    buf_init(&out, 4096);
    err_t err = {0};
    ck_assert_int_eq(proto_envelope_rewrite(in, sizeof in, "zz", NULL, &out, &err), 0);
    ck_assert_uint_eq(out.len, sizeof want);
    ck_assert_int_eq(memcmp(out.data, want, sizeof want), 0);
    /* a truncated body is refused and leaves out as it was */
    buf_reset(&out);
    ck_assert_int_eq(proto_envelope_rewrite(in, sizeof in - 3, "zz", NULL, &out, &err), -1);
    ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
    ck_assert_uint_eq(out.len, 0);
    buf_release(&out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rewrite");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_replace_id_keep_rest);
    tcase_add_test(tc, test_client_added_when_absent);
    tcase_add_test(tc, test_errors_leave_out_unchanged);
    tcase_add_test(tc, test_long_encodings_copied_as_they_are);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
