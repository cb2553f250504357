/* test_embed_local: the offline embedder (determinism, unit length, dimensions, paraphrases
 * through WordNet, normalisation), the Porter stemmer, WordNet lookups, and the embedder's
 * query cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/embed.h"
#include "core/embed_local.h"
#include "core/mem.h"
#include "core/stem.h"
#include "core/wordnet.h"

enum { DIM = 1536 };

static double dot(const float *a, const float *b, int dim)
{
    double s = 0;
    for (int i = 0; i < dim; i++)
        s += (double)a[i] * b[i];
    return s;
}

static double sim(struct embed_local *el, const char *a, const char *b)
{
    int dim = embed_local_dim(el);
    float *va = malloc((size_t)dim * sizeof *va), *vb = malloc((size_t)dim * sizeof *vb);
    embed_local_text(el, a, strlen(a), va);
    embed_local_text(el, b, strlen(b), vb);
    double s = dot(va, vb, dim);
    free(va);
    free(vb);
    return s;
}

static void test_embed_local_unit_length_and_deterministic(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "Employees are reimbursed for hotel costs within 30 days.",
        "",
        "the and of to",
        "\xff\xfe invalid \xc3 bytes \xe2\x82",
        "日本語のテキスト and Ελληνικά and кириллица",
        "a",
        "supercalifragilisticexpialidocioussupercalifragilisticexpialidocious word",
    };
    struct embed_local *a, *b;
    assert_int_equal(embed_local_new(DIM, true, &a), ERR_OK);
    assert_int_equal(embed_local_new(DIM, true, &b), ERR_OK);
    float va[DIM], vb[DIM];
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        embed_local_text(a, texts[i], strlen(texts[i]), va);
        assert_true(fabs(dot(va, va, DIM) - 1.0) < 1e-4);
        /* The same text twice, and in another instance, gives the same vector. */
        embed_local_text(b, texts[i], strlen(texts[i]), vb);
        assert_memory_equal(va, vb, sizeof va);
        embed_local_text(a, texts[i], strlen(texts[i]), vb);
        assert_memory_equal(va, vb, sizeof va);
        for (int d = 0; d < DIM; d++)
            assert_true(isfinite(va[d]));
    }
    embed_local_free(a);
    embed_local_free(b);
}

static void test_embed_local_dimensions(void **state)
{
    (void)state;
    static const int good[] = {1, 7, 384, DIM, EMBED_LOCAL_MAX_DIM};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        struct embed_local *el;
        assert_int_equal(embed_local_new(good[i], false, &el), ERR_OK);
        assert_int_equal(embed_local_dim(el), good[i]);
        float *v = calloc((size_t)good[i] + 1, sizeof *v);
        v[good[i]] = 42.0f; /* a guard just past the end */
        embed_local_text(el, "hotel booking rules", 19, v);
        assert_true(fabs(dot(v, v, good[i]) - 1.0) < 1e-4);
        assert_true(v[good[i]] == 42.0f);
        free(v);
        embed_local_free(el);
    }
    static const int bad[] = {0, -1, EMBED_LOCAL_MAX_DIM + 1};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct embed_local *el = (struct embed_local *)1;
        assert_int_equal(embed_local_new(bad[i], true, &el), ERR_INVALID);
        assert_null(el);
    }
    embed_local_free(NULL);
}

static void test_embed_local_normalisation(void **state)
{
    (void)state;
    struct embed_local *el;
    assert_int_equal(embed_local_new(DIM, true, &el), ERR_OK);
    /* Case, accents, punctuation, stopwords and possessives do not change the vector. */
    assert_true(sim(el, "Café Résumé", "cafe resume") > 0.9999);
    assert_true(sim(el, "HOTEL Booking!", "hotel booking") > 0.9999);
    assert_true(sim(el, "the employee's hotel", "employee hotel") > 0.9999);
    assert_true(sim(el, "", "the of and") > 0.9999);
    /* Inflections meet through stemming. */
    assert_true(sim(el, "reimbursement of expenses", "reimbursed expense") > 0.6);
    /* Different words stay apart. */
    assert_true(sim(el, "hotel booking", "password rotation") < 0.1);
    embed_local_free(el);
}

/* The WordNet features let paraphrases meet where the words differ. */
static void test_embed_local_paraphrases(void **state)
{
    (void)state;
    struct embed_local *wn, *lex;
    assert_int_equal(embed_local_new(DIM, true, &wn), ERR_OK);
    assert_int_equal(embed_local_new(DIM, false, &lex), ERR_OK);
    assert_true(embed_local_has_wordnet(wn)); /* wordnet-base is a build dependency */
    assert_string_equal(embed_local_model(wn), EMBED_LOCAL_MODEL);
    assert_false(embed_local_has_wordnet(lex));
    assert_string_equal(embed_local_model(lex), EMBED_LOCAL_MODEL_LEXICAL);

    static const struct {
        const char *query, *paraphrase, *unrelated;
    } cases[] = {
        {"reimburse", "repay", "database"},
        {"vacation", "holiday", "encryption"},
        {"how do I get paid back for travel", "travel costs are repaid",
         "travel costs are audited"},
        {"get paid back", "reimburse", "review"},
        {"car", "automobile", "meeting"},
        {"begin the project", "start the project", "end the project"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double para = sim(wn, cases[i].query, cases[i].paraphrase);
        double unrel = sim(wn, cases[i].query, cases[i].unrelated);
        assert_true(para > unrel);
        /* And WordNet is what widens the gap: lexically they are (nearly) as far apart. */
        double lex_gap = sim(lex, cases[i].query, cases[i].paraphrase) -
                         sim(lex, cases[i].query, cases[i].unrelated);
        assert_true(para - unrel > lex_gap + 0.01);
    }
    embed_local_free(wn);
    embed_local_free(lex);
}

static void test_stem_porter(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"caresses", "caress"},   {"ponies", "poni"},        {"cats", "cat"},
        {"agreed", "agre"},       {"plastered", "plaster"},  {"motoring", "motor"},
        {"hopping", "hop"},       {"falling", "fall"},       {"filing", "file"},
        {"happy", "happi"},       {"relational", "relat"},   {"conditional", "condit"},
        {"digitizer", "digit"},   {"operator", "oper"},      {"hopefulness", "hope"},
        {"formalize", "formal"},  {"electrical", "electr"},  {"adjustment", "adjust"},
        {"adoption", "adopt"},    {"effective", "effect"},   {"controll", "control"},
        {"reimbursement", "reimburs"}, {"reimbursed", "reimburs"}, {"policies", "polici"},
        {"payment", "payment"},   {"is", "is"},              {"x2", "x2"},
        {"caf\xc3\xa9s", "caf\xc3\xa9s"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[64];
        size_t n = strlen(cases[i].in);
        memcpy(buf, cases[i].in, n);
        n = stem_porter(buf, n);
        buf[n] = '\0';
        assert_string_equal(buf, cases[i].out);
    }
}

