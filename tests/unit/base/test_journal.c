/* test_journal: the journal's contract on a real file system: numbering, durability across reopen, torn
 * tails cut at every byte, corruption refused, truncation and compaction that never reuse numbers, and
 * crash leftovers of compaction ignored. */
#include "base/journal.h"

#include "testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    int n;                 /* records seen */
    uint64_t seqs[256];    /* their seqs */
    char data[256][64];    /* their payloads, NUL-terminated */
    size_t lens[256];      /* their lengths */
    int stop_after;        /* stop after this many (0: never) */
} seen_t;

static int s_collect(void *ctx, uint64_t seq, const void *data, size_t len)
{
    seen_t *s = ctx;
    ck_assert_int_lt(s->n, 256);
    ck_assert_uint_lt(len, 64);
    s->seqs[s->n] = seq;
    memcpy(s->data[s->n], data, len);
    s->data[s->n][len] = '\0';
    s->lens[s->n] = len;
    s->n++;
    return s->stop_after && s->n >= s->stop_after ? 1 : 0;
}

static char s_path[1200];

static const char *s_fresh(const char *name)
{
    snprintf(s_path, sizeof s_path, "%s/j.log", tu_scratch_dir(name));
    return s_path;
}

static journal_t *s_open(const char *path, size_t max)
{
    err_t err = {0};
    journal_t *j = journal_open(path, max, &err);
    ck_assert_msg(j != NULL, "open failed: %s", err.msg);
    return j;
}

static uint64_t s_put(journal_t *j, const char *text)
{
    uint64_t seq = 0;
    err_t err = {0};
    ck_assert_msg(journal_append(j, text, strlen(text), &seq, &err) == 0, "append: %s", err.msg);
    return seq;
}

static void s_replay(journal_t *j, uint64_t from, seen_t *seen)
{
    err_t err = {0};
    memset(seen, 0, sizeof *seen);
    ck_assert_msg(journal_replay(j, from, s_collect, seen, &err) == 0, "replay: %s", err.msg);
}

static void s_write_bytes(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    fclose(f);
}

static size_t s_file_size(const char *path)
{
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    return (size_t) st.st_size;
}

START_TEST(test_append_replay_reopen)
{
    const char *path = s_fresh("basic");
    journal_t *j = s_open(path, 1024);
    ck_assert_uint_eq(journal_count(j), 0);
    ck_assert_uint_eq(journal_first_seq(j), 1);
    ck_assert_uint_eq(journal_last_seq(j), 0);
    ck_assert_uint_eq(s_put(j, "alpha"), 1);
    ck_assert_uint_eq(s_put(j, ""), 2);
    ck_assert_uint_eq(s_put(j, "gamma-record"), 3);
    ck_assert_uint_eq(journal_count(j), 3);
    journal_destroy(&j);
    ck_assert_ptr_null(j);
    journal_destroy(&j);

    j = s_open(path, 1024);
    ck_assert_uint_eq(journal_first_seq(j), 1);
    ck_assert_uint_eq(journal_last_seq(j), 3);
    seen_t seen;
    s_replay(j, 0, &seen);
    ck_assert_int_eq(seen.n, 3);
    ck_assert_uint_eq(seen.seqs[0], 1);
    ck_assert_str_eq(seen.data[0], "alpha");
    ck_assert_uint_eq(seen.lens[1], 0);
    ck_assert_str_eq(seen.data[2], "gamma-record");
    s_replay(j, 3, &seen);
    ck_assert_int_eq(seen.n, 1);
    ck_assert_uint_eq(seen.seqs[0], 3);
    s_replay(j, 4, &seen);
    ck_assert_int_eq(seen.n, 0);
    ck_assert_uint_eq(s_put(j, "delta"), 4);
    journal_destroy(&j);
}
END_TEST

