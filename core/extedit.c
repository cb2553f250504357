/* extedit: the command choice and the private file of "open in $EDITOR". */
#include "core/extedit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/private_file.h"
#include "core/utf8.h"

static bool is_blank(const char *s)
{
    if (!s)
        return true;
    for (; *s; s++)
        if (*s != ' ' && *s != '\t')
            return false;
    return true;
}

const char *extedit_command(const char *visual, const char *editor, unsigned attempt)
{
    if (!is_blank(visual))
        return attempt == 0 ? visual : NULL;
    if (!is_blank(editor))
        return attempt == 0 ? editor : NULL;
    static const char *const fallback[] = {"nano", "vi"};
    return attempt < sizeof fallback / sizeof fallback[0] ? fallback[attempt] : NULL;
}

enum err extedit_write(const char *hint, const char *text, size_t len, char **path, char *err,
                       size_t errlen)
{
    *path = NULL;
    char name[96];
    size_t n = (size_t)snprintf(name, sizeof name, "edit/");
    for (const char *h = hint ? hint : ""; *h && n + 1 < 48; h++) {
        char c = *h;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')
            name[n++] = c;
    }
    snprintf(name + n, sizeof name - n, "%s%ld.md", n > 5 ? "-" : "", (long)getpid());
    char *p = NULL;
    enum err e = private_file_path(name, &p);
    if (e != ERR_OK) {
        snprintf(err, errlen, "no folder for the file (set HOME or XDG_STATE_HOME)");
        return e;
    }
    e = private_file_prepare_dir(p, err, errlen);
    /* private_file_replace removes the file for len 0: an empty text still needs a file */
    if (e == ERR_OK)
        e = private_file_replace(p, len ? text : "\n", len ? len : 1, err, errlen);
    if (e != ERR_OK) {
        free(p);
        return e;
    }
    *path = p;
    return ERR_OK;
}

enum err extedit_read(const char *path, size_t max, char **text, size_t *len, char *err,
                      size_t errlen)
{
    *text = NULL;
    *len = 0;
    struct buf b;
    buf_init(&b, max + 1);
    enum err e = private_file_read(path, max, &b, err, errlen);
    if (e == ERR_TOO_LARGE)
        snprintf(err, errlen, "the text is over the limit of %zu bytes", max);
    if (e == ERR_OK) {
        /* lone CRs are line ends too (utf8_sanitize would drop them) */
        for (size_t i = 0; i < b.len; i++)
            if (b.data[i] == '\r' && (i + 1 == b.len || b.data[i + 1] != '\n'))
                b.data[i] = '\n';
        *text = utf8_sanitize(b.data ? b.data : "", b.len, len);
    }
    buf_cleanup(&b);
    return e;
}

void extedit_keep_final_newline(const char *orig, size_t orig_len, char *text, size_t *len)
{
    bool had = orig_len > 0 && orig[orig_len - 1] == '\n';
    if (!had && *len > 0 && text[*len - 1] == '\n') {
        (*len)--;
        text[*len] = '\0';
    }
}

void extedit_remove(const char *path)
{
    if (!path)
        return;
    unlink(path);
    char *backup = xasprintf("%s~", path);
    unlink(backup);
    free(backup);
}

const char *extedit_status_words(int status)
{
    if (status == 0)
        return "done";
    if (status == 127)
        return "the editor was not found";
    if (status == 126)
        return "the editor could not be run";
    if (status > 128)
        return "the editor was stopped by a signal";
    return "the editor ended with an error";
}
