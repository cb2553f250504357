/* test_ingest: the ingest pipeline against the fake store: walking folders, skipping bad
 * files with reasons, idempotence, replacement of changed files, fatal errors, reindex. */
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
#include "core/embed.h"
#include "core/ingest.h"
#include "core/mem.h"
#include "core/store.h"
#include "tests/fakes/fake_store.h"

struct fixture {
    char dir[64];
    struct config cfg;
    struct embedder *emb;
    struct store *store;
    struct ingest_options opt;
    int progress_calls;
    size_t last_done, last_total;
};

static void write_file(const char *dir, const char *name, const char *data, size_t len)
{
    char *path = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
    free(path);
}

static void on_progress(void *userdata, const struct ingest_progress *p)
{
    struct fixture *fx = userdata;
    fx->progress_calls++;
    fx->last_done = p->files_done;
    fx->last_total = p->files_total;
    assert_true(p->files_done <= p->files_total || p->passages_total);
}

static const char long_doc_head[] = "# Expense Policy\n\nHow costs are repaid.\n\n## Hotels\n\n";

static int setup(void **state)
{
    struct fixture *fx = xcalloc(1, sizeof *fx);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/cca-test-ingest-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    char *sub = xasprintf("%s/sub", fx->dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    free(sub);

    char big[8192];
    size_t n = 0;
    memcpy(big, long_doc_head, sizeof long_doc_head - 1);
    n = sizeof long_doc_head - 1;
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(big + n, sizeof big - n,
                              "Hotel rule %d limits the nightly rate in city %d. ", i, i);
    write_file(fx->dir, "a.md", big, n);
    write_file(fx->dir, "b.txt", "Plain notes without a heading.\n", 31);
    write_file(fx->dir, "sub/c.markdown", "Intro\n=====\n\nSetext titled.\n", 28);
    write_file(fx->dir, "bad_utf8.md", "# Bad\n\nabc \xff def\n", 16);
    write_file(fx->dir, "binary.md", "# Bin\n\0\1\2", 9);
    write_file(fx->dir, "empty.md", "  \n\n\t\n", 6);
    write_file(fx->dir, "ignored.pdf", "%PDF-1.4", 8);
    write_file(fx->dir, ".hidden.md", "# Hidden\n\nsecret\n", 17);

    config_init(&fx->cfg);
    fx->cfg.embed_dim = 64;
    char err[256];
    assert_int_equal(embedder_new(&fx->cfg, NULL, NULL, &fx->emb, err, sizeof err), ERR_OK);
    fx->store = fake_store_new();
    ingest_options_init(&fx->opt, &fx->cfg);
    fx->opt.chunk_chars = 300;
    fx->opt.chunk_overlap = 50;
    fx->opt.batch_size = 3; /* several batches for the long document */
    fx->opt.source_service = "handbook";
    fx->opt.content_type = "tutorial";
    fx->opt.on_progress = on_progress;
    fx->opt.userdata = fx;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    static const char *const names[] = {"a.md",     "b.txt",    "sub/c.markdown", "bad_utf8.md",
                                        "binary.md", "empty.md", "ignored.pdf",    ".hidden.md"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char *p = xasprintf("%s/%s", fx->dir, names[i]);
        unlink(p);
        free(p);
    }
    char *sub = xasprintf("%s/sub", fx->dir);
    rmdir(sub);
    free(sub);
    rmdir(fx->dir);
    store_free(fx->store);
    embedder_free(fx->emb);
    config_cleanup(&fx->cfg);
    free(fx);
    return 0;
}

static const struct ingest_file *find_file(const struct ingest_summary *sum, const char *suffix)
{
    size_t n = strlen(suffix);
    for (size_t i = 0; i < sum->file_count; i++) {
        size_t m = strlen(sum->files[i].path);
        if (m >= n && strcmp(sum->files[i].path + m - n, suffix) == 0)
            return &sum->files[i];
    }
    return NULL;
}

static enum err run(struct fixture *fx, const char *extra, struct ingest_summary *sum,
                    char **errmsg)
{
    const char *paths[] = {fx->dir, extra};
    return ingest_paths(fx->store, fx->emb, &fx->opt, paths, extra ? 2 : 1, sum, errmsg);
}

static void test_ingest_folder_good_and_bad_files(void **state)
{
    struct fixture *fx = *state;
    struct ingest_summary sum;
    char *errmsg = NULL;
    assert_int_equal(run(fx, "/nonexistent/cca/file.md", &sum, &errmsg), ERR_OK);
    assert_null(errmsg);
    assert_int_equal(sum.files_seen, 7); /* 3 good, 3 bad, 1 missing; .pdf and hidden ignored */
    assert_int_equal(sum.added, 3);
    assert_int_equal(sum.updated, 0);
    assert_int_equal(sum.unchanged, 0);
    assert_int_equal(sum.skipped, 4);
    assert_true(sum.passages >= 5);

    static const struct {
        const char *file, *reason;
    } bad[] = {
        {"/bad_utf8.md", "invalid UTF-8 at byte 11"},
        {"/binary.md", "binary file (contains NUL bytes)"},
        {"/empty.md", "empty file"},
        {"/nonexistent/cca/file.md", "cannot read: No such file or directory"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const struct ingest_file *f = find_file(&sum, bad[i].file);
        assert_non_null(f);
        assert_int_equal(f->status, INGEST_SKIPPED);
        assert_string_equal(f->reason, bad[i].reason);
    }
    assert_null(find_file(&sum, ".pdf"));
    assert_null(find_file(&sum, ".hidden.md"));

    /* What reached the store. */
    assert_int_equal(fake_store_doc_count(fx->store), 3);
    assert_int_equal(fake_store_embed_dim(fx->store), 64);
    assert_string_equal(fake_store_embed_model(fx->store), embedder_model(fx->emb));
    static const struct {
        const char *file, *title;
    } titles[] = {{"/a.md", "Expense Policy"}, {"/b.txt", "b"}, {"/sub/c.markdown", "Intro"}};
    size_t passages = 0;
    for (size_t i = 0; i < 3; i++) {
        struct fake_store_doc d;
        assert_true(fake_store_doc_get(fx->store, i, &d));
        size_t m = strlen(d.source_path), k = strlen(titles[i].file);
        assert_true(d.source_path[0] == '/');
        assert_string_equal(d.source_path + m - k, titles[i].file);
        assert_string_equal(d.title, titles[i].title);
        assert_string_equal(d.content_type, "tutorial");
        assert_string_equal(d.source_service, "handbook");
        assert_int_equal(strlen(d.content_hash), 64);
        assert_true(d.has_embedding);
        assert_int_equal(d.dim, 64);
        passages += d.passage_count;
        assert_int_equal(find_file(&sum, titles[i].file)->passages, d.passage_count);
    }
    assert_int_equal(passages, sum.passages);
    /* The long document was split, with headings, and every passage has a vector. */
    struct fake_store_doc a;
    fake_store_doc_get(fx->store, 0, &a);
    assert_true(a.passage_count >= 3);
    for (size_t i = 0; i < fake_store_passage_count(fx->store); i++) {
        struct fake_store_passage p;
        assert_true(fake_store_passage_get(fx->store, i, &p));
        assert_non_null(p.embedding);
        assert_int_equal(p.dim, 64);
        if (strcmp(p.content_id, a.content_id) == 0 && p.ordinal > 0)
            assert_string_equal(p.heading, "Expense Policy > Hotels");
    }
    assert_true(fx->progress_calls > 0);
    assert_int_equal(fx->last_done, fx->last_total);
    ingest_summary_cleanup(&sum);
}

static void test_ingest_is_idempotent_and_replaces_changes(void **state)
{
    struct fixture *fx = *state;
    struct ingest_summary sum;
    assert_int_equal(run(fx, NULL, &sum, NULL), ERR_OK);
    ingest_summary_cleanup(&sum);
    int replaces = fake_store_calls(fx->store, "doc_replace");

    /* Unchanged: nothing is written. */
    assert_int_equal(run(fx, NULL, &sum, NULL), ERR_OK);
    assert_int_equal(sum.unchanged, 3);
    assert_int_equal(sum.added + sum.updated, 0);
    assert_int_equal(sum.passages, 0);
    assert_int_equal(fake_store_calls(fx->store, "doc_replace"), replaces);
    ingest_summary_cleanup(&sum);

    /* Changed: replaced in place, same document. */
    write_file(fx->dir, "b.txt", "Plain notes, now edited.\n", 25);
    assert_int_equal(run(fx, NULL, &sum, NULL), ERR_OK);
    assert_int_equal(sum.updated, 1);
    assert_int_equal(sum.unchanged, 2);
    assert_int_equal(find_file(&sum, "/b.txt")->status, INGEST_UPDATED);
    assert_int_equal(fake_store_doc_count(fx->store), 3);
    struct fake_store_doc b;
    assert_true(fake_store_doc_get(fx->store, 1, &b));
    assert_string_equal(b.content, "Plain notes, now edited.\n");
    ingest_summary_cleanup(&sum);
}

static void test_ingest_store_errors(void **state)
{
    struct fixture *fx = *state;
    struct ingest_summary sum;
    char *errmsg = NULL;

    /* A document the database refuses is skipped; the others go on. */
    fake_store_fail_op(fx->store, "doc_replace", ERR_DB);
    assert_int_equal(run(fx, NULL, &sum, &errmsg), ERR_OK);
    assert_null(errmsg);
    assert_int_equal(sum.added, 0);
    assert_int_equal(sum.skipped, 6);
    assert_int_equal(sum.passages, 0);
    assert_non_null(strstr(find_file(&sum, "/a.md")->reason, "not stored"));
    ingest_summary_cleanup(&sum);

    /* No permission stops the run after the first document. */
    fake_store_fail_op(fx->store, "doc_replace", ERR_PERMISSION);
    assert_int_equal(run(fx, NULL, &sum, &errmsg), ERR_PERMISSION);
    assert_non_null(strstr(errmsg, "trainer or admin"));
    assert_int_equal(fake_store_doc_count(fx->store), 0);
    free(errmsg);
    ingest_summary_cleanup(&sum);

    /* The database down is fatal before anything is read. */
    fake_store_fail_op(fx->store, "doc_replace", ERR_OK);
    fake_store_set_down(fx->store, true);
    assert_int_equal(run(fx, NULL, &sum, &errmsg), ERR_DB_DOWN);
    assert_non_null(errmsg);
    assert_int_equal(sum.files_seen, 0);
    free(errmsg);
    ingest_summary_cleanup(&sum);
}

static void test_ingest_refuses_other_embedding_model(void **state)
{
    struct fixture *fx = *state;
    assert_int_equal(store_set_embed_meta(fx->store, 1536, "text-embedding-3-small"), ERR_OK);
    struct ingest_summary sum;
    char *errmsg = NULL;
    assert_int_equal(run(fx, NULL, &sum, &errmsg), ERR_DIM_MISMATCH);
    assert_non_null(strstr(errmsg, "cca reindex"));
    assert_int_equal(fake_store_doc_count(fx->store), 0);
    free(errmsg);
    ingest_summary_cleanup(&sum);
}

static void test_ingest_reindex(void **state)
{
    struct fixture *fx = *state;
    struct ingest_summary sum;
    assert_int_equal(run(fx, NULL, &sum, NULL), ERR_OK);
    size_t stored = sum.passages;
    ingest_summary_cleanup(&sum);
    char *errmsg = NULL;
    fx->progress_calls = 0;
    assert_int_equal(ingest_reindex(fx->store, fx->emb, &fx->opt, &sum, &errmsg), ERR_OK);
    assert_null(errmsg);
    assert_int_equal(sum.passages, stored);
    assert_int_equal(fake_store_calls(fx->store, "reindex_set"), (int)stored);
    assert_true(fx->progress_calls > 0);
    ingest_summary_cleanup(&sum);

    fake_store_fail_op(fx->store, "reindex_set", ERR_DB_DOWN);
    assert_int_equal(ingest_reindex(fx->store, fx->emb, &fx->opt, &sum, &errmsg), ERR_DB_DOWN);
    assert_non_null(errmsg);
    free(errmsg);
    ingest_summary_cleanup(&sum);
}

static void test_ingest_check_bytes(void **state)
{
    (void)state;
    static const struct {
        const char *data;
        size_t len;
        enum err want;
        const char *reason;
        size_t at;
    } cases[] = {
        {"hello", 5, ERR_OK, NULL, 0},
        {"\xEF\xBB\xBF# T\n", 7, ERR_OK, NULL, 0},
        {"caf\xC3\xA9", 5, ERR_OK, NULL, 0},
        {"", 0, ERR_INVALID, "empty file", 0},
        {"\xEF\xBB\xBF \n", 5, ERR_INVALID, "empty file", 0},
        {"ab\0cd", 5, ERR_INVALID, "binary file (contains NUL bytes)", 0},
        {"ab\xC3", 3, ERR_INVALID, "invalid UTF-8", 2},
        {"\xC0\xAF", 2, ERR_INVALID, "invalid UTF-8", 0},     /* overlong */
        {"a\xED\xA0\x80", 4, ERR_INVALID, "invalid UTF-8", 1}, /* surrogate */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *reason;
        size_t at;
        assert_int_equal(ingest_check_bytes(cases[i].data, cases[i].len, &reason, &at),
                         cases[i].want);
        if (cases[i].reason) {
            assert_string_equal(reason, cases[i].reason);
            assert_int_equal(at, cases[i].at);
        } else {
            assert_null(reason);
        }
    }
    assert_true(ingest_is_supported_name("a.md"));
    assert_true(ingest_is_supported_name("A.MARKDOWN"));
    assert_true(ingest_is_supported_name("notes.Txt"));
    assert_false(ingest_is_supported_name(".md"));
    assert_false(ingest_is_supported_name("a.pdf"));
    assert_false(ingest_is_supported_name("md"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ingest_folder_good_and_bad_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ingest_is_idempotent_and_replaces_changes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_ingest_store_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ingest_refuses_other_embedding_model, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_ingest_reindex, setup, teardown),
        cmocka_unit_test(test_ingest_check_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
