/* xroute: the xroute command line: talks to the gateway through proto. */
#include "base/prog.h"

#include <stdio.h>

static const char *s_usage =
    "usage: xroute [--help] [--version]\n"
    "the xroute command line: talks to the gateway through proto.\n";

int main(int argc, char **argv)
{
    if (prog_std_flags(argc, argv, "xroute", s_usage))
        return 0;
    fprintf(stderr, "xroute: not built yet in this version\n");
    return 2;
}
