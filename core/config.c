/* config: INI text + environment -> struct config. One table describes every key (section,
 * name, type, range, default, environment variable); parsing, defaults, validation, the dump
 * and cleanup all walk it. Only config_load touches files and the environment. */
#include "core/config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/secret.h"
#include "core/share_path.h"

#ifndef CCA_ASSETS_DIR
#define CCA_ASSETS_DIR "assets"
#endif
/* The system-wide file, read before the user's own (CCA_SYSTEM_CONFIG replaces it; empty:
 * none). */
#ifndef CCA_SYSTEM_CONFIG
#define CCA_SYSTEM_CONFIG "/etc/cca/config.ini"
#endif

#define CONFIG_MAX_FILE_LEN (1024 * 1024)
#define CONFIG_MAX_LINE_LEN 8192
#define CONFIG_MAX_VALUE_LEN 4096
#define CONFIG_OPENAI_URL "https://api.openai.com/v1"
#define CONFIG_LOCAL_EMBED_MODEL "cca-local-v2"
#define CONFIG_REMOTE_EMBED_MODEL "text-embedding-3-small"

/* ---- the key table ------------------------------------------------------------------------ */

enum key_type {
    KT_STRING, /* any text without control characters */
    KT_SECRET, /* a struct secret * (guarded memory, shared by reference); never echoed */
    KT_URL,    /* http:// or https:// with a host; trailing slashes removed */
    KT_TOKEN,  /* letters, digits, '.', '-', '_' (file names, api versions) */
    KT_ENUM,   /* one of choices, separated by '|' */
    KT_INT,
    KT_DOUBLE,
    KT_BOOL,
};

struct key_def {
    const char *section;
    const char *name;
    enum key_type type;
    size_t offset;
    bool is_optional;    /* strings: empty means unset and is stored as NULL */
    const char *def_str; /* strings: the default (NULL for optional strings) */
    double def_num;      /* numbers and booleans */
    double min, max;     /* numbers */
    const char *choices; /* KT_ENUM */
    const char *env;     /* environment override, or NULL */
};

#define F(field) offsetof(struct config, field)
#define STR(sec, name, field, def, env)                                                            \
    {                                                                                              \
        sec, name, KT_STRING, F(field), false, def, 0, 0, 0, NULL, env                             \
    }
#define OPT(sec, name, type, field, env)                                                           \
    {                                                                                              \
        sec, name, type, F(field), true, NULL, 0, 0, 0, NULL, env                                  \
    }
#define TOK(sec, name, field, def)                                                                 \
    {                                                                                              \
        sec, name, KT_TOKEN, F(field), false, def, 0, 0, 0, NULL, NULL                             \
    }
#define ENUM(sec, name, field, def, choices)                                                       \
    {                                                                                              \
        sec, name, KT_ENUM, F(field), false, def, 0, 0, 0, choices, NULL                           \
    }
#define INT(sec, name, field, def, lo, hi, env)                                                    \
    {                                                                                              \
        sec, name, KT_INT, F(field), false, NULL, def, lo, hi, NULL, env                           \
    }
#define DBL(sec, name, field, def, lo, hi)                                                         \
    {                                                                                              \
        sec, name, KT_DOUBLE, F(field), false, NULL, def, lo, hi, NULL, NULL                       \
    }
#define BOOL(sec, name, field, def)                                                                \
    {                                                                                              \
        sec, name, KT_BOOL, F(field), false, NULL, def, 0, 1, NULL, NULL                           \
    }

/* Sections appear in this order in config_dump and config.example.ini. */
static const struct key_def keys[] = {
    STR("database", "url", db_url, "", "CCA_DATABASE_URL"),
    INT("database", "connect_timeout_s", db_connect_timeout_s, 5, 1, 600, NULL),
    INT("database", "statement_timeout_ms", db_statement_timeout_ms, 15000, 0, 86400000, NULL),
    INT("database", "answer_timeout_ms", db_answer_timeout_ms, 0, 0, 86400000, NULL),
    {"database", "pooled", KT_BOOL, F(db_pooled), false, NULL, 0, 0, 1, NULL,
     "CCA_DATABASE_POOLED"},
    INT("database", "idle_disconnect_s", db_idle_disconnect_s, 300, 0, 86400, NULL),
    STR("database", "replica_url", db_replica_url, "", "CCA_DATABASE_REPLICA_URL"),
    INT("database", "replica_max_lag_s", db_replica_max_lag_s, 30, 0, 86400, NULL),

    ENUM("llm", "provider", llm_provider, "none", "none|openai|azure"),
    OPT("llm", "base_url", KT_URL, llm_base_url, "CCA_LLM_BASE_URL"),
    OPT("llm", "api_key", KT_SECRET, llm_api_key, "CCA_LLM_API_KEY"),
    TOK("llm", "api_version", llm_api_version, "2024-06-01"),
    STR("llm", "model", llm_model, "gpt-4o-mini", "CCA_LLM_MODEL"),
    DBL("llm", "temperature", llm_temperature, 0.2, 0, 2),
    INT("llm", "max_tokens", llm_max_tokens, 800, 1, 1000000, NULL),
    INT("llm", "connect_timeout_ms", llm_connect_timeout_ms, 5000, 100, 600000, NULL),
    INT("llm", "idle_timeout_ms", llm_idle_timeout_ms, 60000, 1000, 3600000, NULL),
    INT("llm", "max_retries", llm_max_retries, 3, 0, 10, NULL),

    ENUM("embeddings", "provider", embed_provider, "local", "local|openai|azure"),
    OPT("embeddings", "base_url", KT_URL, embed_base_url, "CCA_EMBED_BASE_URL"),
    OPT("embeddings", "api_key", KT_SECRET, embed_api_key, NULL),
    STR("embeddings", "model", embed_model, CONFIG_LOCAL_EMBED_MODEL, "CCA_EMBED_MODEL"),
    INT("embeddings", "dim", embed_dim, 1536, 1, 16000, "CCA_EMBED_DIM"),
    INT("embeddings", "batch_size", embed_batch_size, 64, 1, 2048, NULL),

    DBL("retrieval", "match_threshold", rag_match_threshold, 0.15, -1, 1),
    INT("retrieval", "match_count", rag_match_count, 5, 1, 50, NULL),
    INT("retrieval", "candidates", rag_candidates, 20, 1, 1000, NULL),
    INT("retrieval", "rrf_k", rag_rrf_k, 60, 1, 1000, NULL),
    INT("retrieval", "chunk_chars", rag_chunk_chars, 1200, 200, 20000, NULL),
    INT("retrieval", "chunk_overlap", rag_chunk_overlap, 150, 0, 5000, NULL),
    INT("retrieval", "history_turns", rag_history_turns, 4, 0, 50, NULL),

    TOK("ui", "theme", ui_theme, "default"),
    BOOL("ui", "no_color", ui_no_color, false),
    BOOL("ui", "mouse", ui_mouse, true),

    OPT("general", "user", KT_STRING, user, "CCA_USER"),
    OPT("general", "log_file", KT_STRING, log_file, NULL),
    STR("general", "assets_dir", assets_dir, CCA_ASSETS_DIR, "CCA_ASSETS_DIR"),
};

