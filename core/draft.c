/* draft: a thin layer over core/private_file: the per-identity name, the size cap. */
#include "core/draft.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/hash.h"
#include "core/mem.h"
#include "core/private_file.h"

enum { DRAFT_NAME_HEX = 32 };

enum err draft_path(const char *user, char **out)
{
    *out = NULL;
    if (!user || !*user)
        return private_file_path("drafts/default.txt", out);
    char *key = xstrdup(user);
    for (char *p = key; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    char hex[HASH_HEX_LEN + 1];
    hash_blake2b_hex(key, strlen(key), hex);
    free(key);
    char name[64];
    snprintf(name, sizeof name, "drafts/%.*s.txt", DRAFT_NAME_HEX, hex);
    return private_file_path(name, out);
}

static void msg_path_missing(char *err, size_t errlen)
{
    if (err && errlen)
        snprintf(err, errlen, "neither XDG_STATE_HOME nor HOME is an absolute path");
}

enum err draft_save(const char *user, const char *text, size_t len, char *err, size_t errlen)
{
    if (len > DRAFT_MAX_LEN) {
        if (err && errlen)
            snprintf(err, errlen, "the draft is larger than %d bytes", DRAFT_MAX_LEN);
        return ERR_TOO_LARGE;
    }
    char *path = NULL;
    enum err e = draft_path(user, &path);
    if (e != ERR_OK) {
        msg_path_missing(err, errlen);
        return e;
    }
    e = private_file_replace(path, text, len, err, errlen);
    free(path);
    return e;
}

enum err draft_load(const char *user, char **text, size_t *len, char *err, size_t errlen)
{
    *text = NULL;
    if (len)
        *len = 0;
    char *path = NULL;
    enum err e = draft_path(user, &path);
    if (e != ERR_OK) {
        msg_path_missing(err, errlen);
        return e;
    }
    struct buf b;
    buf_init(&b, DRAFT_MAX_LEN);
    e = private_file_read(path, DRAFT_MAX_LEN, &b, err, errlen);
    if (e == ERR_OK && b.len) {
        if (len)
            *len = b.len;
        *text = buf_detach(&b);
    } else if (e == ERR_NOT_FOUND) {
        e = ERR_OK;
    }
    buf_cleanup(&b);
    free(path);
    return e;
}

enum err draft_clear(const char *user, char *err, size_t errlen)
{
    return draft_save(user, "", 0, err, errlen);
}
