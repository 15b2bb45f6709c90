/* xroute-venue-binance: the Binance USD-M futures venue worker: the shared runtime driving the Binance
 * adapter. Everything but the adapter lives in lib/venue (runtime.h lists the settings). */
#include "binance/binance.h"
#include "venue/runtime.h"

int main(int argc, char **argv)
{
    return venue_main(argc, argv, &binance_ops);
}
