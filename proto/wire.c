/* wire: the msgpack layer of proto: structural scan, table-driven strict decoding, and the encoder that
 * appends to a bounded buf_t. See wire.h for the contracts. */
#include "wire.h"

#include "base/decimal.h"
#include "base/mem.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

_Static_assert(sizeof(proto_side_t) == sizeof(int), "enums are stored as int");
_Static_assert(sizeof(xr_code_t) == sizeof(int), "codes are stored as int");

/* ---------------------------------------------------------------- structural scan */

static uint64_t s_be(const unsigned char *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

/* What a msgpack type byte announces. */
typedef struct {
    uint64_t n;        /* payload bytes to skip, or entries of a container (before reading lenbytes) */
    int container;     /* 0 scalar, 1 array, 2 map */
    size_t lenbytes;   /* bytes of a big-endian length that follows the type byte */
    bool ext;          /* an ext type: one type byte follows the length */
} s_head_t;

/* Classifies type byte b. Returns 0, or -1 for the reserved byte 0xc1. */
static int s_classify(unsigned b, s_head_t *h)
{
    memset(h, 0, sizeof *h);
    if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3)
        return 0; /* fixints, nil, bools */
    if (b <= 0xbf) {  /* fixmap, fixarray, fixstr */
        h->container = b <= 0x8f ? 2 : b <= 0x9f ? 1 : 0;
        h->n = b <= 0x9f ? (b & 0x0f) : (b & 0x1f);
        return 0;
    }
    switch (b) {
    case 0xc4: case 0xd9: h->lenbytes = 1; return 0;   /* bin8, str8 */
    case 0xc5: case 0xda: h->lenbytes = 2; return 0;   /* bin16, str16 */
    case 0xc6: case 0xdb: h->lenbytes = 4; return 0;   /* bin32, str32 */
    case 0xc7: h->lenbytes = 1, h->ext = true; return 0;
    case 0xc8: h->lenbytes = 2, h->ext = true; return 0;
    case 0xc9: h->lenbytes = 4, h->ext = true; return 0;
    case 0xca: h->n = 4; return 0;                     /* float32 */
    case 0xcb: h->n = 8; return 0;                     /* float64 */
    case 0xcc: case 0xd0: h->n = 1; return 0;
    case 0xcd: case 0xd1: h->n = 2; return 0;
    case 0xce: case 0xd2: h->n = 4; return 0;
    case 0xcf: case 0xd3: h->n = 8; return 0;
    case 0xd4: h->n = 2; return 0;                     /* fixext1: type byte + 1 */
    case 0xd5: h->n = 3; return 0;
    case 0xd6: h->n = 5; return 0;
    case 0xd7: h->n = 9; return 0;
    case 0xd8: h->n = 17; return 0;
    case 0xdc: h->container = 1, h->lenbytes = 2; return 0;
    case 0xdd: h->container = 1, h->lenbytes = 4; return 0;
    case 0xde: h->container = 2, h->lenbytes = 2; return 0;
    case 0xdf: h->container = 2, h->lenbytes = 4; return 0;
    default: return -1;                                /* 0xc1: never used */
    }
}

static int s_truncated(err_t *err)
{
    return err_set(err, XR_INVALID_REQUEST, "envelope: truncated msgpack");
}

static int s_scan(const unsigned char **pp, const unsigned char *end, int depth, err_t *err);

/* Scans the entries of a container of n entries (maps: 2n objects). */
static int s_scan_container(const unsigned char **pp, const unsigned char *end, const s_head_t *h, int depth,
                            err_t *err)
{
    if (depth > PROTO_DEPTH_MAX)
        return err_set(err, XR_INVALID_REQUEST, "envelope: nesting deeper than %d", PROTO_DEPTH_MAX);
    if (h->container == 2 && h->n > PROTO_MAP_MAX)
        return err_set(err, XR_INVALID_REQUEST, "envelope: map of %llu entries exceeds %d",
                       (unsigned long long) h->n, PROTO_MAP_MAX);
    if (h->container == 1 && h->n > PROTO_ARRAY_MAX)
        return err_set(err, XR_INVALID_REQUEST, "envelope: array of %llu items exceeds %d",
                       (unsigned long long) h->n, PROTO_ARRAY_MAX);
    uint64_t items = h->container == 2 ? 2 * h->n : h->n;
    if ((uint64_t) (end - *pp) < items) /* every item takes at least one byte */
        return s_truncated(err);
    for (uint64_t i = 0; i < items; i++) {
        if (s_scan(pp, end, depth + 1, err) != 0)
            return -1;
    }
    return 0;
}

