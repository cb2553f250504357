/* learning_ask: the personal-learning classifier and the record's offline answer. */
#include "core/learning_ask.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/utf8.h"

/* --- classifier ---------------------------------------------------------------------------- */

enum { WORDS_MAX = 160, WORD_LEN = 32 };

struct words {
    char w[WORDS_MAX][WORD_LEN];
    size_t count;
};

/* Lower-case ASCII words; any other byte separates (an apostrophe too: "what's" -> "what",
 * "s"; "I've" -> "i", "ve"). */
static void split_words(const char *s, struct words *out)
{
    out->count = 0;
    size_t len = 0;
    for (const char *p = s;; p++) {
        char c = *p;
        bool is_word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (is_word && len + 1 < WORD_LEN && out->count < WORDS_MAX) {
            out->w[out->count][len++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
            continue;
        }
        if (is_word)
            continue; /* an overlong word: the rest is dropped */
        if (len && out->count < WORDS_MAX) {
            out->w[out->count][len] = '\0';
            out->count++;
        }
        len = 0;
        if (!c)
            break;
    }
}

static bool in_list(const char *w, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(w, list[i]) == 0)
            return true;
    return false;
}

/* Index of the first word in list at or after from, or -1. */
static long find(const struct words *ws, const char *const *list, size_t from)
{
    for (size_t i = from; i < ws->count; i++)
        if (in_list(ws->w[i], list))
            return (long)i;
    return -1;
}

static bool has(const struct words *ws, const char *const *list)
{
    return find(ws, list, 0) >= 0;
}

/* A word of a followed by a word of b at most gap words later. */
static bool near(const struct words *ws, const char *const *a, const char *const *b, size_t gap)
{
    for (size_t i = 0; i < ws->count; i++) {
        if (!in_list(ws->w[i], a))
            continue;
        for (size_t k = i + 1; k < ws->count && k <= i + gap + 1; k++)
            if (in_list(ws->w[k], b))
                return true;
    }
    return false;
}

static const char *const SELF[] = {"i", "me", "my", "mine", "myself", NULL};
static const char *const MY[] = {"my", NULL};
static const char *const I_[] = {"i", NULL};
static const char *const ASKING[] = {"did", "have", "has", NULL};
/* Questions about money or rules that happen to name a course stay with the knowledge base. */
static const char *const VETO[] = {"expense",  "expenses", "reimburse", "reimbursed", "refund",
                                   "refunded", "pay",      "paid",      "cost",       "costs",
                                   "fee",      "fees",     "budget",    "allowance",  "salary",
                                   "policy",   "money",    "price",     "invoice",    NULL};

static const char *const ASSESS[] = {"assessment", "assessments", "quiz",  "quizzes",       "exam",
                                     "exams",      "test",        "tests", "certification", NULL};
static const char *const OUTCOME_PAST[] = {"failed", "passed", "scored",  "score",
                                           "scores", "result", "results", "grade",
                                           "grades", "marks",  NULL};
static const char *const OUTCOME_VERB[] = {"fail", "pass", "score", NULL};

static const char *const HOW[] = {"how", NULL};
static const char *const LONG[] = {"long", NULL};
static const char *const SPENT[] = {"spent", "spend", "spending", NULL};
static const char *const STUDYING[] = {"learning", "studying", "reading", "study", NULL};
static const char *const TIME_WORDS[] = {"time", "hours", "minutes", NULL};

static const char *const NEXT_WORDS[] = {
    "next",    "recommend", "recommended", "recommendation", "recommendations",
    "suggest", "suggested", "suggestion",  "suggestions",    NULL};
static const char *const LEARN_WORDS[] = {"learn",   "learning", "study",  "studying", "course",
                                          "courses", "skill",    "skills", "lesson",   "lessons",
                                          "read",    "training", "take",   NULL};
