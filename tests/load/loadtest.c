/* loadtest: N simulated employees against a live scale-out deployment (scripts/loadtest.sh
 * starts it: a primary, a streaming replica, PgBouncer in transaction mode). Each employee is
 * one process of its own, as each employee runs their own cca: their own login role through
 * PgBouncer, their own unsent file, the TUI's wiring (a loop attached to the store, the RAG
 * pipeline with the local embedder and offline answers, the screens' store calls). They loop
 * over a weighted mix of operations with think time; the parent samples the server backends
 * once a second, runs the fault events (stop/start a server) at their times, then checks in
 * the database that nothing acknowledged was lost, and prints the report. A test tool, not
 * part of cca: the operations go through core's store API only; raw SQL is for the sampler
 * and the final check. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "core/config.h"
#include "core/json.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/mem.h"
#include "core/rag.h"
#include "core/store.h"
#include "core/store_assessments.h"
#include "core/store_learning.h"
#include "core/unsent.h"

#include "db/pg_store.h"

#include "cli/cli.h"
#include "cli/commands.h"

enum {
    CLIENTS_MAX = 5000,
    EVENTS_MAX = 8,
    ERRORS_KEPT = 16, /* distinct error messages a client keeps (with counts) */
    ERR_TEXT_MAX = 300,
    RECOVER_MAX_S = 60,           /* how long a client keeps sending its unsent file at the end */
    TUI_ANSWER_TIMEOUT_MS = 5000, /* what the full-screen app gives a hung server (tui/app.c) */
    ASSESSMENT_QUESTIONS = 40,
};

enum op { OP_ASK, OP_PROGRESS, OP_RECOMMEND, OP_ANALYTICS, OP_ANSWER, OP_CONNECT, OP_COUNT };
static const char *const op_names[OP_COUNT] = {"ask",       "progress", "recommendations",
                                               "analytics", "answer",   "connect"};
/* The mix: a person asks, looks at their dashboards, answers assessment questions; "connect"
 * is opening cca (once, again after a failure), never picked. */
static const int op_weights[OP_COUNT] = {30, 20, 15, 10, 25, 0};

static const char *const questions[] = {
    "How are expenses claimed?",
    "What is database normalization?",
    "How do I learn ES6?",
    "What is machine learning?",
    "How does gradient descent work?",
    "What are Python list comprehensions?",
    "How do I run a sprint retrospective?",
    "What is the difference between a left join and an inner join?",
    "How should a project manager handle scope creep?",
    "What are arrow functions in JavaScript?",
    "How is overfitting avoided?",
    "What does a primary key guarantee?",
};

struct event {
    int at_s;
    const char *cmd;
};

struct opts {
    int clients;
    int seconds;
    int think_ms;
    int ramp_s; /* people open cca spread over this many seconds at the start */
    int pool_size;
    const char *pool_host;
    int pool_port;
    const char *primary; /* superuser conninfo on the primary (sampler, final check) */
    const char *replica; /* superuser conninfo on the replica (sampler), may be NULL */
    const char *workdir;
    const char *assessment;
    struct event events[EVENTS_MAX];
    int event_count;
};

/* What each client shows the parent while it runs (shared memory, one slot per client). */
struct live {
    atomic_long ops, errors, queued;
};

