/* fake_llm: starts and stops tests/fakes/fake_llm_server for unit tests, so each test binary
 * does not carry its own fork/exec/port-reading code. */
#ifndef CCA_FAKE_LLM_H
#define CCA_FAKE_LLM_H

#include <sys/types.h>

/* The server binary: $CCA_FAKE_LLM, else build/debug/fake_llm_server. */
const char *fake_llm_path(void);

/* Starts the server with args (NULL-terminated list of options, may be NULL) and reads the
 * port it prints. Its stderr goes to /dev/null, so a server orphaned by a crashed test never
 * holds the runner's output open. Returns 0 with *pid and *port set, or -1 when it did not
 * start within 5 s (the caller fails or skips the test). */
int fake_llm_start(const char *const *args, pid_t *pid, int *port);

/* Stops the server started by fake_llm_start and reaps it. */
void fake_llm_stop(pid_t pid);

#endif
