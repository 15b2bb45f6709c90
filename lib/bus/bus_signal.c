/* bus_signal: SIGINT/SIGTERM -> a flag and a byte on a self-pipe. The flag and the pipe are the process's
 * interrupt state, the one global STYLE rule 9 allows; the handler only touches async-signal-safe things. */
#include "bus_signal.h"

#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t s_interrupted;
static int s_pipe[2] = {-1, -1};

static void s_handler(int sig)
{
    (void) sig;
    int saved = errno;
    s_interrupted = 1;
    if (s_pipe[1] >= 0) {
        ssize_t n = write(s_pipe[1], "!", 1);
        (void) n; /* a full pipe already says "interrupted" */
    }
    errno = saved;
}

int bus_signal_install(err_t *err)
{
    if (s_pipe[0] >= 0)
        return 0;
    int fds[2];
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0)
        return err_set(err, XR_INTERNAL, "signal pipe: %s", strerror(errno));
    s_pipe[0] = fds[0];
    s_pipe[1] = fds[1];
    zsys_handler_set(NULL); /* czmq must not install its own SIGINT/SIGTERM handler */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: a blocking poll returns EINTR at once */
    if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0)
        return err_set(err, XR_INTERNAL, "sigaction: %s", strerror(errno));
    return 0;
}

bool bus_signal_interrupted(void)
{
    return s_interrupted != 0;
}

int bus_signal_fd(void)
{
    return s_pipe[0];
}

void bus_signal_raise(void)
{
    s_handler(0);
}

void bus_signal_reset(void)
{
    s_interrupted = 0;
    char drain[64];
    while (s_pipe[0] >= 0 && read(s_pipe[0], drain, sizeof drain) > 0)
        ;
}
