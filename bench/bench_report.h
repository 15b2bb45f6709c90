/* bench_report: the one JSON line bench_floor and bench_pipeline print for a run (bench.py reads it): counts,
 * throughput and latency percentiles of the answered orders. */
#ifndef XR_BENCH_REPORT_H
#define XR_BENCH_REPORT_H

#include <stdint.h>

/* Sorts lat_us (answered entries, microseconds) and prints {"orders", "inflight", "ok", "errors",
 * "first_error" (JSON-escaped), "seconds", "orders_per_s", "p50_us", "p99_us", "p999_us", "max_us"}. */
void bench_report(long orders, long inflight, long ok, long errors, const char *first_error, double seconds,
                  uint32_t *lat_us, long answered);

#endif
