/* test_config: settings from an explicit environment array, real KEY=VALUE files and real secret files in
 * this suite's scratch directory (modes 0600 vs 0644 set with fchmod): file format, precedence, every typed
 * getter with its range and error text, every secret error path, and that no secret reaches an error. */
#include "base/config.h"
#include "testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECRET "s3cr3t-Zq9-value"

/* Writes len bytes to <dir>/<name> with exactly `mode` (umask bypassed) and copies the path into path. */
static void s_write(char *path, size_t cap, const char *dir, const char *name, const char *data, size_t len,
                    mode_t mode)
{
    snprintf(path, cap, "%s/%s", dir, name);
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, data, len), (ssize_t) len);
    ck_assert_int_eq(fchmod(fd, mode), 0);
    close(fd);
}

static void s_write_str(char *path, size_t cap, const char *dir, const char *name, const char *text, mode_t mode)
{
    s_write(path, cap, dir, name, text, strlen(text), mode);
}

static char s_dir[1024];

static const char *s_fresh_dir(const char *name)
{
    const char *d = tu_scratch_dir(name);
    ck_assert_ptr_nonnull(d);
    snprintf(s_dir, sizeof s_dir, "%s", d);
    return s_dir;
}

/* ------------------------------------------------------------------ sources and format */

START_TEST(environment_array)
{
    const char *env[] = {"A=1", "B=hello world", "EMPTY=", "NOEQ", "=x", "EQ=a=b", "A=second", NULL};
    err_t err = {0};
    config_t *cfg = config_new_from(env, NULL, &err);
    ck_assert_ptr_nonnull(cfg);
    ck_assert_str_eq(config_get_str(cfg, "A", "def"), "1"); /* the first of duplicates, as getenv */
    ck_assert_str_eq(config_get_str(cfg, "B", "def"), "hello world");
    ck_assert_str_eq(config_get_str(cfg, "EQ", "def"), "a=b");
    ck_assert_str_eq(config_get_str(cfg, "EMPTY", "def"), "def");
    ck_assert_str_eq(config_get_str(cfg, "NOEQ", "def"), "def");
    ck_assert_str_eq(config_get_str(cfg, "MISSING", "def"), "def");
    ck_assert_ptr_null(config_get_str(cfg, "MISSING", NULL));
    ck_assert(config_has(cfg, "A"));
    ck_assert(!config_has(cfg, "EMPTY"));
    ck_assert(!config_has(cfg, "a"));
    config_destroy(&cfg);
    ck_assert_ptr_null(cfg);
    config_destroy(&cfg);
}
END_TEST

START_TEST(process_environment_is_snapshot)
{
    setenv("XR_TEST_CONFIG_LEVEL", "42", 1);
    config_t *cfg = config_new(NULL, NULL);
    ck_assert_ptr_nonnull(cfg);
    setenv("XR_TEST_CONFIG_LEVEL", "7", 1);
    int64_t v = 0;
    ck_assert_int_eq(config_get_int(cfg, "XR_TEST_CONFIG_LEVEL", 0, 0, 100, &v, NULL), 0);
    ck_assert_int_eq(v, 42);
    config_destroy(&cfg);
    cfg = config_new_from(NULL, NULL, NULL);
    ck_assert_int_eq(config_get_int(cfg, "XR_TEST_CONFIG_LEVEL", 0, 0, 100, &v, NULL), 0);
    ck_assert_int_eq(v, 7);
    config_destroy(&cfg);
    unsetenv("XR_TEST_CONFIG_LEVEL");
}
END_TEST

