/* clock: time sources and venue clock offset. */
#include "clock.h"

#include <stdio.h>
#include <time.h>

int64_t clock_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t clock_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t clock_mono_ms(void)
{
    return clock_mono_ns() / 1000000;
}

size_t clock_format_iso(int64_t epoch_ms, char *out, size_t cap)
{
    if (cap < 25)
        return 0;
    time_t secs = (time_t) (epoch_ms / 1000);
    int ms = (int) (epoch_ms % 1000);
    if (ms < 0) {
        ms += 1000;
        secs -= 1;
    }
    struct tm tm;
    gmtime_r(&secs, &tm);
    int n = snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
    return n > 0 && (size_t) n < cap ? (size_t) n : 0;
}

void clock_offset_update(clock_offset_t *o, int64_t sent_ms, int64_t venue_ms, int64_t recv_ms)
{
    int64_t rtt = recv_ms - sent_ms;
    if (rtt < 0)
        rtt = 0;
    o->offset_ms = venue_ms - (sent_ms + rtt / 2);
    o->rtt_ms = rtt;
    o->synced_at_ms = recv_ms;
}

int64_t clock_offset_venue_now(const clock_offset_t *o)
{
    return clock_wall_ms() + o->offset_ms;
}

bool clock_offset_valid(const clock_offset_t *o)
{
    return o->synced_at_ms != 0;
}
