/* authoring: parsing the authoring API's JSON, editing questions, the checks and the save
 * document of an assessment. */
#include "core/authoring.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/json_out.h"
#include "core/mem.h"
#include "core/utf8.h"

const char *const authoring_review_policies[] = {"after_close", "after_submit", "never", NULL};
const char *const authoring_layouts[] = {"one_per_page", "all_on_one", NULL};
const char *const authoring_difficulties[] = {"", "beginner", "intermediate", "advanced", NULL};

/* --- small helpers ------------------------------------------------------------------------- */

/* A one-line, safe copy of s (len bytes) cut at AUTHORING_TEXT_MAX on a character boundary. */
static char *line_dup(const char *s, size_t len)
{
    if (len > AUTHORING_TEXT_MAX)
        len = utf8_prev(s, len, AUTHORING_TEXT_MAX + 1);
    return utf8_sanitize_line(s, len, NULL);
}

static char *label(const struct json_node *n, const char *def)
{
    char *s = json_str_dup(n, def);
    if (!s)
        return NULL;
    char *line = line_dup(s, strlen(s));
    free(s);
    return line;
}

static bool is_blank(const char *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t')
            return false;
    return true;
}

static bool in_list(const char *const *list, const char *s)
{
    for (size_t i = 0; list[i]; i++)
        if (s && strcmp(list[i], s) == 0)
            return true;
    return false;
}

/* --- parsing ------------------------------------------------------------------------------- */

enum err authoring_list_parse(const char *text, size_t len, struct authoring_list **out)
{
    *out = NULL;
    struct json_doc *doc;
    enum err e = json_doc_parse(text, len, &doc);
    if (e != ERR_OK)
        return e;
    const struct json_node *items = json_get(json_doc_root(doc), "items");
    if (!json_is_array(items)) {
        json_doc_free(doc);
        return ERR_INVALID;
    }
    struct authoring_list *l = xcalloc(1, sizeof *l);
    l->count = json_len(items);
    l->items = xcalloc(l->count ? l->count : 1, sizeof *l->items);
    for (size_t i = 0; i < l->count; i++) {
        const struct json_node *n = json_at(items, i);
        struct authoring_item *it = &l->items[i];
        it->id = json_str_dup(json_get(n, "id"), "");
        it->title = label(json_get(n, "title"), "");
        it->difficulty = label(json_get(n, "difficulty"), "");
        it->review_policy = label(json_get(n, "review_policy"), "");
        it->layout = label(json_get(n, "layout"), "");
        it->updated_at = label(json_get(n, "updated_at"), "");
        if (strlen(it->updated_at) >= 16 && it->updated_at[10] == 'T') {
            it->updated_at[10] = ' ';
            it->updated_at[16] = '\0';
        }
        it->time_limit = (int)json_num(json_get(n, "time_limit"), 0);
        it->max_attempts = (int)json_num(json_get(n, "max_attempts"), 0);
        it->questions = (int)json_num(json_get(n, "questions"), 0);
        it->passing_score = json_num(json_get(n, "passing_score"), 0);
        it->can_edit = json_bool(json_get(n, "can_edit"), 0) != 0;
    }
    json_doc_free(doc);
    *out = l;
    return ERR_OK;
}

void authoring_list_free(struct authoring_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->count; i++) {
        struct authoring_item *it = &l->items[i];
        free(it->id), free(it->title), free(it->difficulty), free(it->review_policy);
        free(it->layout), free(it->updated_at);
    }
    free(l->items);
    free(l);
}

static void doc_reserve(struct authoring_doc *d, size_t count)
{
    d->questions = xreallocarray(d->questions, count ? count : 1, sizeof *d->questions);
}

