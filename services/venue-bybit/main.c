/* xroute-venue-bybit: the Bybit v5 linear venue worker: the shared runtime driving the Bybit adapter.
 * Everything but the adapter lives in lib/venue (runtime.h lists the settings: BYBIT_API_KEY,
 * BYBIT_API_SECRET or BYBIT_API_SECRET_FILE, BYBIT_TESTNET, BYBIT_BASE_URL, BYBIT_RECV_WINDOW_MS, XR_*). */
#include "bybit/bybit.h"
#include "venue/runtime.h"

int main(int argc, char **argv)
{
    return venue_main(argc, argv, &bybit_ops);
}
