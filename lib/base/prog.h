/* prog: what every xroute binary does with its command line before anything else: --help and --version. */
#ifndef XR_BASE_PROG_H
#define XR_BASE_PROG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* If argv holds --help/-h or --version/-V, prints usage (to stdout) or "NAME VERSION" and returns true: the
 * caller then exits 0. Otherwise returns false and prints nothing. usage is the full help text. */
bool prog_std_flags(int argc, char **argv, const char *name, const char *usage);

/* Service settings come from flags or the environment: the value of `--flag VALUE` if given, else of the
 * environment variable env (when set and non-empty), else dflt. Borrowed (argv, environ or dflt). */
const char *prog_opt(int argc, char **argv, const char *flag, const char *env, const char *dflt);

/* Checks that every argument is one of the known flags followed by a value. Returns 0, or -1 after printing
 * "NAME: unknown or incomplete option 'X' (see --help)" to stderr. */
int prog_check_opts(int argc, char **argv, const char *name, const char *const *known, size_t n_known);

/* Parses a positive whole number in min..max for setting `what`; -1 after printing a message naming it. */
int prog_parse_int(const char *name, const char *what, const char *text, int64_t min, int64_t max, int64_t *out);

#endif