#define KEY_COUNT (sizeof keys / sizeof keys[0])

static const char *const sections[] = {"database",  "llm", "embeddings",
                                       "retrieval", "ui",  "general"};
#define SECTION_COUNT (sizeof sections / sizeof sections[0])

/* Types stored as a heap char * (KT_SECRET is a struct secret *). */
static bool is_string_type(enum key_type t)
{
    return t == KT_STRING || t == KT_URL || t == KT_TOKEN || t == KT_ENUM;
}

/* Keys that let whoever can change the file decide where requests (and the API key) go,
 * which database the password is sent to, whom CCA acts as, or which files it writes and
 * reads its prompts from. */
static bool key_is_sensitive(const struct key_def *k)
{
    static const size_t sensitive[] = {
        F(db_url),        F(db_replica_url), F(llm_base_url), F(llm_api_key),
        F(embed_base_url), F(embed_api_key),  F(user),         F(log_file),    F(assets_dir),
    };
    for (size_t i = 0; i < sizeof sensitive / sizeof sensitive[0]; i++)
        if (k->offset == sensitive[i])
            return true;
    return false;
}

static struct secret **secret_field(struct config *c, const struct key_def *k)
{
    return (struct secret **)((char *)c + k->offset);
}

static const struct secret *secret_value(const struct config *c, const struct key_def *k)
{
    return *(struct secret *const *)((const char *)c + k->offset);
}

static char **str_field(struct config *c, const struct key_def *k)
{
    return (char **)((char *)c + k->offset);
}

static const char *str_value(const struct config *c, const struct key_def *k)
{
    return *(char *const *)((const char *)c + k->offset);
}

static int *int_field(struct config *c, const struct key_def *k)
{
    return (int *)((char *)c + k->offset);
}

static double *double_field(struct config *c, const struct key_def *k)
{
    return (double *)((char *)c + k->offset);
}

static bool *bool_field(struct config *c, const struct key_def *k)
{
    return (bool *)((char *)c + k->offset);
}

