/* journal: append-only durable record log with torn-tail recovery and crash-safe truncation. The file
 * format and the recovery rules are described in journal.h. */
#include "journal.h"

#include "log.h"
#include "mem.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define S_MAGIC 0x314a5258u /* "XRJ1" read as little-endian u32 */
#define S_TYPE_DATA 1
#define S_TYPE_MARK 2
#define S_CRC_OFFSET 28     /* the CRC covers header bytes [0, 28) and the payload */
#define S_COPY_CHUNK 65536

static const uint8_t s_zeros[S_COPY_CHUNK]; /* what preallocation writes and a zero tail is compared with */

struct _journal_t {
    char *path;            /* journal file */
    char *tmp_path;        /* path.tmp, the compaction target */
    char *dir_path;        /* directory holding path, fsynced after renames */
    int fd;                /* open, flocked journal file */
    size_t max_record;     /* largest payload accepted */
    uint64_t size;         /* bytes of valid records: where the next record goes */
    uint64_t alloc;        /* bytes of the file: size plus the zeroed room after it (preallocation) */
    uint64_t prealloc;     /* room to keep ahead of size; 0 = none */
    uint64_t first_live;   /* first live seq (the newest MARK) */
    uint64_t next_seq;     /* seq the next DATA record gets */
    uint64_t durable_seq;  /* every DATA record up to this seq is known to be on disk (fdatasync returned) */
    uint64_t live_off;     /* offset of the first live DATA record, or size if there is none */
    uint64_t compact_min;  /* dropped bytes before truncate compacts */
    bool broken;           /* a failed write could not be undone: refuse writes until reopened */
    bool in_replay;        /* a replay callback is running: reentry is a bug */
    uint8_t *buf;          /* replay payload buffer */
    size_t buf_cap;        /* bytes allocated in buf (grows up to max_record) */
};

typedef struct {
    uint16_t type;    /* S_TYPE_DATA or S_TYPE_MARK */
    uint32_t length;  /* payload bytes */
    uint64_t seq;     /* DATA: its number; MARK: first live seq */
    uint64_t durable; /* the writer's durable_seq when the record was written */
    uint32_t crc;     /* stored CRC32C */
} s_header_t;

typedef enum {
    S_REC_VALID = 0,  /* a well-formed record with a good CRC */
    S_REC_BAD,        /* short, malformed or bad CRC: torn or corrupt */
    S_REC_TOO_BIG,    /* valid, but its payload exceeds max_record */
    S_REC_IO          /* the read failed; err is set */
} s_rec_t;

