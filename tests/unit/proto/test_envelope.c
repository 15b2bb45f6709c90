/* envelope: the reader refuses every malformed envelope with XR_INVALID_REQUEST naming the field (wrong
 * types, missing fields, bad version, oversized strings/maps/arrays/input, excessive nesting, trailing and
 * truncated bytes, reserved bytes, duplicate keys), never reads past the input (every prefix of a valid
 * envelope is refused), ignores unknown keys, treats nil as absent, salvages the id for error replies, and
 * is reusable across messages. Inputs are built here with msgpack-c's packer, independently of proto's. */
#include "proto/proto.h"
#include "testutil.h"

#include "base/mem.h"

#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    msgpack_sbuffer sb;
    msgpack_packer pk;
} s_pack_t;

static void s_init(s_pack_t *p)
{
    msgpack_sbuffer_init(&p->sb);
    msgpack_packer_init(&p->pk, &p->sb, msgpack_sbuffer_write);
}

static void s_str(s_pack_t *p, const char *s)
{
    msgpack_pack_str(&p->pk, strlen(s));
    msgpack_pack_str_body(&p->pk, s, strlen(s));
}

/* Starts an envelope map of n keys and writes v, type, id, ts and the key "body": the caller writes the
 * body value next, then any n - 5 further keys. */
static void s_head(s_pack_t *p, size_t n, const char *type)
{
    msgpack_pack_map(&p->pk, n);
    s_str(p, "v");
    msgpack_pack_uint8(&p->pk, 1);
    s_str(p, "type");
    s_str(p, type);
    s_str(p, "id");
    s_str(p, "id-1");
    s_str(p, "ts");
    msgpack_pack_int64(&p->pk, 1000);
    s_str(p, "body");
}

static proto_msg_t *s_msg;

static void s_setup(void)
{
    s_msg = proto_msg_new();
}

static void s_teardown(void)
{
    proto_msg_destroy(&s_msg);
    ck_assert_ptr_null(s_msg);
}

/* Parse must fail with a message containing want; returns the header for further checks. */
static proto_header_t s_refused(const void *data, size_t len, const char *want)
{
    proto_header_t h;
    err_t err = {0};
    ck_assert_int_eq(proto_msg_parse(s_msg, data, len, &h, &err), -1);
    ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
    ck_assert_msg(strstr(err.msg, want) != NULL, "got \"%s\", want \"%s\"", err.msg, want);
    ck_assert_int_eq(h.type, 0);
    ck_assert_int_eq(h.ts, 0);
    return h;
}

static void s_refused_pack(s_pack_t *p, const char *want)
{
    s_refused(p->sb.data, p->sb.size, want);
    msgpack_sbuffer_destroy(&p->sb);
}

START_TEST(minimal_envelope)
{
    s_pack_t p;
    s_init(&p);
    s_head(&p, 5, "health");
    msgpack_pack_map(&p.pk, 0);
    proto_header_t h;
    err_t err = {0};
    ck_assert_int_eq(proto_msg_parse(s_msg, p.sb.data, p.sb.size, &h, &err), 0);
    ck_assert_int_eq(h.v, 1);
    ck_assert_int_eq(h.type, PROTO_T_HEALTH);
    ck_assert_str_eq(h.type_name, "health");
    ck_assert_str_eq(h.id, "id-1");
    ck_assert_str_eq(h.client, "");
    ck_assert_int_eq(h.ts, 1000);
    ck_assert_int_eq(h.deadline, 0);
    ck_assert_str_eq(proto_msg_header(s_msg)->id, "id-1");
    msgpack_sbuffer_destroy(&p.sb);
}
END_TEST

