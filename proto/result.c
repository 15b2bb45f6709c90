/* result: the `result` reply body. Single-value payloads go through their field tables; list payloads share
 * one list codec (s_lists) that knows, per operation, the wire key, the item table and where the array lives
 * in proto_result_t; fan-out replies regroup the flat list into per_venue parts. */
#include "result.h"
#include "wire.h"

#include "base/mem.h"

#include <assert.h>
#include <string.h>

/* Where an operation's list lives. */
typedef struct {
    const char *key;           /* wire key of the single-venue list */
    const wire_desc_t *desc;   /* item table */
    size_t items_off;          /* offsetof the item pointer */
    size_t count_off;          /* offsetof the count */
} s_list_t;

#define L(key, desc, items, count) {key, &desc, offsetof(proto_result_t, items), offsetof(proto_result_t, count)}
static const s_list_t s_lists[PROTO_T_COUNT_] = {
    [PROTO_T_CANCEL_ALL] = L("results", wire_cancel_desc, cancels, n_cancels),
    [PROTO_T_GET_OPEN_ORDERS] = L("orders", wire_order_desc, orders, n_orders),
    [PROTO_T_GET_POSITIONS] = L("positions", wire_position_desc, positions, n_positions),
    [PROTO_T_GET_BALANCES] = L("balances", wire_balance_desc, balances, n_balances),
    [PROTO_T_GET_KLINES] = L("klines", wire_kline_desc, klines, n_klines),
    [PROTO_T_GET_FILLS] = L("fills", wire_fill_desc, fills, n_fills),
    [PROTO_T_HEALTH] = L("health", wire_health_desc, health, n_health),
    [PROTO_T_VENUES] = L("workers", wire_worker_desc, workers, n_workers),
};
#undef L

#define T proto_leverage_t
static const wire_field_t s_leverage_fields[] = {
    WF_STR("symbol", T, symbol, W_REQ, proto_check_symbol),
    WF_U32R("leverage", T, leverage, W_REQ, 1, PROTO_LEVERAGE_MAX),
};
#undef T
static const wire_desc_t s_leverage = WIRE_DESC(proto_leverage_t, s_leverage_fields);

static const wire_path_t s_body = {NULL, "body", 0};

static const s_list_t *s_list_of(proto_type_t op)
{
    return (op > 0 && op < PROTO_T_COUNT_ && s_lists[op].key) ? &s_lists[op] : NULL;
}

static void **s_items_p(proto_result_t *res, const s_list_t *l)
{
    return (void **) ((char *) res + l->items_off);
}

static size_t *s_count_p(proto_result_t *res, const s_list_t *l)
{
    return (size_t *) ((char *) res + l->count_off);
}

/* ---------------------------------------------------------------- building */

void proto_result_init(proto_result_t *res, proto_type_t op)
{
    assert(res && proto_type_is_request(op));
    memset(res, 0, sizeof *res);
    res->op = op;
}

size_t proto_result_list_len(const proto_result_t *res)
{
    const s_list_t *l = s_list_of(res->op);
    return l ? *s_count_p((proto_result_t *) res, l) : 0;
}

/* Lists grow by doubling without a capacity field: the allocation for n items always holds s_cap(n) items,
 * so an append reallocates only when n crosses a power of two. Decoders allocate the same way. */
static size_t s_cap(size_t n)
{
    size_t cap = 4;
    while (cap < n)
        cap *= 2;
    return cap;
}

/* Appends a zeroed item to the list of res->op if that list is `want`. */
static void *s_add(proto_result_t *res, proto_type_t want)
{
    assert(res);
    if (res->op != want)
        return NULL;
    const s_list_t *l = s_list_of(want);
    void **items = s_items_p(res, l);
    size_t *count = s_count_p(res, l);
    if (*count >= PROTO_ARRAY_MAX)
        return NULL;
    size_t sz = l->desc->size;
    if (!*items || s_cap(*count + 1) > s_cap(*count))
        *items = mem_realloc(*items, s_cap(*count + 1) * sz);
    char *item = (char *) *items + *count * sz;
    memset(item, 0, sz);
    (*count)++;
    return item;
}