static struct authoring_doc *doc_from(const struct json_node *n)
{
    struct authoring_doc *d = xcalloc(1, sizeof *d);
    d->id = json_str_dup(json_get(n, "id"), "");
    d->updated_at = json_str_dup(json_get(n, "updated_at"), "");
    d->title = label(json_get(n, "title"), "");
    d->description = label(json_get(n, "description"), "");
    d->difficulty = label(json_get(n, "difficulty"), "");
    if (!in_list(authoring_difficulties, d->difficulty)) {
        free(d->difficulty);
        d->difficulty = xstrdup("");
    }
    d->time_limit = (long)json_num(json_get(n, "time_limit"), 0);
    d->passing_score = json_num(json_get(n, "passing_score"), 70);
    d->max_attempts = (long)json_num(json_get(n, "max_attempts"), 1);
    d->review_policy = label(json_get(n, "review_policy"), "after_close");
    d->layout = label(json_get(n, "layout"), "one_per_page");
    d->can_edit = json_bool(json_get(n, "can_edit"), 0) != 0;
    const struct json_node *qs = json_get(n, "questions");
    size_t count = json_len(qs);
    if (count > AUTHORING_QUESTIONS_MAX)
        count = AUTHORING_QUESTIONS_MAX;
    doc_reserve(d, count);
    for (size_t i = 0; i < count; i++) {
        const struct json_node *q = json_at(qs, i);
        struct authoring_question *x = &d->questions[d->count++];
        memset(x, 0, sizeof *x);
        x->id = json_str_dup(json_get(q, "id"), "");
        x->text = label(json_get(q, "question"), "");
        const struct json_node *opts = json_get(q, "options");
        for (size_t k = 0; k < json_len(opts) && x->option_count < AUTHORING_OPTIONS_MAX; k++)
            x->options[x->option_count++] = label(json_at(opts, k), "");
        const struct json_node *c = json_get(q, "correct");
        double v = json_num(c, -1);
        x->correct = c && v >= 0 && v < (double)x->option_count && v == floor(v) ? (int)v : -1;
        if (c)
            d->has_keys = true;
        x->explanation = label(json_get(q, "explanation"), "");
    }
    return d;
}

enum err authoring_doc_parse(const char *text, size_t len, struct authoring_doc **out)
{
    *out = NULL;
    struct json_doc *doc;
    enum err e = json_doc_parse(text, len, &doc);
    if (e != ERR_OK)
        return e;
    const struct json_node *root = json_doc_root(doc);
    if (!json_is_object(root) || !json_get(root, "title")) {
        json_doc_free(doc);
        return ERR_INVALID;
    }
    *out = doc_from(root);
    json_doc_free(doc);
    return ERR_OK;
}

void authoring_question_cleanup(struct authoring_question *q)
{
    free(q->id), free(q->text), free(q->explanation);
    for (size_t k = 0; k < q->option_count; k++)
        free(q->options[k]);
    memset(q, 0, sizeof *q);
    q->correct = -1;
}

void authoring_doc_free(struct authoring_doc *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->count; i++)
        authoring_question_cleanup(&d->questions[i]);
    free(d->questions);
    free(d->id), free(d->updated_at), free(d->title), free(d->description);
    free(d->difficulty), free(d->review_policy), free(d->layout);
    free(d);
}

enum err authoring_save_reply_parse(const char *text, size_t len, struct authoring_save_reply **out)
{
    *out = NULL;
    struct json_doc *doc;
    enum err e = json_doc_parse(text, len, &doc);
    if (e != ERR_OK)
        return e;
    const struct json_node *root = json_doc_root(doc);
    struct authoring_save_reply *r = xcalloc(1, sizeof *r);
    r->is_conflict = json_bool(json_get(root, "conflict"), 0) != 0;
    if (r->is_conflict) {
        const struct json_node *cur = json_get(root, "current");
        if (json_is_object(cur))
            r->current = doc_from(cur);
    } else {
        r->id = json_str_dup(json_get(root, "id"), NULL);
        r->updated_at = json_str_dup(json_get(root, "updated_at"), NULL);
    }
    json_doc_free(doc);
    if ((r->is_conflict && !r->current) || (!r->is_conflict && (!r->id || !r->updated_at))) {
        authoring_save_reply_free(r);
        return ERR_INVALID;
    }
    *out = r;
    return ERR_OK;
}