/* A journal's numbering can be moved forward while it is empty, durably; never past live records or back. */
START_TEST(test_skip_to)
{
    const char *path = s_fresh("skip");
    journal_t *j = s_open(path, 1024);
    err_t err = {0};
    ck_assert_uint_eq(s_put(j, "a"), 1);
    ck_assert_int_eq(journal_skip_to(j, 10, &err), -1); /* a live record */
    ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
    ck_assert_int_eq(journal_truncate(j, 1, &err), 0);
    ck_assert_int_eq(journal_skip_to(j, 2, &err), -1); /* not ahead */
    ck_assert_int_eq(journal_skip_to(j, 41, &err), 0);
    ck_assert_uint_eq(journal_count(j), 0);
    ck_assert_uint_eq(journal_first_seq(j), 41);
    ck_assert_uint_eq(journal_last_seq(j), 40);
    ck_assert_uint_eq(s_put(j, "b"), 41);
    journal_destroy(&j);
    j = s_open(path, 1024);
    ck_assert_uint_eq(journal_first_seq(j), 41);
    ck_assert_uint_eq(journal_last_seq(j), 41);
    seen_t seen;
    s_replay(j, 0, &seen);
    ck_assert_int_eq(seen.n, 1);
    ck_assert_uint_eq(seen.seqs[0], 41);
    ck_assert_str_eq(seen.data[0], "b");
    ck_assert_uint_eq(s_put(j, "c"), 42);
    journal_destroy(&j);
}
END_TEST

START_TEST(test_replay_stopped_by_callback)
{
    journal_t *j = s_open(s_fresh("stop"), 64);
    for (int i = 0; i < 5; i++)
        s_put(j, "x");
    seen_t seen = {.stop_after = 2};
    err_t err = {0};
    ck_assert_int_eq(journal_replay(j, 1, s_collect, &seen, &err), -1);
    ck_assert_int_eq(seen.n, 2);
    ck_assert_ptr_nonnull(strstr(err.msg, "stopped"));
    journal_destroy(&j);
}
END_TEST

START_TEST(test_group_commit)
{
    const char *path = s_fresh("group");
    journal_t *j = s_open(path, 64);
    err_t err = {0};
    for (uint64_t i = 1; i <= 100; i++) {
        uint64_t seq;
        ck_assert_int_eq(journal_append_nosync(j, "rec", 3, &seq, &err), 0);
        ck_assert_uint_eq(seq, i);
    }
    ck_assert_int_eq(journal_sync(j, &err), 0);
    journal_destroy(&j);
    j = s_open(path, 64);
    ck_assert_uint_eq(journal_count(j), 100);
    ck_assert_uint_eq(journal_last_seq(j), 100);
    journal_destroy(&j);
}
END_TEST

/* Writes three records, then for every length that cuts into the last one, reopens the cut file: the two
 * earlier records survive, the torn one is gone, and numbering continues at 3. */
START_TEST(test_torn_tail_every_offset)
{
    const char *dir = tu_scratch_dir("torn");
    char path[1300];
    snprintf(path, sizeof path, "%s/j.log", dir);
    journal_t *j = s_open(path, 256);
    s_put(j, "first");
    s_put(j, "second");
    size_t good = (size_t) journal_file_size(j);
    s_put(j, "the third record, which will be torn");
    size_t full = (size_t) journal_file_size(j);
    journal_destroy(&j);
    size_t len;
    char *bytes = tu_read_file(path, &len);
    ck_assert_uint_eq(len, full);
    ck_assert_uint_gt(full - good, JOURNAL_HEADER_SIZE);
    for (size_t cut = good; cut < full; cut++) {
        s_write_bytes(path, bytes, cut);
        j = s_open(path, 256);
        ck_assert_uint_eq(journal_last_seq(j), 2);
        ck_assert_uint_eq(journal_file_size(j), good);
        ck_assert_uint_eq(s_file_size(path), good);
        seen_t seen;
        s_replay(j, 1, &seen);
        ck_assert_int_eq(seen.n, 2);
        ck_assert_str_eq(seen.data[0], "first");
        ck_assert_str_eq(seen.data[1], "second");
        ck_assert_uint_eq(s_put(j, "again"), 3);
        journal_destroy(&j);
        j = s_open(path, 256);
        s_replay(j, 1, &seen);
        ck_assert_int_eq(seen.n, 3);
        ck_assert_str_eq(seen.data[2], "again");
        journal_destroy(&j);
    }
    free(bytes);
}
END_TEST