/* Scans one object at *pp; advances *pp past it. depth is the level a container here would have. */
static int s_scan(const unsigned char **pp, const unsigned char *end, int depth, err_t *err)
{
    const unsigned char *p = *pp;
    if (p >= end)
        return s_truncated(err);
    unsigned b = *p++;
    s_head_t h;
    if (s_classify(b, &h) != 0)
        return err_set(err, XR_INVALID_REQUEST, "envelope: invalid msgpack byte 0x%02x", b);
    if (h.lenbytes) {
        if ((size_t) (end - p) < h.lenbytes)
            return s_truncated(err);
        h.n = s_be(p, h.lenbytes);
        p += h.lenbytes;
    }
    if (h.container) {
        *pp = p;
        return s_scan_container(pp, end, &h, depth, err);
    }
    if (h.n > PROTO_RAW_MAX)
        return err_set(err, XR_INVALID_REQUEST, "envelope: string or binary of %llu bytes exceeds %u",
                       (unsigned long long) h.n, PROTO_RAW_MAX);
    uint64_t skip = h.n + (h.ext ? 1 : 0);
    if ((uint64_t) (end - p) < skip)
        return s_truncated(err);
    *pp = p + skip;
    return 0;
}

int wire_skip(const unsigned char **pp, const unsigned char *end, err_t *err)
{
    return s_scan(pp, end, 1, err);
}

int wire_map_head(const unsigned char **pp, const unsigned char *end, uint32_t *n)
{
    const unsigned char *p = *pp;
    s_head_t h;
    if (p >= end || s_classify(*p++, &h) != 0 || h.container != 2 || (size_t) (end - p) < h.lenbytes)
        return -1;
    if (h.lenbytes) {
        h.n = s_be(p, h.lenbytes);
        p += h.lenbytes;
    }
    *n = (uint32_t) h.n;
    *pp = p;
    return 0;
}

bool wire_is_str(const unsigned char *p, const unsigned char *end, const char *s)
{
    s_head_t h;
    if (p >= end || !((*p >= 0xa0 && *p <= 0xbf) || (*p >= 0xd9 && *p <= 0xdb)) || s_classify(*p++, &h) != 0 ||
        (size_t) (end - p) < h.lenbytes)
        return false;
    if (h.lenbytes) {
        h.n = s_be(p, h.lenbytes);
        p += h.lenbytes;
    }
    size_t n = strlen(s);
    return h.n == n && (size_t) (end - p) == n && memcmp(p, s, n) == 0;
}

int wire_scan(const char *data, size_t len, err_t *err)
{
    if (len == 0)
        return err_set(err, XR_INVALID_REQUEST, "envelope: empty");
    if (len > PROTO_ENVELOPE_MAX)
        return err_set(err, XR_INVALID_REQUEST, "envelope: %zu bytes exceeds %u", len, PROTO_ENVELOPE_MAX);
    const unsigned char *p = (const unsigned char *) data;
    const unsigned char *end = p + len;
    if (s_scan(&p, end, 1, err) != 0)
        return -1;
    if (p != end)
        return err_set(err, XR_INVALID_REQUEST, "envelope: %zu trailing bytes", (size_t) (end - p));
    return 0;
}

/* ---------------------------------------------------------------- errors and paths */

static size_t s_path_format(const wire_path_t *path, char *out, size_t cap)
{
    if (!path)
        return 0;
    size_t n = s_path_format(path->parent, out, cap);
    int w;
    if (path->key)
        w = snprintf(out + n, cap - n, "%s%s", n ? "." : "", path->key);
    else
        w = snprintf(out + n, cap - n, "[%zu]", path->index);
    if (w < 0)
        return n;
    n += (size_t) w;
    return n < cap ? n : cap - 1;
}

