/* xroute-recorder: the recorder: persists every fill and order update exactly once in PostgreSQL. */
#include "base/prog.h"

#include <stdio.h>

static const char *s_usage =
    "usage: xroute-recorder [--help] [--version]\n"
    "the recorder: persists every fill and order update exactly once in PostgreSQL.\n";

int main(int argc, char **argv)
{
    if (prog_std_flags(argc, argv, "xroute-recorder", s_usage))
        return 0;
    fprintf(stderr, "xroute-recorder: not built yet in this version\n");
    return 2;
}
