/* xroute-venue-coindcx: the CoinDCX futures venue worker. */
#include "base/prog.h"

#include <stdio.h>

static const char *s_usage =
    "usage: xroute-venue-coindcx [--help] [--version]\n"
    "the CoinDCX futures venue worker.\n";

int main(int argc, char **argv)
{
    if (prog_std_flags(argc, argv, "xroute-venue-coindcx", s_usage))
        return 0;
    fprintf(stderr, "xroute-venue-coindcx: not built yet in this version\n");
    return 2;
}