static const struct key_def *key_find(const char *section, const char *name)
{
    for (size_t i = 0; i < KEY_COUNT; i++)
        if (strcasecmp(keys[i].section, section) == 0 && strcasecmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

static const struct key_def *key_by_field(size_t offset)
{
    for (size_t i = 0; i < KEY_COUNT; i++)
        if (keys[i].offset == offset)
            return &keys[i];
    return NULL;
}

static bool section_is_known(const char *section)
{
    for (size_t i = 0; i < SECTION_COUNT; i++)
        if (strcasecmp(sections[i], section) == 0)
            return true;
    return false;
}

/* ---- small pure helpers -------------------------------------------------------------------- */

/* Overwrites a secret before it is freed; volatile so the stores are not optimised away. */
static void wipe(char *s)
{
    if (!s)
        return;
    volatile char *p = s;
    while (*p)
        *p++ = '\0';
}

static void free_wiped(char *s)
{
    wipe(s);
    free(s);
}

static void set_str(char **field, const char *value)
{
    char *copy = value ? xstrdup(value) : NULL;
    free(*field);
    *field = copy;
}

/* value NULL unsets; the bytes go straight into guarded memory. */
static enum err set_secret(struct secret **field, const char *value)
{
    struct secret *s = NULL;
    if (value) {
        enum err e = secret_new(value, &s);
        if (e != ERR_OK)
            return e;
    }
    secret_free(*field);
    *field = s;
    return ERR_OK;
}

static void msg_set(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void msg_set(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static bool has_control_char(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return true;
    return false;
}

/* A whole decimal number, no spaces, no locale. Values beyond +-10^10 are clamped there (so
 * they fail any range check) instead of overflowing. */
static bool parse_long(const char *s, long long *out)
{
    const char *p = s;
    bool is_negative = false;
    if (*p == '+' || *p == '-')
        is_negative = *p++ == '-';
    if (*p == '\0')
        return false;
    long long v = 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        if (v < 10000000000LL)
            v = v * 10 + (*p - '0');
    }
    *out = is_negative ? -v : v;
    return true;
}

/* A plain decimal ("0.2", "-1", ".5"), parsed without strtod so a locale with a decimal
 * comma cannot change the meaning of the file. At most 15 digits keep it exact enough. */
static bool parse_decimal(const char *s, double *out)
{
    const char *p = s;
    bool is_negative = false;
    if (*p == '+' || *p == '-')
        is_negative = *p++ == '-';
    double mantissa = 0, scale = 1;
    int digits = 0;
    bool seen_point = false;
    for (; *p; p++) {
        if (*p == '.' && !seen_point) {
            seen_point = true;
            continue;
        }
        if (*p < '0' || *p > '9')
            return false;
        if (++digits > 15)
            return false;
        mantissa = mantissa * 10 + (*p - '0');
        if (seen_point)
            scale *= 10;
    }
    if (digits == 0)
        return false;
    double v = mantissa / scale;
    *out = is_negative ? -v : v;
    return true;
}

static bool parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = true;
            return true;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

static bool enum_has(const char *choices, const char *s)
{
    size_t n = strlen(s);
    for (const char *p = choices; *p;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncasecmp(p, s, n) == 0)
            return true;
        p += len + (bar ? 1 : 0);
    }
    return false;
}

/* Writes the canonical (lower-case) spelling of an enum choice. */
static void enum_canonical(const char *choices, const char *s, char *out, size_t outlen)
{
    size_t n = strlen(s);
    for (const char *p = choices; *p;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncasecmp(p, s, n) == 0) {
            snprintf(out, outlen, "%.*s", (int)len, p);
            return;
        }
        p += len + (bar ? 1 : 0);
    }
    /* Not a choice (the caller rejects it): a copy, cut to fit. */
    if (outlen == 0)
        return;
    size_t copy = n < outlen ? n : outlen - 1;
    memcpy(out, s, copy);
    out[copy] = '\0';
}

static bool is_token(const char *s)
{
    if (*s == '\0' || *s == '.')
        return false;
    for (const char *p = s; *p; p++) {
        char ch = *p;
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_';
        if (!ok)
            return false;
    }
    return true;
}

/* http:// or https://, then a host; returns NULL when fine, else the reason. */
static const char *url_problem(const char *s)
{
    size_t skip;
    if (strncasecmp(s, "https://", 8) == 0)
        skip = 8;
    else if (strncasecmp(s, "http://", 7) == 0)
        skip = 7;
    else
        return "must start with http:// or https://";
    if (s[skip] == '\0' || s[skip] == '/' || s[skip] == '?' || s[skip] == '#')
        return "has no host";
    for (const char *p = s; *p; p++)
        if (*p == ' ')
            return "contains a space";
    return NULL;
}

/* True when the URL carries user:password@ before the host: a password there would be shown
 * by every message and status line that names the endpoint. */
static bool url_has_credentials(const char *s)
{
    const char *p = strstr(s, "://");
    if (!p)
        return false;
    p += 3;
    return memchr(p, '@', strcspn(p, "/?#")) != NULL;
}

/* Levenshtein distance, capped: only used to suggest a key name for a typo. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 40 || lb > 40)
        return 99;
    size_t row[41];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = (a[i - 1] | 0x20) == (b[j - 1] | 0x20) ? 0 : 1;
            size_t best = diag + cost;
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* ---- setting one value --------------------------------------------------------------------- */

/* Validates value for key k and stores it. On failure writes the reason (without location)
 * into msg. value is never echoed for secrets. */
static enum err key_set(struct config *c, const struct key_def *k, const char *value, char *msg,
                        size_t msglen)
{
    bool is_secret = k->type == KT_SECRET;
    if (strlen(value) > CONFIG_MAX_VALUE_LEN) {
        msg_set(msg, msglen, "the value is longer than %d bytes", CONFIG_MAX_VALUE_LEN);
        return ERR_CONFIG;
    }
    if ((is_string_type(k->type) || is_secret) && has_control_char(value)) {
        msg_set(msg, msglen, "the value contains a control character");
        return ERR_CONFIG;
    }
    switch (k->type) {
    case KT_STRING:
    case KT_SECRET:
        /* An empty [database] url is meaningful: libpq's defaults (PGHOST, ...). */
        if (*value == '\0' && !k->is_optional && k->offset != F(db_url) &&
            k->offset != F(db_replica_url)) {
            msg_set(msg, msglen, "the value must not be empty");
            return ERR_CONFIG;
        }
        if (is_secret) {
            if (set_secret(secret_field(c, k), *value ? value : NULL) != ERR_OK) {
                msg_set(msg, msglen, "cannot allocate guarded memory for the key");
                return ERR_NOMEM;
            }
        } else
            set_str(str_field(c, k), (*value || !k->is_optional) ? value : NULL);
        return ERR_OK;
    case KT_URL: {
        if (*value == '\0') {
            set_str(str_field(c, k), NULL);
            return ERR_OK;
        }
        if (url_has_credentials(value)) {
            /* Never echoed: the point is that the password is not shown. */
            msg_set(msg, msglen,
                    "the URL holds a user name or password (user:password@host); give the "
                    "URL without it and put the key in api_key (or CCA_LLM_API_KEY)");
            return ERR_CONFIG;
        }
        const char *why = url_problem(value);
        if (why) {
            msg_set(msg, msglen, "'%s' %s", value, why);
            return ERR_CONFIG;
        }
        size_t len = strlen(value);
        while (len > 0 && value[len - 1] == '/')
            len--;
        char *copy = xstrndup(value, len);
        free(*str_field(c, k));
        *str_field(c, k) = copy;
        return ERR_OK;
    }
    case KT_TOKEN:
        if (!is_token(value)) {
            msg_set(msg, msglen, "'%s' may only hold letters, digits, '.', '-' and '_'", value);
            return ERR_CONFIG;
        }
        set_str(str_field(c, k), value);
        return ERR_OK;
    case KT_ENUM: {
        if (!enum_has(k->choices, value)) {
            char list[128];
            snprintf(list, sizeof list, "%s", k->choices);
            for (char *p = list; *p; p++)
                if (*p == '|')
                    *p = '/';
            msg_set(msg, msglen, "'%s' is not one of %s", value, list);
            return ERR_CONFIG;
        }
        char canon[64];
        enum_canonical(k->choices, value, canon, sizeof canon);
        set_str(str_field(c, k), canon);
        return ERR_OK;
    }
    case KT_INT: {
        long long v;
        if (!parse_long(value, &v)) {
            msg_set(msg, msglen, "'%s' is not a whole number", value);
            return ERR_CONFIG;
        }
        if (v < (long long)k->min || v > (long long)k->max) {
            msg_set(msg, msglen, "%s is out of range (%ld to %ld)", value, (long)k->min,
                    (long)k->max);
            return ERR_CONFIG;
        }
        *int_field(c, k) = (int)v;
        return ERR_OK;
    }
    case KT_DOUBLE: {
        double v;
        if (!parse_decimal(value, &v)) {
            msg_set(msg, msglen, "'%s' is not a decimal number (like 0.5)", value);
            return ERR_CONFIG;
        }
        if (v < k->min || v > k->max) {
            msg_set(msg, msglen, "%s is out of range (%ld to %ld)", value, (long)k->min,
                    (long)k->max);
            return ERR_CONFIG;
        }
        *double_field(c, k) = v;
        return ERR_OK;
    }
    case KT_BOOL: {
        bool v;
        if (!parse_bool(value, &v)) {
            msg_set(msg, msglen, "'%s' is not true or false", value);
            return ERR_CONFIG;
        }
        *bool_field(c, k) = v;
        return ERR_OK;
    }
    }
    return ERR_INVALID;
}

/* ---- lifecycle ---------------------------------------------------------------------------- */

void config_init(struct config *c)
{
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < KEY_COUNT; i++) {
        const struct key_def *k = &keys[i];
        if (k->type == KT_SECRET)
            *secret_field(c, k) = NULL;
        else if (is_string_type(k->type))
            *str_field(c, k) = k->def_str ? xstrdup(k->def_str) : NULL;
        else if (k->type == KT_INT)
            *int_field(c, k) = (int)k->def_num;
        else if (k->type == KT_DOUBLE)
            *double_field(c, k) = k->def_num;
        else
            *bool_field(c, k) = k->def_num != 0;
    }
}

