/* journal: a durable, append-only log of opaque records with strictly increasing sequence numbers, for
 * state that must survive a crash (orders sent but not yet acknowledged, events not yet stored).
 *
 * File format (one file at `path`; all integers little-endian): a sequence of records, each a 32-byte
 * header followed by `length` payload bytes:
 *   u32 magic "XRJ1" | u16 type | u16 reserved (0) | u32 length | u64 seq | u64 durable | u32 crc
 * where crc is CRC32C over the first 28 header bytes and the payload, and durable is the highest DATA seq
 * known to be on disk (fdatasync returned) when the record was written. Two record types:
 *   DATA  a caller's record; seq is its sequence number; seqs go up by exactly 1 from one DATA to the next.
 *   MARK  no payload; seq is the "first live seq": every DATA record below it is dropped (acknowledged).
 * Every file begins with a MARK, so the numbering survives even when every record has been dropped.
 *
 * Recovery (journal_open): every record is verified. At the first bad record (short, bad header, bad CRC),
 * expected to hold seq S, the rest of the file is searched for valid records. If one of them says S was
 * already durable when it was written (durable >= S), the bad record is corruption and opening fails: a
 * journal never skips a durable record silently. Otherwise the bad record and everything after it were
 * never durable: a torn last append, or a group-commit batch whose pages reached the disk out of order
 * before its journal_sync returned. That tail is cut off (ftruncate + fsync, logged at warn) and never
 * seen by callers. A record that is valid but breaks the numbering also fails the open. After the scan the
 * file is fdatasynced, so records left in the page cache by a crashed process become durable.
 *
 * Truncation (journal_truncate) appends a MARK (one small durable write; journal_truncate_nosync leaves it to
 * the next sync, for acknowledgements that arrive with every record). When the dropped prefix is large (at least the compaction minimum and at least as big as
 * what is still live) the file is compacted: a leading MARK and the live tail are written to `path.tmp`,
 * fsynced, renamed over `path`, and the directory fsynced. A crash at any point leaves either the old file
 * (whose MARK already hides the dropped records) or the new one; a left-over `path.tmp` is deleted by
 * journal_open. The journal holds an exclusive flock, so two processes cannot open the same path.
 *
 * Preallocation (journal_set_prealloc, off by default): the file is extended ahead of the records by writing
 * zeros, so that an append overwrites blocks the file already has and its fdatasync flushes data only; an
 * append that grows the file must also write the inode with its new size (on this machine's ext4, which runs
 * without a journal: fdatasync p50 ~70 -> ~45 us alone, ~150 -> ~100 us and a p99 of 2-4 -> 0.4-1 ms with
 * three writers). A
 * file that ends in zeros after its last valid record (a preallocated tail) opens as ending at that record,
 * silently, whether or not this process preallocates; anything else after it is recovered as above.
 *
 * Not thread-safe: one owner (a service's event loop or one actor). */
#ifndef XR_BASE_JOURNAL_H
#define XR_BASE_JOURNAL_H

#include "err.h"

#include <stddef.h>
#include <stdint.h>

typedef struct _journal_t journal_t;

#define JOURNAL_HEADER_SIZE 32                    /* bytes of a record header on disk */
#define JOURNAL_MAX_RECORD_LIMIT (64u << 20)      /* largest max_record journal_open accepts (64 MiB) */
#define JOURNAL_COMPACT_MIN_DEFAULT (1u << 20)    /* dropped bytes before truncation compacts the file */
#define JOURNAL_PREALLOC_DEFAULT (1u << 20)       /* preallocation step of the services' journals */

/* Called by journal_replay for each record, in order. data is borrowed for the duration of the call.
 * Return 0 to go on, anything else to stop the replay. */
typedef int(journal_replay_fn)(void *ctx, uint64_t seq, const void *data, size_t len);

/* Opens the journal at path, creating it (durably, with numbering from 1) if it does not exist. Records
 * bigger than max_record bytes (1..JOURNAL_MAX_RECORD_LIMIT) are refused by append. Verifies the whole
 * file and cuts off a torn tail (see above). Returns NULL with err set if the file is corrupt, locked by
 * another journal, or cannot be read. Blocks on disk I/O. Caller owns the result (journal_destroy). */
journal_t *journal_open(const char *path, size_t max_record, err_t *err);

