/* risk: pre-trade limits and the counters they are checked against. */
#include "risk.h"

#include "base/mem.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#define RISK_MAX_ENTRIES 1024
#define RISK_FILE_MAX (1 << 20)
#define RISK_KEY_MAX 48
#define RISK_STATE_MAX 4096

typedef struct {
    char symbol[RISK_KEY_MAX];  /* unified symbol, or "*" */
    decimal_t value;            /* the limit */
} sym_limit_t;

struct _risk_t {
    char allow[RISK_MAX_ENTRIES][RISK_KEY_MAX]; /* allowed symbols */
    size_t allow_count;                         /* 0 = every symbol allowed */
    sym_limit_t max_qty[RISK_MAX_ENTRIES];      /* per-symbol quantity limits */
    size_t max_qty_count;                       /* entries in max_qty */
    sym_limit_t max_notional[RISK_MAX_ENTRIES]; /* per-symbol notional limits */
    size_t max_notional_count;                  /* entries in max_notional */
    int64_t max_open_orders;                    /* per account; 0 = unlimited */
    int64_t orders_per_second;                  /* per client; 0 = unlimited */
};

typedef struct {
    char key[RISK_KEY_MAX];  /* symbol, account or client */
    decimal_t price;         /* last price (prices table) */
    int64_t count;           /* open orders (accounts table) */
    int64_t milli_tokens;    /* rate bucket in thousandths of an order (clients table) */
    int64_t refilled_ms;     /* last refill (clients table) */
} state_entry_t;

typedef struct {
    state_entry_t *items;    /* linear table: a gateway sees few symbols, accounts and clients */
    size_t count;            /* entries in use */
} state_table_t;

struct _risk_state_t {
    state_table_t prices;    /* symbol -> last price */
    state_table_t accounts;  /* account -> open orders */
    state_table_t clients;   /* client -> rate bucket */
};

static int s_add_limit(sym_limit_t *arr, size_t *count, const char *sym, const char *val, const char *what,
                       const char *name, int line, err_t *err)
{
    if (*count == RISK_MAX_ENTRIES)
        return err_set(err, XR_INVALID_REQUEST, "%s:%d: too many %s lines", name, line, what);
    decimal_t v;
    err_t derr = {0};
    if (decimal_from_str(val, &v, &derr) != 0 || decimal_sign(v) <= 0)
        return err_set(err, XR_INVALID_REQUEST, "%s:%d: %s %s: '%s' is not a positive decimal", name, line, what,
                       sym, val);
    for (size_t i = 0; i < *count; i++)
        if (strcmp(arr[i].symbol, sym) == 0)
            return err_set(err, XR_INVALID_REQUEST, "%s:%d: second %s for %s", name, line, what, sym);
    snprintf(arr[*count].symbol, RISK_KEY_MAX, "%s", sym);
    arr[*count].value = v;
    (*count)++;
    return 0;
}

static int s_parse_int(const char *val, int64_t *out, const char *what, const char *name, int line, err_t *err)
{
    decimal_t v;
    if (decimal_from_str(val, &v, NULL) != 0 || v.scale != 0 || v.mantissa <= 0)
        return err_set(err, XR_INVALID_REQUEST, "%s:%d: %s: '%s' is not a positive whole number", name, line, what,
                       val);
    *out = v.mantissa;
    return 0;
}

static int s_parse_allow(risk_t *self, char *rest, const char *name, int line, err_t *err)
{
    char *save = NULL;
    int n = 0;
    for (char *tok = strtok_r(rest, " \t\r", &save); tok; tok = strtok_r(NULL, " \t\r", &save)) {
        if (self->allow_count == RISK_MAX_ENTRIES || strlen(tok) >= RISK_KEY_MAX || !strchr(tok, '/'))
            return err_set(err, XR_INVALID_REQUEST, "%s:%d: allow: bad symbol '%.40s'", name, line, tok);
        snprintf(self->allow[self->allow_count++], RISK_KEY_MAX, "%s", tok);
        n++;
    }
    if (n == 0)
        return err_set(err, XR_INVALID_REQUEST, "%s:%d: allow needs at least one symbol", name, line);
    return 0;
}

