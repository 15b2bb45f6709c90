/* xroute-venue-binance: the Binance USD-M futures venue worker. */
#include "base/prog.h"

#include <stdio.h>

static const char *s_usage =
    "usage: xroute-venue-binance [--help] [--version]\n"
    "the Binance USD-M futures venue worker.\n";

int main(int argc, char **argv)
{
    if (prog_std_flags(argc, argv, "xroute-venue-binance", s_usage))
        return 0;
    fprintf(stderr, "xroute-venue-binance: not built yet in this version\n");
    return 2;
}
