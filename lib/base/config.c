/* config: settings from the environment and an optional KEY=VALUE file (format and precedence in config.h).
 * Both sources are copied once at creation into two small arrays; lookups scan them linearly, which is
 * plenty for the few dozen settings a service reads at start. Every copied value may be a credential, so
 * values (and the file's raw bytes) are wiped before their memory is released. */
#include "config.h"

#include "mem.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_FILE_MAX (1024 * 1024)  /* largest config file read */
#define S_SECRET_MAX (64 * 1024)  /* largest secret file read */
#define S_KEY_MAX 200             /* longest key name, so that "<key>_FILE" always fits */

typedef struct {
    char *key;    /* setting name */
    char *value;  /* its value (may be a credential: wiped on destroy) */
    int line;     /* line in the config file; 0 for the environment */
} s_entry_t;

typedef struct {
    s_entry_t *items;  /* entries in source order */
    size_t count;      /* entries used */
    size_t cap;        /* entries allocated */
} s_list_t;

struct _config_t {
    s_list_t env;     /* environment snapshot */
    s_list_t file;    /* settings read from the file */
    char *path;       /* the file's path, NULL when none */
    unsigned mode;    /* the file's permission bits when it was read */
};

static void s_list_add(s_list_t *list, char *key, char *value, int line)
{
    if (list->count == list->cap) {
        list->cap = list->cap ? list->cap * 2 : 32;
        list->items = mem_realloc(list->items, list->cap * sizeof *list->items);
    }
    list->items[list->count++] = (s_entry_t){key, value, line};
}

static const s_entry_t *s_list_find(const s_list_t *list, const char *key)
{
    for (size_t i = 0; i < list->count; i++) {
        if (strcmp(list->items[i].key, key) == 0)
            return &list->items[i];
    }
    return NULL;
}

static void s_list_wipe(s_list_t *list)
{
    for (size_t i = 0; i < list->count; i++) {
        explicit_bzero(list->items[i].value, strlen(list->items[i].value));
        mem_free(list->items[i].value);
        mem_free(list->items[i].key);
    }
    mem_free(list->items);
    *list = (s_list_t){NULL, 0, 0};
}

/* The value of key by precedence (environment, then file), empty values counting as unset. *from_file
 * (may be NULL) tells which source answered. NULL when not set. */
static const char *s_lookup(const config_t *self, const char *key, bool *from_file)
{
    assert(self);
    assert(key);
    const s_entry_t *e = s_list_find(&self->env, key);
    bool file = false;
    if (!e || !e->value[0]) {
        e = s_list_find(&self->file, key);
        file = true;
    }
    if (!e || !e->value[0])
        return NULL;
    if (from_file)
        *from_file = file;
    return e->value;
}

/* ---------------------------------------------------------------- loading */

static void s_load_env(config_t *self, const char *const *env)
{
    for (size_t i = 0; env[i]; i++) {
        const char *eq = strchr(env[i], '=');
        if (!eq || eq == env[i])
            continue;
        s_list_add(&self->env, mem_strndup(env[i], (size_t) (eq - env[i])), mem_strdup(eq + 1), 0);
    }
}

static bool s_is_space(char c)
{
    return c == ' ' || c == '\t';
}

static bool s_is_key_char(char c, bool first)
{
    return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (!first && c >= '0' && c <= '9');
}