int wire_fail(err_t *err, const wire_path_t *path, const char *key, const char *fmt, ...)
{
    if (!err)
        return -1;
    char where[128] = "";
    wire_path_t leaf = {path, key, 0};
    s_path_format(key ? &leaf : path, where, sizeof where);
    char what[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return err_set(err, XR_INVALID_REQUEST, "%s: %s", where[0] ? where : "envelope", what);
}

static const char *s_type_name(msgpack_object_type t)
{
    switch (t) {
    case MSGPACK_OBJECT_NIL: return "nil";
    case MSGPACK_OBJECT_BOOLEAN: return "bool";
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: return "int";
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64: return "float";
    case MSGPACK_OBJECT_STR: return "str";
    case MSGPACK_OBJECT_ARRAY: return "array";
    case MSGPACK_OBJECT_MAP: return "map";
    case MSGPACK_OBJECT_BIN: return "bin";
    default: return "ext";
    }
}

static int s_wrong_type(err_t *err, const wire_path_t *path, const char *key, const char *want,
                        const msgpack_object *o)
{
    return wire_fail(err, path, key, "must be %s, got %s", want, s_type_name(o->type));
}

/* ---------------------------------------------------------------- decoding */

static bool s_key_eq(const msgpack_object *k, const char *key)
{
    size_t n = strlen(key);
    return k->type == MSGPACK_OBJECT_STR && k->via.str.size == n && memcmp(k->via.str.ptr, key, n) == 0;
}

/* s_key_eq for a table field, whose key length is known. */
static bool s_field_key_eq(const msgpack_object *k, const wire_field_t *f)
{
    return k->via.str.size == f->keylen && memcmp(k->via.str.ptr, f->key, f->keylen) == 0;
}

const msgpack_object *wire_get(const msgpack_object *map, const char *key)
{
    if (map->type != MSGPACK_OBJECT_MAP)
        return NULL;
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object_kv *kv = &map->via.map.ptr[i];
        if (s_key_eq(&kv->key, key))
            return kv->val.type == MSGPACK_OBJECT_NIL ? NULL : &kv->val;
    }
    return NULL;
}

int wire_check_map(const msgpack_object *obj, const char *const *keys, const wire_path_t *path, err_t *err)
{
    if (obj->type != MSGPACK_OBJECT_MAP)
        return s_wrong_type(err, path, NULL, "a map", obj);
    const msgpack_object_kv *kv = obj->via.map.ptr;
    for (uint32_t i = 0; i < obj->via.map.size; i++) {
        if (kv[i].key.type != MSGPACK_OBJECT_STR)
            return wire_fail(err, path, NULL, "map key must be str, got %s", s_type_name(kv[i].key.type));
        for (size_t k = 0; keys && keys[k]; k++) {
            if (!s_key_eq(&kv[i].key, keys[k]))
                continue;
            for (uint32_t j = 0; j < i; j++) {
                if (s_key_eq(&kv[j].key, keys[k]))
                    return wire_fail(err, path, keys[k], "duplicate key");
            }
        }
    }
    return 0;
}

int wire_get_str(const msgpack_object *obj, char *out, size_t size, const wire_path_t *path, const char *key,
                 err_t *err)
{
    if (obj->type != MSGPACK_OBJECT_STR)
        return s_wrong_type(err, path, key, "str", obj);
    uint32_t n = obj->via.str.size;
    if (n > size - 1)
        return wire_fail(err, path, key, "longer than %zu bytes", size - 1);
    if (n && memchr(obj->via.str.ptr, '\0', n))
        return wire_fail(err, path, key, "contains a NUL byte");
    memcpy(out, obj->via.str.ptr, n);
    out[n] = '\0';
    return 0;
}

int wire_get_array(const msgpack_object *obj, size_t max, const msgpack_object_array **arr,
                   const wire_path_t *path, const char *key, err_t *err)
{
    if (obj->type != MSGPACK_OBJECT_ARRAY)
        return s_wrong_type(err, path, key, "an array", obj);
    if (obj->via.array.size > max)
        return wire_fail(err, path, key, "more than %zu items", max);
    *arr = &obj->via.array;
    return 0;
}

