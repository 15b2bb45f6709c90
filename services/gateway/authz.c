/* authz: clients.conf parsed into a hash from public key to the client's allowances. Lists are kept as
 * ",a,b," strings so that membership is one bounded substring search. See authz.h. */
#include "authz.h"

#include "base/log.h"
#include "base/mem.h"
#include "bus/bus_curve.h"

#include <czmq.h>
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define AUTHZ_CLIENTS_MAX 4096
#define AUTHZ_LINE_MAX 4096

typedef struct {
    char name[BUS_CURVE_NAME_MAX + 1];  /* as written in the file (a name or a key) */
    bool all_accounts;                  /* `*` */
    bool all_venues;                    /* `*` */
    char accounts[1200];                /* ",a,b," */
    char venues[600];                   /* ",binance,bybit," */
    int n_venues;                       /* entries in venues */
    char only_venue[PROTO_VENUE_SZ];    /* the venue when n_venues == 1 */
} client_t;

struct _authz_t {
    zhashx_t *clients; /* Z85 public key -> client_t */
};

static void s_client_free(void **item)
{
    mem_free(*item);
    *item = NULL;
}

/* Next whitespace-separated word of *p (at most cap-1 bytes); "" at the end. -1 when too long. */
static int s_word(const char **p, char *out, size_t cap)
{
    const char *s = *p;
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = 0;
    while (*s && *s != ' ' && *s != '\t') {
        if (n + 1 >= cap)
            return -1;
        out[n++] = *s++;
    }
    out[n] = '\0';
    *p = s;
    return 0;
}

/* ",a,b," from "a,b" (or `*`), each item 1..maxlen of [A-Za-z0-9_-]. Returns items, or -1. */
static int s_list(const char *text, bool *all, char *out, size_t cap, size_t maxlen)
{
    if (strcmp(text, "*") == 0) {
        *all = true;
        snprintf(out, cap, ",");
        return 0;
    }
    *all = false;
    size_t n = (size_t) snprintf(out, cap, ",");
    int items = 0;
    const char *s = text;
    while (*s) {
        const char *e = strchr(s, ',');
        size_t len = e ? (size_t) (e - s) : strlen(s);
        if (len == 0 || len > maxlen || n + len + 2 > cap)
            return -1;
        for (size_t i = 0; i < len; i++)
            if (!isalnum((unsigned char) s[i]) && s[i] != '_' && s[i] != '-')
                return -1;
        memcpy(out + n, s, len);
        n += len;
        out[n++] = ',';
        out[n] = '\0';
        items++;
        s = e ? e + 1 : s + len;
        if (e && !*s)
            return -1;
    }
    return items;
}

static bool s_in(const char *list, const char *item)
{
    char needle[PROTO_ACCOUNT_SZ + 3];
    snprintf(needle, sizeof needle, ",%s,", item);
    return strstr(list, needle) != NULL;
}

static bool s_venue_listed(const client_t *c, const char *venue, size_t len)
{
    char v[PROTO_VENUE_SZ];
    if (len == 0 || len >= sizeof v)
        return false;
    memcpy(v, venue, len);
    v[len] = '\0';
    return s_in(c->venues, v);
}

static bool s_is_key(const char *text)
{
    uint8_t bin[32];
    return strlen(text) == 40 && zmq_z85_decode(bin, text) != NULL;
}

