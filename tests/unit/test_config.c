/* test_config: every key parses and dumps, bad values and unknown keys name FILE:LINE, the
 * file search order, environment overrides, derived defaults and the permission warning. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/secret.h"

static const char *const env_vars[] = {
    "CCA_CONFIG",    "CCA_DATABASE_URL",   "CCA_LLM_BASE_URL", "CCA_LLM_API_KEY",
    "CCA_LLM_MODEL", "CCA_EMBED_BASE_URL", "CCA_EMBED_MODEL",  "CCA_EMBED_DIM",
    "CCA_USER",      "NO_COLOR",           "CCA_ASSETS_DIR",   "XDG_CONFIG_HOME",
};

static void clear_env(void)
{
    for (size_t i = 0; i < sizeof env_vars / sizeof env_vars[0]; i++)
        unsetenv(env_vars[i]);
    /* No system-wide file unless a test names one: the machine's /etc/cca stays out. */
    setenv("CCA_SYSTEM_CONFIG", "", 1);
}

static int setup_env(void **state)
{
    (void)state;
    clear_env();
    return 0;
}

/* True when the dump holds exactly this "key = value" line inside [section]. */
static bool dump_has(const char *dump, const char *section, const char *line)
{
    char header[64];
    snprintf(header, sizeof header, "[%s]\n", section);
    const char *sec = strstr(dump, header);
    if (!sec)
        return false;
    const char *end = strstr(sec + 1, "\n[");
    size_t n = strlen(line);
    for (const char *p = strstr(sec, line); p && (!end || p < end); p = strstr(p + 1, line))
        if (p[-1] == '\n' && (p[n] == '\n' || p[n] == '\0'))
            return true;
    return false;
}

/* ---- every key: a value parses and comes back in the dump --------------------------------- */

struct key_case {
    const char *section;
    const char *input;    /* "key = value" as written in the file */
    const char *expected; /* the dump line */
};

static const struct key_case key_cases[] = {
    {"database", "url = host=/tmp dbname=cca", "url = host=/tmp dbname=cca"},
    {"database", "connect_timeout_s = 12", "connect_timeout_s = 12"},
    {"database", "statement_timeout_ms = 0", "statement_timeout_ms = 0"},
    {"database", "answer_timeout_ms = 7000", "answer_timeout_ms = 7000"},
    {"database", "pooled = yes", "pooled = true"},
    {"database", "idle_disconnect_s = 0", "idle_disconnect_s = 0"},
    {"database", "replica_url = host=/tmp/r dbname=cca", "replica_url = host=/tmp/r dbname=cca"},
    {"database", "replica_max_lag_s = 5", "replica_max_lag_s = 5"},
    {"llm", "provider = Azure", "provider = azure"},
    {"llm", "base_url = https://example.com/v1//", "base_url = https://example.com/v1"},
    {"llm", "api_key = sk-secret", "api_key = (set)"},
    {"llm", "api_version = 2024-10-21", "api_version = 2024-10-21"},
    {"llm", "model = llama3.1:8b", "model = llama3.1:8b"},
    {"llm", "temperature = 1.25", "temperature = 1.25"},
    {"llm", "max_tokens = 4096", "max_tokens = 4096"},
    {"llm", "connect_timeout_ms = 250", "connect_timeout_ms = 250"},
    {"llm", "idle_timeout_ms = 120000", "idle_timeout_ms = 120000"},
    {"llm", "max_retries = 0", "max_retries = 0"},
    {"embeddings", "provider = local", "provider = local"},
    {"embeddings", "base_url = http://127.0.0.1:11434/v1", "base_url = http://127.0.0.1:11434/v1"},
    {"embeddings", "api_key = \"quoted key\"", "api_key = (set)"},
    {"embeddings", "model = nomic-embed-text", "model = nomic-embed-text"},
    {"embeddings", "dim = 768", "dim = 768"},
    {"embeddings", "batch_size = 128", "batch_size = 128"},
    {"retrieval", "match_threshold = -0.5", "match_threshold = -0.5"},
    {"retrieval", "match_count = 8", "match_count = 8"},
    {"retrieval", "candidates = 40", "candidates = 40"},
    {"retrieval", "rrf_k = 10", "rrf_k = 10"},
    {"retrieval", "chunk_chars = 2000", "chunk_chars = 2000"},
    {"retrieval", "chunk_overlap = 0", "chunk_overlap = 0"},
    {"retrieval", "history_turns = 0", "history_turns = 0"},
    {"ui", "theme = solarized-dark", "theme = solarized-dark"},
    {"ui", "no_color = yes", "no_color = true"},
    {"ui", "mouse = off", "mouse = false"},
    {"general", "user = alice@example.com", "user = alice@example.com"},
    {"general", "log_file = /tmp/cca.log", "log_file = /tmp/cca.log"},
    {"general", "assets_dir = /usr/share/cca", "assets_dir = /usr/share/cca"},
};

static void every_key_parses(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof key_cases / sizeof key_cases[0]; i++) {
        const struct key_case *t = &key_cases[i];
        struct config c;
        config_init(&c);
        char text[256], err[512] = "";
        snprintf(text, sizeof text, "; a comment\n[%s]\n%s\n", t->section, t->input);
        enum err e = config_parse_string(&c, text, "t.ini", err, sizeof err);
        if (e != ERR_OK)
            fail_msg("case %zu (%s): %s", i, t->input, err);
        char *dump = config_dump(&c);
        if (!dump_has(dump, t->section, t->expected))
            fail_msg("case %zu: '%s' not in dump:\n%s", i, t->expected, dump);
        free(dump);
        config_cleanup(&c);
    }
}

/* The table above must cover every key the dump shows (a new key needs a test). */
static void every_key_is_covered(void **state)
{
    (void)state;
    struct config c;
    config_init(&c);
    char *dump = config_dump(&c);
    size_t lines = 0;
    for (const char *p = dump; (p = strstr(p, " = ")); p++)
        lines++;
    assert_int_equal(lines, sizeof key_cases / sizeof key_cases[0]);
    free(dump);
    config_cleanup(&c);
}

/* config.example.ini documents every key with its default: parsed, it dumps exactly as the
 * defaults do, and it mentions every key of the table above. */
static void example_file_matches_defaults(void **state)
{
    (void)state;
    const char *self = __FILE__; /* .../tests/unit/test_config.c */
    const char *tail = strstr(self, "tests/unit/test_config.c");
    assert_non_null(tail);
    char *path = xasprintf("%.*sconfig.example.ini", (int)(tail - self), self);
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s", path);
    static char text[64 * 1024];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);

    struct config c, d;
    config_init(&c);
    config_init(&d);
    char err[512] = "";
    if (config_parse_string(&c, text, path, err, sizeof err) != ERR_OK)
        fail_msg("%s", err);
    char *from_file = config_dump(&c), *from_defaults = config_dump(&d);
    assert_string_equal(from_file, from_defaults);
    for (size_t i = 0; i < sizeof key_cases / sizeof key_cases[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)strcspn(key_cases[i].input, " "),
                 key_cases[i].input);
        char *needle = xasprintf("\n%s =", name), *commented = xasprintf("\n; %s =", name);
        if (!strstr(text, needle) && !strstr(text, commented))
            fail_msg("config.example.ini does not document '%s'", name);
        free(needle);
        free(commented);
    }
    free(from_file);
    free(from_defaults);
    config_cleanup(&c);
    config_cleanup(&d);
    free(path);
}

