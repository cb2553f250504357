/* test_tryit: "Try it" ranks the draft's passages and the knowledge base's together on fixed
 * vectors and texts (hand-computed order and scores), drops what is below the threshold,
 * parses the store's reply, and a job whose store call fails says so. */
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

#include "core/chunk.h"
#include "core/config.h"
#include "core/embed.h"
#include "core/evidence.h"
#include "core/llm.h"
#include "core/loop.h"
#include "core/mem.h"
#include "core/retrieve.h"
#include "core/store.h"
#include "core/tryit.h"

#include "tests/fakes/fake_llm.h"
#include "tests/fakes/fake_store.h"

static struct store_passage kb_hit(const char *id, const char *title, const char *text, double sim)
{
    return (struct store_passage){.passage_id = xstrdup(id),
                                  .content_id = xstrdup(id),
                                  .title = xstrdup(title),
                                  .text = xstrdup(text),
                                  .vector_score = sim,
                                  .fts_score = -1,
                                  .coverage = -1};
}

static struct tryit_kb kb_of(size_t nv, size_t nf)
{
    return (struct tryit_kb){.vec = nv ? xcalloc(nv, sizeof(struct store_passage)) : NULL,
                             .vec_count = nv,
                             .fts = nf ? xcalloc(nf, sizeof(struct store_passage)) : NULL,
                             .fts_count = nf};
}

/* query (1,0), threshold 0.15, k 60, question words "hotel" and "rate" (weight 1 each).
 * Draft: D0 at cosine 0.6 holding both words, D1 at 0.1 holding neither (in no list).
 * Vector side of the knowledge base: K1 0.9 (neither word), K2 0.5 (both).
 * Full-text side: K3 (BM25 3, only "hotel"), K2 (BM25 2).
 * Vector list: K1 1, D0 2, K2 3. Full-text list: D0 goes before K3 (coverage 1 > 0.5):
 * D0 1, K3 2, K2 3. Fused: D0 1/62+1/61 (best), K2 2/63, K1 1/61, K3 1/62.
 * Scores 0.5 * fused/best + 0.5 * coverage: D0 1, K2 0.988, K3 0.498, K1 0.252. */