/* Plain decimal text: -?[0-9]+(\.[0-9]+)? */
static bool s_plain_decimal(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && s[i] == '-')
        i++;
    size_t digits = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++, digits++;
    if (!digits)
        return false;
    if (i == n)
        return true;
    if (s[i++] != '.')
        return false;
    digits = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++, digits++;
    return digits && i == n;
}

static int s_get_dec(const msgpack_object *o, const wire_field_t *f, decimal_t *out, const wire_path_t *path,
                     err_t *err)
{
    if (o->type != MSGPACK_OBJECT_STR)
        return s_wrong_type(err, path, f->key, "a decimal string", o);
    const char *s = o->via.str.ptr;
    size_t n = o->via.str.size;
    if (n > 64 || !s_plain_decimal(s, n))
        return wire_fail(err, path, f->key, "not a plain decimal");
    err_t derr;
    if (decimal_parse(s, n, out, &derr) != 0)
        return wire_fail(err, path, f->key, "%s", derr.msg);
    int sign = decimal_sign(*out);
    bool check = (f->flags & W_REQ) || sign != 0;
    if (check && (f->flags & W_POS) && sign <= 0)
        return wire_fail(err, path, f->key, "must be > 0");
    if ((f->flags & W_NONNEG) && sign < 0)
        return wire_fail(err, path, f->key, "must be >= 0");
    return 0;
}

static int s_get_int(const msgpack_object *o, const wire_field_t *f, int64_t *out, const wire_path_t *path,
                     err_t *err)
{
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        if (o->via.u64 > INT64_MAX)
            return wire_fail(err, path, f->key, "out of range");
        *out = (int64_t) o->via.u64;
    } else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        *out = o->via.i64;
    } else {
        return s_wrong_type(err, path, f->key, "int", o);
    }
    return 0;
}

static int s_get_uint(const msgpack_object *o, const wire_field_t *f, uint64_t max, uint64_t *out,
                      const wire_path_t *path, err_t *err)
{
    if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
        return wire_fail(err, path, f->key, "must be >= 0");
    if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
        return s_wrong_type(err, path, f->key, "int", o);
    if (o->via.u64 > max)
        return wire_fail(err, path, f->key, "out of range");
    *out = o->via.u64;
    return 0;
}

static int s_get_enum(const msgpack_object *o, const wire_field_t *f, int *out, const wire_path_t *path,
                      err_t *err)
{
    if (o->type != MSGPACK_OBJECT_STR)
        return s_wrong_type(err, path, f->key, "str", o);
    size_t n = o->via.str.size;
    if (n == 0 && !(f->flags & W_REQ)) {
        *out = 0;
        return 0;
    }
    for (size_t i = 1; i < f->n_names; i++) {
        if (strlen(f->names[i]) == n && memcmp(f->names[i], o->via.str.ptr, n) == 0) {
            *out = (int) i;
            return 0;
        }
    }
    return wire_fail(err, path, f->key, "unknown value \"%.*s\"", (int) (n > 32 ? 32 : n), o->via.str.ptr);
}

static int s_get_code(const msgpack_object *o, const wire_field_t *f, int *out, const wire_path_t *path,
                      err_t *err)
{
    char name[40];
    if (wire_get_str(o, name, sizeof name, path, f->key, err) != 0)
        return -1;
    xr_code_t code;
    if (xr_code_parse(name, &code) != 0 || code == XR_OK)
        return wire_fail(err, path, f->key, "unknown error code \"%s\"", name);
    *out = (int) code;
    return 0;
}

