/* quizgen: the quiz prompt and the reading of a model's questions. */
#include "core/quizgen.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/authoring.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/prompt.h"
#include "core/utf8.h"

enum err quizgen_template_load(const char *assets_dir, char **out, char *err, size_t errlen)
{
    *out = NULL;
    return prompt_template_read(assets_dir ? assets_dir : ".", "quiz.txt", out, err, errlen);
}

char *quizgen_prompt(const char *template_text, const char *const *passages, size_t count,
                     size_t max_questions)
{
    struct buf p;
    buf_init(&p, QUIZGEN_PASSAGES_MAX_LEN + 4096);
    for (size_t i = 0; i < count; i++) {
        if (!passages[i])
            continue;
        size_t len = strlen(passages[i]);
        if (p.len + len + 16 > QUIZGEN_PASSAGES_MAX_LEN && p.len)
            break;
        char *safe = utf8_sanitize(passages[i], len, NULL);
        buf_printf(&p, "[%zu] %s\n\n", i + 1, safe);
        free(safe);
    }
    struct buf out;
    buf_init(&out, PROMPT_TEMPLATE_MAX + QUIZGEN_PASSAGES_MAX_LEN + 8192);
    for (const char *t = template_text; *t;) {
        if (strncmp(t, "{{passages}}", 12) == 0) {
            buf_append(&out, p.data ? p.data : "", p.len);
            t += 12;
        } else if (strncmp(t, "{{count}}", 9) == 0) {
            buf_printf(&out, "%zu", max_questions);
            t += 9;
        } else {
            buf_append_char(&out, *t++);
        }
    }
    buf_cleanup(&p);
    buf_append_str(&out, "");
    return buf_detach(&out);
}

/* --- the reply ------------------------------------------------------------------------------ */

/* The JSON inside text: a fenced block's content, else from the first '{' or '[' to the last
 * '}' or ']'; *doc NULL when nothing parses. */
static void find_json(const char *text, size_t len, struct json_doc **doc)
{
    *doc = NULL;
    const char *fence = len >= 3 ? strstr(text, "```") : NULL;
    if (fence && (size_t)(fence - text) < len) {
        const char *start = strchr(fence, '\n');
        const char *end = start ? strstr(start, "```") : NULL;
        if (start && end && json_doc_parse(start + 1, (size_t)(end - start - 1), doc) == ERR_OK)
            return;
        *doc = NULL;
    }
    /* whichever opens first: an array of questions, or the object around them */
    const char *brace = memchr(text, '{', len), *bracket = memchr(text, '[', len);
    bool array_first = bracket && (!brace || bracket < brace);
    const char *opens = array_first ? "[{" : "{[", *closes = array_first ? "]}" : "}]";
    for (int k = 0; k < 2; k++) {
        const char *a = memchr(text, opens[k], len);
        const char *z = NULL;
        for (const char *p = text + len; p > text; p--)
            if (p[-1] == closes[k]) {
                z = p;
                break;
            }
        if (a && z && z > a && json_doc_parse(a, (size_t)(z - a), doc) == ERR_OK)
            return;
        *doc = NULL;
    }
}

static char *line(const struct json_node *n)
{
    char *s = json_str_dup(n, NULL);
    if (!s)
        return NULL;
    size_t len = strlen(s);
    if (len > AUTHORING_TEXT_MAX)
        len = utf8_prev(s, len, AUTHORING_TEXT_MAX + 1);
    char *l = utf8_sanitize_line(s, len, NULL);
    free(s);
    /* trim */
    size_t a = 0, z = strlen(l);
    while (l[a] == ' ')
        a++;
    while (z > a && l[z - 1] == ' ')
        z--;
    char *t = xstrndup(l + a, z - a);
    free(l);
    return t;
}

/* One question from n into q; false (q cleaned) when it is not usable. */
static bool read_question(const struct json_node *n, struct authoring_question *q)
{
    memset(q, 0, sizeof *q);
    q->correct = -1;
    q->id = xstrdup("");
    q->text = line(json_get(n, "question"));
    if (!q->text)
        q->text = line(json_get(n, "text"));
    const struct json_node *opts = json_get(n, "options");
    size_t count = json_len(opts);
    if (!q->text || count < 2 || count > AUTHORING_OPTIONS_MAX) {
        authoring_question_cleanup(q);
        return false;
    }
    for (size_t k = 0; k < count; k++) {
        char *o = line(json_at(opts, k));
        if (!o) {
            authoring_question_cleanup(q);
            return false;
        }
        q->options[q->option_count++] = o;
    }
    const struct json_node *c = json_get(n, "correct");
    if (!c)
        c = json_get(n, "answer");
    double v = json_num(c, -1);
    if (v >= 0 && v == floor(v) && v < (double)count) {
        q->correct = (int)v;
    } else {
        /* the answer given as the option's text */
        char *want = line(c);
        for (size_t k = 0; want && k < count; k++)
            if (strcmp(want, q->options[k]) == 0)
                q->correct = (int)k;
        free(want);
    }
    q->explanation = line(json_get(n, "explanation"));
    if (!q->explanation)
        q->explanation = xstrdup("");
    char msg[8];
    if (!authoring_question_check(q, 0, msg, sizeof msg)) {
        authoring_question_cleanup(q);
        return false;
    }
    q->is_draft = true;
    return true;
}

enum err quizgen_parse(const char *text, size_t len, size_t max, struct authoring_question **out,
                       size_t *count)
{
    *out = NULL;
    *count = 0;
    if (len > QUIZGEN_REPLY_MAX)
        return ERR_TOO_LARGE;
    char *copy = xstrndup(text, len); /* NUL-terminated for the searches */
    struct json_doc *doc = NULL;
    find_json(copy, strlen(copy), &doc);
    free(copy);
    if (!doc)
        return ERR_INVALID;
    const struct json_node *root = json_doc_root(doc);
    const struct json_node *list = json_is_array(root) ? root : json_get(root, "questions");
    size_t n = json_len(list);
    struct authoring_question *qs = xcalloc(n ? n : 1, sizeof *qs);
    size_t kept = 0;
    for (size_t i = 0; i < n && kept < max; i++)
        if (read_question(json_at(list, i), &qs[kept]))
            kept++;
    json_doc_free(doc);
    *out = qs;
    *count = kept;
    return ERR_OK;
}
