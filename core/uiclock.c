/* uiclock: real clocks, or a frozen one under CCA_FAKE_CLOCK=1 (screen tests). */
#include "core/uiclock.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/loop.h"

#define FROZEN_MONOTONIC_MS INT64_C(1000000000)
#define FROZEN_WALL_S INT64_C(1736931600) /* 2025-01-15 09:00:00 UTC */

bool uiclock_is_frozen(void)
{
    const char *v = getenv("CCA_FAKE_CLOCK");
    return v && strcmp(v, "1") == 0;
}

int64_t uiclock_now_ms(void)
{
    return uiclock_is_frozen() ? FROZEN_MONOTONIC_MS : loop_now_ms();
}

int64_t uiclock_shown_ms(int64_t d)
{
    return uiclock_is_frozen() ? 0 : d;
}

int64_t uiclock_wall_s(void)
{
    return uiclock_is_frozen() ? FROZEN_WALL_S : (int64_t)time(NULL);
}
