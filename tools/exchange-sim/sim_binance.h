/* sim_binance: the Binance USD-M futures (fapi) dialect of the simulator: signed REST endpoints under
 * /fapi/v1, /fapi/v2 and /fapi/v3 with Binance's signing, timing, rate-limit headers, weights, bans and
 * {"code","msg"} errors, over the shared engine. Wire facts: /work/shared/venues.md section 1. */
#ifndef XR_SIM_BINANCE_H
#define XR_SIM_BINANCE_H

#include "dialect.h"

/* The Binance dialect (default port 9101). */
extern const sim_dialect_t sim_dialect_binance;

#endif