void config_cleanup(struct config *c)
{
    for (size_t i = 0; i < KEY_COUNT; i++) {
        const struct key_def *k = &keys[i];
        if (k->type == KT_SECRET) {
            secret_free(*secret_field(c, k));
            *secret_field(c, k) = NULL;
            continue;
        }
        if (!is_string_type(k->type))
            continue;
        char **f = str_field(c, k);
        free(*f);
        *f = NULL;
    }
    for (size_t i = 0; i < c->key_count; i++) {
        free(c->keys[i].action);
        free(c->keys[i].keys);
    }
    free(c->keys);
    c->keys = NULL;
    c->key_count = 0;
    free(c->path);
    free(c->system_path);
    memset(c, 0, sizeof *c);
}

/* ---- parsing ------------------------------------------------------------------------------- */

/* inih reads lines into a fixed 200-byte buffer; longer lines (a long API key, a long
 * conninfo) would be split silently. The reader below hands inih each line itself, so it
 * knows the line number, and replaces the value of an over-long line by a marker whose real
 * text it keeps in long_value for the handler. It also removes leading blanks, which turns
 * off inih's multi-line continuation: an indented line is an ordinary line here. */
#define LONG_VALUE_MARK "\x01"

struct parse_ctx {
    struct config *c;
    const char *text;
    size_t pos;
    int line;      /* lines handed to inih so far */
    int err_line;  /* first line with an error found by the reader or the handler, or 0 */
    char msg[512]; /* its message */
    char *long_value;
    int seen_line[KEY_COUNT];
};

static void ctx_error(struct parse_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void ctx_error(struct parse_ctx *ctx, const char *fmt, ...)
{
    if (ctx->err_line)
        return;
    ctx->err_line = ctx->line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->msg, sizeof ctx->msg, fmt, ap);
    va_end(ap);
}

/* The value part of a line as inih would produce it: blanks trimmed, an inline "; comment"
 * (a ';' after a blank) removed. */
static char *value_from_line(const char *sep_end, size_t len)
{
    const char *s = sep_end, *e = sep_end + len;
    while (s < e && (*s == ' ' || *s == '\t'))
        s++;
    for (const char *p = s; p < e; p++)
        if (*p == ';' && p > s && (p[-1] == ' ' || p[-1] == '\t')) {
            e = p;
            break;
        }
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        e--;
    return xstrndup(s, (size_t)(e - s));
}

/* True for an "api_key = ..." line: its value is kept away from inih's line buffer (which
 * nobody wipes) and handed over through the marker, like an over-long value. */
static bool line_is_secret(const char *s, size_t len)
{
    size_t name_len = 0;
    while (name_len < len && s[name_len] != '=' && s[name_len] != ':')
        name_len++;
    if (name_len == len)
        return false;
    while (name_len > 0 && (s[name_len - 1] == ' ' || s[name_len - 1] == '\t'))
        name_len--;
    return name_len == 7 && strncasecmp(s, "api_key", 7) == 0;
}

static char *ctx_reader(char *str, int num, void *stream)
{
    struct parse_ctx *ctx = stream;
    if (ctx->text[ctx->pos] == '\0' || num < 8)
        return NULL;
    free_wiped(ctx->long_value);
    ctx->long_value = NULL;

    const char *start = ctx->text + ctx->pos;
    const char *nl = strchr(start, '\n');
    size_t line_len = nl ? (size_t)(nl - start) : strlen(start);
    ctx->pos += line_len + (nl ? 1 : 0);
    ctx->line++;

    const char *s = start;
    while ((size_t)(s - start) < line_len && (*s == ' ' || *s == '\t'))
        s++;
    size_t len = line_len - (size_t)(s - start);

    if (len + 2 <= (size_t)num && !line_is_secret(s, len)) {
        memcpy(str, s, len);
        str[len] = '\n';
        str[len + 1] = '\0';
        return str;
    }
    /* Too long for inih's buffer, or a secret. */
    str[0] = '\n';
    str[1] = '\0';
    if (*s == ';' || *s == '#')
        return str;
    if (len > CONFIG_MAX_LINE_LEN) {
        ctx_error(ctx, "the line is longer than %d bytes", CONFIG_MAX_LINE_LEN);
        return str;
    }
    size_t name_len = 0;
    while (name_len < len && s[name_len] != '=' && s[name_len] != ':')
        name_len++;
    if (name_len == len || name_len + 4 > (size_t)num) {
        ctx_error(ctx, "the line is too long to be a key = value line");
        return str;
    }
    ctx->long_value = value_from_line(s + name_len + 1, len - name_len - 1);
    memcpy(str, s, name_len);
    memcpy(str + name_len, "=" LONG_VALUE_MARK "\n", 4);
    return str;
}

static void suggest_key(const char *section, const char *name, char *out, size_t outlen)
{
    const struct key_def *best = NULL;
    size_t best_d = 3;
    for (size_t i = 0; i < KEY_COUNT; i++) {
        if (strcasecmp(keys[i].section, section) != 0)
            continue;
        size_t d = edit_distance(name, keys[i].name);
        if (d < best_d) {
            best_d = d;
            best = &keys[i];
        }
    }
    if (best)
        snprintf(out, outlen, " (did you mean '%s'?)", best->name);
    else
        snprintf(out, outlen, "%s", "");
}

