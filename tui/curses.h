/* curses: the one wrapper that includes ncursesw with wide-character support. Only term.c,
 * input.c and render.c (and a future screen_dump.c) include it; headers never expose its
 * types. */
#ifndef CCA_TUI_CURSES_H
#define CCA_TUI_CURSES_H

#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif

#if defined(__has_include)
#if __has_include(<ncursesw/curses.h>)
#include <ncursesw/curses.h>
#else
#include <curses.h>
#endif
#else
#include <ncursesw/curses.h>
#endif

#endif
