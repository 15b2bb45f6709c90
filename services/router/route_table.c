/* route_table: symbol -> venue rules from a file; immutable after load. */
#include "route_table.h"

#include "base/mem.h"

#include <assert.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define ROUTE_MAX_RULES 4096
#define ROUTE_FILE_MAX (1 << 20)
#define ROUTE_SYMBOL_MAX 48

typedef enum {
    RULE_EXACT,       /* BASE/QUOTE */
    RULE_ANY_BASE,    /* any base, fixed quote */
    RULE_ANY_QUOTE    /* fixed base, any quote */
} rule_kind_t;

typedef struct {
    rule_kind_t kind;                 /* how symbol is matched */
    char symbol[ROUTE_SYMBOL_MAX];    /* the rule's left side as written */
    char part[ROUTE_SYMBOL_MAX];      /* the fixed part of a pattern (QUOTE or BASE) */
    char venue[ROUTE_VENUE_MAX];      /* target */
    int line;                         /* line in the file, for reasons */
} rule_t;

struct _route_table_t {
    rule_t *rules;                    /* exact rules and patterns, in file order */
    size_t count;                     /* rules in use */
    char default_venue[ROUTE_VENUE_MAX]; /* "" when none */
    int default_line;                 /* line of the default rule */
    char off[16][ROUTE_VENUE_MAX];    /* venues switched off */
    size_t off_count;                 /* entries in off */
};

static bool s_valid_venue(const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || n >= ROUTE_VENUE_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = v[i];
        if (!(islower((unsigned char) c) || isdigit((unsigned char) c) || c == '-' || c == '_'))
            return false;
    }
    return true;
}

static bool s_valid_part(const char *p, size_t n)
{
    if (n == 0 || n > 20)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(isupper((unsigned char) p[i]) || isdigit((unsigned char) p[i])))
            return false;
    return true;
}

/* Splits "BASE/QUOTE" and checks both parts; a lone star is allowed in one part when allow_star. */
static int s_split_symbol(const char *sym, bool allow_star, const char **slash_out)
{
    const char *slash = strchr(sym, '/');
    if (!slash || strchr(slash + 1, '/'))
        return -1;
    size_t bn = (size_t) (slash - sym), qn = strlen(slash + 1);
    bool bstar = bn == 1 && sym[0] == '*', qstar = qn == 1 && slash[1] == '*';
    if ((bstar || qstar) && !allow_star)
        return -1;
    if (bstar && qstar)
        return -1;
    if (!bstar && !s_valid_part(sym, bn))
        return -1;
    if (!qstar && !s_valid_part(slash + 1, qn))
        return -1;
    *slash_out = slash;
    return 0;
}

static bool s_is_off(const route_table_t *self, const char *venue)
{
    for (size_t i = 0; i < self->off_count; i++)
        if (strcmp(self->off[i], venue) == 0)
            return true;
    return false;
}

static int s_add_rule(route_table_t *self, const char *lhs, const char *venue, int line, const char *name,
                      err_t *err)
{
    const char *slash;
    if (strlen(lhs) >= ROUTE_SYMBOL_MAX || s_split_symbol(lhs, true, &slash) != 0)
        return err_set(err, XR_INVALID_REQUEST, "%s:%d: bad symbol or pattern '%s' (want BASE/QUOTE, */QUOTE "
                       "or BASE/*)", name, line, lhs);
    for (size_t i = 0; i < self->count; i++)
        if (strcmp(self->rules[i].symbol, lhs) == 0)
            return err_set(err, XR_INVALID_REQUEST, "%s:%d: '%s' already routed on line %d", name, line, lhs,
                           self->rules[i].line);
    if (self->count == ROUTE_MAX_RULES)
        return err_set(err, XR_INVALID_REQUEST, "%s:%d: more than %d rules", name, line, ROUTE_MAX_RULES);
    rule_t *r = &self->rules[self->count++];
    memset(r, 0, sizeof *r);
    snprintf(r->symbol, sizeof r->symbol, "%s", lhs);
    snprintf(r->venue, sizeof r->venue, "%s", venue);
    r->line = line;
    if (lhs[0] == '*') {
        r->kind = RULE_ANY_BASE;
        snprintf(r->part, sizeof r->part, "%s", slash + 1);
    } else if (slash[1] == '*') {
        r->kind = RULE_ANY_QUOTE;
        snprintf(r->part, sizeof r->part, "%.*s", (int) (slash - lhs), lhs);
    } else {
        r->kind = RULE_EXACT;
    }
    return 0;
}

