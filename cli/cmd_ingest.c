/* cmd_ingest.c: `cca ingest PATH... [--type T] [--source NAME] [--audience LIST]
 * [--draft | --publish] [--json]` and
 * `cca reindex [--json]`. Argument parsing, the progress bar (stderr, TTY only) and the
 * summary; the work is core/ingest.
 * Exit status: 0 when the run completed, even if some files were skipped (they are listed
 * with their reason); 1 on a fatal error that stopped the run (database unreachable, no
 * permission, embedding model mismatch, embedder failure); 2 on a usage error. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/content_embed.h"
#include "core/embed.h"
#include "core/ingest.h"
#include "core/log.h"
#include "core/store_index.h"
#include "core/json_out.h"
#include "core/llm.h"
#include "core/loop.h"
#include "core/mem.h"
#include "core/reindex.h"
#include "core/store_reindex.h"
#include "core/store.h"
#include "cli/commands.h"

enum { PROGRESS_BAR_WIDTH = 24 };

static const char *const content_types[] = {"tutorial", "reference", "lesson",
                                            "course",   "skill",     "assessment"};

struct ingest_cli {
    bool is_json;
    bool has_bar;       /* a progress bar is on stderr */
    bool is_bar_drawn;
    double last_draw_s;
    const char *type;
    const char *source;
    const char *audience; /* checked and trimmed: "role:x,department:y", "" for everyone */
    const char *state;    /* "draft" | "published" | NULL */
    char *audience_buf;
    const char **paths;
    size_t path_count;
};

/* Everything the commands need, opened in order and closed in reverse. */
struct ingest_env {
    struct store *store;
    struct loop *loop;
    struct llm *llm;
    struct embedder *emb;
};

static void ingest_usage(FILE *out, const char *name)
{
    if (strcmp(name, "reindex") == 0) {
        fprintf(out, "Usage: cca reindex [--if-needed] [--limit N] [--json]\n"
                     "       cca reindex --status [--json]\n"
                     "       cca reindex --abort\n"
                     "       cca reindex --missing\n\n"
                     "Re-embeds every stored passage with the configured embedder, beside the\n"
                     "live index: answers keep coming from the old embeddings meanwhile. Each\n"
                     "batch is committed, so an interrupted run continues where it stopped when\n"
                     "run again with the same embedder. When every passage has its new\n"
                     "embedding, one transaction switches to them and records the model and\n"
                     "dimension. Run it after changing [embeddings] model or dim. Admin only.\n\n"
                     "  --if-needed\n"
                     "             only when the live index is of another model or dimension\n"
                     "             than the configured embedder's; asks no endpoint otherwise,\n"
                     "             so scripts can run it every time\n"
                     "  --limit N  embed at most N passages in this run, then stop (resumable)\n"
                     "  --status   show the state: \"reindex to MODEL (DIM): 4,200 of 10,000\n"
                     "             passages\", or the live index\n"
                     "  --abort    forget the run in progress; the live index stays\n"
                     "  --missing  only chunk and embed content that is not searchable yet\n"
                     "             (content without passages or embeddings, e.g. seeded)\n"
                     "  --json     print a machine-readable summary on stdout\n\n"
                     "Exit status: 0 done (or stopped at --limit, or not needed), 1 failed (the reason is on\n"
                     "stderr; what was embedded stays for the next run), 2 usage error.\n");
        return;
    }
    fprintf(out,
            "Usage: cca ingest PATH... [--type T] [--source NAME] [--audience LIST]\n"
            "                  [--draft | --publish] [--json]\n\n"
            "Adds Markdown (.md, .markdown) and text (.txt) files to the knowledge base;\n"
            "folders are read recursively (hidden entries are skipped). The title is the\n"
            "first heading, else the file name. Unchanged files are skipped, changed ones\n"
            "replaced. Files that are empty, binary, not UTF-8 or unreadable are reported\n"
            "and skipped.\n\n"
            "  --type T        tutorial|reference|lesson|course|skill|assessment\n"
            "                  (default: reference)\n"
            "  --source NAME   the source service recorded with each document\n"
            "  --audience LIST who may read the documents: comma-separated role:R\n"
            "                  (learner, hr_manager, trainer, admin) and department:D\n"
            "                  entries, any of which grants access; 'everyone' for all\n"
            "                  (the default for new documents; re-ingesting keeps the\n"
            "                  stored audience unless this is given)\n"
            "  --draft         store as a draft: only its author and admins read it\n"
            "  --publish       publish a draft (new documents are published)\n"
            "  --json          print a machine-readable summary on stdout\n\n"
            "Exit status: 0 when the run completed (skipped files are listed, with why),\n"
            "1 when a fatal error stopped it (database down, no permission, embedding\n"
            "model mismatch), 2 on a usage error.\n");
}