static void defaults(void **state)
{
    (void)state;
    struct config c;
    config_init(&c);
    assert_null(c.path);
    assert_string_equal(c.db_url, "");
    assert_int_equal(c.db_connect_timeout_s, 5);
    assert_int_equal(c.db_statement_timeout_ms, 15000);
    assert_string_equal(c.llm_provider, "none");
    assert_null(c.llm_base_url);
    assert_null(c.llm_api_key);
    assert_string_equal(c.llm_api_version, "2024-06-01");
    assert_string_equal(c.llm_model, "gpt-4o-mini");
    assert_true(c.llm_temperature > 0.1999 && c.llm_temperature < 0.2001);
    assert_int_equal(c.llm_max_tokens, 800);
    assert_int_equal(c.llm_connect_timeout_ms, 5000);
    assert_int_equal(c.llm_idle_timeout_ms, 60000);
    assert_int_equal(c.llm_max_retries, 3);
    assert_string_equal(c.embed_provider, "local");
    assert_null(c.embed_base_url);
    assert_null(c.embed_api_key);
    assert_string_equal(c.embed_model, "cca-local-v2");
    assert_int_equal(c.embed_dim, 1536);
    assert_int_equal(c.embed_batch_size, 64);
    assert_true(c.rag_match_threshold > 0.1499 && c.rag_match_threshold < 0.1501);
    assert_int_equal(c.rag_match_count, 5);
    assert_int_equal(c.rag_candidates, 20);
    assert_int_equal(c.rag_rrf_k, 60);
    assert_int_equal(c.rag_chunk_chars, 1200);
    assert_int_equal(c.rag_chunk_overlap, 150);
    assert_int_equal(c.rag_history_turns, 4);
    assert_string_equal(c.ui_theme, "default");
    assert_false(c.ui_no_color);
    assert_true(c.ui_mouse);
    assert_null(c.user);
    assert_null(c.log_file);
    assert_non_null(c.assets_dir);
    assert_true(c.assets_dir[0] != '\0');
    assert_false(config_has_llm(&c));
    config_cleanup(&c);
}

static void numbers_are_exact(void **state)
{
    (void)state;
    struct config c;
    config_init(&c);
    char err[512];
    assert_int_equal(config_parse_string(&c,
                                         "[llm]\ntemperature = .5\n[retrieval]\n"
                                         "match_threshold = +0.3\nmatch_count = +7\n",
                                         "t.ini", err, sizeof err),
                     ERR_OK);
    assert_true(c.llm_temperature == 0.5);
    assert_true(c.rag_match_threshold == 0.3);
    assert_int_equal(c.rag_match_count, 7);
    config_cleanup(&c);
}

/* ---- errors name the file, the line and the key ------------------------------------------- */

struct error_case {
    const char *text;
    const char *expected; /* the whole message */
};

static const struct error_case error_cases[] = {
    {"[llm]\ntemperature = abc\n",
     "t.ini:2: invalid value for key 'temperature' in section [llm]: 'abc' is not a decimal "
     "number (like 0.5)"},
    {"[llm]\ntemperature = 2.5\n",
     "t.ini:2: invalid value for key 'temperature' in section [llm]: 2.5 is out of range (0 to 2)"},
    {"[llm]\ntemperature = 1e3\n",
     "t.ini:2: invalid value for key 'temperature' in section [llm]: '1e3' is not a decimal "
     "number (like 0.5)"},
    {"[llm]\ntemperature = 0,5\n",
     "t.ini:2: invalid value for key 'temperature' in section [llm]: '0,5' is not a decimal "
     "number (like 0.5)"},
    {"[llm]\n\nmax_tokens = 0\n",
     "t.ini:3: invalid value for key 'max_tokens' in section [llm]: 0 is out of range (1 to "
     "1000000)"},
    {"[llm]\nmax_tokens = 12x\n",
     "t.ini:2: invalid value for key 'max_tokens' in section [llm]: '12x' is not a whole number"},
    {"[llm]\nmax_tokens = 1.5\n",
     "t.ini:2: invalid value for key 'max_tokens' in section [llm]: '1.5' is not a whole number"},
    {"[llm]\nmax_tokens = 99999999999999999999999\n",
     "t.ini:2: invalid value for key 'max_tokens' in section [llm]: 99999999999999999999999 is "
     "out of range (1 to 1000000)"},
    {"[database]\nconnect_timeout_s = -1\n",
     "t.ini:2: invalid value for key 'connect_timeout_s' in section [database]: -1 is out of "
     "range (1 to 600)"},
    {"[llm]\nmax_tokens =\n",
     "t.ini:2: invalid value for key 'max_tokens' in section [llm]: '' is not a whole number"},
    {"[llm]\nprovider = gemini\n",
     "t.ini:2: invalid value for key 'provider' in section [llm]: 'gemini' is not one of "
     "none/openai/azure"},
    {"[embeddings]\nprovider = none\n",
     "t.ini:2: invalid value for key 'provider' in section [embeddings]: 'none' is not one of "
     "local/openai/azure"},
    {"[llm]\nbase_url = ftp://example.com\n",
     "t.ini:2: invalid value for key 'base_url' in section [llm]: 'ftp://example.com' must start "
     "with http:// or https://"},
    {"[embeddings]\nbase_url = api.openai.com/v1\n",
     "t.ini:2: invalid value for key 'base_url' in section [embeddings]: 'api.openai.com/v1' "
     "must start with http:// or https://"},
    {"[llm]\nbase_url = https:///v1\n",
     "t.ini:2: invalid value for key 'base_url' in section [llm]: 'https:///v1' has no host"},
    {"[llm]\nbase_url = http://a b/\n",
     "t.ini:2: invalid value for key 'base_url' in section [llm]: 'http://a b/' contains a "
     "space"},
    {"[ui]\ntheme = ../../etc/passwd\n",
     "t.ini:2: invalid value for key 'theme' in section [ui]: '../../etc/passwd' may only hold "
     "letters, digits, '.', '-' and '_'"},
    {"[ui]\nmouse = maybe\n",
     "t.ini:2: invalid value for key 'mouse' in section [ui]: 'maybe' is not true or false"},
    {"[embeddings]\ndim = 16001\n",
     "t.ini:2: invalid value for key 'dim' in section [embeddings]: 16001 is out of range (1 to "
     "16000)"},
    {"[retrieval]\nmatch_threshold = 1.01\n",
     "t.ini:2: invalid value for key 'match_threshold' in section [retrieval]: 1.01 is out of "
     "range (-1 to 1)"},
    {"[llm]\nmodel =\n",
     "t.ini:2: invalid value for key 'model' in section [llm]: the value must not be empty"},
    {"[llm]\napi_key = sk-\x02secret\n",
     "t.ini:2: invalid value for key 'api_key' in section [llm]: the value contains a control "
     "character"},
    {"[llm]\nmodle = gpt-4o\n",
     "t.ini:2: unknown key 'modle' in section [llm] (did you mean 'model'?)"},
    {"[llm]\nfrobnicate = 1\n", "t.ini:2: unknown key 'frobnicate' in section [llm]"},
    {"[database]\n\n[foo]\nbar = 1\n",
     "t.ini:4: unknown key 'bar' in section [foo] (no such section; sections are [database] "
     "[llm] [embeddings] [retrieval] [ui] [general] [keys])"},
    {"model = x\n",
     "t.ini:1: unknown key 'model' in section [] (keys belong under a [section] header)"},
    {"[llm]\nmodel = a\n\n[llm]\nmodel = b\n",
     "t.ini:5: duplicate key 'model' in section [llm] (first set on line 2)"},
    {"[llm]\nmodel = a\nMODEL = b\n",
     "t.ini:3: duplicate key 'model' in section [llm] (first set on line 2)"},
    {"[llm\nmodel = a\n", "t.ini:1: a section header must look like [name]"},
    {"[llm]\nmodel = a\njust words\n", "t.ini:3: expected 'key = value' or a [section] header"},
    /* The first problem wins, whichever kind it is. */
    {"[llm]\nbad line\nmodle = x\n", "t.ini:2: expected 'key = value' or a [section] header"},
    {"[llm]\nmodle = x\nbad line\n",
     "t.ini:2: unknown key 'modle' in section [llm] (did you mean 'model'?)"},
    /* An indented line is a line of its own, not a continuation of the previous value. */
    {"[llm]\nmodel = a\n    more words\n", "t.ini:3: expected 'key = value' or a [section] header"},
    /* Line numbers stay right with CRLF line endings. */
    {"[llm]\r\n\r\nmax_retries = 11\r\n",
     "t.ini:3: invalid value for key 'max_retries' in section [llm]: 11 is out of range (0 to "
     "10)"},
};