proto_cancel_t *proto_result_add_cancel(proto_result_t *res) { return s_add(res, PROTO_T_CANCEL_ALL); }
proto_order_t *proto_result_add_order(proto_result_t *res) { return s_add(res, PROTO_T_GET_OPEN_ORDERS); }
proto_position_t *proto_result_add_position(proto_result_t *res) { return s_add(res, PROTO_T_GET_POSITIONS); }
proto_balance_t *proto_result_add_balance(proto_result_t *res) { return s_add(res, PROTO_T_GET_BALANCES); }
proto_kline_t *proto_result_add_kline(proto_result_t *res) { return s_add(res, PROTO_T_GET_KLINES); }
proto_fill_t *proto_result_add_fill(proto_result_t *res) { return s_add(res, PROTO_T_GET_FILLS); }
proto_health_t *proto_result_add_health(proto_result_t *res) { return s_add(res, PROTO_T_HEALTH); }
proto_worker_info_t *proto_result_add_worker(proto_result_t *res) { return s_add(res, PROTO_T_VENUES); }

proto_part_t *proto_result_add_part(proto_result_t *res, const char *venue, bool ok, const proto_error_t *error,
                                    size_t count)
{
    assert(res && venue && s_list_of(res->op));
    assert(strlen(venue) < PROTO_VENUE_SZ);
    if (res->n_parts >= PROTO_ARRAY_MAX)
        return NULL;
    if (!res->parts || s_cap(res->n_parts + 1) > s_cap(res->n_parts))
        res->parts = mem_realloc(res->parts, s_cap(res->n_parts + 1) * sizeof *res->parts);
    proto_part_t *p = &res->parts[res->n_parts++];
    memset(p, 0, sizeof *p);
    memcpy(p->venue, venue, strlen(venue) + 1);
    p->ok = ok;
    if (error)
        p->error = *error;
    p->count = count;
    return p;
}

void proto_result_free(proto_result_t *res)
{
    if (!res)
        return;
    const s_list_t *l = s_list_of(res->op);
    if (l) {
        void **items = s_items_p(res, l);
        size_t *count = s_count_p(res, l);
        for (size_t i = 0; i < *count; i++)
            wire_free(l->desc, (char *) *items + i * l->desc->size);
    }
    /* Every list pointer, whatever the op (a struct built by hand may have filled several). */
    mem_free(res->cancels);
    mem_free(res->orders);
    mem_free(res->positions);
    mem_free(res->balances);
    mem_free(res->klines);
    mem_free(res->fills);
    mem_free(res->health);
    mem_free(res->workers);
    mem_free(res->parts);
    proto_order_free(&res->order);
    memset(res, 0, sizeof *res);
}

/* ---------------------------------------------------------------- decoding */

/* Decodes arr's items into items[start..]. */
static int s_decode_items(const msgpack_object_array *arr, const s_list_t *l, char *items, size_t start,
                          const wire_path_t *path, err_t *err)
{
    for (uint32_t i = 0; i < arr->size; i++) {
        wire_path_t here = {path, NULL, i};
        if (wire_decode(&arr->ptr[i], l->desc, items + (start + i) * l->desc->size, &here, err) != 0)
            return -1;
    }
    return 0;
}