START_TEST(file_format)
{
    const char *dir = s_fresh_dir("file_format");
    char path[1200];
    s_write_str(path, sizeof path, dir, "xr.env",
                "# xroute settings\n"
                "\n"
                "   \t\n"
                "  # indented comment\n"
                "PLAIN=value\n"
                "  SPACED  =   padded value   \n"
                "DQ=\"  kept spaces  \"\n"
                "SQ='single # not a comment'\n"
                "HASH=a#b\n"
                "DOLLAR=$HOME/${USER}\n"
                "WINDOWS=crlf\r\n"
                "EQUALS=x=y=z\n"
                "EMPTYQ=\"\"\n"
                "lower_Case_9=ok\n"
                "LAST=no newline at end",
                0600);
    err_t err = {0};
    const char *env[] = {NULL};
    config_t *cfg = config_new_from(env, path, &err);
    ck_assert_msg(cfg != NULL, "%s", err.msg);
    ck_assert_str_eq(config_get_str(cfg, "PLAIN", NULL), "value");
    ck_assert_str_eq(config_get_str(cfg, "SPACED", NULL), "padded value");
    ck_assert_str_eq(config_get_str(cfg, "DQ", NULL), "  kept spaces  ");
    ck_assert_str_eq(config_get_str(cfg, "SQ", NULL), "single # not a comment");
    ck_assert_str_eq(config_get_str(cfg, "HASH", NULL), "a#b");
    ck_assert_str_eq(config_get_str(cfg, "DOLLAR", NULL), "$HOME/${USER}");
    ck_assert_str_eq(config_get_str(cfg, "WINDOWS", NULL), "crlf");
    ck_assert_str_eq(config_get_str(cfg, "EQUALS", NULL), "x=y=z");
    ck_assert_str_eq(config_get_str(cfg, "EMPTYQ", "def"), "def");
    ck_assert_str_eq(config_get_str(cfg, "lower_Case_9", NULL), "ok");
    ck_assert_str_eq(config_get_str(cfg, "LAST", NULL), "no newline at end");
    config_destroy(&cfg);
}
END_TEST

START_TEST(precedence_env_file_default)
{
    const char *dir = s_fresh_dir("precedence");
    char path[1200];
    s_write_str(path, sizeof path, dir, "xr.env", "BOTH=file\nFILE_ONLY=file\nENV_EMPTY=file\n", 0644);
    const char *env[] = {"BOTH=env", "ENV_ONLY=env", "ENV_EMPTY=", NULL};
    config_t *cfg = config_new_from(env, path, NULL);
    ck_assert_ptr_nonnull(cfg);
    ck_assert_str_eq(config_get_str(cfg, "BOTH", "default"), "env");
    ck_assert_str_eq(config_get_str(cfg, "ENV_ONLY", "default"), "env");
    ck_assert_str_eq(config_get_str(cfg, "FILE_ONLY", "default"), "file");
    ck_assert_str_eq(config_get_str(cfg, "ENV_EMPTY", "default"), "file");
    ck_assert_str_eq(config_get_str(cfg, "NEITHER", "default"), "default");
    int64_t n = 0;
    ck_assert_int_eq(config_get_int(cfg, "NEITHER", 17, 0, 100, &n, NULL), 0);
    ck_assert_int_eq(n, 17);
    config_destroy(&cfg);
}
END_TEST

