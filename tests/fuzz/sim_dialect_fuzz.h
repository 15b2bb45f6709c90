/* sim_dialect_fuzz: the driver shared by the fuzz targets of the simulator's Bybit and CoinDCX dialects:
 * arbitrary requests straight into a dialect's handle hook. Input layout:
 *   byte 0  bit 0: sign the request correctly (so fuzzing reaches the handlers), bits 1-2: method
 *           (GET, POST, DELETE, PUT), bit 3: body marked too large
 *   byte 1  route: index into the dialect's known paths; past the end, the path is the first line of the rest
 *   rest    "<query>\n<body>" (no newline: all query for GET, all body otherwise)
 * The engine and dialect state persist across inputs and are reset every 64 write requests, so a run is a
 * pure function of the input sequence. Every reply must be JSON (abort otherwise). */
#ifndef XR_SIM_DIALECT_FUZZ_H
#define XR_SIM_DIALECT_FUZZ_H

#include "sim/dialect.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_FUZZ_NOW 1767225600000LL /* the clock every fuzzed request runs at */
#define SIM_FUZZ_KEY "fz-key"
#define SIM_FUZZ_SECRET "fz-secret"
#define SIM_FUZZ_HEADERS_MAX 8

typedef struct {
    const char *method;  /* GET, POST, DELETE or PUT */
    const char *query;   /* query string (NUL-terminated) */
    size_t query_len;    /* its length */
    const char *body;    /* body bytes */
    size_t body_len;     /* their length */
    bool sign;           /* sign correctly for the dialect */
} sim_fuzz_req_t;

/* A dialect's authentication headers for req, into h (at most SIM_FUZZ_HEADERS_MAX); values may point into
 * scratch (cap bytes, valid until the request is handled). Returns the number of headers. */
typedef size_t(sim_fuzz_headers_fn)(const sim_fuzz_req_t *req, sim_header_t *h, char *scratch, size_t cap);

/* Runs one fuzz input against dialect (one dialect per process): the libFuzzer entry point's whole body. */
int sim_fuzz_run(const sim_dialect_t *dialect, const char *const *paths, size_t n_paths,
                 sim_fuzz_headers_fn *headers, const uint8_t *data, size_t size);

#endif