static void rank_merges_draft_and_kb(void **state)
{
    (void)state;
    const float query[] = {1, 0};
    const float vecs[] = {0.6f, 0.8f, 0.1f, 0.99498744f};
    struct chunk chunks[] = {
        {.heading = (char *)"Travel > Hotels", .text = (char *)"Hotel rates are capped."},
        {.heading = NULL, .text = (char *)"Parking is free on Fridays."},
    };
    struct tryit_kb kb = kb_of(2, 2);
    kb.vec[0] = kb_hit("K1", "Parking", "Parking spaces are assigned by floor.", 0.9);
    kb.vec[1] = kb_hit("K2", "Travel policy", "The hotel rates for travel abroad.", 0.5);
    kb.fts[0] = kb_hit("K3", "Hotels", "A hotel near the office.", -1);
    kb.fts[0].fts_score = 3;
    kb.fts[1] = kb_hit("K2", "Travel policy", "The hotel rates for travel abroad.", -1);
    kb.fts[1].fts_score = 2;
    struct tryit_result r;
    tryit_rank("What are the hotel rates?", query, 2, "Draft title", chunks, vecs, NULL, 2, &kb,
               0.15, 60, 10, &r);
    assert_null(kb.vec);
    assert_null(kb.fts);
    assert_int_equal(r.draft_passages, 2);
    assert_int_equal(r.kb_candidates, 4);
    assert_int_equal(r.count, 4);
    double best = 1.0 / 62 + 1.0 / 61;
    assert_true(r.hits[0].is_draft);
    assert_string_equal(r.hits[0].title, "Draft title");
    assert_string_equal(r.hits[0].heading, "Travel > Hotels");
    assert_string_equal(r.hits[0].content_id, "");
    assert_true(fabs(r.hits[0].similarity - 0.6) < 1e-6);
    assert_true(r.hits[0].fts_score == -1 && r.hits[0].is_fts);
    assert_true(fabs(r.hits[0].score - 1) < 1e-9);
    assert_string_equal(r.hits[1].content_id, "K2");
    assert_false(r.hits[1].is_draft);
    assert_true(fabs(r.hits[1].score -
                     (RETRIEVE_W_FUSED * (2.0 / 63) / best + RETRIEVE_W_COVER)) < 1e-9);
    assert_true(r.hits[1].similarity == 0.5 && r.hits[1].fts_score == 2);
    assert_string_equal(r.hits[2].content_id, "K3");
    assert_true(fabs(r.hits[2].coverage - 0.5) < 1e-9);
    assert_true(fabs(r.hits[2].score -
                     (RETRIEVE_W_FUSED * (1.0 / 62) / best + RETRIEVE_W_COVER * 0.5)) < 1e-9);
    assert_true(r.hits[2].similarity == -1 && r.hits[2].fts_score == 3);
    assert_string_equal(r.hits[3].content_id, "K1");
    assert_true(fabs(r.hits[3].score - RETRIEVE_W_FUSED * (1.0 / 61) / best) < 1e-9);
    assert_false(r.hits[3].is_fts);
    assert_null(r.hits[3].heading);
    tryit_result_cleanup(&r);

    /* coverage worked out beforehand (the job does it step by step) ranks the same */
    struct evidence *ev = xcalloc(1, sizeof *ev);
    evidence_init(ev, "What are the hotel rates?", NULL);
    double cov[2] = {tryit_chunk_coverage(ev, "Draft title", &chunks[0]),
                     tryit_chunk_coverage(ev, "Draft title", &chunks[1])};
    assert_true(fabs(cov[0] - 1) < 1e-9 && fabs(cov[1]) < 1e-9);
    free(ev);
    kb = kb_of(2, 2);
    kb.vec[0] = kb_hit("K1", "Parking", "Parking spaces are assigned by floor.", 0.9);
    kb.vec[1] = kb_hit("K2", "Travel policy", "The hotel rates for travel abroad.", 0.5);
    kb.fts[0] = kb_hit("K3", "Hotels", "A hotel near the office.", -1);
    kb.fts[0].fts_score = 3;
    kb.fts[1] = kb_hit("K2", "Travel policy", "The hotel rates for travel abroad.", -1);
    kb.fts[1].fts_score = 2;
    tryit_rank("What are the hotel rates?", query, 2, "Draft title", chunks, vecs, cov, 2, &kb,
               0.15, 60, 10, &r);
    assert_int_equal(r.count, 4);
    assert_true(r.hits[0].is_draft && fabs(r.hits[0].score - 1) < 1e-9);
    assert_string_equal(r.hits[1].content_id, "K2");
    assert_string_equal(r.hits[2].content_id, "K3");
    assert_string_equal(r.hits[3].content_id, "K1");
    tryit_result_cleanup(&r);

    /* count cuts the list; a question without content words ranks by fused rank alone (the
     * draft stays out of the full-text list). */
    kb = kb_of(2, 0);
    kb.vec[0] = kb_hit("K1", "Parking", "Parking spaces.", 0.9);
    kb.vec[1] = kb_hit("K2", "Travel", "hotel rates", 0.5);
    tryit_rank("what is the", query, 2, "", chunks, vecs, NULL, 2, &kb, 0.15, 60, 2, &r);
    assert_int_equal(r.count, 2);
    assert_string_equal(r.hits[0].content_id, "K1");
    assert_true(r.hits[1].is_draft);
    assert_false(r.hits[1].is_fts);
    assert_string_equal(r.hits[1].title, "(untitled draft)");
    assert_true(fabs(r.hits[0].score - 1) < 1e-9);
    assert_true(r.hits[0].coverage == -1);
    tryit_result_cleanup(&r);

    /* A tie in similarity puts the draft first; nothing at all gives an empty result. */
    kb = kb_of(1, 0);
    kb.vec[0] = kb_hit("K1", "Same", "same words", 0.6);
    tryit_rank("", query, 2, "T", chunks, vecs, NULL, 1, &kb, 0.15, 60, 5, &r);
    assert_int_equal(r.count, 2);
    assert_true(r.hits[0].is_draft);
    tryit_result_cleanup(&r);
    kb = kb_of(0, 0);
    tryit_rank("hotel", query, 2, "T", NULL, NULL, NULL, 0, &kb, 0.15, 60, 5, &r);
    assert_int_equal(r.count, 0);
    assert_null(r.hits);
    tryit_result_cleanup(&r);
}