START_TEST(test_torn_tail_bad_crc_and_zeros)
{
    const char *path = s_fresh("tailcrc");
    journal_t *j = s_open(path, 256);
    s_put(j, "one");
    size_t good = (size_t) journal_file_size(j);
    s_put(j, "two");
    journal_destroy(&j);
    size_t len;
    char *bytes = tu_read_file(path, &len);
    bytes[len - 1] ^= 0x01; /* full length, bad CRC, nothing after: torn */
    s_write_bytes(path, bytes, len);
    j = s_open(path, 256);
    ck_assert_uint_eq(journal_last_seq(j), 1);
    ck_assert_uint_eq(journal_file_size(j), good);
    journal_destroy(&j);
    /* a crash after the size grew but before the data landed leaves zeros: the records end before them,
     * and the zeros stay as room for the next records (as a preallocated tail would) */
    char zeros[100] = {0};
    FILE *f = fopen(path, "ab");
    fwrite(zeros, 1, sizeof zeros, f);
    fclose(f);
    j = s_open(path, 256);
    ck_assert_uint_eq(journal_last_seq(j), 1);
    ck_assert_uint_eq(journal_file_size(j), good);
    ck_assert_uint_eq(s_file_size(path), good + sizeof zeros);
    s_put(j, "three");
    ck_assert_uint_eq(s_file_size(path), good + sizeof zeros); /* written into the zeros */
    journal_destroy(&j);
    j = s_open(path, 256);
    ck_assert_uint_eq(journal_last_seq(j), 2);
    ck_assert_uint_eq(journal_file_size(j), good + JOURNAL_HEADER_SIZE + 5);
    journal_destroy(&j);
    free(bytes);
}
END_TEST

static void s_expect_open_fails(const char *path, size_t max, xr_code_t code, const char *needle)
{
    err_t err = {0};
    journal_t *j = journal_open(path, max, &err);
    ck_assert_ptr_null(j);
    ck_assert_int_eq(err.code, code);
    ck_assert_msg(strstr(err.msg, needle) != NULL, "message '%s' lacks '%s'", err.msg, needle);
}

START_TEST(test_corrupt_middle_refused)
{
    const char *path = s_fresh("middle");
    journal_t *j = s_open(path, 256);
    s_put(j, "one");
    size_t second = (size_t) journal_file_size(j);
    s_put(j, "two");
    s_put(j, "three");
    journal_destroy(&j);
    size_t len;
    char *bytes = tu_read_file(path, &len);

    bytes[second + JOURNAL_HEADER_SIZE] ^= 0x20; /* payload of record 2 */
    s_write_bytes(path, bytes, len);
    s_expect_open_fails(path, 256, XR_INTERNAL, "corrupt");
    ck_assert_uint_eq(s_file_size(path), len); /* nothing was cut */
    bytes[second + JOURNAL_HEADER_SIZE] ^= 0x20;

    bytes[second] ^= 0xff; /* magic of record 2 */
    s_write_bytes(path, bytes, len);
    s_expect_open_fails(path, 256, XR_INTERNAL, "corrupt");
    bytes[second] ^= 0xff;

    bytes[second + 8] ^= 0x01; /* length of record 2 */
    s_write_bytes(path, bytes, len);
    s_expect_open_fails(path, 256, XR_INTERNAL, "corrupt");
    bytes[second + 8] ^= 0x01;

    s_write_bytes(path, bytes, len);
    j = s_open(path, 256);
    ck_assert_uint_eq(journal_count(j), 3);
    journal_destroy(&j);
    free(bytes);
}
END_TEST

START_TEST(test_not_a_journal)
{
    const char *path = s_fresh("garbage");
    s_write_bytes(path, "", 0);
    s_expect_open_fails(path, 64, XR_INTERNAL, "not a journal");
    s_write_bytes(path, "hello, this is not a journal at all", 35);
    s_expect_open_fails(path, 64, XR_INTERNAL, "not a journal");
    ck_assert_uint_eq(s_file_size(path), 35);
}
END_TEST