static int ctx_handler(void *user, const char *section, const char *name, const char *raw)
{
    struct parse_ctx *ctx = user;
    if (ctx->err_line)
        return 1; /* report only the first problem */

    const char *value = raw;
    if (strcmp(raw, LONG_VALUE_MARK) == 0 && ctx->long_value)
        value = ctx->long_value;
    /* One pair of surrounding double quotes is removed: api_key = "sk-..." */
    char *unquoted = NULL;
    size_t vlen = strlen(value);
    if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
        unquoted = xstrndup(value + 1, vlen - 2);
        value = unquoted;
    }

    int ok = 1;
    /* [keys] takes any action name: the keymap knows them and reports unknown ones. */
    if (strcasecmp(section, "keys") == 0) {
        if (ctx->c->key_count >= 256) {
            ctx_error(ctx, "too many lines in [keys]");
            ok = 0;
            goto out;
        }
        ctx->c->keys = xrealloc(ctx->c->keys, (ctx->c->key_count + 1) * sizeof *ctx->c->keys);
        ctx->c->keys[ctx->c->key_count++] =
            (struct config_key){.action = xstrdup(name), .keys = xstrdup(value)};
        goto out;
    }
    const struct key_def *k = key_find(section, name);
    if (!k) {
        char hint[128] = "";
        if (*section == '\0')
            snprintf(hint, sizeof hint, " (keys belong under a [section] header)");
        else if (!section_is_known(section))
            snprintf(hint, sizeof hint,
                     " (no such section; sections are [database] [llm] [embeddings] "
                     "[retrieval] [ui] [general] [keys])");
        else
            suggest_key(section, name, hint, sizeof hint);
        ctx_error(ctx, "unknown key '%s' in section [%s]%s", name, section, hint);
        ok = 0;
        goto out;
    }
    size_t idx = (size_t)(k - keys);
    if (ctx->seen_line[idx]) {
        ctx_error(ctx, "duplicate key '%s' in section [%s] (first set on line %d)", k->name,
                  k->section, ctx->seen_line[idx]);
        ok = 0;
        goto out;
    }
    ctx->seen_line[idx] = ctx->line;
    char why[300];
    if (key_set(ctx->c, k, value, why, sizeof why) != ERR_OK) {
        ctx_error(ctx, "invalid value for key '%s' in section [%s]: %s", k->name, k->section, why);
        ok = 0;
    }
out:
    free_wiped(unquoted);
    free_wiped(ctx->long_value);
    ctx->long_value = NULL;
    return ok;
}

/* The text of line n (1-based) for a syntax error message. */
static const char *line_start(const char *text, int n)
{
    const char *p = text;
    for (int i = 1; i < n && p; i++) {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return p ? p : "";
}

/* config_parse_string, also telling on which line each key was set (0: not set). */
static enum err parse_text(struct config *c, const char *text, const char *name, char *err,
                           size_t errlen, int seen_line[KEY_COUNT])
{
    struct parse_ctx ctx = {.c = c, .text = text};
    int rc = ini_parse_stream(ctx_reader, &ctx, ctx_handler, &ctx);
    free_wiped(ctx.long_value);
    if (rc == -2)
        return ERR_NOMEM;
    if (rc > 0 && (ctx.err_line == 0 || rc < ctx.err_line)) {
        const char *l = line_start(text, rc);
        while (*l == ' ' || *l == '\t')
            l++;
        msg_set(err, errlen, "%s:%d: %s", name, rc,
                *l == '[' ? "a section header must look like [name]"
                          : "expected 'key = value' or a [section] header");
        return ERR_CONFIG;
    }
    if (ctx.err_line) {
        msg_set(err, errlen, "%s:%d: %s", name, ctx.err_line, ctx.msg);
        return ERR_CONFIG;
    }
    /* The embeddings model's default depends on the provider chosen in the same file. */
    const struct key_def *prov = key_by_field(F(embed_provider));
    const struct key_def *model = key_by_field(F(embed_model));
    if (ctx.seen_line[prov - keys] && !ctx.seen_line[model - keys])
        set_str(&c->embed_model, strcmp(c->embed_provider, "local") == 0
                                     ? CONFIG_LOCAL_EMBED_MODEL
                                     : CONFIG_REMOTE_EMBED_MODEL);
    /* A base_url without a provider means an OpenAI-compatible server. */
    prov = key_by_field(F(llm_provider));
    const struct key_def *url = key_by_field(F(llm_base_url));
    if (!ctx.seen_line[prov - keys] && ctx.seen_line[url - keys] && c->llm_base_url)
        set_str(&c->llm_provider, "openai");
    if (seen_line)
        memcpy(seen_line, ctx.seen_line, sizeof ctx.seen_line);
    return ERR_OK;
}

enum err config_parse_string(struct config *c, const char *text, const char *name, char *err,
                             size_t errlen)
{
    return parse_text(c, text, name, err, errlen, NULL);
}

/* ---- environment --------------------------------------------------------------------------- */

extern char **environ;

/* Wipes the value of the environment variable name in place and removes it, so the key read
 * from it is not left in the process's environment block (which core dumps, /proc/PID/environ
 * and child processes would see). */
static void scrub_env(const char *name)
{
    size_t n = strlen(name);
    for (char **e = environ; e && *e; e++)
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
            secret_memzero(*e + n + 1, strlen(*e + n + 1));
    unsetenv(name);
}

enum err config_apply_env(struct config *c, char *err, size_t errlen)
{
    for (size_t i = 0; i < KEY_COUNT; i++) {
        const struct key_def *k = &keys[i];
        if (!k->env)
            continue;
        const char *v = getenv(k->env);
        if (!v || *v == '\0')
            continue; /* an empty variable counts as unset */
        char why[300];
        if (key_set(c, k, v, why, sizeof why) != ERR_OK) {
            msg_set(err, errlen, "environment variable %s: %s", k->env, why);
            return ERR_CONFIG;
        }
        if (k->type == KT_SECRET)
            scrub_env(k->env);
        if (k->offset == F(llm_base_url) && strcmp(c->llm_provider, "none") == 0)
            set_str(&c->llm_provider, "openai");
    }
    const char *nc = getenv("NO_COLOR");
    if (nc && *nc)
        c->ui_no_color = true;
    return ERR_OK;
}

/* ---- defaults that depend on other keys, and cross-key checks ------------------------------ */

static enum err config_resolve(struct config *c, const char *name, char *err, size_t errlen)
{
    if (strcmp(c->llm_provider, "openai") == 0 && !c->llm_base_url)
        set_str(&c->llm_base_url, CONFIG_OPENAI_URL);
    if (strcmp(c->llm_provider, "azure") == 0 && !c->llm_base_url) {
        msg_set(err, errlen, "%s: [llm] provider 'azure' needs base_url (the deployment URL)",
                name);
        return ERR_CONFIG;
    }
    if (!c->embed_base_url && c->llm_base_url)
        set_str(&c->embed_base_url, c->llm_base_url);
    if (!c->embed_api_key && c->llm_api_key)
        c->embed_api_key = secret_ref(c->llm_api_key); /* the same bytes, not a copy */
    if (strcmp(c->embed_provider, "local") != 0) {
        if (!c->embed_base_url && strcmp(c->embed_provider, "openai") == 0)
            set_str(&c->embed_base_url, CONFIG_OPENAI_URL);
        if (!c->embed_base_url) {
            msg_set(err, errlen, "%s: [embeddings] provider '%s' needs base_url", name,
                    c->embed_provider);
            return ERR_CONFIG;
        }
        if (strcmp(c->embed_model, CONFIG_LOCAL_EMBED_MODEL) == 0) {
            msg_set(err, errlen,
                    "%s: [embeddings] model '%s' is the local embedder; set provider = local "
                    "or name the server's model",
                    name, CONFIG_LOCAL_EMBED_MODEL);
            return ERR_CONFIG;
        }
    }
    if (c->rag_chunk_overlap >= c->rag_chunk_chars / 2) {
        msg_set(err, errlen,
                "%s: [retrieval] chunk_overlap (%d) must be less than half of chunk_chars (%d)",
                name, c->rag_chunk_overlap, c->rag_chunk_chars);
        return ERR_CONFIG;
    }
    if (c->rag_candidates < c->rag_match_count) {
        msg_set(err, errlen, "%s: [retrieval] candidates (%d) must be at least match_count (%d)",
                name, c->rag_candidates, c->rag_match_count);
        return ERR_CONFIG;
    }
    return ERR_OK;
}

/* ---- files --------------------------------------------------------------------------------- */

/* Reads a whole regular file of at most CONFIG_MAX_FILE_LEN bytes into one allocation (a
 * growing buffer would leave copies of an API key in freed memory); *st gets what was opened
 * (the target, for a symbolic link). */
static enum err read_file(const char *path, char **text, struct stat *st, char *err,
                          size_t errlen)
{
    enum err e = ERR_IO;
    char *data = NULL;
    size_t cap = 0, len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        msg_set(err, errlen, "%s: cannot open the configuration file: %s", path, strerror(errno));
        e = errno == ENOENT ? ERR_NOT_FOUND : ERR_IO;
        goto out;
    }
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
        msg_set(err, errlen, "%s: not a regular file", path);
        goto out;
    }
    if (st->st_size > CONFIG_MAX_FILE_LEN) {
        msg_set(err, errlen, "%s: larger than %d bytes", path, CONFIG_MAX_FILE_LEN);
        e = ERR_TOO_LARGE;
        goto out;
    }
    cap = (size_t)st->st_size + 1; /* + 1: a byte more than expected means it grew */
    data = xmalloc(cap + 1);
    for (;;) {
        ssize_t n = read(fd, data + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            msg_set(err, errlen, "%s: read error: %s", path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len == cap) {
            msg_set(err, errlen, "%s: the file changed while it was read; try again", path);
            goto out;
        }
    }
    data[len] = '\0';
    if (memchr(data, '\0', len)) {
        msg_set(err, errlen, "%s: contains a NUL byte (not a text file?)", path);
        e = ERR_CONFIG;
        goto out;
    }
    *text = data;
    data = NULL;
    e = ERR_OK;
out:
    if (fd >= 0)
        close(fd);
    if (data) {
        secret_memzero(data, cap + 1);
        free(data);
    }
    return e;
}