struct person {
    char *id, *db_role;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("loadtest: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

/* ==== one simulated employee (a child process) ============================================ */

struct sample {
    uint8_t op, is_ok;
    int32_t at_ms; /* since the run started */
    int64_t latency_us;
};

struct kept_error {
    char text[ERR_TEXT_MAX];
    long count;
};

struct message_ack {
    char *id;
    const char *status; /* "answered" | "failed" (stored outcome), "*" (question only) */
};

struct answer_state {
    int acked;      /* last acknowledged choice, -1 none */
    unsigned tried; /* choices sent after it whose reply did not come (may have landed) */
};

struct client {
    const struct opts *o;
    int idx;
    struct live *live;
    int64_t start_ms;
    struct config cfg;
    struct cli cli;
    struct store *store;
    struct loop *loop;
    struct rag *rag;
    char *conversation;
    char *attempt;
    struct sample *samples;
    size_t sample_count, sample_cap;
    struct kept_error errors[ERRORS_KEPT];
    long errors_dropped;
    struct message_ack *acks;
    size_t ack_count, ack_cap;
    struct answer_state answers[ASSESSMENT_QUESTIONS];
    bool has_unsent;
    int64_t reconnect_at_ms, reconnect_delay_ms; /* the TUI's reconnect backoff (tui/app.c) */
    long reconnects;
    long queued_questions, queued_answers, resent_questions, resent_answers;
    long open_errors; /* the first connection failed (cca would say "database down") */
    /* the reply of the store call in flight */
    bool is_replied;
    enum err reply_err;
    char reply_msg[ERR_TEXT_MAX];
    char *reply_cell;
    /* the RAG turn in flight */
    bool is_answered;
    enum rag_state ask_state;
    bool ask_stored;
    char *ask_message, *ask_conversation, *ask_errmsg;
};

static void keep_error(struct client *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void keep_error(struct client *c, const char *fmt, ...)
{
    char text[ERR_TEXT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    /* The unsent file's path names the client's folder: one message for every client. */
    char *p = strstr(text, c->o->workdir);
    if (p) {
        char *end = strstr(p, "/cca/unsent.jsonl");
        if (end) {
            char rest[ERR_TEXT_MAX];
            snprintf(rest, sizeof rest, "%s", end + 1);
            snprintf(p, sizeof text - (size_t)(p - text), "<state>/%s", rest);
        }
    }
    for (char *q = text; *q; q++)
        if (*q == '\n' || *q == '\t')
            *q = ' ';
    for (size_t i = 0; i < ERRORS_KEPT; i++) {
        if (c->errors[i].count && strcmp(c->errors[i].text, text) == 0) {
            c->errors[i].count++;
            return;
        }
        if (!c->errors[i].count) {
            snprintf(c->errors[i].text, sizeof c->errors[i].text, "%s", text);
            c->errors[i].count = 1;
            return;
        }
    }
    c->errors_dropped++;
}

static void record(struct client *c, enum op op, int64_t started_us, bool is_ok)
{
    if (c->sample_count == c->sample_cap) {
        c->sample_cap = c->sample_cap ? c->sample_cap * 2 : 256;
        c->samples = xreallocarray(c->samples, c->sample_cap, sizeof *c->samples);
    }
    c->samples[c->sample_count++] = (struct sample){
        .op = (uint8_t)op,
        .is_ok = is_ok,
        .at_ms = (int32_t)(started_us / 1000 - c->start_ms),
        .latency_us = now_us() - started_us,
    };
    atomic_fetch_add(&c->live->ops, 1);
    if (!is_ok)
        atomic_fetch_add(&c->live->errors, 1);
}

static void ack_message(struct client *c, const char *id, const char *status)
{
    if (c->ack_count == c->ack_cap) {
        c->ack_cap = c->ack_cap ? c->ack_cap * 2 : 64;
        c->acks = xreallocarray(c->acks, c->ack_cap, sizeof *c->acks);
    }
    c->acks[c->ack_count++] = (struct message_ack){.id = xstrdup(id), .status = status};
}

/* --- the store calls (the screens' path: replies come through the loop) ------------------ */

static void on_reply(void *userdata, enum err e, const char *errmsg, const struct store_rows *rows)
{
    struct client *c = userdata;
    c->is_replied = true;
    c->reply_err = e;
    snprintf(c->reply_msg, sizeof c->reply_msg, "%s", errmsg ? errmsg : "");
    free(c->reply_cell);
    const char *cell = rows ? store_rows_get(rows, 0, 0) : NULL;
    c->reply_cell = cell ? xstrdup(cell) : NULL;
}

/* Waits for the reply of a call just made (NULL: it already came). */
static enum err wait_reply(struct client *c, struct store_call *call)
{
    (void)call;
    while (!c->is_replied)
        loop_run_once(c->loop, 100);
    return c->reply_err;
}

static void call_begin(struct client *c)
{
    c->is_replied = false;
    c->reply_err = ERR_OK;
    c->reply_msg[0] = '\0';
    free(c->reply_cell);
    c->reply_cell = NULL;
}

static bool op_call(struct client *c, const char *what, struct store_call *call)
{
    enum err e = wait_reply(c, call);
    if (e != ERR_OK) {
        keep_error(c, "%s: %s%s%s", what, err_str(e), c->reply_msg[0] ? ": " : "", c->reply_msg);
        return false;
    }
    if (!c->reply_cell) {
        keep_error(c, "%s: empty reply", what);
        return false;
    }
    return true;
}

static bool do_progress(struct client *c)
{
    call_begin(c);
    return op_call(c, "progress", store_learning_dashboard(c->store, on_reply, c));
}

static bool do_recommendations(struct client *c)
{
    call_begin(c);
    return op_call(c, "recommendations",
                   store_learning_recommendations(c->store, false, 5, on_reply, c));
}

static bool do_analytics(struct client *c)
{
    char *json = NULL;
    enum err e = store_learning_summary(c->store, &json);
    bool is_ok = e == ERR_OK && json && *json;
    if (!is_ok)
        keep_error(c, "analytics: %s: %s", err_str(e), store_errmsg(c->store));
    free(json);
    return is_ok;
}

/* The attempt the setup opened for this person (assessment_start resumes it). */
static bool enrol(struct client *c)
{
    call_begin(c);
    if (!op_call(c, "assessment start",
                 store_assessment_start(c->store, c->o->assessment, on_reply, c)))
        return false;
    struct json_doc *doc = NULL;
    if (json_doc_parse(c->reply_cell, strlen(c->reply_cell), &doc) != ERR_OK)
        return false;
    free(c->attempt);
    c->attempt = json_str_dup(json_get(json_doc_root(doc), "attempt_id"), NULL);
    json_doc_free(doc);
    return c->attempt != NULL;
}

static bool do_answer(struct client *c)
{
    if (!c->attempt && !enrol(c))
        return false;
    int q = (int)(lrand48() % ASSESSMENT_QUESTIONS);
    int choice = (int)(lrand48() % 4);
    char qid[16];
    snprintf(qid, sizeof qid, "q%d", q + 1);
    call_begin(c);
    bool is_ok = op_call(
        c, "answer", store_assessment_save_answer(c->store, c->attempt, qid, choice, on_reply, c));
    if (is_ok) {
        c->answers[q].acked = choice;
        c->answers[q].tried = 0;
    } else {
        c->answers[q].tried |= 1u << choice;
    }
    return is_ok;
}

/* --- a question: the RAG pipeline exactly as cca ask / the chat screen run it ------------ */

static void ask_on_done(void *userdata, const struct rag_answer *a)
{
    struct client *c = userdata;
    c->is_answered = true;
    c->ask_state = a->state;
    c->ask_stored = a->is_stored;
    c->ask_message = a->message_id ? xstrdup(a->message_id) : NULL;
    c->ask_conversation = a->conversation_id ? xstrdup(a->conversation_id) : NULL;
    c->ask_errmsg = a->errmsg ? xstrdup(a->errmsg) : NULL;
}

static bool do_ask(struct client *c)
{
    const char *q = questions[lrand48() % (long)(sizeof questions / sizeof questions[0])];
    c->is_answered = false;
    const struct rag_events ev = {.on_done = ask_on_done};
    enum err e = rag_ask(c->rag, c->conversation, q, &ev, c, NULL);
    if (e != ERR_OK) {
        keep_error(c, "ask: %s", err_str(e));
        return false;
    }
    while (!c->is_answered)
        loop_run_once(c->loop, 100);
    bool is_ok = c->ask_state == RAG_STATE_DONE && c->ask_stored;
    if (c->ask_message) {
        /* The question is stored; its outcome too when is_stored (else it is in the unsent
         * file as an "answer" record). */
        ack_message(c, c->ask_message,
                    !c->ask_stored                        ? "*"
                    : c->ask_state == RAG_STATE_DONE      ? "answered"
                    : c->ask_state == RAG_STATE_CANCELLED ? "cancelled"
                                                          : "failed");
        if (c->ask_conversation) {
            free(c->conversation);
            c->conversation = xstrdup(c->ask_conversation);
        }
        if (!c->ask_stored) {
            c->queued_answers++;
            c->has_unsent = true;
            keep_error(c, "ask: the answer was not saved (kept in the unsent file)");
        }
    } else {
        c->queued_questions++;
        c->has_unsent = true;
        atomic_fetch_add(&c->live->queued, 1);
    }
    if (c->ask_state != RAG_STATE_DONE)
        keep_error(c, "ask: %s", c->ask_errmsg ? c->ask_errmsg : "failed");
    free(c->ask_message);
    free(c->ask_conversation);
    free(c->ask_errmsg);
    c->ask_message = c->ask_conversation = c->ask_errmsg = NULL;
    return is_ok;
}

/* --- the unsent file: what the person does once the database is back -------------------- */

/* This process's one client: cli_error (cca unsent's messages) is told to it. */
static struct client *current_client;

void cli_error(const char *fmt, ...)
{
    char text[ERR_TEXT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    fprintf(stderr, "cca: %s\n", text);
    if (current_client)
        keep_error(current_client, "cca unsent --send said: %s", text);
}

static void unsent_counts(size_t *questions_out, size_t *answers_out)
{
    *questions_out = *answers_out = 0;
    struct unsent_file f;
    if (unsent_read(&f, NULL, 0) != ERR_OK)
        return;
    for (size_t i = 0; i < f.count; i++) {
        if (strcmp(f.entries[i].kind, "question") == 0)
            ++*questions_out;
        else
            ++*answers_out;
    }
    unsent_file_cleanup(&f);
}

/* `cca unsent --send`, the documented way back (the TUI's Ctrl-R asks the same questions
 * again through the same pipeline). Returns true when nothing is left. */
static bool send_unsent(struct client *c)
{
    size_t q0, a0, q1, a1;
    unsent_counts(&q0, &a0);
    if (q0 + a0 == 0) {
        c->has_unsent = false;
        return true;
    }
    char *argv[] = {(char *)"unsent", (char *)"--send", NULL};
    int status = cmd_unsent(&c->cli, 2, argv);
    unsent_counts(&q1, &a1);
    c->resent_questions += (long)(q0 - (q1 < q0 ? q1 : q0));
    c->resent_answers += (long)(a0 - (a1 < a0 ? a1 : a0));
    c->has_unsent = q1 + a1 > 0;
    if (status != 0 && c->has_unsent)
        keep_error(c, "cca unsent --send: exit %d, %zu still kept", status, q1 + a1);
    return !c->has_unsent;
}

/* --- the client's life --------------------------------------------------------------------- */

static enum op pick_op(void)
{
    int total = 0;
    for (int i = 0; i < OP_COUNT; i++)
        total += op_weights[i];
    int r = (int)(lrand48() % total);
    for (int i = 0; i < OP_COUNT; i++) {
        if (r < op_weights[i])
            return (enum op)i;
        r -= op_weights[i];
    }
    return OP_ASK;
}

/* Think time: exponential around the mean (a person does not act on a metronome), capped. */
static int64_t think_ms(const struct opts *o)
{
    double u = drand48();
    double t = -log(1.0 - u) * o->think_ms;
    if (t > 5.0 * o->think_ms)
        t = 5.0 * o->think_ms;
    return (int64_t)t;
}

/* What the full-screen app does when its connection dropped: store_reconnect after 1 s, then
 * 2, 4 ... 30 s (tui/app.c: RECONNECT_FIRST_MS, RECONNECT_MAX_MS). */
static void maybe_reconnect(struct client *c)
{
    if (!c->store || store_is_connected(c->store))
        return;
    int64_t t = now_ms();
    if (!c->reconnect_at_ms) {
        c->reconnect_delay_ms = 1000;
        c->reconnect_at_ms = t + c->reconnect_delay_ms;
        return;
    }
    if (t < c->reconnect_at_ms)
        return;
    if (store_reconnect(c->store) == ERR_OK) {
        c->reconnects++;
        c->reconnect_at_ms = 0;
        return;
    }
    c->reconnect_delay_ms = c->reconnect_delay_ms * 2 > 30000 ? 30000 : c->reconnect_delay_ms * 2;
    c->reconnect_at_ms = now_ms() + c->reconnect_delay_ms;
}

/* Runs the loop (timers, idle disconnect, reconnecting) until the time comes. */
static void idle_until(struct client *c, int64_t until_ms)
{
    for (int64_t t = now_ms(); t < until_ms; t = now_ms()) {
        loop_run_once(c->loop, (int)(until_ms - t < 200 ? until_ms - t : 200));
        maybe_reconnect(c);
    }
}

static void write_results(struct client *c, const char *path)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return;
    for (size_t i = 0; i < c->sample_count; i++)
        fprintf(f, "S %u %d %lld %u\n", c->samples[i].op, c->samples[i].at_ms,
                (long long)c->samples[i].latency_us, c->samples[i].is_ok);
    for (size_t i = 0; i < c->ack_count; i++)
        fprintf(f, "M %s %s\n", c->acks[i].id, c->acks[i].status);
    if (c->attempt)
        for (int q = 0; q < ASSESSMENT_QUESTIONS; q++)
            if (c->answers[q].acked >= 0 || c->answers[q].tried)
                fprintf(f, "A %s q%d %d %u\n", c->attempt, q + 1, c->answers[q].acked,
                        c->answers[q].tried);
    size_t still_q, still_a;
    unsent_counts(&still_q, &still_a);
    fprintf(f, "C %ld %ld %ld %ld %zu %zu %ld\n", c->queued_questions, c->queued_answers,
            c->resent_questions, c->resent_answers, still_q, still_a, c->reconnects);
    for (size_t i = 0; i < ERRORS_KEPT && c->errors[i].count; i++)
        fprintf(f, "E %ld %s\n", c->errors[i].count, c->errors[i].text);
    if (c->errors_dropped)
        fprintf(f, "E %ld (other messages)\n", c->errors_dropped);
    fclose(f);
    rename(tmp, path);
}

static int client_main(const struct opts *o, int idx, const struct person *p, struct live *live,
                       int go_fd, const _Atomic int64_t *shared_start_ms)
{
    char dir[2048], path[4096];
    snprintf(dir, sizeof dir, "%s/c%d", o->workdir, idx);
    mkdir(dir, 0700);
    /* Each person's own cca state: the unsent file lives here. */
    setenv("HOME", dir, 1);
    setenv("XDG_STATE_HOME", dir, 1);
    snprintf(path, sizeof path, "%s/log", dir);
    if (!freopen(path, "w", stderr) || !freopen("/dev/null", "w", stdout))
        return 1;
    log_open(NULL, LOG_WARN, NULL, 0);
    log_set_stderr(true);
    /* The employees' terminals are other machines in real life: here the servers get the
     * CPU first. */
    if (nice(10) < 0)
        fprintf(stderr, "nice: %s\n", strerror(errno));
    srand48((long)(idx * 7919 + 17) ^ (long)getpid());

    char url[1024], replica[1024];
    snprintf(url, sizeof url, "host=%s port=%d dbname=cca user=%s application_name=cca-load",
             o->pool_host, o->pool_port, p->db_role);
    snprintf(replica, sizeof replica,
             "host=%s port=%d dbname=cca_replica user=%s application_name=cca-load", o->pool_host,
             o->pool_port, p->db_role);
    setenv("CCA_DATABASE_URL", url, 1);
    setenv("CCA_DATABASE_REPLICA_URL", o->replica ? replica : "", 1);
    setenv("CCA_DATABASE_POOLED", "true", 1);
    /* Offline answers and the local embedder whatever the caller's environment or
     * ./config.ini say: an empty configuration file of the run's own. */
    snprintf(path, sizeof path, "%s/config.ini", o->workdir);
    setenv("CCA_CONFIG", path, 1);
    setenv("CCA_SYSTEM_CONFIG", "", 1);
    const char *const drop[] = {"CCA_USER",      "CCA_LLM_BASE_URL",   "CCA_LLM_API_KEY",
                                "CCA_LLM_MODEL", "CCA_EMBED_BASE_URL", "CCA_EMBED_MODEL",
                                "CCA_EMBED_DIM"};
    for (size_t i = 0; i < sizeof drop / sizeof drop[0]; i++)
        unsetenv(drop[i]);

    struct client *c = xcalloc(1, sizeof *c);
    c->o = o;
    c->idx = idx;
    c->live = live;
    /* Everyone starts together once every process exists (the parent closes the pipe). */
    char byte;
    while (read(go_fd, &byte, 1) < 0 && errno == EINTR)
        ;
    close(go_fd);
    int64_t start_ms = atomic_load(shared_start_ms);
    c->start_ms = start_ms;
    for (int q = 0; q < ASSESSMENT_QUESTIONS; q++)
        c->answers[q].acked = -1;
    config_init(&c->cfg);
    char err[512] = "";
    char *warning = NULL;
    if (config_load(&c->cfg, NULL, &warning, err, sizeof err) != ERR_OK) {
        fprintf(stderr, "config: %s\n", err);
        return 1;
    }
    free(warning);
    if (c->cfg.db_answer_timeout_ms <= 0)
        c->cfg.db_answer_timeout_ms = TUI_ANSWER_TIMEOUT_MS;
    c->cli = (struct cli){.cfg = &c->cfg, .prog = "cca", .open_store = pg_store_open_config};
    current_client = c;

    int64_t end_ms = start_ms + (int64_t)o->seconds * 1000;
    /* People open cca over the ramp-up, not all in the same second; then they think. */
    c->loop = loop_new();
    idle_until(c, start_ms + (int64_t)(drand48() * o->ramp_s * 1000));
    int64_t backoff_ms = 1000;
    while (now_ms() < end_ms) {
        int64_t t0 = now_us();
        enum err e = pg_store_open_config(&c->cfg, true, &c->store, err, sizeof err);
        if (e == ERR_OK) {
            record(c, OP_CONNECT, t0, true);
            break;
        }
        keep_error(c, "open: %s", err);
        c->open_errors++;
        record(c, OP_CONNECT, t0, false);
        /* Try again later and later (1, 2, 4, 8 s, jittered), as a person would. */
        idle_until(c, now_ms() + backoff_ms / 2 + (int64_t)(drand48() * (double)backoff_ms));
        if (backoff_ms < 8000)
            backoff_ms *= 2;
    }
    if (!c->store)
        goto out;
    store_attach_loop(c->store, c->loop);
    if (rag_new(&c->cfg, c->loop, c->store, NULL, &c->rag, err, sizeof err) != ERR_OK) {
        keep_error(c, "rag: %s", err);
        goto out;
    }
    (void)enrol(c);
    int64_t first = now_ms() + think_ms(o);
    idle_until(c, first < end_ms ? first : end_ms);
    while (now_ms() < end_ms) {
        enum op op = pick_op();
        int64_t t0 = now_us();
        bool is_ok = false;
        switch (op) {
        case OP_ASK:
            is_ok = do_ask(c);
            break;
        case OP_PROGRESS:
            is_ok = do_progress(c);
            break;
        case OP_RECOMMEND:
            is_ok = do_recommendations(c);
            break;
        case OP_ANALYTICS:
            is_ok = do_analytics(c);
            break;
        case OP_ANSWER:
            is_ok = do_answer(c);
            break;
        case OP_CONNECT:
        case OP_COUNT:
            break;
        }
        record(c, op, t0, is_ok);
        /* Back after a failure: what was kept locally goes now, without restarting. */
        if (is_ok && c->has_unsent)
            (void)send_unsent(c);
        int64_t next = now_ms() + think_ms(o);
        idle_until(c, next < end_ms ? next : end_ms);
    }
    /* Closing time: nothing may stay in the unsent file if the database is back. */
    for (int64_t until = now_ms() + RECOVER_MAX_S * 1000; c->has_unsent && now_ms() < until;) {
        if (send_unsent(c))
            break;
        idle_until(c, now_ms() + 2000);
    }
out:
    snprintf(path, sizeof path, "%s/results", dir);
    write_results(c, path);
    rag_free(c->rag);
    store_free(c->store);
    loop_free(c->loop);
    return 0;
}

/* ==== the parent: start, sample, events, check, report ===================================== */

static PGconn *connect_or_null(const char *conninfo)
{
    if (!conninfo || !*conninfo)
        return NULL;
    PGconn *c = PQconnectdb(conninfo);
    if (PQstatus(c) != CONNECTION_OK) {
        PQfinish(c);
        return NULL;
    }
    return c;
}

/* Server backends of the cca database: everything but the sampler itself and WAL senders. */
static int count_backends(PGconn **conn, const char *conninfo)
{
    if (!*conn || PQstatus(*conn) != CONNECTION_OK) {
        PQfinish(*conn);
        *conn = connect_or_null(conninfo);
        if (!*conn)
            return -1;
    }
    PGresult *r = PQexec(*conn, "SELECT count(*) FROM pg_stat_activity WHERE datname = 'cca' "
                                "AND pid <> pg_backend_pid() AND backend_type = 'client backend'");
    int n = -1;
    if (PQresultStatus(r) == PGRES_TUPLES_OK)
        n = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    if (n < 0) {
        PQfinish(*conn);
        *conn = NULL;
    }
    return n;
}

static PGresult *must_exec(PGconn *c, const char *sql, ExecStatusType want)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != want)
        die("%s: %s", sql, PQerrorMessage(c));
    return r;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct_ms(const int64_t *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    size_t k = (size_t)ceil(p * (double)n);
    if (k < 1)
        k = 1;
    return (double)v[k - 1] / 1000.0;
}

struct tally {
    int64_t *lat[OP_COUNT];
    size_t n[OP_COUNT], cap[OP_COUNT], errs[OP_COUNT];
    int64_t *all;
    size_t all_n, all_cap;
    long queued_q, queued_a, resent_q, resent_a, still_q, still_a, reconnects;
    long clients_reported;
    struct kept_error errors[64];
};

static void tally_error(struct tally *t, long count, const char *text)
{
    for (size_t i = 0; i < sizeof t->errors / sizeof t->errors[0]; i++) {
        if (t->errors[i].count && strcmp(t->errors[i].text, text) == 0) {
            t->errors[i].count += count;
            return;
        }
        if (!t->errors[i].count) {
            snprintf(t->errors[i].text, sizeof t->errors[i].text, "%s", text);
            t->errors[i].count = count;
            return;
        }
    }
}

static void push64(int64_t **v, size_t *n, size_t *cap, int64_t x)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 1024;
        *v = xreallocarray(*v, *cap, sizeof **v);
    }
    (*v)[(*n)++] = x;
}

/* Reads one client's results; its expectations go into the COPY buffers. */
static void read_results(struct tally *t, const char *path, const char *user_id, int idx,
                         FILE *msgs, FILE *answers)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    t->clients_reported++;
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        unsigned op, ok;
        int at;
        long long lat;
        char a[128], b[128];
        int choice;
        unsigned mask;
        long q0, a0, q1, a1, rc = 0;
        size_t s0, s1;
        if (line[0] == 'S' && sscanf(line, "S %u %d %lld %u", &op, &at, &lat, &ok) == 4 &&
            op < OP_COUNT) {
            if (ok) {
                push64(&t->lat[op], &t->n[op], &t->cap[op], lat);
                push64(&t->all, &t->all_n, &t->all_cap, lat);
            } else {
                t->errs[op]++;
            }
        } else if (line[0] == 'M' && sscanf(line, "M %127s %127s", a, b) == 2) {
            fprintf(msgs, "%s\t%s\t%s\t%d\n", a, b, user_id, idx);
        } else if (line[0] == 'A' &&
                   sscanf(line, "A %127s %127s %d %u", a, b, &choice, &mask) == 4) {
            fprintf(answers, "%s\t%s\t%d\t%u\n", a, b, choice, mask);
        } else if (line[0] == 'C' && sscanf(line, "C %ld %ld %ld %ld %zu %zu %ld", &q0, &a0, &q1,
                                            &a1, &s0, &s1, &rc) >= 6) {
            t->reconnects += rc;
            t->queued_q += q0;
            t->queued_a += a0;
            t->resent_q += q1;
            t->resent_a += a1;
            t->still_q += (long)s0;
            t->still_a += (long)s1;
        } else if (line[0] == 'E') {
            char *end = NULL;
            long n = strtol(line + 2, &end, 10);
            if (end && *end == ' ')
                tally_error(t, n, end + 1);
        }
    }
    fclose(f);
}