static int s_parse_line(risk_t *self, char *line, const char *name, int lineno, err_t *err)
{
    char *hash = strchr(line, '#');
    if (hash)
        *hash = '\0';
    char key[32], a[64], b[64], extra[8];
    int n = sscanf(line, "%31s %63s %63s %7s", key, a, b, extra);
    if (n <= 0)
        return 0;
    if (strcmp(key, "allow") == 0)
        return s_parse_allow(self, strstr(line, "allow") + 5, name, lineno, err);
    if (strcmp(key, "max_qty") == 0 || strcmp(key, "max_notional") == 0) {
        if (n != 3)
            return err_set(err, XR_INVALID_REQUEST, "%s:%d: want '%s SYMBOL VALUE'", name, lineno, key);
        if (strcmp(a, "*") != 0 && !strchr(a, '/'))
            return err_set(err, XR_INVALID_REQUEST, "%s:%d: %s: bad symbol '%s'", name, lineno, key, a);
        if (key[4] == 'q')
            return s_add_limit(self->max_qty, &self->max_qty_count, a, b, key, name, lineno, err);
        return s_add_limit(self->max_notional, &self->max_notional_count, a, b, key, name, lineno, err);
    }
    if (strcmp(key, "max_open_orders") == 0 || strcmp(key, "orders_per_second") == 0) {
        if (n != 2)
            return err_set(err, XR_INVALID_REQUEST, "%s:%d: want '%s NUMBER'", name, lineno, key);
        return s_parse_int(a, key[0] == 'm' ? &self->max_open_orders : &self->orders_per_second, key, name, lineno,
                           err);
    }
    return err_set(err, XR_INVALID_REQUEST, "%s:%d: unknown limit '%s'", name, lineno, key);
}

risk_t *risk_parse(const char *text, const char *name, err_t *err)
{
    risk_t *self = mem_calloc(1, sizeof *self);
    int lineno = 0;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t) (nl - p) : strlen(p);
        char line[1024];
        lineno++;
        if (len >= sizeof line) {
            err_set(err, XR_INVALID_REQUEST, "%s:%d: line too long", name, lineno);
            goto fail;
        }
        memcpy(line, p, len);
        line[len] = '\0';
        if (s_parse_line(self, line, name, lineno, err) != 0)
            goto fail;
        p += len + (nl ? 1 : 0);
    }
    return self;
fail:
    risk_destroy(&self);
    return NULL;
}

risk_t *risk_load(const char *path, err_t *err)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        err_set(err, XR_INVALID_REQUEST, "cannot open risk file %s", path);
        return NULL;
    }
    char *text = mem_alloc(RISK_FILE_MAX + 1);
    size_t n = fread(text, 1, RISK_FILE_MAX + 1, f);
    fclose(f);
    risk_t *self = NULL;
    if (n > RISK_FILE_MAX || memchr(text, '\0', n))
        err_set(err, XR_INVALID_REQUEST, "risk file %s is too large or not text", path);
    else {
        text[n] = '\0';
        self = risk_parse(text, path, err);
    }
    mem_free(text);
    return self;
}

void risk_destroy(risk_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    mem_free(*self_p);
    *self_p = NULL;
}

static const sym_limit_t *s_limit_for(const sym_limit_t *arr, size_t count, const char *symbol)
{
    const sym_limit_t *star = NULL;
    for (size_t i = 0; i < count; i++) {
        if (strcmp(arr[i].symbol, symbol) == 0)
            return &arr[i];
        if (strcmp(arr[i].symbol, "*") == 0)
            star = &arr[i];
    }
    return star;
}

static state_entry_t *s_entry(state_table_t *t, const char *key, bool create)
{
    for (size_t i = 0; i < t->count; i++)
        if (strcmp(t->items[i].key, key) == 0)
            return &t->items[i];
    if (!create || t->count == RISK_STATE_MAX)
        return NULL;
    state_entry_t *e = &t->items[t->count++];
    memset(e, 0, sizeof *e);
    snprintf(e->key, sizeof e->key, "%s", key);
    e->refilled_ms = -1;
    return e;
}

risk_state_t *risk_state_new(void)
{
    risk_state_t *st = mem_calloc(1, sizeof *st);
    st->prices.items = mem_calloc(RISK_STATE_MAX, sizeof(state_entry_t));
    st->accounts.items = mem_calloc(RISK_STATE_MAX, sizeof(state_entry_t));
    st->clients.items = mem_calloc(RISK_STATE_MAX, sizeof(state_entry_t));
    return st;
}

