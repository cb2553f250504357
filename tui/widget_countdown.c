/* countdown: milliseconds to "H:MM:SS". */
#include "tui/widget_countdown.h"

#include <inttypes.h>
#include <stdio.h>

void countdown_format(int64_t ms_left, struct countdown *out)
{
    out->is_expired = ms_left <= 0;
    out->is_warning = ms_left <= COUNTDOWN_WARN_MS;
    /* Rounded up without overflowing near INT64_MAX. */
    int64_t secs = ms_left <= 0 ? 0 : ms_left / 1000 + (ms_left % 1000 != 0);
    int64_t h = secs / 3600, m = secs / 60 % 60, s = secs % 60;
    if (h > 0)
        snprintf(out->text, sizeof out->text, "%" PRId64 ":%02" PRId64 ":%02" PRId64, h, m, s);
    else
        snprintf(out->text, sizeof out->text, "%" PRId64 ":%02" PRId64, m, s);
}
