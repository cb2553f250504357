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
#include "core/store_learning.h"
#include "db/pg.h"
#include "db/pg_call.h"
#include "db/pg_store.h"

static const char *primary_url, *replica_url;

#define NEED_ENV()                                                                             \
    do {                                                                                       \
        if (!primary_url || !replica_url)                                                      \
            skip();                                                                            \
    } while (0)

static struct store *open_store_as(const char *url, const char *replica, int max_lag_s,
                                   const char *email)
{
    struct pg_store_options o = {.conninfo = url,
                                 .act_as_email = email,
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

static struct store *open_store(const char *url, const char *replica, int max_lag_s)
{
    return open_store_as(url, replica, max_lag_s, NULL);
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

/* Two replicas: reads take turns between those that are up; one that is down is skipped and
 * reported; with none up, reads go to the primary and say why. */
static void test_several_replicas(void **state)
{
    (void)state;
    NEED_ENV();
    char *twice = xasprintf("%s | %s", replica_url, replica_url);
    struct store *s = open_store(primary_url, twice, 60);
    assert_int_equal(store_replica_count(s), 2);
    assert_true(wait_usable(s, 30));
    for (int i = 0; i < 4; i++)
        (void)hits(s, "expenses");
    struct store_replica_state one, two;
    assert_int_equal(store_replica_check_one(s, 0, &one), ERR_OK);
    assert_int_equal(store_replica_check_one(s, 1, &two), ERR_OK);
    assert_int_equal(one.reads_replica, 2);
    assert_int_equal(two.reads_replica, 2);
    assert_int_equal(state_of(s).reads_primary, 0);
    assert_int_equal(store_replica_check_one(s, 2, &one), ERR_NOT_FOUND);
    store_free(s);

    char *half = xasprintf("host=/nonexistent-cca-replica dbname=cca|%s", replica_url);
    s = open_store(primary_url, half, 60);
    assert_true(wait_usable(s, 30));
    for (int i = 0; i < 3; i++)
        (void)hits(s, "expenses");
    assert_int_equal(store_replica_check_one(s, 0, &one), ERR_OK);
    assert_int_equal(store_replica_check_one(s, 1, &two), ERR_OK);
    assert_false(one.is_usable);
    assert_non_null(strstr(one.why, "down"));
    assert_string_equal(one.name, "/nonexistent-cca-replica/cca");
    assert_int_equal(one.reads_replica, 0);
    assert_true(two.is_usable);
    assert_int_equal(two.reads_replica, 3);
    assert_int_equal(state_of(s).reads_primary, 0);
    store_free(s);

    char *none = xasprintf("host=/nonexistent-cca-a dbname=cca | host=/nonexistent-cca-b dbname=cca");
    s = open_store(primary_url, none, 60);
    assert_int_equal(hits(s, "zzznothingzzz"), 0);
    struct store_replica_state rs = state_of(s);
    assert_false(rs.is_usable);
    assert_int_equal(rs.reads_replica, 0);
    assert_int_equal(rs.reads_primary, 1);
    assert_non_null(strstr(rs.why, "/nonexistent-cca-a/cca: the replica is down"));
    assert_non_null(strstr(rs.why, "/nonexistent-cca-b/cca: the replica is down"));
    store_free(s);
    free(none);
    free(half);
    free(twice);
}

/* Keeps the text of row 0, column 0. */
static void keep_text(void *userdata, enum err e, const char *errmsg, const struct store_rows *rows)
{
    char **out = userdata;
    if (e != ERR_OK)
        fail_msg("call: %s", errmsg);
    const char *text = store_rows_get(rows, 0, 0);
    *out = xstrdup(text ? text : "");
}

/* The dashboard's "time_total_seconds" (the learner's reading time). */
static long dashboard_seconds(const char *json)
{
    const char *p = json ? strstr(json, "\"time_total_seconds\": ") : NULL;
    if (!p)
        fail_msg("no time_total_seconds in %s", json ? json : "(null)");
    return strtol(p + strlen("\"time_total_seconds\": "), NULL, 10);
}

static long read_dashboard(struct store *s)
{
    char *json = NULL;
    (void)store_learning_dashboard(s, keep_text, &json);
    long v = dashboard_seconds(json);
    free(json);
    return v;
}

static void ignore_reply(void *userdata, enum err e, const char *errmsg,
                         const struct store_rows *rows)
{
    (void)rows;
    if (e != ERR_OK)
        fail_msg("record: %s", errmsg);
    (*(int *)userdata)++;
}

/* The learner's progress dashboard reads from the replica, and still shows the learner's own
 * reading at once although the replica replays it seconds later; the same through the loop
 * (the TUI), where the write and the read are queued one after the other. */
static void test_dashboard_read_your_writes(void **state)
{
    (void)state;
    NEED_ENV();
    struct store *s = open_store_as(primary_url, replica_url, 60, "alice@example.com");
    assert_true(wait_usable(s, 30));
    char *content = NULL;
    assert_int_equal(pg_store_call_now(s, "SELECT id FROM learning_content ORDER BY id LIMIT 1",
                                       0, NULL, keep_text, &content),
                     ERR_OK);
    assert_true(content && *content);
    assert_true(wait_usable(s, 30)); /* the lookup counted as a write */

    long before_replica = state_of(s).reads_replica;
    long t0 = read_dashboard(s);
    assert_int_equal(state_of(s).reads_replica, before_replica + 1); /* served by the replica */

    struct store_reading r = {.content_id = content, .position = -1, .seconds = 7, .percent = -1};
    assert_int_equal(store_learning_record_now(s, &r), ERR_OK);
    char *uid = value(primary_url, "SELECT id FROM users WHERE email = $1", "alice@example.com");
    char *on_replica = value(replica_url,
                             "SELECT coalesce(sum(seconds), 0) FROM learning_time WHERE user_id = $1",
                             uid);
    /* The replica has not replayed the reading yet... */
    assert_int_equal(strtol(on_replica, NULL, 10), t0);
    /* ...yet the dashboard shows it: read from the primary. */
    long before_primary = state_of(s).reads_primary;
    assert_int_equal(read_dashboard(s), t0 + 7);
    assert_int_equal(state_of(s).reads_primary, before_primary + 1);

    /* Through the loop: the write, then the dashboard, queued at once. */
    struct loop *loop = loop_new();
    store_attach_loop(s, loop);
    assert_true(wait_usable(s, 30));
    int recorded = 0;
    char *json = NULL;
    (void)store_learning_record(s, &r, ignore_reply, &recorded);
    (void)store_learning_dashboard(s, keep_text, &json);
    for (int i = 0; i < 200 && !json; i++)
        loop_run_once(loop, 50);
    assert_int_equal(recorded, 1);
    assert_int_equal(dashboard_seconds(json), t0 + 14);
    free(json);
    json = NULL;
    /* Once replayed, the dashboard is served by the replica again, with both readings. */
    assert_true(wait_usable(s, 30));
    before_replica = state_of(s).reads_replica;
    (void)store_learning_dashboard(s, keep_text, &json);
    for (int i = 0; i < 200 && !json; i++)
        loop_run_once(loop, 50);
    assert_int_equal(dashboard_seconds(json), t0 + 14);
    assert_int_equal(state_of(s).reads_replica, before_replica + 1);
    free(json);
    store_attach_loop(s, NULL);
    store_free(s);
    loop_free(loop);
    free(on_replica);
    free(uid);
    free(content);
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
        cmocka_unit_test(test_several_replicas),
        cmocka_unit_test(test_dashboard_read_your_writes),
        cmocka_unit_test(test_idle_disconnect),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