/* Checks an --audience LIST ("role:hr_manager, department:Engineering" or "everyone") and
 * puts it in c->audience without blanks around entries; the database checks that the
 * department exists. Returns false after printing why. */
static bool audience_parse(struct ingest_cli *c, const char *list)
{
    static const char *const roles[] = {"learner", "hr_manager", "trainer", "admin"};
    struct buf out;
    buf_init(&out, 4096);
    bool is_ok = true;
    size_t entries = 0;
    const char *p = list;
    while (is_ok) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len && (*p == ' ' || *p == '\t'))
            p++, len--;
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        for (size_t i = 0; i < len && is_ok; i++)
            if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
                is_ok = false;
        const char *colon = memchr(p, ':', len);
        if (!is_ok) {
            cli_error("--audience: control characters are not allowed");
        } else if (len == 8 && strncmp(p, "everyone", 8) == 0 && !end && entries == 0) {
            break; /* everyone: the empty list */
        } else if (len == 0) {
            cli_error("--audience: an entry is empty (role:NAME or department:NAME, "
                      "comma-separated)");
            is_ok = false;
        } else if (!colon || colon + 1 == p + len ||
                   !((colon - p == 4 && strncmp(p, "role", 4) == 0) ||
                     (colon - p == 10 && strncmp(p, "department", 10) == 0))) {
            cli_error("--audience: '%.*s' is not role:NAME or department:NAME", (int)len, p);
            is_ok = false;
        } else if (colon - p == 4) {
            bool is_known = false;
            for (size_t k = 0; k < sizeof roles / sizeof roles[0]; k++)
                is_known = is_known || ((size_t)(p + len - colon - 1) == strlen(roles[k]) &&
                                        strncmp(colon + 1, roles[k], strlen(roles[k])) == 0);
            if (!is_known) {
                cli_error("--audience: unknown role '%.*s' (learner, hr_manager, trainer, admin)",
                          (int)(p + len - colon - 1), colon + 1);
                is_ok = false;
            }
        }
        if (!is_ok)
            break;
        (void)buf_printf(&out, "%s%.*s", entries++ ? "," : "", (int)len, p);
        if (!end)
            break;
        p = end + 1;
    }
    if (is_ok) {
        c->audience_buf = buf_detach(&out);
        c->audience = c->audience_buf ? c->audience_buf : "";
    }
    buf_cleanup(&out);
    return is_ok;
}

