/* test_mem: the allocation funnel: zero sizes still give memory, calloc zeroes, realloc keeps the bytes, the
 * string copies (NULL in, NULL out; strndup stops at n or at the NUL), and running out of memory aborts with a
 * message naming the size instead of returning NULL (checked in a child process). */
#include "base/mem.h"

#include "testutil.h"

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
/* Under ASan a huge malloc is a sanitizer report unless the allocator may return NULL: let it, so that the
 * funnel's own out-of-memory path is what runs, as in a normal build. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}
#endif

START_TEST(test_zero_sizes_give_memory)
{
    void *a = mem_alloc(0);
    void *c = mem_calloc(0, 8);
    void *d = mem_calloc(8, 0);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(c);
    ck_assert_ptr_nonnull(d);
    void *r = mem_realloc(NULL, 0);
    ck_assert_ptr_nonnull(r);
    mem_free(a);
    mem_free(c);
    mem_free(d);
    mem_free(r);
    mem_free(NULL);
}
END_TEST

START_TEST(test_calloc_zeroes_realloc_keeps)
{
    unsigned char *p = mem_calloc(1000, 4);
    for (size_t i = 0; i < 4000; i++)
        ck_assert_int_eq(p[i], 0);
    for (size_t i = 0; i < 4000; i++)
        p[i] = (unsigned char) i;
    p = mem_realloc(p, 1 << 20);
    for (size_t i = 0; i < 4000; i++)
        ck_assert_int_eq(p[i], (unsigned char) i);
    p = mem_realloc(p, 10);
    for (size_t i = 0; i < 10; i++)
        ck_assert_int_eq(p[i], (unsigned char) i);
    mem_free(p);
}
END_TEST

START_TEST(test_string_copies)
{
    const char *src = "order-123";
    char *a = mem_strdup(src);
    ck_assert_ptr_ne(a, src);
    ck_assert_str_eq(a, src);
    char *b = mem_strndup(src, 5);
    ck_assert_str_eq(b, "order");
    char *c = mem_strndup(src, 100); /* n past the end: stops at the NUL */
    ck_assert_str_eq(c, src);
    char *d = mem_strndup(src, 0);
    ck_assert_str_eq(d, "");
    char unterminated[4] = {'a', 'b', 'c', 'd'}; /* reads at most n bytes: no NUL needed within them */
    char *e = mem_strndup(unterminated, 3);
    ck_assert_str_eq(e, "abc");
    ck_assert_ptr_null(mem_strdup(NULL));
    ck_assert_ptr_null(mem_strndup(NULL, 3));
    mem_free(a);
    mem_free(b);
    mem_free(c);
    mem_free(d);
    mem_free(e);
}
END_TEST

/* Runs fn in a child with stderr in a scratch file; returns the wait status and the child's stderr. */
static int s_child(void (*fn)(void), const char *name, char **err_text)
{
    char path[1300];
    snprintf(path, sizeof path, "%s/%s", tu_scratch(), name);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0 || dup2(fd, STDERR_FILENO) < 0)
            _exit(100);
        signal(SIGABRT, SIG_DFL);
        fn();
        _exit(0); /* not reached if the funnel aborts */
    }
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    *err_text = tu_read_file(path, NULL);
    ck_assert_ptr_nonnull(*err_text);
    return status;
}

static void s_alloc_huge(void)
{
    volatile size_t huge = SIZE_MAX / 2;
    void *p = mem_alloc(huge);
    _exit(p == NULL ? 101 : 102); /* either would be a broken promise */
}

static void s_calloc_huge(void)
{
    volatile size_t n = SIZE_MAX / 4;
    void *p = mem_calloc(n, 1);
    _exit(p == NULL ? 101 : 102);
}

static void s_realloc_huge(void)
{
    void *p = mem_alloc(16);
    volatile size_t huge = SIZE_MAX / 2;
    p = mem_realloc(p, huge);
    _exit(p == NULL ? 101 : 102);
}

START_TEST(test_out_of_memory_aborts_with_message)
{
    struct {
        void (*fn)(void);
        const char *name;
    } cases[] = {{s_alloc_huge, "oom-alloc"}, {s_calloc_huge, "oom-calloc"}, {s_realloc_huge, "oom-realloc"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *text = NULL;
        int status = s_child(cases[i].fn, cases[i].name, &text);
        ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT, "%s: status %d, stderr '%s'",
                      cases[i].name, status, text);
        ck_assert_msg(strstr(text, "fatal: out of memory allocating ") != NULL, "%s: '%s'", cases[i].name, text);
        free(text);
    }
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("mem");
    TCase *tc = tcase_create("mem");
    tcase_add_test(tc, test_zero_sizes_give_memory);
    tcase_add_test(tc, test_calloc_zeroes_realloc_keeps);
    tcase_add_test(tc, test_string_copies);
    tcase_add_test(tc, test_out_of_memory_aborts_with_message);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(s_suite());
}
