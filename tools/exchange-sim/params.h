/* params: parsing of application/x-www-form-urlencoded text (query strings and form bodies) for dialects.
 * Names and values are percent-decoded ('+' becomes a space) into a bounded arena inside the value; the
 * raw, undecoded bytes of each pair are kept too, because venues sign the exact bytes as sent. A plain value
 * type: embed it, sim_params_parse into it, no release needed. */
#ifndef XR_SIM_PARAMS_H
#define XR_SIM_PARAMS_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>

#define SIM_PARAMS_MAX 48           /* pairs per request; more is an error */
#define SIM_PARAMS_ARENA 8192       /* decoded bytes per request; more is an error */

typedef struct {
    const char *name;     /* decoded name, NUL-terminated, in the arena */
    const char *value;    /* decoded value, NUL-terminated, in the arena */
    size_t value_len;     /* bytes of value */
    const char *raw;      /* the pair as sent ("name=value", undecoded), borrowed from the parsed text */
    size_t raw_len;       /* bytes of raw */
    bool from_body;       /* true when the pair came from the body (sim_params_parse with from_body set) */
} sim_param_t;

typedef struct {
    sim_param_t items[SIM_PARAMS_MAX]; /* pairs in order of appearance */
    size_t count;                      /* pairs parsed */
    char arena[SIM_PARAMS_ARENA];      /* decoded text */
    size_t arena_used;                 /* bytes of arena in use */
} sim_params_t;

/* Empties p. */
void sim_params_init(sim_params_t *p);

/* Appends the pairs of len bytes of form text to p (call twice for query then body). Empty pairs ("a=1&&b=2")
 * are skipped; a pair without '=' has an empty value. Refuses (returns -1, err XR_INVALID_REQUEST, p left
 * with the pairs parsed before the error) malformed percent escapes, decoded NUL bytes, an empty name, and
 * more than SIM_PARAMS_MAX pairs or SIM_PARAMS_ARENA decoded bytes. */
int sim_params_parse(sim_params_t *p, const char *text, size_t len, bool from_body, err_t *err);

/* First pair named name, or NULL. Borrowed from p. */
const sim_param_t *sim_params_find(const sim_params_t *p, const char *name);

/* Decoded value of the first pair named name, or NULL. Borrowed from p. */
const char *sim_params_get(const sim_params_t *p, const char *name);

/* Number of pairs named name (duplicates are legal on the wire; dialects decide). */
size_t sim_params_count_of(const sim_params_t *p, const char *name);

#endif
