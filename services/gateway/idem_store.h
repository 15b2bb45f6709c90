/* idem_store: the client order ids the gateway has seen within a window (default 24 h), kept across gateway
 * restarts, so that resubmitting an order returns the existing order's state instead of placing a new one.
 *
 * Key: (account, client order id). Each entry holds when the id was first seen and the latest known state
 * of its order as an encoded proto OrderResult (opaque bytes here), or nothing yet while the first request
 * is still in flight. Changes apply to the table at once and are collected into one journal record
 * (lib/base/journal) per batch: idem_store_write writes the batch without an fsync, idem_store_flush writes
 * and fdatasyncs it. The caller flushes (or, with syncing off, writes) once per loop round, before it forwards
 * what it admitted (group commit), so a crash never forgets an id that was forwarded. On open the journal is replayed; entries past the window
 * are forgotten, and the journal is truncated behind the oldest record still needed. */
#ifndef XR_GATEWAY_IDEM_STORE_H
#define XR_GATEWAY_IDEM_STORE_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IDEM_STATE_MAX 8192 /* largest encoded order state kept per id */

typedef struct _idem_store_t idem_store_t;

typedef struct {
    int64_t first_seen_ms;        /* wall clock when the id was first admitted */
    bool has_state;               /* false while the first request is still in flight */
    const uint8_t *state;         /* encoded OrderResult (borrowed; valid until the next store call) */
    size_t state_len;             /* bytes in state */
} idem_entry_t;

/* Opens (creating if needed) the store journal at path, replaying it. NULL with err on I/O or corruption. */
idem_store_t *idem_store_open(const char *path, int64_t window_ms, int64_t now_ms, err_t *err);
void idem_store_destroy(idem_store_t **self_p);

/* Looks an id up; returns true and fills *out when it was seen within the window. */
bool idem_store_lookup(idem_store_t *self, const char *account, const char *client_order_id, int64_t now_ms,
                       idem_entry_t *out);

/* Admits a new id (not written until idem_store_write, not durable until idem_store_flush). Returns 0, or -1
 * with err on I/O failure (the caller must then refuse the order: an id it cannot remember is an id it could
 * place twice). */
int idem_store_admit(idem_store_t *self, const char *account, const char *client_order_id, int64_t now_ms,
                     err_t *err);

/* Records the latest state of an admitted id (written with the next batch). Unknown ids are ignored (not ours,
 * or expired). */
int idem_store_update(idem_store_t *self, const char *account, const char *client_order_id, const void *state,
                      size_t len, err_t *err);

/* Writes the batch of changes to the journal as one record, without an fsync: it survives a crash of the
 * process, not of the machine. No-op when nothing changed. Returns 0, or -1 with err (the batch's changes are
 * then not in the journal: the caller must refuse what it admitted). */
int idem_store_write(idem_store_t *self, err_t *err);

/* Writes the batch and makes every admitted id and update durable (one fdatasync). Returns 0 or -1 with err. */
int idem_store_flush(idem_store_t *self, err_t *err);

/* Forgets entries older than the window and truncates the journal behind the oldest record still needed. */
int idem_store_expire(idem_store_t *self, int64_t now_ms, err_t *err);

/* Entries currently remembered. */
size_t idem_store_size(const idem_store_t *self);

#endif
