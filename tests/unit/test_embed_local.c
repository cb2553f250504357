/* test_embed_local: the offline embedder (determinism, unit length, dimensions, paraphrases
 * through WordNet and through the word vectors' meaning part, normalisation), the word-vector
 * table (lookups, damaged tables refused), the Porter stemmer, WordNet lookups, the precomputed
 * WordNet table (the same answers and vectors as the library, damaged tables refused), and
 * the embedder's query cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/embed.h"
#include "core/embed_local.h"
#include "core/mem.h"
#include "core/stem.h"
#include "core/wordnet.h"
#include "core/wordvec.h"

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
    /* Different words stay apart (the meaning part gives any two texts a little in common). */
    assert_true(sim(el, "hotel booking", "password rotation") < 0.25);
    embed_local_free(el);
}

/* The WordNet features let paraphrases meet where the words differ. */
static void test_embed_local_paraphrases(void **state)
{
    (void)state;
    struct embed_local *wn, *lex;
    /* WordNet alone: the word vectors' table is kept out (an unopenable path). */
    setenv("CCA_WORDVEC_TABLE", "/nonexistent/wordvec.tbl", 1);
    assert_int_equal(embed_local_new(DIM, true, &wn), ERR_OK);
    unsetenv("CCA_WORDVEC_TABLE");
    assert_int_equal(embed_local_new(DIM, false, &lex), ERR_OK);
    assert_true(embed_local_has_wordnet(wn)); /* wordnet-base is a build dependency */
    assert_false(embed_local_has_wordvec(wn));
    assert_string_equal(embed_local_model(wn), EMBED_LOCAL_MODEL_WORDNET);
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

/* The meaning part (word vectors) lets paraphrases meet that share no word and that WordNet
 * does not relate; without it (model cca-local-v1) the same pairs stay far apart. */
static void test_embed_local_meaning(void **state)
{
    (void)state;
    struct embed_local *full, *wn, *small;
    assert_int_equal(embed_local_new(DIM, true, &full), ERR_OK);
    setenv("CCA_WORDVEC_TABLE", "/nonexistent/wordvec.tbl", 1);
    assert_int_equal(embed_local_new(DIM, true, &wn), ERR_OK);
    unsetenv("CCA_WORDVEC_TABLE");
    assert_int_equal(embed_local_new(64, true, &small), ERR_OK);
    /* build/wordvec/wordvec.tbl is a prerequisite of make unit */
    assert_true(embed_local_has_wordvec(full));
    assert_string_equal(embed_local_model(full), EMBED_LOCAL_MODEL);
    /* Below 400 dimensions there is no room for it. */
    assert_false(embed_local_has_wordvec(small));
    assert_string_equal(embed_local_model(small), EMBED_LOCAL_MODEL_WORDNET);

    static const struct {
        const char *query, *paraphrase, *unrelated;
    } cases[] = {
        {"where can I get a flu shot", "free influenza vaccination every October",
         "submitting an expense report"},
        {"money for my commute", "travel costs between home and the office",
         "password rules for accounts"},
        {"my father has cancer and needs care", "leave to care for a seriously ill relative",
         "ordering a new laptop"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double gap = sim(full, cases[i].query, cases[i].paraphrase) -
                     sim(full, cases[i].query, cases[i].unrelated);
        double wn_gap = sim(wn, cases[i].query, cases[i].paraphrase) -
                        sim(wn, cases[i].query, cases[i].unrelated);
        assert_true(gap > 0.1);
        assert_true(gap > wn_gap + 0.05);
    }
    /* Still a deterministic unit vector, whatever the text. */
    float a[DIM], b[DIM];
    const char *text = "Vaccinations: a free flu vaccination is offered at every office.";
    embed_local_text(full, text, strlen(text), a);
    embed_local_text(full, text, strlen(text), b);
    assert_memory_equal(a, b, sizeof a);
    assert_true(fabs(dot(a, a, DIM) - 1.0) < 1e-5);
    embed_local_free(full);
    embed_local_free(wn);
    embed_local_free(small);
}

/* The table: the most frequent word has rank 0, lookups of words it lacks miss, and a file
 * that is not such a table is refused. */
static void test_wordvec_table(void **state)
{
    (void)state;
    struct wordvec *wv = wordvec_new();
    assert_non_null(wv);
    float v[WORDVEC_DIM], w[WORDVEC_DIM];
    assert_int_equal(wordvec_find(wv, "the", 3, v), 0);
    long rank = wordvec_find(wv, "holiday", 7, v);
    assert_true(rank > 0 && rank < 100000);
    assert_true(wordvec_find(wv, "vacation", 8, w) > 0);
    double vw = dot(v, w, WORDVEC_DIM), vv = dot(v, v, WORDVEC_DIM), ww = dot(w, w, WORDVEC_DIM);
    assert_true(vw / sqrt(vv * ww) > 0.5); /* neighbours in meaning */
    assert_int_equal(wordvec_find(wv, "qqzzxxyy", 8, v), -1);
    assert_int_equal(wordvec_find(wv, "holidays-and-more-holidays", 26, v), -1);
    assert_int_equal(wordvec_find(wv, "holiday", 0, v), -1);
    assert_int_equal(wordvec_find(NULL, "holiday", 7, v), -1);
    wordvec_free(wv);
    wordvec_free(NULL);

    char path[] = "/tmp/cca-wordvec-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    /* A header that claims more records than the file holds. */
    unsigned char head[24] = "CCAWV001";
    uint32_t fields[4] = {WORDVEC_DIM, 5, WORDVEC_WORD_BYTES, 0};
    memcpy(head + 8, fields, sizeof fields);
    assert_int_equal(write(fd, head, sizeof head), (ssize_t)sizeof head);
    close(fd);
    assert_null(wordvec_open(path));
    /* The wrong magic. */
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs("CCAWV999", f);
    fclose(f);
    assert_null(wordvec_open(path));
    unlink(path);
    assert_null(wordvec_open(path));
    assert_null(wordvec_open(NULL));
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

/* Whether two lookups agree exactly: the same lemmas in the same order, the same weights. */
static bool same_terms(const struct wordnet_term *a, size_t na, const struct wordnet_term *b,
                       size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++)
        if (strcmp(a[i].lemma, b[i].lemma) != 0 || a[i].weight != b[i].weight)
            return false;
    return true;
}

static void check_same_lookup(struct wordnet *table, struct wordnet *lib, const char *word)
{
    const struct wordnet_term *a, *b;
    size_t na = wordnet_lookup(table, word, &a);
    size_t nb = wordnet_lookup(lib, word, &b);
    if (!same_terms(a, na, b, nb))
        fail_msg("\"%s\": the table gives %zu terms, the library %zu (or they differ)", word,
                 na, nb);
}

/* Every stride-th lemma of a WordNet index file, with forms the morphology maps back onto it
 * and with particles, so the sample covers entries, inflections, misses and collocations. */
static size_t check_index_sample(struct wordnet *table, struct wordnet *lib, const char *file,
                                 size_t stride)
{
    const char *dir = getenv("WNSEARCHDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/wordnet", file);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static const char *const tails[] = {"", "s", "es", "ed", "ing", "er", "est", "_back",
                                        "_up", "_out", "_off"};
    char line[4096];
    size_t n = 0, checked = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == ' ' || n++ % stride != 0)
            continue;
        size_t len = strcspn(line, " ");
        if (len > 40)
            continue;
        line[len] = '\0';
        check_same_lookup(table, lib, line);
        const char *tail = tails[n / stride % 11];
        char word[64];
        memcpy(word, line, len);
        memcpy(word + len, tail, strlen(tail) + 1);
        check_same_lookup(table, lib, word);
        checked += 2;
    }
    fclose(f);
    return checked;
}

