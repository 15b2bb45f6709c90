/* admin: wire descriptions of Health, Route and WorkerInfo. */
#include "admin.h"
#include "wire.h"

#define T proto_health_t
static const wire_field_t s_health_fields[] = {
    WF_STR("venue", T, venue, W_REQ, proto_check_venue),
    WF_STR("instance", T, instance, 0, proto_check_instance),
    WF_BOOL("reachable", T, reachable, W_REQ),
    WF_I64("clock_offset_ms", T, clock_offset_ms, 0),
    WF_U32("rate_limit_used", T, rate_limit_used, 0),
    WF_U32("rate_limit_limit", T, rate_limit_limit, 0),
    WF_ENUM("circuit", T, circuit, W_REQ, wire_circuit_names),
    WF_U32("inflight", T, inflight, 0),
    WF_U64("journal_backlog", T, journal_backlog, 0),
    WF_U32("replicas", T, replicas, 0),
};
#undef T
const wire_desc_t wire_health_desc = WIRE_DESC(proto_health_t, s_health_fields);

#define T proto_route_t
static const wire_field_t s_route_fields[] = {
    WF_STR("symbol", T, symbol, W_REQ, proto_check_symbol),
    WF_STR("venue", T, venue, W_REQ, proto_check_venue),
    WF_STR("reason", T, reason, W_REQ, NULL),
};
#undef T
const wire_desc_t wire_route_desc = WIRE_DESC(proto_route_t, s_route_fields);

#define T proto_worker_info_t
static const wire_field_t s_worker_fields[] = {
    WF_STR("venue", T, venue, W_REQ, proto_check_venue),
    WF_STR("instance", T, instance, W_REQ, proto_check_instance),
    WF_STR("account", T, account, W_REQ, proto_check_account),
    WF_BOOL("alive", T, alive, W_REQ),
    WF_U32("capacity", T, capacity, 0),
    WF_U32("inflight", T, inflight, 0),
    WF_U64("journal_backlog", T, journal_backlog, 0),
    WF_I64("last_seen", T, last_seen, 0),
    WF_U32("pid", T, pid, 0),
};
#undef T
const wire_desc_t wire_worker_desc = WIRE_DESC(proto_worker_info_t, s_worker_fields);