void risk_state_destroy(risk_state_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    risk_state_t *st = *self_p;
    mem_free(st->prices.items);
    mem_free(st->accounts.items);
    mem_free(st->clients.items);
    mem_free(st);
    *self_p = NULL;
}

void risk_state_set_price(risk_state_t *st, const char *symbol, decimal_t price)
{
    state_entry_t *e = s_entry(&st->prices, symbol, true);
    if (e)
        e->price = price;
}

void risk_state_open_orders_add(risk_state_t *st, const char *account, int delta)
{
    state_entry_t *e = s_entry(&st->accounts, account, true);
    if (!e)
        return;
    e->count += delta;
    if (e->count < 0)
        e->count = 0;
}

int risk_state_open_orders(const risk_state_t *st, const char *account)
{
    state_entry_t *e = s_entry((state_table_t *) &st->accounts, account, false);
    return e ? (int) e->count : 0;
}

static int s_check_rate(const risk_t *self, risk_state_t *st, const char *client, int64_t now_ms, err_t *err)
{
    if (self->orders_per_second == 0)
        return 0;
    state_entry_t *e = s_entry(&st->clients, client, true);
    if (!e)
        return err_set(err, XR_RISK_REJECTED, "orders_per_second: too many distinct clients");
    int64_t cap = self->orders_per_second * 1000;
    if (e->refilled_ms < 0) {
        e->milli_tokens = cap;
    } else if (now_ms > e->refilled_ms) {
        int64_t add = (now_ms - e->refilled_ms) * self->orders_per_second;
        e->milli_tokens = e->milli_tokens + add > cap ? cap : e->milli_tokens + add;
    }
    e->refilled_ms = now_ms;
    if (e->milli_tokens < 1000)
        return err_set(err, XR_RISK_REJECTED, "orders_per_second %lld exceeded for client %s",
                       (long long) self->orders_per_second, client);
    e->milli_tokens -= 1000;
    return 0;
}

int risk_check(const risk_t *self, risk_state_t *st, const risk_order_t *o, int64_t now_ms, err_t *err)
{
    assert(self && st && o);
    char a[DECIMAL_STR_MAX], b[DECIMAL_STR_MAX];
    /* The rate counts every attempt, also those another limit refuses: a client hammering the gateway with
     * bad orders is throttled like any other. */
    if (s_check_rate(self, st, o->client, now_ms, err) != 0)
        return -1;
    if (self->allow_count) {
        bool ok = false;
        for (size_t i = 0; i < self->allow_count && !ok; i++)
            ok = strcmp(self->allow[i], o->symbol) == 0;
        if (!ok)
            return err_set(err, XR_RISK_REJECTED, "allow: symbol %s is not allowed", o->symbol);
    }
    const sym_limit_t *q = s_limit_for(self->max_qty, self->max_qty_count, o->symbol);
    if (q && decimal_cmp(o->quantity, q->value) > 0) {
        decimal_format(o->quantity, a, sizeof a);
        decimal_format(q->value, b, sizeof b);
        return err_set(err, XR_RISK_REJECTED, "max_qty %s %s exceeded: quantity %s", q->symbol, b, a);
    }
    const sym_limit_t *nl = s_limit_for(self->max_notional, self->max_notional_count, o->symbol);
    if (nl && !o->reduce_only) {
        decimal_t price = o->price, notional;
        bool known = o->has_price;
        if (!known) {
            state_entry_t *e = s_entry(&st->prices, o->symbol, false);
            known = e != NULL;
            if (e)
                price = e->price;
        }
        if (known) {
            if (decimal_mul(price, o->quantity, 8, DECIMAL_ROUND_UP, &notional, NULL) != 0)
                return err_set(err, XR_RISK_REJECTED, "max_notional %s: notional too large to compute", nl->symbol);
            if (decimal_cmp(notional, nl->value) > 0) {
                decimal_format(notional, a, sizeof a);
                decimal_format(nl->value, b, sizeof b);
                return err_set(err, XR_RISK_REJECTED, "max_notional %s %s exceeded: notional %s", nl->symbol, b, a);
            }
        }
    }
    if (self->max_open_orders && risk_state_open_orders(st, o->account) >= self->max_open_orders)
        return err_set(err, XR_RISK_REJECTED, "max_open_orders %lld reached for account %s",
                       (long long) self->max_open_orders, o->account);
    return 0;
}
