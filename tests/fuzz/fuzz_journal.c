/* fuzz_journal: arbitrary bytes as a journal FILE. Opening must either refuse the file or accept only
 * valid records: replay yields consecutive numbers within bounds, an append continues the numbering, and
 * the result reopens with the same records plus the new one. Any violation aborts. */
#include "base/journal.h"
#include "base/log.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_MAX_RECORD 1024

typedef struct {
    uint64_t next;   /* seq the next callback must carry */
    uint64_t count;  /* records seen */
} s_walk_t;

static int s_check(void *ctx, uint64_t seq, const void *data, size_t len)
{
    s_walk_t *w = ctx;
    if (seq != w->next || len > S_MAX_RECORD || (len && !data))
        abort();
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < len; i++)
        sink ^= ((const uint8_t *) data)[i];
    (void) sink;
    w->next++;
    w->count++;
    return 0;
}

static char s_dir[64];
static char s_path[128];
static char s_tmp[136];

static void s_cleanup(void)
{
    unlink(s_tmp);
    unlink(s_path);
    rmdir(s_dir);
}

static void s_walk(journal_t *j)
{
    s_walk_t w = {.next = journal_first_seq(j)};
    if (journal_replay(j, 0, s_check, &w, NULL) != 0 || w.count != journal_count(j))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* one scratch directory per fuzzing process, removed at exit: the harness's only state */
    if (!s_dir[0]) {
        log_init("fuzz_journal", LOG_LEVEL_OFF);
        /* tmpfs when there is one: the journal fsyncs a lot, which would otherwise set the pace */
        snprintf(s_dir, sizeof s_dir, "/dev/shm/fuzz-journal-XXXXXX");
        if (!mkdtemp(s_dir)) {
            snprintf(s_dir, sizeof s_dir, "/tmp/fuzz-journal-XXXXXX");
            if (!mkdtemp(s_dir))
                abort();
        }
        snprintf(s_path, sizeof s_path, "%s/j.log", s_dir);
        snprintf(s_tmp, sizeof s_tmp, "%s.tmp", s_path);
        atexit(s_cleanup);
    }
    const char *path = s_path;
    unlink(s_tmp);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);

    journal_t *j = journal_open(path, S_MAX_RECORD, NULL);
    if (!j)
        return 0;
    s_walk(j);
    uint64_t count = journal_count(j);
    uint64_t last = journal_last_seq(j);
    uint64_t seq = 0;
    if (journal_append(j, "fuzz", 4, &seq, NULL) != 0 || seq != last + 1)
        abort();
    journal_destroy(&j);

    j = journal_open(path, S_MAX_RECORD, NULL);
    if (!j || journal_count(j) != count + 1 || journal_last_seq(j) != seq)
        abort();
    s_walk(j);
    journal_set_compact_min(j, 0);
    if (journal_truncate(j, seq, NULL) != 0 || journal_count(j) != 0)
        abort();
    journal_destroy(&j);
    j = journal_open(path, S_MAX_RECORD, NULL);
    if (!j || journal_count(j) != 0 || journal_first_seq(j) != seq + 1)
        abort();
    journal_destroy(&j);
    return 0;
}