/* Closes the journal (records appended with journal_append_nosync and not synced may be lost) and sets
 * *self_p to NULL. NULL or *self_p == NULL is fine. */
void journal_destroy(journal_t **self_p);

/* Appends one record of len bytes (0..max_record) and fdatasyncs it before returning: once this returns 0
 * the record survives a crash. Sets *seq (may be NULL) to its sequence number. Returns -1 with err set
 * if len > max_record (XR_INVALID_REQUEST, journal unchanged) or on an I/O error (XR_INTERNAL: the
 * partial record is cut off again; if even that fails the journal refuses all further writes). */
int journal_append(journal_t *self, const void *data, size_t len, uint64_t *seq, err_t *err);

/* Like journal_append but without the fdatasync: group commit. Records become durable at the next
 * journal_sync, journal_append or journal_truncate. Same returns. */
int journal_append_nosync(journal_t *self, const void *data, size_t len, uint64_t *seq, err_t *err);

/* Makes every record appended so far durable (one fdatasync). Returns 0, or -1 with err set. */
int journal_sync(journal_t *self, err_t *err);

/* Calls fn for every live record with seq >= from_seq, in order, reading from disk and verifying each
 * CRC again. Returns 0 after the last record; -1 with err set (XR_INTERNAL) if fn stopped the replay (the
 * message says "stopped") or a read failed. fn must not call back into this journal. Blocks. */
int journal_replay(journal_t *self, uint64_t from_seq, journal_replay_fn *fn, void *ctx, err_t *err);

/* Drops every record with seq <= upto_seq, durably; their numbers are never reused, also across reopen.
 * upto_seq below journal_first_seq is a no-op. Returns -1 with err set if upto_seq > journal_last_seq
 * (XR_INVALID_REQUEST: one cannot acknowledge what was never appended) or on an I/O error. May compact
 * the file (see above). Blocks on disk I/O. */
int journal_truncate(journal_t *self, uint64_t upto_seq, err_t *err);

/* Like journal_truncate, but the MARK is not fdatasynced: it becomes durable with the next journal_sync,
 * journal_append or journal_truncate (a compaction is durable anyway). The records are dropped at once for
 * this process and across a process crash; a machine crash before the next sync may bring them back at
 * reopen, with their own numbers (none is lost or renumbered). For acknowledgements whose records the
 * reader takes again idempotently, e.g. events the recorder de-duplicates by sequence. Same returns. */
int journal_truncate_nosync(journal_t *self, uint64_t upto_seq, err_t *err);

/* Moves the numbering of an empty journal forward: the next append gets next_seq (> journal_last_seq + 1
 * is allowed; nothing is live, so nothing is skipped that exists). For a journal whose numbering must follow
 * someone else's (a venue worker whose event journal was lost, while the recorder has stored more). Durable
 * (the file is rewritten as one leading MARK, as compaction does), also across reopen. Returns -1 with err
 * set if the journal holds live records or next_seq <= journal_last_seq + 1 (XR_INVALID_REQUEST), or on an
 * I/O error (the journal is then unchanged). Blocks on disk I/O. */
int journal_skip_to(journal_t *self, uint64_t next_seq, err_t *err);

/* Sequence number of the oldest live record; when the journal is empty, the number the next append gets. */
uint64_t journal_first_seq(const journal_t *self);

/* Sequence number of the newest record ever appended (live or dropped); 0 if none ever was. */
uint64_t journal_last_seq(const journal_t *self);

/* Number of live records: journal_last_seq - journal_first_seq + 1. */
uint64_t journal_count(const journal_t *self);

/* Bytes of records in the journal file: where the next record goes (for health and tests). A preallocated
 * file is longer (zeros). */
uint64_t journal_file_size(const journal_t *self);

/* Preallocation (0 = off, the default): from now on, an append that would grow the file first extends it
 * with zeros to `bytes` past its own end (rounded up to 4 KiB), so the appends after it overwrite zeros
 * until they reach the end again. */
void journal_set_prealloc(journal_t *self, uint64_t bytes);

/* Sets how many dropped bytes must accumulate before journal_truncate compacts the file (default
 * JOURNAL_COMPACT_MIN_DEFAULT; 0 compacts on every truncate that drops something). */
void journal_set_compact_min(journal_t *self, uint64_t bytes);

#endif