/* ---- who may change the file --------------------------------------------------------------- */

static void owner_name(uid_t uid, char *out, size_t outlen)
{
    struct passwd *pw = getpwuid(uid);
    if (pw && pw->pw_name)
        snprintf(out, outlen, "user %s (uid %ld)", pw->pw_name, (long)uid);
    else
        snprintf(out, outlen, "uid %ld", (long)uid);
}

/* True when the file just parsed (seen_line) set an API key: an earlier file's key does not
 * count against this one. */
static bool file_sets_secret(const struct config *c, const int seen_line[KEY_COUNT])
{
    const struct key_def *llm_key = key_by_field(F(llm_api_key));
    const struct key_def *embed_key = key_by_field(F(embed_api_key));
    return (seen_line[llm_key - keys] && c->llm_api_key) ||
           (seen_line[embed_key - keys] && c->embed_api_key);
}

/* Describes the most important thing the file sets that others must not control, into out;
 * false when it sets nothing of the kind. */
static bool describe_sensitive(const struct config *c, const int seen_line[KEY_COUNT], char *out,
                               size_t outlen)
{
    const struct key_def *llm_key = key_by_field(F(llm_api_key));
    const struct key_def *embed_key = key_by_field(F(embed_api_key));
    if (file_sets_secret(c, seen_line)) {
        const struct key_def *k =
            seen_line[llm_key - keys] && c->llm_api_key ? llm_key : embed_key;
        snprintf(out, outlen, "an API key ([%s] api_key, line %d)", k->section,
                 seen_line[k - keys]);
        return true;
    }
    for (size_t i = 0; i < KEY_COUNT; i++) {
        const struct key_def *k = &keys[i];
        if (!seen_line[i] || !key_is_sensitive(k) || !is_string_type(k->type))
            continue;
        const char *v = str_value(c, k);
        if (!v || !*v)
            continue;
        snprintf(out, outlen, "[%s] %s (line %d)", k->section, k->name, seen_line[i]);
        return true;
    }
    return false;
}

/* Decides whether a configuration file may be used: a file that others can change (another
 * user's, writable by group or others, or in a folder they can write to) must not decide
 * where requests go or hold a key, and a key must not be readable by every user. Root's files
 * are trusted like the user's own (an /etc/cca/config.ini). Refusals return ERR_CONFIG with
 * the fix; lesser problems become *warning. */
