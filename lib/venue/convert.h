/* convert: between the wire's decoded values (the proto headers) and the adapter model (model.h, adapter.h). The
 * runtime decodes a request envelope with proto, converts it into an operation input for the adapter, and
 * converts the adapter's result back into a proto result, event or error. Enumerations share their order
 * with proto's, except position direction, which is mapped by name. */
#ifndef XR_VENUE_CONVERT_H
#define XR_VENUE_CONVERT_H

#include "adapter.h"
#include "model.h"

#include "base/err.h"
#include "proto/proto.h"

/* The operation of a request type; -1 when the worker does not serve that type (health is not an adapter
 * operation and also gives -1). */
int venue_convert_op(proto_type_t type, venue_op_t *out);

/* Fills *in from a decoded request (symbols stay unified). Returns 0, or -1 with err XR_INVALID_REQUEST. */
int venue_convert_request(const proto_request_t *r, venue_input_t *in, err_t *err);

/* A model order / fill / position / balance / cancel as the wire value, for venue and account. raw may be
 * NULL. The proto value's heap parts (raw, metadata) are the caller's to free. */
void venue_convert_order(const venue_order_t *o, const char *venue, const char *account, proto_order_t *out);
void venue_convert_fill(const venue_fill_t *f, const char *venue, const char *account, proto_fill_t *out);
void venue_convert_position(const venue_position_t *p, const char *venue, const char *account,
                            proto_position_t *out);
void venue_convert_balance(const venue_balance_t *b, const char *venue, const char *account, proto_balance_t *out);
void venue_convert_cancel(const venue_cancel_t *c, const char *symbol, proto_cancel_t *out);

/* The whole result of op as a proto result (proto_result_init'ed by this function; release with
 * proto_result_free). symbol is the request's (for set_leverage). */
void venue_convert_result(venue_op_t op, const venue_result_t *r, const char *venue, const char *account,
                          const char *symbol, proto_result_t *out);

/* A venue error as the wire error, with the venue name and the order's client id (may be ""). */
void venue_convert_error(const venue_error_t *e, const char *venue, const char *clid, proto_error_t *out);

#endif