static void bad_values_name_file_line_key(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof error_cases / sizeof error_cases[0]; i++) {
        struct config c;
        config_init(&c);
        char err[512] = "";
        enum err e = config_parse_string(&c, error_cases[i].text, "t.ini", err, sizeof err);
        if (e != ERR_CONFIG)
            fail_msg("case %zu: expected ERR_CONFIG, got %s", i, err_name(e));
        if (strcmp(err, error_cases[i].expected) != 0)
            fail_msg("case %zu:\n got      '%s'\n expected '%s'", i, err, error_cases[i].expected);
        config_cleanup(&c);
    }
}

static void secrets_never_echoed_in_errors(void **state)
{
    (void)state;
    struct config c;
    config_init(&c);
    char err[512];
    assert_int_equal(
        config_parse_string(&c, "[llm]\napi_key = sk-top\x01secret\n", "t.ini", err, sizeof err),
        ERR_CONFIG);
    assert_null(strstr(err, "sk-top"));
    config_cleanup(&c);
}

/* ---- syntax details inih and our reader handle -------------------------------------------- */

static void syntax_details(void **state)
{
    (void)state;
    struct config c;
    config_init(&c);
    char err[512] = "";
    const char *text = "\xEF\xBB\xBF; BOM, then comments\r\n"
                       "# hash comment\r\n"
                       "[LLM]\r\n"
                       "  Model = gpt-4o ; inline comment\r\n"
                       "api_key = \"sk-quoted\"\r\n"
                       "max_tokens: 300\r\n"
                       "[general]\n"
                       "user = bob;not-a-comment@example.com\n";
    assert_int_equal(config_parse_string(&c, text, "t.ini", err, sizeof err), ERR_OK);
    assert_string_equal(c.llm_model, "gpt-4o");
    assert_string_equal(secret_str(c.llm_api_key), "sk-quoted");
    assert_int_equal(c.llm_max_tokens, 300);
    assert_string_equal(c.user, "bob;not-a-comment@example.com");
    config_cleanup(&c);
}

static void long_lines(void **state)
{
    (void)state;
    /* A 600-byte API key is longer than inih's 200-byte line buffer. */
    char key[601];
    memset(key, 'k', 600);
    key[600] = '\0';
    char *text = xasprintf("[llm]\n; %s\napi_key = \"%s\" ; note\nmodel = m\n", key, key);
    struct config c;
    config_init(&c);
    char err[512] = "";
    assert_int_equal(config_parse_string(&c, text, "t.ini", err, sizeof err), ERR_OK);
    assert_string_equal(secret_str(c.llm_api_key), key);
    assert_string_equal(c.llm_model, "m");
    free(text);
    config_cleanup(&c);

    /* A long line keeps the line count right for later errors. */
    text = xasprintf("[llm]\napi_key = %s\nmodle = x\n", key);
    config_init(&c);
    assert_int_equal(config_parse_string(&c, text, "t.ini", err, sizeof err), ERR_CONFIG);
    assert_string_equal(err, "t.ini:3: unknown key 'modle' in section [llm] (did you mean "
                             "'model'?)");
    free(text);
    config_cleanup(&c);

    /* A value longer than the cap is refused, and so is a line past the line cap. */
    char *huge = xmalloc(9001);
    memset(huge, 'x', 9000);
    huge[9000] = '\0';
    text = xasprintf("[llm]\nmodel = %.5000s\n", huge);
    config_init(&c);
    assert_int_equal(config_parse_string(&c, text, "t.ini", err, sizeof err), ERR_CONFIG);
    assert_string_equal(err, "t.ini:2: invalid value for key 'model' in section [llm]: the "
                             "value is longer than 4096 bytes");
    free(text);
    config_cleanup(&c);

    text = xasprintf("[llm]\n\nmodel = %s\n", huge);
    config_init(&c);
    assert_int_equal(config_parse_string(&c, text, "t.ini", err, sizeof err), ERR_CONFIG);
    assert_string_equal(err, "t.ini:3: the line is longer than 8192 bytes");
    free(text);
    config_cleanup(&c);

    text = xasprintf("[llm]\n%.300s\n", huge);
    config_init(&c);
    assert_int_equal(config_parse_string(&c, text, "t.ini", err, sizeof err), ERR_CONFIG);
    assert_string_equal(err, "t.ini:2: the line is too long to be a key = value line");
    free(text);
    free(huge);
    config_cleanup(&c);
}

/* ---- defaults that follow other keys ----------------------------------------------------- */