static const char *const SHOULD[] = {"should", NULL};
static const char *const LEARN_VERB[] = {"learn", "study", "read", NULL};
static const char *const START[] = {"start", "begin", NULL};

static const char *const PROGRESS_NOUNS[] = {"progress", "completion", "courses", "skills",
                                             "streak",   "level",      "levels",  NULL};
/* Only right after "my": "my learning", not "my machine learning model". */
static const char *const MY_NOUNS[] = {"learning", "dashboard", "record",
                                       "velocity", "status",    NULL};
static const char *const DONE_WORDS[] = {"completed", "finished", "done",
                                         "complete",  "finish",   NULL};
static const char *const DONE_OBJECTS[] = {"course", "courses",  "lesson", "lessons", "skill",
                                           "skills", "training", "what",   "which",   NULL};
static const char *const DOING[] = {"doing", NULL};
static const char *const FAR[] = {"far", NULL};

enum learning_ask_topic learning_ask_classify(const char *question)
{
    if (!question)
        return LEARNING_ASK_NONE;
    struct words *ws = xcalloc(1, sizeof *ws);
    split_words(question, ws);
    enum learning_ask_topic t = LEARNING_ASK_NONE;
    if (!has(ws, SELF) || has(ws, VETO))
        goto out;
    /* "Which assessments did I fail?", "my test results", "did I pass the quiz?" */
    if ((has(ws, ASSESS) && (has(ws, OUTCOME_PAST) || near(ws, MY, ASSESS, 2))) ||
        (near(ws, ASKING, I_, 0) && has(ws, OUTCOME_VERB)) || near(ws, MY, OUTCOME_PAST, 2) ||
        (near(ws, I_, OUTCOME_PAST, 0) && !has(ws, LEARN_WORDS))) {
        t = LEARNING_ASK_ASSESSMENTS;
        goto out;
    }
    /* "How long have I spent on Python?", "how much time did I spend learning" */
    if ((has(ws, SPENT) && (near(ws, HOW, LONG, 0) || has(ws, TIME_WORDS) || has(ws, STUDYING))) ||
        (near(ws, MY, STUDYING, 1) && has(ws, TIME_WORDS))) {
        t = LEARNING_ASK_TIME;
        goto out;
    }
    /* "What should I learn next?", "recommend me a course", "where do I start learning?" */
    if ((has(ws, NEXT_WORDS) && has(ws, LEARN_WORDS)) || near(ws, SHOULD, LEARN_VERB, 2) ||
        (has(ws, START) && near(ws, I_, START, 1) && has(ws, LEARN_WORDS))) {
        t = LEARNING_ASK_NEXT;
        goto out;
    }
    /* "What's my progress?", "how am I doing?", "which courses have I completed?" */
    if (near(ws, MY, PROGRESS_NOUNS, 2) || near(ws, MY, MY_NOUNS, 0) ||
        (has(ws, DOING) && near(ws, HOW, (const char *const[]){"am", NULL}, 0)) ||
        (near(ws, HOW, FAR, 0) && has(ws, I_)) ||
        (has(ws, DONE_WORDS) && near(ws, ASKING, I_, 0) && has(ws, DONE_OBJECTS)) ||
        (has(ws, (const char *const[]){"progress", NULL}) && has(ws, I_))) {
        t = LEARNING_ASK_PROGRESS;
        goto out;
    }
out:
    free(ws);
    return t;
}

const char *learning_ask_topic_name(enum learning_ask_topic topic)
{
    switch (topic) {
    case LEARNING_ASK_PROGRESS:
        return "progress";
    case LEARNING_ASK_NEXT:
        return "next";
    case LEARNING_ASK_ASSESSMENTS:
        return "assessments";
    case LEARNING_ASK_TIME:
        return "time";
    case LEARNING_ASK_NONE:
        break;
    }
    return "none";
}

/* --- the record ---------------------------------------------------------------------------- */