START_TEST(test_big_records_refused)
{
    const char *path = s_fresh("big");
    err_t err = {0};
    ck_assert_ptr_null(journal_open(path, 0, &err));
    ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
    ck_assert_ptr_null(journal_open(path, (size_t) JOURNAL_MAX_RECORD_LIMIT + 1, &err));
    journal_t *j = s_open(path, 100);
    char big[101];
    memset(big, 'b', sizeof big);
    uint64_t size = journal_file_size(j);
    uint64_t seq = 77;
    ck_assert_int_eq(journal_append(j, big, 101, &seq, &err), -1);
    ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
    ck_assert_uint_eq(seq, 77);
    ck_assert_uint_eq(journal_file_size(j), size);
    ck_assert_uint_eq(journal_count(j), 0);
    ck_assert_int_eq(journal_append(j, big, 100, &seq, &err), 0);
    ck_assert_uint_eq(seq, 1);
    journal_destroy(&j);
    /* reopening with a smaller limit refuses the file rather than dropping a valid record */
    s_expect_open_fails(path, 50, XR_INVALID_REQUEST, "exceeds max_record");
    j = s_open(path, 100);
    ck_assert_uint_eq(journal_count(j), 1);
    journal_destroy(&j);
}
END_TEST

START_TEST(test_truncate_keeps_numbering)
{
    const char *path = s_fresh("trunc");
    journal_t *j = s_open(path, 64);
    char text[16];
    for (int i = 1; i <= 5; i++) {
        snprintf(text, sizeof text, "r%d", i);
        s_put(j, text);
    }
    err_t err = {0};
    ck_assert_int_eq(journal_truncate(j, 3, &err), 0);
    ck_assert_uint_eq(journal_first_seq(j), 4);
    ck_assert_uint_eq(journal_count(j), 2);
    seen_t seen;
    s_replay(j, 0, &seen);
    ck_assert_int_eq(seen.n, 2);
    ck_assert_str_eq(seen.data[0], "r4");
    ck_assert_int_eq(journal_truncate(j, 2, &err), 0); /* already dropped: no-op */
    ck_assert_uint_eq(journal_first_seq(j), 4);
    ck_assert_int_eq(journal_truncate(j, 6, &err), -1);
    ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
    journal_destroy(&j);

    j = s_open(path, 64);
    ck_assert_uint_eq(journal_first_seq(j), 4);
    ck_assert_uint_eq(journal_last_seq(j), 5);
    s_replay(j, 1, &seen);
    ck_assert_int_eq(seen.n, 2);
    ck_assert_uint_eq(seen.seqs[0], 4);
    ck_assert_int_eq(journal_truncate(j, 5, &err), 0);
    ck_assert_uint_eq(journal_count(j), 0);
    ck_assert_uint_eq(journal_first_seq(j), 6);
    journal_destroy(&j);

    j = s_open(path, 64);
    ck_assert_uint_eq(journal_count(j), 0);
    ck_assert_uint_eq(journal_first_seq(j), 6);
    ck_assert_uint_eq(journal_last_seq(j), 5);
    s_replay(j, 0, &seen);
    ck_assert_int_eq(seen.n, 0);
    ck_assert_uint_eq(s_put(j, "r6"), 6);
    journal_destroy(&j);
    j = s_open(path, 64);
    s_replay(j, 0, &seen);
    ck_assert_int_eq(seen.n, 1);
    ck_assert_str_eq(seen.data[0], "r6");
    journal_destroy(&j);
}
END_TEST

START_TEST(test_compaction)
{
    const char *path = s_fresh("compact");
    journal_t *j = s_open(path, 64);
    journal_set_compact_min(j, 0);
    for (int i = 0; i < 100; i++)
        s_put(j, "0123456789");
    const uint64_t h = JOURNAL_HEADER_SIZE, rec = JOURNAL_HEADER_SIZE + 10;
    uint64_t full = journal_file_size(j);
    ck_assert_uint_eq(full, h + 100 * rec);
    err_t err = {0};
    /* 40 dropped < 60 live: only a mark is added */
    ck_assert_int_eq(journal_truncate(j, 40, &err), 0);
    ck_assert_uint_eq(journal_file_size(j), full + h);
    /* 70 dropped >= 30 live: compacted to a lead mark + the live tail (30 records and both later marks) */
    ck_assert_int_eq(journal_truncate(j, 70, &err), 0);
    ck_assert_uint_eq(journal_file_size(j), h + 30 * rec + 2 * h);
    ck_assert_uint_eq(s_file_size(path), h + 30 * rec + 2 * h);
    seen_t seen;
    s_replay(j, 0, &seen);
    ck_assert_int_eq(seen.n, 30);
    ck_assert_uint_eq(seen.seqs[0], 71);
    ck_assert_uint_eq(seen.seqs[29], 100);
    ck_assert_uint_eq(s_put(j, "after"), 101);
    /* dropping everything compacts to a single mark that still carries the numbering */
    ck_assert_int_eq(journal_truncate(j, 101, &err), 0);
    ck_assert_uint_eq(journal_file_size(j), h);
    journal_destroy(&j);
    j = s_open(path, 64);
    ck_assert_uint_eq(journal_first_seq(j), 102);
    ck_assert_uint_eq(journal_last_seq(j), 101);
    ck_assert_uint_eq(s_put(j, "next"), 102);
    journal_destroy(&j);
    char tmp[1300];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    ck_assert_int_ne(access(tmp, F_OK), 0);
}
END_TEST

