/* admin: wire descriptions of Health, Route and WorkerInfo. */
#include "admin.h"
#include "wire.h"

#include <string.h>

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

/* Route.rule: one of the four kinds of routing rule (README 6), or "" (not set). */
static int s_check_rule(const char *s, const char *field, err_t *err)
{
    static const char *const kinds[] = {"", "override", "exact", "pattern", "default"};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(s, kinds[i]) == 0)
            return 0;
    return err_set(err, XR_INVALID_REQUEST, "%s: not a routing rule kind", field);
}

#define T proto_route_t
static const wire_field_t s_route_fields[] = {
    WF_STR("symbol", T, symbol, W_REQ, proto_check_symbol),
    WF_STR("venue", T, venue, W_REQ, proto_check_venue),
    WF_STR("reason", T, reason, W_REQ, NULL),
    WF_STR("rule", T, rule, 0, s_check_rule),
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