/* Parses the options shared by both commands; returns -1 to go on, else an exit status. */
static int ingest_parse(struct ingest_cli *c, int argc, char **argv, bool wants_paths)
{
    c->paths = xcalloc((size_t)argc + 1, sizeof *c->paths);
    bool is_options_done = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        if (!is_options_done && strcmp(a, "--") == 0) {
            is_options_done = true;
        } else if (!is_options_done && (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)) {
            ingest_usage(stdout, argv[0]);
            return 0;
        } else if (!is_options_done && strcmp(a, "--json") == 0) {
            c->is_json = true;
        } else if (!is_options_done && wants_paths &&
                   (strcmp(a, "--type") == 0 || strncmp(a, "--type=", 7) == 0)) {
            val = a[6] == '=' ? a + 7 : (i + 1 < argc ? argv[++i] : NULL);
            if (!val) {
                cli_error("--type needs a value");
                return 2;
            }
            bool is_known = false;
            for (size_t k = 0; k < sizeof content_types / sizeof content_types[0]; k++)
                is_known = is_known || strcmp(val, content_types[k]) == 0;
            if (!is_known) {
                cli_error("unknown --type '%s' (tutorial, reference, lesson, course, skill, "
                          "assessment)",
                          val);
                return 2;
            }
            c->type = val;
        } else if (!is_options_done && wants_paths &&
                   (strcmp(a, "--source") == 0 || strncmp(a, "--source=", 9) == 0)) {
            val = a[8] == '=' ? a + 9 : (i + 1 < argc ? argv[++i] : NULL);
            if (!val || !*val) {
                cli_error("--source needs a name");
                return 2;
            }
            c->source = val;
        } else if (!is_options_done && wants_paths &&
                   (strcmp(a, "--audience") == 0 || strncmp(a, "--audience=", 11) == 0)) {
            val = a[10] == '=' ? a + 11 : (i + 1 < argc ? argv[++i] : NULL);
            if (!val || !*val) {
                cli_error("--audience needs a list (role:NAME, department:NAME or everyone)");
                return 2;
            }
            free(c->audience_buf);
            c->audience_buf = NULL;
            if (!audience_parse(c, val))
                return 2;
        } else if (!is_options_done && wants_paths &&
                   (strcmp(a, "--draft") == 0 || strcmp(a, "--publish") == 0)) {
            const char *state = a[2] == 'd' ? "draft" : "published";
            if (c->state && strcmp(c->state, state) != 0) {
                cli_error("--draft and --publish exclude each other");
                return 2;
            }
            c->state = state;
        } else if (!is_options_done && a[0] == '-' && a[1] != '\0') {
            cli_error("unknown option '%s' (see cca %s --help)", a, argv[0]);
            return 2;
        } else if (wants_paths) {
            c->paths[c->path_count++] = a;
        } else {
            cli_error("'cca %s' takes no arguments (see cca %s --help)", argv[0], argv[0]);
            return 2;
        }
    }
    if (wants_paths && c->path_count == 0) {
        cli_error("nothing to ingest: name files or folders (see cca ingest --help)");
        return 2;
    }
    return -1;
}

/* ---- progress ----------------------------------------------------------------------- */

static void ingest_progress(void *userdata, const struct ingest_progress *p)
{
    struct ingest_cli *c = userdata;
    if (!c->has_bar)
        return;
    /* Redraw at most 20 times a second: the terminal is slower than the embedder. */
    if (c->is_bar_drawn && p->elapsed_s - c->last_draw_s < 0.05)
        return;
    c->last_draw_s = p->elapsed_s;
    size_t done = p->passages_total ? p->passages : p->files_done;
    size_t total = p->passages_total ? p->passages_total : p->files_total;
    int filled = total ? (int)((double)done / (double)total * PROGRESS_BAR_WIDTH) : 0;
    if (filled > PROGRESS_BAR_WIDTH)
        filled = PROGRESS_BAR_WIDTH;
    char bar[PROGRESS_BAR_WIDTH + 1];
    for (int i = 0; i < PROGRESS_BAR_WIDTH; i++)
        bar[i] = i < filled ? '#' : '-';
    bar[PROGRESS_BAR_WIDTH] = '\0';
    if (p->passages_total)
        fprintf(stderr, "\r\033[K[%s] %zu/%zu passages  %.0f passages/s", bar, p->passages,
                p->passages_total, p->passages_per_s);
    else
        fprintf(stderr, "\r\033[K[%s] %zu/%zu files  %zu passages  %.0f passages/s", bar,
                p->files_done, p->files_total, p->passages, p->passages_per_s);
    fflush(stderr);
    c->is_bar_drawn = true;
}