/* CRC32C (Castagnoli, reflected polynomial 0x82F63B78), table-driven. */
static const uint32_t s_crc_table[256] = {
    0x00000000, 0xf26b8303, 0xe13b70f7, 0x1350f3f4, 0xc79a971f, 0x35f1141c,
    0x26a1e7e8, 0xd4ca64eb, 0x8ad958cf, 0x78b2dbcc, 0x6be22838, 0x9989ab3b,
    0x4d43cfd0, 0xbf284cd3, 0xac78bf27, 0x5e133c24, 0x105ec76f, 0xe235446c,
    0xf165b798, 0x030e349b, 0xd7c45070, 0x25afd373, 0x36ff2087, 0xc494a384,
    0x9a879fa0, 0x68ec1ca3, 0x7bbcef57, 0x89d76c54, 0x5d1d08bf, 0xaf768bbc,
    0xbc267848, 0x4e4dfb4b, 0x20bd8ede, 0xd2d60ddd, 0xc186fe29, 0x33ed7d2a,
    0xe72719c1, 0x154c9ac2, 0x061c6936, 0xf477ea35, 0xaa64d611, 0x580f5512,
    0x4b5fa6e6, 0xb93425e5, 0x6dfe410e, 0x9f95c20d, 0x8cc531f9, 0x7eaeb2fa,
    0x30e349b1, 0xc288cab2, 0xd1d83946, 0x23b3ba45, 0xf779deae, 0x05125dad,
    0x1642ae59, 0xe4292d5a, 0xba3a117e, 0x4851927d, 0x5b016189, 0xa96ae28a,
    0x7da08661, 0x8fcb0562, 0x9c9bf696, 0x6ef07595, 0x417b1dbc, 0xb3109ebf,
    0xa0406d4b, 0x522bee48, 0x86e18aa3, 0x748a09a0, 0x67dafa54, 0x95b17957,
    0xcba24573, 0x39c9c670, 0x2a993584, 0xd8f2b687, 0x0c38d26c, 0xfe53516f,
    0xed03a29b, 0x1f682198, 0x5125dad3, 0xa34e59d0, 0xb01eaa24, 0x42752927,
    0x96bf4dcc, 0x64d4cecf, 0x77843d3b, 0x85efbe38, 0xdbfc821c, 0x2997011f,
    0x3ac7f2eb, 0xc8ac71e8, 0x1c661503, 0xee0d9600, 0xfd5d65f4, 0x0f36e6f7,
    0x61c69362, 0x93ad1061, 0x80fde395, 0x72966096, 0xa65c047d, 0x5437877e,
    0x4767748a, 0xb50cf789, 0xeb1fcbad, 0x197448ae, 0x0a24bb5a, 0xf84f3859,
    0x2c855cb2, 0xdeeedfb1, 0xcdbe2c45, 0x3fd5af46, 0x7198540d, 0x83f3d70e,
    0x90a324fa, 0x62c8a7f9, 0xb602c312, 0x44694011, 0x5739b3e5, 0xa55230e6,
    0xfb410cc2, 0x092a8fc1, 0x1a7a7c35, 0xe811ff36, 0x3cdb9bdd, 0xceb018de,
    0xdde0eb2a, 0x2f8b6829, 0x82f63b78, 0x709db87b, 0x63cd4b8f, 0x91a6c88c,
    0x456cac67, 0xb7072f64, 0xa457dc90, 0x563c5f93, 0x082f63b7, 0xfa44e0b4,
    0xe9141340, 0x1b7f9043, 0xcfb5f4a8, 0x3dde77ab, 0x2e8e845f, 0xdce5075c,
    0x92a8fc17, 0x60c37f14, 0x73938ce0, 0x81f80fe3, 0x55326b08, 0xa759e80b,
    0xb4091bff, 0x466298fc, 0x1871a4d8, 0xea1a27db, 0xf94ad42f, 0x0b21572c,
    0xdfeb33c7, 0x2d80b0c4, 0x3ed04330, 0xccbbc033, 0xa24bb5a6, 0x502036a5,
    0x4370c551, 0xb11b4652, 0x65d122b9, 0x97baa1ba, 0x84ea524e, 0x7681d14d,
    0x2892ed69, 0xdaf96e6a, 0xc9a99d9e, 0x3bc21e9d, 0xef087a76, 0x1d63f975,
    0x0e330a81, 0xfc588982, 0xb21572c9, 0x407ef1ca, 0x532e023e, 0xa145813d,
    0x758fe5d6, 0x87e466d5, 0x94b49521, 0x66df1622, 0x38cc2a06, 0xcaa7a905,
    0xd9f75af1, 0x2b9cd9f2, 0xff56bd19, 0x0d3d3e1a, 0x1e6dcdee, 0xec064eed,
    0xc38d26c4, 0x31e6a5c7, 0x22b65633, 0xd0ddd530, 0x0417b1db, 0xf67c32d8,
    0xe52cc12c, 0x1747422f, 0x49547e0b, 0xbb3ffd08, 0xa86f0efc, 0x5a048dff,
    0x8ecee914, 0x7ca56a17, 0x6ff599e3, 0x9d9e1ae0, 0xd3d3e1ab, 0x21b862a8,
    0x32e8915c, 0xc083125f, 0x144976b4, 0xe622f5b7, 0xf5720643, 0x07198540,
    0x590ab964, 0xab613a67, 0xb831c993, 0x4a5a4a90, 0x9e902e7b, 0x6cfbad78,
    0x7fab5e8c, 0x8dc0dd8f, 0xe330a81a, 0x115b2b19, 0x020bd8ed, 0xf0605bee,
    0x24aa3f05, 0xd6c1bc06, 0xc5914ff2, 0x37faccf1, 0x69e9f0d5, 0x9b8273d6,
    0x88d28022, 0x7ab90321, 0xae7367ca, 0x5c18e4c9, 0x4f48173d, 0xbd23943e,
    0xf36e6f75, 0x0105ec76, 0x12551f82, 0xe03e9c81, 0x34f4f86a, 0xc69f7b69,
    0xd5cf889d, 0x27a40b9e, 0x79b737ba, 0x8bdcb4b9, 0x988c474d, 0x6ae7c44e,
    0xbe2da0a5, 0x4c4623a6, 0x5f16d052, 0xad7d5351,
};

static uint32_t s_crc_update(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *p = data;
    while (len--)
        crc = s_crc_table[(crc ^ *p++) & 0xffu] ^ (crc >> 8);
    return crc;
}

static void s_put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t) v;
    p[1] = (uint8_t) (v >> 8);
}

static void s_put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t) (v >> (8 * i));
}

static void s_put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t) (v >> (8 * i));
}

static uint16_t s_get_u16(const uint8_t *p)
{
    return (uint16_t) (p[0] | (p[1] << 8));
}