START_TEST(malformed_lines_name_file_and_line)
{
    static const struct {
        const char *text;
        int line;
        const char *reason;
    } cases[] = {
        {"A=1\nNOEQUALS" SECRET "\n", 2, "expected KEY=VALUE"},
        {"=" SECRET "\n", 1, "expected KEY=VALUE"},
        {"# c\n\n1KEY=" SECRET "\n", 3, "expected KEY=VALUE"},
        {"KEY-X=" SECRET "\n", 1, "expected KEY=VALUE"},
        {"A B=" SECRET "\n", 1, "expected KEY=VALUE"},
        {"export KEY=" SECRET "\n", 1, "expected KEY=VALUE"},
        {"KEY=\"" SECRET "\n", 1, "unterminated quote"},
        {"KEY='" SECRET "\"\n", 1, "unterminated quote"},
        {"KEY=\"\n", 1, "unterminated quote"},
        {"A=1\nB=2\nA=" SECRET "\n", 3, "A already set on line 1"},
    };
    const char *dir = s_fresh_dir("malformed");
    char path[1200];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s_write_str(path, sizeof path, dir, "bad.env", cases[i].text, 0600);
        err_t err = {0};
        config_t *cfg = config_new_from(NULL, path, &err);
        ck_assert_msg(cfg == NULL, "case %zu accepted", i);
        ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
        char where[1300];
        snprintf(where, sizeof where, "%s:%d: %s", path, cases[i].line, cases[i].reason);
        ck_assert_msg(strcmp(err.msg, where) == 0, "case %zu: \"%s\", want \"%s\"", i, err.msg, where);
        ck_assert_ptr_null(strstr(err.msg, SECRET));
    }
    /* a NUL byte inside a line */
    s_write(path, sizeof path, dir, "nul.env", "A=1\nB=x\0y\n", 10, 0600);
    err_t err = {0};
    ck_assert_ptr_null(config_new_from(NULL, path, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "nul.env:2: NUL byte"));
}
END_TEST

START_TEST(unreadable_files)
{
    const char *dir = s_fresh_dir("unreadable");
    char path[1200];
    err_t err = {0};
    snprintf(path, sizeof path, "%s/absent.env", dir);
    ck_assert_ptr_null(config_new_from(NULL, path, &err));
    ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
    ck_assert_ptr_nonnull(strstr(err.msg, "cannot open config file"));
    ck_assert_ptr_nonnull(strstr(err.msg, path));
    ck_assert_ptr_nonnull(strstr(err.msg, "No such file"));
    ck_assert_ptr_null(config_new_from(NULL, dir, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "not a regular file"));
    /* one byte past 1 MiB */
    size_t big = 1024 * 1024 + 1;
    char *data = malloc(big);
    memset(data, '#', big);
    s_write(path, sizeof path, dir, "big.env", data, big, 0600);
    free(data);
    ck_assert_ptr_null(config_new_from(NULL, path, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "larger than 1048576 bytes"));
}
END_TEST

/* ------------------------------------------------------------------ typed getters */

START_TEST(require_str)
{
    const char *env[] = {"BINANCE_API_KEY=abc", "EMPTY=", NULL};
    config_t *cfg = config_new_from(env, NULL, NULL);
    const char *v = NULL;
    err_t err = {0};
    ck_assert_int_eq(config_require_str(cfg, "BINANCE_API_KEY", &v, &err), 0);
    ck_assert_str_eq(v, "abc");
    v = "untouched";
    ck_assert_int_eq(config_require_str(cfg, "BYBIT_API_KEY", &v, &err), -1);
    ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
    ck_assert_str_eq(err.msg, "missing required setting BYBIT_API_KEY");
    ck_assert_str_eq(v, "untouched");
    ck_assert_int_eq(config_require_str(cfg, "EMPTY", &v, &err), -1);
    ck_assert_str_eq(err.msg, "missing required setting EMPTY");
    config_destroy(&cfg);
}
END_TEST

