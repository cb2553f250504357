/* cmd_ingest.c: `cca ingest PATH... [--type T] [--source NAME] [--json]` and
 * `cca reindex [--json]`. Argument parsing, the progress bar (stderr, TTY only) and the
 * summary; the work is core/ingest.
 * Exit status: 0 when the run completed, even if some files were skipped (they are listed
 * with their reason); 1 on a fatal error that stopped the run (database unreachable, no
 * permission, embedding model mismatch, embedder failure); 2 on a usage error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/content_embed.h"
#include "core/embed.h"
#include "core/ingest.h"
#include "core/json_out.h"
#include "core/llm.h"
#include "core/loop.h"
#include "core/mem.h"
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
        fprintf(out, "Usage: cca reindex [--json]\n"
                     "       cca reindex --missing\n\n"
                     "Re-embeds every stored passage with the configured embedder and records\n"
                     "its model and dimension in the database. Run it after changing\n"
                     "[embeddings] model or dim. --missing only chunks and embeds what is not\n"
                     "searchable yet (content without passages or embeddings).\n\n"
                     "  --json   print a machine-readable summary on stdout\n\n"
                     "Exit status: 0 done, 1 failed (the reason is on stderr), 2 usage error.\n");
        return;
    }
    fprintf(out,
            "Usage: cca ingest PATH... [--type T] [--source NAME] [--json]\n\n"
            "Adds Markdown (.md, .markdown) and text (.txt) files to the knowledge base;\n"
            "folders are read recursively (hidden entries are skipped). The title is the\n"
            "first heading, else the file name. Unchanged files are skipped, changed ones\n"
            "replaced. Files that are empty, binary, not UTF-8 or unreadable are reported\n"
            "and skipped.\n\n"
            "  --type T        tutorial|reference|lesson|course|skill|assessment\n"
            "                  (default: reference)\n"
            "  --source NAME   the source service recorded with each document\n"
            "  --json          print a machine-readable summary on stdout\n\n"
            "Exit status: 0 when the run completed (skipped files are listed, with why),\n"
            "1 when a fatal error stopped it (database down, no permission, embedding\n"
            "model mismatch), 2 on a usage error.\n");
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
    char *text = NULL;
    if (json_out_finish(&j, &text) == ERR_OK)
        printf("%s\n", text);
    else
        cli_error("the summary is too large to print as JSON");
    free(text);
    json_out_cleanup(&j);
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

static int ingest_run_command(struct cli *cli, int argc, char **argv, bool is_reindex)
{
    struct ingest_cli c;
    memset(&c, 0, sizeof c);
    int status = ingest_parse(&c, argc, argv, !is_reindex);
    if (status >= 0) {
        free(c.paths);
        return status;
    }
    c.has_bar = cli->is_stderr_tty;

    struct ingest_env env;
    status = ingest_open(cli, &env);
    if (status != 0) {
        ingest_close(&env);
        free(c.paths);
        return status;
    }

    struct ingest_options opt;
    ingest_options_init(&opt, cli->cfg);
    if (c.type)
        opt.content_type = c.type;
    opt.source_service = c.source;
    opt.on_progress = ingest_progress;
    opt.userdata = &c;

    struct ingest_summary sum;
    char *errmsg = NULL;
    enum err rc = is_reindex ? ingest_reindex(env.store, env.emb, &opt, &sum, &errmsg)
                             : ingest_paths(env.store, env.emb, &opt, c.paths, c.path_count,
                                            &sum, &errmsg);
    ingest_bar_clear(&c);

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
    free(c.paths);
    return rc == ERR_OK ? 0 : 1;
}

int cmd_ingest(struct cli *cli, int argc, char **argv)
{
    return ingest_run_command(cli, argc, argv, false);
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
    return ingest_run_command(cli, argc, argv, true);
}