/* The table answers exactly as the library does, for words in and out of WordNet. */
static void test_wordnet_table_matches_library(void **state)
{
    (void)state;
    struct wordnet *table = wordnet_new();
    struct wordnet *lib = wordnet_open(NULL);
    assert_true(wordnet_is_available(lib));
    assert_false(wordnet_has_table(lib));
    /* `make unit` builds the table first; its absence is a build bug. */
    assert_true(wordnet_has_table(table));
    assert_true(wordnet_is_available(table));

    static const char *const words[] = {
        "reimburse", "repay", "pay_back", "paid_back", "paying_back", "pays_back", "payback",
        "vacation", "vacations", "holiday", "took_off", "taking_off", "set_up", "setting_up",
        "ran_out", "runs_out", "gave_away", "give_away", "broke_down", "log_in", "logged_in",
        "geese", "went", "better", "best", "children", "mice", "feet", "were", "cupful",
        "cupsful", "boxesful", "employees", "employee", "travelling", "traveled", "costs",
        "hotel", "booking", "bookings", "password", "rotation", "onboarding", "sick_leave",
        "leave_of_absence", "in", "up", "out", "qwzxv", "zzzzzz", "dogs_back", "x_back",
        "ab_over", "hotel_away", "over", "overs", "ss", "glasses", "buses", "boxes", "churches",
        "wishes", "ladies", "firemen", "flying", "hoped", "hoping", "larger", "largest",
        "redder", "happier", "aurar", "offer", "offers", "offered",
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        check_same_lookup(table, lib, words[i]);
    size_t checked = 0;
    checked += check_index_sample(table, lib, "index.noun", 797);
    checked += check_index_sample(table, lib, "index.verb", 83);
    checked += check_index_sample(table, lib, "index.adj", 149);
    checked += check_index_sample(table, lib, "index.adv", 41);
    assert_true(checked > 600);

    /* Borrowed answers stay valid until the next call, and a miss clears them. */
    const struct wordnet_term *t;
    size_t n = wordnet_lookup(table, "paid_back", &t);
    assert_true(has_lemma(t, n, "repay"));
    assert_int_equal(wordnet_lookup(table, "qwzxv", &t), 0);
    assert_null(t);
    wordnet_free(table);
    wordnet_free(lib);
}

/* A table that is missing, cut short, from other data or damaged inside is never trusted. */
static void test_wordnet_table_damaged(void **state)
{
    (void)state;
    struct wordnet *good = wordnet_new();
    assert_true(wordnet_has_table(good));
    FILE *f = fopen(wordnet_table_path(good), "rb");
    assert_non_null(f);
    wordnet_free(good);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long len = ftell(f);
    assert_true(len > 4096);
    rewind(f);
    unsigned char *bytes = xmalloc((size_t)len);
    assert_int_equal(fread(bytes, 1, (size_t)len, f), (size_t)len);
    fclose(f);

    char path[] = "/tmp/cca-test-wordnet-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    struct {
        const char *what;
        long offset; /* byte to change; -1: cut the file short instead */
        bool is_table;
    } cases[] = {
        {"intact copy", 0, true},
        {"cut short", -1, false},
        {"bad magic", 0, false},
        {"other version", 8, false},
        {"other data (fingerprint)", 16, false},
        {"word count", 24, false},
        {"inside the word entries", 48 + 3, true},
        {"inside the pool", len - 2, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        FILE *out = fopen(path, "wb");
        assert_non_null(out);
        long keep = cases[i].offset < 0 ? len / 2 : len;
        unsigned char saved = 0;
        if (i > 0 && cases[i].offset >= 0) {
            saved = bytes[cases[i].offset];
            bytes[cases[i].offset] ^= 0x5a;
        }
        assert_int_equal(fwrite(bytes, 1, (size_t)keep, out), (size_t)keep);
        fclose(out);
        if (i > 0 && cases[i].offset >= 0)
            bytes[cases[i].offset] = saved;
        struct wordnet *wn = wordnet_open(path);
        if (wordnet_has_table(wn) != cases[i].is_table)
            fail_msg("%s: table %s", cases[i].what, cases[i].is_table ? "refused" : "used");
        /* Either way it still answers (from the library when refused), and damage inside the
         * table never reads outside it (ASan watches). */
        assert_true(wordnet_is_available(wn));
        const struct wordnet_term *t;
        static const char *const probe[] = {"aa", "reimburse", "pay_back", "zymurgy", "mm"};
        for (size_t k = 0; k < sizeof probe / sizeof probe[0]; k++) {
            size_t n = wordnet_lookup(wn, probe[k], &t);
            assert_true(n <= WORDNET_MAX_TERMS);
            for (size_t j = 0; j < n; j++)
                assert_true(strlen(t[j].lemma) < 64 && t[j].weight > 0 && t[j].weight <= 1);
        }
        wordnet_free(wn);
    }
    /* The first 512 word entries pointing outside the file: the words they hold go
     * unanswered, the rest still answer. */
    FILE *out = fopen(path, "wb");
    assert_non_null(out);
    memset(bytes + 48, 0xff, 4096);
    assert_int_equal(fwrite(bytes, 1, (size_t)len, out), (size_t)len);
    fclose(out);
    struct wordnet *wn = wordnet_open(path);
    assert_true(wordnet_has_table(wn));
    const struct wordnet_term *t;
    assert_int_equal(wordnet_lookup(wn, "aa", &t), 0);
    assert_true(wordnet_lookup(wn, "reimburse", &t) > 0);
    wordnet_free(wn);
    unlink(path);
    free(bytes);

    /* No table at all: the library answers. */
    wn = wordnet_open("/nonexistent/wordnet.tbl");
    assert_false(wordnet_has_table(wn));
    assert_true(wordnet_is_available(wn));
    assert_true(wordnet_lookup(wn, "reimburse", &t) > 0);
    wordnet_free(wn);
}

/* Vectors made through the table are bit for bit those made through the library, so the
 * model name (and every stored embedding) stays valid. */
static void test_embed_local_table_same_vectors(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "How do I get paid back for travel? Employees are reimbursed within 30 days.",
        "Vacation requests: book your holidays early; sick leave is separate.",
        "The geese went better than the mice; children ran out and gave away their toys.",
        "Log in, set up two-factor authentication and rotate passwords every 90 days.",
        "Onboarding checklist: laptop, badge, payroll forms, benefits enrolment.",
    };
    struct embed_local *fast, *slow;
    assert_int_equal(embed_local_new(DIM, true, &fast), ERR_OK);
    const char *saved = getenv("CCA_WORDNET_TABLE");
    char *keep = saved ? xstrdup(saved) : NULL;
    setenv("CCA_WORDNET_TABLE", "/nonexistent/wordnet.tbl", 1);
    assert_int_equal(embed_local_new(DIM, true, &slow), ERR_OK);
    if (keep)
        setenv("CCA_WORDNET_TABLE", keep, 1);
    else
        unsetenv("CCA_WORDNET_TABLE");
    free(keep);
    assert_string_equal(embed_local_model(fast), embed_local_model(slow));
    float a[DIM], b[DIM];
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        embed_local_text(fast, texts[i], strlen(texts[i]), a);
        embed_local_text(slow, texts[i], strlen(texts[i]), b);
        assert_memory_equal(a, b, sizeof a);
    }
    embed_local_free(fast);
    embed_local_free(slow);
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
    assert_string_equal(embedder_model(e), EMBED_LOCAL_MODEL_WORDNET); /* too few dimensions */
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
        cmocka_unit_test(test_embed_local_meaning),
        cmocka_unit_test(test_wordvec_table),
        cmocka_unit_test(test_stem_porter),
        cmocka_unit_test(test_wordnet_lookup),
        cmocka_unit_test(test_wordnet_table_matches_library),
        cmocka_unit_test(test_wordnet_table_damaged),
        cmocka_unit_test(test_embed_local_table_same_vectors),
        cmocka_unit_test(test_embedder_query_cache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