static void provider_defaults_in_file(void **state)
{
    (void)state;
    struct config c;
    char err[512];

    config_init(&c); /* a base_url alone means an OpenAI-compatible server */
    assert_int_equal(config_parse_string(&c, "[llm]\nbase_url = http://localhost:11434/v1\n",
                                         "t.ini", err, sizeof err),
                     ERR_OK);
    assert_string_equal(c.llm_provider, "openai");
    assert_true(config_has_llm(&c));
    config_cleanup(&c);

    config_init(&c); /* ... unless the provider is explicitly none */
    assert_int_equal(config_parse_string(&c, "[llm]\nprovider = none\nbase_url = http://h/v1\n",
                                         "t.ini", err, sizeof err),
                     ERR_OK);
    assert_string_equal(c.llm_provider, "none");
    assert_false(config_has_llm(&c));
    config_cleanup(&c);

    config_init(&c); /* a remote embedder gets a remote default model */
    assert_int_equal(
        config_parse_string(&c, "[embeddings]\nprovider = openai\n", "t.ini", err, sizeof err),
        ERR_OK);
    assert_string_equal(c.embed_model, "text-embedding-3-small");
    config_cleanup(&c);

    config_init(&c); /* an explicit model stays */
    assert_int_equal(config_parse_string(&c, "[embeddings]\nmodel = bge-m3\nprovider = openai\n",
                                         "t.ini", err, sizeof err),
                     ERR_OK);
    assert_string_equal(c.embed_model, "bge-m3");
    config_cleanup(&c);
}

/* ---- environment -------------------------------------------------------------------------- */

static void env_overrides(void **state)
{
    (void)state;
    struct config c;
    config_init(&c);
    char err[512] = "";
    assert_int_equal(
        config_parse_string(&c, "[llm]\nmodel = file-model\n", "t.ini", err, sizeof err), ERR_OK);
    setenv("CCA_DATABASE_URL", "host=/run/x dbname=cca", 1);
    setenv("CCA_LLM_BASE_URL", "http://127.0.0.1:8080/v1/", 1);
    setenv("CCA_LLM_API_KEY", "sk-env", 1);
    setenv("CCA_LLM_MODEL", "env-model", 1);
    setenv("CCA_EMBED_BASE_URL", "https://emb.example.com", 1);
    setenv("CCA_EMBED_MODEL", "env-embed", 1);
    setenv("CCA_EMBED_DIM", "384", 1);
    setenv("CCA_USER", "carol@example.com", 1);
    setenv("CCA_ASSETS_DIR", "/opt/cca/assets", 1);
    setenv("NO_COLOR", "1", 1);
    assert_int_equal(config_apply_env(&c, err, sizeof err), ERR_OK);
    assert_string_equal(c.db_url, "host=/run/x dbname=cca");
    assert_string_equal(c.llm_base_url, "http://127.0.0.1:8080/v1");
    assert_string_equal(c.llm_provider, "openai"); /* a base URL turns the LLM on */
    assert_string_equal(secret_str(c.llm_api_key), "sk-env");
    /* The key now lives once, in guarded memory: the variable is wiped and gone. */
    assert_null(getenv("CCA_LLM_API_KEY"));
    assert_string_equal(c.llm_model, "env-model");
    assert_string_equal(c.embed_base_url, "https://emb.example.com");
    assert_string_equal(c.embed_model, "env-embed");
    assert_int_equal(c.embed_dim, 384);
    assert_string_equal(c.user, "carol@example.com");
    assert_string_equal(c.assets_dir, "/opt/cca/assets");
    assert_true(c.ui_no_color);
    config_cleanup(&c);
    clear_env();
}

struct env_case {
    const char *var, *value, *expected;
};

static const struct env_case env_error_cases[] = {
    {"CCA_EMBED_DIM", "abc", "environment variable CCA_EMBED_DIM: 'abc' is not a whole number"},
    {"CCA_EMBED_DIM", "0", "environment variable CCA_EMBED_DIM: 0 is out of range (1 to 16000)"},
    {"CCA_LLM_BASE_URL", "file:///etc/passwd",
     "environment variable CCA_LLM_BASE_URL: 'file:///etc/passwd' must start with http:// or "
     "https://"},
    {"CCA_LLM_API_KEY", "sk-\x1b[31m",
     "environment variable CCA_LLM_API_KEY: the value contains a control character"},
};

static void env_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof env_error_cases / sizeof env_error_cases[0]; i++) {
        const struct env_case *t = &env_error_cases[i];
        struct config c;
        config_init(&c);
        setenv(t->var, t->value, 1);
        char err[512] = "";
        assert_int_equal(config_apply_env(&c, err, sizeof err), ERR_CONFIG);
        if (strcmp(err, t->expected) != 0)
            fail_msg("case %zu: got '%s'", i, err);
        unsetenv(t->var);
        config_cleanup(&c);
    }
}

static void empty_env_is_unset(void **state)
{
    (void)state;
    struct config c;
    config_init(&c);
    setenv("NO_COLOR", "", 1);
    setenv("CCA_LLM_MODEL", "", 1);
    char err[512];
    assert_int_equal(config_apply_env(&c, err, sizeof err), ERR_OK);
    assert_false(c.ui_no_color);
    assert_string_equal(c.llm_model, "gpt-4o-mini");
    config_cleanup(&c);
    clear_env();
}

/* ---- config_load: files, search order, permissions --------------------------------------- */

struct sandbox {
    char root[64];
    char old_cwd[4096];
};

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

static char *sb_path(const struct sandbox *sb, const char *rel)
{
    return xasprintf("%s/%s", sb->root, rel);
}

static void sb_mkdir(const struct sandbox *sb, const char *rel)
{
    char *p = sb_path(sb, rel);
    assert_int_equal(mkdir(p, 0700), 0);
    free(p);
}

static void sb_write(const struct sandbox *sb, const char *rel, const char *text, mode_t mode)
{
    char *p = sb_path(sb, rel);
    write_file(p, text, mode);
    free(p);
}

/* A scratch tree: ROOT/cwd is the working directory, ROOT/home is $HOME, ROOT/xdg is
 * $XDG_CONFIG_HOME; each place may hold a config naming itself as the model. */
static int sandbox_setup(void **state)
{
    clear_env();
    struct sandbox *sb = xcalloc(1, sizeof *sb);
    snprintf(sb->root, sizeof sb->root, "/tmp/cca-test-config-XXXXXX");
    assert_non_null(mkdtemp(sb->root));
    assert_non_null(getcwd(sb->old_cwd, sizeof sb->old_cwd));
    sb_mkdir(sb, "cwd");
    sb_mkdir(sb, "home");
    sb_mkdir(sb, "home/.config");
    sb_mkdir(sb, "home/.config/cca");
    sb_mkdir(sb, "xdg");
    sb_mkdir(sb, "xdg/cca");
    char *p = sb_path(sb, "cwd");
    assert_int_equal(chdir(p), 0);
    free(p);
    p = sb_path(sb, "home");
    setenv("HOME", p, 1);
    free(p);
    *state = sb;
    return 0;
}

