/* route_table: which venue serves a unified symbol. Loaded from a text file (default
 * deploy/config/routes.conf), one rule a line, '#' starts a comment:
 *
 *   default binance          venue for symbols no other rule matches
 *   BTC/USDT  binance        exact symbol
 *   STAR/USDT bybit          pattern: any base against USDT (written with a literal '*' for STAR)
 *   DOGE/STAR coindcx        pattern: DOGE against any quote
 *   off       coindcx        venue switched off: its symbols get NO_ROUTE, overrides to it too
 *
 * Resolution: an explicit venue in the request wins; else an exact rule; else the first matching pattern
 * in file order; else the default. A switched-off venue never resolves. Every answer says why. A table is
 * immutable once loaded: reload builds a new one and swaps it only if the file is valid. */
#ifndef XR_ROUTER_ROUTE_TABLE_H
#define XR_ROUTER_ROUTE_TABLE_H

#include "base/err.h"

#include <stddef.h>

#define ROUTE_VENUE_MAX 32   /* venue name incl. NUL: [a-z0-9_-]{1,31} */
#define ROUTE_REASON_MAX 128 /* human-readable reason incl. NUL */

typedef struct _route_table_t route_table_t;

/* The kind of rule that decided a route (the Route reply's machine-readable `rule`). */
typedef enum {
    ROUTE_RULE_OVERRIDE = 0, /* the request named its venue */
    ROUTE_RULE_EXACT,        /* an exact symbol rule */
    ROUTE_RULE_PATTERN,      /* the first matching pattern in file order */
    ROUTE_RULE_DEFAULT       /* the default venue */
} route_rule_t;

/* "override", "exact", "pattern" or "default". */
const char *route_rule_name(route_rule_t rule);

/* Loads and validates a routes file. Returns the table (caller destroys) or NULL with err naming the file,
 * the line and the problem (XR_INVALID_REQUEST). Does not block beyond reading the file. */
route_table_t *route_table_load(const char *path, err_t *err);

/* Parses routes from text (same syntax); name is used in error messages. */
route_table_t *route_table_parse(const char *text, const char *name, err_t *err);

/* Destroys a table; NULL and *self_p == NULL are fine. */
void route_table_destroy(route_table_t **self_p);

/* Resolves symbol (unified "BASE/QUOTE") to a venue, honouring override_venue when non-NULL and non-empty.
 * On success writes the venue, the human-readable reason ("exact rule BTC/USDT (line 3)") and, when rule is
 * not NULL, the kind of rule that decided, and returns 0. On failure returns -1 with err: XR_NO_ROUTE (no
 * rule, or the venue is switched off) or XR_INVALID_REQUEST (bad symbol). */
int route_table_resolve(const route_table_t *self, const char *symbol, const char *override_venue,
                        char venue[ROUTE_VENUE_MAX], char reason[ROUTE_REASON_MAX], route_rule_t *rule, err_t *err);

/* The venues the table names and that are not switched off, for fan-out queries; returns the count and
 * fills names[i] (borrowed from the table) up to max. */
size_t route_table_venues(const route_table_t *self, const char **names, size_t max);

/* True if the venue is switched off by this table. */
int route_table_is_off(const route_table_t *self, const char *venue);

/* Number of rules (exact + patterns + default), for logs. */
size_t route_table_size(const route_table_t *self);

#endif