static int s_get_meta(const msgpack_object *o, const wire_field_t *f, proto_meta_t *m, const wire_path_t *path,
                      err_t *err)
{
    if (o->type != MSGPACK_OBJECT_MAP)
        return s_wrong_type(err, path, f->key, "a map", o);
    uint32_t n = o->via.map.size;
    if (n > PROTO_META_MAX)
        return wire_fail(err, path, f->key, "more than %d entries", PROTO_META_MAX);
    if (n == 0)
        return 0;
    wire_path_t here = {path, f->key, 0};
    m->items = mem_calloc(n, sizeof *m->items);
    for (uint32_t i = 0; i < n; i++) {
        const msgpack_object_kv *kv = &o->via.map.ptr[i];
        proto_kv_t *e = &m->items[i];
        if (wire_get_str(&kv->key, e->key, sizeof e->key, &here, NULL, err) != 0)
            return -1;
        if (!e->key[0])
            return wire_fail(err, &here, NULL, "empty key");
        if (wire_get_str(&kv->val, e->value, sizeof e->value, &here, e->key, err) != 0)
            return -1;
        for (uint32_t j = 0; j < i; j++) {
            if (strcmp(m->items[j].key, e->key) == 0)
                return wire_fail(err, &here, e->key, "duplicate key");
        }
        m->count = i + 1;
    }
    return 0;
}

static int s_get_raw(const msgpack_object *o, const wire_field_t *f, proto_raw_t *r, const wire_path_t *path,
                     err_t *err)
{
    if (o->type != MSGPACK_OBJECT_STR)
        return s_wrong_type(err, path, f->key, "str", o);
    if (o->via.str.size > PROTO_RAW_MAX)
        return wire_fail(err, path, f->key, "longer than %d bytes", PROTO_RAW_MAX);
    if (o->via.str.size && memchr(o->via.str.ptr, '\0', o->via.str.size))
        return wire_fail(err, path, f->key, "contains a NUL byte");
    if (o->via.str.size)
        proto_raw_set(r, o->via.str.ptr, o->via.str.size);
    return 0;
}

static int s_check_range(const wire_field_t *f, int64_t lo_v, uint64_t v, bool is_signed, bool present_nonzero,
                         const wire_path_t *path, err_t *err)
{
    if (!(f->flags & W_RANGE) || !((f->flags & W_REQ) || present_nonzero))
        return 0;
    bool below = is_signed ? lo_v < f->lo : (f->lo > 0 && v < (uint64_t) f->lo);
    bool above = is_signed ? lo_v > f->hi : v > (uint64_t) f->hi;
    if (below || above)
        return wire_fail(err, path, f->key, "must be %lld..%lld", (long long) f->lo, (long long) f->hi);
    return 0;
}

/* Runs the field's format check; the path text is built only when the check fails. */
static int s_check_str(const wire_field_t *f, const char *s, const wire_path_t *path, err_t *err)
{
    if (!f->check || f->check(s, f->key, NULL) == 0)
        return 0;
    char where[128] = "";
    wire_path_t leaf = {path, f->key, 0};
    s_path_format(&leaf, where, sizeof where);
    return f->check(s, where, err);
}

static int s_get_field(const msgpack_object *o, const wire_field_t *f, char *base, const wire_path_t *path,
                       err_t *err)
{
    void *dst = base + f->offset;
    switch (f->kind) {
    case W_STR: {
        char *s = dst;
        if (wire_get_str(o, s, f->size, path, f->key, err) != 0)
            return -1;
        if (!s[0]) {
            if ((f->flags & W_REQ) && !(f->flags & W_EMPTY_OK))
                return wire_fail(err, path, f->key, "must not be empty");
            return 0;
        }
        return s_check_str(f, s, path, err);
    }
    case W_DEC:
        return s_get_dec(o, f, dst, path, err);
    case W_I64: {
        int64_t v = 0;
        if (s_get_int(o, f, &v, path, err) != 0)
            return -1;
        memcpy(dst, &v, sizeof v);
        return s_check_range(f, v, 0, true, v != 0, path, err);
    }
    case W_U32:
    case W_U64: {
        uint64_t v = 0;
        if (s_get_uint(o, f, f->kind == W_U32 ? UINT32_MAX : UINT64_MAX, &v, path, err) != 0)
            return -1;
        if (f->kind == W_U32) {
            uint32_t v32 = (uint32_t) v;
            memcpy(dst, &v32, sizeof v32);
        } else {
            memcpy(dst, &v, sizeof v);
        }
        return s_check_range(f, 0, v, false, v != 0, path, err);
    }
    case W_BOOL:
        if (o->type != MSGPACK_OBJECT_BOOLEAN)
            return s_wrong_type(err, path, f->key, "bool", o);
        *(bool *) dst = o->via.boolean;
        return 0;
    case W_ENUM:
        return s_get_enum(o, f, dst, path, err);
    case W_CODE:
        return s_get_code(o, f, dst, path, err);
    case W_META:
        return s_get_meta(o, f, dst, path, err);
    case W_RAW:
        return s_get_raw(o, f, dst, path, err);
    }
    return wire_fail(err, path, f->key, "internal: unknown kind");
}

