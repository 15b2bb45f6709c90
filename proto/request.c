/* request: one field table per request type (the common keys venue/account/symbol plus the type's own),
 * decoded and encoded by wire.c, and the cross-field rules a table cannot say. */
#include "request.h"
#include "wire.h"

#include <assert.h>
#include <string.h>

#define T proto_request_t
#define COMMON(symflags)                                                   \
    WF_STR("venue", T, venue, 0, proto_check_venue),                       \
    WF_STR("account", T, account, 0, proto_check_account),                 \
    WF_STR("symbol", T, symbol, symflags, proto_check_symbol)

static const wire_field_t s_place[] = {
    COMMON(W_REQ),
    WF_ENUM("side", T, order.side, W_REQ, wire_side_names),
    WF_ENUM("type", T, order.type, W_REQ, wire_order_type_names),
    WF_DEC("quantity", T, order.quantity, W_REQ | W_POS),
    WF_DEC("price", T, order.price, W_POS),
    WF_DEC("stop_price", T, order.stop_price, W_POS),
    WF_ENUM("time_in_force", T, order.time_in_force, 0, wire_tif_names),
    WF_BOOL("reduce_only", T, order.reduce_only, 0),
    WF_ENUM("position_side", T, order.position_side, 0, wire_position_side_names),
    WF_STR("client_order_id", T, order.client_order_id, 0, proto_check_client_order_id),
    WF_U32R("leverage", T, order.leverage, 0, 1, PROTO_LEVERAGE_MAX),
    WF_DEC("take_profit_price", T, order.take_profit_price, W_POS),
    WF_DEC("stop_loss_price", T, order.stop_loss_price, W_POS),
    WF_DEC("trailing_stop_pct", T, order.trailing_stop_pct, W_POS),
    WF_BOOL("round", T, order.round, 0),
    WF_META("metadata", T, order.metadata, 0),
};
static const wire_field_t s_ref[] = {
    COMMON(W_REQ),
    WF_STR("order_id", T, ref.order_id, 0, proto_check_printable),
    WF_STR("client_order_id", T, ref.client_order_id, 0, proto_check_client_order_id),
};
static const wire_field_t s_sym_req[] = {COMMON(W_REQ)};
static const wire_field_t s_sym_opt[] = {COMMON(0)};
static const wire_field_t s_balances[] = {
    COMMON(0),
    WF_STR("asset", T, asset, 0, proto_check_asset),
};
static const wire_field_t s_klines[] = {
    COMMON(W_REQ),
    WF_ENUM("interval", T, klines.interval, W_REQ, wire_interval_names),
    WF_U32R("limit", T, klines.limit, 0, 1, 1500),
    WF_I64("start", T, klines.start, 0),
    WF_I64("end", T, klines.end, 0),
};
static const wire_field_t s_leverage[] = {
    COMMON(W_REQ),
    WF_U32R("leverage", T, leverage, W_REQ, 1, PROTO_LEVERAGE_MAX),
};
static const wire_field_t s_fills[] = {
    COMMON(0),
    WF_I64("since_ms", T, fills.since_ms, 0),
    WF_STR("cursor", T, fills.cursor, 0, NULL),
    WF_U32R("limit", T, fills.limit, 0, 1, 1000),
};
#undef COMMON
#undef T

#define D(table) WIRE_DESC(proto_request_t, table)
static const wire_desc_t s_descs[] = {
    [PROTO_T_PLACE_ORDER] = D(s_place),
    [PROTO_T_CANCEL_ORDER] = D(s_ref),
    [PROTO_T_CANCEL_ALL] = D(s_sym_opt),
    [PROTO_T_GET_ORDER] = D(s_ref),
    [PROTO_T_GET_OPEN_ORDERS] = D(s_sym_opt),
    [PROTO_T_GET_POSITIONS] = D(s_sym_opt),
    [PROTO_T_GET_BALANCES] = D(s_balances),
    [PROTO_T_GET_TICKER] = D(s_sym_req),
    [PROTO_T_GET_KLINES] = D(s_klines),
    [PROTO_T_SET_LEVERAGE] = D(s_leverage),
    [PROTO_T_CLOSE_POSITION] = D(s_sym_req),
    [PROTO_T_GET_FILLS] = D(s_fills),
    [PROTO_T_HEALTH] = D(s_sym_opt),
    [PROTO_T_ROUTE] = D(s_sym_req),
    [PROTO_T_RELOAD] = D(s_sym_opt),
    [PROTO_T_VENUES] = D(s_sym_opt),
};
#undef D

static const wire_path_t s_body = {NULL, "body", 0};

/* Rules across fields. */
static int s_rules(const proto_request_t *req, err_t *err)
{
    switch (req->op) {
    case PROTO_T_PLACE_ORDER:
        return proto_order_request_validate(&req->order, err);
    case PROTO_T_CANCEL_ORDER:
    case PROTO_T_GET_ORDER:
        if (!req->ref.order_id[0] && !req->ref.client_order_id[0])
            return err_set(err, XR_INVALID_REQUEST, "body.order_id: order_id or client_order_id required");
        return 0;
    case PROTO_T_GET_KLINES:
        if (req->klines.start && req->klines.end && req->klines.start > req->klines.end)
            return err_set(err, XR_INVALID_REQUEST, "body.start: after end");
        return 0;
    default:
        return 0;
    }
}

void proto_request_init(proto_request_t *req, proto_type_t op)
{
    assert(req);
    memset(req, 0, sizeof *req);
    req->op = op;
    memcpy(req->account, PROTO_DEFAULT_ACCOUNT, sizeof PROTO_DEFAULT_ACCOUNT);
}

int proto_request_decode(const proto_msg_t *msg, proto_request_t *out, err_t *err)
{
    assert(out);
    const proto_header_t *h = proto_msg_header(msg);
    memset(out, 0, sizeof *out);
    if (!proto_type_is_request(h->type))
        return err_set(err, XR_INVALID_REQUEST, "type: not a request");
    if (wire_decode(wire_msg_body(msg), &s_descs[h->type], out, &s_body, err) != 0)
        return -1;
    out->op = h->type;
    if (!out->account[0])
        memcpy(out->account, PROTO_DEFAULT_ACCOUNT, sizeof PROTO_DEFAULT_ACCOUNT);
    if (s_rules(out, err) != 0) {
        proto_request_free(out);
        return -1;
    }
    return 0;
}

int proto_request_validate(const proto_request_t *req, err_t *err)
{
    assert(req);
    if (!proto_type_is_request(req->op))
        return err_set(err, XR_INVALID_REQUEST, "type: not a request");
    if (wire_validate(&s_descs[req->op], req, &s_body, err) != 0)
        return -1;
    return s_rules(req, err);
}

int proto_request_encode(const proto_header_t *h, const proto_request_t *req, buf_t *out, err_t *err)
{
    assert(h && req && out);
    assert(proto_type_is_request(req->op));
    wire_writer_t w;
    wire_writer_init(&w, out);
    wire_put_envelope(&w, h, proto_type_name(req->op));
    wire_put_struct(&w, &s_descs[req->op], req);
    return wire_writer_end(&w, err);
}

void proto_request_free(proto_request_t *req)
{
    if (!req)
        return;
    proto_meta_free(&req->order.metadata);
    memset(req, 0, sizeof *req);
}
