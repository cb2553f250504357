/* countdown: the time left of a timed assessment as text ("12:05", "1:02:03") with its
 * warning state. Pure: the caller passes the milliseconds left (from its on_tick clock).
 *
 * Text views need no widget of their own: a struct transcript holding one TRANSCRIPT_DOCUMENT
 * message (Markdown, no label) is a scrolling text view. transcript_add it, draw it with
 * render_transcript (which resizes and wraps it to the rectangle), and move it with
 * transcript_scroll / transcript_page / transcript_home / transcript_end; render_text_overlay
 * shows one in a centred box. */
#ifndef CCA_TUI_WIDGET_COUNTDOWN_H
#define CCA_TUI_WIDGET_COUNTDOWN_H

#include <stdbool.h>
#include <stdint.h>

#define COUNTDOWN_WARN_MS 60000 /* the last minute is shown as a warning */

struct countdown {
    char text[24];   /* "M:SS" under an hour, else "H:MM:SS"; "0:00" when expired */
    bool is_warning; /* one minute or less left (the text reads 1:00 or less), or expired */
    bool is_expired; /* no time left */
};

/* Formats ms_left rounded up to whole seconds, so "0:00" appears only when the time is up and
 * the display never runs ahead of the clock; negative counts as expired. */
void countdown_format(int64_t ms_left, struct countdown *out);

#endif