static int s_decode_part(const msgpack_object *o, proto_part_t *p, const msgpack_object_array **items,
                         const wire_path_t *path, err_t *err)
{
    static const char *const keys[] = {"venue", "ok", "error", "items", NULL};
    if (wire_check_map(o, keys, path, err) != 0)
        return -1;
    const msgpack_object *v = wire_get(o, "venue");
    if (!v)
        return wire_fail(err, path, "venue", "required");
    if (wire_get_str(v, p->venue, sizeof p->venue, path, "venue", err) != 0)
        return -1;
    if (proto_check_venue(p->venue, "body.per_venue.venue", err) != 0)
        return -1;
    const msgpack_object *ok = wire_get(o, "ok");
    if (!ok || ok->type != MSGPACK_OBJECT_BOOLEAN)
        return wire_fail(err, path, "ok", "required bool");
    p->ok = ok->via.boolean;
    const msgpack_object *e = wire_get(o, "error");
    if (!p->ok && !e)
        return wire_fail(err, path, "error", "required when ok is false");
    if (e) {
        wire_path_t here = {path, "error", 0};
        if (wire_decode(e, &wire_error_desc, &p->error, &here, err) != 0)
            return -1;
    }
    *items = NULL;
    const msgpack_object *it = wire_get(o, "items");
    if (it && wire_get_array(it, PROTO_ARRAY_MAX, items, path, "items", err) != 0)
        return -1;
    p->count = *items ? (*items)->size : 0;
    return 0;
}

static int s_decode_per_venue(const msgpack_object *pv, proto_result_t *res, const s_list_t *l, err_t *err)
{
    const msgpack_object_array *parts;
    if (wire_get_array(pv, PROTO_ARRAY_MAX, &parts, &s_body, "per_venue", err) != 0)
        return -1;
    wire_path_t pv_path = {&s_body, "per_venue", 0};
    res->parts = parts->size ? mem_calloc(s_cap(parts->size), sizeof *res->parts) : NULL;
    res->n_parts = parts->size;
    const msgpack_object_array *item_arrays[1];
    size_t total = 0;
    for (uint32_t i = 0; i < parts->size; i++) {
        wire_path_t here = {&pv_path, NULL, i};
        if (s_decode_part(&parts->ptr[i], &res->parts[i], item_arrays, &here, err) != 0)
            return -1;
        total += res->parts[i].count;
        if (total > PROTO_ARRAY_MAX)
            return wire_fail(err, &s_body, "per_venue", "more than %d items in all", PROTO_ARRAY_MAX);
    }
    char *items = total ? mem_calloc(s_cap(total), l->desc->size) : NULL;
    *s_items_p(res, l) = items;
    *s_count_p(res, l) = total;
    size_t at = 0;
    for (uint32_t i = 0; i < parts->size; i++) {
        const msgpack_object *it = wire_get(&parts->ptr[i], "items");
        if (!it)
            continue;
        wire_path_t part_path = {&pv_path, NULL, i};
        wire_path_t here = {&part_path, "items", 0};
        if (s_decode_items(&it->via.array, l, items, at, &here, err) != 0)
            return -1;
        at += it->via.array.size;
    }
    return 0;
}

static int s_decode_list(const msgpack_object *body, proto_result_t *res, const s_list_t *l, err_t *err)
{
    const msgpack_object *pv = wire_get(body, "per_venue");
    const msgpack_object *lst = wire_get(body, l->key);
    if (pv && lst)
        return wire_fail(err, &s_body, "per_venue", "not allowed together with %s", l->key);
    if (pv)
        return s_decode_per_venue(pv, res, l, err);
    if (!lst)
        return 0; /* absent = empty */
    const msgpack_object_array *arr;
    if (wire_get_array(lst, PROTO_ARRAY_MAX, &arr, &s_body, l->key, err) != 0)
        return -1;
    char *items = arr->size ? mem_calloc(s_cap(arr->size), l->desc->size) : NULL;
    *s_items_p(res, l) = items;
    *s_count_p(res, l) = arr->size;
    wire_path_t here = {&s_body, l->key, 0};
    return s_decode_items(arr, l, items, 0, &here, err);
}