/* Parses one line of the file (without its '\n'). Errors name the file and line, never the content. */
static int s_parse_line(config_t *self, int line, const char *p, size_t n, err_t *err)
{
    const char *path = self->path;
    if (memchr(p, '\0', n))
        return err_set(err, XR_INVALID_REQUEST, "%s:%d: NUL byte in line", path, line);
    if (n > 0 && p[n - 1] == '\r')
        n--;
    while (n > 0 && s_is_space(*p)) {
        p++;
        n--;
    }
    while (n > 0 && s_is_space(p[n - 1]))
        n--;
    if (n == 0 || *p == '#')
        return 0;
    size_t k = 0;
    while (k < n && s_is_key_char(p[k], k == 0))
        k++;
    size_t eq = k;
    while (eq < n && s_is_space(p[eq]))
        eq++;
    if (k == 0 || eq == n || p[eq] != '=')
        return err_set(err, XR_INVALID_REQUEST, "%s:%d: expected KEY=VALUE", path, line);
    if (k > S_KEY_MAX)
        return err_set(err, XR_INVALID_REQUEST, "%s:%d: key longer than %d characters", path, line, S_KEY_MAX);
    const char *v = p + eq + 1;
    size_t vn = n - eq - 1;
    while (vn > 0 && s_is_space(*v)) {
        v++;
        vn--;
    }
    if (vn > 0 && (*v == '"' || *v == '\'')) {
        if (vn < 2 || v[vn - 1] != *v)
            return err_set(err, XR_INVALID_REQUEST, "%s:%d: unterminated quote", path, line);
        v++;
        vn -= 2;
    }
    char *key = mem_strndup(p, k);
    const s_entry_t *dup = s_list_find(&self->file, key);
    if (dup) {
        err_set(err, XR_INVALID_REQUEST, "%s:%d: %s already set on line %d", path, line, key, dup->line);
        mem_free(key);
        return -1;
    }
    s_list_add(&self->file, key, mem_strndup(v, vn), line);
    return 0;
}

/* Reads the whole file (bounded) into *data. The caller wipes and frees it. */
static int s_read_all(int fd, size_t max, char **data, size_t *len)
{
    char *buf = mem_alloc(max + 1);
    size_t n = 0;
    while (n < max + 1) {
        ssize_t got = read(fd, buf + n, max + 1 - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int saved = errno;
            explicit_bzero(buf, n);
            mem_free(buf);
            errno = saved;
            return -1;
        }
        if (got == 0)
            break;
        n += (size_t) got;
    }
    *data = buf;
    *len = n;
    return 0;
}

static int s_load_file(config_t *self, err_t *err)
{
    const char *path = self->path;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return err_set(err, XR_INVALID_REQUEST, "cannot open config file %s: %s", path, strerror(errno));
    int rc = -1;
    char *data = NULL;
    size_t len = 0;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        err_set(err, XR_INVALID_REQUEST, "config file %s is not a regular file", path);
        goto done;
    }
    self->mode = (unsigned) st.st_mode & 07777;
    if (s_read_all(fd, S_FILE_MAX, &data, &len) != 0) {
        err_set(err, XR_INVALID_REQUEST, "cannot read config file %s: %s", path, strerror(errno));
        goto done;
    }
    if (len > S_FILE_MAX) {
        err_set(err, XR_INVALID_REQUEST, "config file %s is larger than %d bytes", path, S_FILE_MAX);
        goto done;
    }
    int line = 0;
    for (size_t at = 0; at < len; line++) {
        const char *nl = memchr(data + at, '\n', len - at);
        size_t n = nl ? (size_t) (nl - (data + at)) : len - at;
        if (s_parse_line(self, line + 1, data + at, n, err) != 0)
            goto done;
        at += n + 1;
    }
    rc = 0;
done:
    if (data) {
        explicit_bzero(data, len);
        mem_free(data);
    }
    close(fd);
    return rc;
}

config_t *config_new_from(const char *const *env, const char *file_path, err_t *err)
{
    config_t *self = mem_calloc(1, sizeof *self);
    s_load_env(self, env ? env : (const char *const *) environ);
    if (file_path) {
        self->path = mem_strdup(file_path);
        if (s_load_file(self, err) != 0)
            config_destroy(&self);
    }
    return self;
}

config_t *config_new(const char *file_path, err_t *err)
{
    return config_new_from(NULL, file_path, err);
}

void config_destroy(config_t **self_p)
{
    assert(self_p);
    config_t *self = *self_p;
    if (!self)
        return;
    s_list_wipe(&self->file);
    s_list_wipe(&self->env);
    mem_free(self->path);
    mem_free(self);
    *self_p = NULL;
}

/* ---------------------------------------------------------------- getters */

