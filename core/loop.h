/* loop: the single-threaded poll(2) reactor that drives everything: fd watches, one-shot and
 * repeating timers, and before-sleep hooks (redis ae). No callback may block. */
#ifndef CCA_LOOP_H
#define CCA_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

struct loop;

enum { LOOP_READ = 1, LOOP_WRITE = 2, LOOP_ERROR = 4 };

/* revents is a mask of LOOP_READ | LOOP_WRITE | LOOP_ERROR (hang-up counts as an error). */
typedef void (*loop_fd_fn)(struct loop *loop, int fd, int revents, void *userdata);
/* Timers fire once unless created with a repeat interval. */
typedef void (*loop_timer_fn)(struct loop *loop, uint64_t timer_id, void *userdata);
/* Runs before each sleep; rendering lives here. */
typedef void (*loop_hook_fn)(struct loop *loop, void *userdata);

struct loop *loop_new(void);
/* Frees the loop; watches and timers are dropped without being called. NULL is a no-op. */
void loop_free(struct loop *loop);

/* Watches fd for events (LOOP_READ/LOOP_WRITE); watching an fd again replaces its watch.
 * events == 0 keeps the watch but suspends it. */
enum err loop_watch_fd(struct loop *loop, int fd, int events, loop_fd_fn fn, void *userdata);
void loop_unwatch_fd(struct loop *loop, int fd);

/* Adds a timer that fires after delay_ms, then every repeat_ms if repeat_ms > 0.
 * Returns an id > 0 for loop_timer_cancel. */
uint64_t loop_timer_add(struct loop *loop, int64_t delay_ms, int64_t repeat_ms, loop_timer_fn fn,
                        void *userdata);
/* Cancels a timer; unknown or already-fired ids are ignored. Safe inside callbacks. */
void loop_timer_cancel(struct loop *loop, uint64_t timer_id);

/* Adds a hook run before every sleep, in the order added. */
void loop_add_before_sleep(struct loop *loop, loop_hook_fn fn, void *userdata);

/* Runs one iteration: before-sleep hooks, poll (at most max_wait_ms, -1 = until an event
 * or timer), fd callbacks, due timers. Returns false once loop_stop was called. */
bool loop_run_once(struct loop *loop, int max_wait_ms);
/* Runs until loop_stop. */
void loop_run(struct loop *loop);
void loop_stop(struct loop *loop);
/* True when a one-shot timer is due now (within 0 ms); repeating timers (periodic ticks) do
 * not count. Used by the headless screen tests, which advance only when the app is idle. */
bool loop_has_pending_timers(const struct loop *loop);

/* Monotonic milliseconds. */
int64_t loop_now_ms(void);
/* Monotonic microseconds (for timing phases of a turn). */
int64_t loop_now_us(void);

#endif
