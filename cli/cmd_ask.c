/* cmd_ask.c: `cca ask "question" [--json] [--conversation ID]` (one RAG turn, streamed to the
 * terminal, then its sources) and `cca search "text" [--json] [--type T] [--limit N]
 * [--mode hybrid|vector|fts]` (what retrieval returns, with scores). The work is core/rag and
 * core/retrieve; this file parses arguments and prints. Text bound for a terminal goes
 * through utf8_sanitize; JSON goes through core/json_out.
 * Exit status: 0 answered (or abstained) / results printed, 1 failed (one line on stderr),
 * 2 usage error, 130 cancelled with Ctrl-C. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/embed.h"
#include "core/json_out.h"
#include "core/llm.h"
#include "core/loop.h"
#include "core/mem.h"
#include "core/rag.h"
#include "core/retrieve.h"
#include "core/store.h"
#include "core/unsent.h"
#include "core/utf8.h"
#include "cli/commands.h"

enum {
    ASK_JSON_MAX = 16u << 20,
    SEARCH_LIMIT_MAX = 100,
    SEARCH_SNIPPET_LEN = 200, /* bytes of passage shown per result in text mode */
    ASK_POLL_MS = 100,        /* how often the loop looks at the Ctrl-C flag */
};

static const char *const content_types[] = {"tutorial", "reference", "lesson",
                                            "course",   "skill",     "assessment"};

/* The one piece of signal plumbing here: Ctrl-C during `cca ask` cancels the turn (the
 * partial answer is stored as cancelled) instead of killing the process. */
static volatile sig_atomic_t ask_interrupted;

static void ask_on_sigint(int sig)
{
    (void)sig;
    ask_interrupted = 1;
}

/* ---- shared helpers ------------------------------------------------------------------------ */

/* Writes untrusted text to a stream, sanitised: text output through a pipe still ends on a
 * terminal most of the time (`cca ask ... | cat`, `| less -R`); --json is for programs. */
static void put_text(FILE *out, bool is_tty, const char *s, size_t len)
{
    (void)is_tty;
    size_t clean_len = 0;
    char *clean = utf8_sanitize(s, len, &clean_len);
    fwrite(clean, 1, clean_len, out);
    free(clean);
}

static void put_str(FILE *out, bool is_tty, const char *s)
{
    if (s)
        put_text(out, is_tty, s, strlen(s));
}

static bool parse_limit(const char *s, int *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || !end || *end || end == s || v < 1 || v > SEARCH_LIMIT_MAX)
        return false;
    *out = (int)v;
    return true;
}

static bool is_content_type(const char *t)
{
    for (size_t i = 0; i < sizeof content_types / sizeof content_types[0]; i++)
        if (strcmp(t, content_types[i]) == 0)
            return true;
    return false;
}

static bool needs_llm_client(const struct config *cfg)
{
    return config_has_llm(cfg) ||
           (cfg->embed_provider && strcmp(cfg->embed_provider, "local") != 0);
}

/* Joins the positional words into one question ("cca ask how long is leave" works too). */
static char *join_words(char **words, size_t count)
{
    struct buf b;
    buf_init(&b, 64 * 1024);
    for (size_t i = 0; i < count; i++) {
        if (i)
            (void)buf_append_char(&b, ' ');
        if (buf_append_str(&b, words[i]) != ERR_OK) {
            buf_cleanup(&b);
            return NULL;
        }
    }
    return buf_detach(&b);
}

/* ---- cca ask --------------------------------------------------------------------------------- */

static void ask_usage(FILE *out)
{
    fprintf(out,
            "Usage: cca ask \"QUESTION\" [--json] [--conversation ID]\n\n"
            "Answers from the knowledge base: with a language model configured ([llm]) the\n"
            "answer streams as it is written, otherwise an offline answer quotes the best\n"
            "matching sentences. Sources and a confidence score follow. The question and\n"
            "its answer are saved to your history. Ctrl-C cancels (the partial answer is\n"
            "saved as cancelled).\n\n"
            "  --json             print one JSON object instead: answer, confidence,\n"
            "                     confidence_reasons, abstain, offline, sources,\n"
            "                     processing_time_ms, conversation_id, message_id,\n"
            "                     timings_ms (where the time went: connect, setup,\n"
            "                     store_question, embed, word_stats, vector, full_text,\n"
            "                     answer, store_answer)\n"
            "  --conversation ID  continue a conversation (its recent turns give context)\n\n"
            "If the database cannot be reached the question is kept in\n"
            "$XDG_STATE_HOME/cca/unsent.jsonl (default ~/.local/state/cca/unsent.jsonl).\n\n"
            "Exit status: 0 answered, 1 failed (the reason is on stderr), 2 usage error,\n"
            "130 cancelled.\n");
}