/* A required nested value under key, decoded by desc into dst. */
static int s_decode_value(const msgpack_object *body, const char *key, const wire_desc_t *desc, void *dst,
                          err_t *err)
{
    const msgpack_object *v = wire_get(body, key);
    if (!v)
        return wire_fail(err, &s_body, key, "required");
    wire_path_t here = {&s_body, key, 0};
    return wire_decode(v, desc, dst, &here, err);
}

static int s_decode_uint32(const msgpack_object *body, const char *key, uint32_t *dst, err_t *err)
{
    const msgpack_object *v = wire_get(body, key);
    if (!v)
        return wire_fail(err, &s_body, key, "required");
    if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER || v->via.u64 > UINT32_MAX)
        return wire_fail(err, &s_body, key, "must be a uint32");
    *dst = (uint32_t) v->via.u64;
    return 0;
}

static int s_decode_payload(const msgpack_object *body, proto_result_t *res, err_t *err)
{
    switch (res->op) {
    case PROTO_T_PLACE_ORDER:
    case PROTO_T_GET_ORDER:
    case PROTO_T_CLOSE_POSITION:
        return s_decode_value(body, "order", &wire_order_desc, &res->order, err);
    case PROTO_T_CANCEL_ORDER:
        return s_decode_value(body, "cancel", &wire_cancel_desc, &res->cancel, err);
    case PROTO_T_CANCEL_ALL:
        if (s_decode_uint32(body, "count", &res->cancel_count, err) != 0)
            return -1;
        return s_decode_list(body, res, s_list_of(res->op), err);
    case PROTO_T_GET_TICKER:
        return s_decode_value(body, "ticker", &wire_ticker_desc, &res->ticker, err);
    case PROTO_T_SET_LEVERAGE:
        return s_decode_value(body, "leverage", &s_leverage, &res->leverage, err);
    case PROTO_T_ROUTE:
        return s_decode_value(body, "route", &wire_route_desc, &res->route, err);
    case PROTO_T_RELOAD:
        return s_decode_uint32(body, "reloaded", &res->reloaded, err);
    case PROTO_T_GET_FILLS: {
        const msgpack_object *c = wire_get(body, "cursor");
        if (c && wire_get_str(c, res->cursor, sizeof res->cursor, &s_body, "cursor", err) != 0)
            return -1;
        return s_decode_list(body, res, s_list_of(res->op), err);
    }
    default:
        return s_decode_list(body, res, s_list_of(res->op), err);
    }
}

