/* cmd_doctor: `cca doctor` checks the configuration, the database (reachable, schema, vector
 * extension, user), the embedder and the LLM endpoint, one line per check, and exits non-zero
 * when a required check fails. It sees the database only through core/store.h. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/embed.h"
#include "core/embed_local.h"
#include "core/reindex.h"
#include "core/store_reindex.h"
#include "core/json.h"
#include "core/json_out.h"
#include "core/llm.h"
#include "core/loop.h"
#include "core/mem.h"
#include "core/store.h"
#include "core/store_content.h"
#include "core/store_replica.h"
#include "core/utf8.h"

#include "cli/commands.h"

enum doctor_level { DOCTOR_OK, DOCTOR_WARN, DOCTOR_FAIL };

struct doctor {
    struct cli *cli;
    bool is_json;
    bool has_color;
    int failures;
    int warnings;
    struct json_out json;
};

/* ---- output -------------------------------------------------------------------------------- */

/* Detail text may come from a server: strip escape sequences and controls, and keep it on one
 * line (libpq messages span several). */
static char *one_line(const char *s)
{
    char *clean = utf8_sanitize(s, strlen(s), NULL);
    char *w = clean;
    bool was_space = true;
    for (const char *r = clean; *r; r++) {
        bool is_space = *r == '\n' || *r == '\t' || *r == ' ';
        if (is_space && was_space)
            continue;
        *w++ = is_space ? ' ' : *r;
        was_space = is_space;
    }
    while (w > clean && w[-1] == ' ')
        w--;
    *w = '\0';
    return clean;
}

static void report(struct doctor *d, enum doctor_level level, const char *check, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));

static void report(struct doctor *d, enum doctor_level level, const char *check, const char *fmt,
                   ...)
{
    static const char *const words[] = {"ok", "warn", "FAIL"};
    static const char *const colors[] = {"\033[32m", "\033[33m", "\033[1;31m"};
    va_list ap;
    va_start(ap, fmt);
    struct buf b;
    buf_init(&b, 16 * 1024);
    buf_vprintf(&b, fmt, ap); /* a detail cut at the cap is still worth printing */
    va_end(ap);
    char *detail = one_line(buf_str(&b));
    buf_cleanup(&b);

    if (level == DOCTOR_FAIL)
        d->failures++;
    else if (level == DOCTOR_WARN)
        d->warnings++;
    if (d->is_json) {
        json_out_object_begin(&d->json);
        json_out_key(&d->json, "check");
        json_out_string(&d->json, check);
        json_out_key(&d->json, "status");
        json_out_string(&d->json, level == DOCTOR_FAIL ? "fail" : words[level]);
        json_out_key(&d->json, "detail");
        json_out_string(&d->json, detail);
        json_out_object_end(&d->json);
    } else if (d->has_color) {
        printf("%s%-4s\033[0m  %-10s %s\n", colors[level], words[level], check, detail);
    } else {
        printf("%-4s  %-10s %s\n", words[level], check, detail);
    }
    free(detail);
}

/* ---- checks -------------------------------------------------------------------------------- */

/* The files read, system-wide first (the user's keys win); a key others can read is flagged. */
static void check_config(struct doctor *d, const struct config *cfg)
{
    if (!cfg->path && !cfg->system_path) {
        report(d, DOCTOR_OK, "config", "defaults (no config file found; see cca(1) FILES)");
        return;
    }
    const char *files[2] = {cfg->system_path, cfg->path};
    bool has_key = cfg->llm_api_key || cfg->embed_api_key;
    for (size_t i = 0; i < 2; i++) {
        struct stat st;
        if (files[i] && has_key && stat(files[i], &st) == 0 && (st.st_mode & 077) &&
            (i == 1 || !cfg->path))
            report(d, DOCTOR_WARN, "config",
                   "%s is readable by other users (mode %03o) and an API key is set: chmod 600 "
                   "%s",
                   files[i], (unsigned)(st.st_mode & 0777), files[i]);
    }
    if (cfg->system_path && cfg->path)
        report(d, DOCTOR_OK, "config", "read %s, then %s (its keys win)", cfg->system_path,
               cfg->path);
    else
        report(d, DOCTOR_OK, "config", "read %s", cfg->path ? cfg->path : cfg->system_path);
}