/* Keys whose values are credentials are never quoted in errors. */
static bool s_is_credential(const char *key)
{
    return strcasestr(key, "SECRET") || strcasestr(key, "KEY") || strcasestr(key, "PASS") ||
           strcasestr(key, "TOKEN");
}

static int s_bad_value(err_t *err, const char *key, const char *value, const char *what)
{
    if (s_is_credential(key))
        return err_set(err, XR_INVALID_REQUEST, "setting %s is not %s", key, what);
    return err_set(err, XR_INVALID_REQUEST, "setting %s=\"%.64s%s\" is not %s", key, value,
                   strlen(value) > 64 ? "..." : "", what);
}

bool config_has(const config_t *self, const char *key)
{
    return s_lookup(self, key, NULL) != NULL;
}

const char *config_get_str(const config_t *self, const char *key, const char *def)
{
    const char *v = s_lookup(self, key, NULL);
    return v ? v : def;
}

int config_require_str(const config_t *self, const char *key, const char **out, err_t *err)
{
    assert(out);
    const char *v = s_lookup(self, key, NULL);
    if (!v)
        return err_set(err, XR_INVALID_REQUEST, "missing required setting %s", key);
    *out = v;
    return 0;
}

/* Parses [-]digits into *out. Returns 0, -1 when not an integer, -2 when beyond int64. */
static int s_parse_int(const char *s, int64_t *out)
{
    bool neg = *s == '-';
    s += neg;
    if (*s < '0' || *s > '9')
        return -1;
    uint64_t limit = neg ? (uint64_t) INT64_MAX + 1 : (uint64_t) INT64_MAX, v = 0;
    bool over = false;
    for (; *s >= '0' && *s <= '9'; s++) {
        unsigned d = (unsigned) (*s - '0');
        if (v > (limit - d) / 10)
            over = true;
        else
            v = v * 10 + d;
    }
    if (*s)
        return -1;
    if (over)
        return -2;
    *out = neg ? (v ? -(int64_t) (v - 1) - 1 : 0) : (int64_t) v;
    return 0;
}

int config_get_int(const config_t *self, const char *key, int64_t def, int64_t min, int64_t max, int64_t *out,
                   err_t *err)
{
    assert(out);
    assert(min <= def && def <= max);
    const char *v = s_lookup(self, key, NULL);
    if (!v) {
        *out = def;
        return 0;
    }
    int64_t n = 0;
    int rc = s_parse_int(v, &n);
    if (rc == -1)
        return s_bad_value(err, key, v, "an integer");
    if (rc == -2 || n < min || n > max) {
        char range[64];
        snprintf(range, sizeof range, "in range %lld..%lld", (long long) min, (long long) max);
        return s_bad_value(err, key, v, range);
    }
    *out = n;
    return 0;
}

int config_get_bool(const config_t *self, const char *key, bool def, bool *out, err_t *err)
{
    assert(out);
    static const char *const yes[] = {"true", "1", "yes"}, *const no[] = {"false", "0", "no"};
    const char *v = s_lookup(self, key, NULL);
    if (!v) {
        *out = def;
        return 0;
    }
    for (size_t i = 0; i < 3; i++) {
        if (strcasecmp(v, yes[i]) == 0 || strcasecmp(v, no[i]) == 0) {
            *out = strcasecmp(v, yes[i]) == 0;
            return 0;
        }
    }
    return s_bad_value(err, key, v, "a boolean (true/false, 1/0, yes/no)");
}

int config_get_decimal(const config_t *self, const char *key, decimal_t def, decimal_t *out, err_t *err)
{
    assert(out);
    const char *v = s_lookup(self, key, NULL);
    if (!v) {
        *out = def;
        return 0;
    }
    err_t why;
    if (decimal_from_str(v, out, &why) == 0)
        return 0;
    if (s_is_credential(key))
        return err_set(err, XR_INVALID_REQUEST, "setting %s is not a decimal", key);
    return err_set(err, XR_INVALID_REQUEST, "setting %s: %s", key, why.msg);
}