static void ingest_bar_clear(struct ingest_cli *c)
{
    if (c->is_bar_drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        c->is_bar_drawn = false;
    }
}

/* ---- output ------------------------------------------------------------------------- */

static void ingest_print_json(const struct ingest_summary *sum, const struct embedder *emb,
                              enum err rc, const char *errmsg, bool is_reindex)
{
    struct json_out j;
    json_out_init(&j, 64u * 1024 * 1024);
    json_out_object_begin(&j);
    json_out_key(&j, "ok");
    json_out_bool(&j, rc == ERR_OK);
    json_out_key(&j, "error");
    json_out_string(&j, rc == ERR_OK ? NULL : (errmsg ? errmsg : err_str(rc)));
    json_out_key(&j, "embed_model");
    json_out_string(&j, emb ? embedder_model(emb) : NULL);
    json_out_key(&j, "embed_dim");
    json_out_int(&j, emb ? embedder_dim(emb) : 0);
    if (!is_reindex) {
        json_out_key(&j, "files_seen");
        json_out_int(&j, (long)sum->files_seen);
        json_out_key(&j, "added");
        json_out_int(&j, (long)sum->added);
        json_out_key(&j, "updated");
        json_out_int(&j, (long)sum->updated);
        json_out_key(&j, "unchanged");
        json_out_int(&j, (long)sum->unchanged);
        json_out_key(&j, "skipped");
        json_out_int(&j, (long)sum->skipped);
    }
    json_out_key(&j, "passages");
    json_out_int(&j, (long)sum->passages);
    json_out_key(&j, "seconds");
    json_out_number(&j, sum->seconds);
    json_out_key(&j, "passages_per_s");
    json_out_number(&j, sum->seconds > 0 ? (double)sum->passages / sum->seconds : 0);
    if (!is_reindex) {
        json_out_key(&j, "files");
        json_out_array_begin(&j);
        for (size_t i = 0; i < sum->file_count; i++) {
            const struct ingest_file *f = &sum->files[i];
            json_out_object_begin(&j);
            json_out_key(&j, "path");
            json_out_string(&j, f->path);
            json_out_key(&j, "status");
            json_out_string(&j, ingest_status_name(f->status));
            json_out_key(&j, "passages");
            json_out_int(&j, (long)f->passages);
            json_out_key(&j, "reason");
            json_out_string(&j, f->reason);
            json_out_object_end(&j);
        }
        json_out_array_end(&j);
    }
    json_out_object_end(&j);
    cli_print_json(&j, "the summary");
}

static void ingest_print_text(const struct ingest_summary *sum, bool is_reindex)
{
    double rate = sum->seconds > 0 ? (double)sum->passages / sum->seconds : 0;
    if (is_reindex) {
        printf("re-embedded %zu passages in %.2f s (%.0f passages/s)\n", sum->passages,
               sum->seconds, rate);
        return;
    }
    printf("%zu files: %zu added, %zu updated, %zu unchanged, %zu skipped; %zu passages in "
           "%.2f s (%.0f passages/s)\n",
           sum->files_seen, sum->added, sum->updated, sum->unchanged, sum->skipped,
           sum->passages, sum->seconds, rate);
}

/* ---- the commands ------------------------------------------------------------------- */

static int ingest_open(struct cli *cli, struct ingest_env *env)
{
    char err[1024] = "";
    memset(env, 0, sizeof *env);
    /* Content is added as the acting user, so row-level security decides who may. */
    enum err rc = cli->open_store(cli->cfg, true, &env->store, err, sizeof err);
    if (rc != ERR_OK) {
        cli_error("%s", *err ? err : err_str(rc));
        return 1;
    }
    bool is_local = strcmp(cli->cfg->embed_provider, "local") == 0;
    if (!is_local) {
        env->loop = loop_new();
        rc = llm_new(cli->cfg, env->loop, &env->llm, err, sizeof err);
        if (rc != ERR_OK) {
            cli_error("embeddings endpoint: %s", *err ? err : err_str(rc));
            return 1;
        }
    }
    rc = embedder_new(cli->cfg, env->llm, env->loop, &env->emb, err, sizeof err);
    if (rc != ERR_OK) {
        cli_error("%s", *err ? err : err_str(rc));
        return 1;
    }
    return 0;
}