static enum err check_file_safety(const char *path, const struct stat *st,
                                  const struct config *c, const int seen_line[KEY_COUNT],
                                  char **warning, char *err, size_t errlen)
{
    uid_t me = geteuid();
    char what[160];
    bool is_sensitive = describe_sensitive(c, seen_line, what, sizeof what);
    bool has_secret = file_sets_secret(c, seen_line);
    unsigned mode = (unsigned)(st->st_mode & 07777);

    char *real = realpath(path, NULL);
    const char *shown = real ? real : path;
    struct stat lst;
    char link_note[PATH_MAX + 64] = "";
    if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode) && real)
        snprintf(link_note, sizeof link_note, " (%s is a symbolic link to it)", path);
    char *dir_copy = xstrdup(shown);
    const char *dir = dirname(dir_copy);
    struct stat dst;
    bool is_dir_shared = false;
    if (real && stat(dir, &dst) == 0)
        is_dir_shared = ((dst.st_mode & 022) && !(dst.st_mode & S_ISVTX)) ||
                        (dst.st_uid != me && dst.st_uid != 0);
    bool is_other_owner = st->st_uid != me && st->st_uid != 0;
    bool is_writable = (st->st_mode & 022) != 0;
    enum err e = ERR_OK;
    char who[96];
    owner_name(st->st_uid, who, sizeof who);

    if (is_other_owner && is_sensitive) {
        msg_set(err, errlen,
                "%s: refused: it belongs to %s, who can change it at any time, and it sets %s. "
                "Use a configuration file of your own (cp %s ~/.config/cca/config.ini) or have "
                "this one owned by you or root%s",
                shown, who, what, shown, link_note);
        e = ERR_CONFIG;
    } else if (is_writable && is_sensitive) {
        msg_set(err, errlen,
                "%s: refused: other users can write to it (mode %04o) and it sets %s, so anyone "
                "could redirect your requests and collect your key; run: chmod %s %s%s",
                shown, mode, what, has_secret ? "600" : "go-w", shown, link_note);
        e = ERR_CONFIG;
    } else if (is_dir_shared && is_sensitive) {
        msg_set(err, errlen,
                "%s: refused: other users can replace it (its folder %s is writable by others "
                "or not yours) and it sets %s; keep it in a folder only you can write to%s",
                shown, dir, what, link_note);
        e = ERR_CONFIG;
    } else if (has_secret && (st->st_mode & 004)) {
        msg_set(err, errlen,
                "%s: refused: it holds an API key that every user can read (mode %04o); run: "
                "chmod 600 %s%s",
                shown, mode, shown, link_note);
        e = ERR_CONFIG;
    } else if (has_secret && (st->st_mode & 040)) {
        *warning = xasprintf("%s holds an API key that its group can read (mode %04o); unless "
                             "the group is meant to share it, run: chmod 600 %s",
                             shown, mode, shown);
    } else if (is_other_owner || is_writable || is_dir_shared) {
        char how[128];
        if (is_other_owner)
            snprintf(how, sizeof how, "it belongs to %s", who);
        else if (is_writable)
            snprintf(how, sizeof how, "mode %04o", mode);
        else
            snprintf(how, sizeof how, "its folder is writable by others");
        *warning = xasprintf("%s can be changed by other users (%s); it sets nothing that "
                             "decides where requests go or whom CCA acts as, but check who "
                             "can write it (chmod go-w)",
                             shown, how);
    }
    free(dir_copy);
    free(real);
    return e;
}

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* The implicit locations, in order; returns a heap path or NULL. */
static char *find_implicit(void)
{
    if (file_exists("config.ini"))
        return xstrdup("config.ini");
    const char *xdg = getenv("XDG_CONFIG_HOME");
    if (xdg && *xdg == '/') {
        char *p = xasprintf("%s/cca/config.ini", xdg);
        if (file_exists(p))
            return p;
        free(p);
    }
    const char *home = getenv("HOME");
    if (home && *home) {
        char *p = xasprintf("%s/.config/cca/config.ini", home);
        if (file_exists(p))
            return p;
        free(p);
    }
    return NULL;
}

/* Reads, parses and checks one file onto c (keys it sets replace earlier values). ERR_NOT_FOUND
 * without a message when the file is missing and is_optional; otherwise a failure is
 * ERR_CONFIG with the reason in err. *warning gets a lesser problem (or stays NULL);
 * *sets_assets tells whether the file set [general] assets_dir. */
static enum err load_file(struct config *c, const char *path, const char *origin,
                          bool is_optional, char **warning, bool *sets_assets, char *err,
                          size_t errlen)
{
    struct stat st;
    char why[600];
    int seen_line[KEY_COUNT];
    char *text = NULL;
    enum err e = read_file(path, &text, &st, why, sizeof why);
    if (e == ERR_NOT_FOUND && is_optional)
        return ERR_NOT_FOUND;
    if (e != ERR_OK) {
        msg_set(err, errlen, "%s%s", why, origin);
        return ERR_CONFIG;
    }
    e = parse_text(c, text, path, err, errlen, seen_line);
    if (e == ERR_OK)
        e = check_file_safety(path, &st, c, seen_line, warning, err, errlen);
    if (e == ERR_OK && seen_line[key_by_field(F(assets_dir)) - keys])
        *sets_assets = true;
    free_wiped(text);
    return e;
}

/* Where the system-wide file is: $CCA_SYSTEM_CONFIG (empty: none), else /etc/cca/config.ini. */
static char *system_config_path(void)
{
    const char *env = getenv("CCA_SYSTEM_CONFIG");
    if (env)
        return *env ? xstrdup(env) : NULL;
    return xstrdup(CCA_SYSTEM_CONFIG);
}

static bool is_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/* The default assets folder of an installed cca: <its folder>/../share/cca, when that holds
 * the prompts; NULL otherwise (a development build keeps the source tree's, compiled in). */
static char *installed_assets_dir(void)
{
    char rel[PATH_MAX];
    if (!share_path("", rel, sizeof rel))
        return NULL;
    char *dir = realpath(rel, NULL);
    if (!dir)
        return NULL;
    char *probe = xasprintf("%s/prompts/system.txt", dir);
    bool is_usable = access(probe, R_OK) == 0;
    free(probe);
    if (!is_usable) {
        free(dir);
        return NULL;
    }
    return dir;
}

enum err config_load(struct config *c, const char *explicit_path, char **warning, char *err,
                     size_t errlen)
{
    *warning = NULL;
    msg_set(err, errlen, "%s", "");
    char *path = NULL, *warn_system = NULL, *warn_user = NULL;
    const char *origin = "";
    bool sets_assets = false;
    enum err e = ERR_OK;

    const char *env_path = getenv("CCA_CONFIG");
    if (explicit_path)
        path = xstrdup(explicit_path);
    else if (env_path && *env_path) {
        path = xstrdup(env_path);
        origin = " (from CCA_CONFIG)";
    } else
        path = find_implicit();

    /* The system-wide file first, then the user's: the user's keys win, one by one. */
    char *system_path = system_config_path();
    if (system_path && !(path && is_same_file(path, system_path))) {
        e = load_file(c, system_path, " (the system-wide configuration)", true, &warn_system,
                      &sets_assets, err, errlen);
        if (e == ERR_OK)
            set_str(&c->system_path, system_path);
        else if (e != ERR_NOT_FOUND)
            goto out;
        e = ERR_OK;
    }
    if (path) {
        e = load_file(c, path, origin, false, &warn_user, &sets_assets, err, errlen);
        if (e != ERR_OK)
            goto out;
        set_str(&c->path, path);
    }
    e = config_apply_env(c, err, errlen);
    if (e != ERR_OK)
        goto out;
    const char *env_assets = getenv("CCA_ASSETS_DIR");
    if (!sets_assets && !(env_assets && *env_assets)) {
        char *installed = installed_assets_dir();
        if (installed) {
            free(c->assets_dir);
            c->assets_dir = installed;
        }
    }
    e = config_resolve(c, c->path ? c->path : c->system_path ? c->system_path : "configuration",
                       err, errlen);
out:
    if (e == ERR_OK && (warn_system || warn_user))
        *warning = warn_system && warn_user ? xasprintf("%s; %s", warn_system, warn_user)
                                            : xstrdup(warn_system ? warn_system : warn_user);
    free(warn_system);
    free(warn_user);
    free(system_path);
    free(path);
    return e;
}