static int s_parse_line(route_table_t *self, char *line, int lineno, const char *name, err_t *err)
{
    char *hash = strchr(line, '#');
    if (hash)
        *hash = '\0';
    char a[64], b[64], extra[8];
    int n = sscanf(line, "%63s %63s %7s", a, b, extra);
    if (n <= 0)
        return 0;
    if (n != 2)
        return err_set(err, XR_INVALID_REQUEST, "%s:%d: want two words (PATTERN VENUE), got %d", name, lineno, n);
    if (!s_valid_venue(b))
        return err_set(err, XR_INVALID_REQUEST, "%s:%d: bad venue name '%s' (want [a-z0-9_-], 1..31 chars)", name,
                       lineno, b);
    if (strcmp(a, "default") == 0) {
        if (self->default_venue[0])
            return err_set(err, XR_INVALID_REQUEST, "%s:%d: second default (first on line %d)", name, lineno,
                           self->default_line);
        snprintf(self->default_venue, sizeof self->default_venue, "%s", b);
        self->default_line = lineno;
        return 0;
    }
    if (strcmp(a, "off") == 0) {
        if (self->off_count == sizeof self->off / sizeof self->off[0])
            return err_set(err, XR_INVALID_REQUEST, "%s:%d: too many venues switched off", name, lineno);
        if (!s_is_off(self, b))
            snprintf(self->off[self->off_count++], ROUTE_VENUE_MAX, "%s", b);
        return 0;
    }
    return s_add_rule(self, a, b, lineno, name, err);
}

route_table_t *route_table_parse(const char *text, const char *name, err_t *err)
{
    route_table_t *self = mem_calloc(1, sizeof *self);
    self->rules = mem_calloc(ROUTE_MAX_RULES, sizeof *self->rules);
    const char *p = text;
    int lineno = 0;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t) (nl - p) : strlen(p);
        char line[512];
        lineno++;
        if (len >= sizeof line) {
            err_set(err, XR_INVALID_REQUEST, "%s:%d: line longer than %zu bytes", name, lineno, sizeof line - 1);
            goto fail;
        }
        memcpy(line, p, len);
        line[len] = '\0';
        if (memchr(line, '\0', len) != NULL && strlen(line) != len) {
            err_set(err, XR_INVALID_REQUEST, "%s:%d: NUL byte", name, lineno);
            goto fail;
        }
        if (s_parse_line(self, line, lineno, name, err) != 0)
            goto fail;
        p += len + (nl ? 1 : 0);
    }
    return self;
fail:
    route_table_destroy(&self);
    return NULL;
}

route_table_t *route_table_load(const char *path, err_t *err)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        err_set(err, XR_INVALID_REQUEST, "cannot open routes file %s", path);
        return NULL;
    }
    char *text = mem_alloc(ROUTE_FILE_MAX + 1);
    size_t n = fread(text, 1, ROUTE_FILE_MAX + 1, f);
    int bad = ferror(f);
    fclose(f);
    route_table_t *self = NULL;
    if (bad)
        err_set(err, XR_INVALID_REQUEST, "cannot read routes file %s", path);
    else if (n > ROUTE_FILE_MAX)
        err_set(err, XR_INVALID_REQUEST, "routes file %s is larger than %d bytes", path, ROUTE_FILE_MAX);
    else if (memchr(text, '\0', n))
        err_set(err, XR_INVALID_REQUEST, "routes file %s contains a NUL byte", path);
    else {
        text[n] = '\0';
        self = route_table_parse(text, path, err);
    }
    mem_free(text);
    return self;
}

void route_table_destroy(route_table_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    mem_free((*self_p)->rules);
    mem_free(*self_p);
    *self_p = NULL;
}

static bool s_rule_matches(const rule_t *r, const char *symbol, const char *slash)
{
    switch (r->kind) {
    case RULE_EXACT:
        return strcmp(r->symbol, symbol) == 0;
    case RULE_ANY_BASE:
        return strcmp(r->part, slash + 1) == 0;
    case RULE_ANY_QUOTE:
        return strlen(r->part) == (size_t) (slash - symbol) && memcmp(r->part, symbol, (size_t) (slash - symbol)) == 0;
    }
    return false;
}