static void ingest_close(struct ingest_env *env)
{
    embedder_free(env->emb);
    llm_free(env->llm);
    loop_free(env->loop);
    store_free(env->store);
}

static void on_maintain(void *userdata, enum err e, const char *errmsg,
                        const struct store_rows *rows)
{
    (void)userdata;
    (void)rows;
    /* The content is stored either way; the indexes catch up on the next ingest. */
    if (e != ERR_OK)
        log_warn("ingest: vector indexes not brought up to date: %s", errmsg);
}

/* Brings the vector indexes up to date after content changed. Building the fallback's lists
 * or an HNSW index over 100,000 passages takes minutes, longer than any client's statement
 * timeout: this one step runs on its own connection without one (the load kept its own). */
static void ingest_maintain(struct cli *cli, bool has_bar)
{
    int statement_ms = cli->cfg->db_statement_timeout_ms;
    int answer_ms = cli->cfg->db_answer_timeout_ms;
    cli->cfg->db_statement_timeout_ms = 0;
    cli->cfg->db_answer_timeout_ms = 6 * 3600 * 1000;
    struct store *s = NULL;
    char err[1024] = "";
    enum err rc = cli->open_store(cli->cfg, true, &s, err, sizeof err);
    cli->cfg->db_statement_timeout_ms = statement_ms;
    cli->cfg->db_answer_timeout_ms = answer_ms;
    if (rc != ERR_OK) {
        log_warn("ingest: vector indexes not brought up to date: %s", *err ? err : err_str(rc));
        return;
    }
    if (has_bar)
        fputs("ingest: bringing the vector indexes up to date...\r", stderr);
    store_index_maintain(s, on_maintain, NULL);
    if (has_bar)
        fputs("\r\033[K", stderr);
    store_free(s);
}

static int ingest_run_command(struct cli *cli, int argc, char **argv, bool is_reindex)
{
    struct ingest_cli c;
    memset(&c, 0, sizeof c);
    int status = ingest_parse(&c, argc, argv, !is_reindex);
    if (status >= 0) {
        free(c.audience_buf);
        free(c.paths);
        return status;
    }
    c.has_bar = cli->is_stderr_tty;

    struct ingest_env env;
    status = ingest_open(cli, &env);
    if (status != 0) {
        ingest_close(&env);
        free(c.audience_buf);
        free(c.paths);
        return status;
    }

    struct ingest_options opt;
    ingest_options_init(&opt, cli->cfg);
    if (c.type)
        opt.content_type = c.type;
    opt.source_service = c.source;
    opt.audience = c.audience;
    opt.state = c.state;
    opt.on_progress = ingest_progress;
    opt.userdata = &c;

    struct ingest_summary sum;
    char *errmsg = NULL;
    enum err rc = is_reindex ? ingest_reindex(env.store, env.emb, &opt, &sum, &errmsg)
                             : ingest_paths(env.store, env.emb, &opt, c.paths, c.path_count,
                                            &sum, &errmsg);
    ingest_bar_clear(&c);
    if ((rc == ERR_OK && (sum.added || sum.updated || is_reindex)) || sum.is_index_dropped)
        ingest_maintain(cli, c.has_bar);

    for (size_t i = 0; i < sum.file_count; i++)
        if (sum.files[i].status == INGEST_SKIPPED)
            cli_error("skipped %s: %s", sum.files[i].path, sum.files[i].reason);
    if (rc != ERR_OK)
        cli_error("%s", errmsg ? errmsg : err_str(rc));
    if (c.is_json)
        ingest_print_json(&sum, env.emb, rc, errmsg, is_reindex);
    else
        ingest_print_text(&sum, is_reindex);

    free(errmsg);
    ingest_summary_cleanup(&sum);
    ingest_close(&env);
    free(c.audience_buf);
    free(c.paths);
    return rc == ERR_OK ? 0 : 1;
}

