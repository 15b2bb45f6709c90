/* xroute-router: the router: resolves a symbol to a venue and dispatches to that venue's workers. */
#include "base/prog.h"

#include <stdio.h>

static const char *s_usage =
    "usage: xroute-router [--help] [--version]\n"
    "the router: resolves a symbol to a venue and dispatches to that venue's workers.\n";

int main(int argc, char **argv)
{
    if (prog_std_flags(argc, argv, "xroute-router", s_usage))
        return 0;
    fprintf(stderr, "xroute-router: not built yet in this version\n");
    return 2;
}