bool config_has_llm(const struct config *c)
{
    return c->llm_provider && strcmp(c->llm_provider, "none") != 0;
}

/* ---- dump ---------------------------------------------------------------------------------- */

/* Formats a double without the locale (which may want a decimal comma). */
static void format_decimal(double v, char *out, size_t outlen)
{
    bool is_negative = v < 0;
    long long scaled = (long long)((is_negative ? -v : v) * 1000000.0 + 0.5);
    long long whole = scaled / 1000000, frac = scaled % 1000000;
    char digits[8];
    snprintf(digits, sizeof digits, "%06lld", frac);
    size_t n = 6;
    while (n > 1 && digits[n - 1] == '0')
        n--;
    digits[n] = '\0';
    snprintf(out, outlen, "%s%lld.%s", is_negative && scaled ? "-" : "", whole, digits);
}

/* Appends a conninfo or URI with every password replaced by "(set)": the user:password@ of a
 * URI, and a password keyword (conninfo "password=..." or URI "?password=..."). */
static void dump_conninfo(struct buf *b, const char *s)
{
    const char *p = s;
    bool is_uri = strncmp(s, "postgres://", 11) == 0 || strncmp(s, "postgresql://", 13) == 0;
    if (is_uri) {
        const char *auth = strstr(s, "://") + 3;
        size_t auth_len = strcspn(auth, "/?");
        const char *at = memchr(auth, '@', auth_len);
        const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
        if (colon) {
            buf_append(b, s, (size_t)(colon + 1 - s));
            buf_append_str(b, "(set)");
            p = at;
        }
    }
    const char *end_chars = is_uri ? "&#" : " \t";
    while (*p) {
        const char *kw = strstr(p, "password");
        if (!kw) {
            buf_append_str(b, p);
            return;
        }
        const char *q = kw + 8;
        while (*q == ' ')
            q++;
        bool is_start = kw == s || strchr(is_uri ? "?&" : " \t", kw[-1]) != NULL;
        if (!is_start || *q != '=') {
            buf_append(b, p, (size_t)(q - p));
            p = q;
            continue;
        }
        buf_append(b, p, (size_t)(q + 1 - p));
        buf_append_str(b, "(set)");
        q++;
        while (!is_uri && *q == ' ')
            q++;
        if (!is_uri && *q == '\'') {
            for (q++; *q && *q != '\''; q++)
                if (*q == '\\' && q[1])
                    q++;
            if (*q)
                q++;
        } else {
            q += strcspn(q, end_chars);
        }
        p = q;
    }
}

size_t config_url_list(const char *value, char ***out)
{
    *out = NULL;
    size_t n = 0;
    const char *p = value ? value : "";
    while (*p) {
        const char *start = p;
        bool in_quote = false;
        for (; *p && (in_quote || *p != '|'); p++) {
            if (in_quote && *p == '\\' && p[1])
                p++;
            else if (*p == '\'')
                in_quote = !in_quote;
        }
        const char *end = p;
        while (start < end && (*start == ' ' || *start == '\t'))
            start++;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        if (end > start) {
            *out = xrealloc(*out, (n + 1) * sizeof **out);
            (*out)[n++] = xstrndup(start, (size_t)(end - start));
        }
        if (*p == '|')
            p++;
    }
    return n;
}

void config_url_list_free(char **list, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free_wiped(list[i]);
    free(list);
}

char *config_dump(const struct config *c)
{
    struct buf b;
    buf_init(&b, 1024 * 1024);
    if (c->system_path && c->path)
        buf_printf(&b, "; effective configuration (%s, then %s)\n", c->system_path, c->path);
    else
        buf_printf(&b, "; effective configuration (%s)\n",
                   c->path ? c->path : c->system_path ? c->system_path : "defaults");
    const char *section = "";
    for (size_t i = 0; i < KEY_COUNT; i++) {
        const struct key_def *k = &keys[i];
        if (strcmp(section, k->section) != 0) {
            section = k->section;
            buf_printf(&b, "%s[%s]\n", i ? "\n" : "", section);
        }
        buf_printf(&b, "%s = ", k->name);
        if (k->type == KT_SECRET) {
            buf_append_str(&b, secret_value(c, k) ? "(set)" : "");
        } else if (k->offset == F(db_url)) {
            const char *v = str_value(c, k);
            dump_conninfo(&b, v ? v : "");
        } else if (k->offset == F(db_replica_url)) {
            /* Each replica's password is hidden on its own (a URI's sits after its scheme). */
            char **urls = NULL;
            size_t n = config_url_list(str_value(c, k), &urls);
            for (size_t u = 0; u < n; u++) {
                if (u)
                    buf_append_str(&b, " | ");
                dump_conninfo(&b, urls[u]);
            }
            config_url_list_free(urls, n);
        } else if (is_string_type(k->type)) {
            const char *v = str_value(c, k);
            buf_append_str(&b, v ? v : "");
        } else if (k->type == KT_INT) {
            buf_printf(&b, "%d", *(const int *)((const char *)c + k->offset));
        } else if (k->type == KT_DOUBLE) {
            char num[64];
            format_decimal(*(const double *)((const char *)c + k->offset), num, sizeof num);
            buf_append_str(&b, num);
        } else {
            buf_append_str(&b, *(const bool *)((const char *)c + k->offset) ? "true" : "false");
        }
        buf_append_char(&b, '\n');
    }
    return buf_detach(&b);
}