/* A required field that arrived as its zero value where zero is not a value (enums). */
static bool s_required_zero(const wire_field_t *f, const char *base)
{
    int v;
    if (f->kind != W_ENUM)
        return false;
    memcpy(&v, base + f->offset, sizeof v);
    return v == 0;
}

void wire_free(const wire_desc_t *desc, void *obj)
{
    char *base = obj;
    for (size_t i = 0; i < desc->n; i++) {
        const wire_field_t *f = &desc->fields[i];
        if (f->kind == W_META)
            proto_meta_free((proto_meta_t *) (base + f->offset));
        else if (f->kind == W_RAW)
            proto_raw_free((proto_raw_t *) (base + f->offset));
    }
    memset(obj, 0, desc->size);
}

int wire_decode(const msgpack_object *obj, const wire_desc_t *desc, void *out, const wire_path_t *path,
                err_t *err)
{
    assert(desc->n <= 64);
    memset(out, 0, desc->size);
    if (obj->type != MSGPACK_OBJECT_MAP)
        return s_wrong_type(err, path, NULL, "a map", obj);
    uint64_t seen = 0;
    char *base = out;
    for (uint32_t i = 0; i < obj->via.map.size; i++) {
        const msgpack_object_kv *kv = &obj->via.map.ptr[i];
        if (kv->key.type != MSGPACK_OBJECT_STR) {
            wire_fail(err, path, NULL, "map key must be str, got %s", s_type_name(kv->key.type));
            goto fail;
        }
        size_t j = 0;
        while (j < desc->n && !s_field_key_eq(&kv->key, &desc->fields[j]))
            j++;
        if (j == desc->n)
            continue; /* unknown keys are ignored */
        const wire_field_t *f = &desc->fields[j];
        if (seen & (1ull << j)) {
            wire_fail(err, path, f->key, "duplicate key");
            goto fail;
        }
        seen |= 1ull << j;
        if (kv->val.type == MSGPACK_OBJECT_NIL) {
            seen &= ~(1ull << j); /* nil is absent */
            continue;
        }
        if (s_get_field(&kv->val, f, base, path, err) != 0)
            goto fail;
    }
    for (size_t j = 0; j < desc->n; j++) {
        const wire_field_t *f = &desc->fields[j];
        if ((f->flags & W_REQ) && (!(seen & (1ull << j)) || s_required_zero(f, base))) {
            wire_fail(err, path, f->key, "required");
            goto fail;
        }
    }
    return 0;
fail:
    wire_free(desc, out);
    return -1;
}

/* ---------------------------------------------------------------- encoding */

static int s_write(void *data, const char *buf, size_t len)
{
    wire_writer_t *w = data;
    if (w->failed)
        return -1;
    if (buf_append(w->out, buf, len) != 0) {
        w->failed = true;
        return -1;
    }
    return 0;
}

void wire_writer_init(wire_writer_t *w, buf_t *out)
{
    w->out = out;
    w->start = out->len;
    w->failed = false;
    msgpack_packer_init(&w->pk, w, s_write);
}

int wire_writer_end(wire_writer_t *w, err_t *err)
{
    if (!w->failed)
        return 0;
    /* buf_t has no truncate; its fields are public and the NUL rule is kept by hand. */
    w->out->len = w->start;
    if (w->out->data)
        w->out->data[w->start] = '\0';
    return err_set(err, XR_INVALID_REQUEST, "message too large (limit %zu bytes)", w->out->max);
}

