/* test_embed_async: embedding without blocking the loop, against the fake OpenAI-compatible
 * server. embedder_embed_start returns before anything is embedded and delivers unit vectors
 * once; an endpoint of the wrong dimension is an error that names both; a cancelled request
 * never calls back; and content_embed (a saved content item re-embedded in the Content tab)
 * asks a remote endpoint on the loop instead of running a loop inside the key handler. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/content_embed.h"
#include "core/embed.h"
#include "core/llm.h"
#include "core/loop.h"
#include "core/mem.h"
#include "core/store.h"

#include "tests/fakes/fake_llm.h"
#include "tests/fakes/fake_store.h"

struct env {
    pid_t pid;
    char log_path[64];
    struct config cfg;
    struct loop *loop;
    struct llm *llm;
    struct embedder *emb;
};

/* The fake server answers with server_dim dimensions; the configuration says cfg_dim. */
static int env_start(struct env *v, int server_dim, int cfg_dim)
{
    const char *bin = getenv("CCA_FAKE_LLM");
    if (!bin || access(bin, X_OK) != 0)
        return -1;
    memset(v, 0, sizeof *v);
    strcpy(v->log_path, "/tmp/cca-embed-async.XXXXXX");
    int fd = mkstemp(v->log_path);
    assert_true(fd >= 0);
    close(fd);
    char dim[16];
    snprintf(dim, sizeof dim, "%d", server_dim);
    const char *argv[] = {"--dim", dim, "--log", v->log_path, NULL};
    int port;
    assert_int_equal(fake_llm_start(argv, &v->pid, &port), 0);
    config_init(&v->cfg);
    char *ini = xasprintf("[llm]\nprovider = openai\nbase_url = http://127.0.0.1:%d/v1\n"
                          "api_key = test-key\nmax_retries = 0\n"
                          "[embeddings]\nprovider = openai\nbase_url = http://127.0.0.1:%d/v1\n"
                          "model = fake-embed\ndim = %d\n",
                          port, port, cfg_dim);
    char err[256] = "";
    assert_int_equal(config_parse_string(&v->cfg, ini, "test", err, sizeof err), ERR_OK);
    free(ini);
    v->loop = loop_new();
    assert_int_equal(llm_new(&v->cfg, v->loop, &v->llm, err, sizeof err), ERR_OK);
    assert_int_equal(embedder_new(&v->cfg, v->llm, v->loop, &v->emb, err, sizeof err), ERR_OK);
    assert_false(embedder_is_local(v->emb));
    return 0;
}

static void env_stop(struct env *v)
{
    embedder_free(v->emb);
    llm_free(v->llm);
    loop_free(v->loop);
    config_cleanup(&v->cfg);
    fake_llm_stop(v->pid);
    unlink(v->log_path);
}

/* How many embeddings requests the fake server logged. */
static int embed_requests(const struct env *v)
{
    FILE *f = fopen(v->log_path, "r");
    assert_non_null(f);
    char line[512];
    int n = 0;
    while (fgets(line, sizeof line, f))
        n += strstr(line, ">>> POST") && strstr(line, "/embeddings");
    fclose(f);
    return n;
}

#define NEED_FAKE(v, sd, cd)                                                                   \
    do {                                                                                       \
        if (env_start(v, sd, cd) != 0) {                                                       \
            print_message("CCA_FAKE_LLM not set: skipping\n");                                \
            skip();                                                                            \
        }                                                                                      \
    } while (0)

struct got {
    int calls;
    enum err e;
    char msg[256];
    size_t count;
    double norms[4];
};

static void on_done(void *userdata, enum err e, const char *errmsg, const float *vectors,
                    size_t count)
{
    struct got *g = userdata;
    g->calls++;
    g->e = e;
    snprintf(g->msg, sizeof g->msg, "%s", errmsg ? errmsg : "");
    g->count = count;
    for (size_t i = 0; i < count && i < 4; i++) {
        double n = 0;
        for (int k = 0; k < 8; k++)
            n += (double)vectors[i * 8 + (size_t)k] * vectors[i * 8 + (size_t)k];
        g->norms[i] = sqrt(n);
    }
}

static void run_until(struct loop *loop, const int *calls)
{
    for (int i = 0; i < 500 && *calls == 0; i++)
        loop_run_once(loop, 10);
}

