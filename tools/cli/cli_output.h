/* cli_output: how the xroute command prints answers: aligned tables for people, or one JSON object per line
 * with the unified field names (--json). Each kind of item (order, fill, position, ...) is described once as
 * a list of fields; the same description feeds both forms. */
#ifndef XR_CLI_OUTPUT_H
#define XR_CLI_OUTPUT_H

#include "base/buf.h"
#include "proto/error.h"
#include "proto/event.h"
#include "proto/result.h"

#include <stdbool.h>

/* Appends the rendering of a result to out. Fan-out parts that failed are rendered as lines
 * "venue NAME: CODE message" (table form) or {"venue":...,"error":{...}} (JSON form). Returns 0, or -1 if out
 * is full. */
int cli_format_result(buf_t *out, const proto_result_t *res, bool json);

/* Appends an error reply: "CODE: message (venue CODE: message)" or {"error":{...}}. */
int cli_format_error(buf_t *out, const proto_error_t *e, bool json);

/* Appends one event line: "ORDER venue ... status" / "FILL ..." or the JSON object with "event" set. */
int cli_format_event(buf_t *out, const proto_event_t *ev, bool json);

#endif
