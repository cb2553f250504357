/* theme: the colours and attributes of every screen role, read from a theme file in
 * assets/themes (NAME.theme). Pure parsing; render turns it into curses pairs. */
#ifndef CCA_TUI_THEME_H
#define CCA_TUI_THEME_H

#include <stddef.h>

#include "core/err.h"

#define THEME_ROLES(X)                                                                         \
    X(DEFAULT, "default")                                                                      \
    X(HEADER, "header")                                                                        \
    X(TAB, "tab")                                                                              \
    X(TAB_ACTIVE, "tab.active")                                                                \
    X(LABEL_USER, "label.user")                                                                \
    X(LABEL_ASSISTANT, "label.assistant")                                                      \
    X(USER, "user")                                                                            \
    X(NOTE, "note")                                                                            \
    X(ERROR, "error")                                                                          \
    X(CITATION, "citation")                                                                    \
    X(CODE, "code")                                                                            \
    X(HEADING, "heading")                                                                      \
    X(LINK, "link")                                                                            \
    X(URL, "url")                                                                              \
    X(QUOTE, "quote")                                                                          \
    X(MARKER, "marker")                                                                        \
    X(BORDER, "border")                                                                        \
    X(TITLE, "title")                                                                          \
    X(SELECTION, "selection")                                                                  \
    X(INPUT, "input")                                                                          \
    X(PLACEHOLDER, "placeholder")                                                              \
    X(STATUS, "status")                                                                        \
    X(STATUS_OK, "status.ok")                                                                  \
    X(STATUS_WARN, "status.warn")                                                              \
    X(STATUS_ERROR, "status.error")                                                            \
    X(HINT, "hint")                                                                            \
    X(OVERLAY, "overlay")

enum theme_role {
#define THEME_ENUM(id, name) THEME_##id,
    THEME_ROLES(THEME_ENUM)
#undef THEME_ENUM
        THEME__COUNT
};

enum theme_attr {
    THEME_ATTR_BOLD = 1 << 0,
    THEME_ATTR_DIM = 1 << 1,
    THEME_ATTR_UNDERLINE = 1 << 2,
    THEME_ATTR_REVERSE = 1 << 3,
    THEME_ATTR_ITALIC = 1 << 4,
};

struct theme_style {
    short fg, bg;   /* -1 = the terminal's default, else 0..255 */
    unsigned attrs; /* enum theme_attr bits */
};

struct theme {
    struct theme_style roles[THEME__COUNT];
};

/* The built-in theme (used when no file is found): readable in colour and in monochrome. */
void theme_init_default(struct theme *t);
/* Parses theme text over t: lines "role = [fg [bg]] [bold] [dim] [underline] [reverse]
 * [italic]" with colours as names (black red green yellow blue magenta cyan white, bright-*
 * for 8..15, default) or numbers 0..255; '#' starts a comment. On error writes
 * "name:LINE: message" into err and returns ERR_CONFIG. */
enum err theme_parse(struct theme *t, const char *text, const char *name, char *err,
                     size_t errlen);
/* Loads DIR/themes/NAME.theme over the defaults. */
enum err theme_load(struct theme *t, const char *assets_dir, const char *name, char *err,
                    size_t errlen);
/* Drops every colour and keeps the attributes (NO_COLOR, monochrome terminals). */
void theme_strip_colors(struct theme *t);

#endif
