/* test_retrieve: reciprocal rank fusion by hand-computed scores, the modes, type filters,
 * threshold, count, failure handling; and the fake store it runs on. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/mem.h"
#include "core/retrieve.h"
#include "core/store.h"
#include "tests/fakes/fake_store.h"

enum { DIM = 4 };

static struct store_passage hit(const char *id, double vscore, double fscore)
{
    return (struct store_passage){
        .content_id = xstrdup("c"), .passage_id = xstrdup(id), .title = xstrdup(id),
        .content_type = xstrdup("tutorial"), .text = xstrdup("t"),
        .vector_score = vscore, .fts_score = fscore};
}

static void fuse_by_hand(void **state)
{
    (void)state;
    /* vector: A B C ; full-text: C D A ; k = 60
       A = 1/61 + 1/63, B = 1/62, C = 1/63 + 1/61, D = 1/62.
       A and C tie: the vector side's order wins (A first); B and D tie: B (vector) first. */
    struct store_passage *vec = xcalloc(3, sizeof *vec);
    vec[0] = hit("A", 0.9, -1);
    vec[1] = hit("B", 0.8, -1);
    vec[2] = hit("C", 0.7, -1);
    struct store_passage *fts = xcalloc(3, sizeof *fts);
    fts[0] = hit("C", -1, 0.5);
    fts[1] = hit("D", -1, 0.4);
    fts[2] = hit("A", -1, 0.3);
    struct store_passage *out;
    size_t n;
    retrieve_fuse(vec, 3, fts, 3, 60, 10, &out, &n);
    assert_int_equal(n, 4);
    const char *order[] = {"A", "C", "B", "D"};
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(out[i].passage_id, order[i]);
    assert_true(fabs(out[0].fused_score - (1.0 / 61 + 1.0 / 63)) < 1e-12);
    assert_true(fabs(out[2].fused_score - 1.0 / 62) < 1e-12);
    /* Both sides' scores and ranks are kept on the merged entry. */
    assert_int_equal(out[0].vector_rank, 1);
    assert_int_equal(out[0].fts_rank, 3);
    assert_true(out[0].vector_score == 0.9 && out[0].fts_score == 0.3);
    assert_int_equal(out[3].vector_rank, 0);
    assert_true(out[3].vector_score == -1);
    store_passages_free(out, n);

    /* count cuts the list; empty sides are fine; k < 1 is clamped. */
    vec = xcalloc(2, sizeof *vec);
    vec[0] = hit("A", 0.9, -1);
    vec[1] = hit("B", 0.8, -1);
    retrieve_fuse(vec, 2, NULL, 0, 0, 1, &out, &n);
    assert_int_equal(n, 1);
    assert_string_equal(out[0].passage_id, "A");
    assert_true(fabs(out[0].fused_score - 0.5) < 1e-12);
    store_passages_free(out, n);
    retrieve_fuse(NULL, 0, NULL, 0, 60, 5, &out, &n);
    assert_int_equal(n, 0);
    assert_null(out);
}

static void fuse_rank_changes_with_k(void **state)
{
    (void)state;
    /* X is 1st in vector only; Y is 2nd in both. Small k favours X, large k favours Y. */
    for (int round = 0; round < 2; round++) {
        int k = round == 0 ? 1 : 60;
        struct store_passage *vec = xcalloc(2, sizeof *vec);
        vec[0] = hit("X", 0.9, -1);
        vec[1] = hit("Y", 0.8, -1);
        struct store_passage *fts = xcalloc(2, sizeof *fts);
        fts[0] = hit("Z", -1, 0.9);
        fts[1] = hit("Y", -1, 0.8);
        struct store_passage *out;
        size_t n;
        retrieve_fuse(vec, 2, fts, 2, k, 3, &out, &n);
        /* k=1: X=1/2, Y=2/3 -> Y first anyway; k=60: X=1/61, Y=2/62 -> Y first. */
        assert_string_equal(out[0].passage_id, "Y");
        /* X vs Z tie (rank 1 on one side each): vector side first. */
        assert_string_equal(out[1].passage_id, "X");
        store_passages_free(out, n);
    }
}

