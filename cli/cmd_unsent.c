/* cmd_unsent.c: `cca unsent [--send | --clear] [--json]`: what was kept in the local unsent
 * file (core/unsent) because the database could not take it. Lists it, asks each question
 * again through the normal pipeline (core/rag) and removes it once it is stored, or discards
 * everything. The file is only ever changed through core/unsent, record by record. A record
 * is only sent again as the person who asked it: another person's records are skipped (and
 * stay in the file); lines that are not records are reported by number and kept.
 * Exit status: 0 nothing left to send, 1 something could not be sent (it stays in the file),
 * 2 usage error, 130 interrupted with Ctrl-C. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/json_out.h"
#include "core/llm.h"
#include "core/loop.h"
#include "core/mem.h"
#include "core/rag.h"
#include "core/store.h"
#include "core/unsent.h"
#include "core/utf8.h"
#include "cli/commands.h"

enum {
    UNSENT_JSON_MAX = 64u << 20,
    UNSENT_POLL_MS = 100, /* how often the loop looks at the Ctrl-C flag */
    UNSENT_PREVIEW_LEN = 160, /* bytes of a question shown per line in the list */
};

/* The one piece of signal plumbing here: Ctrl-C during --send cancels the answer in flight
 * (its question is stored, so it leaves the file) and stops before the next one. */
static volatile sig_atomic_t unsent_interrupted;

static void unsent_on_sigint(int sig)
{
    (void)sig;
    unsent_interrupted = 1;
}

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: cca unsent [--send | --clear] [--json]\n\n"
            "Questions that could not be saved because the database was unreachable are kept\n"
            "in $XDG_STATE_HOME/cca/unsent.jsonl (default ~/.local/state/cca/unsent.jsonl),\n"
            "as are answers whose outcome could not be saved. Without options, lists them.\n\n"
            "  --send   ask each question again (as the configured user, in its conversation)\n"
            "           and remove it from the file once it is stored; save each kept answer\n"
            "           to its question. What still cannot be sent stays in the file, and so\n"
            "           do questions another person asked (each is sent only as its asker:\n"
            "           cca --user THEIR-EMAIL unsent --send).\n"
            "  --clear  discard everything in the file\n"
            "  --json   print one JSON object instead of text\n\n"
            "In the full-screen assistant, Ctrl-R puts the oldest unsent question back in the\n"
            "input.\n\n"
            "Exit status: 0 nothing left to send, 1 something could not be sent, 2 usage\n"
            "error, 130 interrupted.\n");
}

/* ---- output helpers ------------------------------------------------------------------------ */

/* Writes text from the file or the model, sanitised: even through a pipe it usually ends on a
 * terminal (`cca unsent | less -R`, `| cat`). */
static void put_text(bool is_tty, const char *s, size_t len)
{
    (void)is_tty;
    size_t clean_len = 0;
    char *clean = utf8_sanitize(s, len, &clean_len);
    fwrite(clean, 1, clean_len, stdout);
    free(clean);
}

static void put_str(bool is_tty, const char *s)
{
    if (s)
        put_text(is_tty, s, strlen(s));
}

/* One line: newlines become spaces, cut at a character boundary after max bytes. */
static void put_preview(bool is_tty, const char *s, size_t max)
{
    struct buf b;
    buf_init(&b, max + 8);
    size_t i = 0;
    for (; s[i] && b.len < max; i++)
        (void)buf_append_char(&b, s[i] == '\n' || s[i] == '\t' || s[i] == '\r' ? ' ' : s[i]);
    while (s[i] && ((unsigned char)s[i] & 0xC0) == 0x80)
        (void)buf_append_char(&b, s[i++]); /* finish the character */
    put_text(is_tty, buf_str(&b), b.len);
    if (s[i])
        fputs("...", stdout);
    buf_cleanup(&b);
}