int cmd_ingest(struct cli *cli, int argc, char **argv)
{
    return ingest_run_command(cli, argc, argv, false);
}

/* ---- reindex ------------------------------------------------------------------------ */

struct reindex_cli {
    bool has_bar;
    bool is_bar_drawn;
    double last_draw_s;
};

static void reindex_progress(void *userdata, const struct reindex_progress *p)
{
    struct reindex_cli *c = userdata;
    if (!c->has_bar || (c->is_bar_drawn && p->elapsed_s - c->last_draw_s < 0.05))
        return;
    c->last_draw_s = p->elapsed_s;
    int filled = p->total ? (int)((double)p->done / (double)p->total * PROGRESS_BAR_WIDTH) : 0;
    if (filled > PROGRESS_BAR_WIDTH)
        filled = PROGRESS_BAR_WIDTH;
    char bar[PROGRESS_BAR_WIDTH + 1];
    for (int i = 0; i < PROGRESS_BAR_WIDTH; i++)
        bar[i] = i < filled ? '#' : '-';
    bar[PROGRESS_BAR_WIDTH] = '\0';
    fprintf(stderr, "\r\033[K[%s] %ld/%ld passages  %.0f passages/s", bar, p->done, p->total,
            p->passages_per_s);
    fflush(stderr);
    c->is_bar_drawn = true;
}

static void print_state_json(const struct reindex_state *st)
{
    struct json_out j;
    json_out_init(&j, 1u << 20);
    json_out_object_begin(&j);
    json_out_key(&j, "active");
    json_out_bool(&j, st->is_active);
    json_out_key(&j, "model");
    json_out_string(&j, st->model);
    json_out_key(&j, "dim");
    json_out_int(&j, st->dim);
    json_out_key(&j, "done");
    json_out_int(&j, st->done);
    json_out_key(&j, "total");
    json_out_int(&j, st->total);
    json_out_key(&j, "started_at");
    json_out_string(&j, st->started_at);
    json_out_key(&j, "current_model");
    json_out_string(&j, st->current_model);
    json_out_key(&j, "current_dim");
    json_out_int(&j, st->current_dim);
    json_out_object_end(&j);
    cli_print_json(&j, "the state");
}

struct doc_reply {
    enum err e;
    char *errmsg;
    char *text;
};

static void on_doc_reply(void *userdata, enum err e, const char *errmsg,
                         const struct store_rows *rows)
{
    struct doc_reply *r = userdata;
    r->e = e;
    r->errmsg = xstrdup(errmsg ? errmsg : "");
    const char *t = e == ERR_OK ? store_rows_get(rows, 0, 0) : NULL;
    r->text = t ? xstrdup(t) : NULL;
}

/* Reads (or with is_abort, aborts and reads) the reindex state into *st (reindex_state_cleanup
 * after 0); 1 after saying on stderr why it could not. */
static int fetch_state(struct store *s, bool is_abort, struct reindex_state *st)
{
    struct doc_reply r = {0};
    if (is_abort)
        store_reindex_abort(s, on_doc_reply, &r);
    else
        store_reindex_state(s, on_doc_reply, &r);
    int status = 0;
    if (r.e != ERR_OK) {
        cli_error("reindex: %s", *r.errmsg ? r.errmsg : err_str(r.e));
        status = 1;
    } else if (!r.text || reindex_state_parse(r.text, strlen(r.text), st) != ERR_OK) {
        cli_error("reindex: the database answered something unexpected");
        status = 1;
    }
    free(r.errmsg);
    free(r.text);
    return status;
}