static int sandbox_teardown(void **state)
{
    struct sandbox *sb = *state;
    assert_int_equal(chdir(sb->old_cwd), 0);
    char *cmd = xasprintf("rm -rf '%s'", sb->root);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    free(sb);
    clear_env();
    return 0;
}

static const char *loaded_model(const char *explicit_path, struct config *c, char *err,
                                size_t errlen, enum err *e)
{
    char *warning = NULL;
    config_init(c);
    *e = config_load(c, explicit_path, &warning, err, errlen);
    free(warning);
    return c->llm_model;
}

static void search_order(void **state)
{
    struct sandbox *sb = *state;
    char err[1024] = "";
    struct config c;
    enum err e;

    /* Nothing anywhere: the defaults. */
    assert_string_equal(loaded_model(NULL, &c, err, sizeof err, &e), "gpt-4o-mini");
    assert_int_equal(e, ERR_OK);
    assert_null(c.path);
    config_cleanup(&c);

    sb_write(sb, "home/.config/cca/config.ini", "[llm]\nmodel = home\n", 0600);
    assert_string_equal(loaded_model(NULL, &c, err, sizeof err, &e), "home");
    assert_non_null(strstr(c.path, "home/.config/cca/config.ini"));
    config_cleanup(&c);

    char *xdg = sb_path(sb, "xdg");
    setenv("XDG_CONFIG_HOME", xdg, 1);
    free(xdg);
    assert_string_equal(loaded_model(NULL, &c, err, sizeof err, &e), "home"); /* none in xdg */
    config_cleanup(&c);
    sb_write(sb, "xdg/cca/config.ini", "[llm]\nmodel = xdg\n", 0600);
    assert_string_equal(loaded_model(NULL, &c, err, sizeof err, &e), "xdg");
    config_cleanup(&c);

    sb_write(sb, "cwd/config.ini", "[llm]\nmodel = cwd\n", 0600);
    assert_string_equal(loaded_model(NULL, &c, err, sizeof err, &e), "cwd");
    assert_string_equal(c.path, "config.ini");
    config_cleanup(&c);

    char *env_file = sb_path(sb, "env.ini");
    write_file(env_file, "[llm]\nmodel = env\n", 0600);
    setenv("CCA_CONFIG", env_file, 1);
    assert_string_equal(loaded_model(NULL, &c, err, sizeof err, &e), "env");
    assert_string_equal(c.path, env_file);
    config_cleanup(&c);

    char *explicit_file = sb_path(sb, "explicit.ini");
    write_file(explicit_file, "[llm]\nmodel = explicit\n", 0600);
    assert_string_equal(loaded_model(explicit_file, &c, err, sizeof err, &e), "explicit");
    assert_int_equal(e, ERR_OK);
    config_cleanup(&c);

    /* An environment variable beats every file. */
    setenv("CCA_LLM_MODEL", "from-env", 1);
    assert_string_equal(loaded_model(explicit_file, &c, err, sizeof err, &e), "from-env");
    config_cleanup(&c);
    free(env_file);
    free(explicit_file);
}

/* The system-wide file is read first and the user's keys win one by one; each file is judged
 * on what it sets itself. */
static void system_file_then_user_file(void **state)
{
    struct sandbox *sb = *state;
    char err[1024] = "";
    char *warning = NULL;
    struct config c;
    char *sys = sb_path(sb, "system.ini");
    char *user = sb_path(sb, "home/.config/cca/config.ini");
    write_file(sys, "[database]\nurl = dbname=shared\n[llm]\nbase_url = http://llm:8000/v1\n"
                    "model = company-model\n",
               0644);
    setenv("CCA_SYSTEM_CONFIG", sys, 1);

    /* Only the system file. */
    config_init(&c);
    assert_int_equal(config_load(&c, NULL, &warning, err, sizeof err), ERR_OK);
    assert_null(warning);
    assert_string_equal(c.system_path, sys);
    assert_null(c.path);
    assert_string_equal(c.db_url, "dbname=shared");
    assert_string_equal(c.llm_provider, "openai"); /* a base_url without a provider */
    assert_string_equal(c.llm_model, "company-model");
    config_cleanup(&c);

    /* The user's file wins key by key; what it does not set comes from the system file. */
    write_file(user, "[llm]\nmodel = my-model\n", 0600);
    config_init(&c);
    assert_int_equal(config_load(&c, NULL, &warning, err, sizeof err), ERR_OK);
    assert_string_equal(c.system_path, sys);
    assert_string_equal(c.path, user);
    assert_string_equal(c.llm_model, "my-model");
    assert_string_equal(c.db_url, "dbname=shared");
    assert_string_equal(c.llm_base_url, "http://llm:8000/v1");
    char *dump = config_dump(&c);
    char *header = xasprintf("; effective configuration (%s, then %s)\n", sys, user);
    assert_non_null(strstr(dump, header));
    free(header);
    free(dump);
    config_cleanup(&c);

    write_file(user, "[llm]\nprovider = none\n", 0600);
    config_init(&c);
    assert_int_equal(config_load(&c, NULL, &warning, err, sizeof err), ERR_OK);
    assert_false(config_has_llm(&c));
    config_cleanup(&c);

    /* The environment still beats both. */
    setenv("CCA_DATABASE_URL", "dbname=mine", 1);
    config_init(&c);
    assert_int_equal(config_load(&c, NULL, &warning, err, sizeof err), ERR_OK);
    assert_string_equal(c.db_url, "dbname=mine");
    config_cleanup(&c);
    unsetenv("CCA_DATABASE_URL");

    /* --config naming the system file reads it once, as the user's. */
    config_init(&c);
    assert_int_equal(config_load(&c, sys, &warning, err, sizeof err), ERR_OK);
    assert_null(c.system_path);
    assert_string_equal(c.path, sys);
    config_cleanup(&c);

    /* A mistake in the system file names it; the user's file is not read. */
    write_file(sys, "[llm]\nmodle = x\n", 0644);
    config_init(&c);
    assert_int_equal(config_load(&c, NULL, &warning, err, sizeof err), ERR_CONFIG);
    char *where = xasprintf("%s:2: unknown key 'modle'", sys);
    assert_non_null(strstr(err, where));
    free(where);
    config_cleanup(&c);

    /* A key every user can read is refused there too; one only the owner reads is fine, and
     * the user's group-writable file that sets nothing sensitive only warns (the system
     * file's key is not held against it). */
    write_file(sys, "[llm]\napi_key = sk-company\n", 0644);
    config_init(&c);
    assert_int_equal(config_load(&c, NULL, &warning, err, sizeof err), ERR_CONFIG);
    assert_non_null(strstr(err, "every user can read"));
    assert_null(strstr(err, "sk-company"));
    config_cleanup(&c);
    write_file(sys, "[llm]\napi_key = sk-company\n", 0600);
    write_file(user, "[llm]\nmodel = m\n", 0620);
    config_init(&c);
    assert_int_equal(config_load(&c, NULL, &warning, err, sizeof err), ERR_OK);
    assert_non_null(warning);
    assert_non_null(strstr(warning, "sets nothing that decides"));
    free(warning);
    warning = NULL;
    assert_non_null(c.llm_api_key);
    config_cleanup(&c);

    /* Missing: skipped. Empty CCA_SYSTEM_CONFIG: none. */
    unlink(user);
    char *missing = sb_path(sb, "nope.ini");
    setenv("CCA_SYSTEM_CONFIG", missing, 1);
    config_init(&c);
    assert_int_equal(config_load(&c, NULL, &warning, err, sizeof err), ERR_OK);
    assert_null(c.system_path);
    config_cleanup(&c);
    write_file(sys, "[llm]\nmodel = company-model\n", 0644);
    setenv("CCA_SYSTEM_CONFIG", "", 1);
    config_init(&c);
    assert_int_equal(config_load(&c, NULL, &warning, err, sizeof err), ERR_OK);
    assert_null(c.system_path);
    assert_string_equal(c.llm_model, "gpt-4o-mini");
    assert_null(warning);
    config_cleanup(&c);
    free(missing);
    free(user);
    free(sys);
}

