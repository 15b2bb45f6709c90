/* order: wire descriptions of OrderResult, CancelResult and Fill, and the rules of an OrderRequest. */
#include "order.h"
#include "wire.h"

#include <assert.h>
#include <string.h>

#define T proto_order_t
static const wire_field_t s_order_fields[] = {
    WF_STR("venue", T, venue, W_REQ, proto_check_venue),
    WF_STR("account", T, account, W_REQ, proto_check_account),
    WF_STR("order_id", T, order_id, 0, proto_check_printable),
    WF_STR("client_order_id", T, client_order_id, 0, proto_check_client_order_id),
    WF_STR("symbol", T, symbol, W_REQ, proto_check_symbol),
    WF_ENUM("side", T, side, W_REQ, wire_side_names),
    WF_ENUM("type", T, type, W_REQ, wire_order_type_names),
    WF_ENUM("time_in_force", T, time_in_force, 0, wire_tif_names),
    WF_DEC("quantity", T, quantity, W_REQ | W_NONNEG),
    WF_DEC("filled_quantity", T, filled_quantity, W_REQ | W_NONNEG),
    WF_DEC("price", T, price, W_NONNEG),
    WF_DEC("average_price", T, average_price, W_NONNEG),
    WF_DEC("stop_price", T, stop_price, W_NONNEG),
    WF_BOOL("reduce_only", T, reduce_only, 0),
    WF_ENUM("status", T, status, W_REQ, wire_status_names),
    WF_I64("created_at", T, created_at, 0),
    WF_I64("updated_at", T, updated_at, 0),
    WF_RAW("raw", T, raw, 0),
};
#undef T
const wire_desc_t wire_order_desc = WIRE_DESC(proto_order_t, s_order_fields);

#define T proto_cancel_t
static const wire_field_t s_cancel_fields[] = {
    WF_BOOL("ok", T, ok, W_REQ),
    WF_STR("order_id", T, order_id, 0, proto_check_printable),
    WF_STR("client_order_id", T, client_order_id, 0, proto_check_client_order_id),
    WF_STR("symbol", T, symbol, 0, proto_check_symbol),
    WF_ENUM("status", T, status, 0, wire_status_names),
};
#undef T
const wire_desc_t wire_cancel_desc = WIRE_DESC(proto_cancel_t, s_cancel_fields);

#define T proto_fill_t
static const wire_field_t s_fill_fields[] = {
    WF_STR("venue", T, venue, W_REQ, proto_check_venue),
    WF_STR("account", T, account, W_REQ, proto_check_account),
    WF_STR("trade_id", T, trade_id, W_REQ, proto_check_printable),
    WF_STR("order_id", T, order_id, W_REQ, proto_check_printable),
    WF_STR("client_order_id", T, client_order_id, 0, proto_check_client_order_id),
    WF_STR("symbol", T, symbol, W_REQ, proto_check_symbol),
    WF_ENUM("side", T, side, W_REQ, wire_side_names),
    WF_ENUM("order_type", T, order_type, 0, wire_order_type_names),
    WF_DEC("quantity", T, quantity, W_REQ | W_POS),
    WF_DEC("price", T, price, W_REQ | W_POS),
    WF_DEC("fee", T, fee, W_REQ),
    WF_STR("fee_asset", T, fee_asset, 0, proto_check_asset),
    WF_DEC("realized_pnl", T, realized_pnl, W_REQ),
    WF_ENUM("liquidity", T, liquidity, 0, wire_liquidity_names),
    WF_I64("executed_at", T, executed_at, W_REQ),
    WF_META("metadata", T, metadata, 0),
    WF_RAW("raw", T, raw, 0),
};
#undef T
const wire_desc_t wire_fill_desc = WIRE_DESC(proto_fill_t, s_fill_fields);

static bool s_needs_price(proto_order_type_t t)
{
    return t == PROTO_OT_LIMIT || t == PROTO_OT_STOP_LIMIT || t == PROTO_OT_TAKE_PROFIT_LIMIT;
}

static bool s_needs_stop(proto_order_type_t t)
{
    return t == PROTO_OT_STOP_MARKET || t == PROTO_OT_STOP_LIMIT || t == PROTO_OT_TAKE_PROFIT_MARKET ||
           t == PROTO_OT_TAKE_PROFIT_LIMIT;
}

/* An optional price: zero means absent, anything else must be > 0. */
static int s_optional_positive(decimal_t v, const char *field, err_t *err)
{
    return decimal_is_zero(v) ? 0 : proto_check_positive(v, field, err);
}

int proto_order_request_validate(const proto_order_request_t *r, err_t *err)
{
    assert(r);
    if (!proto_side_name(r->side)[0])
        return err_set(err, XR_INVALID_REQUEST, "body.side: required");
    if (!proto_order_type_name(r->type)[0])
        return err_set(err, XR_INVALID_REQUEST, "body.type: required");
    if (proto_check_positive(r->quantity, "body.quantity", err) != 0)
        return -1;
    if (s_optional_positive(r->price, "body.price", err) != 0 ||
        s_optional_positive(r->stop_price, "body.stop_price", err) != 0 ||
        s_optional_positive(r->take_profit_price, "body.take_profit_price", err) != 0 ||
        s_optional_positive(r->stop_loss_price, "body.stop_loss_price", err) != 0 ||
        s_optional_positive(r->trailing_stop_pct, "body.trailing_stop_pct", err) != 0)
        return -1;
    const char *tname = proto_order_type_name(r->type);
    if (s_needs_price(r->type) && decimal_is_zero(r->price))
        return err_set(err, XR_INVALID_REQUEST, "body.price: required for %s", tname);
    if (s_needs_stop(r->type) && decimal_is_zero(r->stop_price))
        return err_set(err, XR_INVALID_REQUEST, "body.stop_price: required for %s", tname);
    if (r->type == PROTO_OT_TRAILING_STOP_MARKET && decimal_is_zero(r->trailing_stop_pct))
        return err_set(err, XR_INVALID_REQUEST, "body.trailing_stop_pct: required for %s", tname);
    if (r->client_order_id[0] &&
        proto_check_client_order_id(r->client_order_id, "body.client_order_id", err) != 0)
        return -1;
    if (r->leverage && proto_check_leverage(r->leverage, "body.leverage", err) != 0)
        return -1;
    if (r->metadata.count > PROTO_META_MAX)
        return err_set(err, XR_INVALID_REQUEST, "body.metadata: more than %d entries", PROTO_META_MAX);
    return 0;
}

void proto_order_request_free(proto_order_request_t *r)
{
    if (!r)
        return;
    proto_meta_free(&r->metadata);
    memset(r, 0, sizeof *r);
}

void proto_order_request_copy(proto_order_request_t *dst, const proto_order_request_t *src)
{
    *dst = *src;
    proto_meta_copy(&dst->metadata, &src->metadata);
}

void proto_order_free(proto_order_t *o)
{
    if (!o)
        return;
    proto_raw_free(&o->raw);
    memset(o, 0, sizeof *o);
}

void proto_order_copy(proto_order_t *dst, const proto_order_t *src)
{
    *dst = *src;
    proto_raw_copy(&dst->raw, &src->raw);
}

void proto_fill_free(proto_fill_t *f)
{
    if (!f)
        return;
    proto_meta_free(&f->metadata);
    proto_raw_free(&f->raw);
    memset(f, 0, sizeof *f);
}

void proto_fill_copy(proto_fill_t *dst, const proto_fill_t *src)
{
    *dst = *src;
    proto_meta_copy(&dst->metadata, &src->metadata);
    proto_raw_copy(&dst->raw, &src->raw);
}