static bool has_lemma(const struct wordnet_term *t, size_t n, const char *lemma)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i].lemma, lemma) == 0)
            return true;
    return false;
}

static void test_wordnet_lookup(void **state)
{
    (void)state;
    struct wordnet *wn = wordnet_new();
    assert_true(wordnet_is_available(wn));
    const struct wordnet_term *t;
    size_t n = wordnet_lookup(wn, "reimburse", &t);
    assert_true(n > 0 && n <= WORDNET_MAX_TERMS);
    assert_true(has_lemma(t, n, "repay"));
    n = wordnet_lookup(wn, "paid_back", &t); /* morphology: paid -> pay */
    assert_true(has_lemma(t, n, "repay"));
    n = wordnet_lookup(wn, "reimburse", &t); /* cached: the same answer */
    assert_true(has_lemma(t, n, "repay"));
    for (size_t i = 0; i < n; i++)
        assert_true(t[i].weight > 0 && t[i].weight <= 1);
    static const char *const none[] = {"", "x", "qwzxv", "Hotel", "caf\xc3\xa9", "a b",
                                       "0123"};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
        assert_int_equal(wordnet_lookup(wn, none[i], &t), 0);
    wordnet_free(wn);
    wordnet_free(NULL);
}

static void test_embedder_query_cache(void **state)
{
    (void)state;
    struct config cfg;
    config_init(&cfg);
    cfg.embed_dim = 64;
    struct embedder *e;
    char err[256];
    assert_int_equal(embedder_new(&cfg, NULL, NULL, &e, err, sizeof err), ERR_OK);
    assert_true(embedder_is_local(e));
    assert_string_equal(embedder_model(e), EMBED_LOCAL_MODEL);
    assert_int_equal(embedder_dim(e), 64);

    float a[64], b[64], two[128];
    const char *q[] = {"how do I book a hotel"};
    assert_int_equal(embedder_embed_sync(e, q, 1, a, NULL), ERR_OK);
    assert_int_equal(embedder_cache_hits(e), 0);
    assert_int_equal(embedder_embed_sync(e, q, 1, b, NULL), ERR_OK);
    assert_int_equal(embedder_cache_hits(e), 1);
    assert_memory_equal(a, b, sizeof a);
    /* Batches bypass the cache but agree with it. */
    const char *batch[] = {"how do I book a hotel", "another text"};
    assert_int_equal(embedder_embed_sync(e, batch, 2, two, NULL), ERR_OK);
    assert_int_equal(embedder_cache_hits(e), 1);
    assert_memory_equal(a, two, sizeof a);
    /* 256 other questions push the first one out (least recently used). */
    for (int i = 0; i < 256; i++) {
        char text[32];
        snprintf(text, sizeof text, "question number %d", i);
        const char *one[] = {text};
        assert_int_equal(embedder_embed_sync(e, one, 1, b, NULL), ERR_OK);
    }
    assert_int_equal(embedder_cache_hits(e), 1);
    assert_int_equal(embedder_embed_sync(e, q, 1, b, NULL), ERR_OK);
    assert_int_equal(embedder_cache_hits(e), 1);
    assert_memory_equal(a, b, sizeof a);
    assert_int_equal(embedder_embed_sync(e, q, 1, b, NULL), ERR_OK);
    assert_int_equal(embedder_cache_hits(e), 2);
    embedder_free(e);

    /* A remote provider without an LLM client, or a bad dimension, is refused. */
    free(cfg.embed_provider);
    cfg.embed_provider = xstrdup("openai");
    assert_int_equal(embedder_new(&cfg, NULL, NULL, &e, err, sizeof err), ERR_INVALID);
    free(cfg.embed_provider);
    cfg.embed_provider = xstrdup("local");
    cfg.embed_dim = 0;
    assert_int_equal(embedder_new(&cfg, NULL, NULL, &e, err, sizeof err), ERR_CONFIG);
    assert_non_null(strstr(err, "dimension"));
    config_cleanup(&cfg);
    embedder_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_embed_local_unit_length_and_deterministic),
        cmocka_unit_test(test_embed_local_dimensions),
        cmocka_unit_test(test_embed_local_normalisation),
        cmocka_unit_test(test_embed_local_paraphrases),
        cmocka_unit_test(test_stem_porter),
        cmocka_unit_test(test_wordnet_lookup),
        cmocka_unit_test(test_embedder_query_cache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