static void json_entry_fields(struct json_out *j, const struct unsent_entry *e)
{
    const char *keys[] = {"saved_at", "kind",   "user",   "conversation_id", "message_id",
                          "question", "answer", "status", "reason"};
    const char *values[] = {e->saved_at, e->kind,   e->user,   e->conversation_id, e->message_id,
                            e->question, e->answer, e->status, e->reason};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        json_out_key(j, keys[i]);
        json_out_string(j, values[i]);
    }
}

/* Tells about the lines of the file that are not records: they are kept, never dropped. */
static void report_bad_lines(const struct unsent_file *f, const char *path)
{
    if (f->bad_count == 0)
        return;
    struct buf b;
    buf_init(&b, 4096);
    for (size_t i = 0; i < f->bad_count && i < 20; i++)
        buf_printf(&b, "%s%zu", i ? ", " : "", f->bad_lines[i]);
    if (f->bad_count > 20)
        buf_printf(&b, " and %zu more", f->bad_count - 20);
    cli_error("unsent: %s %s of %s %s not a readable record; kept as %s (look at %s, fix or "
              "delete %s by hand, or discard everything with cca unsent --clear)",
              f->bad_count == 1 ? "line" : "lines", buf_str(&b), path,
              f->bad_count == 1 ? "is" : "are", f->bad_count == 1 ? "it is" : "they are",
              f->bad_count == 1 ? "it" : "them", f->bad_count == 1 ? "it" : "them");
    buf_cleanup(&b);
}

static void json_bad_lines(struct json_out *j, const struct unsent_file *f)
{
    json_out_key(j, "unreadable_lines");
    json_out_array_begin(j);
    for (size_t i = 0; i < f->bad_count; i++)
        json_out_int(j, (long)f->bad_lines[i]);
    json_out_array_end(j);
}

static size_t count_questions(const struct unsent_entry *e, size_t n)
{
    size_t q = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(e[i].kind, "question") == 0)
            q++;
    return q;
}

/* ---- list and clear ------------------------------------------------------------------------ */

static int list(const char *path, bool is_json, bool is_tty)
{
    struct unsent_file f;
    char why[1024] = "";
    enum err err = unsent_read(&f, why, sizeof why);
    if (err != ERR_OK) {
        cli_error("unsent: %s", why[0] ? why : err_str(err));
        return 1;
    }
    struct unsent_entry *e = f.entries;
    size_t n = f.count;
    if (is_json) {
        struct json_out j;
        json_out_init(&j, UNSENT_JSON_MAX);
        json_out_object_begin(&j);
        json_out_key(&j, "path");
        json_out_string(&j, path);
        json_out_key(&j, "count");
        json_out_int(&j, (long)n);
        json_out_key(&j, "entries");
        json_out_array_begin(&j);
        for (size_t i = 0; i < n; i++) {
            json_out_object_begin(&j);
            json_entry_fields(&j, &e[i]);
            json_out_object_end(&j);
        }
        json_out_array_end(&j);
        json_bad_lines(&j, &f);
        json_out_object_end(&j);
        cli_print_json(&j, "the unsent list");
    } else if (n == 0) {
        printf("Nothing unsent (%s).\n", path);
    } else {
        size_t q = count_questions(e, n);
        if (q)
            printf("%zu question%s%s", q, q == 1 ? "" : "s", q < n ? " and " : "");
        if (q < n)
            printf("%zu answer%s", n - q, n - q == 1 ? "" : "s");
        printf(" kept in %s:\n", path);
        for (size_t i = 0; i < n; i++) {
            bool is_answer = strcmp(e[i].kind, "answer") == 0;
            printf("%3zu. ", i + 1);
            put_str(is_tty, e[i].saved_at ? e[i].saved_at : "(no date)");
            fputs(is_answer ? "  answer    " : "  question  ", stdout);
            put_preview(is_tty, e[i].question, UNSENT_PREVIEW_LEN);
            fputs("\n     ", stdout);
            if (e[i].conversation_id) {
                fputs("conversation ", stdout);
                put_str(is_tty, e[i].conversation_id);
            } else if (!is_answer) {
                fputs("new conversation", stdout);
            }
            if (is_answer) {
                fputs(e[i].conversation_id ? " \xC2\xB7 outcome " : "outcome ", stdout);
                put_str(is_tty, e[i].status ? e[i].status : "?");
                fputs(" of message ", stdout);
                put_str(is_tty, e[i].message_id ? e[i].message_id : "?");
            }
            if (e[i].reason) {
                fputs(" \xC2\xB7 ", stdout);
                put_str(is_tty, e[i].reason);
            }
            fputs(" \xC2\xB7 asked by ", stdout);
            put_str(is_tty, e[i].user ? e[i].user : "this account's own database identity");
            fputc('\n', stdout);
        }
        printf("\n`cca unsent --send` asks them again; `cca unsent --clear` discards them.\n");
    }
    if (!is_json)
        report_bad_lines(&f, path);
    unsent_file_cleanup(&f);
    return 0;
}