/* --if-needed: -1 when the index is not em's model and dimension (go on and reindex), else the
 * exit status after saying why nothing is done (0) or why the state was not readable (1). */
static int reindex_skip_if_current(struct store *s, const struct embedder *em, bool is_json)
{
    struct reindex_state st;
    if (fetch_state(s, false, &st) != 0)
        return 1;
    bool is_needed = reindex_is_needed(&st, embedder_model(em), embedder_dim(em));
    if (!is_needed) {
        if (is_json) {
            struct json_out j;
            json_out_init(&j, 4096);
            json_out_object_begin(&j);
            json_out_key(&j, "ok");
            json_out_bool(&j, true);
            json_out_key(&j, "needed");
            json_out_bool(&j, false);
            json_out_key(&j, "embed_model");
            json_out_string(&j, embedder_model(em));
            json_out_key(&j, "embed_dim");
            json_out_int(&j, embedder_dim(em));
            json_out_key(&j, "current_model");
            json_out_string(&j, st.current_model);
            json_out_object_end(&j);
            cli_print_json(&j, "the state");
        } else if (st.current_model) {
            printf("reindex not needed: the index already holds %s (%d)\n", st.current_model,
                   st.current_dim);
        } else {
            printf("reindex not needed: nothing is embedded yet\n");
        }
    }
    reindex_state_cleanup(&st);
    return is_needed ? -1 : 0;
}

/* --status and --abort: no embedder needed. */
static int reindex_state_command(struct cli *cli, bool is_abort, bool is_json)
{
    struct store *s = NULL;
    char err[1024] = "";
    enum err rc = cli->open_store(cli->cfg, true, &s, err, sizeof err);
    if (rc != ERR_OK) {
        cli_error("%s", *err ? err : err_str(rc));
        return 1;
    }
    struct reindex_state st;
    int status = fetch_state(s, is_abort, &st);
    if (status == 0) {
        if (is_json) {
            print_state_json(&st);
        } else {
            struct buf b;
            buf_init(&b, 4096);
            if (is_abort)
                buf_append_str(&b, "reindex aborted; ");
            reindex_state_describe(&st, &b);
            puts(buf_str(&b));
            buf_cleanup(&b);
        }
        reindex_state_cleanup(&st);
    }
    store_free(s);
    return status;
}

int cmd_embed_missing(struct cli *cli)
{
    struct ingest_env env;
    int status = ingest_open(cli, &env);
    if (status != 0) {
        ingest_close(&env);
        return status;
    }
    size_t items = 0, passages = 0;
    char *errmsg = NULL;
    enum err rc = content_embed_all(env.store, env.emb, cli->cfg->rag_chunk_chars,
                                    cli->cfg->rag_chunk_overlap, &items, &passages, &errmsg);
    if (rc != ERR_OK)
        cli_error("embedding content: %s", errmsg ? errmsg : err_str(rc));
    else
        printf("embedded %zu passages of %zu content items\n", passages, items);
    free(errmsg);
    ingest_close(&env);
    return rc == ERR_OK ? 0 : 1;
}

