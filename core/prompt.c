/* prompt: template substitution is a single pass, so text inserted for one placeholder (a
 * passage that contains "{{question}}") is never substituted again. Passages are added best
 * first while they fit; the turns of the conversation get what is left, newest first. */
#include "core/prompt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/utf8.h"

enum { PROMPT_MAX_LEN = 4u << 20 };

/* ---- templates --------------------------------------------------------------------------- */

enum err prompt_template_read(const char *dir, const char *name, char **out, char *err,
                              size_t errlen)
{
    char *path = xasprintf("%s/prompts/%s", dir, name);
    enum err e = ERR_OK;
    struct buf b;
    buf_init(&b, PROMPT_TEMPLATE_MAX);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s (set [general] assets_dir)", path, strerror(errno));
        e = errno == ENOENT ? ERR_NOT_FOUND : ERR_IO;
        goto out;
    }
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (buf_append(&b, chunk, n) != ERR_OK) {
            snprintf(err, errlen, "%s: larger than %d bytes", path, PROMPT_TEMPLATE_MAX);
            e = ERR_TOO_LARGE;
            goto out;
        }
    }
    if (ferror(f)) {
        snprintf(err, errlen, "%s: read error", path);
        e = ERR_IO;
        goto out;
    }
    if (!utf8_is_valid(buf_str(&b), b.len) || strlen(buf_str(&b)) != b.len) {
        snprintf(err, errlen, "%s: not valid UTF-8 text", path);
        e = ERR_UTF8;
        goto out;
    }
    *out = buf_detach(&b);
out:
    if (f)
        fclose(f);
    buf_cleanup(&b);
    free(path);
    return e;
}

enum err prompt_templates_load(const char *dir, struct prompt_templates *out, char *err,
                               size_t errlen)
{
    memset(out, 0, sizeof *out);
    enum err e = prompt_template_read(dir, "system.txt", &out->system, err, errlen);
    if (e == ERR_OK)
        e = prompt_template_read(dir, "user.txt", &out->user, err, errlen);
    if (e != ERR_OK)
        prompt_templates_cleanup(out);
    return e;
}

void prompt_templates_cleanup(struct prompt_templates *t)
{
    free(t->system);
    free(t->user);
    t->system = NULL;
    t->user = NULL;
}

/* ---- passages as data -------------------------------------------------------------------- */

static bool starts_with_ci(const char *s, size_t len, const char *prefix)
{
    size_t pl = strlen(prefix);
    if (len < pl)
        return false;
    for (size_t i = 0; i < pl; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != prefix[i])
            return false;
    }
    return true;
}

/* Attribute values: one line, no quotes or angle brackets. */
static void append_attr(struct buf *b, const char *s)
{
    for (const char *p = s ? s : ""; *p; p++) {
        switch (*p) {
        case '"': (void)buf_append_str(b, "&quot;"); break;
        case '<': (void)buf_append_str(b, "&lt;"); break;
        case '>': (void)buf_append_str(b, "&gt;"); break;
        case '&': (void)buf_append_str(b, "&amp;"); break;
        case '\n':
        case '\r':
        case '\t': (void)buf_append_char(b, ' '); break;
        default: (void)buf_append_char(b, *p);
        }
    }
}

/* Cuts at most max bytes at a character boundary. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t cut = max;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
        cut--;
    return cut;
}

char *prompt_format_passage(const struct prompt_passage *p, size_t max_text_len)
{
    struct buf b;
    buf_init(&b, PROMPT_MAX_LEN);
    (void)buf_printf(&b, "<passage n=\"%d\" title=\"", p->number);
    append_attr(&b, p->title);
    (void)buf_append_char(&b, '"');
    if (p->heading && *p->heading) {
        (void)buf_append_str(&b, " section=\"");
        append_attr(&b, p->heading);
        (void)buf_append_char(&b, '"');
    }
    (void)buf_append_str(&b, ">\n");
    const char *text = p->text ? p->text : "";
    size_t len = strlen(text);
    size_t keep = utf8_cut(text, len, max_text_len);
    for (size_t i = 0; i < keep; i++) {
        /* Defuse anything that looks like our own delimiters, whatever the case. */
        if (text[i] == '<' && (starts_with_ci(text + i + 1, keep - i - 1, "passage") ||
                               starts_with_ci(text + i + 1, keep - i - 1, "/passage"))) {
            (void)buf_append_str(&b, "&lt;");
            continue;
        }
        (void)buf_append_char(&b, text[i]);
    }
    if (keep < len)
        (void)buf_append_str(&b, " [...]");
    (void)buf_append_str(&b, "\n</passage>");
    return buf_detach(&b);
}

/* ---- assembly ---------------------------------------------------------------------------- */

struct slot {
    const char *name;
    const char *value;
};

