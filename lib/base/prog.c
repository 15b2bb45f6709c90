/* prog: --help and --version for every binary. */
#include "prog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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

const char *prog_opt(int argc, char **argv, const char *flag, const char *env, const char *dflt)
{
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], flag) == 0)
            return argv[i + 1];
    const char *v = env ? getenv(env) : NULL;
    return v && *v ? v : dflt;
}

int prog_check_opts(int argc, char **argv, const char *name, const char *const *known, size_t n_known)
{
    int i = 1;
    while (i < argc) {
        bool ok = false;
        for (size_t k = 0; k < n_known && !ok; k++)
            ok = strcmp(argv[i], known[k]) == 0 && i + 1 < argc;
        if (!ok) {
            fprintf(stderr, "%s: unknown or incomplete option '%s' (see --help)\n", name, argv[i]);
            return -1;
        }
        i += 2; /* the flag and its value */
    }
    return 0;
}

int prog_parse_int(const char *name, const char *what, const char *text, int64_t min, int64_t max, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || !end || end == text || *end || v < min || v > max) {
        fprintf(stderr, "%s: %s: '%s' is not a whole number in %lld..%lld\n", name, what, text, (long long) min,
                (long long) max);
        return -1;
    }
    *out = v;
    return 0;
}