struct ask_run {
    bool is_json;
    bool is_tty;
    bool is_done;
    bool has_output;      /* answer text already went to stdout */
    bool ends_in_newline;
    int status;           /* exit status */
    struct loop *loop;
    double connect_ms;    /* opening the store (connection, session set-up, --user) */
    double setup_ms;      /* the pipeline: embedder, WordNet, prompt templates */
};

static void ask_on_delta(void *userdata, const char *text, size_t len)
{
    struct ask_run *r = userdata;
    if (r->is_json || len == 0)
        return;
    put_text(stdout, r->is_tty, text, len);
    fflush(stdout);
    r->has_output = true;
    r->ends_in_newline = text[len - 1] == '\n';
}

static void timing(struct json_out *j, const char *key, double ms)
{
    json_out_key(j, key);
    json_out_number(j, round(ms * 100) / 100);
}

static void print_answer_json(const struct rag_answer *a, const struct ask_run *r)
{
    struct json_out j;
    json_out_init(&j, ASK_JSON_MAX);
    json_out_object_begin(&j);
    json_out_key(&j, "answer");
    json_out_string(&j, a->text);
    json_out_key(&j, "confidence");
    json_out_number(&j, a->confidence);
    json_out_key(&j, "confidence_reasons");
    json_out_string(&j, a->confidence_reasons);
    json_out_key(&j, "abstain");
    json_out_bool(&j, a->abstain);
    json_out_key(&j, "offline");
    json_out_bool(&j, a->is_offline);
    json_out_key(&j, "sources");
    json_out_array_begin(&j);
    for (size_t i = 0; i < a->source_count; i++) {
        const struct source *s = &a->sources[i];
        json_out_object_begin(&j);
        json_out_key(&j, "n");
        json_out_int(&j, s->number);
        json_out_key(&j, "content_id");
        json_out_string(&j, s->content_id);
        json_out_key(&j, "passage_id");
        json_out_string(&j, s->passage_id);
        json_out_key(&j, "title");
        json_out_string(&j, s->title);
        json_out_key(&j, "heading");
        json_out_string(&j, s->heading);
        json_out_key(&j, "source_path");
        json_out_string(&j, s->source_path);
        json_out_key(&j, "audience"); /* null: everyone */
        json_out_string(&j, s->audience);
        json_out_key(&j, "due_for_review"); /* past its review-by date (the content's trainer
                                               should check it) */
        json_out_bool(&j, s->is_due_for_review);
        json_out_key(&j, "similarity");
        if (s->similarity >= 0)
            json_out_number(&j, s->similarity);
        else
            json_out_null(&j);
        json_out_key(&j, "passage");
        json_out_string(&j, s->text);
        json_out_object_end(&j);
    }
    json_out_array_end(&j);
    json_out_key(&j, "processing_time_ms");
    json_out_int(&j, a->processing_ms);
    json_out_key(&j, "conversation_id");
    json_out_string(&j, a->conversation_id);
    json_out_key(&j, "message_id");
    json_out_string(&j, a->message_id);
    json_out_key(&j, "timings_ms");
    json_out_object_begin(&j);
    timing(&j, "connect", r->connect_ms);
    timing(&j, "setup", r->setup_ms);
    timing(&j, "store_question", a->phases.store_question);
    timing(&j, "embed", a->phases.embed);
    timing(&j, "word_stats", a->phases.word_stats);
    timing(&j, "vector", a->phases.vector);
    timing(&j, "full_text", a->phases.full_text);
    timing(&j, "answer", a->phases.answer);
    timing(&j, "store_answer", a->phases.store_answer);
    json_out_object_end(&j);
    json_out_object_end(&j);
    cli_print_json(&j, "the answer");
}

