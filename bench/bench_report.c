/* bench_report: see bench_report.h. */
#include "bench_report.h"

#include <stdio.h>
#include <stdlib.h>

static int s_cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;
    return x < y ? -1 : x > y;
}

static uint32_t s_pct(const uint32_t *v, long n, double p)
{
    return n > 0 ? v[(long) (p * (double) (n - 1) + 0.5)] : 0;
}

void bench_report(long orders, long inflight, long ok, long errors, const char *first_error, double seconds,
                  uint32_t *lat_us, long answered)
{
    qsort(lat_us, (size_t) answered, sizeof *lat_us, s_cmp_u32);
    char fe[600];
    size_t k = 0;
    for (const char *p = first_error; *p && k + 2 < sizeof fe; p++) {
        if (*p == '"' || *p == '\\')
            fe[k++] = '\\';
        fe[k++] = (*p >= 0x20 && *p < 0x7f) ? *p : '?';
    }
    fe[k] = '\0';
    printf("{\"orders\":%ld,\"inflight\":%ld,\"ok\":%ld,\"errors\":%ld,\"first_error\":\"%s\",\"seconds\":%.6f,"
           "\"orders_per_s\":%.1f,\"p50_us\":%u,\"p99_us\":%u,\"p999_us\":%u,\"max_us\":%u}\n",
           orders, inflight, ok, errors, fe, seconds, (double) answered / seconds, s_pct(lat_us, answered, 0.50),
           s_pct(lat_us, answered, 0.99), s_pct(lat_us, answered, 0.999), answered ? lat_us[answered - 1] : 0);
}