static int clear(const char *path, bool is_json)
{
    struct unsent_file f;
    char why[1024] = "";
    enum err re = unsent_read(&f, why, sizeof why);
    if (re != ERR_OK) {
        cli_error("unsent: %s", why[0] ? why : err_str(re));
        return 1;
    }
    size_t bad = f.bad_count;
    unsent_file_cleanup(&f);
    size_t removed = 0;
    enum err e = unsent_clear(&removed);
    if (e != ERR_OK) {
        cli_error("unsent: cannot clear %s: %s", path, err_str(e));
        return 1;
    }
    if (is_json) {
        struct json_out j;
        json_out_init(&j, 64 * 1024);
        json_out_object_begin(&j);
        json_out_key(&j, "path");
        json_out_string(&j, path);
        json_out_key(&j, "removed");
        json_out_int(&j, (long)removed);
        json_out_object_end(&j);
        cli_print_json(&j, "the result");
    } else {
        printf("Removed %zu record%s from %s", removed - (bad < removed ? bad : removed),
               removed - (bad < removed ? bad : removed) == 1 ? "" : "s", path);
        if (bad)
            printf(" (and %zu unreadable line%s)", bad, bad == 1 ? "" : "s");
        printf(".\n");
    }
    return 0;
}

/* ---- send ---------------------------------------------------------------------------------- */

/* What one record became. */
struct send_result {
    bool is_sent;           /* stored: it left the file */
    bool is_skipped;        /* another person's record: not sent, kept */
    char *message_id;
    char *conversation_id;
    char *status;           /* answered | cancelled | failed, or NULL */
    char *answer;
    double confidence;      /* -1 when none */
    size_t source_count;
    char *error;            /* why it was not sent or why the answer failed; NULL if fine */
    enum err remove_error;  /* sent, but the record could not be taken out of the file */
};

struct send_run {
    struct loop *loop;
    bool is_json;
    bool is_tty;
    bool is_done;
    bool has_output;
    bool ends_in_newline;
    struct send_result *res;
};