int cmd_reindex(struct cli *cli, int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--missing") == 0)
        return cmd_embed_missing(cli);
    bool is_json = false, is_status = false, is_abort = false, is_if_needed = false;
    long limit = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            ingest_usage(stdout, "reindex");
            return 0;
        } else if (strcmp(a, "--json") == 0) {
            is_json = true;
        } else if (strcmp(a, "--status") == 0) {
            is_status = true;
        } else if (strcmp(a, "--abort") == 0) {
            is_abort = true;
        } else if (strcmp(a, "--if-needed") == 0) {
            is_if_needed = true;
        } else if (strcmp(a, "--limit") == 0 || strncmp(a, "--limit=", 8) == 0) {
            const char *v = a[7] == '=' ? a + 8 : (i + 1 < argc ? argv[++i] : NULL);
            char *end = NULL;
            limit = v ? strtol(v, &end, 10) : 0;
            if (!v || !*v || *end || limit < 1) {
                cli_error("reindex: --limit takes a positive number of passages");
                return 2;
            }
        } else {
            cli_error("reindex: unknown argument '%s' (see cca reindex --help)", a);
            return 2;
        }
    }
    if (is_status + is_abort + (limit > 0 || is_if_needed) > 1) {
        cli_error("reindex: --status and --abort go alone");
        return 2;
    }
    if (is_status || is_abort)
        return reindex_state_command(cli, is_abort, is_json);

    struct ingest_env env;
    int status = ingest_open(cli, &env);
    if (status != 0) {
        ingest_close(&env);
        return status;
    }
    if (is_if_needed) {
        int st = reindex_skip_if_current(env.store, env.emb, is_json);
        if (st >= 0) {
            ingest_close(&env);
            return st;
        }
    }
    struct reindex_cli c = {.has_bar = cli->is_stderr_tty};
    struct reindex_options opt = {
        .batch_size = cli->cfg->embed_batch_size,
        .max_passages = limit,
        .on_progress = reindex_progress,
        .userdata = &c,
    };
    struct reindex_summary sum;
    char *errmsg = NULL;
    enum err rc = reindex_run(env.store, env.emb, &opt, &sum, &errmsg);
    if (c.is_bar_drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    if (rc != ERR_OK)
        cli_error("reindex: %s", errmsg ? errmsg : err_str(rc));
    if (is_json) {
        struct json_out j;
        json_out_init(&j, 1u << 20);
        json_out_object_begin(&j);
        json_out_key(&j, "ok");
        json_out_bool(&j, rc == ERR_OK);
        json_out_key(&j, "error");
        json_out_string(&j, rc == ERR_OK ? NULL : (errmsg ? errmsg : err_str(rc)));
        json_out_key(&j, "embed_model");
        json_out_string(&j, embedder_model(env.emb));
        json_out_key(&j, "embed_dim");
        json_out_int(&j, embedder_dim(env.emb));
        json_out_key(&j, "resumed");
        json_out_bool(&j, sum.is_resumed);
        json_out_key(&j, "switched");
        json_out_bool(&j, sum.is_switched);
        json_out_key(&j, "passages");
        json_out_int(&j, sum.embedded);
        json_out_key(&j, "done");
        json_out_int(&j, sum.done);
        json_out_key(&j, "total");
        json_out_int(&j, sum.total);
        json_out_key(&j, "previous_model");
        json_out_string(&j, sum.previous_model);
        json_out_key(&j, "previous_dim");
        json_out_int(&j, sum.previous_dim);
        json_out_key(&j, "seconds");
        json_out_number(&j, sum.seconds);
        json_out_object_end(&j);
        cli_print_json(&j, "the summary");
    } else if (rc == ERR_OK) {
        double rate = sum.seconds > 0 ? (double)sum.embedded / sum.seconds : 0;
        printf("%sembedded %ld passages with %s (%d) in %.2f s (%.0f passages/s); ",
               sum.is_resumed ? "resumed: " : "", sum.embedded, embedder_model(env.emb),
               embedder_dim(env.emb), sum.seconds, rate);
        if (sum.is_switched)
            printf("switched: %ld passages now answer from %s (%d), was %s (%d)\n", sum.total,
                   embedder_model(env.emb), embedder_dim(env.emb),
                   sum.previous_model ? sum.previous_model : "?", sum.previous_dim);
        else
            printf("stopped at %ld of %ld passages (run cca reindex again to continue; answers "
                   "still come from the old index)\n",
                   sum.done, sum.total);
    }
    free(errmsg);
    reindex_summary_cleanup(&sum);
    ingest_close(&env);
    return rc == ERR_OK ? 0 : 1;
}