static void vec(float *v, float a, float b, float c, float d)
{
    v[0] = a;
    v[1] = b;
    v[2] = c;
    v[3] = d;
}

static struct store *populated(void)
{
    struct store *s = fake_store_new();
    float v[DIM];
    vec(v, 1, 0, 0, 0);
    fake_store_add_passage(s, "Leave policy", "reference", "/kb/leave.md", "Parental",
                           "Parental leave lasts sixteen weeks.", v, DIM, NULL);
    vec(v, 0.8f, 0.6f, 0, 0);
    fake_store_add_passage(s, "Leave how-to", "tutorial", "/kb/howto.md", NULL,
                           "Request leave in the HR portal.", v, DIM, NULL);
    vec(v, 0, 1, 0, 0);
    fake_store_add_passage(s, "Security", "lesson", "/kb/sec.md", NULL,
                           "Lock your screen when you leave your desk.", v, DIM, NULL);
    vec(v, 0, 0, 0, 1);
    fake_store_add_passage(s, "Expenses", "reference", "/kb/exp.md", NULL,
                           "Submit receipts within thirty days.", v, DIM, NULL);
    fake_store_add_passage(s, "No vector", "reference", NULL, NULL,
                           "Parental benefits are listed here.", NULL, 0, NULL);
    return s;
}

static void run_modes(void **state)
{
    (void)state;
    struct store *s = populated();
    float q[DIM];
    vec(q, 1, 0.1f, 0, 0);
    struct retrieve_params p = {.mode = RETRIEVE_HYBRID, .text = "parental leave", .vector = q,
                                .dim = DIM, .threshold = 0.5, .candidates = 10, .count = 5,
                                .rrf_k = 60};
    struct store_passage *out;
    size_t n;
    struct retrieve_stats st;
    assert_int_equal(retrieve_run(s, &p, &out, &n, &st), ERR_OK);
    /* Vector (>= 0.5): Leave policy, Leave how-to. Full-text: Leave policy (2 words), No
       vector (1), Leave how-to (1), Security (1: "leave"). */
    assert_int_equal(st.vector_hits, 2);
    assert_int_equal(st.fts_hits, 4);
    assert_int_equal(st.both_hits, 2);
    assert_int_equal(n, 4);
    assert_string_equal(out[0].title, "Leave policy");
    assert_string_equal(out[1].title, "Leave how-to");
    assert_true(out[0].vector_score > 0.99);
    assert_true(out[0].fts_score == 1.0);
    assert_string_equal(out[0].source_path, "/kb/leave.md");
    assert_string_equal(out[0].heading, "Parental");
    store_passages_free(out, n);

    p.mode = RETRIEVE_VECTOR;
    assert_int_equal(retrieve_run(s, &p, &out, &n, &st), ERR_OK);
    assert_int_equal(n, 2);
    assert_int_equal(st.fts_hits, 0);
    assert_int_equal(out[1].fts_rank, 0);
    store_passages_free(out, n);

    p.mode = RETRIEVE_FTS;
    p.count = 2;
    assert_int_equal(retrieve_run(s, &p, &out, &n, &st), ERR_OK);
    assert_int_equal(n, 2);
    assert_int_equal(st.vector_hits, 0);
    assert_string_equal(out[0].title, "Leave policy");
    assert_true(out[0].vector_score == -1);
    store_passages_free(out, n);

    /* Type filter. */
    const char *types[] = {"tutorial"};
    p = (struct retrieve_params){.mode = RETRIEVE_HYBRID, .text = "leave", .vector = q,
                                 .dim = DIM, .types = types, .type_count = 1, .threshold = 0,
                                 .candidates = 10, .count = 5, .rrf_k = 60};
    assert_int_equal(retrieve_run(s, &p, &out, &n, NULL), ERR_OK);
    assert_int_equal(n, 1);
    assert_string_equal(out[0].content_type, "tutorial");
    store_passages_free(out, n);

    /* Nothing relevant at all. */
    vec(q, 0, 0, 1, 0);
    p = (struct retrieve_params){.mode = RETRIEVE_HYBRID, .text = "quantum chromodynamics",
                                 .vector = q, .dim = DIM, .threshold = 0.15, .candidates = 10,
                                 .count = 5, .rrf_k = 60};
    assert_int_equal(retrieve_run(s, &p, &out, &n, NULL), ERR_OK);
    assert_int_equal(n, 0);
    store_free(s);
}

