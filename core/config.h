/* config: INI file + environment -> struct config, validated, with file:line errors.
 * Parsing is pure (config_parse_string); file IO and the environment stay at the edges. */
#ifndef CCA_CONFIG_H
#define CCA_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct secret;

/* One [keys] line: an action's config name and the keys it gets. */
struct config_key {
    char *action;
    char *keys;
};

struct config {
    char *path;        /* the user's file that was loaded, or NULL when there was none */
    char *system_path; /* the system-wide file read before it (/etc/cca/config.ini), or NULL */

    /* [database] */
    char *db_url;              /* libpq conninfo or URI; default "": libpq's defaults (make run
                                * points CCA_DATABASE_URL at the private cluster) */
    int db_connect_timeout_s;  /* default 5 */
    int db_statement_timeout_ms; /* default 15000 */
    int db_answer_timeout_ms;    /* a hung server is given up on after this; 0: the statement
                                    timeout + 5 s on the command line, 5 s in the TUI */
    bool db_pooled;              /* url names a transaction-mode pooler (PgBouncer): no session
                                  * state is set (see docs/scaleout.md), --user and migrate are
                                  * refused; default false; env CCA_DATABASE_POOLED */
    int db_idle_disconnect_s;    /* the TUI closes its connections after this long without a
                                  * query and reconnects on the next one; 0: never; default 300 */
    char *db_replica_url;        /* streaming replicas for retrieval, dashboard and report
                                  * reads, separated by '|' (config_url_list); "": none */
    int db_replica_max_lag_s;    /* a replica further behind than this is not read; default 30 */

    /* [llm]  provider: "none" (offline, the default), "openai" (any OpenAI-compatible
     * server: OpenAI, Ollama /v1, llama.cpp, vLLM, LM Studio, OpenRouter) or "azure". */
    char *llm_provider;
    char *llm_base_url;        /* e.g. https://api.openai.com/v1 ; for azure the deployment URL;
                                * no trailing '/'; NULL when unset (provider none) */
    struct secret *llm_api_key; /* guarded memory (core/secret), never logged or shown; NULL
                                 * when unset */
    char *llm_api_version;     /* azure only, default "2024-06-01" */
    char *llm_model;           /* default "gpt-4o-mini" */
    double llm_temperature;    /* default 0.2, range [0,2] */
    int llm_max_tokens;        /* default 800 */
    int llm_connect_timeout_ms; /* default 5000 */
    int llm_idle_timeout_ms;   /* default 60000: no byte for this long aborts the request */
    int llm_max_retries;       /* default 3 (429/503 before any text streamed) */

    /* [embeddings] provider: "local" (the default, offline) or "openai" / "azure". */
    char *embed_provider;
    char *embed_base_url;      /* default (config_load): llm_base_url; NULL when unset */
    struct secret *embed_api_key; /* default (config_load): a reference to llm_api_key (the
                                   * same bytes); NULL when unset */
    char *embed_model;         /* default "cca-local-v1" for local, else "text-embedding-3-small" */
    int embed_dim;             /* default 1536 */
    int embed_batch_size;      /* default 64 */

    /* [retrieval] */
    double rag_match_threshold; /* default 0.15 (cosine similarity) */
    int rag_match_count;        /* passages given to the answer, default 5 */
    int rag_candidates;         /* candidates from each retriever before fusion, default 20 */
    int rag_rrf_k;              /* reciprocal rank fusion constant, default 60 */
    int rag_chunk_chars;        /* target passage size in characters, default 1200 */
    int rag_chunk_overlap;      /* overlap between passages in characters, default 150 */
    int rag_history_turns;      /* earlier turns sent with a question, default 4 */

    /* [ui] */
    char *ui_theme;            /* theme name in assets/themes, default "default" */
    bool ui_no_color;          /* also set by the NO_COLOR environment variable */
    bool ui_mouse;             /* default true */

    /* [general] */
    char *user;                /* email of the user to act as (--user / CCA_USER); NULL: none */
    char *log_file;            /* default: NULL (no log file) */
    char *assets_dir;          /* default (config_load): <the executable's folder>/../share/cca
                                * when it holds the prompts (an installed cca), else the
                                * compiled-in source tree's assets (a development build) */

    /* [keys]: action = key names, checked by the TUI's keymap (tui/keymap.h) */
    struct config_key *keys;
    size_t key_count;
};

/* Fills c with the defaults (all strings heap-owned by c). */
void config_init(struct config *c);
/* Frees every string; the API keys are wiped first. */
void config_cleanup(struct config *c);

/* Parses INI text; "name" is used in error messages. On error writes
 * "name:LINE: message" into err (errlen bytes) and returns ERR_CONFIG. Defaults that depend on
 * other keys of the same text are applied here: a base_url without a provider selects
 * "openai", an embeddings provider without a model gets that provider's default model. */
enum err config_parse_string(struct config *c, const char *text, const char *name, char *err,
                             size_t errlen);

/* Loads the system-wide file (/etc/cca/config.ini; $CCA_SYSTEM_CONFIG names another, empty:
 * none; skipped when missing), then the user's file over it, key by key: explicit_path
 * (--config), else $CCA_CONFIG, ./config.ini, $XDG_CONFIG_HOME/cca/config.ini,
 * ~/.config/cca/config.ini. A missing explicit (or CCA_CONFIG) file is an error; missing
 * implicit ones are skipped. Both files are checked as below. Then applies the environment
 * overrides
 * (CCA_DATABASE_URL, CCA_LLM_BASE_URL, CCA_LLM_API_KEY, CCA_LLM_MODEL, CCA_EMBED_BASE_URL,
 * CCA_EMBED_MODEL, CCA_EMBED_DIM, CCA_USER, NO_COLOR) and validates.
 * A file others can change (it belongs to another user than you or root, group or others may
 * write it, or its folder is writable by others) is refused with ERR_CONFIG and the fix in err
 * when it holds an API key or sets a key that decides where requests go, whom CCA acts as or
 * what it writes (database url, base_url, user, log_file, assets_dir); so is a file holding a
 * key that every user can read. Symbolic links are followed and the target is checked.
 * *warning receives a heap string (or NULL) for lesser problems: a key readable by the file's
 * group, or a file others can change that sets nothing of the kind. */
enum err config_load(struct config *c, const char *explicit_path, char **warning, char *err,
                     size_t errlen);

/* Applies the environment overrides only (used by config_load; exposed for tests). A key read
 * from CCA_LLM_API_KEY is moved into guarded memory and the variable is wiped and removed from
 * the environment, so the process holds one copy. A base_url with user:password@ is refused
 * (from the file too), without echoing it. */
enum err config_apply_env(struct config *c, char *err, size_t errlen);

/* After the environment, config_load fills the derived defaults (embeddings endpoint and key
 * from [llm], https://api.openai.com/v1 for provider openai) and checks keys against each
 * other (azure needs base_url, chunk_overlap < chunk_chars / 2, candidates >= match_count). */

/* True when an LLM endpoint is configured (provider is not "none"). */
bool config_has_llm(const struct config *c);

/* Writes the effective configuration as INI to a heap string, secrets shown as "(set)". */
char *config_dump(const struct config *c);

/* The connection strings of a list value such as [database] replica_url ("A | B"): split at
 * each '|' outside a single-quoted conninfo value, blanks around each trimmed, empty items
 * dropped. Returns the count; *out gets a heap array of heap strings (NULL when the count is
 * 0), freed with config_url_list_free. */
size_t config_url_list(const char *value, char ***out);
void config_url_list_free(char **list, size_t count);

#endif