const char *route_rule_name(route_rule_t rule)
{
    switch (rule) {
    case ROUTE_RULE_OVERRIDE: return "override";
    case ROUTE_RULE_EXACT: return "exact";
    case ROUTE_RULE_PATTERN: return "pattern";
    case ROUTE_RULE_DEFAULT: return "default";
    }
    return "";
}

static int s_answer(const route_table_t *self, const char *venue, char out[ROUTE_VENUE_MAX],
                    char reason[ROUTE_REASON_MAX], const char *why, route_rule_t kind, route_rule_t *rule,
                    const char *symbol, err_t *err)
{
    if (s_is_off(self, venue))
        return err_set(err, XR_NO_ROUTE, "%s routes %s to venue %s, which is switched off", why, symbol, venue);
    snprintf(out, ROUTE_VENUE_MAX, "%s", venue);
    snprintf(reason, ROUTE_REASON_MAX, "%s", why);
    if (rule)
        *rule = kind;
    return 0;
}

int route_table_resolve(const route_table_t *self, const char *symbol, const char *override_venue,
                        char venue[ROUTE_VENUE_MAX], char reason[ROUTE_REASON_MAX], route_rule_t *rule, err_t *err)
{
    assert(self);
    const char *slash;
    if (!symbol || strlen(symbol) >= ROUTE_SYMBOL_MAX || s_split_symbol(symbol, false, &slash) != 0)
        return err_set(err, XR_INVALID_REQUEST, "bad symbol '%.40s': want BASE/QUOTE in upper case",
                       symbol ? symbol : "");
    char why[ROUTE_REASON_MAX];
    if (override_venue && override_venue[0]) {
        if (!s_valid_venue(override_venue))
            return err_set(err, XR_INVALID_REQUEST, "bad venue name '%.40s'", override_venue);
        return s_answer(self, override_venue, venue, reason, "explicit venue in request", ROUTE_RULE_OVERRIDE,
                        rule, symbol, err);
    }
    const rule_t *pattern = NULL;
    for (size_t i = 0; i < self->count; i++) {
        const rule_t *r = &self->rules[i];
        if (r->kind == RULE_EXACT && strcmp(r->symbol, symbol) == 0) {
            snprintf(why, sizeof why, "exact rule %s (line %d)", r->symbol, r->line);
            return s_answer(self, r->venue, venue, reason, why, ROUTE_RULE_EXACT, rule, symbol, err);
        }
        if (!pattern && r->kind != RULE_EXACT && s_rule_matches(r, symbol, slash))
            pattern = r;
    }
    if (pattern) {
        snprintf(why, sizeof why, "pattern %s (line %d)", pattern->symbol, pattern->line);
        return s_answer(self, pattern->venue, venue, reason, why, ROUTE_RULE_PATTERN, rule, symbol, err);
    }
    if (self->default_venue[0]) {
        snprintf(why, sizeof why, "default (line %d)", self->default_line);
        return s_answer(self, self->default_venue, venue, reason, why, ROUTE_RULE_DEFAULT, rule, symbol, err);
    }
    return err_set(err, XR_NO_ROUTE, "no rule routes %s and there is no default", symbol);
}

size_t route_table_venues(const route_table_t *self, const char **names, size_t max)
{
    size_t n = 0;
    const char *cand[ROUTE_MAX_RULES + 1];
    size_t nc = 0;
    if (self->default_venue[0])
        cand[nc++] = self->default_venue;
    for (size_t i = 0; i < self->count; i++)
        cand[nc++] = self->rules[i].venue;
    for (size_t i = 0; i < nc; i++) {
        if (s_is_off(self, cand[i]))
            continue;
        bool seen = false;
        for (size_t j = 0; j < n && !seen; j++)
            seen = strcmp(names[j], cand[i]) == 0;
        if (!seen && n < max)
            names[n++] = cand[i];
    }
    return n;
}

int route_table_is_off(const route_table_t *self, const char *venue)
{
    return s_is_off(self, venue);
}

size_t route_table_size(const route_table_t *self)
{
    return self->count + (self->default_venue[0] ? 1 : 0);
}