static void send_result_cleanup(struct send_result *r)
{
    free(r->message_id);
    free(r->conversation_id);
    free(r->status);
    free(r->answer);
    free(r->error);
    memset(r, 0, sizeof *r);
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static void send_on_delta(void *userdata, const char *text, size_t len)
{
    struct send_run *r = userdata;
    if (r->is_json || len == 0)
        return;
    put_text(r->is_tty, text, len);
    fflush(stdout);
    r->has_output = true;
    r->ends_in_newline = text[len - 1] == '\n';
}

static const char *status_of(enum rag_state s)
{
    return s == RAG_STATE_DONE ? "answered" : s == RAG_STATE_CANCELLED ? "cancelled" : "failed";
}

static void send_on_done(void *userdata, const struct rag_answer *a)
{
    struct send_run *r = userdata;
    struct send_result *res = r->res;
    /* No loop_stop: a stopped loop stays stopped, and the next question needs it. */
    r->is_done = true;
    res->message_id = dup_or_null(a->message_id);
    res->conversation_id = dup_or_null(a->conversation_id);
    res->is_sent = a->message_id != NULL; /* the question reached chat_messages */
    res->status = xstrdup(status_of(a->state));
    res->answer = dup_or_null(a->text);
    res->confidence = a->state == RAG_STATE_DONE ? a->confidence : -1;
    res->source_count = a->source_count;
    if (a->state != RAG_STATE_DONE)
        res->error = xstrdup(a->errmsg ? a->errmsg : err_str(a->error));
    if (!r->is_json && r->has_output && !r->ends_in_newline)
        fputc('\n', stdout);
    if (!r->is_json && !r->has_output && a->text && a->state == RAG_STATE_DONE) {
        put_str(r->is_tty, a->text);
        if (a->text[0] && a->text[strlen(a->text) - 1] != '\n')
            fputc('\n', stdout);
    }
}

/* Copies of a question record with this text and conversation. */
static size_t copies_of(const char *question, const char *conversation_id)
{
    struct unsent_entry *e = NULL;
    size_t n = 0, copies = 0;
    if (unsent_load(&e, &n) != ERR_OK)
        return 0;
    for (size_t i = 0; i < n; i++) {
        bool same_conv = (!e[i].conversation_id && !conversation_id) ||
                         (e[i].conversation_id && conversation_id &&
                          strcmp(e[i].conversation_id, conversation_id) == 0);
        if (strcmp(e[i].kind, "question") == 0 && same_conv &&
            strcmp(e[i].question, question) == 0)
            copies++;
    }
    unsent_entries_free(e, n);
    return copies;
}

/* The pipeline kept a fresh copy of e (with today's reason): one of the two goes. The old one,
 * unless the fresh copy does not say who asked (a pipeline that does not record the user),
 * in which case the fresh one goes so the record keeps its asker. */
static void drop_one_copy(const struct unsent_entry *e)
{
    struct unsent_entry *all = NULL;
    size_t n = 0;
    if (unsent_load(&all, &n) != ERR_OK)
        return;
    const struct unsent_entry *fresh = NULL;
    for (size_t i = 0; i < n; i++) {
        bool same_conv = (!all[i].conversation_id && !e->conversation_id) ||
                         (all[i].conversation_id && e->conversation_id &&
                          strcmp(all[i].conversation_id, e->conversation_id) == 0);
        if (strcmp(all[i].kind, "question") == 0 && same_conv &&
            strcmp(all[i].question, e->question) == 0)
            fresh = &all[i];
    }
    bool is_same_asker = fresh && ((!fresh->user && !e->user) ||
                                   (fresh->user && unsent_entry_is_from(e, fresh->user)));
    (void)unsent_remove(fresh && !is_same_asker ? fresh : e);
    unsent_entries_free(all, n);
}

/* Asks one kept question again; on_done fills res. */
static void send_question(struct rag *rag, struct send_run *run, const struct unsent_entry *e,
                          struct send_result *res)
{
    run->res = res;
    run->is_done = false;
    run->has_output = false;
    run->ends_in_newline = false;
    size_t copies_before = copies_of(e->question, e->conversation_id);
    const struct rag_events ev = {.on_delta = send_on_delta, .on_done = send_on_done};
    struct rag_turn *turn = NULL;
    enum err err = rag_ask(rag, e->conversation_id, e->question, &ev, run, &turn);
    if (err != ERR_OK) {
        res->error = xstrdup(err == ERR_TOO_LARGE ? "the question is too long (8 KiB at most)"
                             : err == ERR_UTF8    ? "the question is not valid UTF-8 text"
                                                  : err_str(err));
        return;
    }
    while (!run->is_done) {
        loop_run_once(run->loop, UNSENT_POLL_MS);
        if (unsent_interrupted && !run->is_done)
            rag_cancel(turn); /* on_done fires before this returns */
    }
    if (res->is_sent) {
        enum err re = unsent_remove(e);
        /* NOT_FOUND: another cca removed it meanwhile, which is just as good. */
        if (re != ERR_OK && re != ERR_NOT_FOUND)
            res->remove_error = re;
    } else if (copies_of(e->question, e->conversation_id) > copies_before) {
        drop_one_copy(e);
    }
}

/* Saves a kept answer to its question (the outcome the database could not take). */
static void send_answer(struct store *store, const struct unsent_entry *e,
                        struct send_result *res)
{
    if (!e->message_id) {
        res->error = xstrdup("the record names no message to save the answer to");
        return;
    }
    const char *status = e->status && (strcmp(e->status, "answered") == 0 ||
                                       strcmp(e->status, "cancelled") == 0 ||
                                       strcmp(e->status, "failed") == 0)
                             ? e->status
                             : "failed";
    struct store_outcome o = {
        .status = status,
        .response = e->answer,
        .confidence = -1,
    };
    enum err err = store_message_finish(store, e->message_id, &o);
    if (err != ERR_OK) {
        const char *detail = store_errmsg(store);
        char *m = xasprintf("%s%s%s", err_str(err), *detail ? ": " : "", detail);
        res->error = utf8_sanitize(m, strlen(m), NULL);
        free(m);
        return;
    }
    res->is_sent = true;
    res->message_id = xstrdup(e->message_id);
    res->conversation_id = dup_or_null(e->conversation_id);
    res->status = xstrdup(status);
    res->confidence = -1;
    enum err re = unsent_remove(e);
    if (re != ERR_OK && re != ERR_NOT_FOUND)
        res->remove_error = re;
}

static bool needs_llm_client(const struct config *cfg)
{
    return config_has_llm(cfg) ||
           (cfg->embed_provider && strcmp(cfg->embed_provider, "local") != 0);
}

static void print_result_text(const struct send_result *r, bool is_tty)
{
    if (!r->is_sent) {
        fputs("  -> not sent, still kept in the unsent file: ", stdout);
        put_str(is_tty, r->error ? r->error : "unknown error");
        fputc('\n', stdout);
        return;
    }
    fputs("  -> saved", stdout);
    if (r->conversation_id) {
        fputs(" in conversation ", stdout);
        put_str(is_tty, r->conversation_id);
    }
    if (r->confidence >= 0)
        printf(" \xC2\xB7 confidence %.2f", r->confidence);
    if (r->source_count)
        printf(" \xC2\xB7 %zu source%s", r->source_count, r->source_count == 1 ? "" : "s");
    if (r->status && strcmp(r->status, "answered") != 0) {
        fputs(" \xC2\xB7 ", stdout);
        put_str(is_tty, r->status);
        if (r->error) {
            fputs(": ", stdout);
            put_str(is_tty, r->error);
        }
    }
    fputc('\n', stdout);
    if (r->remove_error != ERR_OK)
        cli_error("unsent: sent, but could not be removed from the file (%s): remove it with "
                  "--clear once nothing else waits",
                  err_str(r->remove_error));
}

static void json_result(struct json_out *j, const struct unsent_entry *e,
                        const struct send_result *r)
{
    json_out_object_begin(j);
    json_out_key(j, "kind");
    json_out_string(j, e->kind);
    json_out_key(j, "question");
    json_out_string(j, e->question);
    json_out_key(j, "user");
    json_out_string(j, e->user);
    json_out_key(j, "sent");
    json_out_bool(j, r->is_sent);
    json_out_key(j, "skipped");
    json_out_bool(j, r->is_skipped);
    json_out_key(j, "status");
    json_out_string(j, r->status);
    json_out_key(j, "conversation_id");
    json_out_string(j, r->is_sent ? r->conversation_id : e->conversation_id);
    json_out_key(j, "message_id");
    json_out_string(j, r->is_sent ? r->message_id : e->message_id);
    json_out_key(j, "answer");
    json_out_string(j, r->answer);
    json_out_key(j, "confidence");
    if (r->confidence >= 0)
        json_out_number(j, r->confidence);
    else
        json_out_null(j);
    json_out_key(j, "error");
    json_out_string(j, r->error);
    json_out_object_end(j);
}

/* Whether this session may send e: only as the person who asked. me is --user (or
 * CCA_USER), NULL for the account's own identity, whose email the database told (db_email). */
static bool may_send(const struct unsent_entry *e, const char *me, const char *db_email)
{
    if (me)
        return unsent_entry_is_from(e, me);
    return !e->user || (db_email && unsent_entry_is_from(e, db_email));
}

static int send_all(struct cli *cli, const char *path, bool is_json)
{
    bool is_tty = cli->is_stdout_tty;
    struct unsent_file file;
    char why[1024] = "";
    enum err err = unsent_read(&file, why, sizeof why);
    if (err != ERR_OK) {
        cli_error("unsent: %s", why[0] ? why : err_str(err));
        return 1;
    }
    struct unsent_entry *e = file.entries;
    size_t n = file.count;
    const char *me = cli->cfg->user && *cli->cfg->user ? cli->cfg->user : NULL;
    struct store_user who = {0};
    size_t skipped = 0;
    int status = 1;
    char errbuf[512] = "";
    struct store *store = NULL;
    struct loop *loop = NULL;
    struct llm *llm = NULL;
    struct rag *rag = NULL;
    struct send_result *res = NULL;
    size_t attempted = 0, sent = 0;
    struct sigaction old_sa;
    bool has_handler = false;

    if (n > 0) {
        err = cli->open_store(cli->cfg, true, &store, errbuf, sizeof errbuf);
        if (err != ERR_OK) {
            cli_error("%s", errbuf[0] ? errbuf : err_str(err));
            cli_error("unsent: the database is still unreachable; nothing was sent (%zu "
                      "waiting in %s)",
                      n, path);
            goto out;
        }
        /* Without --user the session is the account's own database identity: ask who. */
        if (!me && store_whoami(store, &who) != ERR_OK)
            memset(&who, 0, sizeof who);
        loop = loop_new();
        if (needs_llm_client(cli->cfg) &&
            llm_new(cli->cfg, loop, &llm, errbuf, sizeof errbuf) != ERR_OK) {
            cli_error("%s", errbuf);
            goto out;
        }
        if (rag_new(cli->cfg, loop, store, llm, &rag, errbuf, sizeof errbuf) != ERR_OK) {
            cli_error("%s", errbuf);
            goto out;
        }
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = unsent_on_sigint;
        sigemptyset(&sa.sa_mask);
        unsent_interrupted = 0;
        has_handler = sigaction(SIGINT, &sa, &old_sa) == 0;
    }
    res = xcalloc(n ? n : 1, sizeof *res);
    for (size_t i = 0; i < n; i++)
        res[i].confidence = -1;
    struct send_run run = {.loop = loop, .is_json = is_json, .is_tty = is_tty};
    for (size_t i = 0; i < n && !unsent_interrupted; i++) {
        bool is_answer = strcmp(e[i].kind, "answer") == 0;
        if (!may_send(&e[i], me, who.email)) {
            res[i].is_skipped = true;
            res[i].error = xasprintf("asked by %s, not by %s: it stays in the file",
                                     e[i].user ? e[i].user : "this account's own identity",
                                     me ? me : who.email ? who.email : "this session");
            attempted++;
            skipped++;
            if (!is_json) {
                printf("[%zu/%zu] skipped, ", i + 1, n);
                put_str(is_tty, res[i].error);
                fputs("; to send it: cca", stdout);
                if (e[i].user) {
                    fputs(" --user ", stdout);
                    put_str(is_tty, e[i].user);
                }
                fputs(" unsent --send\n", stdout);
            }
            continue;
        }
        if (!is_json) {
            printf("[%zu/%zu] %s", i + 1, n, is_answer ? "saving the answer to: " : "");
            put_preview(is_tty, e[i].question, UNSENT_PREVIEW_LEN);
            fputc('\n', stdout);
            fflush(stdout);
        }
        if (is_answer)
            send_answer(store, &e[i], &res[i]);
        else
            send_question(rag, &run, &e[i], &res[i]);
        attempted++;
        if (res[i].is_sent)
            sent++;
        if (!is_json)
            print_result_text(&res[i], is_tty);
        fflush(stdout);
        /* With the connection gone, the rest would only fail the same way. */
        if (!res[i].is_sent && !store_is_connected(store))
            break;
    }

    struct unsent_entry *left = NULL;
    size_t left_count = 0;
    (void)unsent_load(&left, &left_count);
    unsent_entries_free(left, left_count);
    if (is_json) {
        struct json_out j;
        json_out_init(&j, UNSENT_JSON_MAX);
        json_out_object_begin(&j);
        json_out_key(&j, "path");
        json_out_string(&j, path);
        json_out_key(&j, "results");
        json_out_array_begin(&j);
        for (size_t i = 0; i < attempted; i++)
            json_result(&j, &e[i], &res[i]);
        json_out_array_end(&j);
        json_out_key(&j, "sent");
        json_out_int(&j, (long)sent);
        json_out_key(&j, "remaining");
        json_out_int(&j, (long)left_count);
        json_out_key(&j, "skipped");
        json_out_int(&j, (long)skipped);
        json_out_key(&j, "interrupted");
        json_out_bool(&j, unsent_interrupted != 0);
        json_bad_lines(&j, &file);
        json_out_object_end(&j);
        cli_print_json(&j, "the result");
    } else if (n == 0) {
        printf("Nothing to send (%s).\n", path);
    } else if (left_count == 0) {
        printf("Sent %zu of %zu; nothing is left in %s.\n", sent, n, path);
    } else {
        printf("Sent %zu of %zu; %zu record%s still waiting in %s", sent, n, left_count,
               left_count == 1 ? " is" : "s are", path);
        if (skipped)
            printf(" (%zu asked by someone else)", skipped);
        printf(".\n");
    }
    if (!is_json)
        report_bad_lines(&file, path);
    status = unsent_interrupted ? 130 : left_count == 0 ? 0 : 1;

out:
    if (has_handler)
        sigaction(SIGINT, &old_sa, NULL);
    for (size_t i = 0; res && i < n; i++)
        send_result_cleanup(&res[i]);
    free(res);
    rag_free(rag);
    llm_free(llm);
    loop_free(loop);
    store_free(store);
    store_user_cleanup(&who);
    unsent_file_cleanup(&file);
    return status;
}

/* ---- the command --------------------------------------------------------------------------- */

int cmd_unsent(struct cli *cli, int argc, char **argv)
{
    bool is_json = false, is_send = false, is_clear = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--json") == 0) {
            is_json = true;
        } else if (strcmp(a, "--send") == 0) {
            is_send = true;
        } else if (strcmp(a, "--clear") == 0) {
            is_clear = true;
        } else {
            cli_error("unsent: unexpected argument '%s'", a);
            usage(stderr);
            return 2;
        }
    }
    if (is_send && is_clear) {
        cli_error("unsent: --send and --clear do not go together");
        return 2;
    }
    char *path = NULL;
    if (unsent_path(&path) != ERR_OK) {
        cli_error("unsent: neither XDG_STATE_HOME nor HOME is an absolute path, so there is no "
                  "unsent file");
        return 1;
    }
    char *shown = utf8_sanitize(path, strlen(path), NULL);
    int status = is_send    ? send_all(cli, shown, is_json)
                 : is_clear ? clear(shown, is_json)
                            : list(shown, is_json, cli->is_stdout_tty);
    free(shown);
    free(path);
    return status;
}
