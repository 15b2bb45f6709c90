/* test_prog: what every binary does with its command line. In process: --help/-h print the usage text and
 * --version/-V "NAME VERSION" on stdout (nothing else, nothing on stderr), an argument after "--" is no flag,
 * prog_opt's flag > environment > default order, prog_check_opts' refusals and message, prog_parse_int's
 * bounds. Output is captured by pointing fd 1 and fd 2 at scratch files.
 * Then every real binary of $XR_BIN, run by fork and exec: --help and --version exit 0 with their text on
 * stdout, and an unknown option exits non-zero with a message naming it on stderr. */
#include "base/prog.h"

#include "testutil.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    int saved_out;  /* the real stdout */
    int saved_err;  /* the real stderr */
    char out[1300]; /* capture files */
    char err[1300];
} capture_t;

typedef struct {
    char *out;  /* what went to stdout (malloc'd) */
    char *err;  /* what went to stderr (malloc'd) */
} captured_t;

static int s_redirect(int fd, const char *path)
{
    int f = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(f, 0);
    int saved = dup(fd);
    ck_assert_int_ge(saved, 0);
    ck_assert_int_eq(dup2(f, fd), fd);
    close(f);
    return saved;
}

static void s_begin(capture_t *c)
{
    fflush(stdout);
    fflush(stderr);
    snprintf(c->out, sizeof c->out, "%s/stdout", tu_scratch());
    snprintf(c->err, sizeof c->err, "%s/stderr", tu_scratch());
    c->saved_out = s_redirect(STDOUT_FILENO, c->out);
    c->saved_err = s_redirect(STDERR_FILENO, c->err);
}

static captured_t s_end(capture_t *c)
{
    fflush(stdout);
    fflush(stderr);
    dup2(c->saved_out, STDOUT_FILENO);
    dup2(c->saved_err, STDERR_FILENO);
    close(c->saved_out);
    close(c->saved_err);
    captured_t r = {tu_read_file(c->out, NULL), tu_read_file(c->err, NULL)};
    ck_assert_ptr_nonnull(r.out);
    ck_assert_ptr_nonnull(r.err);
    return r;
}

static void s_free(captured_t *r)
{
    free(r->out);
    free(r->err);
}

static const char *s_usage = "usage: xroute-thing [options]\n  --port N   where to listen\n";

/* Runs prog_std_flags over the given arguments (argv[0] added); returns its result, output in *r. */
static bool s_std(captured_t *r, int argc, const char *const *args)
{
    char *argv[16];
    argv[0] = (char *) "xroute-thing";
    for (int i = 0; i < argc; i++)
        argv[i + 1] = (char *) args[i];
    capture_t c;
    s_begin(&c);
    bool handled = prog_std_flags(argc + 1, argv, "xroute-thing", s_usage);
    *r = s_end(&c);
    return handled;
}