START_TEST(get_int_and_range)
{
    const char *env[] = {"N=42", "NEG=-7", "ZERO=-0", "LOW=0", "HIGH=100", "MAXI=9223372036854775807",
                         "MINI=-9223372036854775808", "BIG=9223372036854775808", "HUGE=99999999999999999999",
                         "API_TOKEN=12x", NULL};
    config_t *cfg = config_new_from(env, NULL, NULL);
    int64_t v = 0;
    err_t err = {0};
    ck_assert_int_eq(config_get_int(cfg, "N", 0, 0, 100, &v, &err), 0);
    ck_assert_int_eq(v, 42);
    ck_assert_int_eq(config_get_int(cfg, "NEG", 0, -10, 10, &v, &err), 0);
    ck_assert_int_eq(v, -7);
    ck_assert_int_eq(config_get_int(cfg, "ZERO", 5, 0, 10, &v, &err), 0);
    ck_assert_int_eq(v, 0);
    ck_assert_int_eq(config_get_int(cfg, "LOW", 5, 0, 100, &v, &err), 0); /* bounds are inclusive */
    ck_assert_int_eq(v, 0);
    ck_assert_int_eq(config_get_int(cfg, "HIGH", 5, 0, 100, &v, &err), 0);
    ck_assert_int_eq(v, 100);
    ck_assert_int_eq(config_get_int(cfg, "MAXI", 0, INT64_MIN, INT64_MAX, &v, &err), 0);
    ck_assert(v == INT64_MAX);
    ck_assert_int_eq(config_get_int(cfg, "MINI", 0, INT64_MIN, INT64_MAX, &v, &err), 0);
    ck_assert(v == INT64_MIN);
    ck_assert_int_eq(config_get_int(cfg, "ABSENT", 9, 1, 10, &v, &err), 0);
    ck_assert_int_eq(v, 9);

    v = 1234;
    ck_assert_int_eq(config_get_int(cfg, "N", 5, 0, 41, &v, &err), -1);
    ck_assert_str_eq(err.msg, "setting N=\"42\" is not in range 0..41");
    ck_assert_int_eq(config_get_int(cfg, "NEG", 5, 0, 41, &v, &err), -1);
    ck_assert_str_eq(err.msg, "setting NEG=\"-7\" is not in range 0..41");
    ck_assert_int_eq(config_get_int(cfg, "BIG", 0, INT64_MIN, INT64_MAX, &v, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "setting BIG=\"9223372036854775808\" is not in range"));
    ck_assert_int_eq(config_get_int(cfg, "HUGE", 0, INT64_MIN, INT64_MAX, &v, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "HUGE"));
    ck_assert_int_eq(config_get_int(cfg, "API_TOKEN", 0, 0, 10, &v, &err), -1);
    ck_assert_str_eq(err.msg, "setting API_TOKEN is not an integer"); /* credential-like: value not shown */
    ck_assert_int_eq(v, 1234);
    config_destroy(&cfg);

    static const char *const bad[] = {"12a", " 5", "5 ", "+5", "5.0", "-", "0x10", "1e3", "--1", "٣"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char entry[64];
        snprintf(entry, sizeof entry, "LIMIT=%s", bad[i]);
        const char *one[] = {entry, NULL};
        cfg = config_new_from(one, NULL, NULL);
        ck_assert_msg(config_get_int(cfg, "LIMIT", 0, -100, 100, &v, &err) == -1, "\"%s\" accepted", bad[i]);
        char want[128];
        snprintf(want, sizeof want, "setting LIMIT=\"%s\" is not an integer", bad[i]);
        ck_assert_str_eq(err.msg, want);
        config_destroy(&cfg);
    }
}
END_TEST

START_TEST(get_bool_forms)
{
    static const struct {
        const char *text;
        bool value;
    } good[] = {{"true", true}, {"TRUE", true}, {"True", true}, {"1", true},   {"yes", true}, {"YES", true},
                {"false", false}, {"False", false}, {"0", false}, {"no", false}, {"No", false}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char entry[64];
        snprintf(entry, sizeof entry, "BINANCE_TESTNET=%s", good[i].text);
        const char *env[] = {entry, NULL};
        config_t *cfg = config_new_from(env, NULL, NULL);
        bool b = !good[i].value;
        ck_assert_int_eq(config_get_bool(cfg, "BINANCE_TESTNET", !good[i].value, &b, NULL), 0);
        ck_assert_msg(b == good[i].value, "%s", good[i].text);
        config_destroy(&cfg);
    }
    static const char *const bad[] = {"maybe", "2", "y", "n", "on", "off", "true ", "t"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char entry[64];
        snprintf(entry, sizeof entry, "BINANCE_TESTNET=%s", bad[i]);
        const char *env[] = {entry, NULL};
        config_t *cfg = config_new_from(env, NULL, NULL);
        bool b = true;
        err_t err = {0};
        ck_assert_int_eq(config_get_bool(cfg, "BINANCE_TESTNET", false, &b, &err), -1);
        ck_assert(b);
        char want[160];
        snprintf(want, sizeof want, "setting BINANCE_TESTNET=\"%s\" is not a boolean (true/false, 1/0, yes/no)",
                 bad[i]);
        ck_assert_str_eq(err.msg, want);
        config_destroy(&cfg);
    }
    const char *none[] = {NULL};
    config_t *cfg = config_new_from(none, NULL, NULL);
    bool b = false;
    ck_assert_int_eq(config_get_bool(cfg, "BINANCE_TESTNET", true, &b, NULL), 0);
    ck_assert(b);
    config_destroy(&cfg);
}
END_TEST