static void copy_in(PGconn *c, const char *sql, const char *path)
{
    PGresult *r = must_exec(c, sql, PGRES_COPY_IN);
    PQclear(r);
    FILE *f = fopen(path, "r");
    char buf[65536];
    size_t n;
    while (f && (n = fread(buf, 1, sizeof buf, f)) > 0)
        if (PQputCopyData(c, buf, (int)n) != 1)
            die("copy: %s", PQerrorMessage(c));
    if (f)
        fclose(f);
    if (PQputCopyEnd(c, NULL) != 1)
        die("copy: %s", PQerrorMessage(c));
    r = PQgetResult(c);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        die("copy: %s", PQerrorMessage(c));
    PQclear(r);
    while ((r = PQgetResult(c)))
        PQclear(r);
}

static long query_long(PGconn *c, const char *sql)
{
    PGresult *r = must_exec(c, sql, PGRES_TUPLES_OK);
    long v = PQntuples(r) ? strtol(PQgetvalue(r, 0, 0), NULL, 10) : 0;
    PQclear(r);
    return v;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: loadtest --clients N --seconds S --pool-host DIR --pool-port P --primary "
            "CONNINFO [--replica CONNINFO] --workdir DIR [--think-ms MS] [--pool-size B] "
            "[--event SECONDS:COMMAND]...\n");
    exit(2);
}