/* Crash states of truncate: the mark written but no compaction yet (the old file alone must hide the
 * dropped records), and a compaction interrupted before its rename (path.tmp left behind, partial or even
 * complete): the journal at path is used, the leftover is deleted. */
/* A MARK written without fdatasync hides the records at once and across reopen; if a machine crash loses it
 * (the file cut back to before the MARK), the records come back with their own numbers and numbering goes on
 * after them: nothing lost, nothing renumbered. A later sync makes it durable like any record. */
START_TEST(test_truncate_nosync)
{
    const char *path = s_fresh("trunc-nosync");
    journal_t *j = s_open(path, 64);
    journal_set_compact_min(j, UINT64_MAX);
    for (int i = 0; i < 5; i++)
        s_put(j, "payload");
    uint64_t before_mark = journal_file_size(j);
    err_t err = {0};
    ck_assert_int_eq(journal_truncate_nosync(j, 3, &err), 0);
    ck_assert_uint_eq(journal_first_seq(j), 4);
    ck_assert_uint_eq(journal_count(j), 2);
    ck_assert_uint_gt(journal_file_size(j), before_mark);
    ck_assert_int_eq(journal_truncate_nosync(j, 6, &err), -1);
    ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
    journal_destroy(&j);

    j = s_open(path, 64); /* a process crash or a clean stop: the page cache has the MARK */
    ck_assert_uint_eq(journal_first_seq(j), 4);
    ck_assert_uint_eq(journal_last_seq(j), 5);
    journal_destroy(&j);

    ck_assert_int_eq(truncate(path, (off_t) before_mark), 0); /* a machine crash lost the MARK */
    j = s_open(path, 64);
    ck_assert_uint_eq(journal_first_seq(j), 1);
    ck_assert_uint_eq(journal_last_seq(j), 5);
    seen_t seen;
    s_replay(j, 0, &seen);
    ck_assert_int_eq(seen.n, 5);
    ck_assert_uint_eq(seen.seqs[4], 5);
    ck_assert_int_eq(journal_truncate_nosync(j, 4, &err), 0);
    ck_assert_uint_eq(s_put(j, "six"), 6); /* a synced append: the MARK before it is durable too */
    journal_destroy(&j);
    j = s_open(path, 64);
    ck_assert_uint_eq(journal_first_seq(j), 5);
    ck_assert_uint_eq(journal_last_seq(j), 6);
    journal_destroy(&j);
}
END_TEST

START_TEST(test_truncate_crash_states)
{
    const char *path = s_fresh("crash");
    journal_t *j = s_open(path, 64);
    journal_set_compact_min(j, UINT64_MAX);
    for (int i = 0; i < 10; i++)
        s_put(j, "payload");
    err_t err = {0};
    ck_assert_int_eq(journal_truncate(j, 8, &err), 0);
    uint64_t size_after_mark = journal_file_size(j);
    journal_destroy(&j);

    char tmp[1300];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    s_write_bytes(tmp, "XRJ1partial-garbage", 19);
    j = s_open(path, 64);
    ck_assert_int_ne(access(tmp, F_OK), 0);
    ck_assert_uint_eq(journal_first_seq(j), 9);
    ck_assert_uint_eq(journal_file_size(j), size_after_mark);
    seen_t seen;
    s_replay(j, 0, &seen);
    ck_assert_int_eq(seen.n, 2);
    ck_assert_uint_eq(seen.seqs[0], 9);
    journal_destroy(&j);

    /* a complete compacted copy that was never renamed: path still wins */
    size_t len;
    char *bytes = tu_read_file(path, &len);
    s_write_bytes(tmp, bytes, len);
    j = s_open(path, 64);
    ck_assert_int_ne(access(tmp, F_OK), 0);
    ck_assert_uint_eq(s_put(j, "eleven"), 11);
    journal_destroy(&j);
    free(bytes);
}
END_TEST