START_TEST(get_decimal)
{
    const char *env[] = {"RISK_MAX_NOTIONAL=2000.10", "BAD=1,5", "PASSPHRASE_FEE=1,5", NULL};
    config_t *cfg = config_new_from(env, NULL, NULL);
    decimal_t d = DECIMAL_ZERO, want;
    err_t err = {0};
    ck_assert_int_eq(config_get_decimal(cfg, "RISK_MAX_NOTIONAL", DECIMAL_ZERO, &d, &err), 0);
    ck_assert_int_eq(decimal_from_str("2000.1", &want, NULL), 0);
    ck_assert(decimal_eq(d, want));
    ck_assert_int_eq(d.mantissa, 20001);
    ck_assert_int_eq(config_get_decimal(cfg, "ABSENT", decimal_from_int(5), &d, &err), 0);
    ck_assert(decimal_eq(d, decimal_from_int(5)));
    ck_assert_int_eq(config_get_decimal(cfg, "BAD", DECIMAL_ZERO, &d, &err), -1);
    ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
    ck_assert_str_eq(err.msg, "setting BAD: invalid decimal \"1,5\": unexpected character at offset 1");
    ck_assert(decimal_eq(d, decimal_from_int(5)));
    ck_assert_int_eq(config_get_decimal(cfg, "PASSPHRASE_FEE", DECIMAL_ZERO, &d, &err), -1);
    ck_assert_str_eq(err.msg, "setting PASSPHRASE_FEE is not a decimal");
    config_destroy(&cfg);
}
END_TEST

START_TEST(get_duration_ms)
{
    static const struct {
        const char *text;
        int64_t ms;
    } good[] = {{"500ms", 500},          {"5s", 5000}, {"2m", 120000}, {"24h", 86400000}, {"250", 250},
                {"0", 0},                {"0s", 0},    {"007s", 7000}, {"9223372036854775807", INT64_MAX},
                {"2562047788015h", 2562047788015LL * 3600000}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char entry[64];
        snprintf(entry, sizeof entry, "TIMEOUT=%s", good[i].text);
        const char *env[] = {entry, NULL};
        config_t *cfg = config_new_from(env, NULL, NULL);
        int64_t ms = -1;
        err_t err = {0};
        ck_assert_msg(config_get_duration_ms(cfg, "TIMEOUT", 1, &ms, &err) == 0, "%s: %s", good[i].text, err.msg);
        ck_assert_msg(ms == good[i].ms, "%s -> %lld", good[i].text, (long long) ms);
        config_destroy(&cfg);
    }
    static const char *const bad[] = {"5 s", "1.5s", "-5s", "5d", "s", "ms", "5sec", "5S", "5ms ", " 5",
                                      "9223372036854775808", "2562047788016h", "99999999999999999999ms"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char entry[64];
        snprintf(entry, sizeof entry, "TIMEOUT=%s", bad[i]);
        const char *env[] = {entry, NULL};
        config_t *cfg = config_new_from(env, NULL, NULL);
        int64_t ms = -1;
        err_t err = {0};
        ck_assert_msg(config_get_duration_ms(cfg, "TIMEOUT", 1, &ms, &err) == -1, "\"%s\" accepted", bad[i]);
        ck_assert_int_eq(ms, -1);
        char want[160];
        snprintf(want, sizeof want, "setting TIMEOUT=\"%s\" is not a duration (500ms, 5s, 2m, 24h, or milliseconds)",
                 bad[i]);
        ck_assert_str_eq(err.msg, want);
        config_destroy(&cfg);
    }
    const char *none[] = {NULL};
    config_t *cfg = config_new_from(none, NULL, NULL);
    int64_t ms = 0;
    ck_assert_int_eq(config_get_duration_ms(cfg, "TIMEOUT", 1500, &ms, NULL), 0);
    ck_assert_int_eq(ms, 1500);
    config_destroy(&cfg);
}
END_TEST