static void failures(void **state)
{
    (void)state;
    struct store *s = populated();
    float q[DIM] = {1, 0, 0, 0};
    struct retrieve_params p = {.mode = RETRIEVE_HYBRID, .text = "parental", .vector = q,
                                .dim = DIM, .threshold = 0.5, .candidates = 10, .count = 5,
                                .rrf_k = 60};
    struct store_passage *out;
    size_t n;
    struct retrieve_stats st;
    /* One side failing: hybrid carries on with the other and says so. */
    fake_store_fail_op(s, "match_passages", ERR_DIM_MISMATCH);
    assert_int_equal(retrieve_run(s, &p, &out, &n, &st), ERR_OK);
    assert_int_equal(st.vector_err, ERR_DIM_MISMATCH);
    assert_true(n >= 1);
    store_passages_free(out, n);
    /* ...but vector-only mode reports it. */
    p.mode = RETRIEVE_VECTOR;
    assert_int_equal(retrieve_run(s, &p, &out, &n, &st), ERR_DIM_MISMATCH);
    assert_null(out);
    fake_store_fail_op(s, "match_passages", ERR_OK);
    /* Both failing in hybrid. */
    p.mode = RETRIEVE_HYBRID;
    fake_store_fail_op(s, "match_passages", ERR_DB);
    fake_store_fail_op(s, "search_passages", ERR_DB);
    assert_int_equal(retrieve_run(s, &p, &out, &n, &st), ERR_DB);
    fake_store_fail_op(s, "match_passages", ERR_OK);
    fake_store_fail_op(s, "search_passages", ERR_OK);
    /* The database down is never tolerated. */
    fake_store_set_down(s, true);
    assert_int_equal(retrieve_run(s, &p, &out, &n, &st), ERR_DB_DOWN);
    assert_int_equal(fake_store_calls(s, "search_passages"), 2); /* not tried after the outage */
    fake_store_set_down(s, false);
    /* No vector: hybrid falls back to full-text; vector mode is invalid. */
    p.vector = NULL;
    assert_int_equal(retrieve_run(s, &p, &out, &n, &st), ERR_OK);
    assert_true(n >= 1);
    assert_int_equal(st.vector_hits, 0);
    store_passages_free(out, n);
    p.mode = RETRIEVE_VECTOR;
    assert_int_equal(retrieve_run(s, &p, &out, &n, &st), ERR_INVALID);
    p.count = 0;
    assert_int_equal(retrieve_run(s, &p, &out, &n, &st), ERR_INVALID);
    store_free(s);
}

static void modes_parse(void **state)
{
    (void)state;
    enum retrieve_mode m;
    assert_true(retrieve_mode_parse("vector", &m) && m == RETRIEVE_VECTOR);
    assert_true(retrieve_mode_parse("fts", &m) && m == RETRIEVE_FTS);
    assert_true(retrieve_mode_parse("hybrid", &m) && m == RETRIEVE_HYBRID);
    assert_false(retrieve_mode_parse("HYBRID", &m));
    assert_false(retrieve_mode_parse(NULL, &m));
    assert_string_equal(retrieve_mode_name(RETRIEVE_FTS), "fts");
}

