/* xroute-venue-coindcx: the CoinDCX futures venue worker: the shared runtime driving the CoinDCX adapter.
 * Everything but the adapter lives in lib/venue (runtime.h lists the settings); CoinDCX adds
 * COINDCX_MARGIN_CURRENCY (USDT, or INR; read by the adapter's configure hook) and COINDCX_PUBLIC_URL (the
 * market-data host, public.coindcx.com). */
#include "coindcx/coindcx.h"
#include "venue/runtime.h"

int main(int argc, char **argv)
{
    return venue_main(argc, argv, &coindcx_ops);
}
