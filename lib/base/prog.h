/* prog: what every xroute binary does with its command line before anything else: --help and --version. */
#ifndef XR_BASE_PROG_H
#define XR_BASE_PROG_H

#include <stdbool.h>

/* If argv holds --help/-h or --version/-V, prints usage (to stdout) or "NAME VERSION" and returns true: the
 * caller then exits 0. Otherwise returns false and prints nothing. usage is the full help text. */
bool prog_std_flags(int argc, char **argv, const char *name, const char *usage);

#endif