START_TEST(test_exclusive_lock)
{
    const char *path = s_fresh("lock");
    journal_t *j = s_open(path, 64);
    s_expect_open_fails(path, 64, XR_INTERNAL, "in use");
    journal_set_compact_min(j, 0);
    s_put(j, "a");
    s_put(j, "b");
    err_t err = {0};
    ck_assert_int_eq(journal_truncate(j, 2, &err), 0); /* compacts: the lock moves to the new file */
    s_expect_open_fails(path, 64, XR_INTERNAL, "in use");
    journal_destroy(&j);
    j = s_open(path, 64);
    journal_destroy(&j);
}
END_TEST

START_TEST(test_bad_numbering_refused)
{
    const char *path = s_fresh("numbering");
    journal_t *j = s_open(path, 64);
    s_put(j, "one");
    const size_t rec = JOURNAL_HEADER_SIZE + 3;
    size_t first = (size_t) journal_file_size(j) - rec;
    s_put(j, "two");
    journal_destroy(&j);
    size_t len;
    char *bytes = tu_read_file(path, &len);
    /* duplicate record 1 after record 2: valid CRC, wrong seq */
    char *dup = malloc(len + rec);
    memcpy(dup, bytes, len);
    memcpy(dup + len, bytes + first, rec);
    s_write_bytes(path, dup, len + rec);
    s_expect_open_fails(path, 64, XR_INTERNAL, "expected 3");
    free(dup);
    free(bytes);
}
END_TEST

/* Overwrites len bytes at off with zeros: a page that never reached the disk. */
static void s_zero(const char *path, size_t off, size_t len)
{
    int fd = open(path, O_WRONLY);
    ck_assert_int_ge(fd, 0);
    char zeros[256] = {0};
    ck_assert_uint_le(len, sizeof zeros);
    ck_assert_int_eq(pwrite(fd, zeros, len, (off_t) off), (ssize_t) len);
    close(fd);
}

/* A crash during a group commit (records 2..4 written, journal_sync not returned) may persist pages out of
 * order: record 2 lost, 3 and 4 present. None of them was durable, so it is a torn tail, not corruption. */
START_TEST(test_hole_in_unsynced_batch_is_torn_tail)
{
    const char *path = s_fresh("hole");
    journal_t *j = s_open(path, 64);
    s_put(j, "durable");
    size_t second = (size_t) journal_file_size(j);
    err_t err = {0};
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(journal_append_nosync(j, "batch", 5, NULL, &err), 0);
    journal_destroy(&j);
    s_zero(path, second, JOURNAL_HEADER_SIZE + 5);
    j = s_open(path, 64);
    ck_assert_uint_eq(journal_last_seq(j), 1);
    ck_assert_uint_eq(s_file_size(path), second);
    ck_assert_uint_eq(s_put(j, "two"), 2);
    journal_destroy(&j);
}
END_TEST

/* The same hole once the batch was synced: record 5 (written after the sync) says 2..4 were durable, so
 * losing record 2 is corruption and the journal refuses to open rather than lose it silently. */
START_TEST(test_hole_in_synced_batch_is_corruption)
{
    const char *path = s_fresh("synced_hole");
    journal_t *j = s_open(path, 64);
    s_put(j, "durable");
    size_t second = (size_t) journal_file_size(j);
    err_t err = {0};
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(journal_append_nosync(j, "batch", 5, NULL, &err), 0);
    ck_assert_int_eq(journal_sync(j, &err), 0);
    s_put(j, "five");
    journal_destroy(&j);
    s_zero(path, second, JOURNAL_HEADER_SIZE + 5);
    s_expect_open_fails(path, 64, XR_INTERNAL, "durable");
}
END_TEST

/* Records a crashed process left unsynced become durable when the journal is reopened, so later records
 * may vouch for them. */
