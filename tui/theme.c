/* theme: the built-in defaults and the theme file parser. The defaults lean on attributes
 * (bold, reverse, underline) so that every role stays distinct without colour. */
#include "tui/theme.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"

#define THEME_FILE_MAX (64 * 1024)

static const char *const role_names[] = {
#define THEME_NAME(id, name) name,
    THEME_ROLES(THEME_NAME)
#undef THEME_NAME
};

void theme_init_default(struct theme *t)
{
    for (int i = 0; i < THEME__COUNT; i++)
        t->roles[i] = (struct theme_style){-1, -1, 0};
    t->roles[THEME_HEADER] = (struct theme_style){-1, -1, THEME_ATTR_BOLD | THEME_ATTR_REVERSE};
    t->roles[THEME_TAB_ACTIVE] = (struct theme_style){-1, -1, THEME_ATTR_BOLD | THEME_ATTR_UNDERLINE};
    t->roles[THEME_LABEL_USER] = (struct theme_style){-1, -1, THEME_ATTR_BOLD};
    t->roles[THEME_LABEL_ASSISTANT] = (struct theme_style){-1, -1, THEME_ATTR_BOLD};
    t->roles[THEME_NOTE] = (struct theme_style){-1, -1, THEME_ATTR_DIM};
    t->roles[THEME_ERROR] = (struct theme_style){-1, -1, THEME_ATTR_BOLD};
    t->roles[THEME_CITATION] = (struct theme_style){-1, -1, THEME_ATTR_BOLD | THEME_ATTR_UNDERLINE};
    t->roles[THEME_HEADING] = (struct theme_style){-1, -1, THEME_ATTR_BOLD | THEME_ATTR_UNDERLINE};
    t->roles[THEME_LINK] = (struct theme_style){-1, -1, THEME_ATTR_UNDERLINE};
    t->roles[THEME_URL] = (struct theme_style){-1, -1, THEME_ATTR_DIM};
    t->roles[THEME_MARKER] = (struct theme_style){-1, -1, THEME_ATTR_BOLD};
    t->roles[THEME_TITLE] = (struct theme_style){-1, -1, THEME_ATTR_BOLD};
    t->roles[THEME_SELECTION] = (struct theme_style){-1, -1, THEME_ATTR_REVERSE};
    t->roles[THEME_PLACEHOLDER] = (struct theme_style){-1, -1, THEME_ATTR_DIM};
    t->roles[THEME_STATUS] = (struct theme_style){-1, -1, THEME_ATTR_REVERSE};
    t->roles[THEME_STATUS_OK] = (struct theme_style){-1, -1, THEME_ATTR_REVERSE};
    t->roles[THEME_STATUS_WARN] = (struct theme_style){-1, -1, THEME_ATTR_REVERSE | THEME_ATTR_BOLD};
    t->roles[THEME_STATUS_ERROR] = (struct theme_style){-1, -1, THEME_ATTR_REVERSE | THEME_ATTR_BOLD};
    t->roles[THEME_HINT] = (struct theme_style){-1, -1, THEME_ATTR_REVERSE};
}

void theme_strip_colors(struct theme *t)
{
    for (int i = 0; i < THEME__COUNT; i++)
        t->roles[i].fg = t->roles[i].bg = -1;
}

static bool parse_color(const char *w, short *out)
{
    static const char *const names[] = {"black", "red",     "green", "yellow",
                                        "blue",  "magenta", "cyan",  "white"};
    if (strcmp(w, "default") == 0) {
        *out = -1;
        return true;
    }
    bool is_bright = strncmp(w, "bright-", 7) == 0;
    const char *base = is_bright ? w + 7 : w;
    for (short i = 0; i < 8; i++) {
        if (strcmp(base, names[i]) == 0) {
            *out = (short)(i + (is_bright ? 8 : 0));
            return true;
        }
    }
    if (w[0] >= '0' && w[0] <= '9') {
        char *end;
        errno = 0;
        long v = strtol(w, &end, 10);
        if (errno == 0 && *end == '\0' && v >= 0 && v <= 255) {
            *out = (short)v;
            return true;
        }
    }
    return false;
}

static bool parse_attr(const char *w, unsigned *attrs)
{
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {{"bold", THEME_ATTR_BOLD},           {"dim", THEME_ATTR_DIM},
                 {"underline", THEME_ATTR_UNDERLINE}, {"reverse", THEME_ATTR_REVERSE},
                 {"italic", THEME_ATTR_ITALIC},       {"normal", 0}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(w, names[i].name) == 0) {
            *attrs |= names[i].bit;
            return true;
        }
    }
    return false;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

static enum err parse_line(struct theme *t, char *line, char *msg, size_t msglen)
{
    char *hash = strchr(line, '#');
    if (hash)
        *hash = '\0';
    line = trim(line);
    if (!*line)
        return ERR_OK;
    char *eq = strchr(line, '=');
    if (!eq) {
        snprintf(msg, msglen, "expected 'role = colours and attributes'");
        return ERR_CONFIG;
    }
    *eq = '\0';
    char *role = trim(line);
    int index = -1;
    for (int i = 0; i < THEME__COUNT; i++)
        if (strcmp(role, role_names[i]) == 0)
            index = i;
    if (index < 0) {
        snprintf(msg, msglen, "unknown role '%.40s'", role);
        return ERR_CONFIG;
    }
    struct theme_style st = {-1, -1, 0};
    int colours = 0;
    char *save = NULL;
    for (char *w = eq + 1;; w = NULL) {
        /* strtok_r is POSIX and reentrant; strtok itself is banned. */
        char *word = strtok_r(w, " \t", &save);
        if (!word)
            break;
        short c;
        if (parse_attr(word, &st.attrs))
            continue;
        if (colours < 2 && parse_color(word, &c)) {
            if (colours++ == 0)
                st.fg = c;
            else
                st.bg = c;
            continue;
        }
        snprintf(msg, msglen, "'%.40s' is not a colour or attribute", word);
        return ERR_CONFIG;
    }
    t->roles[index] = st;
    return ERR_OK;
}

enum err theme_parse(struct theme *t, const char *text, const char *name, char *err,
                     size_t errlen)
{
    int lineno = 0;
    const char *p = text;
    while (*p) {
        lineno++;
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *line = xstrndup(p, n);
        char msg[160];
        enum err e = parse_line(t, line, msg, sizeof msg);
        free(line);
        if (e != ERR_OK) {
            snprintf(err, errlen, "%s:%d: %s", name, lineno, msg);
            return e;
        }
        p += n;
        if (*p == '\n')
            p++;
    }
    return ERR_OK;
}

enum err theme_load(struct theme *t, const char *assets_dir, const char *name, char *err,
                    size_t errlen)
{
    for (const char *c = name; *c; c++) {
        if (*c == '/' || *c == '.') {
            snprintf(err, errlen, "theme name '%.40s' must be a plain name", name);
            return ERR_CONFIG;
        }
    }
    char *path = xasprintf("%s/themes/%s.theme", assets_dir, name);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        free(path);
        return ERR_NOT_FOUND;
    }
    struct buf b;
    buf_init(&b, THEME_FILE_MAX);
    char chunk[4096];
    size_t n;
    enum err e = ERR_OK;
    while (e == ERR_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        e = buf_append(&b, chunk, n);
    fclose(f);
    if (e == ERR_OK)
        e = theme_parse(t, buf_str(&b), path, err, errlen);
    else
        snprintf(err, errlen, "%s: larger than %d bytes", path, THEME_FILE_MAX);
    buf_cleanup(&b);
    free(path);
    return e;
}