static void missing_explicit_file_is_an_error(void **state)
{
    struct sandbox *sb = *state;
    char err[1024] = "";
    struct config c;
    enum err e;
    sb_write(sb, "cwd/config.ini", "[llm]\nmodel = cwd\n", 0600);

    char *missing = sb_path(sb, "nope.ini");
    loaded_model(missing, &c, err, sizeof err, &e);
    assert_int_equal(e, ERR_CONFIG);
    char *expected = xasprintf("%s: cannot open the configuration file: No such file or "
                               "directory",
                               missing);
    assert_string_equal(err, expected);
    free(expected);
    config_cleanup(&c);

    setenv("CCA_CONFIG", missing, 1);
    loaded_model(NULL, &c, err, sizeof err, &e);
    assert_int_equal(e, ERR_CONFIG);
    assert_non_null(strstr(err, "(from CCA_CONFIG)"));
    config_cleanup(&c);
    unsetenv("CCA_CONFIG");
    free(missing);

    /* A directory, a file with a NUL byte, a file over the size cap. */
    char *dir = sb_path(sb, "xdg");
    loaded_model(dir, &c, err, sizeof err, &e);
    assert_int_equal(e, ERR_CONFIG);
    assert_non_null(strstr(err, "not a regular file"));
    config_cleanup(&c);
    free(dir);

    char *bin = sb_path(sb, "bin.ini");
    FILE *f = fopen(bin, "w");
    assert_non_null(f);
    fwrite("[llm]\0x", 1, 7, f);
    fclose(f);
    loaded_model(bin, &c, err, sizeof err, &e);
    assert_int_equal(e, ERR_CONFIG);
    assert_non_null(strstr(err, "contains a NUL byte"));
    config_cleanup(&c);

    f = fopen(bin, "w");
    assert_non_null(f);
    for (int i = 0; i < 120000; i++)
        fputs("; padding\n", f);
    fclose(f);
    loaded_model(bin, &c, err, sizeof err, &e);
    assert_int_equal(e, ERR_CONFIG);
    assert_non_null(strstr(err, "larger than 1048576 bytes"));
    config_cleanup(&c);
    free(bin);

    /* A parse error in a loaded file names that file. */
    sb_write(sb, "cwd/config.ini", "[llm]\nmodel = a\nbogus = 1\n", 0600);
    loaded_model(NULL, &c, err, sizeof err, &e);
    assert_int_equal(e, ERR_CONFIG);
    assert_string_equal(err, "config.ini:3: unknown key 'bogus' in section [llm]");
    config_cleanup(&c);
}

enum perm_outcome { PERM_OK, PERM_WARN, PERM_REFUSED };

struct perm_case {
    const char *text;
    mode_t mode;
    enum perm_outcome want;
    const char *says; /* in the warning or the error */
};

static const struct perm_case perm_cases[] = {
    /* A key every user can read is refused; one the group can read is a warning. */
    {"[llm]\napi_key = sk-1\n", 0644, PERM_REFUSED, "every user can read"},
    {"[embeddings]\napi_key = sk-1\n", 0604, PERM_REFUSED, "chmod 600"},
    {"[llm]\napi_key = sk-1\n", 0640, PERM_WARN, "chmod 600"},
    {"[llm]\napi_key = sk-1\n", 0600, PERM_OK, NULL},
    {"[llm]\napi_key = sk-1\n", 0400, PERM_OK, NULL},
    /* A key others can write: anyone could add a base_url of their own and collect it. */
    {"[llm]\napi_key = sk-1\n", 0666, PERM_REFUSED, "other users can write to it (mode 0666)"},
    {"[llm]\napi_key = sk-1\n", 0620, PERM_REFUSED, "chmod 600"},
    /* Without a key, what redirects requests or identity is refused when others can write. */
    {"[llm]\nbase_url = http://h:1/v1\n", 0666, PERM_REFUSED, "[llm] base_url (line 2)"},
    {"[llm]\nbase_url = http://h:1/v1\n", 0664, PERM_REFUSED, "chmod go-w"},
    {"[embeddings]\nbase_url = http://h:1/v1\n", 0646, PERM_REFUSED, "[embeddings] base_url"},
    {"[database]\nurl = host=evil\n", 0662, PERM_REFUSED, "[database] url"},
    {"[general]\nuser = boss@example.com\n", 0666, PERM_REFUSED, "[general] user"},
    {"[general]\nlog_file = /tmp/x\n", 0666, PERM_REFUSED, "[general] log_file"},
    {"[llm]\nbase_url = http://h:1/v1\n", 0644, PERM_OK, NULL},
    /* Harmless keys in a shared file: a warning. */
    {"[llm]\nmodel = m\n", 0666, PERM_WARN, "can be changed by other users"},
    {"[llm]\nmodel = m\n", 0644, PERM_OK, NULL},
    {"[llm]\napi_key =\n", 0644, PERM_OK, NULL},
};