START_TEST(test_reopen_makes_unsynced_durable)
{
    const char *path = s_fresh("reopen_sync");
    journal_t *j = s_open(path, 64);
    err_t err = {0};
    ck_assert_int_eq(journal_append_nosync(j, "one", 3, NULL, &err), 0);
    size_t second = (size_t) journal_file_size(j);
    ck_assert_int_eq(journal_append_nosync(j, "two", 3, NULL, &err), 0);
    journal_destroy(&j); /* like a crash: no sync */
    j = s_open(path, 64);
    ck_assert_uint_eq(s_put(j, "three"), 3);
    journal_destroy(&j);
    s_zero(path, second, JOURNAL_HEADER_SIZE + 3);
    s_expect_open_fails(path, 64, XR_INTERNAL, "durable");
}
END_TEST

/* Replay reads from disk and checks every CRC again: a record damaged after open is reported, not
 * delivered. */
START_TEST(test_replay_detects_later_damage)
{
    const char *path = s_fresh("damage");
    journal_t *j = s_open(path, 64);
    size_t first = (size_t) journal_file_size(j);
    s_put(j, "intact?");
    s_put(j, "second");
    int fd = open(path, O_WRONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pwrite(fd, "X", 1, (off_t) (first + JOURNAL_HEADER_SIZE)), 1);
    close(fd);
    seen_t seen = {0};
    err_t err = {0};
    ck_assert_int_eq(journal_replay(j, 0, s_collect, &seen, &err), -1);
    ck_assert_int_eq(seen.n, 0);
    ck_assert_ptr_nonnull(strstr(err.msg, "changed on disk"));
    journal_destroy(&j);
}
END_TEST

/* Preallocation: the file runs ahead of the records in zeros, appends land inside it without growing it,
 * and a reopen (with or without preallocation) ends the records before the zeros and keeps them as room. */
START_TEST(test_prealloc_room)
{
    const char *path = s_fresh("prealloc");
    journal_t *j = s_open(path, 64);
    journal_set_prealloc(j, 8192);
    s_put(j, "one");
    size_t logical = (size_t) journal_file_size(j);
    ck_assert_uint_eq(logical, 2 * JOURNAL_HEADER_SIZE + 3);
    size_t physical = s_file_size(path);
    ck_assert_uint_ge(physical, logical + 8192);
    ck_assert_uint_eq(physical % 4096, 0);
    for (int i = 0; i < 20; i++)
        s_put(j, "0123456789");
    ck_assert_uint_eq(s_file_size(path), physical); /* inside the room: the file did not grow */
    journal_destroy(&j);
    j = s_open(path, 64); /* no preallocation set: still opens cleanly, nothing cut */
    ck_assert_uint_eq(journal_last_seq(j), 21);
    ck_assert_uint_eq(journal_file_size(j), logical + 20 * (JOURNAL_HEADER_SIZE + 10));
    ck_assert_uint_eq(s_file_size(path), physical);
    ck_assert_uint_eq(s_put(j, "two"), 22); /* appended after the records, in the zeros */
    ck_assert_uint_eq(s_file_size(path), physical);
    seen_t seen;
    s_replay(j, 0, &seen);
    ck_assert_int_eq(seen.n, 22);
    ck_assert_str_eq(seen.data[0], "one");
    ck_assert_str_eq(seen.data[21], "two");
    journal_destroy(&j);
}
END_TEST

/* Appends that outrun the room extend the file again, in steps; the records stay readable across it. */
START_TEST(test_prealloc_extends)
{
    const char *path = s_fresh("prealloc_ext");
    journal_t *j = s_open(path, 64);
    journal_set_prealloc(j, 4096);
    for (int i = 0; i < 300; i++) /* 300 * 42 bytes: past the first step several times */
        s_put(j, "0123456789");
    size_t logical = (size_t) journal_file_size(j);
    ck_assert_uint_gt(s_file_size(path), logical);
    ck_assert_uint_le(s_file_size(path), logical + 4096 + 4096); /* one step (page-rounded) at most ahead */
    journal_destroy(&j);
    j = s_open(path, 64);
    ck_assert_uint_eq(journal_last_seq(j), 300);
    ck_assert_uint_eq(journal_file_size(j), logical);
    journal_destroy(&j);
}
END_TEST

/* A torn record inside the room (its header landed, the rest is zeros, or garbage after it) is not a zero
 * tail: it is recovered as a torn tail (cut, with the room) and the records before it stay. A durable
 * record damaged inside a preallocated file is still corruption. */