START_TEST(long_values_are_cut_in_errors)
{
    char entry[400] = "LIMIT=";
    memset(entry + 6, 'x', 300);
    entry[306] = '\0';
    const char *env[] = {entry, NULL};
    config_t *cfg = config_new_from(env, NULL, NULL);
    int64_t v;
    err_t err = {0};
    ck_assert_int_eq(config_get_int(cfg, "LIMIT", 0, 0, 1, &v, &err), -1);
    char want[200] = "setting LIMIT=\"";
    memset(want + 15, 'x', 64);
    snprintf(want + 79, sizeof want - 79, "...\" is not an integer");
    ck_assert_str_eq(err.msg, want);
    config_destroy(&cfg);
}
END_TEST

/* ------------------------------------------------------------------ secrets */

START_TEST(secret_from_environment)
{
    const char *env[] = {"BINANCE_API_SECRET=" SECRET, NULL};
    config_t *cfg = config_new_from(env, NULL, NULL);
    char *s = NULL;
    err_t err = {0};
    ck_assert_int_eq(config_get_secret(cfg, "BINANCE_API_SECRET", &s, &err), 0);
    ck_assert_str_eq(s, SECRET);
    s[0] = 'X'; /* a copy: the config keeps its own */
    config_secret_free(&s);
    ck_assert_ptr_null(s);
    config_secret_free(&s);
    config_secret_free(NULL);
    ck_assert_int_eq(config_get_secret(cfg, "BINANCE_API_SECRET", &s, &err), 0);
    ck_assert_str_eq(s, SECRET);
    config_secret_free(&s);

    ck_assert_int_eq(config_get_secret(cfg, "BYBIT_API_SECRET", &s, &err), -1);
    ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
    ck_assert_str_eq(err.msg, "missing required setting BYBIT_API_SECRET (or BYBIT_API_SECRET_FILE naming a file)");
    ck_assert_ptr_null(s);
    config_destroy(&cfg);
}
END_TEST

START_TEST(secret_from_file)
{
    static const struct {
        const char *content;
        size_t len;
        mode_t mode;
        const char *value;
    } cases[] = {
        {SECRET "\n", sizeof SECRET, 0600, SECRET},
        {SECRET, sizeof SECRET - 1, 0600, SECRET},
        {SECRET "\r\n", sizeof SECRET + 1, 0600, SECRET},
        {SECRET "\n\n", sizeof SECRET + 1, 0600, SECRET "\n"},
        {" " SECRET " \n", sizeof SECRET + 2, 0400, " " SECRET " "},
    };
    const char *dir = s_fresh_dir("secret_file");
    char path[1200], entry[1300];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s_write(path, sizeof path, dir, "secret", cases[i].content, cases[i].len, cases[i].mode);
        snprintf(entry, sizeof entry, "BINANCE_API_SECRET_FILE=%s", path);
        /* the file wins over the variable itself */
        const char *env[] = {entry, "BINANCE_API_SECRET=from-env", NULL};
        config_t *cfg = config_new_from(env, NULL, NULL);
        char *s = NULL;
        err_t err = {0};
        ck_assert_msg(config_get_secret(cfg, "BINANCE_API_SECRET", &s, &err) == 0, "case %zu: %s", i, err.msg);
        ck_assert_str_eq(s, cases[i].value);
        config_secret_free(&s);
        config_destroy(&cfg);
    }
}
END_TEST