/* The prompts (needed online: the chat, drafted quiz questions) and the theme, from the assets folder in use. */
static void check_assets(struct doctor *d, const struct config *cfg)
{
    /* the chat's two, and the Authoring tab's questions drafted by the model */
    static const char *const prompts[] = {"prompts/system.txt", "prompts/user.txt",
                                          "prompts/quiz.txt"};
    const char *dir = cfg->assets_dir;
    for (size_t i = 0; i < sizeof prompts / sizeof prompts[0]; i++) {
        char *p = xasprintf("%s/%s", dir, prompts[i]);
        bool is_readable = access(p, R_OK) == 0;
        free(p);
        if (!is_readable) {
            report(d, config_has_llm(cfg) ? DOCTOR_FAIL : DOCTOR_WARN, "assets",
                   "%s/%s is missing or unreadable: set [general] assets_dir (or reinstall)",
                   dir, prompts[i]);
            return;
        }
    }
    char *theme = xasprintf("%s/themes/%s.theme", dir, cfg->ui_theme);
    bool has_theme = access(theme, R_OK) == 0;
    free(theme);
    if (!has_theme)
        report(d, DOCTOR_WARN, "assets", "%s: no theme '%s' (the built-in colours are used)", dir,
               cfg->ui_theme);
    else
        report(d, DOCTOR_OK, "assets", "%s", dir);
}

static bool is_vector_missing(const char *impl)
{
    return !impl || *impl == '\0' || strcmp(impl, "none") == 0;
}

/* Reports the database, schema and vector checks; returns the store (caller frees) or NULL. */
static struct store *check_database(struct doctor *d, const struct config *cfg,
                                    struct store_info *info)
{
    struct store *st = NULL;
    char err[1024] = "";
    enum err e = d->cli->open_store(cfg, false, &st, err, sizeof err);
    if (e != ERR_OK) {
        report(d, DOCTOR_FAIL, "database", "%s", *err ? err : err_str(e));
        return NULL;
    }
    e = store_info(st, info);
    if (e != ERR_OK) {
        report(d, DOCTOR_FAIL, "database",
               "connected, but the server information is not "
               "readable: %s",
               store_errmsg(st));
        store_free(st);
        return NULL;
    }
    report(d, DOCTOR_OK, "database", "PostgreSQL %s, connected as role %s",
           info->server_version ? info->server_version : "?",
           info->session_role ? info->session_role : "?");

    if (info->schema_version == 0)
        report(d, DOCTOR_FAIL, "schema", "no CCA schema in this database: run `cca migrate`%s",
               info->pending_migrations ? "" : " (as a role that may create tables)");
    else if (info->pending_migrations > 0)
        report(d, DOCTOR_FAIL, "schema", "version %d, %d migration%s pending: run `cca migrate`",
               info->schema_version, info->pending_migrations,
               info->pending_migrations == 1 ? "" : "s");
    else
        report(d, DOCTOR_OK, "schema", "version %d, up to date", info->schema_version);

    if (is_vector_missing(info->vector_impl))
        report(d, DOCTOR_FAIL, "vector",
               "no vector extension in this database: install pgvector "
               "or the fallback (`make vector-install`), then `cca migrate`");
    else if (strncmp(info->vector_impl, "cca_vector", 10) == 0)
        report(d, DOCTOR_OK, "vector", "%s: the project's fallback (pgvector is not installed)",
               info->vector_impl);
    else
        report(d, DOCTOR_OK, "vector", "%s", info->vector_impl);
    return st;
}

/* [database] replica_url: each replica (up, lag, why it is skipped), then where reads go. */
static void check_replica(struct doctor *d, const struct config *cfg, struct store *st)
{
    if (!cfg->db_replica_url || !*cfg->db_replica_url)
        return;
    size_t count = store_replica_count(st), usable = 0;
    for (size_t i = 0; i < count; i++) {
        struct store_replica_state one;
        if (store_replica_check_one(st, i, &one) != ERR_OK)
            continue;
        if (one.is_usable) {
            usable++;
            if (one.lag_s > 0)
                report(d, DOCTOR_OK, "replica", "%s: up, %.1f s behind (within "
                       "replica_max_lag_s = %d)", one.name, one.lag_s, cfg->db_replica_max_lag_s);
            else
                report(d, DOCTOR_OK, "replica", "%s: up, caught up", one.name);
        } else {
            report(d, DOCTOR_WARN, "replica", "%s: skipped: %s", one.name, one.why);
        }
    }
    struct store_replica_state rs;
    if (store_replica_check(st, &rs) != ERR_OK || !rs.is_configured)
        return;
    if (rs.is_usable)
        report(d, DOCTOR_OK, "replica",
               "retrieval, dashboard and report reads go to %zu of %zu replica%s", usable, count,
               count == 1 ? "" : "s");
    else
        report(d, DOCTOR_WARN, "replica",
               "retrieval, dashboard and report reads go to the primary: %s", rs.why);
}