int config_get_duration_ms(const config_t *self, const char *key, int64_t def_ms, int64_t *out, err_t *err)
{
    assert(out);
    static const struct {
        const char *unit;
        int64_t ms;
    } units[] = {{"", 1}, {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
    const char *v = s_lookup(self, key, NULL);
    if (!v) {
        *out = def_ms;
        return 0;
    }
    const char *what = "a duration (500ms, 5s, 2m, 24h, or milliseconds)";
    int64_t n = 0;
    const char *p = v;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (__builtin_mul_overflow(n, 10, &n) || __builtin_add_overflow(n, *p - '0', &n))
            return s_bad_value(err, key, v, what);
    }
    if (p == v)
        return s_bad_value(err, key, v, what);
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(p, units[i].unit) == 0) {
            if (__builtin_mul_overflow(n, units[i].ms, &n))
                return s_bad_value(err, key, v, what);
            *out = n;
            return 0;
        }
    }
    return s_bad_value(err, key, v, what);
}

/* ---------------------------------------------------------------- secrets */

int config_read_secret_file(const char *key, const char *path, char **out, err_t *err)
{
    assert(key && path && out);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK); /* a FIFO must not block us */
    if (fd < 0)
        return err_set(err, XR_INVALID_REQUEST, "cannot open secret file %s for %s: %s", path, key, strerror(errno));
    int rc = -1;
    char *data = NULL;
    size_t len = 0;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        err_set(err, XR_INVALID_REQUEST, "secret file %s for %s is not a regular file", path, key);
        goto done;
    }
    if (st.st_mode & 077) {
        err_set(err, XR_INVALID_REQUEST,
                "secret file %s for %s has mode %04o: readable or writable by group or others (chmod 600 it)", path,
                key, (unsigned) st.st_mode & 07777);
        goto done;
    }
    if (s_read_all(fd, S_SECRET_MAX, &data, &len) != 0) {
        err_set(err, XR_INVALID_REQUEST, "cannot read secret file %s for %s: %s", path, key, strerror(errno));
        goto done;
    }
    if (len > S_SECRET_MAX) {
        err_set(err, XR_INVALID_REQUEST, "secret file %s for %s is larger than %d bytes", path, key, S_SECRET_MAX);
        goto done;
    }
    if (memchr(data, '\0', len)) {
        err_set(err, XR_INVALID_REQUEST, "secret file %s for %s holds a NUL byte", path, key);
        goto done;
    }
    if (len > 0 && data[len - 1] == '\n') /* one trailing newline (LF or CRLF), as editors and echo leave it */
        len -= 1 + (len > 1 && data[len - 2] == '\r');
    if (len == 0) {
        err_set(err, XR_INVALID_REQUEST, "secret file %s for %s is empty", path, key);
        goto done;
    }
    data[len] = '\0';
    *out = data;
    data = NULL;
    rc = 0;
done:
    if (data) {
        explicit_bzero(data, len);
        mem_free(data);
    }
    close(fd);
    return rc;
}

int config_get_secret(const config_t *self, const char *key, char **out, err_t *err)
{
    assert(out);
    assert(key && strlen(key) <= S_KEY_MAX);
    char file_key[S_KEY_MAX + 8];
    snprintf(file_key, sizeof file_key, "%s_FILE", key);
    const char *path = s_lookup(self, file_key, NULL);
    if (path)
        return config_read_secret_file(key, path, out, err);
    bool from_file = false;
    const char *v = s_lookup(self, key, &from_file);
    if (!v)
        return err_set(err, XR_INVALID_REQUEST, "missing required setting %s (or %s naming a file)", key, file_key);
    if (from_file && (self->mode & 077))
        return err_set(err, XR_INVALID_REQUEST,
                       "config file %s holds %s but has mode %04o: readable or writable by group or others "
                       "(chmod 600 it)",
                       self->path, key, self->mode);
    *out = mem_strdup(v);
    return 0;
}

void config_secret_free(char **secret_p)
{
    if (!secret_p || !*secret_p)
        return;
    explicit_bzero(*secret_p, strlen(*secret_p));
    mem_free(*secret_p);
    *secret_p = NULL;
}