/* Snippets are one line, cut at a character boundary, with escapes removed. */
static void rank_snippet_is_safe(void **state)
{
    (void)state;
    const float query[] = {1, 0};
    const float vecs[] = {1, 0};
    char text[600];
    memset(text, 'a', sizeof text);
    memcpy(text, "\x1b[31mred\nline ", 14);
    memcpy(text + TRYIT_SNIPPET_MAX - 1, "\xC3\xA9", 2); /* é across the cut */
    text[sizeof text - 1] = '\0';
    struct chunk ch = {.heading = NULL, .text = text};
    struct tryit_result r;
    struct tryit_kb kb = kb_of(0, 0);
    tryit_rank("", query, 2, "T", &ch, vecs, NULL, 1, &kb, 0.15, 60, 5, &r);
    assert_int_equal(r.count, 1);
    assert_null(strchr(r.hits[0].snippet, '\x1b'));
    assert_null(strchr(r.hits[0].snippet, '\n'));
    assert_true(strlen(r.hits[0].snippet) < TRYIT_SNIPPET_MAX);
    tryit_result_cleanup(&r);
}

static void kb_parse(void **state)
{
    (void)state;
    const char *json =
        "{\"vector\": [{\"passage_id\":\"p1\",\"content_id\":\"c1\",\"title\":\"T\","
        "\"heading\":\"H\",\"body\":\"text\",\"score\":0.7},"
        "{\"passage_id\":\"p2\",\"content_id\":\"c2\",\"title\":\"U\",\"heading\":null,"
        "\"body\":\"more\",\"score\":0.4}, 3, {\"passage_id\":\"p3\",\"score\":\"x\"}],"
        " \"fts\": [{\"passage_id\":\"p9\",\"title\":\"\\u001b[31mV\",\"score\":4.5}]}";
    struct tryit_kb kb;
    assert_int_equal(tryit_kb_parse(json, strlen(json), &kb), ERR_OK);
    assert_int_equal(kb.vec_count, 2);
    assert_string_equal(kb.vec[0].passage_id, "p1");
    assert_string_equal(kb.vec[0].heading, "H");
    assert_true(kb.vec[0].vector_score == 0.7 && kb.vec[0].vector_rank == 1);
    assert_true(kb.vec[0].fts_score == -1 && kb.vec[0].fts_rank == 0);
    assert_null(kb.vec[1].heading);
    assert_int_equal(kb.vec[1].vector_rank, 2);
    assert_int_equal(kb.fts_count, 1);
    assert_true(kb.fts[0].fts_score == 4.5 && kb.fts[0].fts_rank == 1);
    assert_null(strchr(kb.fts[0].title, '\x1b'));
    assert_string_equal(kb.fts[0].text, "");
    tryit_kb_cleanup(&kb);
    assert_int_equal(tryit_kb_parse("{}", 2, &kb), ERR_OK);
    assert_int_equal(kb.vec_count + kb.fts_count, 0);
    assert_int_equal(tryit_kb_parse("[]", 2, &kb), ERR_INVALID);
    assert_int_not_equal(tryit_kb_parse("{", 1, &kb), ERR_OK);
}

struct outcome {
    int calls;
    enum err e;
};

static void on_done(void *userdata, enum err e, const char *msg, const struct tryit_result *r)
{
    struct outcome *o = userdata;
    o->calls++;
    o->e = e;
    assert_non_null(msg);
    assert_null(r);
}

/* Without a database (the fake store is not PostgreSQL) the job ends once, with the error. */
static void job_reports_store_failure(void **state)
{
    (void)state;
    struct config cfg;
    config_init(&cfg);
    cfg.embed_dim = 64;
    struct embedder *emb;
    char err[256];
    assert_int_equal(embedder_new(&cfg, NULL, NULL, &emb, err, sizeof err), ERR_OK);
    struct store *s = fake_store_new();
    const char *body = "# Hotels\n\nHotel rates are capped at 120 EUR a night.\n";
    struct tryit_params p = {.question = "hotel rates",
                             .title = "Hotels",
                             .body = body,
                             .len = strlen(body),
                             .exclude_id = "c1",
                             .chunk_chars = 400,
                             .chunk_overlap = 50,
                             .threshold = 0.15,
                             .candidates = 20,
                             .count = 5,
                             .rrf_k = 60};
    struct tryit *t = tryit_new(s, emb, NULL, NULL, &p);
    struct outcome o = {0};
    tryit_start(t, on_done, &o);
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.e, ERR_UNSUPPORTED);
    assert_false(tryit_is_running(t));
    tryit_free(t);
    store_free(s);
    embedder_free(emb);
    config_cleanup(&cfg);
}