static void report_user(struct doctor *d, const struct store_user *u)
{
    report(d, DOCTOR_OK, "user", "%s (%s, %s%s%s) as database role %s", u->email ? u->email : "?",
           u->name ? u->name : "?", u->role ? u->role : "?", u->department ? ", " : "",
           u->department ? u->department : "", u->db_role ? u->db_role : "?");
}

static void check_user(struct doctor *d, const struct config *cfg, struct store *plain)
{
    struct store_user u = {0};
    if (!cfg->user) {
        if (store_whoami(plain, &u) == ERR_OK)
            report_user(d, &u);
        else
            report(d, DOCTOR_WARN, "user", "no user selected: %s", store_errmsg(plain));
        store_user_cleanup(&u);
        return;
    }
    struct store *st = NULL;
    char err[1024] = "";
    enum err e = d->cli->open_store(cfg, true, &st, err, sizeof err);
    if (e != ERR_OK) {
        report(d, DOCTOR_FAIL, "user", "cannot act as %s: %s", cfg->user, *err ? err : err_str(e));
        return;
    }
    if (store_whoami(st, &u) == ERR_OK)
        report_user(d, &u);
    else
        report(d, DOCTOR_FAIL, "user", "cannot act as %s: %s", cfg->user, store_errmsg(st));
    store_user_cleanup(&u);
    store_free(st);
}

/* Creates the embedder and embeds two short texts (two, so the one-text query cache cannot
 * answer for the endpoint). Returns the embedder (caller frees) or NULL. */
static struct embedder *check_embedder(struct doctor *d, const struct config *cfg, struct llm *llm,
                                       const char *llm_err, struct loop *loop)
{
    bool is_local = strcmp(cfg->embed_provider, "local") == 0;
    if (!is_local && !llm) {
        report(d, DOCTOR_FAIL, "embedder", "%s: %s", cfg->embed_provider, llm_err);
        return NULL;
    }
    struct embedder *em = NULL;
    char err[1024] = "";
    enum err e = embedder_new(cfg, is_local ? NULL : llm, loop, &em, err, sizeof err);
    if (e != ERR_OK) {
        report(d, DOCTOR_FAIL, "embedder", "%s", *err ? err : err_str(e));
        return NULL;
    }
    int dim = embedder_dim(em);
    const char *const texts[] = {"ping", "doctor"};
    float *out = xcalloc(2 * (size_t)(dim > 0 ? dim : 1), sizeof *out);
    char *errmsg = NULL;
    int64_t start = loop_now_ms();
    e = embedder_embed_sync(em, texts, 2, out, &errmsg);
    long elapsed_ms = (long)(loop_now_ms() - start);
    if (e != ERR_OK)
        report(d, DOCTOR_FAIL, "embedder", "%s %s at %s: %s", cfg->embed_provider,
               embedder_model(em), cfg->embed_base_url ? cfg->embed_base_url : "?",
               errmsg ? errmsg : err_str(e));
    else if (embedder_is_local(em) && strstr(embedder_model(em), "lexical"))
        report(d, DOCTOR_WARN, "embedder",
               "local %s, %d dimensions: WordNet data not found, so "
               "paraphrases will not meet (install wordnet-base)",
               embedder_model(em), dim);
    else if (embedder_is_local(em))
        report(d, DOCTOR_OK, "embedder", "local %s, %d dimensions", embedder_model(em), dim);
    else
        report(d, DOCTOR_OK, "embedder", "%s %s at %s, %d dimensions, answered in %ld ms",
               cfg->embed_provider, embedder_model(em), cfg->embed_base_url, dim, elapsed_ms);
    free(errmsg);
    free(out);
    return em;
}