void authoring_save_reply_free(struct authoring_save_reply *r)
{
    if (!r)
        return;
    authoring_doc_free(r->current);
    free(r->id), free(r->updated_at);
    free(r);
}

struct authoring_doc *authoring_doc_new(void)
{
    struct authoring_doc *d = xcalloc(1, sizeof *d);
    d->id = xstrdup("");
    d->updated_at = xstrdup("");
    d->title = xstrdup("");
    d->description = xstrdup("");
    d->difficulty = xstrdup("");
    d->time_limit = 20;
    d->passing_score = 70;
    d->max_attempts = 1;
    d->review_policy = xstrdup("after_close");
    d->layout = xstrdup("one_per_page");
    d->can_edit = true;
    d->has_keys = true;
    doc_reserve(d, 0);
    return d;
}

/* --- questions ------------------------------------------------------------------------------ */

long authoring_question_insert(struct authoring_doc *d, size_t at)
{
    if (d->count >= AUTHORING_QUESTIONS_MAX)
        return -1;
    if (at > d->count)
        at = d->count;
    doc_reserve(d, d->count + 1);
    memmove(&d->questions[at + 1], &d->questions[at], (d->count - at) * sizeof *d->questions);
    struct authoring_question *q = &d->questions[at];
    memset(q, 0, sizeof *q);
    q->id = xstrdup("");
    q->text = xstrdup("");
    q->options[0] = xstrdup("");
    q->options[1] = xstrdup("");
    q->option_count = 2;
    q->correct = -1;
    q->explanation = xstrdup("");
    d->count++;
    return (long)at;
}

long authoring_question_append(struct authoring_doc *d, struct authoring_question *q)
{
    if (d->count >= AUTHORING_QUESTIONS_MAX) {
        authoring_question_cleanup(q);
        return -1;
    }
    doc_reserve(d, d->count + 1);
    d->questions[d->count] = *q;
    struct authoring_question *x = &d->questions[d->count];
    if (!x->id)
        x->id = xstrdup("");
    if (!x->text)
        x->text = xstrdup("");
    if (!x->explanation)
        x->explanation = xstrdup("");
    memset(q, 0, sizeof *q);
    q->correct = -1;
    return (long)d->count++;
}

void authoring_question_delete(struct authoring_doc *d, size_t i)
{
    if (i >= d->count)
        return;
    authoring_question_cleanup(&d->questions[i]);
    memmove(&d->questions[i], &d->questions[i + 1], (d->count - i - 1) * sizeof *d->questions);
    d->count--;
}

size_t authoring_question_move(struct authoring_doc *d, size_t i, long delta)
{
    if (i >= d->count)
        return i;
    long to = (long)i + delta;
    if (to < 0)
        to = 0;
    if (to >= (long)d->count)
        to = (long)d->count - 1;
    struct authoring_question q = d->questions[i];
    if ((size_t)to > i)
        memmove(&d->questions[i], &d->questions[i + 1], ((size_t)to - i) * sizeof q);
    else
        memmove(&d->questions[to + 1], &d->questions[to], (i - (size_t)to) * sizeof q);
    d->questions[to] = q;
    return (size_t)to;
}

void authoring_question_set(struct authoring_doc *d, size_t i, const char *text,
                            const char *const *options, size_t count, int correct,
                            const char *explanation)
{
    if (i >= d->count)
        return;
    struct authoring_question *q = &d->questions[i];
    char *id = q->id;
    q->id = NULL;
    authoring_question_cleanup(q);
    q->id = id;
    q->text = line_dup(text ? text : "", strlen(text ? text : ""));
    q->correct = -1;
    for (size_t k = 0; k < count && q->option_count < AUTHORING_OPTIONS_MAX; k++) {
        if (!options[k] || is_blank(options[k]))
            continue;
        if ((int)k == correct)
            q->correct = (int)q->option_count;
        q->options[q->option_count++] = line_dup(options[k], strlen(options[k]));
    }
    q->explanation =
        line_dup(explanation ? explanation : "", strlen(explanation ? explanation : ""));
    q->is_draft = false;
}