void wire_put_str(wire_writer_t *w, const char *s, size_t len)
{
    msgpack_pack_str(&w->pk, len);
    msgpack_pack_str_body(&w->pk, s, len);
}

void wire_put_cstr(wire_writer_t *w, const char *s)
{
    wire_put_str(w, s, strlen(s));
}

void wire_put_key(wire_writer_t *w, const char *key)
{
    wire_put_cstr(w, key);
}

void wire_put_dec(wire_writer_t *w, decimal_t v)
{
    char text[DECIMAL_STR_MAX];
    size_t n = decimal_format(v, text, sizeof text);
    assert(n > 0);
    wire_put_str(w, text, n);
}

void wire_put_int(wire_writer_t *w, int64_t v)
{
    msgpack_pack_int64(&w->pk, v);
}

void wire_put_uint(wire_writer_t *w, uint64_t v)
{
    msgpack_pack_uint64(&w->pk, v);
}

void wire_put_bool(wire_writer_t *w, bool v)
{
    if (v)
        msgpack_pack_true(&w->pk);
    else
        msgpack_pack_false(&w->pk);
}

void wire_put_raw(wire_writer_t *w, const void *data, size_t len)
{
    s_write(w, data, len);
}

void wire_put_map(wire_writer_t *w, size_t n)
{
    msgpack_pack_map(&w->pk, n);
}

void wire_put_array(wire_writer_t *w, size_t n)
{
    msgpack_pack_array(&w->pk, n);
}

/* True if the field holds its zero value (and so is omitted when optional). */
static bool s_is_zero(const wire_field_t *f, const char *base)
{
    const void *p = base + f->offset;
    switch (f->kind) {
    case W_STR: return ((const char *) p)[0] == '\0';
    case W_DEC: return decimal_is_zero(*(const decimal_t *) p);
    case W_I64: return *(const int64_t *) p == 0;
    case W_U32: return *(const uint32_t *) p == 0;
    case W_U64: return *(const uint64_t *) p == 0;
    case W_BOOL: return !*(const bool *) p;
    case W_ENUM:
    case W_CODE: return *(const int *) p == 0;
    case W_META: return ((const proto_meta_t *) p)->count == 0;
    case W_RAW: return ((const proto_raw_t *) p)->data == NULL;
    }
    return true;
}

size_t wire_count(const wire_desc_t *desc, const void *obj)
{
    size_t n = 0;
    for (size_t i = 0; i < desc->n; i++) {
        if ((desc->fields[i].flags & W_REQ) || !s_is_zero(&desc->fields[i], obj))
            n++;
    }
    return n;
}

static void s_put_enum(wire_writer_t *w, const wire_field_t *f, int v)
{
    assert(v >= 0 && (size_t) v < f->n_names);
    wire_put_cstr(w, f->names[v]);
}

static void s_put_field(wire_writer_t *w, const wire_field_t *f, const char *base)
{
    const void *p = base + f->offset;
    wire_put_str(w, f->key, f->keylen);
    switch (f->kind) {
    case W_STR: wire_put_str(w, p, strnlen(p, f->size)); break;
    case W_DEC: wire_put_dec(w, *(const decimal_t *) p); break;
    case W_I64: wire_put_int(w, *(const int64_t *) p); break;
    case W_U32: wire_put_uint(w, *(const uint32_t *) p); break;
    case W_U64: wire_put_uint(w, *(const uint64_t *) p); break;
    case W_BOOL: wire_put_bool(w, *(const bool *) p); break;
    case W_ENUM: s_put_enum(w, f, *(const int *) p); break;
    case W_CODE: wire_put_cstr(w, xr_code_name(*(const xr_code_t *) p)); break;
    case W_META: {
        const proto_meta_t *m = p;
        wire_put_map(w, m->count);
        for (size_t i = 0; i < m->count; i++) {
            wire_put_cstr(w, m->items[i].key);
            wire_put_cstr(w, m->items[i].value);
        }
        break;
    }
    case W_RAW: {
        const proto_raw_t *r = p;
        wire_put_str(w, r->data ? r->data : "", r->len);
        break;
    }
    }
}

