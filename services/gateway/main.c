/* xroute-gateway: the gateway: validates, risk-checks and de-duplicates order requests, and streams events to clients. */
#include "base/prog.h"

#include <stdio.h>

static const char *s_usage =
    "usage: xroute-gateway [--help] [--version]\n"
    "the gateway: validates, risk-checks and de-duplicates order requests, and streams events to clients.\n";

int main(int argc, char **argv)
{
    if (prog_std_flags(argc, argv, "xroute-gateway", s_usage))
        return 0;
    fprintf(stderr, "xroute-gateway: not built yet in this version\n");
    return 2;
}