/* The fake itself: documents, replace by path, messages, embed meta. */
static void fake_store_behaves(void **state)
{
    (void)state;
    struct store *s = fake_store_new();
    float e[DIM] = {0, 0, 1, 0};
    struct store_passage_in ps[] = {{0, "H1", "first passage", e}, {1, NULL, "second", e}};
    struct store_doc_in d = {.title = "Doc", .content = "first passage second",
                             .content_type = "lesson", .source_path = "/kb/doc.md",
                             .content_hash = "abc", .dim = DIM, .embed_model = "m",
                             .passages = ps, .passage_count = 2};
    char *id1 = NULL, *id2 = NULL, *hash = NULL;
    assert_int_equal(store_doc_replace(s, &d, &id1), ERR_OK);
    assert_int_equal(fake_store_passage_count(s), 2);
    d.passage_count = 1;
    d.content_hash = "def";
    assert_int_equal(store_doc_replace(s, &d, &id2), ERR_OK);
    assert_string_equal(id1, id2); /* same source_path: replaced, not added */
    assert_int_equal(fake_store_doc_count(s), 1);
    assert_int_equal(fake_store_passage_count(s), 1);
    assert_int_equal(store_doc_lookup(s, "/kb/doc.md", NULL, &hash), ERR_OK);
    assert_string_equal(hash, "def");
    assert_int_equal(store_doc_lookup(s, "/kb/none.md", NULL, NULL), ERR_NOT_FOUND);
    free(id1);
    free(id2);
    free(hash);

    assert_int_equal(store_set_embed_meta(s, DIM, "m"), ERR_OK);
    assert_int_equal(store_set_embed_meta(s, DIM, "m"), ERR_OK);
    assert_int_equal(store_set_embed_meta(s, 8, "m"), ERR_DIM_MISMATCH);
    float q8[8] = {0};
    struct store_passage *out;
    size_t n;
    assert_int_equal(store_match_passages(s, q8, 8, 0, 5, NULL, 0, &out, &n), ERR_DIM_MISMATCH);

    char *mid = NULL, *cid = NULL;
    assert_int_equal(store_message_begin(s, NULL, "first question", &mid, &cid), ERR_OK);
    assert_non_null(cid);
    struct store_outcome o = {.status = "answered", .response = "yes", .confidence = 0.5,
                              .processing_ms = 12};
    assert_int_equal(store_message_finish(s, mid, &o), ERR_OK);
    o.confidence = 1.5;
    assert_int_equal(store_message_finish(s, mid, &o), ERR_INVALID);
    struct fake_store_message m;
    assert_true(fake_store_message_get(s, 0, &m));
    assert_string_equal(m.status, "answered");
    assert_int_equal(m.finish_count, 1);
    struct store_message *msgs;
    assert_int_equal(store_conversation_messages(s, cid, &msgs, &n), ERR_OK);
    assert_int_equal(n, 1);
    assert_string_equal(msgs[0].response, "yes");
    store_messages_free(msgs, n);
    struct store_conversation *convs;
    assert_int_equal(store_conversations(s, 10, &convs, &n), ERR_OK);
    assert_int_equal(n, 1);
    assert_int_equal(convs[0].message_count, 1);
    store_conversations_free(convs, n);
    fake_store_set_down(s, true);
    assert_false(store_is_connected(s));
    free(mid);
    assert_int_equal(store_message_begin(s, cid, "q", &mid, NULL), ERR_DB_DOWN);
    assert_null(mid);
    free(cid);
    store_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fuse_by_hand),
        cmocka_unit_test(fuse_rank_changes_with_k),
        cmocka_unit_test(run_modes),
        cmocka_unit_test(failures),
        cmocka_unit_test(modes_parse),
        cmocka_unit_test(fake_store_behaves),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