static int s_line(authz_t *self, const char *path, int lineno, const char *line, const char *allow_dir, err_t *err)
{
    char name[128], accounts[1024], venues[512], extra[8];
    const char *p = line;
    if (s_word(&p, name, sizeof name) != 0 || s_word(&p, accounts, sizeof accounts) != 0 ||
        s_word(&p, venues, sizeof venues) != 0 || s_word(&p, extra, sizeof extra) != 0 || !name[0] ||
        !accounts[0] || !venues[0] || extra[0])
        return err_set(err, XR_INVALID_REQUEST, "%s:%d: expected NAME ACCOUNTS VENUES", path, lineno);
    client_t c;
    memset(&c, 0, sizeof c);
    if (strlen(name) > BUS_CURVE_NAME_MAX)
        return err_set(err, XR_INVALID_REQUEST, "%s:%d: name longer than %d", path, lineno, BUS_CURVE_NAME_MAX);
    snprintf(c.name, sizeof c.name, "%s", name);
    if (s_list(accounts, &c.all_accounts, c.accounts, sizeof c.accounts, PROTO_ACCOUNT_SZ - 1) < 0)
        return err_set(err, XR_INVALID_REQUEST, "%s:%d: accounts must be `*` or a comma list of account names",
                       path, lineno);
    c.n_venues = s_list(venues, &c.all_venues, c.venues, sizeof c.venues, PROTO_VENUE_SZ - 1);
    if (c.n_venues < 0)
        return err_set(err, XR_INVALID_REQUEST, "%s:%d: venues must be `*` or a comma list of venue names", path,
                       lineno);
    if (c.n_venues == 1)
        snprintf(c.only_venue, sizeof c.only_venue, "%.*s", (int) strlen(c.venues) - 2, c.venues + 1);
    char key[BUS_CURVE_KEY_SZ], cert[1400];
    snprintf(cert, sizeof cert, "%s/%s.cert", allow_dir, name);
    err_t e = {0};
    if (bus_curve_load_public(cert, key, &e) != 0) {
        if (!s_is_key(name)) {
            log_warn("%s:%d: client %s skipped: %s", path, lineno, name, e.msg);
            return 0;
        }
        memcpy(key, name, BUS_CURVE_KEY_SZ);
    }
    if (zhashx_lookup(self->clients, key))
        return err_set(err, XR_INVALID_REQUEST, "%s:%d: client %s has the key of an earlier line", path, lineno, name);
    if (zhashx_size(self->clients) >= AUTHZ_CLIENTS_MAX)
        return err_set(err, XR_INVALID_REQUEST, "%s: more than %d clients", path, AUTHZ_CLIENTS_MAX);
    client_t *copy = mem_alloc(sizeof *copy);
    *copy = c;
    zhashx_insert(self->clients, key, copy);
    return 0;
}

authz_t *authz_load(const char *path, const char *allow_dir, err_t *err)
{
    assert(path && allow_dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        err_set(err, XR_INVALID_REQUEST, "cannot open clients file %s: %s", path, strerror(errno));
        return NULL;
    }
    authz_t *self = mem_calloc(1, sizeof *self);
    self->clients = zhashx_new();
    zhashx_set_destructor(self->clients, s_client_free);
    char line[AUTHZ_LINE_MAX];
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t n = strlen(line);
        if (n == sizeof line - 1 && line[n - 1] != '\n') {
            err_set(err, XR_INVALID_REQUEST, "%s:%d: line longer than %d bytes", path, lineno, AUTHZ_LINE_MAX - 2);
            goto fail;
        }
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
            line[--n] = '\0';
        const char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s || *s == '#')
            continue;
        if (s_line(self, path, lineno, s, allow_dir, err) != 0)
            goto fail;
    }
    fclose(f);
    return self;
fail:
    fclose(f);
    authz_destroy(&self);
    return NULL;
}

size_t authz_size(const authz_t *self)
{
    assert(self);
    return zhashx_size(self->clients);
}

bool authz_is_client(const authz_t *self, const char *user_id)
{
    assert(self);
    return user_id && zhashx_lookup(self->clients, user_id) != NULL;
}

int authz_check(const authz_t *self, const char *user_id, proto_request_t *req, bool *pinned, err_t *err)
{
    assert(self && req && pinned);
    const client_t *c = user_id ? zhashx_lookup(self->clients, user_id) : NULL;
    if (!c)
        return err_set(err, XR_AUTH, "key %s is not listed in the gateway's clients file",
                       user_id ? user_id : "(none)");
    const char *op = proto_type_name(req->op);
    switch (req->op) {
    case PROTO_T_HEALTH:
    case PROTO_T_ROUTE:
    case PROTO_T_VENUES:
    case PROTO_T_GET_TICKER:
    case PROTO_T_GET_KLINES:
        return 0;
    case PROTO_T_RELOAD:
        if (c->all_accounts && c->all_venues)
            return 0;
        return err_set(err, XR_AUTH, "client %s may not reload: it needs every account and venue (*)", c->name);
    default:
        break;
    }
    if (!c->all_accounts && !s_in(c->accounts, req->account))
        return err_set(err, XR_AUTH, "account %s is not allowed for client %s (%s)", req->account, c->name, op);
    if (c->all_venues)
        return 0;
    if (req->venue[0]) {
        if (!s_in(c->venues, req->venue))
            return err_set(err, XR_AUTH, "venue %s is not allowed for client %s (%s)", req->venue, c->name, op);
        return 0;
    }
    if (c->n_venues == 1) {
        snprintf(req->venue, sizeof req->venue, "%s", c->only_venue);
        *pinned = true;
        return 0;
    }
    return err_set(err, XR_AUTH, "client %s may use only some venues: name one with `venue` (%s)", c->name, op);
}