static char *line_dup(const struct json_node *n, const char *def)
{
    char *s = json_str_dup(n, def);
    if (!s)
        return NULL;
    char *line = utf8_sanitize_line(s, strlen(s), NULL);
    free(s);
    return line;
}

static enum err open_summary(const char *json, size_t len, struct json_doc **doc)
{
    *doc = NULL;
    if (!json)
        return ERR_INVALID;
    enum err e = json_doc_parse(json, len, doc);
    if (e != ERR_OK)
        return e;
    if (!json_get(json_doc_root(*doc), "figures")) {
        json_doc_free(*doc);
        *doc = NULL;
        return ERR_INVALID;
    }
    return ERR_OK;
}

enum err learning_ask_passage(const char *json, size_t len, char **heading, char **text)
{
    *heading = NULL;
    *text = NULL;
    struct json_doc *doc;
    enum err e = open_summary(json, len, &doc);
    if (e != ERR_OK)
        return e;
    const struct json_node *root = json_doc_root(doc);
    char *as_of = line_dup(json_get(root, "as_of"), "today");
    *heading = xasprintf("as of %s", as_of);
    free(as_of);
    *text = line_dup(json_get(root, "text"), "");
    json_doc_free(doc);
    return ERR_OK;
}

static long num(const struct json_node *n)
{
    double v = json_num(n, 0);
    return v > 0 && v < 1e12 ? (long)(v + 0.5) : 0;
}

static void duration(long s, char *out, size_t outlen)
{
    if (s >= 3600)
        snprintf(out, outlen, "%ld h %02ld min", s / 3600, (s % 3600) / 60);
    else if (s >= 60 || s == 0)
        snprintf(out, outlen, "%ld min", s / 60);
    else
        snprintf(out, outlen, "%ld s", s);
}

static const char *plural(long n)
{
    return n == 1 ? "" : "s";
}

/* Whether text contains word, ignoring ASCII case. */
static bool contains_word(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = text; *p; p++) {
        size_t k = 0;
        while (k < n && p[k]) {
            char a = p[k], b = word[k];
            if (a >= 'A' && a <= 'Z')
                a = (char)(a - 'A' + 'a');
            if (a != b)
                break;
            k++;
        }
        if (k == n)
            return true;
    }
    return false;
}

static void answer_progress(struct buf *b, const struct json_node *root)
{
    const struct json_node *f = json_get(root, "figures");
    long tracked = num(json_get(f, "items_tracked"));
    if (tracked == 0) {
        buf_append_str(b, "- You have not started a course or skill yet; the Progress tab "
                          "shows where to start [1].\n");
        return;
    }
    buf_printf(b, "- Your overall completion is %ld%% over %ld tracked item%s [1].\n",
               num(json_get(f, "overall_completion")), tracked, plural(tracked));
    buf_printf(b,
               "- Courses: %ld completed, %ld in progress; skills: %ld completed, %ld in "
               "progress [1].\n",
               num(json_get(f, "courses_completed")), num(json_get(f, "courses_in_progress")),
               num(json_get(f, "skills_completed")), num(json_get(f, "skills_in_progress")));
    const struct json_node *cs = json_get(root, "courses_in_progress");
    size_t n = json_len(cs);
    if (n) {
        buf_append_str(b, "- In progress: ");
        for (size_t i = 0; i < n && i < 3; i++) {
            const struct json_node *c = json_at(cs, i);
            char *title = line_dup(json_get(c, "title"), "(untitled)");
            char *next = line_dup(json_get(c, "next"), NULL);
            buf_printf(b, "%s%s %ld%%", i ? "; " : "", title, num(json_get(c, "progress")));
            if (next)
                buf_printf(b, " (next: %s)", next);
            free(title);
            free(next);
        }
        buf_append_str(b, " [1].\n");
    }
    long streak = num(json_get(f, "streak_days"));
    long done30 = num(json_get(f, "completed_last_30_days"));
    buf_printf(b, "- Learning streak: %ld day%s; %ld item%s completed in the last 30 days [1].\n",
               streak, plural(streak), done30, plural(done30));
}