START_TEST(secret_file_refusals)
{
    static const struct {
        const char *content;
        size_t len;
        mode_t mode;
        const char *reason;
    } cases[] = {
        {SECRET "\n", sizeof SECRET, 0644, "has mode 0644: readable or writable by group or others (chmod 600 it)"},
        {SECRET "\n", sizeof SECRET, 0640, "has mode 0640"},
        {SECRET "\n", sizeof SECRET, 0604, "has mode 0604"},
        {SECRET "\n", sizeof SECRET, 0620, "has mode 0620"},
        {SECRET "\n", sizeof SECRET, 0602, "has mode 0602"},
        {"", 0, 0600, "is empty"},
        {"\n", 1, 0600, "is empty"},
        {"\r\n", 2, 0600, "is empty"},
        {SECRET "\0x", sizeof SECRET + 1, 0600, "holds a NUL byte"},
    };
    const char *dir = s_fresh_dir("secret_refusals");
    char path[1200], entry[1300], want[1500];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s_write(path, sizeof path, dir, "secret", cases[i].content, cases[i].len, cases[i].mode);
        snprintf(entry, sizeof entry, "BINANCE_API_SECRET_FILE=%s", path);
        const char *env[] = {entry, "BINANCE_API_SECRET=" SECRET, NULL};
        config_t *cfg = config_new_from(env, NULL, NULL);
        char *s = NULL;
        err_t err = {0};
        ck_assert_msg(config_get_secret(cfg, "BINANCE_API_SECRET", &s, &err) == -1, "case %zu accepted", i);
        ck_assert_ptr_null(s);
        ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
        snprintf(want, sizeof want, "secret file %s for BINANCE_API_SECRET %s", path, cases[i].reason);
        ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0, "case %zu: \"%s\", want \"%s\"", i, err.msg, want);
        ck_assert_ptr_null(strstr(err.msg, "s3cr3t"));
        config_destroy(&cfg);
    }

    /* absent file, a directory, and one byte past 64 KiB */
    config_t *cfg;
    char *s = NULL;
    err_t err = {0};
    snprintf(entry, sizeof entry, "BINANCE_API_SECRET_FILE=%s/absent", dir);
    const char *absent[] = {entry, NULL};
    cfg = config_new_from(absent, NULL, NULL);
    ck_assert_int_eq(config_get_secret(cfg, "BINANCE_API_SECRET", &s, &err), -1);
    snprintf(want, sizeof want, "cannot open secret file %s/absent for BINANCE_API_SECRET: No such file", dir);
    ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0, "%s", err.msg);
    config_destroy(&cfg);

    snprintf(entry, sizeof entry, "BINANCE_API_SECRET_FILE=%s", dir);
    const char *isdir[] = {entry, NULL};
    cfg = config_new_from(isdir, NULL, NULL);
    ck_assert_int_eq(config_get_secret(cfg, "BINANCE_API_SECRET", &s, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "is not a regular file"));
    config_destroy(&cfg);

    size_t big = 64 * 1024 + 1;
    char *data = malloc(big);
    memset(data, 'k', big);
    s_write(path, sizeof path, dir, "big", data, big, 0600);
    free(data);
    snprintf(entry, sizeof entry, "BINANCE_API_SECRET_FILE=%s", path);
    const char *large[] = {entry, NULL};
    cfg = config_new_from(large, NULL, NULL);
    ck_assert_int_eq(config_get_secret(cfg, "BINANCE_API_SECRET", &s, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "is larger than 65536 bytes"));
    ck_assert_ptr_null(s);
    config_destroy(&cfg);

    /* exactly 64 KiB with its newline is fine */
    data = malloc(big);
    memset(data, 'k', big);
    data[big - 2] = '\n';
    s_write(path, sizeof path, dir, "big", data, big - 1, 0600);
    free(data);
    cfg = config_new_from(large, NULL, NULL);
    ck_assert_int_eq(config_get_secret(cfg, "BINANCE_API_SECRET", &s, &err), 0);
    ck_assert_uint_eq(strlen(s), big - 2);
    config_secret_free(&s);
    config_destroy(&cfg);
}
END_TEST