static void check_embed_meta(struct doctor *d, const struct config *cfg,
                             const struct store_info *info, const struct embedder *em)
{
    const char *model = em ? embedder_model(em) : cfg->embed_model;
    int dim = em ? embedder_dim(em) : cfg->embed_dim;
    if (info->embed_dim != 0 && info->embed_dim != dim) {
        report(d, DOCTOR_FAIL, "embed-meta",
               "the database holds %d-dimensional vectors%s%s%s "
               "but the embedder makes %d (%s): run `cca reindex` to re-embed everything with "
               "it (answers keep coming from the old index until it switches), or set "
               "[embeddings] dim = %d",
               info->embed_dim, info->embed_model ? " (" : "",
               info->embed_model ? info->embed_model : "", info->embed_model ? ")" : "", dim, model,
               info->embed_dim);
        return;
    }
    if (!info->embed_model) {
        report(d, DOCTOR_OK, "embed-meta",
               "nothing embedded yet (the first `cca ingest` records "
               "%s, %d dimensions)",
               model, dim);
        return;
    }
    bool is_local = em && embedder_is_local(em);
    bool is_other = strcmp(info->embed_model, model) != 0;
    if (is_other && is_local && strcmp(info->embed_model, EMBED_LOCAL_MODEL) == 0 &&
        strcmp(model, EMBED_LOCAL_MODEL_WORDNET) == 0)
        /* The vectors need a table this cca did not find: say so before offering a reindex. */
        report(d, DOCTOR_FAIL, "embed-meta",
               "the database holds embeddings of %s but this cca's local embedder is %s: its "
               "word-vector table (wordvec.tbl, beside the WordNet table) was not found; "
               "reinstall cca or build it with `make`, or run `cca reindex` to re-embed "
               "everything with %s",
               info->embed_model, model, model);
    else if (is_other && is_local)
        /* The local embedder's model comes with this cca's build, not from [embeddings]. */
        report(d, DOCTOR_FAIL, "embed-meta",
               "the database holds embeddings of %s but this cca's local embedder is %s: run "
               "`cca reindex` to re-embed everything with it (answers keep coming from the old "
               "index until it switches)",
               info->embed_model, model);
    else if (is_other)
        report(d, DOCTOR_FAIL, "embed-meta",
               "the database holds embeddings of %s but the "
               "embedder is %s: run `cca reindex` to re-embed everything with %s, or set "
               "[embeddings] model = %s",
               info->embed_model, model, model, info->embed_model);
    else
        report(d, DOCTOR_OK, "embed-meta", "database and embedder agree: %s, %d dimensions", model,
               dim);
}

static void on_reindex_state(void *userdata, enum err e, const char *errmsg,
                             const struct store_rows *rows)
{
    (void)errmsg;
    struct reindex_state *st = userdata;
    const char *text = e == ERR_OK ? store_rows_get(rows, 0, 0) : NULL;
    if (!text || reindex_state_parse(text, strlen(text), st) != ERR_OK)
        memset(st, 0, sizeof *st);
}

/* A reindex in progress (or interrupted): "reindex to MODEL (DIM): 4,200 of 10,000
 * passages". Silent where the database cannot tell (an older schema). */
static void check_reindex(struct doctor *d, struct store *st)
{
    struct reindex_state rs;
    memset(&rs, 0, sizeof rs);
    store_reindex_state(st, on_reindex_state, &rs);
    if (rs.is_active) {
        struct buf b;
        buf_init(&b, 4096);
        reindex_state_describe(&rs, &b);
        report(d, DOCTOR_WARN, "reindex", "%s (`cca reindex` with that embedder continues it)",
               buf_str(&b));
        buf_cleanup(&b);
    }
    reindex_state_cleanup(&rs);
}

static void on_count(void *userdata, enum err e, const char *errmsg, const struct store_rows *rows)
{
    (void)errmsg;
    char **out = userdata;
    const char *t = e == ERR_OK ? store_rows_get(rows, 0, 0) : NULL;
    *out = t ? xstrdup(t) : NULL;
}

/* Content that retrieval cannot find yet: items without passages or vectors. */
static void check_unembedded(struct doctor *d, struct store *st)
{
    char *text = NULL;
    store_content_unembedded_count(st, on_count, &text);
    struct json_doc *doc = NULL;
    if (!text || json_doc_parse(text, strlen(text), &doc) != ERR_OK) {
        report(d, DOCTOR_WARN, "content", "could not count unembedded content: %s",
               store_errmsg(st));
        free(text);
        return;
    }
    int items = (int)json_num(json_get(json_doc_root(doc), "items"), 0);
    int passages = (int)json_num(json_get(json_doc_root(doc), "passages"), 0);
    if (items == 0)
        report(d, DOCTOR_OK, "content", "every content item is chunked and embedded");
    else
        report(d, DOCTOR_WARN, "content",
               "%d content item(s) (%d passage(s)) are not embedded, so chat and search cannot "
               "find them: run `cca reindex --missing` (as an admin)",
               items, passages);
    json_doc_free(doc);
    free(text);
}