static void print_sources(const struct rag_answer *a, bool is_tty)
{
    if (a->source_count > 0) {
        fputs("\nSources:\n", stdout);
        for (size_t i = 0; i < a->source_count; i++) {
            const struct source *s = &a->sources[i];
            printf("  [%d] ", s->number);
            put_str(stdout, is_tty, s->title);
            if (s->audience) {
                fputs(" [", stdout);
                put_str(stdout, is_tty, s->audience);
                fputc(']', stdout);
            }
            if (s->is_due_for_review)
                fputs(" [due for review]", stdout);
            if (s->heading && *s->heading) {
                fputs(" - ", stdout);
                put_str(stdout, is_tty, s->heading);
            }
            if (s->source_path) {
                fputs(" (", stdout);
                put_str(stdout, is_tty, s->source_path);
                fputc(')', stdout);
            }
            if (s->similarity >= 0)
                printf("  similarity %.2f", s->similarity);
            else
                fputs("  keyword match", stdout);
            fputc('\n', stdout);
        }
    }
    printf("\nConfidence: %.2f (", a->confidence);
    put_str(stdout, is_tty, a->confidence_reasons);
    fputs(")\n", stdout);
}

static void ask_on_done(void *userdata, const struct rag_answer *a)
{
    struct ask_run *r = userdata;
    r->is_done = true;
    loop_stop(r->loop);
    if (a->state == RAG_STATE_CANCELLED) {
        if (r->has_output && !r->ends_in_newline)
            fputc('\n', stdout);
        fflush(stdout);
        cli_error("cancelled%s", a->is_stored ? "; the partial answer was saved to your history"
                                              : "");
        r->status = 130; /* the shell's convention for an interrupted command */
        return;
    }
    if (a->state != RAG_STATE_DONE) {
        if (r->has_output && !r->ends_in_newline)
            fputc('\n', stdout);
        fflush(stdout);
        /* One line: errmsg never holds a newline, but sanitise for the terminal anyway. */
        char *clean = utf8_sanitize(a->errmsg ? a->errmsg : err_str(a->error),
                                    strlen(a->errmsg ? a->errmsg : err_str(a->error)), NULL);
        for (char *p = clean; *p; p++)
            if (*p == '\n')
                *p = ' ';
        cli_error("%s", clean);
        free(clean);
        r->status = 1;
        return;
    }
    if (r->is_json) {
        print_answer_json(a, r);
    } else {
        if (r->has_output && !r->ends_in_newline)
            fputc('\n', stdout);
        print_sources(a, r->is_tty);
    }
    if (!a->is_stored)
        cli_error("warning: the answer could not be saved to your history (kept in the local "
                  "unsent file)");
    fflush(stdout);
    r->status = 0;
}

/* The database could not even be opened: keep the question so nothing is lost. */
static void keep_unsent(const char *user, const char *conversation, const char *question,
                        const char *reason)
{
    struct unsent_record rec = {
        .kind = "question", .user = user, .conversation_id = conversation,
        .question = question, .reason = reason};
    char *path = NULL;
    char why[1024] = "";
    if (unsent_add(&rec, &path, why, sizeof why) == ERR_OK)
        cli_error("your question was kept in %s; ask again when the database is back", path);
    else
        cli_error("your question could not be kept locally either: %s", why);
    free(path);
}

