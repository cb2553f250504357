/* fake_llm: launcher for the fake OpenAI-compatible server used by the unit tests. */
#include "tests/fakes/fake_llm.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { FAKE_LLM_MAX_ARGS = 64 };

const char *fake_llm_path(void)
{
    const char *path = getenv("CCA_FAKE_LLM");
    return path && *path ? path : "build/debug/fake_llm_server";
}

int fake_llm_start(const char *const *args, pid_t *pid, int *port)
{
    const char *path = fake_llm_path();
    const char *argv[FAKE_LLM_MAX_ARGS + 2] = {path};
    size_t n = 1;
    for (size_t i = 0; args && args[i] && n <= FAKE_LLM_MAX_ARGS; i++)
        argv[n++] = args[i];
    argv[n] = NULL;

    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    *pid = fork();
    if (*pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (*pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0)
            dup2(devnull, STDERR_FILENO);
        close(fds[0]);
        close(fds[1]);
        execv(path, (char *const *)(void *)argv);
        _exit(127);
    }
    close(fds[1]);

    /* "PORT <n>\n" may arrive in pieces: read up to the newline, 5 s at most. */
    char line[64] = "";
    size_t len = 0;
    struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
    while (len < sizeof line - 1 && !memchr(line, '\n', len)) {
        if (poll(&pfd, 1, 5000) <= 0)
            break;
        ssize_t r = read(fds[0], line + len, sizeof line - 1 - len);
        if (r <= 0)
            break;
        len += (size_t)r;
        line[len] = '\0';
    }
    close(fds[0]);
    if (sscanf(line, "PORT %d", port) != 1) {
        fake_llm_stop(*pid);
        return -1;
    }
    return 0;
}

void fake_llm_stop(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
}