/* Calls fn for each item of a ",a,b," list that starts with prefix (plen bytes). */
typedef bool (*s_item_fn)(const char *item, size_t len, void *arg);

static bool s_each(const char *list, const char *prefix, size_t plen, s_item_fn fn, void *arg)
{
    const char *s = list + 1;
    while (*s) {
        const char *e = strchr(s, ',');
        size_t len = (size_t) (e - s);
        if (len >= plen && memcmp(s, prefix, plen) == 0 && !fn(s, len, arg))
            return false;
        s = e + 1;
    }
    return true;
}

typedef struct {
    const client_t *c;
    char (*out)[AUTHZ_TOPIC_SZ];
    int n, max;
    const char *account;       /* set while expanding venues of one account */
    size_t account_len;
    const char *venue_prefix;  /* venues must start with this */
    size_t venue_prefix_len;
} s_expand_t;

static bool s_add(s_expand_t *x, const char *account, size_t alen, const char *venue, size_t vlen)
{
    if (x->n >= x->max)
        return false;
    snprintf(x->out[x->n++], AUTHZ_TOPIC_SZ, "%.*s.%.*s%s", (int) alen, account, (int) vlen, venue ? venue : "",
             venue ? "." : "");
    return true;
}

static bool s_venue_item(const char *venue, size_t len, void *arg)
{
    s_expand_t *x = arg;
    return s_add(x, x->account, x->account_len, venue, len);
}

static bool s_account_item(const char *account, size_t len, void *arg)
{
    s_expand_t *x = arg;
    if (x->c->all_venues)
        return s_add(x, account, len, NULL, 0);
    x->account = account;
    x->account_len = len;
    return s_each(x->c->venues, x->venue_prefix, x->venue_prefix_len, s_venue_item, x);
}

int authz_event_topics(const authz_t *self, const char *user_id, const char *topic, size_t len,
                       char out[][AUTHZ_TOPIC_SZ], int max)
{
    assert(self && (topic || len == 0) && out && max > 0);
    const client_t *c = user_id ? zhashx_lookup(self->clients, user_id) : NULL;
    if (!c || len >= AUTHZ_TOPIC_SZ)
        return 0;
    if (memchr(topic, '\0', len))
        return 0;
    if (c->all_accounts && c->all_venues) {
        memcpy(out[0], topic, len);
        out[0][len] = '\0';
        return 1;
    }
    s_expand_t x = {.c = c, .out = out, .max = max < AUTHZ_TOPICS_MAX ? max : AUTHZ_TOPICS_MAX};
    const char *dot = memchr(topic, '.', len);
    if (!dot) { /* part of an account name, or nothing */
        if (c->all_accounts)
            return 0; /* every account but some venues: no prefix says that */
        x.venue_prefix = "";
        return s_each(c->accounts, topic, len, s_account_item, &x) ? x.n : 0;
    }
    size_t alen = (size_t) (dot - topic);
    char account[PROTO_ACCOUNT_SZ];
    if (alen == 0 || alen >= sizeof account)
        return 0;
    memcpy(account, topic, alen);
    account[alen] = '\0';
    if (!c->all_accounts && !s_in(c->accounts, account))
        return 0;
    const char *venue = dot + 1;
    size_t rest = len - alen - 1;
    const char *vdot = memchr(venue, '.', rest);
    if (c->all_venues || (vdot && s_venue_listed(c, venue, (size_t) (vdot - venue)))) {
        memcpy(out[0], topic, len);
        out[0][len] = '\0';
        return 1;
    }
    if (vdot)
        return 0;
    x.venue_prefix = venue;
    x.venue_prefix_len = rest;
    return s_account_item(account, alen, &x) ? x.n : 0;
}

void authz_destroy(authz_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    authz_t *self = *self_p;
    zhashx_destroy(&self->clients);
    mem_free(self);
    *self_p = NULL;
}