static void parse_args(struct opts *o, int argc, char **argv)
{
    *o = (struct opts){.clients = 500,
                       .seconds = 300,
                       .think_ms = 30000,
                       .ramp_s = -1,
                       .pool_port = 6432,
                       .assessment = "assess-loadtest"};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage();
        i++;
        if (strcmp(a, "--clients") == 0)
            o->clients = atoi(v);
        else if (strcmp(a, "--seconds") == 0)
            o->seconds = atoi(v);
        else if (strcmp(a, "--think-ms") == 0)
            o->think_ms = atoi(v);
        else if (strcmp(a, "--ramp-s") == 0)
            o->ramp_s = atoi(v);
        else if (strcmp(a, "--pool-size") == 0)
            o->pool_size = atoi(v);
        else if (strcmp(a, "--pool-host") == 0)
            o->pool_host = v;
        else if (strcmp(a, "--pool-port") == 0)
            o->pool_port = atoi(v);
        else if (strcmp(a, "--primary") == 0)
            o->primary = v;
        else if (strcmp(a, "--replica") == 0)
            o->replica = *v ? v : NULL;
        else if (strcmp(a, "--workdir") == 0)
            o->workdir = v;
        else if (strcmp(a, "--event") == 0 && o->event_count < EVENTS_MAX) {
            const char *colon = strchr(v, ':');
            if (!colon)
                usage();
            o->events[o->event_count++] = (struct event){.at_s = atoi(v), .cmd = colon + 1};
        } else
            usage();
    }
    if (o->ramp_s < 0) /* a tenth of the run, 3 to 30 s */
        o->ramp_s = o->seconds / 10 < 3 ? 3 : o->seconds / 10 > 30 ? 30 : o->seconds / 10;
    if (o->clients < 1 || o->clients > CLIENTS_MAX || o->seconds < 1 || o->think_ms < 1 ||
        !o->pool_host || !o->primary || !o->workdir)
        usage();
}