/* --- checks ------------------------------------------------------------------------------- */

static bool fail(char *msg, size_t msglen, long *question, long q, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static bool fail(char *msg, size_t msglen, long *question, long q, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (msglen)
        vsnprintf(msg, msglen, fmt, ap);
    va_end(ap);
    if (question)
        *question = q;
    return false;
}

bool authoring_question_check(const struct authoring_question *q, size_t index, char *msg,
                              size_t msglen)
{
    long n = (long)index + 1;
    if (is_blank(q->text))
        return fail(msg, msglen, NULL, 0, "question %ld: the question has no text", n);
    if (q->option_count < 2)
        return fail(msg, msglen, NULL, 0, "question %ld: at least two options", n);
    for (size_t k = 0; k < q->option_count; k++)
        if (is_blank(q->options[k]))
            return fail(msg, msglen, NULL, 0, "question %ld: an option is empty", n);
    for (size_t k = 0; k < q->option_count; k++)
        for (size_t m = k + 1; m < q->option_count; m++)
            if (strcmp(q->options[k], q->options[m]) == 0)
                return fail(msg, msglen, NULL, 0, "question %ld: two options are the same", n);
    if (q->correct < 0 || (size_t)q->correct >= q->option_count)
        return fail(msg, msglen, NULL, 0, "question %ld: choose the correct answer", n);
    if (q->is_draft)
        return fail(msg, msglen, NULL, 0,
                    "question %ld: a drafted question: review it (Enter) before saving", n);
    return true;
}

bool authoring_check(const struct authoring_doc *d, char *msg, size_t msglen, long *question)
{
    if (msglen)
        msg[0] = '\0';
    if (question)
        *question = -1;
    if (is_blank(d->title))
        return fail(msg, msglen, question, -1, "title: a title is required");
    if (d->time_limit <= 0 || d->time_limit > 99999)
        return fail(msg, msglen, question, -1, "time limit: a positive number of minutes");
    if (!(d->passing_score >= 0 && d->passing_score <= 100))
        return fail(msg, msglen, question, -1, "pass mark: a percentage from 0 to 100");
    if (d->max_attempts < 1 || d->max_attempts > 100)
        return fail(msg, msglen, question, -1, "attempts: from 1 to 100");
    if (!in_list(authoring_review_policies, d->review_policy))
        return fail(msg, msglen, question, -1, "review policy: never, after_submit or after_close");
    if (!in_list(authoring_layouts, d->layout))
        return fail(msg, msglen, question, -1, "layout: one_per_page or all_on_one");
    if (!in_list(authoring_difficulties, d->difficulty))
        return fail(msg, msglen, question, -1, "difficulty: beginner, intermediate or advanced");
    if (d->count == 0)
        return fail(msg, msglen, question, -1, "questions: at least one question");
    for (size_t i = 0; i < d->count; i++)
        if (!authoring_question_check(&d->questions[i], i, msg, msglen)) {
            if (question)
                *question = (long)i;
            return false;
        }
    return true;
}

enum err authoring_doc_json(const struct authoring_doc *d, char **json)
{
    struct json_out j;
    json_out_init(&j, 8u << 20);
    json_out_object_begin(&j);
    json_out_key(&j, "title");
    json_out_string(&j, d->title);
    json_out_key(&j, "description");
    json_out_string(&j, d->description && d->description[0] ? d->description : NULL);
    json_out_key(&j, "difficulty");
    json_out_string(&j, d->difficulty && d->difficulty[0] ? d->difficulty : NULL);
    json_out_key(&j, "time_limit");
    json_out_int(&j, d->time_limit);
    json_out_key(&j, "passing_score");
    json_out_number(&j, d->passing_score);
    json_out_key(&j, "max_attempts");
    json_out_int(&j, d->max_attempts);
    json_out_key(&j, "review_policy");
    json_out_string(&j, d->review_policy);
    json_out_key(&j, "layout");
    json_out_string(&j, d->layout);
    json_out_key(&j, "questions");
    json_out_array_begin(&j);
    for (size_t i = 0; i < d->count; i++) {
        const struct authoring_question *q = &d->questions[i];
        json_out_object_begin(&j);
        if (q->id && q->id[0]) {
            json_out_key(&j, "id");
            json_out_string(&j, q->id);
        }
        json_out_key(&j, "question");
        json_out_string(&j, q->text);
        json_out_key(&j, "options");
        json_out_array_begin(&j);
        for (size_t k = 0; k < q->option_count; k++)
            json_out_string(&j, q->options[k]);
        json_out_array_end(&j);
        json_out_key(&j, "correct");
        if (q->correct >= 0)
            json_out_int(&j, q->correct);
        else
            json_out_null(&j);
        json_out_key(&j, "explanation");
        json_out_string(&j, q->explanation && q->explanation[0] ? q->explanation : NULL);
        json_out_object_end(&j);
    }
    json_out_array_end(&j);
    json_out_object_end(&j);
    enum err e = json_out_finish(&j, json);
    json_out_cleanup(&j);
    return e;
}

/* --- the difference between two versions ----------------------------------------------------- */

static void add_line(char ***lines, size_t *count, size_t max, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void add_line(char ***lines, size_t *count, size_t max, const char *fmt, ...)
{
    if (*count >= max)
        return;
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    *lines = xreallocarray(*lines, *count + 1, sizeof **lines);
    (*lines)[(*count)++] = utf8_sanitize_line(tmp, strlen(tmp), NULL);
}

static bool str_eq(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

static bool question_eq(const struct authoring_question *a, const struct authoring_question *b)
{
    if (!str_eq(a->text, b->text) || a->option_count != b->option_count ||
        a->correct != b->correct || !str_eq(a->explanation, b->explanation))
        return false;
    for (size_t k = 0; k < a->option_count; k++)
        if (!str_eq(a->options[k], b->options[k]))
            return false;
    return true;
}

void authoring_doc_diff(const struct authoring_doc *mine, const struct authoring_doc *theirs,
                        size_t max_lines, char ***lines, size_t *count)
{
    *lines = NULL;
    *count = 0;
#define STR_FIELD(name, f)                                                                         \
    if (!str_eq(mine->f, theirs->f))                                                               \
        add_line(lines, count, max_lines, "%s: yours \"%s\", theirs \"%s\"", name, mine->f,        \
                 theirs->f);
#define NUM_FIELD(name, f)                                                                         \
    if (mine->f != theirs->f)                                                                      \
        add_line(lines, count, max_lines, "%s: yours %g, theirs %g", name, (double)mine->f,        \
                 (double)theirs->f);
    STR_FIELD("title", title)
    STR_FIELD("description", description)
    STR_FIELD("difficulty", difficulty)
    NUM_FIELD("time limit (min)", time_limit)
    NUM_FIELD("pass mark (%)", passing_score)
    NUM_FIELD("attempts", max_attempts)
    STR_FIELD("review policy", review_policy)
    STR_FIELD("layout", layout)
#undef STR_FIELD
#undef NUM_FIELD
    size_t n = mine->count > theirs->count ? mine->count : theirs->count;
    for (size_t i = 0; i < n; i++) {
        if (i >= theirs->count)
            add_line(lines, count, max_lines, "question %zu: only in yours: %s", i + 1,
                     mine->questions[i].text);
        else if (i >= mine->count)
            add_line(lines, count, max_lines, "question %zu: only in theirs: %s", i + 1,
                     theirs->questions[i].text);
        else if (!question_eq(&mine->questions[i], &theirs->questions[i]))
            add_line(lines, count, max_lines, "question %zu: yours \"%s\", theirs \"%s\"", i + 1,
                     mine->questions[i].text, theirs->questions[i].text);
    }
    if (*count == 0)
        add_line(lines, count, max_lines ? max_lines : 1,
                 "No difference in what you can see: they saved the same content.");
}
