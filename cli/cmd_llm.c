/* cmd_llm: `cca llm-check`: one real round trip to the configured LLM (and the remote
 * embeddings endpoint, when there is one), with latency to the first token, speed and total
 * time. Prints plain text to stdout; never shows the API key. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/llm.h"
#include "core/loop.h"
#include "core/mem.h"
#include "core/utf8.h"
#include "cli/commands.h"

/* The part of the answer echoed back. */
enum { LLM_CHECK_ANSWER_SHOWN = 300, LLM_CHECK_ANSWER_MAX = 64 * 1024 };

struct check {
    struct buf answer;
    bool is_done;
    enum err err;
    char *errmsg;
    struct llm_usage usage;
};

static void on_delta(void *userdata, const char *text, size_t len)
{
    struct check *c = userdata;
    /* A long answer only needs its start shown; speed counts every delta anyway. */
    if (c->answer.len + len <= c->answer.max_len)
        buf_append(&c->answer, text, len);
}

static void on_done(void *userdata, enum err e, const char *errmsg,
                    const struct llm_usage *usage)
{
    struct check *c = userdata;
    c->is_done = true;
    c->err = e;
    c->errmsg = xstrdup(errmsg && *errmsg ? errmsg : err_str(e));
    c->usage = *usage;
}

static void usage(FILE *out)
{
    fputs("Usage: cca llm-check [--prompt TEXT] [--no-stream]\n\n"
          "Sends one short question to the configured LLM ([llm] in the configuration) and\n"
          "reports the model, the latency to the first token, tokens per second and the total\n"
          "time; also embeds one text when [embeddings] uses a remote provider.\n"
          "Without an LLM configured it prints \"offline (no LLM configured)\" and exits 0.\n"
          "Exits 1 when the endpoint fails, with the error type and the server's message.\n\n"
          "  --prompt TEXT   the question to send (default: a greeting)\n"
          "  --no-stream     ask for one whole response instead of a stream\n",
          out);
}

static char *safe_line(const char *s)
{
    return utf8_sanitize_line(s, strlen(s), NULL);
}

static bool is_remote_embed(const struct config *cfg)
{
    return cfg->embed_provider && strcmp(cfg->embed_provider, "local") != 0;
}

static int check_chat(struct llm *llm, struct loop *loop, const struct config *cfg,
                      const char *prompt, bool stream)
{
    struct llm_message messages[] = {
        {LLM_ROLE_SYSTEM, "You are a connectivity check. Answer in one short sentence."},
        {LLM_ROLE_USER, prompt},
    };
    struct check c = {0};
    buf_init(&c.answer, LLM_CHECK_ANSWER_MAX);
    /* Configuration text (the environment too) is printed sanitised like any other. */
    char *url = safe_line(cfg->llm_base_url ? cfg->llm_base_url : "?");
    char *model = safe_line(llm_model(llm));
    printf("endpoint:     %s at %s\n", cfg->llm_provider, url);
    printf("model:        %s\n", model);
    free(url);
    free(model);
    fflush(stdout);
    enum err e = llm_chat_start(llm, messages, 2, stream, on_delta, on_done, &c, NULL);
    if (e) {
        cli_error("llm-check: cannot start the request: %s: %s", err_name(e), err_str(e));
        buf_cleanup(&c.answer);
        return 1;
    }
    while (!c.is_done && loop_run_once(loop, -1))
        ;
    if (!c.is_done || c.err) {
        cli_error("llm-check failed after %ld ms: %s: %s: %s", c.usage.total_ms,
                  err_name(c.err), err_str(c.err), c.errmsg ? c.errmsg : "");
        if (c.answer.len)
            printf("partial answer: %zu bytes\n", c.answer.len);
        free(c.errmsg);
        buf_cleanup(&c.answer);
        return 1;
    }
    int status = 0;
    const struct llm_usage *u = &c.usage;
    if (u->first_token_ms >= 0)
        printf("first token:  %ld ms\n", u->first_token_ms);
    else
        printf("first token:  none\n");
    printf("total:        %ld ms\n", u->total_ms);
    int tokens = u->completion_tokens >= 0 ? u->completion_tokens : u->delta_count;
    printf("tokens:       %d (%s)\n", tokens,
           u->completion_tokens >= 0 ? "reported by the server" : "counted as stream deltas");
    /* Speed is generation speed: from the first token to the end. */
    long gen_ms = u->first_token_ms >= 0 ? u->total_ms - u->first_token_ms : 0;
    if (stream && tokens > 1 && gen_ms > 0)
        printf("speed:        %.1f tokens/s\n", (double)(tokens - 1) * 1000.0 / (double)gen_ms);
    else if (tokens > 0 && u->total_ms > 0)
        printf("speed:        %.1f tokens/s (including the wait for the first token)\n",
               (double)tokens * 1000.0 / (double)u->total_ms);
    if (c.answer.len) {
        size_t shown = c.answer.len;
        if (shown > LLM_CHECK_ANSWER_SHOWN)
            shown = utf8_prev(c.answer.data, c.answer.len, LLM_CHECK_ANSWER_SHOWN + 1);
        char *safe = utf8_sanitize_line(c.answer.data, shown, NULL);
        printf("answer:       %s%s\n", safe, shown < c.answer.len ? "..." : "");
        free(safe);
    }
    free(c.errmsg);
    buf_cleanup(&c.answer);
    return status;
}

static int check_embeddings(struct llm *llm, struct loop *loop, const struct config *cfg)
{
    const char *texts[] = {"How long does onboarding take?"};
    float *vectors = NULL;
    int dim = 0;
    char *errmsg = NULL;
    int64_t start = loop_now_ms();
    enum err e = llm_embed_sync(llm, loop, texts, 1, &vectors, &dim, &errmsg);
    long took = (long)(loop_now_ms() - start);
    int status = 0;
    if (e) {
        cli_error("llm-check: embeddings failed: %s: %s: %s", err_name(e), err_str(e),
                  errmsg ? errmsg : "");
        status = 1;
    } else {
        char *model = safe_line(cfg->embed_model);
        printf("embeddings:   %s, dimension %d, %ld ms%s\n", model, dim, took,
               dim != cfg->embed_dim ? " (differs from [embeddings] dim)" : "");
        free(model);
    }
    free(vectors);
    free(errmsg);
    return status;
}

int cmd_llm_check(struct cli *cli, int argc, char **argv)
{
    const char *prompt = "Say hello to a new employee in five words.";
    bool stream = true;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--prompt") == 0 && i + 1 < argc) {
            prompt = argv[++i];
        } else if (strcmp(argv[i], "--no-stream") == 0) {
            stream = false;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else {
            cli_error("llm-check: unknown argument '%s'", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    const struct config *cfg = cli->cfg;
    bool has_llm = config_has_llm(cfg);
    if (!has_llm && !is_remote_embed(cfg)) {
        printf("offline (no LLM configured)\n");
        return 0;
    }
    struct loop *loop = loop_new();
    struct llm *llm = NULL;
    char err[512] = "";
    enum err e = llm_new(cfg, loop, &llm, err, sizeof err);
    if (e) {
        cli_error("llm-check: %s: %s", err_name(e), *err ? err : err_str(e));
        loop_free(loop);
        return 1;
    }
    int status = 0;
    if (has_llm)
        status = check_chat(llm, loop, cfg, prompt, stream);
    else
        printf("offline (no LLM configured)\n");
    if (is_remote_embed(cfg) && check_embeddings(llm, loop, cfg))
        status = 1;
    llm_free(llm);
    loop_free(loop);
    return status;
}