/* Loads path and checks the outcome against want / says. */
static void expect_load(const char *path, enum perm_outcome want, const char *says,
                        const char *label)
{
    struct config c;
    config_init(&c);
    char err[1024] = "", *warning = NULL;
    enum err e = config_load(&c, path, &warning, err, sizeof err);
    const char *text = want == PERM_REFUSED ? err : warning ? warning : "";
    if (want == PERM_REFUSED && e != ERR_CONFIG)
        fail_msg("%s: expected a refusal, got %s (warning '%s')", label, err_name(e),
                 warning ? warning : "");
    if (want != PERM_REFUSED && e != ERR_OK)
        fail_msg("%s: unexpected error '%s'", label, err);
    if (want == PERM_WARN && !warning)
        fail_msg("%s: expected a warning", label);
    if (want == PERM_OK && warning)
        fail_msg("%s: unexpected warning '%s'", label, warning);
    if (says && !strstr(text, says))
        fail_msg("%s: '%s' does not say '%s'", label, text, says);
    assert_null(strstr(text, "sk-1"));
    free(warning);
    config_cleanup(&c);
}

static void permission_checks(void **state)
{
    struct sandbox *sb = *state;
    char *path = sb_path(sb, "perm.ini");
    for (size_t i = 0; i < sizeof perm_cases / sizeof perm_cases[0]; i++) {
        write_file(path, perm_cases[i].text, perm_cases[i].mode);
        chmod(path, perm_cases[i].mode); /* whatever the umask */
        char label[64];
        snprintf(label, sizeof label, "case %zu (mode %04o)", i, (unsigned)perm_cases[i].mode);
        expect_load(path, perm_cases[i].want, perm_cases[i].says, label);
        chmod(path, 0600);
    }
    free(path);
}

static void symlinks_and_folders(void **state)
{
    struct sandbox *sb = *state;
    char *target = sb_path(sb, "real.ini");
    char *link = sb_path(sb, "link.ini");
    /* A link is followed and its target checked: a shared target is refused, and the
     * message names both. */
    write_file(target, "[llm]\napi_key = sk-1\n", 0600);
    chmod(target, 0666);
    assert_int_equal(symlink(target, link), 0);
    expect_load(link, PERM_REFUSED, "symbolic link", "link to a shared key file");
    expect_load(link, PERM_REFUSED, "real.ini", "link names the target");
    chmod(target, 0600);
    expect_load(link, PERM_OK, NULL, "link to a private key file");
    /* A private file in a folder anybody may write to can be replaced: refused when it
     * matters; a sticky folder (like /tmp) protects it. */
    char *dir = sb_path(sb, "shared");
    assert_int_equal(mkdir(dir, 0700), 0);
    chmod(dir, 0777);
    char *in_shared = sb_path(sb, "shared/c.ini");
    write_file(in_shared, "[llm]\nbase_url = http://h:1/v1\n", 0600);
    chmod(in_shared, 0644);
    expect_load(in_shared, PERM_REFUSED, "folder", "file in a world-writable folder");
    chmod(dir, 01777);
    expect_load(in_shared, PERM_OK, NULL, "file in a sticky folder");
    /* Another user's file may not decide where requests go (root only: chown). */
    if (geteuid() == 0) {
        chmod(dir, 0755);
        assert_int_equal(chown(in_shared, 65534, 65534), 0);
        expect_load(in_shared, PERM_REFUSED, "belongs to", "another user's file");
        write_file(target, "[llm]\nmodel = m\n", 0644);
        assert_int_equal(chown(target, 65534, 65534), 0);
        expect_load(target, PERM_WARN, "belongs to", "another user's harmless file");
    }
    free(in_shared);
    free(dir);
    free(link);
    free(target);
}

static void credentials_in_urls_are_refused(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "[llm]\nbase_url = http://user:s3cret@llm.example.com/v1\n",
        "[llm]\nbase_url = https://s3cret@llm.example.com\n",
        "[embeddings]\nbase_url = http://u:s3cret@[::1]:8080/v1\n",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        struct config c;
        config_init(&c);
        char err[512] = "";
        assert_int_equal(config_parse_string(&c, texts[i], "t.ini", err, sizeof err),
                         ERR_CONFIG);
        assert_non_null(strstr(err, "user name or password"));
        assert_non_null(strstr(err, "api_key"));
        assert_null(strstr(err, "s3cret"));
        config_cleanup(&c);
    }
    /* An '@' after the host (a path or query) is not a credential. */
    struct config c;
    config_init(&c);
    char err[512] = "";
    assert_int_equal(config_parse_string(&c, "[llm]\nbase_url = http://h/v1/@models?a=b@c\n",
                                         "t.ini", err, sizeof err),
                     ERR_OK);
    config_cleanup(&c);
    /* The environment too. */
    config_init(&c);
    setenv("CCA_LLM_BASE_URL", "http://me:s3cret@h:1/v1", 1);
    assert_int_equal(config_apply_env(&c, err, sizeof err), ERR_CONFIG);
    assert_non_null(strstr(err, "CCA_LLM_BASE_URL"));
    assert_null(strstr(err, "s3cret"));
    unsetenv("CCA_LLM_BASE_URL");
    config_cleanup(&c);
}