void wire_put_fields(wire_writer_t *w, const wire_desc_t *desc, const void *obj)
{
    for (size_t i = 0; i < desc->n; i++) {
        const wire_field_t *f = &desc->fields[i];
        if ((f->flags & W_REQ) || !s_is_zero(f, obj))
            s_put_field(w, f, obj);
    }
}

void wire_put_struct(wire_writer_t *w, const wire_desc_t *desc, const void *obj)
{
    wire_put_map(w, wire_count(desc, obj));
    wire_put_fields(w, desc, obj);
}

void wire_put_envelope(wire_writer_t *w, const proto_header_t *h, const char *type)
{
    size_t n = 5 + (h->client[0] != '\0') + (h->deadline != 0);
    wire_put_map(w, n);
    wire_put_key(w, "v");
    wire_put_uint(w, h->v ? h->v : PROTO_VERSION);
    wire_put_key(w, "type");
    wire_put_cstr(w, type);
    wire_put_key(w, "id");
    wire_put_str(w, h->id, strnlen(h->id, sizeof h->id));
    if (h->client[0]) {
        wire_put_key(w, "client");
        wire_put_str(w, h->client, strnlen(h->client, sizeof h->client));
    }
    wire_put_key(w, "ts");
    wire_put_int(w, h->ts);
    if (h->deadline) {
        wire_put_key(w, "deadline");
        wire_put_int(w, h->deadline);
    }
    wire_put_key(w, "body");
}

/* ---------------------------------------------------------------- validation of built values */

static bool s_is_zero_field(const wire_field_t *f, const char *base);

static int s_validate_field(const wire_field_t *f, const char *base, const wire_path_t *path, err_t *err)
{
    const void *p = base + f->offset;
    bool zero = s_is_zero_field(f, base);
    if (zero) {
        bool zero_ok = f->kind == W_BOOL || f->kind == W_I64 || f->kind == W_U32 || f->kind == W_U64 ||
                       f->kind == W_DEC || (f->flags & W_EMPTY_OK);
        if ((f->flags & W_REQ) && !zero_ok)
            return wire_fail(err, path, f->key, "required");
    }
    switch (f->kind) {
    case W_STR:
        if (strnlen(p, f->size) >= f->size)
            return wire_fail(err, path, f->key, "not terminated");
        return zero ? 0 : s_check_str(f, p, path, err);
    case W_DEC: {
        int sign = decimal_sign(*(const decimal_t *) p);
        if ((f->flags & W_POS) && ((f->flags & W_REQ) || sign != 0) && sign <= 0)
            return wire_fail(err, path, f->key, "must be > 0");
        if ((f->flags & W_NONNEG) && sign < 0)
            return wire_fail(err, path, f->key, "must be >= 0");
        return 0;
    }
    case W_I64:
        return s_check_range(f, *(const int64_t *) p, 0, true, !zero, path, err);
    case W_U32:
        return s_check_range(f, 0, *(const uint32_t *) p, false, !zero, path, err);
    case W_U64:
        return s_check_range(f, 0, *(const uint64_t *) p, false, !zero, path, err);
    case W_ENUM:
        if (*(const int *) p < 0 || (size_t) * (const int *) p >= f->n_names)
            return wire_fail(err, path, f->key, "out of range");
        return 0;
    case W_CODE:
        if (*(const int *) p <= 0 || *(const int *) p >= XR_CODE_COUNT_)
            return wire_fail(err, path, f->key, "not an error code");
        return 0;
    case W_META:
        if (((const proto_meta_t *) p)->count > PROTO_META_MAX)
            return wire_fail(err, path, f->key, "more than %d entries", PROTO_META_MAX);
        return 0;
    case W_BOOL:
    case W_RAW:
        return 0;
    }
    return 0;
}

static bool s_is_zero_field(const wire_field_t *f, const char *base)
{
    return s_is_zero(f, base);
}

int wire_validate(const wire_desc_t *desc, const void *obj, const wire_path_t *path, err_t *err)
{
    for (size_t i = 0; i < desc->n; i++) {
        if (s_validate_field(&desc->fields[i], obj, path, err) != 0)
            return -1;
    }
    return 0;
}