int cmd_ask(struct cli *cli, int argc, char **argv)
{
    bool is_json = false;
    const char *conversation = NULL;
    char **words = xcalloc((size_t)argc + 1, sizeof *words);
    size_t word_count = 0;
    bool is_options_done = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!is_options_done && strcmp(a, "--") == 0) {
            is_options_done = true;
        } else if (!is_options_done && (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)) {
            ask_usage(stdout);
            free(words);
            return 0;
        } else if (!is_options_done && strcmp(a, "--json") == 0) {
            is_json = true;
        } else if (!is_options_done && strcmp(a, "--conversation") == 0) {
            if (i + 1 >= argc) {
                cli_error("--conversation needs an ID");
                free(words);
                return 2;
            }
            conversation = argv[++i];
        } else if (!is_options_done && strncmp(a, "--conversation=", 15) == 0) {
            conversation = a + 15;
        } else if (!is_options_done && a[0] == '-' && a[1] != '\0') {
            cli_error("ask: unknown option '%s'", a);
            ask_usage(stderr);
            free(words);
            return 2;
        } else {
            words[word_count++] = argv[i];
        }
    }
    char *question = word_count ? join_words(words, word_count) : NULL;
    free(words);
    if (!question || !*question) {
        cli_error("ask: what is the question? (cca ask \"How do I ...?\")");
        free(question);
        return 2;
    }

    int status = 1;
    char err[512] = "";
    struct store *store = NULL;
    struct loop *loop = NULL;
    struct llm *llm = NULL;
    struct rag *rag = NULL;
    struct sigaction old_sa;
    bool has_handler = false;
    struct ask_run run = {.is_json = is_json, .is_tty = cli->is_stdout_tty, .status = 1};

    int64_t t0 = loop_now_us();
    enum err e = cli->open_store(cli->cfg, true, &store, err, sizeof err);
    run.connect_ms = (double)(loop_now_us() - t0) / 1000.0;
    if (e != ERR_OK) {
        cli_error("%s", err[0] ? err : err_str(e));
        /* A setting that can never work (--user through a pooler) keeps nothing to retry. */
        if (e != ERR_UNSUPPORTED)
            keep_unsent(cli->cfg->user, conversation, question, err[0] ? err : err_str(e));
        goto out;
    }
    t0 = loop_now_us();
    loop = loop_new();
    run.loop = loop;
    if (needs_llm_client(cli->cfg)) {
        e = llm_new(cli->cfg, loop, &llm, err, sizeof err);
        if (e != ERR_OK) {
            cli_error("%s", err[0] ? err : err_str(e));
            goto out;
        }
    }
    e = rag_new(cli->cfg, loop, store, llm, &rag, err, sizeof err);
    if (e != ERR_OK) {
        cli_error("%s", err[0] ? err : err_str(e));
        goto out;
    }
    run.setup_ms = (double)(loop_now_us() - t0) / 1000.0;
    const struct rag_events ev = {.on_delta = ask_on_delta, .on_done = ask_on_done};
    struct rag_turn *turn = NULL;
    e = rag_ask(rag, conversation, question, &ev, &run, &turn);
    if (e != ERR_OK) {
        cli_error("ask: %s", e == ERR_TOO_LARGE ? "the question is too long (8 KiB at most)"
                             : e == ERR_UTF8   ? "the question is not valid UTF-8 text"
                                               : err_str(e));
        status = 2;
        goto out;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = ask_on_sigint;
    sigemptyset(&sa.sa_mask);
    ask_interrupted = 0;
    has_handler = sigaction(SIGINT, &sa, &old_sa) == 0;
    while (!run.is_done) {
        loop_run_once(loop, ASK_POLL_MS);
        if (ask_interrupted && !run.is_done) {
            ask_interrupted = 0;
            rag_cancel(turn); /* on_done fires before this returns */
        }
    }
    status = run.status;
out:
    if (has_handler)
        sigaction(SIGINT, &old_sa, NULL);
    rag_free(rag);
    llm_free(llm);
    loop_free(loop);
    store_free(store);
    free(question);
    return status;
}

/* ---- cca search ------------------------------------------------------------------------------ */

static void search_usage(FILE *out)
{
    fprintf(out,
            "Usage: cca search \"TEXT\" [--json] [--type T]... [--limit N] "
            "[--mode hybrid|vector|fts]\n\n"
            "Shows what retrieval returns for TEXT, best first, with each retriever's score:\n"
            "vector (cosine similarity), fulltext (PostgreSQL ts_rank) and fused (reciprocal\n"
            "rank fusion, k = [retrieval] rrf_k). Nothing is saved.\n\n"
            "  --type T     only this content type (repeatable, or comma-separated):\n"
            "               tutorial|reference|lesson|course|skill|assessment\n"
            "  --limit N    results to show, 1..100 (default [retrieval] match_count)\n"
            "  --mode M     hybrid (default), vector or fts (full-text only)\n"
            "  --json       print {\"results\": [...]} on stdout\n\n"
            "Exit status: 0 (also when nothing matched), 1 failed, 2 usage error.\n");
}

static void print_score(const char *label, double v, bool is_present)
{
    if (is_present)
        printf("  %s %.4f", label, v);
    else
        printf("  %s -", label);
}