static uint32_t s_get_u32(const uint8_t *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint64_t s_get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* Encodes a header; returns the CRC state after the header bytes, to be continued over the payload. */
static uint32_t s_encode_header(uint8_t *raw, uint16_t type, uint32_t length, uint64_t seq, uint64_t durable)
{
    s_put_u32(raw, S_MAGIC);
    s_put_u16(raw + 4, type);
    s_put_u16(raw + 6, 0);
    s_put_u32(raw + 8, length);
    s_put_u64(raw + 12, seq);
    s_put_u64(raw + 20, durable);
    return s_crc_update(0xffffffffu, raw, S_CRC_OFFSET);
}

/* Reads exactly len bytes at off. Returns 0, 1 if the file ends first, or -1 with err set. */
static int s_pread_full(int fd, void *data, size_t len, uint64_t off, err_t *err)
{
    uint8_t *p = data;
    while (len > 0) {
        ssize_t n = pread(fd, p, len, (off_t) off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return err_set(err, XR_INTERNAL, "journal read failed at offset %" PRIu64 ": %s", off, strerror(errno));
        if (n == 0)
            return 1;
        p += n;
        len -= (size_t) n;
        off += (uint64_t) n;
    }
    return 0;
}

/* Writes every byte of the iovecs at off (short writes are continued). Returns 0, or -1 with errno set. */
static int s_pwritev_full(int fd, struct iovec *iov, int iovcnt, uint64_t off)
{
    while (iovcnt > 0) {
        ssize_t n = pwritev(fd, iov, iovcnt, (off_t) off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return -1;
        }
        off += (uint64_t) n;
        while (iovcnt > 0 && (size_t) n >= iov->iov_len) {
            n -= (ssize_t) iov->iov_len;
            iov++;
            iovcnt--;
        }
        if (iovcnt > 0) {
            iov->iov_base = (uint8_t *) iov->iov_base + n;
            iov->iov_len -= (size_t) n;
        }
    }
    return 0;
}

static int s_fsync_dir(const char *dir)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return -1;
    int rc = fsync(dfd);
    close(dfd);
    return rc;
}

static void s_decode_header(const uint8_t *raw, s_header_t *h)
{
    h->type = s_get_u16(raw + 4);
    h->length = s_get_u32(raw + 8);
    h->seq = s_get_u64(raw + 12);
    h->durable = s_get_u64(raw + 20);
    h->crc = s_get_u32(raw + S_CRC_OFFSET);
}

/* Checks the record at off of a file of file_size bytes: header shape, bounds, and the CRC (streamed, so
 * no record is ever held in memory here). With only_fitting, a record longer than max_record is BAD
 * without reading it. Fills *h when the header could be read. */
static s_rec_t s_check_record(journal_t *self, uint64_t off, uint64_t file_size, bool only_fitting, s_header_t *h,
                              err_t *err)
{
    uint8_t raw[JOURNAL_HEADER_SIZE];
    if (file_size < off || file_size - off < JOURNAL_HEADER_SIZE)
        return S_REC_BAD;
    int rc = s_pread_full(self->fd, raw, sizeof raw, off, err);
    if (rc != 0)
        return rc < 0 ? S_REC_IO : S_REC_BAD;
    s_decode_header(raw, h);
    if (s_get_u32(raw) != S_MAGIC || s_get_u16(raw + 6) != 0)
        return S_REC_BAD;
    if (h->type != S_TYPE_DATA && h->type != S_TYPE_MARK)
        return S_REC_BAD;
    if (h->type == S_TYPE_MARK && h->length != 0)
        return S_REC_BAD;
    if (file_size - off - JOURNAL_HEADER_SIZE < h->length || (only_fitting && h->length > self->max_record))
        return S_REC_BAD;
    uint32_t crc = s_crc_update(0xffffffffu, raw, S_CRC_OFFSET);
    uint8_t chunk[4096];
    uint64_t pos = off + JOURNAL_HEADER_SIZE;
    for (uint32_t left = h->length; left > 0;) {
        size_t n = left < sizeof chunk ? left : sizeof chunk;
        rc = s_pread_full(self->fd, chunk, n, pos, err);
        if (rc != 0)
            return rc < 0 ? S_REC_IO : S_REC_BAD;
        crc = s_crc_update(crc, chunk, n);
        pos += n;
        left -= (uint32_t) n;
    }
    if ((crc ^ 0xffffffffu) != h->crc)
        return S_REC_BAD;
    return h->length > self->max_record ? S_REC_TOO_BIG : S_REC_VALID;
}

/* Checks every valid record after a bad region at bad_off (found by their magic; the interior of a valid
 * record is skipped, and a candidate longer than max_record is not considered, which bounds the work).
 * Sets *corrupt_at to the offset of the first one proving the region was once durable (its durable field
 * reaches expected_seq, the seq the bad region should have held), else UINT64_MAX; *unsynced counts the
 * others. Returns 0, or -1 with err set on a read error. Used only in recovery. */
static int s_scan_after_bad(journal_t *self, uint64_t bad_off, uint64_t file_size, uint64_t expected_seq,
                            uint64_t *corrupt_at, uint64_t *unsynced, err_t *err)
{
    uint8_t chunk[4096];
    uint8_t magic[4];
    s_put_u32(magic, S_MAGIC);
    *corrupt_at = UINT64_MAX;
    *unsynced = 0;
    uint64_t pos = bad_off + 1;
    while (pos < file_size && file_size - pos >= JOURNAL_HEADER_SIZE) {
        size_t n = file_size - pos < sizeof chunk ? (size_t) (file_size - pos) : sizeof chunk;
        if (s_pread_full(self->fd, chunk, n, pos, err) != 0)
            return err_set(err, XR_INTERNAL, "journal read failed during recovery at offset %" PRIu64, pos);
        uint64_t next = pos + n - 3; /* the last 3 bytes may start a magic that straddles the chunk end */
        for (size_t i = 0; i + 4 <= n; i++) {
            if (memcmp(chunk + i, magic, 4) != 0)
                continue;
            s_header_t h;
            s_rec_t rec = s_check_record(self, pos + i, file_size, true, &h, err);
            if (rec == S_REC_IO)
                return -1;
            if (rec != S_REC_VALID)
                continue;
            if (h.durable >= expected_seq) {
                *corrupt_at = pos + i;
                return 0;
            }
            (*unsynced)++;
            next = pos + i + JOURNAL_HEADER_SIZE + h.length;
            break;
        }
        pos = next;
    }
    return 0;
}

/* A bad record at off. If a later record shows that the seq expected here was durable when it was
 * written, the file is corrupt. Otherwise this is the tail of a crash: the last append, or a group-commit
 * batch whose pages reached the disk out of order (none of it was durable yet). Either way everything from
 * off on was never acknowledged as durable and is cut off. */
static int s_recover_tail(journal_t *self, uint64_t off, uint64_t file_size, err_t *err)
{
    uint64_t corrupt_at, unsynced;
    if (s_scan_after_bad(self, off, file_size, self->next_seq, &corrupt_at, &unsynced, err) != 0)
        return -1;
    if (corrupt_at != UINT64_MAX)
        return err_set(err, XR_INTERNAL,
                       "journal %s corrupt: bad record at offset %" PRIu64 " (seq %" PRIu64
                       ") but the record at offset %" PRIu64 " says it was durable",
                       self->path, off, self->next_seq, corrupt_at);
    if (ftruncate(self->fd, (off_t) off) != 0 || fsync(self->fd) != 0)
        return err_set(err, XR_INTERNAL, "journal %s: cutting torn tail failed: %s", self->path, strerror(errno));
    log_warn("journal path=%s torn tail at offset=%" PRIu64 " seq=%" PRIu64 " dropped_bytes=%" PRIu64
             " unsynced_records_after=%" PRIu64 ", cut off", self->path, off, self->next_seq, file_size - off,
             unsynced);
    return 0;
}

/* 1 if [off, file_size) holds only zero bytes (a preallocated tail, or nothing), 0 if not, -1 on a read
 * error (err set). */
static int s_zero_tail(journal_t *self, uint64_t off, uint64_t file_size, err_t *err)
{
    uint8_t chunk[4096];
    for (uint64_t pos = off; pos < file_size;) {
        size_t n = file_size - pos < sizeof chunk ? (size_t) (file_size - pos) : sizeof chunk;
        if (s_pread_full(self->fd, chunk, n, pos, err) != 0)
            return err_set(err, XR_INTERNAL, "journal %s: read failed at offset %" PRIu64, self->path, pos);
        if (memcmp(chunk, s_zeros, n) != 0)
            return 0;
        pos += n;
    }
    return 1;
}

/* Applies a valid record's numbering to the journal's state; returns -1 if it breaks the rules. */
static int s_apply(journal_t *self, const s_header_t *h, uint64_t off, err_t *err)
{
    if (off == 0) {
        if (h->type != S_TYPE_MARK || h->seq == 0)
            return err_set(err, XR_INTERNAL, "journal %s: file does not begin with a mark", self->path);
        self->first_live = self->next_seq = h->seq;
        return 0;
    }
    if (h->durable >= self->next_seq) /* a writer's durable seq is always below its next seq */
        return err_set(err, XR_INTERNAL, "journal %s corrupt: record at offset %" PRIu64 " claims seq %" PRIu64
                       " durable before it was written", self->path, off, h->durable);
    if (h->type == S_TYPE_DATA) {
        if (h->seq != self->next_seq || h->seq == UINT64_MAX)
            return err_set(err, XR_INTERNAL, "journal %s corrupt: seq %" PRIu64 " at offset %" PRIu64 ", expected %" PRIu64,
                           self->path, h->seq, off, self->next_seq);
        self->next_seq++;
        return 0;
    }
    if (h->seq < self->first_live || h->seq > self->next_seq)
        return err_set(err, XR_INTERNAL, "journal %s corrupt: mark %" PRIu64 " at offset %" PRIu64 " outside [%" PRIu64
                       ", %" PRIu64 "]", self->path, h->seq, off, self->first_live, self->next_seq);
    self->first_live = h->seq;
    return 0;
}

/* Verifies the whole file, cuts a torn tail, and sets size, first_live and next_seq. */
static int s_scan(journal_t *self, err_t *err)
{
    struct stat st;
    if (fstat(self->fd, &st) != 0)
        return err_set(err, XR_INTERNAL, "journal %s: stat failed: %s", self->path, strerror(errno));
    uint64_t file_size = (uint64_t) st.st_size;
    uint64_t off = 0;
    while (off < file_size || off == 0) {
        s_header_t h;
        s_rec_t rec = s_check_record(self, off, file_size, false, &h, err);
        if (rec == S_REC_IO)
            return -1;
        if (rec == S_REC_TOO_BIG)
            return err_set(err, XR_INVALID_REQUEST, "journal %s: record of %" PRIu32 " bytes at offset %" PRIu64
                           " exceeds max_record %zu", self->path, h.length, off, self->max_record);
        if (rec == S_REC_BAD && off == 0)
            return err_set(err, XR_INTERNAL, "journal %s: not a journal (no valid leading mark)", self->path);
        if (rec == S_REC_BAD) {
            int zero = s_zero_tail(self, off, file_size, err);
            if (zero < 0)
                return -1;
            if (zero) { /* the zeroed room of a preallocated file: the records end here */
                self->size = off;
                self->alloc = file_size;
                return 0;
            }
            if (s_recover_tail(self, off, file_size, err) != 0)
                return -1;
            break;
        }
        if (s_apply(self, &h, off, err) != 0)
            return -1;
        off += JOURNAL_HEADER_SIZE + (uint64_t) h.length;
    }
    self->size = self->alloc = off;
    return 0;
}

/* Moves live_off forward past dropped records and marks, to the first DATA with seq >= first_live. */
static int s_advance_live(journal_t *self, err_t *err)
{
    while (self->live_off < self->size) {
        uint8_t raw[JOURNAL_HEADER_SIZE];
        if (s_pread_full(self->fd, raw, sizeof raw, self->live_off, err) != 0)
            return err_set(err, XR_INTERNAL, "journal %s: short read at offset %" PRIu64, self->path, self->live_off);
        s_header_t h;
        s_decode_header(raw, &h);
        if (h.type == S_TYPE_DATA && h.seq >= self->first_live)
            break;
        self->live_off += JOURNAL_HEADER_SIZE + (uint64_t) h.length;
    }
    return 0;
}

/* Writes a file holding one MARK at `seq` to tmp_path, durably; returns its open, flocked fd or -1. */
static int s_write_fresh(journal_t *self, uint64_t seq, err_t *err)
{
    uint8_t raw[JOURNAL_HEADER_SIZE];
    uint32_t crc = s_encode_header(raw, S_TYPE_MARK, 0, seq, self->durable_seq);
    s_put_u32(raw + S_CRC_OFFSET, crc ^ 0xffffffffu);
    int fd = open(self->tmp_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return err_set(err, XR_INTERNAL, "journal %s: cannot create: %s", self->tmp_path, strerror(errno));
    struct iovec iov = {.iov_base = raw, .iov_len = sizeof raw};
    if (flock(fd, LOCK_EX | LOCK_NB) != 0 || s_pwritev_full(fd, &iov, 1, 0) != 0) {
        err_set(err, XR_INTERNAL, "journal %s: cannot write: %s", self->tmp_path, strerror(errno));
        close(fd);
        unlink(self->tmp_path);
        return -1;
    }
    return fd;
}

/* Makes tmp_path (open as fd) durable and renames it over path. Returns 0; -1 with err set if it failed
 * before the rename (tmp removed, path untouched); 1 with err set if only the directory fsync failed (the
 * new file is in place but its name may not survive a crash). */
static int s_install(journal_t *self, int fd, err_t *err)
{
    if (fsync(fd) != 0) {
        err_set(err, XR_INTERNAL, "journal %s: fsync failed: %s", self->tmp_path, strerror(errno));
        unlink(self->tmp_path);
        return -1;
    }
    if (rename(self->tmp_path, self->path) != 0) {
        err_set(err, XR_INTERNAL, "journal %s: rename failed: %s", self->path, strerror(errno));
        unlink(self->tmp_path);
        return -1;
    }
    if (s_fsync_dir(self->dir_path) != 0) {
        err_set(err, XR_INTERNAL, "journal %s: directory fsync failed: %s", self->dir_path, strerror(errno));
        return 1;
    }
    return 0;
}

static void s_split_paths(journal_t *self, const char *path)
{
    size_t len = strlen(path);
    self->path = mem_strdup(path);
    self->tmp_path = mem_alloc(len + 5);
    memcpy(self->tmp_path, path, len);
    memcpy(self->tmp_path + len, ".tmp", 5);
    const char *slash = strrchr(path, '/');
    if (!slash)
        self->dir_path = mem_strdup(".");
    else if (slash == path)
        self->dir_path = mem_strdup("/");
    else
        self->dir_path = mem_strndup(path, (size_t) (slash - path));
}

/* Opens path, creating a fresh journal (numbering from 1) first if it does not exist. */
static int s_open_or_create(journal_t *self, err_t *err)
{
    self->fd = open(self->path, O_RDWR | O_CLOEXEC);
    if (self->fd >= 0 || errno != ENOENT) {
        if (self->fd < 0)
            return err_set(err, XR_INTERNAL, "journal %s: cannot open: %s", self->path, strerror(errno));
        return 0;
    }
    int fd = s_write_fresh(self, 1, err);
    if (fd < 0)
        return -1;
    int rc = s_install(self, fd, err);
    if (rc != 0) {
        close(fd);
        return -1;
    }
    self->fd = fd;
    log_info("journal path=%s created", self->path);
    return 0;
}

journal_t *journal_open(const char *path, size_t max_record, err_t *err)
{
    assert(path);
    if (max_record == 0 || max_record > JOURNAL_MAX_RECORD_LIMIT) {
        err_set(err, XR_INVALID_REQUEST, "journal max_record %zu outside 1..%u", max_record, JOURNAL_MAX_RECORD_LIMIT);
        return NULL;
    }
    journal_t *self = mem_calloc(1, sizeof *self);
    s_split_paths(self, path);
    self->max_record = max_record;
    self->compact_min = JOURNAL_COMPACT_MIN_DEFAULT;
    if (s_open_or_create(self, err) != 0)
        goto fail_open;
    if (flock(self->fd, LOCK_EX | LOCK_NB) != 0) {
        err_set(err, XR_INTERNAL, "journal %s is in use by another process: %s", path, strerror(errno));
        goto fail_lock;
    }
    /* With the lock held, a path.tmp can only be the remains of a compaction that crashed. */
    if (unlink(self->tmp_path) != 0 && errno != ENOENT) {
        err_set(err, XR_INTERNAL, "journal %s: cannot remove stale temp file: %s", self->tmp_path, strerror(errno));
        goto fail_lock;
    }
    if (s_scan(self, err) != 0 || s_advance_live(self, err) != 0)
        goto fail_lock;
    /* What a crashed process left in the page cache is not on disk yet: make it so before new records
     * claim it is (their durable field). */
    if (fdatasync(self->fd) != 0) {
        err_set(err, XR_INTERNAL, "journal %s: fdatasync failed: %s", path, strerror(errno));
        goto fail_lock;
    }
    self->durable_seq = self->next_seq - 1;
    return self;

fail_lock:
    close(self->fd);
fail_open:
    mem_free(self->dir_path);
    mem_free(self->tmp_path);
    mem_free(self->path);
    mem_free(self);
    return NULL;
}

void journal_destroy(journal_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    journal_t *self = *self_p;
    assert(!self->in_replay);
    close(self->fd);
    mem_free(self->buf);
    mem_free(self->dir_path);
    mem_free(self->tmp_path);
    mem_free(self->path);
    mem_free(self);
    *self_p = NULL;
}

static int s_sync(journal_t *self, err_t *err)
{
    if (fdatasync(self->fd) == 0) {
        self->durable_seq = self->next_seq - 1;
        return 0;
    }
    /* After a failed fdatasync the state of the written pages is unknown (they may be dropped from the
     * cache): the only safe course is to stop writing and let a reopen verify what is on disk. */
    self->broken = true;
    return err_set(err, XR_INTERNAL, "journal %s: fdatasync failed: %s; journal closed for writing", self->path,
                   strerror(errno));
}

/* Makes the file at least `end` bytes long with zeros after alloc, in prealloc steps. The zeros become
 * durable with the next sync (which then also commits the new size, once per step). A failure only costs
 * the preallocation: the room written so far is cut off again and records are appended as without it. */
static void s_extend(journal_t *self, uint64_t end)
{
    uint64_t target = end + self->prealloc;
    target += 4095 - (target + 4095) % 4096;
    for (uint64_t pos = self->alloc; pos < target;) {
        size_t n = target - pos < sizeof s_zeros ? (size_t) (target - pos) : sizeof s_zeros;
        struct iovec iov = {.iov_base = (void *) s_zeros, .iov_len = n};
        if (s_pwritev_full(self->fd, &iov, 1, pos) != 0) {
            log_warn("journal path=%s preallocation to %" PRIu64 " bytes failed: %s; appending without", self->path,
                     target, strerror(errno));
            if (ftruncate(self->fd, (off_t) self->alloc) != 0)
                self->broken = true;
            return;
        }
        pos += n;
    }
    self->alloc = target;
}

/* Writes one record at the end; the only writer of records into the live file. */
static int s_write_record(journal_t *self, uint16_t type, uint64_t seq, const void *data, size_t len, bool sync,
                          err_t *err)
{
    assert(!self->in_replay);
    if (self->broken)
        return err_set(err, XR_INTERNAL, "journal %s: closed for writing after an earlier I/O failure", self->path);
    uint8_t raw[JOURNAL_HEADER_SIZE];
    uint32_t crc = s_encode_header(raw, type, (uint32_t) len, seq, self->durable_seq);
    if (len)
        crc = s_crc_update(crc, data, len);
    s_put_u32(raw + S_CRC_OFFSET, crc ^ 0xffffffffu);
    struct iovec iov[2] = {{.iov_base = raw, .iov_len = sizeof raw}, {.iov_base = (void *) data, .iov_len = len}};
    uint64_t end = self->size + JOURNAL_HEADER_SIZE + (uint64_t) len;
    if (self->prealloc && end > self->alloc)
        s_extend(self, end);
    if (s_pwritev_full(self->fd, iov, len ? 2 : 1, self->size) != 0) {
        int saved = errno;
        /* cut the partial record (and any room after it: the file then ends at the records again) */
        if (ftruncate(self->fd, (off_t) self->size) != 0)
            self->broken = true;
        self->alloc = self->size;
        return err_set(err, XR_INTERNAL, "journal %s: write failed: %s", self->path, strerror(saved));
    }
    self->size = end;
    if (self->alloc < end)
        self->alloc = end;
    return sync ? s_sync(self, err) : 0;
}

static int s_append(journal_t *self, const void *data, size_t len, uint64_t *seq, bool sync, err_t *err)
{
    assert(self);
    assert(data || len == 0);
    if (len > self->max_record)
        return err_set(err, XR_INVALID_REQUEST, "journal record of %zu bytes exceeds max_record %zu", len,
                       self->max_record);
    if (s_write_record(self, S_TYPE_DATA, self->next_seq, data, len, false, err) != 0)
        return -1;
    if (seq)
        *seq = self->next_seq;
    self->next_seq++;
    return sync ? s_sync(self, err) : 0;
}

int journal_append(journal_t *self, const void *data, size_t len, uint64_t *seq, err_t *err)
{
    return s_append(self, data, len, seq, true, err);
}

int journal_append_nosync(journal_t *self, const void *data, size_t len, uint64_t *seq, err_t *err)
{
    return s_append(self, data, len, seq, false, err);
}

int journal_sync(journal_t *self, err_t *err)
{
    assert(self);
    if (self->broken)
        return err_set(err, XR_INTERNAL, "journal %s: closed for writing after an earlier I/O failure", self->path);
    return s_sync(self, err);
}

/* Copies the live records [live_off, size) behind a fresh leading MARK into path.tmp and renames it over
 * path. On failure before the rename the old file stays in use (it is complete: its MARK hides the
 * dropped records), so a failed compaction only costs disk space. */
static int s_compact(journal_t *self, err_t *err)
{
    int fd = s_write_fresh(self, self->first_live, err);
    if (fd < 0)
        return -1;
    uint8_t *chunk = mem_alloc(S_COPY_CHUNK);
    uint64_t src = self->live_off;
    uint64_t dst = JOURNAL_HEADER_SIZE;
    while (src < self->size) {
        size_t n = self->size - src < S_COPY_CHUNK ? (size_t) (self->size - src) : S_COPY_CHUNK;
        struct iovec iov = {.iov_base = chunk, .iov_len = n};
        if (s_pread_full(self->fd, chunk, n, src, err) != 0 || s_pwritev_full(fd, &iov, 1, dst) != 0) {
            mem_free(chunk);
            close(fd);
            unlink(self->tmp_path);
            return err_set(err, XR_INTERNAL, "journal %s: compaction copy failed", self->path);
        }
        src += n;
        dst += n;
    }
    mem_free(chunk);
    int rc = s_install(self, fd, err);
    if (rc < 0) {
        close(fd);
        return -1;
    }
    uint64_t dropped = self->live_off - JOURNAL_HEADER_SIZE;
    close(self->fd);
    self->fd = fd;
    self->size = self->alloc = dst;
    self->live_off = JOURNAL_HEADER_SIZE;
    log_info("journal path=%s compacted first_seq=%" PRIu64 " dropped_bytes=%" PRIu64 " size=%" PRIu64, self->path,
             self->first_live, dropped, self->size);
    return rc == 0 ? 0 : -1;
}

static int s_truncate(journal_t *self, uint64_t upto_seq, bool sync, err_t *err)
{
    if (upto_seq >= self->next_seq)
        return err_set(err, XR_INVALID_REQUEST, "journal truncate up to %" PRIu64 " beyond last seq %" PRIu64,
                       upto_seq, self->next_seq - 1);
    if (upto_seq < self->first_live)
        return 0;
    if (s_write_record(self, S_TYPE_MARK, upto_seq + 1, NULL, 0, sync, err) != 0)
        return -1;
    self->first_live = upto_seq + 1;
    if (s_advance_live(self, err) != 0)
        return -1;
    uint64_t dropped = self->live_off - JOURNAL_HEADER_SIZE;
    uint64_t live = self->size - self->live_off;
    if (dropped == 0 || dropped < self->compact_min || dropped < live)
        return 0;
    err_t cerr;
    if (s_compact(self, &cerr) != 0)
        log_warn("journal path=%s compaction failed: %s; records stay dropped, retried at next truncate",
                 self->path, cerr.msg);
    return 0;
}

int journal_truncate(journal_t *self, uint64_t upto_seq, err_t *err)
{
    assert(self);
    return s_truncate(self, upto_seq, true, err);
}

int journal_truncate_nosync(journal_t *self, uint64_t upto_seq, err_t *err)
{
    assert(self);
    return s_truncate(self, upto_seq, false, err);
}

int journal_skip_to(journal_t *self, uint64_t next_seq, err_t *err)
{
    assert(self);
    if (self->next_seq != self->first_live)
        return err_set(err, XR_INVALID_REQUEST, "journal %s: cannot renumber: %" PRIu64 " records are live",
                       self->path, self->next_seq - self->first_live);
    if (next_seq <= self->next_seq || next_seq == UINT64_MAX)
        return err_set(err, XR_INVALID_REQUEST, "journal %s: next seq %" PRIu64 " is not ahead of %" PRIu64,
                       self->path, next_seq, self->next_seq);
    if (self->broken)
        return err_set(err, XR_INTERNAL, "journal %s: closed for writing after an earlier I/O failure", self->path);
    int fd = s_write_fresh(self, next_seq, err);
    if (fd < 0)
        return -1;
    int rc = s_install(self, fd, err);
    if (rc < 0) {
        close(fd);
        return -1;
    }
    close(self->fd);
    self->fd = fd;
    self->size = self->alloc = JOURNAL_HEADER_SIZE;
    self->live_off = JOURNAL_HEADER_SIZE;
    self->first_live = self->next_seq = next_seq;
    log_warn("journal path=%s renumbered: next seq %" PRIu64, self->path, next_seq);
    return rc == 0 ? 0 : -1;
}

/* Makes sure the replay buffer holds len bytes. */
static void s_reserve(journal_t *self, size_t len)
{
    if (len <= self->buf_cap)
        return;
    size_t cap = self->buf_cap ? self->buf_cap : 4096;
    while (cap < len)
        cap *= 2;
    self->buf = mem_realloc(self->buf, cap);
    self->buf_cap = cap;
}

/* Reads and re-verifies the record at off into self->buf. */
static int s_read_record(journal_t *self, uint64_t off, s_header_t *h, err_t *err)
{
    uint8_t raw[JOURNAL_HEADER_SIZE];
    if (s_pread_full(self->fd, raw, sizeof raw, off, err) != 0)
        return err_set(err, XR_INTERNAL, "journal %s: short read at offset %" PRIu64, self->path, off);
    s_decode_header(raw, h);
    if (h->length > self->max_record || off + JOURNAL_HEADER_SIZE + h->length > self->size)
        return err_set(err, XR_INTERNAL, "journal %s: record at offset %" PRIu64 " changed on disk", self->path, off);
    s_reserve(self, h->length);
    if (h->length && s_pread_full(self->fd, self->buf, h->length, off + JOURNAL_HEADER_SIZE, err) != 0)
        return err_set(err, XR_INTERNAL, "journal %s: short read at offset %" PRIu64, self->path, off);
    uint32_t crc = s_crc_update(0xffffffffu, raw, S_CRC_OFFSET);
    crc = s_crc_update(crc, self->buf, h->length) ^ 0xffffffffu;
    if (s_get_u32(raw) != S_MAGIC || crc != h->crc)
        return err_set(err, XR_INTERNAL, "journal %s: record at offset %" PRIu64 " changed on disk", self->path, off);
    return 0;
}

int journal_replay(journal_t *self, uint64_t from_seq, journal_replay_fn *fn, void *ctx, err_t *err)
{
    assert(self);
    assert(fn);
    assert(!self->in_replay);
    uint64_t off = self->live_off;
    int rc = 0;
    self->in_replay = true;
    while (off < self->size) {
        s_header_t h;
        if (s_read_record(self, off, &h, err) != 0) {
            rc = -1;
            break;
        }
        if (h.type == S_TYPE_DATA && h.seq >= from_seq && fn(ctx, h.seq, self->buf, h.length) != 0) {
            rc = err_set(err, XR_INTERNAL, "journal replay stopped by the callback at seq %" PRIu64, h.seq);
            break;
        }
        off += JOURNAL_HEADER_SIZE + (uint64_t) h.length;
    }
    self->in_replay = false;
    return rc;
}

uint64_t journal_first_seq(const journal_t *self)
{
    assert(self);
    return self->first_live;
}

uint64_t journal_last_seq(const journal_t *self)
{
    assert(self);
    return self->next_seq - 1;
}

uint64_t journal_count(const journal_t *self)
{
    assert(self);
    return self->next_seq - self->first_live;
}

uint64_t journal_file_size(const journal_t *self)
{
    assert(self);
    return self->size;
}

void journal_set_prealloc(journal_t *self, uint64_t bytes)
{
    assert(self);
    self->prealloc = bytes;
}

void journal_set_compact_min(journal_t *self, uint64_t bytes)
{
    assert(self);
    self->compact_min = bytes;
}
