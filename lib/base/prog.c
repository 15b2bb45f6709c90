/* prog: --help and --version for every binary. */
#include "prog.h"

#include <stdio.h>
#include <string.h>

bool prog_std_flags(int argc, char **argv, const char *name, const char *usage)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            return true;
        }
        if (strcmp(argv[i], "--version") == 0 || strcmp(argv[i], "-V") == 0) {
            printf("%s %s\n", name, XR_VERSION);
            return true;
        }
    }
    return false;
}
