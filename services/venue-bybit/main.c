/* xroute-venue-bybit: the Bybit v5 linear venue worker. */
#include "base/prog.h"

#include <stdio.h>

static const char *s_usage =
    "usage: xroute-venue-bybit [--help] [--version]\n"
    "the Bybit v5 linear venue worker.\n";

int main(int argc, char **argv)
{
    if (prog_std_flags(argc, argv, "xroute-venue-bybit", s_usage))
        return 0;
    fprintf(stderr, "xroute-venue-bybit: not built yet in this version\n");
    return 2;
}