static void check_llm(struct doctor *d, const struct config *cfg, const struct llm *llm,
                      const char *llm_err)
{
    if (!config_has_llm(cfg)) {
        report(d, DOCTOR_OK, "llm",
               "offline (provider none): answers are extractive, built from "
               "the retrieved passages");
        return;
    }
    if (!llm) {
        report(d, DOCTOR_FAIL, "llm", "%s: %s", cfg->llm_provider, llm_err);
        return;
    }
    bool is_openai_cloud = cfg->llm_base_url && strstr(cfg->llm_base_url, "api.openai.com");
    if (is_openai_cloud && !cfg->llm_api_key)
        report(d, DOCTOR_WARN, "llm", "%s %s at %s, but no api_key is set (CCA_LLM_API_KEY)",
               cfg->llm_provider, cfg->llm_model, cfg->llm_base_url);
    else
        report(d, DOCTOR_OK, "llm",
               "%s %s at %s (configured, not contacted: `cca llm-check` "
               "measures it)",
               cfg->llm_provider, cfg->llm_model, cfg->llm_base_url ? cfg->llm_base_url : "?");
}

/* ---- the command --------------------------------------------------------------------------- */

static void usage(FILE *out)
{
    fputs("Usage: cca doctor [--json]\n\n"
          "Checks the configuration, the database (connection, schema version, vector\n"
          "extension, user), the embedder and the LLM endpoint; one line per check with\n"
          "ok, warn or FAIL. Exits 1 when a required check fails.\n\n"
          "  --json   print {\"ok\": ..., \"checks\": [{\"check\", \"status\", \"detail\"}]}\n",
          out);
}

int cmd_doctor(struct cli *cli, int argc, char **argv)
{
    struct doctor d = {.cli = cli};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            d.is_json = true;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else {
            cli_error("doctor: unknown argument '%s'", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    const struct config *cfg = cli->cfg;
    d.has_color = !d.is_json && cli->is_stdout_tty && !cfg->ui_no_color;
    if (d.is_json) {
        json_out_init(&d.json, 1024 * 1024);
        json_out_object_begin(&d.json);
        json_out_key(&d.json, "checks");
        json_out_array_begin(&d.json);
    }

    check_config(&d, cfg);
    check_assets(&d, cfg);

    struct store_info info = {0};
    struct store *st = check_database(&d, cfg, &info);
    /* Without the schema the user and embedding checks would only repeat "run cca migrate". */
    bool has_schema = st && info.schema_version > 0;
    if (st)
        check_replica(&d, cfg, st);
    if (has_schema)
        check_user(&d, cfg, st);

    struct loop *loop = loop_new();
    struct llm *llm = NULL;
    char llm_err[1024] = "";
    if (config_has_llm(cfg) || strcmp(cfg->embed_provider, "local") != 0) {
        enum err e = llm_new(cfg, loop, &llm, llm_err, sizeof llm_err);
        if (e != ERR_OK && !*llm_err)
            snprintf(llm_err, sizeof llm_err, "%s", err_str(e));
    }
    struct embedder *em = check_embedder(&d, cfg, llm, llm_err, loop);
    if (has_schema) {
        check_embed_meta(&d, cfg, &info, em);
        check_reindex(&d, st);
        if (info.schema_version >= 13)
            check_unembedded(&d, st);
    }
    check_llm(&d, cfg, llm, llm_err);

    embedder_free(em);
    llm_free(llm);
    loop_free(loop);
    store_info_cleanup(&info);
    store_free(st);

    int status = d.failures ? 1 : 0;
    if (d.is_json) {
        json_out_array_end(&d.json);
        json_out_key(&d.json, "ok");
        json_out_bool(&d.json, d.failures == 0);
        json_out_key(&d.json, "failures");
        json_out_int(&d.json, d.failures);
        json_out_key(&d.json, "warnings");
        json_out_int(&d.json, d.warnings);
        json_out_object_end(&d.json);
        if (!cli_print_json(&d.json, "the report"))
            status = 1;
    } else if (d.failures || d.warnings) {
        printf("%d failed, %d warning%s\n", d.failures, d.warnings, d.warnings == 1 ? "" : "s");
    } else {
        printf("all checks passed\n");
    }
    fflush(stdout);
    return status;
}