static void start_returns_then_delivers_unit_vectors(void **state)
{
    (void)state;
    struct env v;
    NEED_FAKE(&v, 8, 8);
    const char *texts[] = {"hotel rates", "travel policy", "expense claims"};
    struct got g = {0};
    struct embed_request *r = NULL;
    assert_int_equal(embedder_embed_start(v.emb, texts, 3, on_done, &g, &r), ERR_OK);
    assert_non_null(r);
    assert_int_equal(g.calls, 0); /* nothing before the loop runs */
    run_until(v.loop, &g.calls);
    assert_int_equal(g.calls, 1);
    assert_int_equal(g.e, ERR_OK);
    assert_int_equal(g.count, 3);
    for (int i = 0; i < 3; i++)
        assert_true(fabs(g.norms[i] - 1.0) < 1e-5);
    assert_int_equal(embed_requests(&v), 1); /* one batch */
    env_stop(&v);
}

static void wrong_dimension_is_named(void **state)
{
    (void)state;
    struct env v;
    NEED_FAKE(&v, 8, 16);
    const char *texts[] = {"hotel rates"};
    struct got g = {0};
    assert_int_equal(embedder_embed_start(v.emb, texts, 1, on_done, &g, NULL), ERR_OK);
    run_until(v.loop, &g.calls);
    assert_int_equal(g.calls, 1);
    assert_int_equal(g.e, ERR_DIM_MISMATCH);
    assert_non_null(strstr(g.msg, "8 dimensions"));
    assert_non_null(strstr(g.msg, "dim is 16"));
    env_stop(&v);
}

static void cancelled_never_calls_back(void **state)
{
    (void)state;
    struct env v;
    NEED_FAKE(&v, 8, 8);
    const char *texts[] = {"hotel rates"};
    struct got g = {0};
    struct embed_request *r = NULL;
    assert_int_equal(embedder_embed_start(v.emb, texts, 1, on_done, &g, &r), ERR_OK);
    embed_request_cancel(r);
    for (int i = 0; i < 30; i++)
        loop_run_once(v.loop, 10);
    assert_int_equal(g.calls, 0);
    env_stop(&v);
}

static void too_many_or_local_is_refused(void **state)
{
    (void)state;
    struct env v;
    NEED_FAKE(&v, 8, 8);
    size_t n = embedder_batch_size(v.emb) + 1;
    const char **texts = xcalloc(n, sizeof *texts);
    for (size_t i = 0; i < n; i++)
        texts[i] = "x";
    struct got g = {0};
    assert_int_equal(embedder_embed_start(v.emb, texts, n, on_done, &g, NULL), ERR_INVALID);
    free(texts);
    env_stop(&v);

    struct config cfg;
    config_init(&cfg);
    struct embedder *local = NULL;
    char err[256] = "";
    assert_int_equal(embedder_new(&cfg, NULL, NULL, &local, err, sizeof err), ERR_OK);
    const char *one[] = {"x"};
    assert_int_equal(embedder_embed_start(local, one, 1, on_done, &g, NULL), ERR_UNSUPPORTED);
    assert_int_equal(g.calls, 0);
    embedder_free(local);
    config_cleanup(&cfg);
}

struct job_outcome {
    int calls;
    enum err e;
};

static void on_job(void *userdata, enum err e, const char *msg)
{
    (void)msg;
    struct job_outcome *o = userdata;
    o->calls++;
    o->e = e;
}

/* The Content tab's re-embedding with a remote embedder: starting returns at once, the passages
 * go to the endpoint from the loop, then to the store (the fake store is not PostgreSQL, so the
 * job ends once with ERR_UNSUPPORTED after the endpoint was asked). */
static void content_embed_remote_runs_on_the_loop(void **state)
{
    (void)state;
    struct env v;
    NEED_FAKE(&v, 8, 8);
    struct store *s = fake_store_new();
    const char *ids[] = {"p1", "p2"};
    const char *texts[] = {"Hotels\n\nRates are capped.", "Hotels\n\nBook early."};
    struct content_embed *j =
        content_embed_new(s, v.emb, v.loop, "c1", 3, ids, texts, 2, "Hotels\n\nRates");
    struct job_outcome o = {0};
    content_embed_start(j, on_job, &o);
    assert_int_equal(o.calls, 0);
    assert_int_equal(embed_requests(&v), 0); /* nothing sent inside the key handler */
    run_until(v.loop, &o.calls);
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.e, ERR_UNSUPPORTED);
    assert_int_equal(embed_requests(&v), 1);
    content_embed_free(j);
    store_free(s);
    env_stop(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(start_returns_then_delivers_unit_vectors),
        cmocka_unit_test(wrong_dimension_is_named),
        cmocka_unit_test(cancelled_never_calls_back),
        cmocka_unit_test(too_many_or_local_is_refused),
        cmocka_unit_test(content_embed_remote_runs_on_the_loop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