START_TEST(test_prealloc_torn_inside_room)
{
    const char *path = s_fresh("prealloc_torn");
    journal_t *j = s_open(path, 64);
    journal_set_prealloc(j, 8192);
    s_put(j, "one");
    size_t logical = (size_t) journal_file_size(j);
    err_t err = {0};
    ck_assert_int_eq(journal_append_nosync(j, "torn", 4, NULL, &err), 0);
    journal_destroy(&j);
    size_t len;
    char *bytes = tu_read_file(path, &len);
    memset(bytes + logical + JOURNAL_HEADER_SIZE, 0, 4); /* the payload never landed */
    s_write_bytes(path, bytes, len);
    free(bytes);
    j = s_open(path, 64);
    ck_assert_uint_eq(journal_last_seq(j), 1);
    ck_assert_uint_eq(journal_file_size(j), logical);
    ck_assert_uint_eq(s_file_size(path), logical); /* cut, room and all */
    journal_set_prealloc(j, 8192);
    ck_assert_uint_eq(s_put(j, "two"), 2);
    ck_assert_uint_ge(s_file_size(path), logical + 8192);
    journal_destroy(&j);
    /* damage the durable record 1 (its payload) while the synced record 2 says 1 was durable */
    bytes = tu_read_file(path, &len);
    bytes[JOURNAL_HEADER_SIZE + JOURNAL_HEADER_SIZE] ^= 0x01;
    s_write_bytes(path, bytes, len);
    free(bytes);
    s_expect_open_fails(path, 64, XR_INTERNAL, "corrupt");
}
END_TEST

/* Compaction and renumbering write a new file without room; the next append makes room again. */
START_TEST(test_prealloc_compaction)
{
    const char *path = s_fresh("prealloc_compact");
    journal_t *j = s_open(path, 64);
    journal_set_prealloc(j, 4096);
    journal_set_compact_min(j, 0);
    for (int i = 0; i < 100; i++)
        s_put(j, "0123456789");
    err_t err = {0};
    ck_assert_int_eq(journal_truncate(j, 90, &err), 0);
    const uint64_t h = JOURNAL_HEADER_SIZE, rec = JOURNAL_HEADER_SIZE + 10;
    ck_assert_uint_eq(journal_file_size(j), h + 10 * rec + h);
    ck_assert_uint_eq(s_file_size(path), h + 10 * rec + h);
    ck_assert_uint_eq(s_put(j, "after"), 101);
    ck_assert_uint_ge(s_file_size(path), journal_file_size(j) + 4096);
    journal_destroy(&j);
    j = s_open(path, 64);
    seen_t seen;
    s_replay(j, 0, &seen);
    ck_assert_int_eq(seen.n, 11);
    ck_assert_uint_eq(seen.seqs[0], 91);
    ck_assert_str_eq(seen.data[10], "after");
    journal_destroy(&j);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("journal");
    TCase *tc = tcase_create("journal");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_append_replay_reopen);
    tcase_add_test(tc, test_replay_stopped_by_callback);
    tcase_add_test(tc, test_group_commit);
    tcase_add_test(tc, test_torn_tail_every_offset);
    tcase_add_test(tc, test_torn_tail_bad_crc_and_zeros);
    tcase_add_test(tc, test_corrupt_middle_refused);
    tcase_add_test(tc, test_not_a_journal);
    tcase_add_test(tc, test_big_records_refused);
    tcase_add_test(tc, test_truncate_keeps_numbering);
    tcase_add_test(tc, test_compaction);
    tcase_add_test(tc, test_truncate_crash_states);
    tcase_add_test(tc, test_truncate_nosync);
    tcase_add_test(tc, test_exclusive_lock);
    tcase_add_test(tc, test_bad_numbering_refused);
    tcase_add_test(tc, test_hole_in_unsynced_batch_is_torn_tail);
    tcase_add_test(tc, test_hole_in_synced_batch_is_corruption);
    tcase_add_test(tc, test_reopen_makes_unsynced_durable);
    tcase_add_test(tc, test_replay_detects_later_damage);
    tcase_add_test(tc, test_skip_to);
    tcase_add_test(tc, test_prealloc_room);
    tcase_add_test(tc, test_prealloc_extends);
    tcase_add_test(tc, test_prealloc_torn_inside_room);
    tcase_add_test(tc, test_prealloc_compaction);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(s_suite());
}