START_TEST(secret_in_config_file)
{
    const char *dir = s_fresh_dir("secret_config");
    char path[1200], secret_path[1200], text[1400];
    const char *none[] = {NULL};
    char *s = NULL;
    err_t err = {0};

    /* a private config file may hold the secret itself */
    s_write_str(path, sizeof path, dir, "private.env", "BINANCE_API_SECRET=\"" SECRET "\"\n", 0600);
    config_t *cfg = config_new_from(none, path, NULL);
    ck_assert_int_eq(config_get_secret(cfg, "BINANCE_API_SECRET", &s, &err), 0);
    ck_assert_str_eq(s, SECRET);
    config_secret_free(&s);
    config_destroy(&cfg);

    /* a readable one may not, but its other settings still load */
    s_write_str(path, sizeof path, dir, "shared.env", "LEVEL=info\nBINANCE_API_SECRET=" SECRET "\n", 0644);
    cfg = config_new_from(none, path, NULL);
    ck_assert_ptr_nonnull(cfg);
    ck_assert_str_eq(config_get_str(cfg, "LEVEL", NULL), "info");
    ck_assert_int_eq(config_get_secret(cfg, "BINANCE_API_SECRET", &s, &err), -1);
    char want[1500];
    snprintf(want, sizeof want,
             "config file %s holds BINANCE_API_SECRET but has mode 0644: readable or writable by group or others",
             path);
    ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0, "%s", err.msg);
    ck_assert_ptr_null(strstr(err.msg, "s3cr3t"));
    ck_assert_ptr_null(s);
    config_destroy(&cfg);

    /* the environment overrides that file, so the exposed copy is not used */
    const char *env[] = {"BINANCE_API_SECRET=from-env", NULL};
    cfg = config_new_from(env, path, NULL);
    ck_assert_int_eq(config_get_secret(cfg, "BINANCE_API_SECRET", &s, &err), 0);
    ck_assert_str_eq(s, "from-env");
    config_secret_free(&s);
    config_destroy(&cfg);

    /* a readable config file may name a private secret file */
    s_write_str(secret_path, sizeof secret_path, dir, "secret", SECRET "\n", 0600);
    snprintf(text, sizeof text, "BINANCE_API_SECRET_FILE=%s\n", secret_path);
    s_write_str(path, sizeof path, dir, "pointer.env", text, 0644);
    cfg = config_new_from(none, path, NULL);
    ck_assert_int_eq(config_get_secret(cfg, "BINANCE_API_SECRET", &s, &err), 0);
    ck_assert_str_eq(s, SECRET);
    config_secret_free(&s);
    config_destroy(&cfg);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, environment_array);
    tcase_add_test(tc, process_environment_is_snapshot);
    tcase_add_test(tc, file_format);
    tcase_add_test(tc, precedence_env_file_default);
    tcase_add_test(tc, malformed_lines_name_file_and_line);
    tcase_add_test(tc, unreadable_files);
    tcase_add_test(tc, require_str);
    tcase_add_test(tc, get_int_and_range);
    tcase_add_test(tc, get_bool_forms);
    tcase_add_test(tc, get_decimal);
    tcase_add_test(tc, get_duration_ms);
    tcase_add_test(tc, long_values_are_cut_in_errors);
    tcase_add_test(tc, secret_from_environment);
    tcase_add_test(tc, secret_from_file);
    tcase_add_test(tc, secret_file_refusals);
    tcase_add_test(tc, secret_in_config_file);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(s_suite());
}