START_TEST(client_deadline_unknown_keys_nil)
{
    s_pack_t p;
    s_init(&p);
    msgpack_pack_map(&p.pk, 8);
    s_str(&p, "future");
    msgpack_pack_array(&p.pk, 3);
    msgpack_pack_double(&p.pk, 1.5);
    msgpack_pack_bin(&p.pk, 2);
    msgpack_pack_bin_body(&p.pk, "ab", 2);
    msgpack_pack_ext(&p.pk, 1, 7);
    msgpack_pack_ext_body(&p.pk, "z", 1);
    s_str(&p, "client");
    s_str(&p, "cli-9");
    s_str(&p, "deadline");
    msgpack_pack_nil(&p.pk); /* nil = absent */
    s_str(&p, "v");
    msgpack_pack_uint8(&p.pk, 1);
    s_str(&p, "type");
    s_str(&p, "brand_new_type");
    s_str(&p, "id");
    s_str(&p, "x");
    s_str(&p, "ts");
    msgpack_pack_int64(&p.pk, -5); /* before 1970 is odd but an int */
    s_str(&p, "body");
    msgpack_pack_map(&p.pk, 0);
    proto_header_t h;
    err_t err = {0};
    ck_assert_msg(proto_msg_parse(s_msg, p.sb.data, p.sb.size, &h, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(h.client, "cli-9");
    ck_assert_int_eq(h.deadline, 0);
    ck_assert_int_eq(h.ts, -5);
    ck_assert_int_eq(h.type, PROTO_T_UNKNOWN); /* unknown types parse; the receiver answers UNSUPPORTED */
    ck_assert_str_eq(h.type_name, "brand_new_type");
    proto_request_t r;
    ck_assert_int_eq(proto_request_decode(s_msg, &r, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "not a request"));
    proto_result_t res;
    ck_assert_int_eq(proto_result_decode(s_msg, &res, &err), -1);
    proto_control_t c;
    ck_assert_int_eq(proto_control_decode(s_msg, &c, &err), -1);
    proto_event_t ev;
    ck_assert_int_eq(proto_event_decode(s_msg, &ev, &err), -1);
    proto_error_t e;
    ck_assert_int_eq(proto_error_decode(s_msg, &e, &err), -1);
    msgpack_sbuffer_destroy(&p.sb);
}
END_TEST

/* One header field replaced by a bad value. */
static void s_bad_field(const char *key, void (*bad)(s_pack_t *), const char *want)
{
    s_pack_t p;
    s_init(&p);
    const char *keys[] = {"v", "type", "id", "ts", "body"};
    msgpack_pack_map(&p.pk, 5);
    for (int i = 0; i < 5; i++) {
        s_str(&p, keys[i]);
        if (strcmp(keys[i], key) == 0) {
            bad(&p);
            continue;
        }
        switch (i) {
        case 0: msgpack_pack_uint8(&p.pk, 1); break;
        case 1: s_str(&p, "health"); break;
        case 2: s_str(&p, "id-1"); break;
        case 3: msgpack_pack_int64(&p.pk, 1); break;
        default: msgpack_pack_map(&p.pk, 0); break;
        }
    }
    s_refused_pack(&p, want);
}

static void s_put_str(s_pack_t *p) { s_str(p, "1"); }
static void s_put_int(s_pack_t *p) { msgpack_pack_int(&p->pk, 1); }
static void s_put_neg(s_pack_t *p) { msgpack_pack_int(&p->pk, -1); }
static void s_put_float(s_pack_t *p) { msgpack_pack_double(&p->pk, 1.0); }
static void s_put_nil(s_pack_t *p) { msgpack_pack_nil(&p->pk); }
static void s_put_v2(s_pack_t *p) { msgpack_pack_uint8(&p->pk, 2); }
static void s_put_array(s_pack_t *p) { msgpack_pack_array(&p->pk, 0); }
static void s_put_bin(s_pack_t *p)
{
    msgpack_pack_bin(&p->pk, 2);
    msgpack_pack_bin_body(&p->pk, "id", 2);
}
static void s_put_long_id(s_pack_t *p)
{
    char s[66];
    memset(s, 'a', 65);
    s[65] = '\0';
    s_str(p, s);
}
static void s_put_space_id(s_pack_t *p) { s_str(p, "a b"); }
static void s_put_empty(s_pack_t *p) { s_str(p, ""); }
static void s_put_nul(s_pack_t *p)
{
    msgpack_pack_str(&p->pk, 3);
    msgpack_pack_str_body(&p->pk, "a\0b", 3);
}
static void s_put_huge_u64(s_pack_t *p) { msgpack_pack_uint64(&p->pk, UINT64_MAX); }
static void s_put_long_type(s_pack_t *p)
{
    s_str(p, "a_type_name_longer_than_32_bytes_x");
}

START_TEST(header_fields_refused)
{
    s_bad_field("v", s_put_str, "v: must be int, got str");
    s_bad_field("v", s_put_neg, "v: must be >= 0");
    s_bad_field("v", s_put_v2, "v: unsupported version 2");
    s_bad_field("v", s_put_nil, "v: required");
    s_bad_field("v", s_put_float, "v: must be int, got float");
    s_bad_field("type", s_put_int, "type: must be str, got int");
    s_bad_field("type", s_put_empty, "type: must not be empty");
    s_bad_field("type", s_put_long_type, "type: longer than 32 bytes");
    s_bad_field("id", s_put_long_id, "id: longer than 64 bytes");
    s_bad_field("id", s_put_space_id, "id: must be printable");
    s_bad_field("id", s_put_bin, "id: must be str, got bin");
    s_bad_field("id", s_put_empty, "id: must not be empty");
    s_bad_field("id", s_put_nul, "id: contains a NUL byte");
    s_bad_field("ts", s_put_str, "ts: must be int, got str");
    s_bad_field("ts", s_put_huge_u64, "ts: out of range");
    s_bad_field("ts", s_put_nil, "ts: required");
    s_bad_field("body", s_put_array, "body: must be a map");
    s_bad_field("body", s_put_nil, "body: required");
}
END_TEST

START_TEST(missing_fields_refused)
{
    const char *keys[] = {"v", "type", "id", "ts", "body"};
    for (int skip = 0; skip < 5; skip++) {
        s_pack_t p;
        s_init(&p);
        msgpack_pack_map(&p.pk, 4);
        for (int i = 0; i < 5; i++) {
            if (i == skip)
                continue;
            s_str(&p, keys[i]);
            switch (i) {
            case 0: msgpack_pack_uint8(&p.pk, 1); break;
            case 1: s_str(&p, "health"); break;
            case 2: s_str(&p, "id-1"); break;
            case 3: msgpack_pack_int64(&p.pk, 1); break;
            default: msgpack_pack_map(&p.pk, 0); break;
            }
        }
        char want[32];
        snprintf(want, sizeof want, "%s: required", keys[skip]);
        s_refused_pack(&p, want);
    }
}
END_TEST

START_TEST(id_salvaged_on_failure)
{
    s_pack_t p;
    s_init(&p);
    msgpack_pack_map(&p.pk, 5);
    s_str(&p, "v");
    msgpack_pack_uint8(&p.pk, 9);
    s_str(&p, "type");
    s_str(&p, "health");
    s_str(&p, "id");
    s_str(&p, "keep-me");
    s_str(&p, "ts");
    msgpack_pack_int(&p.pk, 1);
    s_str(&p, "body");
    msgpack_pack_map(&p.pk, 0);
    proto_header_t h = s_refused(p.sb.data, p.sb.size, "v: unsupported version");
    ck_assert_str_eq(h.id, "keep-me");
    msgpack_sbuffer_destroy(&p.sb);
    /* An error reply to it echoes the id; with no readable id it uses "-". */
    buf_t out;
    buf_init(&out, 4096);
    ck_assert_int_eq(proto_error_reply(&h, XR_INVALID_REQUEST, &out, NULL, "bad %s", "version"), 0);
    proto_header_t rh;
    ck_assert_int_eq(proto_msg_parse(s_msg, out.data, out.len, &rh, NULL), 0);
    ck_assert_str_eq(rh.id, "keep-me");
    proto_error_t e;
    ck_assert_int_eq(proto_error_decode(s_msg, &e, NULL), 0);
    ck_assert_str_eq(e.message, "bad version");
    proto_header_t none;
    memset(&none, 0, sizeof none);
    buf_reset(&out);
    ck_assert_int_eq(proto_error_reply(&none, XR_INVALID_REQUEST, &out, NULL, "x"), 0);
    ck_assert_int_eq(proto_msg_parse(s_msg, out.data, out.len, &rh, NULL), 0);
    ck_assert_str_eq(rh.id, "-");
    buf_release(&out);
}
END_TEST

START_TEST(duplicate_keys_refused)
{
    s_pack_t p;
    s_init(&p);
    s_head(&p, 6, "health");
    msgpack_pack_map(&p.pk, 0);
    s_str(&p, "body");
    msgpack_pack_map(&p.pk, 0);
    s_refused_pack(&p, "body: duplicate key");
    /* A non-string key in the envelope map. */
    s_init(&p);
    msgpack_pack_map(&p.pk, 6);
    msgpack_pack_int(&p.pk, 1);
    msgpack_pack_int(&p.pk, 1);
    s_str(&p, "v");
    msgpack_pack_uint8(&p.pk, 1);
    s_str(&p, "type");
    s_str(&p, "health");
    s_str(&p, "id");
    s_str(&p, "id-1");
    s_str(&p, "ts");
    msgpack_pack_int(&p.pk, 1);
    s_str(&p, "body");
    msgpack_pack_map(&p.pk, 0);
    s_refused_pack(&p, "map key must be str");
}
END_TEST

START_TEST(structure_refused)
{
    s_refused("", 0, "empty");
    s_refused("\xc1", 1, "invalid msgpack byte 0xc1");
    s_refused("\x93\x01\x02", 3, "truncated");
    s_refused("\xdc\x27\x10", 3, "truncated");            /* array16 claiming 10000 items, none present */
    s_refused("\xdd\xff\xff\xff\xff", 5, "array of 4294967295 items exceeds 10000");
    s_refused("\xdf\x00\x01\x00\x00", 5, "map of 65536 entries exceeds 64");
    s_refused("\xdb\xff\xff\xff\xff", 5, "exceeds 65536");  /* str32 of 4 GiB */
    s_refused("\xc6\x00\x01\x00\x01", 5, "exceeds 65536");  /* bin32 just over */
    s_refused("\x80\x80", 2, "1 trailing bytes");
    s_refused("\xa3" "abc", 4, "must be a map");
    char *big = mem_calloc(1, PROTO_ENVELOPE_MAX + 1);
    s_refused(big, PROTO_ENVELOPE_MAX + 1, "exceeds 1048576");
    mem_free(big);
}
END_TEST

/* Nesting: 8 levels (envelope = 1, body = 2, six more) pass; 9 are refused. */
static void s_nested(int extra_levels, bool ok)
{
    s_pack_t p;
    s_init(&p);
    s_head(&p, 5, "health");
    msgpack_pack_map(&p.pk, 1); /* body, level 2 */
    s_str(&p, "deep");
    for (int i = 0; i < extra_levels - 1; i++)
        msgpack_pack_array(&p.pk, 1);
    msgpack_pack_array(&p.pk, 0);
    if (ok) {
        proto_header_t h;
        err_t err = {0};
        ck_assert_msg(proto_msg_parse(s_msg, p.sb.data, p.sb.size, &h, &err) == 0, "%s", err.msg);
        msgpack_sbuffer_destroy(&p.sb);
    } else {
        s_refused_pack(&p, "nesting deeper than 8");
    }
}

START_TEST(nesting_limit)
{
    s_nested(6, true);
    s_nested(7, false);
}
END_TEST

/* Maps of 64 entries pass, 65 are refused; arrays of 10000 items pass, 10001 are refused; strings in
 * unknown fields up to 65536 bytes pass. */
START_TEST(size_limits)
{
    for (int n = 64; n <= 65; n++) {
        s_pack_t p;
        s_init(&p);
        s_head(&p, 5, "health");
        msgpack_pack_map(&p.pk, n);
        for (int i = 0; i < n; i++) {
            char k[8];
            snprintf(k, sizeof k, "k%d", i);
            s_str(&p, k);
            msgpack_pack_nil(&p.pk);
        }
        if (n == 64) {
            ck_assert_int_eq(proto_msg_parse(s_msg, p.sb.data, p.sb.size, &(proto_header_t){0}, NULL), 0);
            msgpack_sbuffer_destroy(&p.sb);
        } else {
            s_refused_pack(&p, "map of 65 entries exceeds 64");
        }
    }
    for (int n = 10000; n <= 10001; n++) {
        s_pack_t p;
        s_init(&p);
        s_head(&p, 5, "health");
        msgpack_pack_map(&p.pk, 1);
        s_str(&p, "list");
        msgpack_pack_array(&p.pk, n);
        for (int i = 0; i < n; i++)
            msgpack_pack_int(&p.pk, i);
        if (n == 10000) {
            ck_assert_int_eq(proto_msg_parse(s_msg, p.sb.data, p.sb.size, &(proto_header_t){0}, NULL), 0);
            msgpack_sbuffer_destroy(&p.sb);
        } else {
            s_refused_pack(&p, "array of 10001 items exceeds 10000");
        }
    }
    s_pack_t p;
    s_init(&p);
    s_head(&p, 5, "health");
    msgpack_pack_map(&p.pk, 1);
    s_str(&p, "blob");
    char *s = mem_calloc(1, 65537);
    memset(s, 'q', 65537);
    msgpack_pack_str(&p.pk, 65536);
    msgpack_pack_str_body(&p.pk, s, 65536);
    ck_assert_int_eq(proto_msg_parse(s_msg, p.sb.data, p.sb.size, &(proto_header_t){0}, NULL), 0);
    msgpack_sbuffer_destroy(&p.sb);
    mem_free(s);
}
END_TEST

/* Every proper prefix of a valid envelope is refused, and none is read past (ASan build checks the reads:
 * each prefix is copied into an allocation of exactly its length). */
START_TEST(every_prefix_refused)
{
    s_pack_t p;
    s_init(&p);
    s_head(&p, 5, "place_order");
    msgpack_pack_map(&p.pk, 5);
    s_str(&p, "symbol");
    s_str(&p, "BTC/USDT");
    s_str(&p, "side");
    s_str(&p, "BUY");
    s_str(&p, "type");
    s_str(&p, "MARKET");
    s_str(&p, "quantity");
    s_str(&p, "0.5");
    s_str(&p, "metadata");
    msgpack_pack_map(&p.pk, 1);
    s_str(&p, "k");
    s_str(&p, "v");
    proto_header_t h;
    ck_assert_int_eq(proto_msg_parse(s_msg, p.sb.data, p.sb.size, &h, NULL), 0);
    proto_request_t r;
    ck_assert_int_eq(proto_request_decode(s_msg, &r, NULL), 0);
    proto_request_free(&r);
    for (size_t n = 0; n < p.sb.size; n++) {
        char *copy = mem_alloc(n ? n : 1);
        memcpy(copy, p.sb.data, n);
        err_t err = {0};
        ck_assert_int_eq(proto_msg_parse(s_msg, copy, n, &h, &err), -1);
        ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
        mem_free(copy);
    }
    msgpack_sbuffer_destroy(&p.sb);
}
END_TEST

/* One reader parses many messages in turn; the last parse decides. */
START_TEST(reader_reuse)
{
    buf_t out;
    buf_init(&out, PROTO_ENVELOPE_MAX);
    for (int i = 0; i < 1000; i++) {
        buf_reset(&out);
        char id[16];
        snprintf(id, sizeof id, "m%d", i);
        proto_header_t h;
        proto_header_init(&h, id);
        proto_control_t c;
        proto_control_init(&c, PROTO_T_EVENTS_ACK);
        memcpy(c.source, "w-1", 4);
        c.seq = (uint64_t) i;
        ck_assert_int_eq(proto_control_encode(&h, &c, &out, NULL), 0);
        proto_header_t got;
        ck_assert_int_eq(proto_msg_parse(s_msg, out.data, out.len, &got, NULL), 0);
        ck_assert_str_eq(got.id, id);
        proto_control_t back;
        ck_assert_int_eq(proto_control_decode(s_msg, &back, NULL), 0);
        ck_assert_uint_eq(back.seq, (uint64_t) i);
    }
    buf_release(&out);
}
END_TEST

START_TEST(type_names)
{
    for (int t = 1; t < PROTO_T_COUNT_; t++) {
        const char *name = proto_type_name((proto_type_t) t);
        ck_assert(name[0]);
        ck_assert_int_eq(proto_type_parse(name, strlen(name)), t);
    }
    ck_assert_str_eq(proto_type_name(PROTO_T_UNKNOWN), "");
    ck_assert_str_eq(proto_type_name(PROTO_T_COUNT_), "");
    ck_assert_int_eq(proto_type_parse("place_orde", 10), PROTO_T_UNKNOWN);
    ck_assert(proto_type_is_request(PROTO_T_PLACE_ORDER));
    ck_assert(proto_type_is_request(PROTO_T_VENUES));
    ck_assert(!proto_type_is_request(PROTO_T_RESULT));
    ck_assert(!proto_type_is_request(PROTO_T_UNKNOWN));
}
END_TEST

START_TEST(header_helpers)
{
    proto_header_t req;
    proto_header_init(&req, "abc");
    ck_assert_int_eq(req.v, 1);
    ck_assert_int_gt(req.ts, 1700000000000LL);
    memcpy(req.client, "cl", 3);
    req.deadline = 42;
    proto_header_t rep;
    proto_header_reply(&rep, &req);
    ck_assert_str_eq(rep.id, "abc");
    ck_assert_str_eq(rep.client, "cl");
    ck_assert_int_eq(rep.deadline, 0);
    /* A full buffer fails cleanly and leaves the buffer as it was. */
    buf_t small;
    buf_init(&small, 20);
    buf_puts(&small, "keep");
    err_t err = {0};
    ck_assert_int_eq(proto_error_reply(&req, XR_INTERNAL, &small, &err, "%s", "a long enough message"), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "message too large"));
    ck_assert_uint_eq(small.len, 4);
    ck_assert_str_eq(buf_cstr(&small), "keep");
    buf_release(&small);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("proto_envelope");
    TCase *tc = tcase_create("envelope");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, minimal_envelope);
    tcase_add_test(tc, client_deadline_unknown_keys_nil);
    tcase_add_test(tc, header_fields_refused);
    tcase_add_test(tc, missing_fields_refused);
    tcase_add_test(tc, id_salvaged_on_failure);
    tcase_add_test(tc, duplicate_keys_refused);
    tcase_add_test(tc, structure_refused);
    tcase_add_test(tc, nesting_limit);
    tcase_add_test(tc, size_limits);
    tcase_add_test(tc, every_prefix_refused);
    tcase_add_test(tc, reader_reuse);
    tcase_add_test(tc, type_names);
    tcase_add_test(tc, header_helpers);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(s_suite());
}
