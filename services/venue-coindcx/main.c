/* xroute-venue-coindcx: the CoinDCX futures venue worker: the shared runtime driving the CoinDCX adapter.
 * Everything but the adapter lives in lib/venue (runtime.h lists the settings); CoinDCX adds
 * COINDCX_MARGIN_CURRENCY (USDT, or INR) and COINDCX_PUBLIC_URL (see NEEDS-runtime.md). */
#include "coindcx/coindcx.h"
#include "venue/runtime.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    bool info = false; /* --help and --version answer whatever the settings */
    for (int i = 1; i < argc; i++)
        info = info || strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "--version") == 0;
    /* The runtime has no hook for adapter settings yet: refuse a bad value here, before anything starts. */
    const char *m = getenv("COINDCX_MARGIN_CURRENCY");
    if (!info && m && m[0] && strcmp(m, "USDT") != 0 && strcmp(m, "INR") != 0) {
        fprintf(stderr, "xroute-venue-coindcx: COINDCX_MARGIN_CURRENCY must be USDT or INR\n");
        return 2;
    }
    return venue_main(argc, argv, &coindcx_ops);
}