START_TEST(test_help_and_version)
{
    char version[128];
    snprintf(version, sizeof version, "xroute-thing %s\n", XR_VERSION);
    ck_assert_int_gt(strlen(XR_VERSION), 0);
    static const struct {
        const char *args[4];
        int argc;
        bool help;
    } cases[] = {
        {{"--help"}, 1, true},
        {{"-h"}, 1, true},
        {{"--port", "7", "--help"}, 3, true},
        {{"--version"}, 1, false},
        {{"-V"}, 1, false},
        {{"--port", "7", "-V"}, 3, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        captured_t r;
        ck_assert_msg(s_std(&r, cases[i].argc, cases[i].args), "case %zu not handled", i);
        ck_assert_str_eq(r.out, cases[i].help ? s_usage : version);
        ck_assert_str_eq(r.err, "");
        s_free(&r);
    }
}
END_TEST

START_TEST(test_other_arguments_not_handled)
{
    static const struct {
        const char *args[4];
        int argc;
    } cases[] = {
        {{NULL}, 0},
        {{"--port", "7100"}, 2},
        {{"--helpful"}, 1},
        {{"help"}, 1},
        {{"--", "--help"}, 2},      /* after "--" nothing is a flag */
        {{"--", "--version"}, 2},
        {{"-hV"}, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        captured_t r;
        ck_assert_msg(!s_std(&r, cases[i].argc, cases[i].args), "case %zu handled", i);
        ck_assert_str_eq(r.out, ""); /* and prints nothing */
        ck_assert_str_eq(r.err, "");
        s_free(&r);
    }
}
END_TEST

START_TEST(test_opt_flag_env_default)
{
    char *argv[] = {"p", "--port", "7200", "--name", "gw", "--last"};
    int argc = 6;
    unsetenv("XR_TEST_PORT");
    ck_assert_str_eq(prog_opt(argc, argv, "--port", "XR_TEST_PORT", "1"), "7200");
    setenv("XR_TEST_PORT", "7300", 1);
    ck_assert_str_eq(prog_opt(argc, argv, "--port", "XR_TEST_PORT", "1"), "7200"); /* the flag wins */
    ck_assert_str_eq(prog_opt(argc, argv, "--other", "XR_TEST_PORT", "1"), "7300");
    setenv("XR_TEST_PORT", "", 1); /* empty counts as unset */
    ck_assert_str_eq(prog_opt(argc, argv, "--other", "XR_TEST_PORT", "1"), "1");
    ck_assert_str_eq(prog_opt(argc, argv, "--other", NULL, "dflt"), "dflt");
    ck_assert_ptr_null(prog_opt(argc, argv, "--other", NULL, NULL));
    /* a flag without a value (last on the line) is not taken */
    ck_assert_str_eq(prog_opt(argc, argv, "--last", NULL, "d"), "d");
    ck_assert_str_eq(prog_opt(argc, argv, "--name", NULL, "d"), "gw");
    unsetenv("XR_TEST_PORT");
}
END_TEST

START_TEST(test_check_opts)
{
    const char *const known[] = {"--port", "--routes"};
    char *good[] = {"p", "--port", "1", "--routes", "r.conf", "--port", "2"};
    capture_t c;
    s_begin(&c);
    int rc = prog_check_opts(7, good, "xroute-thing", known, 2);
    int rc_empty = prog_check_opts(1, good, "xroute-thing", known, 2);
    captured_t r = s_end(&c);
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(rc_empty, 0);
    ck_assert_str_eq(r.err, "");
    s_free(&r);

    static const struct {
        char *argv[5];
        int argc;
        const char *msg;
    } bad[] = {
        {{"p", "--bogus", "1"}, 3, "xroute-thing: unknown or incomplete option '--bogus' (see --help)\n"},
        {{"p", "--port"}, 2, "xroute-thing: unknown or incomplete option '--port' (see --help)\n"},
        {{"p", "--port", "1", "stray"}, 4, "xroute-thing: unknown or incomplete option 'stray' (see --help)\n"},
        {{"p", "--PORT", "1"}, 3, "xroute-thing: unknown or incomplete option '--PORT' (see --help)\n"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_begin(&c);
        rc = prog_check_opts(bad[i].argc, (char **) bad[i].argv, "xroute-thing", known, 2);
        r = s_end(&c);
        ck_assert_int_eq(rc, -1);
        ck_assert_str_eq(r.err, bad[i].msg);
        ck_assert_str_eq(r.out, "");
        s_free(&r);
    }
}
END_TEST

START_TEST(test_parse_int)
{
    int64_t v = -7;
    ck_assert_int_eq(prog_parse_int("t", "--n", "1", 1, 10, &v), 0);
    ck_assert_int_eq(v, 1);
    ck_assert_int_eq(prog_parse_int("t", "--n", "10", 1, 10, &v), 0); /* bounds inclusive */
    ck_assert_int_eq(v, 10);
    ck_assert_int_eq(prog_parse_int("t", "--n", "9223372036854775807", 0, INT64_MAX, &v), 0);
    ck_assert_int_eq(v, INT64_MAX);
    const char *bad[] = {"0", "11", "", "5x", "x5", "1.5", "99999999999999999999", "-3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        capture_t c;
        s_begin(&c);
        v = 42;
        int rc = prog_parse_int("xroute-thing", "--capacity", bad[i], 1, 10, &v);
        captured_t r = s_end(&c);
        ck_assert_msg(rc == -1, "'%s' accepted", bad[i]);
        ck_assert_int_eq(v, 42); /* untouched */
        char want[200];
        snprintf(want, sizeof want, "xroute-thing: --capacity: '%s' is not a whole number in 1..10\n", bad[i]);
        ck_assert_str_eq(r.err, want);
        s_free(&r);
    }
}
END_TEST

/* ---- the real binaries ---------------------------------------------------------------------------------- */

static const char *const s_binaries[] = {"xroute-gateway", "xroute-router", "xroute-venue-binance",
                                         "xroute-venue-bybit", "xroute-venue-coindcx", "xroute-recorder",
                                         "xroute-exchange-sim", "xroute"};

typedef struct {
    int status;  /* wait status */
    char *out;   /* stdout (malloc'd) */
    char *err;   /* stderr (malloc'd) */
} run_t;

/* Runs $XR_BIN/name with up to two arguments, no stdin, a 10 s limit (then SIGKILL); output in files. */
static run_t s_exec(const char *name, const char *a1, const char *a2)
{
    const char *bin = getenv("XR_BIN");
    ck_assert_msg(bin != NULL, "XR_BIN is not set");
    char path[1200], out[1300], err[1300];
    snprintf(path, sizeof path, "%s/%s", bin, name);
    ck_assert_msg(access(path, X_OK) == 0, "%s is missing (build every target first)", path);
    snprintf(out, sizeof out, "%s/%s.out", tu_scratch(), name);
    snprintf(err, sizeof err, "%s/%s.err", tu_scratch(), name);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (in < 0 || o < 0 || e < 0 || dup2(in, 0) < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
            _exit(120);
        char *argv[] = {path, (char *) a1, (char *) a2, NULL};
        execv(path, argv);
        _exit(121);
    }
    run_t r = {0};
    int64_t waited_ms = 0;
    pid_t done;
    while ((done = waitpid(pid, &r.status, WNOHANG)) == 0 && waited_ms < 10000) {
        struct timespec d = {0, 10 * 1000000};
        nanosleep(&d, NULL);
        waited_ms += 10;
    }
    if (done == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &r.status, 0);
        ck_abort_msg("%s %s did not exit within 10 s", name, a1 ? a1 : "");
    }
    r.out = tu_read_file(out, NULL);
    r.err = tu_read_file(err, NULL);
    ck_assert_ptr_nonnull(r.out);
    ck_assert_ptr_nonnull(r.err);
    return r;
}

static void s_run_free(run_t *r)
{
    free(r->out);
    free(r->err);
}

static bool s_exited(const run_t *r, int code)
{
    return WIFEXITED(r->status) && WEXITSTATUS(r->status) == code;
}

START_TEST(test_binary_help)
{
    const char *name = s_binaries[_i];
    run_t r = s_exec(name, "--help", NULL);
    ck_assert_msg(s_exited(&r, 0), "%s --help: status %d, stderr '%s'", name, r.status, r.err);
    char want[80];
    snprintf(want, sizeof want, "usage: %s ", name);
    ck_assert_msg(strncmp(r.out, want, strlen(want)) == 0, "%s --help does not open with '%s': '%.200s'", name,
                  want, r.out);
    size_t lines = 0;
    for (const char *p = r.out; *p; p++)
        lines += *p == '\n';
    ck_assert_msg(lines >= 3, "%s --help: %zu lines, want the settings too", name, lines);
    ck_assert_msg(r.out[strlen(r.out) - 1] == '\n', "%s --help: no final newline", name);
    ck_assert_msg(r.err[0] == '\0', "%s --help wrote to stderr: '%s'", name, r.err);
    s_run_free(&r);
    /* -h is the same text */
    run_t h = s_exec(name, "-h", NULL);
    r = s_exec(name, "--help", NULL);
    ck_assert_msg(s_exited(&h, 0), "%s -h: status %d", name, h.status);
    ck_assert_str_eq(h.out, r.out);
    s_run_free(&h);
    s_run_free(&r);
}
END_TEST

START_TEST(test_binary_version)
{
    const char *name = s_binaries[_i];
    char want[128];
    snprintf(want, sizeof want, "%s %s\n", name, XR_VERSION);
    const char *flags[] = {"--version", "-V"};
    for (size_t f = 0; f < 2; f++) {
        run_t r = s_exec(name, flags[f], NULL);
        ck_assert_msg(s_exited(&r, 0), "%s %s: status %d, stderr '%s'", name, flags[f], r.status, r.err);
        ck_assert_str_eq(r.out, want);
        ck_assert_msg(r.err[0] == '\0', "%s %s wrote to stderr: '%s'", name, flags[f], r.err);
        s_run_free(&r);
    }
}
END_TEST

START_TEST(test_binary_unknown_option)
{
    const char *name = s_binaries[_i];
    /* alone, and with a value after it (a flag that takes one must not make it look known) */
    const char *values[] = {NULL, "1"};
    for (size_t v = 0; v < 2; v++) {
        run_t r = s_exec(name, "--no-such-option", values[v]);
        ck_assert_msg(WIFEXITED(r.status) && WEXITSTATUS(r.status) != 0 && WEXITSTATUS(r.status) < 120,
                      "%s --no-such-option: status %d (want a plain non-zero exit)", name, r.status);
        ck_assert_msg(strstr(r.err, "--no-such-option") != NULL, "%s: message does not name the option: '%s'",
                      name, r.err);
        ck_assert_msg(strstr(r.err, "unknown") != NULL, "%s: message does not say the option is unknown: '%s'",
                      name, r.err);
        char prefix[64];
        snprintf(prefix, sizeof prefix, "%s: ", name);
        ck_assert_msg(strncmp(r.err, prefix, strlen(prefix)) == 0, "%s: message does not start with '%s': '%s'",
                      name, prefix, r.err);
        s_run_free(&r);
    }
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("prog");
    TCase *tc = tcase_create("prog");
    tcase_add_test(tc, test_help_and_version);
    tcase_add_test(tc, test_other_arguments_not_handled);
    tcase_add_test(tc, test_opt_flag_env_default);
    tcase_add_test(tc, test_check_opts);
    tcase_add_test(tc, test_parse_int);
    suite_add_tcase(s, tc);
    int n = (int) (sizeof s_binaries / sizeof s_binaries[0]);
    TCase *bins = tcase_create("binaries");
    tcase_set_timeout(bins, 60);
    tcase_add_loop_test(bins, test_binary_help, 0, n);
    tcase_add_loop_test(bins, test_binary_version, 0, n);
    tcase_add_loop_test(bins, test_binary_unknown_option, 0, n);
    suite_add_tcase(s, bins);
    return s;
}

int main(void)
{
    return tu_run(s_suite());
}
