/* sim_bybit: the Bybit v5 (category=linear) REST dialect of the exchange simulator. It signs and checks
 * requests the way Bybit does (X-BAPI-* headers, HMAC-SHA256 over timestamp + key + recvWindow + the exact
 * query string or JSON body), answers in Bybit's {"retCode","retMsg","result","retExtInfo","time"} envelope
 * with Bybit's codes (business errors with HTTP 200), sends the X-Bapi-Limit* headers, and maps everything
 * onto the shared engine (engine.h). Routes, codes and the choices made where Bybit's behaviour is not
 * documented are listed in NOTES-simx.md. */
#ifndef XR_SIM_SIM_BYBIT_H
#define XR_SIM_SIM_BYBIT_H

#include "dialect.h"

/* The Bybit dialect (default port 9102). */
extern const sim_dialect_t sim_dialect_bybit;

#endif