static void print_search_text(const struct store_passage *p, size_t n, bool is_tty)
{
    if (n == 0) {
        fputs("No matching passages.\n", stdout);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        printf("%zu. ", i + 1);
        put_str(stdout, is_tty, p[i].title);
        if (p[i].audience) {
            fputs(" [", stdout);
            put_str(stdout, is_tty, p[i].audience);
            fputc(']', stdout);
        }
        if (p[i].is_due_for_review)
            fputs(" [due for review]", stdout);
        if (p[i].heading && *p[i].heading) {
            fputs(" - ", stdout);
            put_str(stdout, is_tty, p[i].heading);
        }
        fputc('\n', stdout);
        if (p[i].source_path) {
            fputs("   ", stdout);
            put_str(stdout, is_tty, p[i].source_path);
            fputc('\n', stdout);
        }
        fputs(" ", stdout);
        print_score("vector", p[i].vector_score, p[i].vector_rank > 0);
        print_score("fulltext", p[i].fts_score, p[i].fts_rank > 0);
        print_score("fused", p[i].fused_score, true);
        fputc('\n', stdout);
        /* A one-line snippet: whitespace collapsed, cut at a character boundary. */
        const char *t = p[i].text ? p[i].text : "";
        struct buf snip;
        buf_init(&snip, SEARCH_SNIPPET_LEN + 8);
        bool was_space = true;
        size_t k = 0;
        for (; t[k]; k++) {
            if (snip.len >= SEARCH_SNIPPET_LEN && ((unsigned char)t[k] & 0xC0) != 0x80)
                break;
            bool is_space = t[k] == ' ' || t[k] == '\n' || t[k] == '\t' || t[k] == '\r';
            if (is_space && was_space)
                continue;
            (void)buf_append_char(&snip, is_space ? ' ' : t[k]);
            was_space = is_space;
        }
        fputs("   ", stdout);
        put_text(stdout, is_tty, buf_str(&snip), snip.len);
        if (t[k])
            fputs("...", stdout);
        fputs("\n\n", stdout);
        buf_cleanup(&snip);
    }
}

static void print_search_json(const struct store_passage *p, size_t n)
{
    struct json_out j;
    json_out_init(&j, ASK_JSON_MAX);
    json_out_object_begin(&j);
    json_out_key(&j, "results");
    json_out_array_begin(&j);
    for (size_t i = 0; i < n; i++) {
        json_out_object_begin(&j);
        json_out_key(&j, "content_id");
        json_out_string(&j, p[i].content_id);
        json_out_key(&j, "passage_id");
        json_out_string(&j, p[i].passage_id);
        json_out_key(&j, "title");
        json_out_string(&j, p[i].title);
        json_out_key(&j, "content_type");
        json_out_string(&j, p[i].content_type);
        json_out_key(&j, "source_path");
        json_out_string(&j, p[i].source_path);
        json_out_key(&j, "heading");
        json_out_string(&j, p[i].heading);
        json_out_key(&j, "audience"); /* null: everyone */
        json_out_string(&j, p[i].audience);
        json_out_key(&j, "due_for_review");
        json_out_bool(&j, p[i].is_due_for_review);
        json_out_key(&j, "passage");
        json_out_string(&j, p[i].text);
        json_out_key(&j, "scores");
        json_out_object_begin(&j);
        json_out_key(&j, "vector");
        if (p[i].vector_rank > 0)
            json_out_number(&j, p[i].vector_score);
        else
            json_out_null(&j);
        json_out_key(&j, "fulltext");
        if (p[i].fts_rank > 0)
            json_out_number(&j, p[i].fts_score);
        else
            json_out_null(&j);
        json_out_key(&j, "fused");
        json_out_number(&j, p[i].fused_score);
        json_out_object_end(&j);
        json_out_object_end(&j);
    }
    json_out_array_end(&j);
    json_out_object_end(&j);
    cli_print_json(&j, "the search results");
}

/* Adds the comma-separated types in s; false (with a message) on an unknown one. */
static bool add_types(const char *s, const char ***types, size_t *count, char ***owned,
                      size_t *owned_count)
{
    const char *p = s;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char *t = xstrndup(p, len);
        if (!is_content_type(t)) {
            cli_error("search: unknown type '%s' (tutorial, reference, lesson, course, skill, "
                      "assessment)",
                      t);
            free(t);
            return false;
        }
        *owned = xreallocarray(*owned, *owned_count + 1, sizeof **owned);
        (*owned)[(*owned_count)++] = t;
        *types = xreallocarray(*types, *count + 1, sizeof **types);
        (*types)[(*count)++] = t;
        if (!comma)
            return true;
        p = comma + 1;
    }
}