static void derived_defaults_after_load(void **state)
{
    struct sandbox *sb = *state;
    char *path = sb_path(sb, "d.ini");
    char err[1024];
    char *warning = NULL;
    struct config c;

    /* The embedder borrows the LLM's endpoint and key when it has none of its own. */
    write_file(path,
               "[llm]\nbase_url = http://h:1/v1\napi_key = k1\n[embeddings]\n"
               "provider = openai\n",
               0600);
    config_init(&c);
    assert_int_equal(config_load(&c, path, &warning, err, sizeof err), ERR_OK);
    assert_string_equal(c.llm_provider, "openai");
    assert_string_equal(c.embed_base_url, "http://h:1/v1");
    assert_string_equal(secret_str(c.embed_api_key), "k1");
    assert_string_equal(c.embed_model, "text-embedding-3-small");
    config_cleanup(&c);

    /* openai without a base URL means OpenAI itself. */
    write_file(path, "[llm]\nprovider = openai\n", 0600);
    config_init(&c);
    assert_int_equal(config_load(&c, path, &warning, err, sizeof err), ERR_OK);
    assert_string_equal(c.llm_base_url, "https://api.openai.com/v1");
    config_cleanup(&c);

    struct {
        const char *text, *expected;
    } bad[] = {
        {"[llm]\nprovider = azure\n", "[llm] provider 'azure' needs base_url"},
        {"[embeddings]\nprovider = azure\n", "[embeddings] provider 'azure' needs base_url"},
        {"[embeddings]\nprovider = openai\nmodel = cca-local-v2\n", "is the local embedder"},
        {"[retrieval]\nchunk_chars = 400\nchunk_overlap = 200\n",
         "chunk_overlap (200) must be less than half of chunk_chars (400)"},
        {"[retrieval]\nmatch_count = 30\n", "candidates (20) must be at least match_count (30)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_file(path, bad[i].text, 0600);
        config_init(&c);
        assert_int_equal(config_load(&c, path, &warning, err, sizeof err), ERR_CONFIG);
        assert_null(warning);
        if (!strstr(err, bad[i].expected) || strncmp(err, path, strlen(path)) != 0)
            fail_msg("case %zu: got '%s'", i, err);
        config_cleanup(&c);
    }
    free(path);
}

/* ---- dump --------------------------------------------------------------------------------- */

static void dump_hides_secrets_and_round_trips(void **state)
{
    (void)state;
    struct config c;
    config_init(&c);
    char err[512];
    assert_int_equal(config_parse_string(&c,
                                         "[llm]\nprovider = openai\nbase_url = https://x/v1\n"
                                         "api_key = sk-very-secret\ntemperature = 0.7\n"
                                         "[embeddings]\napi_key = emb-secret\n"
                                         "[general]\nuser = a@b.c\n",
                                         "t.ini", err, sizeof err),
                     ERR_OK);
    char *dump = config_dump(&c);
    assert_null(strstr(dump, "sk-very-secret"));
    assert_null(strstr(dump, "emb-secret"));
    assert_true(dump_has(dump, "llm", "api_key = (set)"));
    assert_true(dump_has(dump, "llm", "temperature = 0.7"));

    /* The dump is itself a valid file that gives the same dump back. */
    struct config again;
    config_init(&again);
    if (config_parse_string(&again, dump, "dump", err, sizeof err) != ERR_OK)
        fail_msg("dump does not parse: %s\n%s", err, dump);
    char *dump2 = config_dump(&again);
    assert_string_equal(strchr(dump, '\n'), strchr(dump2, '\n')); /* past the header line */
    free(dump);
    free(dump2);
    config_cleanup(&again);
    config_cleanup(&c);
}

static const struct {
    const char *url, *expected;
} conninfo_cases[] = {
    {"host=/tmp dbname=cca", "url = host=/tmp dbname=cca"},
    {"host=db password=hunter2 user=me", "url = host=db password=(set) user=me"},
    {"password = 'a b\\' c' dbname=x", "url = password =(set) dbname=x"},
    {"user=password_owner", "url = user=password_owner"},
    {"postgresql://me:hunter2@db:5432/cca", "url = postgresql://me:(set)@db:5432/cca"},
    {"postgres://me@db/cca?sslmode=require&password=hunter2&x=1",
     "url = postgres://me@db/cca?sslmode=require&password=(set)&x=1"},
    {"postgresql://db:5432/cca", "url = postgresql://db:5432/cca"},
};

static void dump_masks_db_password(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof conninfo_cases / sizeof conninfo_cases[0]; i++) {
        struct config c;
        config_init(&c);
        free(c.db_url);
        c.db_url = xstrdup(conninfo_cases[i].url);
        char *dump = config_dump(&c);
        if (!dump_has(dump, "database", conninfo_cases[i].expected))
            fail_msg("case %zu: expected '%s' in\n%s", i, conninfo_cases[i].expected, dump);
        assert_null(strstr(dump, "hunter2"));
        free(dump);
        config_cleanup(&c);
    }
}

/* [database] replica_url holds one replica or several separated by '|'. */
static void replica_url_lists(void **state)
{
    (void)state;
    char **u = NULL;
    assert_int_equal(config_url_list("", &u), 0);
    assert_null(u);
    assert_int_equal(config_url_list(NULL, &u), 0);
    size_t n = config_url_list("host=/r1 dbname=cca", &u);
    assert_int_equal(n, 1);
    assert_string_equal(u[0], "host=/r1 dbname=cca");
    config_url_list_free(u, n);
    /* blanks trimmed, empty items dropped, a '|' inside a quoted value kept, URIs too */
    n = config_url_list(" host=/r1 dbname=cca |password='a|b\\' c' host=r2|| "
                        "postgresql://me@h3:5433/cca ", &u);
    assert_int_equal(n, 3);
    assert_string_equal(u[0], "host=/r1 dbname=cca");
    assert_string_equal(u[1], "password='a|b\\' c' host=r2");
    assert_string_equal(u[2], "postgresql://me@h3:5433/cca");
    config_url_list_free(u, n);
    /* each replica's password is hidden in the dump */
    struct config c;
    config_init(&c);
    free(c.db_replica_url);
    c.db_replica_url = xstrdup("host=r1 password=hunter2|postgresql://me:hunter2@r2/cca");
    char *dump = config_dump(&c);
    if (!dump_has(dump, "database",
                  "replica_url = host=r1 password=(set) | postgresql://me:(set)@r2/cca"))
        fail_msg("replica_url not masked in\n%s", dump);
    assert_null(strstr(dump, "hunter2"));
    free(dump);
    config_cleanup(&c);
}

static void cleanup_leaves_nothing(void **state)
{
    (void)state;
    struct config c;
    config_init(&c);
    char err[512];
    assert_int_equal(config_parse_string(&c, "[llm]\napi_key = sk-x\n", "t.ini", err, sizeof err),
                     ERR_OK);
    config_cleanup(&c);
    assert_null(c.llm_api_key);
    assert_null(c.llm_model);
    assert_null(c.path);
    config_cleanup(&c); /* twice is harmless */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(every_key_parses, setup_env),
        cmocka_unit_test_setup(every_key_is_covered, setup_env),
        cmocka_unit_test_setup(defaults, setup_env),
        cmocka_unit_test_setup(example_file_matches_defaults, setup_env),
        cmocka_unit_test_setup(numbers_are_exact, setup_env),
        cmocka_unit_test_setup(bad_values_name_file_line_key, setup_env),
        cmocka_unit_test_setup(secrets_never_echoed_in_errors, setup_env),
        cmocka_unit_test_setup(syntax_details, setup_env),
        cmocka_unit_test_setup(long_lines, setup_env),
        cmocka_unit_test_setup(provider_defaults_in_file, setup_env),
        cmocka_unit_test_setup(env_overrides, setup_env),
        cmocka_unit_test_setup(env_errors, setup_env),
        cmocka_unit_test_setup(empty_env_is_unset, setup_env),
        cmocka_unit_test_setup_teardown(search_order, sandbox_setup, sandbox_teardown),
        cmocka_unit_test_setup_teardown(system_file_then_user_file, sandbox_setup,
                                        sandbox_teardown),
        cmocka_unit_test_setup_teardown(missing_explicit_file_is_an_error, sandbox_setup,
                                        sandbox_teardown),
        cmocka_unit_test_setup_teardown(permission_checks, sandbox_setup, sandbox_teardown),
        cmocka_unit_test_setup_teardown(symlinks_and_folders, sandbox_setup, sandbox_teardown),
        cmocka_unit_test(credentials_in_urls_are_refused),
        cmocka_unit_test_setup_teardown(derived_defaults_after_load, sandbox_setup,
                                        sandbox_teardown),
        cmocka_unit_test_setup(dump_hides_secrets_and_round_trips, setup_env),
        cmocka_unit_test_setup(dump_masks_db_password, setup_env),
        cmocka_unit_test_setup(replica_url_lists, setup_env),
        cmocka_unit_test_setup(cleanup_leaves_nothing, setup_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