static void on_remote_done(void *userdata, enum err e, const char *msg,
                           const struct tryit_result *r)
{
    struct outcome *o = userdata;
    o->calls++;
    o->e = e;
    assert_non_null(msg);
    assert_null(r);
}

/* A remote embedder: the question goes to the embeddings endpoint without blocking (tryit_start
 * returns before anything is done), then the store is asked (here it fails: the fake store is
 * not PostgreSQL) and the job ends once with that. */
static void job_remote_does_not_block(void **state)
{
    (void)state;
    const char *bin = getenv("CCA_FAKE_LLM");
    if (!bin || access(bin, X_OK) != 0) {
        print_message("CCA_FAKE_LLM not set: skipping\n");
        skip();
    }
    char log_path[] = "/tmp/cca-tryit-log.XXXXXX";
    int fd = mkstemp(log_path);
    assert_true(fd >= 0);
    close(fd);
    const char *argv[] = {"--dim", "8", "--log", log_path, NULL};
    pid_t pid;
    int port;
    assert_int_equal(fake_llm_start(argv, &pid, &port), 0);
    struct config cfg;
    config_init(&cfg);
    char *ini = xasprintf("[llm]\nprovider = openai\nbase_url = http://127.0.0.1:%d/v1\n"
                          "api_key = test-key\nmax_retries = 0\n"
                          "[embeddings]\nprovider = openai\nbase_url = http://127.0.0.1:%d/v1\n"
                          "model = fake-embed\ndim = 8\n",
                          port, port);
    char err[256] = "";
    assert_int_equal(config_parse_string(&cfg, ini, "test", err, sizeof err), ERR_OK);
    free(ini);
    struct loop *loop = loop_new();
    struct llm *llm = NULL;
    assert_int_equal(llm_new(&cfg, loop, &llm, err, sizeof err), ERR_OK);
    struct embedder *emb = NULL;
    assert_int_equal(embedder_new(&cfg, llm, loop, &emb, err, sizeof err), ERR_OK);
    assert_false(embedder_is_local(emb));
    struct store *s = fake_store_new();
    const char *body = "# Hotels\n\nHotel rates are capped at 120 EUR a night.\n";
    struct tryit_params p = {.question = "hotel rates",
                             .title = "Hotels",
                             .body = body,
                             .len = strlen(body),
                             .chunk_chars = 400,
                             .chunk_overlap = 50,
                             .threshold = 0.15,
                             .candidates = 20,
                             .count = 5,
                             .rrf_k = 60};
    struct tryit *t = tryit_new(s, emb, llm, loop, &p);
    struct outcome o = {0};
    tryit_start(t, on_remote_done, &o);
    assert_int_equal(o.calls, 0);
    assert_true(tryit_is_running(t));
    for (int i = 0; i < 500 && o.calls == 0; i++)
        loop_run_once(loop, 10);
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.e, ERR_UNSUPPORTED);
    tryit_free(t);
    FILE *f = fopen(log_path, "r");
    assert_non_null(f);
    char line[512];
    bool asked = false;
    while (fgets(line, sizeof line, f))
        asked |= strstr(line, ">>> POST") && strstr(line, "/embeddings");
    fclose(f);
    assert_true(asked);
    unlink(log_path);
    store_free(s);
    embedder_free(emb);
    llm_free(llm);
    loop_free(loop);
    config_cleanup(&cfg);
    fake_llm_stop(pid);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rank_merges_draft_and_kb),
        cmocka_unit_test(rank_snippet_is_safe),
        cmocka_unit_test(kb_parse),
        cmocka_unit_test(job_reports_store_failure),
        cmocka_unit_test(job_remote_does_not_block),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