static void answer_next(struct buf *b, const struct json_node *root)
{
    const struct json_node *recs = json_get(root, "top_recommendations");
    size_t n = json_len(recs);
    for (size_t i = 0; i < n && i < 3; i++) {
        const struct json_node *r = json_at(recs, i);
        char *title = line_dup(json_get(r, "title"), "(untitled)");
        char *type = line_dup(json_get(r, "type"), "item");
        char *reason = line_dup(json_get(r, "reason"), "");
        size_t rl = strlen(reason);
        while (rl && reason[rl - 1] == '.')
            reason[--rl] = '\0';
        buf_printf(b, "- %s %s (%s): %s [1].\n", i == 0 ? "Recommended next:" : "Also:", title,
                   type, rl ? reason : "recommended for you");
        free(title);
        free(type);
        free(reason);
    }
    const struct json_node *cs = json_get(root, "courses_in_progress");
    for (size_t i = 0; i < json_len(cs) && i < 2; i++) {
        const struct json_node *c = json_at(cs, i);
        char *title = line_dup(json_get(c, "title"), "(untitled)");
        char *next = line_dup(json_get(c, "next"), NULL);
        if (next)
            buf_printf(b, "- To continue %s (%ld%% done), the next lesson is %s [1].\n", title,
                       num(json_get(c, "progress")), next);
        free(title);
        free(next);
    }
    if (b->len == 0 || !strstr(buf_str(b), "[1]"))
        buf_append_str(b, "- Your record holds no recommendation yet; the Recommendations tab "
                          "generates them (r) [1].\n");
}

static void answer_assessments(struct buf *b, const struct json_node *root)
{
    const struct json_node *f = json_get(root, "figures");
    long taken = num(json_get(f, "assessments_taken"));
    long failed = num(json_get(f, "assessments_failed"));
    if (taken == 0) {
        buf_append_str(b, "- You have not taken an assessment yet [1].\n");
        return;
    }
    if (failed == 0) {
        buf_printf(b, "- You took %ld assessment%s and passed %s [1].\n", taken, plural(taken),
                   taken == 1 ? "it" : "all of them");
        return;
    }
    buf_printf(b, "- You took %ld assessment%s; %ld %s below the pass mark [1].\n", taken,
               plural(taken), failed, failed == 1 ? "is" : "are");
    const struct json_node *fl = json_get(root, "failed_assessments");
    for (size_t i = 0; i < json_len(fl) && i < 5; i++) {
        const struct json_node *a = json_at(fl, i);
        char *title = line_dup(json_get(a, "title"), "(untitled)");
        char *when = line_dup(json_get(a, "completed_at"), NULL);
        if (when && strlen(when) > 10)
            when[10] = '\0';
        buf_printf(b, "- %s: %ld, pass mark %ld%s%s [1].\n", title, num(json_get(a, "score")),
                   num(json_get(a, "passing_score")), when ? ", taken on " : "", when ? when : "");
        free(title);
        free(when);
    }
}

/* Words of the question that may name a topic ("Python"): not the asking or time words. */
static const char *const NOT_TOPIC[] = {
    "how",     "long",     "much",     "many",    "time",     "have",    "has",     "did",
    "spent",   "spend",    "spending", "this",    "that",     "month",   "week",    "year",
    "today",   "learning", "learnt",   "learned", "studying", "studied", "reading", "hours",
    "minutes", "total",    "what",     "which",   "on",       "in",      "my",      "me",
    "the",     "and",      "for",      "with",    "about",    "been",    "far",     "last",
    "past",    "so",       "courses",  "course",  "content",  "lessons", "lesson",  "i",
    "ve",      "am",       "is",       "was",     "a",        "an",      "of",      "to",
    "do",      "does",     "at",       NULL};

