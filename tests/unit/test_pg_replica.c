/* test_pg_replica: retrieval reads from a streaming replica, against the live deployment of
 * scripts/scaleout_env.sh (tests/scaleout/run.sh exports CCA_TEST_PRIMARY_URL, a superuser on
 * the primary's cca database, and CCA_TEST_REPLICA_URL, the replica whose
 * recovery_min_apply_delay is a few seconds). Without them every test is skipped. Documents
 * written here have source paths under /scaleout-test/ and are removed at the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/loop.h"
#include "core/mem.h"
#include "core/store.h"
#include "core/store_replica.h"
#include "db/pg.h"
#include "db/pg_store.h"

static const char *primary_url, *replica_url;

#define NEED_ENV()                                                                             \
    do {                                                                                       \
        if (!primary_url || !replica_url)                                                      \
            skip();                                                                            \
    } while (0)

static struct store *open_store(const char *url, const char *replica, int max_lag_s)
{
    struct pg_store_options o = {.conninfo = url,
                                 .connect_timeout_s = 5,
                                 .statement_timeout_ms = 15000,
                                 .replica_url = replica,
                                 .replica_max_lag_s = max_lag_s};
    struct store *s = NULL;
    char err[512] = "";
    if (pg_store_open(&o, &s, err, sizeof err) != ERR_OK)
        fail_msg("open %s: %s", url, err);
    return s;
}

/* Writes a one-passage document whose text holds word; returns nothing, fails the test. */
static void write_doc(struct store *s, const char *word, const char *path)
{
    char *text = xasprintf("The scale-out test passage mentions %s once.", word);
    struct store_passage_in p = {.ordinal = 0, .text = text};
    struct store_doc_in doc = {.title = "Scale-out test",
                               .content = text,
                               .content_type = "reference",
                               .source_service = "scaleout-test",
                               .source_path = path,
                               .content_hash = "h",
                               .passages = &p,
                               .passage_count = 1};
    char *id = NULL;
    if (store_doc_replace(s, &doc, &id) != ERR_OK)
        fail_msg("doc_replace: %s", store_errmsg(s));
    free(id);
    free(text);
}

static char *value(const char *url, const char *sql, const char *param)
{
    struct pg_options o = {.conninfo = url, .connect_timeout_s = 5};
    struct pg *pg = pg_new(&o);
    struct pg_res *res = NULL;
    const char *params[] = {param};
    if (pg_connect(pg) != ERR_OK || pg_exec(pg, sql, param ? 1 : 0, params, &res) != ERR_OK)
        fail_msg("'%s': %s", sql, pg_errmsg(pg));
    char *v = pg_res_dup(res, 0, 0);
    pg_res_free(res);
    pg_free(pg);
    return v;
}

/* Waits until the replica has received (not necessarily replayed) the primary's WAL so far
 * (the primary's commits are asynchronous in the test cluster). */
static void wait_received(void)
{
    char *lsn = value(primary_url, "SELECT pg_current_wal_insert_lsn()::text", NULL);
    bool ok = false;
    for (int i = 0; i < 100 && !ok; i++) {
        char *v = value(replica_url, "SELECT pg_last_wal_receive_lsn() >= $1::pg_lsn", lsn);
        ok = v && v[0] == 't';
        free(v);
        if (!ok)
            usleep(50 * 1000);
    }
    free(lsn);
    assert_true(ok);
}

static size_t hits(struct store *s, const char *word)
{
    struct store_passage *p = NULL;
    size_t n = 0;
    if (store_search_passages(s, word, NULL, 0, 5, &p, &n) != ERR_OK)
        fail_msg("search: %s", store_errmsg(s));
    store_passages_free(p, n);
    return n;
}

static struct store_replica_state state_of(struct store *s)
{
    struct store_replica_state rs;
    assert_int_equal(store_replica_check(s, &rs), ERR_OK);
    return rs;
}

/* Waits until the store's replica may serve reads again (bounded). */
static bool wait_usable(struct store *s, int seconds)
{
    for (int i = 0; i < seconds * 10; i++) {
        if (state_of(s).is_usable)
            return true;
        usleep(100 * 1000);
    }
    return false;
}