int cmd_search(struct cli *cli, int argc, char **argv)
{
    bool is_json = false;
    int limit = cli->cfg->rag_match_count > 0 ? cli->cfg->rag_match_count : 5;
    enum retrieve_mode mode = RETRIEVE_HYBRID;
    const char **types = NULL;
    size_t type_count = 0;
    char **owned = NULL;
    size_t owned_count = 0;
    char **words = xcalloc((size_t)argc + 1, sizeof *words);
    size_t word_count = 0;
    int status = 2;
    char *query = NULL;
    bool is_options_done = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        if (!is_options_done && strcmp(a, "--") == 0) {
            is_options_done = true;
            continue;
        }
        if (is_options_done || a[0] != '-' || a[1] == '\0') {
            words[word_count++] = argv[i];
            continue;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            search_usage(stdout);
            status = 0;
            goto out;
        }
        if (strcmp(a, "--json") == 0) {
            is_json = true;
            continue;
        }
        static const char *const with_value[] = {"--type", "--limit", "--mode"};
        const char *name = NULL;
        for (size_t k = 0; k < 3 && !name; k++) {
            size_t nl = strlen(with_value[k]);
            if (strcmp(a, with_value[k]) == 0) {
                if (i + 1 >= argc) {
                    cli_error("%s needs a value", a);
                    goto out;
                }
                name = with_value[k];
                val = argv[++i];
            } else if (strncmp(a, with_value[k], nl) == 0 && a[nl] == '=') {
                name = with_value[k];
                val = a + nl + 1;
            }
        }
        if (!name) {
            cli_error("search: unknown option '%s'", a);
            search_usage(stderr);
            goto out;
        }
        if (strcmp(name, "--type") == 0) {
            if (!add_types(val, &types, &type_count, &owned, &owned_count))
                goto out;
        } else if (strcmp(name, "--limit") == 0) {
            if (!parse_limit(val, &limit)) {
                cli_error("search: --limit must be a number from 1 to %d", SEARCH_LIMIT_MAX);
                goto out;
            }
        } else if (!retrieve_mode_parse(val, &mode)) {
            cli_error("search: --mode must be hybrid, vector or fts");
            goto out;
        }
    }
    query = word_count ? join_words(words, word_count) : NULL;
    if (!query || !*query) {
        cli_error("search: what should I look for? (cca search \"TEXT\")");
        goto out;
    }

    status = 1;
    char err[512] = "";
    struct store *store = NULL;
    struct loop *loop = NULL;
    struct llm *llm = NULL;
    struct embedder *emb = NULL;
    float *vec = NULL;
    struct store_passage *hits = NULL;
    size_t hit_count = 0;

    enum err e = cli->open_store(cli->cfg, true, &store, err, sizeof err);
    if (e != ERR_OK) {
        cli_error("%s", err[0] ? err : err_str(e));
        goto done;
    }
    if (mode != RETRIEVE_FTS) {
        loop = loop_new();
        if (needs_llm_client(cli->cfg)) {
            e = llm_new(cli->cfg, loop, &llm, err, sizeof err);
            if (e != ERR_OK) {
                cli_error("%s", err[0] ? err : err_str(e));
                goto done;
            }
        }
        e = embedder_new(cli->cfg, llm, loop, &emb, err, sizeof err);
        if (e != ERR_OK) {
            cli_error("%s", err[0] ? err : err_str(e));
            goto done;
        }
        int dim = embedder_dim(emb);
        vec = xreallocarray(NULL, (size_t)dim, sizeof *vec);
        const char *texts[] = {query};
        char *emsg = NULL;
        e = embedder_embed_sync(emb, texts, 1, vec, &emsg);
        if (e != ERR_OK) {
            cli_error("search: embedding the query failed: %s", emsg ? emsg : err_str(e));
            free(emsg);
            goto done;
        }
        free(emsg);
    }
    struct retrieve_params p = {
        .mode = mode,
        .text = query,
        .vector = vec,
        .dim = emb ? embedder_dim(emb) : 0,
        .types = types,
        .type_count = type_count,
        .threshold = cli->cfg->rag_match_threshold,
        .candidates = cli->cfg->rag_candidates > limit ? cli->cfg->rag_candidates : limit,
        .count = limit,
        .rrf_k = cli->cfg->rag_rrf_k,
    };
    struct retrieve_stats st;
    e = retrieve_run(store, &p, &hits, &hit_count, &st);
    if (e != ERR_OK) {
        const char *detail = store_errmsg(store);
        cli_error("search failed: %s%s%s", err_str(e), *detail ? ": " : "", detail);
        goto done;
    }
    if (mode == RETRIEVE_HYBRID && st.vector_err != ERR_OK)
        cli_error("warning: vector search failed (%s); showing full-text results only",
                  err_str(st.vector_err));
    if (is_json)
        print_search_json(hits, hit_count);
    else
        print_search_text(hits, hit_count, cli->is_stdout_tty);
    fflush(stdout);
    status = 0;
done:
    store_passages_free(hits, hit_count);
    free(vec);
    embedder_free(emb);
    llm_free(llm);
    loop_free(loop);
    store_free(store);
out:
    for (size_t i = 0; i < owned_count; i++)
        free(owned[i]);
    free(owned);
    free(types);
    free(words);
    free(query);
    return status;
}
