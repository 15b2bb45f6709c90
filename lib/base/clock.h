/* clock: wall time in milliseconds, monotonic time in nanoseconds, and tracking of a venue's clock
 * offset (venue time = our wall time + offset). Signed requests carry venue time. */
#ifndef XR_BASE_CLOCK_H
#define XR_BASE_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Milliseconds since the Unix epoch (CLOCK_REALTIME). */
int64_t clock_wall_ms(void);

/* Microseconds since the Unix epoch (CLOCK_REALTIME). */
int64_t clock_wall_us(void);

/* Nanoseconds from an arbitrary start (CLOCK_MONOTONIC); for durations and deadlines only. */
int64_t clock_mono_ns(void);

/* Milliseconds from an arbitrary start (CLOCK_MONOTONIC). */
int64_t clock_mono_ms(void);

/* Formats epoch milliseconds as ISO-8601 UTC with milliseconds ("2026-11-21T20:50:47.123Z").
 * Writes at most cap bytes including the NUL; returns the length written (0 if cap < 25). */
size_t clock_format_iso(int64_t epoch_ms, char *out, size_t cap);

typedef struct {
    int64_t offset_ms;     /* venue time minus our wall time, at the best sample */
    int64_t rtt_ms;        /* round trip of the sample that set offset_ms */
    int64_t synced_at_ms;  /* our wall time of that sample; 0 if never synced */
} clock_offset_t;

/* Feeds one time-endpoint sample: our wall time before sending, the venue's time, our wall time after the
 * reply. Offset is taken at the round trip's midpoint. A sample always replaces the previous one (clocks
 * drift; the newest sample wins). */
void clock_offset_update(clock_offset_t *o, int64_t sent_ms, int64_t venue_ms, int64_t recv_ms);

/* Venue time now, by our wall clock and the offset (offset 0 when never synced). */
int64_t clock_offset_venue_now(const clock_offset_t *o);

/* True once a sample has been taken. */
bool clock_offset_valid(const clock_offset_t *o);

#endif