int main(int argc, char **argv)
{
    struct opts o;
    parse_args(&o, argc, argv);
    setvbuf(stdout, NULL, _IOLBF, 0);

    PGconn *db = connect_or_null(o.primary);
    if (!db)
        die("cannot connect to the primary (%s)", o.primary);
    PGresult *r = must_exec(db,
                            "SELECT id, db_role FROM users WHERE email LIKE 'lt%@load.test' "
                            "ORDER BY substr(email, 3, strpos(email, '@') - 3)::int",
                            PGRES_TUPLES_OK);
    if (PQntuples(r) < o.clients)
        die("%d load-test people in the database, %d asked for (scripts/loadtest.sh creates "
            "them)",
            PQntuples(r), o.clients);
    struct person *people = xcalloc((size_t)o.clients, sizeof *people);
    for (int i = 0; i < o.clients; i++) {
        people[i].id = xstrdup(PQgetvalue(r, i, 0));
        people[i].db_role = xstrdup(PQgetvalue(r, i, 1));
    }
    PQclear(r);
    /* Questions of this run only (a deployment may be reused: tests/scaleout/run.sh). */
    r = must_exec(db, "SELECT now()::text", PGRES_TUPLES_OK);
    char *since = xstrdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    PQfinish(db);

    char cfg_path[4096];
    snprintf(cfg_path, sizeof cfg_path, "%s/config.ini", o.workdir);
    int cfd = open(cfg_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (cfd < 0 || write(cfd, "; the load test's clients: the defaults (offline)\n", 50) != 50)
        die("cannot write %s", cfg_path);
    close(cfd);

    struct live *live = mmap(NULL, (size_t)o.clients * sizeof *live, PROT_READ | PROT_WRITE,
                             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (live == MAP_FAILED)
        die("mmap: %s", strerror(errno));
    memset(live, 0, (size_t)o.clients * sizeof *live);

    printf("loadtest: %d clients for %d s (think time %d ms on average, all started within "
           "%d s), each their own role through PgBouncer; pool size %d\n",
           o.clients, o.seconds, o.think_ms, o.ramp_s, o.pool_size);
    _Atomic int64_t *shared_start =
        mmap(NULL, sizeof *shared_start, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared_start == MAP_FAILED)
        die("mmap: %s", strerror(errno));
    int go[2];
    if (pipe(go) != 0)
        die("pipe: %s", strerror(errno));
    int64_t fork_ms = now_ms();
    pid_t *pids = xcalloc((size_t)o.clients, sizeof *pids);
    for (int i = 0; i < o.clients; i++) {
        fflush(NULL);
        pid_t pid = fork();
        if (pid < 0)
            die("fork: %s", strerror(errno));
        if (pid == 0) {
            close(go[1]);
            _exit(client_main(&o, i, &people[i], &live[i], go[0], shared_start));
        }
        pids[i] = pid;
    }
    close(go[0]);
    int64_t start_ms = now_ms() + 200;
    atomic_store(shared_start, start_ms);
    close(go[1]);
    printf("  %d processes started in %.1f s\n", o.clients,
           (double)(start_ms - 200 - fork_ms) / 1000);

    /* The sampler: once a second, the server backends on the primary and the replica. */
    PGconn *sp = NULL, *sr = NULL;
    int max_p = 0, max_r = 0, missed_p = 0, samples = 0;
    bool done_event[EVENTS_MAX] = {0};
    int64_t end_ms = start_ms + (int64_t)o.seconds * 1000;
    long last_ops = 0;
    for (int64_t tick = start_ms; now_ms() < end_ms; tick += 1000) {
        while (now_ms() < tick)
            usleep(20000);
        int t_s = (int)((tick - start_ms) / 1000);
        for (int e = 0; e < o.event_count; e++) {
            if (!done_event[e] && t_s >= o.events[e].at_s) {
                done_event[e] = true;
                printf("  t=%3ds  event: %s\n", t_s, o.events[e].cmd);
                int rc = system(o.events[e].cmd);
                printf("  t=%3ds  event done (exit %d)\n", (int)((now_ms() - start_ms) / 1000),
                       WIFEXITED(rc) ? WEXITSTATUS(rc) : -1);
            }
        }
        int bp = count_backends(&sp, o.primary);
        int br = o.replica ? count_backends(&sr, o.replica) : 0;
        samples++;
        if (bp < 0)
            missed_p++;
        if (bp > max_p)
            max_p = bp;
        if (br > max_r)
            max_r = br;
        if (t_s % 10 == 0 && t_s > 0) {
            long ops = 0, errs = 0, queued = 0;
            for (int i = 0; i < o.clients; i++) {
                ops += atomic_load(&live[i].ops);
                errs += atomic_load(&live[i].errors);
                queued += atomic_load(&live[i].queued);
            }
            printf("  t=%3ds  %ld requests (%.1f/s in the last 10 s), %ld errors, %ld questions "
                   "queued; backends: primary %d, replica %d\n",
                   t_s, ops, (double)(ops - last_ops) / 10.0, errs, queued, bp, br);
            last_ops = ops;
        }
    }
    PQfinish(sp);
    PQfinish(sr);
    double run_s = (double)(now_ms() - start_ms) / 1000.0;

    /* The clients finish their operation in flight and send what is still unsent. */
    int crashed = 0;
    int64_t wait_until = now_ms() + (RECOVER_MAX_S + 30) * 1000;
    for (int i = 0; i < o.clients; i++) {
        int st = 0;
        for (;;) {
            pid_t w = waitpid(pids[i], &st, WNOHANG);
            if (w == pids[i])
                break;
            if (now_ms() > wait_until) {
                kill(pids[i], SIGKILL);
                waitpid(pids[i], &st, 0);
                break;
            }
            usleep(50000);
        }
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            crashed++;
            if (WIFSIGNALED(st))
                printf("  client %d was killed by signal %d\n", i, WTERMSIG(st));
            else
                printf("  client %d exited with status %d (see %s/c%d/log)\n", i,
                       WEXITSTATUS(st), o.workdir, i);
        }
    }

    struct rusage ru;
    double clients_cpu_s = 0;
    if (getrusage(RUSAGE_CHILDREN, &ru) == 0)
        clients_cpu_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
                        (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    /* Tally, and the expectations for the database check. */
    struct tally t = {0};
    char mpath[4096], apath[4096], path[4096];
    snprintf(mpath, sizeof mpath, "%s/expected_messages.tsv", o.workdir);
    snprintf(apath, sizeof apath, "%s/expected_answers.tsv", o.workdir);
    FILE *msgs = fopen(mpath, "w"), *answers = fopen(apath, "w");
    if (!msgs || !answers)
        die("cannot write in %s", o.workdir);
    for (int i = 0; i < o.clients; i++) {
        snprintf(path, sizeof path, "%s/c%d/results", o.workdir, i);
        read_results(&t, path, people[i].id, i, msgs, answers);
    }
    fclose(msgs);
    fclose(answers);

    db = connect_or_null(o.primary);
    if (!db)
        die("cannot connect to the primary for the final check");
    PQclear(must_exec(db,
                      "CREATE TEMP TABLE lt_msg (id text, status text, user_id text, client int);"
                      "CREATE TEMP TABLE lt_ans (attempt_id text, question_id text, acked int, "
                      "tried int)",
                      PGRES_COMMAND_OK));
    copy_in(db, "COPY lt_msg FROM STDIN", mpath);
    copy_in(db, "COPY lt_ans FROM STDIN", apath);
    /* Lost: acknowledged to the client, not in the database as acknowledged. */
    long lost_q =
        query_long(db, "SELECT count(*) FROM lt_msg m LEFT JOIN chat_messages c ON c.id = m.id "
                       "WHERE c.id IS NULL OR (m.status <> '*' AND c.status <> m.status) "
                       "OR (m.status = 'answered' AND c.response IS NULL)");
    long misattributed =
        query_long(db, "SELECT count(*) FROM lt_msg m JOIN chat_messages c ON c.id = m.id "
                       "WHERE c.user_id <> m.user_id");
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM chat_messages c JOIN users u ON u.id = c.user_id "
             "WHERE u.email LIKE 'lt%%@load.test' AND c.created_at >= '%s' "
             "AND c.status = 'pending'",
             since);
    long unanswered = query_long(db, sql);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM chat_messages c JOIN users u ON u.id = c.user_id "
             "WHERE u.email LIKE 'lt%%@load.test' AND c.created_at >= '%s'",
             since);
    long stored_q = query_long(db, sql);
    long lost_a = query_long(db, "SELECT count(*) FROM lt_ans e LEFT JOIN assessment_answers a "
                                 "ON a.attempt_id = e.attempt_id AND a.question_id = e.question_id "
                                 "WHERE NOT (a.choice IS NOT DISTINCT FROM nullif(e.acked, -1) "
                                 "OR (a.choice IS NOT NULL AND (e.tried >> a.choice) & 1 = 1))");
    long acked_a = query_long(db, "SELECT count(*) FROM lt_ans WHERE acked >= 0");
    long acked_q = query_long(db, "SELECT count(*) FROM lt_msg");
    PQfinish(db);

    /* The report. */
    long total_ok = 0, total_err = 0;
    for (int k = 0; k < OP_COUNT; k++) {
        total_ok += (long)t.n[k];
        total_err += (long)t.errs[k];
    }
    long requests = total_ok + total_err;
    printf("\n%-16s %9s %8s %9s %9s %9s\n", "operation", "requests", "errors", "p50 ms", "p95 ms",
           "p99 ms");
    for (int k = 0; k < OP_COUNT; k++) {
        qsort(t.lat[k], t.n[k], sizeof *t.lat[k], cmp_i64);
        printf("%-16s %9zu %8zu %9.1f %9.1f %9.1f\n", op_names[k], t.n[k] + t.errs[k], t.errs[k],
               pct_ms(t.lat[k], t.n[k], 0.50), pct_ms(t.lat[k], t.n[k], 0.95),
               pct_ms(t.lat[k], t.n[k], 0.99));
    }
    qsort(t.all, t.all_n, sizeof *t.all, cmp_i64);
    double p95 = pct_ms(t.all, t.all_n, 0.95);
    printf("%-16s %9ld %8ld %9.1f %9.1f %9.1f\n", "all", requests, total_err,
           pct_ms(t.all, t.all_n, 0.50), p95, pct_ms(t.all, t.all_n, 0.99));
    printf("\nthroughput: %.1f requests/s over %.0f s (%ld of %d clients reported%s)\n",
           (double)requests / run_s, run_s, t.clients_reported, o.clients,
           crashed ? ", some did not exit cleanly" : "");
    printf("server backends (cca database, sampled every second): max %d on the primary, "
           "max %d on the replica; PgBouncer pool size %d per database%s\n",
           max_p, max_r, o.pool_size,
           o.pool_size && max_p > o.pool_size ? "  ** ABOVE THE POOL SIZE **" : "");
    printf("the %d client processes used %.0f CPU-seconds (%.2f cores over the run; they run "
           "at nice 10 on the servers' machine)\n",
           o.clients, clients_cpu_s, clients_cpu_s / run_s);
    if (missed_p)
        printf("  the primary did not answer %d of %d samples (down)\n", missed_p, samples);
    printf("questions: %ld stored; %ld acknowledged as stored (%ld of them with the answer kept "
           "locally); %ld queued in the unsent file when the database failed, %ld of them sent "
           "later with cca unsent --send, %ld still kept; %ld answers kept locally and saved "
           "later; %ld still pending in the database\n",
           stored_q, acked_q, t.queued_a, t.queued_q, t.resent_q, t.still_q, t.resent_a,
           unanswered);
    if (t.reconnects)
        printf("connections the clients re-opened after losing them (the TUI's backoff): %ld\n",
               t.reconnects);
    printf("assessment answers: %ld acknowledged (last per question), %ld lost\n", acked_a, lost_a);
    printf("questions lost: %ld; stored under another person: %ld\n", lost_q, misattributed);
    if (crashed)
        printf("clients that did not exit cleanly: %d\n", crashed);
    bool any = false;
    for (size_t i = 0; i < sizeof t.errors / sizeof t.errors[0] && t.errors[i].count; i++) {
        if (!any)
            printf("messages the clients got (count, text):\n");
        any = true;
        printf("  %6ld  %s\n", t.errors[i].count, t.errors[i].text);
    }
    /* Resent questions are not known by id: their count must be in the database. */
    long resent_missing = acked_q + t.resent_q - stored_q;
    if (resent_missing < 0)
        resent_missing = 0;
    if (resent_missing)
        printf("questions sent again but missing from the database: %ld\n", resent_missing);
    long lost = lost_q + lost_a + resent_missing;
    printf("loadtest: %ld requests, %ld errors, %ld lost, %d max backends, p95 %.0f ms\n", requests,
           total_err + crashed, lost, max_p, p95);
    return 0;
}