static void answer_time(struct buf *b, const char *question, const struct json_node *root)
{
    const struct json_node *f = json_get(root, "figures");
    char d[48];
    long month = num(json_get(f, "time_this_month_seconds"));
    const struct json_node *topics = json_get(root, "time_this_month");
    struct words *ws = xcalloc(1, sizeof *ws);
    split_words(question, ws);
    bool named = false;
    for (size_t w = 0; w < ws->count; w++) {
        if (strlen(ws->w[w]) < 3 || in_list(ws->w[w], NOT_TOPIC))
            continue;
        long sum = 0;
        struct buf parts;
        buf_init(&parts, 16 * 1024);
        for (size_t i = 0; i < json_len(topics); i++) {
            const struct json_node *t = json_at(topics, i);
            char *name = line_dup(json_get(t, "topic"), "");
            if (contains_word(name, ws->w[w])) {
                long s = num(json_get(t, "seconds"));
                sum += s;
                duration(s, d, sizeof d);
                buf_printf(&parts, "%s%s %s", parts.len ? ", " : "", name, d);
            }
            free(name);
        }
        if (sum > 0) {
            duration(sum, d, sizeof d);
            buf_printf(b, "- This month you spent %s on \"%s\": %s [1].\n", d, ws->w[w],
                       buf_str(&parts));
        } else {
            buf_printf(b, "- No learning time on \"%s\" is recorded this month [1].\n", ws->w[w]);
        }
        buf_cleanup(&parts);
        named = true;
        break; /* the first topic word names the subject */
    }
    free(ws);
    duration(month, d, sizeof d);
    if (month > 0)
        buf_printf(b, "- %s %s learning this month in all [1].\n",
                   named ? "You spent" : "This month you spent", d);
    else
        buf_append_str(b, "- No learning time is recorded this month [1].\n");
    if (!named && json_len(topics)) {
        buf_append_str(b, "- By topic: ");
        for (size_t i = 0; i < json_len(topics) && i < 5; i++) {
            const struct json_node *t = json_at(topics, i);
            char *name = line_dup(json_get(t, "topic"), "");
            duration(num(json_get(t, "seconds")), d, sizeof d);
            buf_printf(b, "%s%s %s", i ? ", " : "", name, d);
            free(name);
        }
        buf_append_str(b, " [1].\n");
    }
    char d12[48], dall[48];
    duration(num(json_get(f, "time_last_12_weeks_seconds")), d12, sizeof d12);
    duration(num(json_get(f, "time_total_seconds")), dall, sizeof dall);
    buf_printf(b, "- In the last 12 weeks: %s; in total: %s [1].\n", d12, dall);
}

enum err learning_ask_answer(enum learning_ask_topic topic, const char *question, const char *json,
                             size_t len, char **out)
{
    *out = NULL;
    struct json_doc *doc;
    enum err e = open_summary(json, len, &doc);
    if (e != ERR_OK)
        return e;
    const struct json_node *root = json_doc_root(doc);
    struct buf body;
    buf_init(&body, 256 * 1024);
    switch (topic) {
    case LEARNING_ASK_NEXT:
        answer_next(&body, root);
        break;
    case LEARNING_ASK_ASSESSMENTS:
        answer_assessments(&body, root);
        break;
    case LEARNING_ASK_TIME:
        answer_time(&body, question ? question : "", root);
        break;
    case LEARNING_ASK_PROGRESS:
    case LEARNING_ASK_NONE:
        answer_progress(&body, root);
        break;
    }
    json_doc_free(doc);
    struct buf b;
    buf_init(&b, 256 * 1024);
    buf_printf(&b, "%s\n\n%s", LEARNING_ASK_HEADER, buf_str(&body));
    buf_cleanup(&body);
    /* Drop the last newline, like the extractive answer. */
    if (b.len && b.data[b.len - 1] == '\n')
        b.data[--b.len] = '\0';
    *out = buf_detach(&b);
    return ERR_OK;
}