static void test_read_your_writes(void **state)
{
    (void)state;
    NEED_ENV();
    char word[64], path[96];
    snprintf(word, sizeof word, "zqxwombat%ld", (long)getpid());
    snprintf(path, sizeof path, "/scaleout-test/ryw-%ld.md", (long)getpid());
    struct store *s = open_store(primary_url, replica_url, 60);
    struct store *direct = open_store(replica_url, NULL, 0);
    assert_true(wait_usable(s, 30));

    write_doc(s, word, path);
    /* The replica lags by its apply delay: read there, the new passage is missing... */
    assert_int_equal(hits(direct, word), 0);
    /* ...so the writer's own read goes to the primary and finds it. */
    long before_primary = state_of(s).reads_primary;
    assert_int_equal(hits(s, word), 1);
    struct store_replica_state rs = state_of(s);
    assert_int_equal(rs.reads_primary, before_primary + 1);
    assert_int_equal(rs.reads_replica, 0);

    /* Once the replica has replayed the write, reads go there and still find it. */
    assert_true(wait_usable(s, 30));
    assert_int_equal(hits(s, word), 1);
    rs = state_of(s);
    assert_int_equal(rs.reads_replica, 1);
    assert_int_equal(hits(direct, word), 1);

    /* Another process (a new store) has no write of its own to wait for: with a generous
     * replica_max_lag_s it reads from the replica at once. */
    struct store *other = open_store(primary_url, replica_url, 60);
    assert_int_equal(hits(other, word), 1);
    assert_int_equal(state_of(other).reads_replica, 1);
    store_free(other);
    store_free(direct);
    store_free(s);
}

static void test_replica_too_far_behind(void **state)
{
    (void)state;
    NEED_ENV();
    char word[64], path[96];
    snprintf(word, sizeof word, "lagwombat%ld", (long)getpid());
    snprintf(path, sizeof path, "/scaleout-test/lag-%ld.md", (long)getpid());
    struct store *writer = open_store(primary_url, NULL, 0);
    /* replica_max_lag_s = 0: any replay lag sends reads to the primary. */
    struct store *reader = open_store(primary_url, replica_url, 0);
    write_doc(writer, word, path);
    wait_received();
    assert_int_equal(hits(reader, word), 1);
    struct store_replica_state rs = state_of(reader);
    assert_false(rs.is_usable);
    assert_int_equal(rs.reads_replica, 0);
    assert_non_null(strstr(rs.why, "behind"));
    store_free(reader);
    store_free(writer);
}

static void test_replica_down(void **state)
{
    (void)state;
    NEED_ENV();
    struct store *s = open_store(primary_url, "host=/nonexistent-cca-replica dbname=cca", 60);
    /* Retrieval still answers, from the primary. */
    (void)hits(s, "expenses");
    struct store_replica_state rs = state_of(s);
    assert_true(rs.is_configured);
    assert_false(rs.is_usable);
    assert_int_equal(rs.reads_replica, 0);
    assert_int_equal(rs.reads_primary, 1);
    assert_non_null(strstr(rs.why, "down"));
    store_free(s);
}

static long backends_named(const char *app)
{
    char *v = value(primary_url, "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
                    app);
    long n = v ? strtol(v, NULL, 10) : -1;
    free(v);
    return n;
}

/* With a loop attached (the TUI), an idle store holds no server connection after
 * idle_disconnect_s, and the next query reconnects silently. */
static void test_idle_disconnect(void **state)
{
    (void)state;
    NEED_ENV();
    char app[64];
    snprintf(app, sizeof app, "cca-idle-test-%ld", (long)getpid());
    char *url = xasprintf("%s application_name=%s", primary_url, app);
    struct pg_store_options o = {.conninfo = url, .connect_timeout_s = 5,
                                 .idle_disconnect_s = 1};
    struct store *s = NULL;
    char err[512] = "";
    assert_int_equal(pg_store_open(&o, &s, err, sizeof err), ERR_OK);
    struct loop *loop = loop_new();
    store_attach_loop(s, loop);
    (void)hits(s, "expenses");
    assert_int_equal(backends_named(app), 1);
    for (int i = 0; i < 30; i++)
        loop_run_once(loop, 100);
    assert_int_equal(backends_named(app), 0);
    assert_true(store_is_connected(s)); /* idle, not down */
    /* The next call reconnects without a word. */
    struct store_user u = {0};
    assert_int_equal(store_whoami(s, &u), ERR_NOT_FOUND); /* the superuser is nobody */
    store_user_cleanup(&u);
    (void)hits(s, "expenses");
    assert_int_equal(backends_named(app), 1);
    store_free(s);
    loop_free(loop);
    free(url);
}

static int teardown(void **state)
{
    (void)state;
    if (!primary_url)
        return 0;
    struct pg_options o = {.conninfo = primary_url, .connect_timeout_s = 5};
    struct pg *pg = pg_new(&o);
    if (pg_connect(pg) == ERR_OK)
        (void)pg_exec(pg, "DELETE FROM learning_content WHERE source_path LIKE '/scaleout-test/%'",
                      0, NULL, NULL);
    pg_free(pg);
    return 0;
}

int main(void)
{
    primary_url = getenv("CCA_TEST_PRIMARY_URL");
    replica_url = getenv("CCA_TEST_REPLICA_URL");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_your_writes),
        cmocka_unit_test(test_replica_too_far_behind),
        cmocka_unit_test(test_replica_down),
        cmocka_unit_test(test_idle_disconnect),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
