/* uiclock: the clock for what the user sees (elapsed times, countdowns, "today"). It reads the
 * real clocks, except under CCA_FAKE_CLOCK=1, where it stands still so screen tests
 * (tests/screen) print the same text on every run. Never use it for timers or timeouts: those
 * run on loop_now_ms. */
#ifndef CCA_UICLOCK_H
#define CCA_UICLOCK_H

#include <stdbool.h>
#include <stdint.h>

/* True when CCA_FAKE_CLOCK is set to 1 in the environment. */
bool uiclock_is_frozen(void);
/* Monotonic milliseconds for displays: loop_now_ms(), or a fixed value when frozen, so an
 * elapsed time computed from two readings shows 0 and a countdown shows its full length. */
int64_t uiclock_now_ms(void);
/* A duration measured elsewhere (an answer's processing time), as it should be shown: d, or 0
 * when frozen. */
int64_t uiclock_shown_ms(int64_t d);
/* Seconds since the epoch for displayed dates: time(NULL), or 2025-01-15 09:00:00 UTC when
 * frozen. */
int64_t uiclock_wall_s(void);

#endif
