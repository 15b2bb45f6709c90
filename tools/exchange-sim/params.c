/* params: form/query text parsing with percent-decoding into a bounded arena (see params.h). */
#include "params.h"

#include <assert.h>
#include <string.h>

void sim_params_init(sim_params_t *p)
{
    assert(p);
    p->count = 0;
    p->arena_used = 0;
}

static int s_hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes len bytes into the arena as a NUL-terminated string. Returns it, or NULL (err set). */
static const char *s_decode(sim_params_t *p, const char *s, size_t len, size_t *out_len, err_t *err)
{
    if (p->arena_used + len + 1 > SIM_PARAMS_ARENA) {
        err_set(err, XR_INVALID_REQUEST, "parameters too long");
        return NULL;
    }
    char *out = p->arena + p->arena_used;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            if (i + 2 >= len) {
                err_set(err, XR_INVALID_REQUEST, "bad percent escape");
                return NULL;
            }
            int h = s_hex(s[i + 1]), l = s_hex(s[i + 2]);
            if (h < 0 || l < 0) {
                err_set(err, XR_INVALID_REQUEST, "bad percent escape");
                return NULL;
            }
            c = (char)(h * 16 + l);
            i += 2;
        }
        if (c == '\0') {
            err_set(err, XR_INVALID_REQUEST, "NUL byte in parameter");
            return NULL;
        }
        out[n++] = c;
    }
    out[n] = '\0';
    p->arena_used += n + 1;
    if (out_len)
        *out_len = n;
    return out;
}

static int s_pair(sim_params_t *p, const char *s, size_t len, bool from_body, err_t *err)
{
    if (p->count >= SIM_PARAMS_MAX)
        return err_set(err, XR_INVALID_REQUEST, "too many parameters");
    const char *eq = memchr(s, '=', len);
    size_t nlen = eq ? (size_t)(eq - s) : len;
    if (nlen == 0)
        return err_set(err, XR_INVALID_REQUEST, "empty parameter name");
    sim_param_t *it = &p->items[p->count];
    it->name = s_decode(p, s, nlen, NULL, err);
    if (!it->name)
        return -1;
    if (eq)
        it->value = s_decode(p, eq + 1, len - nlen - 1, &it->value_len, err);
    else
        it->value = s_decode(p, "", 0, &it->value_len, err);
    if (!it->value)
        return -1;
    it->raw = s;
    it->raw_len = len;
    it->from_body = from_body;
    p->count++;
    return 0;
}

int sim_params_parse(sim_params_t *p, const char *text, size_t len, bool from_body, err_t *err)
{
    assert(p);
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || text[i] == '&') {
            if (i > start && s_pair(p, text + start, i - start, from_body, err) != 0)
                return -1;
            start = i + 1;
        }
    }
    return 0;
}

const sim_param_t *sim_params_find(const sim_params_t *p, const char *name)
{
    for (size_t i = 0; i < p->count; i++)
        if (strcmp(p->items[i].name, name) == 0)
            return &p->items[i];
    return NULL;
}

const char *sim_params_get(const sim_params_t *p, const char *name)
{
    const sim_param_t *it = sim_params_find(p, name);
    return it ? it->value : NULL;
}

size_t sim_params_count_of(const sim_params_t *p, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < p->count; i++)
        n += strcmp(p->items[i].name, name) == 0;
    return n;
}