static char *substitute(const char *tmpl, const struct slot *slots, size_t slot_count)
{
    struct buf b;
    buf_init(&b, PROMPT_MAX_LEN);
    const char *p = tmpl;
    while (*p) {
        const char *open = strstr(p, "{{");
        if (!open) {
            (void)buf_append_str(&b, p);
            break;
        }
        (void)buf_append(&b, p, (size_t)(open - p));
        const struct slot *hit = NULL;
        for (size_t i = 0; i < slot_count && !hit; i++) {
            size_t nl = strlen(slots[i].name);
            if (strncmp(open + 2, slots[i].name, nl) == 0 && strncmp(open + 2 + nl, "}}", 2) == 0)
                hit = &slots[i];
        }
        if (hit) {
            (void)buf_append_str(&b, hit->value);
            p = open + 4 + strlen(hit->name);
        } else {
            (void)buf_append(&b, open, 2);
            p = open + 2;
        }
    }
    return buf_detach(&b);
}

static const char *own(struct prompt *p, char *s)
{
    p->owned = xreallocarray(p->owned, p->owned_count + 1, sizeof *p->owned);
    p->owned[p->owned_count++] = s;
    return s;
}

static void add_message(struct prompt *p, enum llm_role role, const char *content)
{
    p->messages = xreallocarray(p->messages, p->count + 1, sizeof *p->messages);
    p->messages[p->count++] = (struct llm_message){.role = role, .content = content};
    p->total_len += strlen(content);
}

enum err prompt_build(const struct prompt_templates *t, const struct prompt_input *in,
                      struct prompt *out)
{
    memset(out, 0, sizeof *out);
    if (!t || !t->system || !t->user || !in || !in->question)
        return ERR_INVALID;
    size_t budget = in->budget_len ? in->budget_len : PROMPT_DEFAULT_BUDGET;
    char count_text[24];

    /* The fixed part: system prompt and the user message without passages. */
    snprintf(count_text, sizeof count_text, "%zu", in->passage_count);
    struct slot slots[] = {
        {"passages", ""}, {"question", in->question}, {"passage_count", count_text}};
    char *bare = substitute(t->user, slots, 3);
    size_t fixed = strlen(t->system) + strlen(bare);
    free(bare);
    if (fixed > budget)
        return ERR_TOO_LARGE;
    size_t left = budget - fixed;

    struct buf passages;
    buf_init(&passages, PROMPT_MAX_LEN);
    for (size_t i = 0; i < in->passage_count; i++) {
        size_t sep = i ? 2 : 0;
        char *block = prompt_format_passage(&in->passages[i], PROMPT_MAX_LEN);
        size_t blen = strlen(block);
        if (blen + sep > left) {
            free(block);
            out->is_truncated = true;
            if (i == 0 && left >= PROMPT_MIN_PASSAGE) {
                /* Better a cut best passage than none: shrink its text to what fits. */
                size_t overhead = blen - strlen(in->passages[i].text ? in->passages[i].text : "");
                size_t room = left > overhead + 16 ? left - overhead - 16 : 0;
                block = prompt_format_passage(&in->passages[i], room);
                blen = strlen(block);
                if (blen <= left) {
                    (void)buf_append(&passages, block, blen);
                    left -= blen;
                    out->passages_used = 1;
                }
                free(block);
            }
            break;
        }
        if (sep)
            (void)buf_append_str(&passages, "\n\n");
        (void)buf_append(&passages, block, blen);
        free(block);
        left -= blen + sep;
        out->passages_used = i + 1;
    }
    if (out->passages_used < in->passage_count)
        out->is_truncated = true;

    /* Recent turns, newest first, in what is left. */
    size_t first_turn = in->history_count;
    char **answers = in->history_count ? xcalloc(in->history_count, sizeof *answers) : NULL;
    for (size_t k = in->history_count; k-- > 0;) {
        const struct prompt_turn *turn = &in->history[k];
        if (!turn->question || !turn->answer)
            continue;
        size_t alen = strlen(turn->answer);
        size_t keep = utf8_cut(turn->answer, alen, PROMPT_HISTORY_ANSWER_MAX);
        answers[k] = keep < alen ? xasprintf("%.*s [...]", (int)keep, turn->answer)
                                 : xstrdup(turn->answer);
        size_t need = strlen(turn->question) + strlen(answers[k]);
        if (need > left) {
            free(answers[k]);
            answers[k] = NULL;
            out->is_truncated = true;
            break;
        }
        left -= need;
        first_turn = k;
        out->history_used++;
    }

    add_message(out, LLM_ROLE_SYSTEM, own(out, xstrdup(t->system)));
    for (size_t k = first_turn; k < in->history_count; k++) {
        if (!answers[k])
            continue;
        add_message(out, LLM_ROLE_USER, own(out, xstrdup(in->history[k].question)));
        add_message(out, LLM_ROLE_ASSISTANT, own(out, answers[k]));
        answers[k] = NULL;
    }
    for (size_t k = 0; k < in->history_count; k++)
        free(answers[k]);
    free(answers);

    snprintf(count_text, sizeof count_text, "%zu", out->passages_used);
    slots[0].value = buf_str(&passages);
    add_message(out, LLM_ROLE_USER, own(out, substitute(t->user, slots, 3)));
    buf_cleanup(&passages);
    return ERR_OK;
}

void prompt_cleanup(struct prompt *p)
{
    for (size_t i = 0; i < p->owned_count; i++)
        free(p->owned[i]);
    free(p->owned);
    free(p->messages);
    memset(p, 0, sizeof *p);
}