int proto_result_decode(const proto_msg_t *msg, proto_result_t *out, err_t *err)
{
    assert(out);
    const proto_header_t *h = proto_msg_header(msg);
    memset(out, 0, sizeof *out);
    if (h->type != PROTO_T_RESULT)
        return err_set(err, XR_INVALID_REQUEST, "type: not a result");
    const msgpack_object *body = wire_msg_body(msg);
    static const char *const keys[] = {"op", "order", "cancel", "count", "results", "orders", "positions",
                                       "balances", "ticker", "klines", "fills", "cursor", "leverage", "health",
                                       "route", "reloaded", "workers", "per_venue", NULL};
    if (wire_check_map(body, keys, &s_body, err) != 0)
        return -1;
    const msgpack_object *op = wire_get(body, "op");
    if (!op)
        return wire_fail(err, &s_body, "op", "required");
    if (op->type != MSGPACK_OBJECT_STR)
        return wire_fail(err, &s_body, "op", "must be str");
    proto_type_t t = proto_type_parse(op->via.str.ptr, op->via.str.size);
    if (!proto_type_is_request(t))
        return wire_fail(err, &s_body, "op", "unknown operation");
    out->op = t;
    if (!s_list_of(t) && wire_get(body, "per_venue")) {
        proto_result_free(out);
        return wire_fail(err, &s_body, "per_venue", "not allowed for %s", proto_type_name(t));
    }
    if (s_decode_payload(body, out, err) != 0) {
        proto_result_free(out);
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- encoding */

static void s_put_items(wire_writer_t *w, const s_list_t *l, const char *items, size_t from, size_t n)
{
    wire_put_array(w, n);
    for (size_t i = 0; i < n; i++)
        wire_put_struct(w, l->desc, items + (from + i) * l->desc->size);
}

static void s_put_per_venue(wire_writer_t *w, const proto_result_t *res, const s_list_t *l, const char *items)
{
    wire_put_key(w, "per_venue");
    wire_put_array(w, res->n_parts);
    size_t at = 0;
    for (size_t i = 0; i < res->n_parts; i++) {
        const proto_part_t *p = &res->parts[i];
        wire_put_map(w, 3 + !p->ok);
        wire_put_key(w, "venue");
        wire_put_cstr(w, p->venue);
        wire_put_key(w, "ok");
        wire_put_bool(w, p->ok);
        if (!p->ok) {
            wire_put_key(w, "error");
            wire_put_struct(w, &wire_error_desc, &p->error);
        }
        wire_put_key(w, "items");
        s_put_items(w, l, items, at, p->count);
        at += p->count;
    }
}

static void s_put_list(wire_writer_t *w, const proto_result_t *res, const s_list_t *l)
{
    const char *items = *(char *const *) ((const char *) res + l->items_off);
    size_t count = *(const size_t *) ((const char *) res + l->count_off);
    if (res->n_parts) {
        size_t sum = 0;
        for (size_t i = 0; i < res->n_parts; i++)
            sum += res->parts[i].count;
        assert(sum == count);
        s_put_per_venue(w, res, l, items);
        return;
    }
    wire_put_key(w, l->key);
    s_put_items(w, l, items, 0, count);
}

static void s_put_value(wire_writer_t *w, const char *key, const wire_desc_t *desc, const void *v)
{
    wire_put_key(w, key);
    wire_put_struct(w, desc, v);
}

int proto_result_encode(const proto_header_t *h, const proto_result_t *res, buf_t *out, err_t *err)
{
    assert(h && res && out && proto_type_is_request(res->op));
    wire_writer_t w;
    wire_writer_init(&w, out);
    wire_put_envelope(&w, h, "result");
    const s_list_t *l = s_list_of(res->op);
    size_t n = 2 + (res->op == PROTO_T_CANCEL_ALL) + (res->op == PROTO_T_GET_FILLS && res->cursor[0]);
    wire_put_map(&w, n);
    wire_put_key(&w, "op");
    wire_put_cstr(&w, proto_type_name(res->op));
    switch (res->op) {
    case PROTO_T_PLACE_ORDER:
    case PROTO_T_GET_ORDER:
    case PROTO_T_CLOSE_POSITION: s_put_value(&w, "order", &wire_order_desc, &res->order); break;
    case PROTO_T_CANCEL_ORDER: s_put_value(&w, "cancel", &wire_cancel_desc, &res->cancel); break;
    case PROTO_T_GET_TICKER: s_put_value(&w, "ticker", &wire_ticker_desc, &res->ticker); break;
    case PROTO_T_SET_LEVERAGE: s_put_value(&w, "leverage", &s_leverage, &res->leverage); break;
    case PROTO_T_ROUTE: s_put_value(&w, "route", &wire_route_desc, &res->route); break;
    case PROTO_T_RELOAD:
        wire_put_key(&w, "reloaded");
        wire_put_uint(&w, res->reloaded);
        break;
    default:
        if (res->op == PROTO_T_CANCEL_ALL) {
            wire_put_key(&w, "count");
            wire_put_uint(&w, res->cancel_count);
        }
        if (res->op == PROTO_T_GET_FILLS && res->cursor[0]) {
            wire_put_key(&w, "cursor");
            wire_put_cstr(&w, res->cursor);
        }
        s_put_list(&w, res, l);
        break;
    }
    return wire_writer_end(&w, err);
}
