/* test_admin: the admin tab's models read the Admin API's documents (people pages appended,
 * audit items with who and what, person details, retention), refuse other shapes, and make
 * hostile text safe; the reindex state reads and describes itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/admin.h"
#include "core/buf.h"
#include "core/reindex.h"

#define PARSE(fn, text, out) fn(text, strlen(text), out)

static void people_pages(void **state)
{
    (void)state;
    const char *p1 = "{\"total\": 3, \"next\": \"abc\", \"items\": ["
                     "{\"id\": \"1\", \"email\": \"a@x\", \"name\": \"A\", \"role\": \"learner\","
                     " \"department\": null, \"active\": true},"
                     "{\"id\": \"2\", \"email\": \"b@x\", \"name\": \"B\\u001b[31m\","
                     " \"role\": \"admin\", \"department\": \"IT\", \"active\": false}]}";
    const char *p2 = "{\"total\": 3, \"next\": null, \"items\": [{\"id\": \"3\", \"email\": "
                     "\"c@x\", \"name\": \"C\", \"role\": \"trainer\", \"active\": true}]}";
    struct admin_people a, b;
    assert_int_equal(PARSE(admin_people_parse, p1, &a), ERR_OK);
    assert_int_equal(a.count, 2);
    assert_int_equal(a.total, 3);
    assert_string_equal(a.next, "abc");
    assert_string_equal(a.items[0].department, "");
    assert_true(a.items[0].is_active);
    assert_false(a.items[1].is_active);
    assert_null(strchr(a.items[1].name, '\x1b'));
    assert_int_equal(PARSE(admin_people_parse, p2, &b), ERR_OK);
    admin_people_append(&a, &b);
    assert_int_equal(a.count, 3);
    assert_null(a.next);
    assert_string_equal(a.items[2].email, "c@x");
    assert_int_equal(b.count, 0);
    admin_people_cleanup(&a);
    admin_people_cleanup(&b);
    assert_int_equal(PARSE(admin_people_parse, "[1,2]", &a), ERR_INVALID);
    assert_int_equal(PARSE(admin_people_parse, "not json", &a), ERR_INVALID);
    assert_int_equal(a.count, 0);
}

static void audit_items(void **state)
{
    (void)state;
    const char *t =
        "{\"source\": \"audit\", \"next\": null, \"items\": ["
        "{\"at\": \"2026-12-06T21:01:41.020832+00:00\", \"table\": \"users\", \"action\": "
        "\"update\", \"actor\": {\"email\": \"grace@x\"}, \"actor_role\": \"cca_u_grace\","
        " \"subject\": null, \"subject_id\": \"42\", \"changes\": {\"old\": {\"role\": "
        "\"learner\"}, \"new\": {\"role\": \"trainer\"}}},"
        "{\"at\": \"2026-12-06T21:00:00+00:00\", \"table\": \"x\", \"action\": \"erased\","
        " \"actor\": null, \"actor_role\": null, \"subject\": null, \"subject_id\": null,"
        " \"changes\": {\"removed\": {}, \"reassigned\": {\"learning_content\": 2}}}]}";
    struct admin_audit a;
    assert_int_equal(PARSE(admin_audit_parse, t, &a), ERR_OK);
    assert_int_equal(a.count, 2);
    assert_string_equal(a.items[0].at, "2026-12-06 21:01:41");
    assert_string_equal(a.items[0].by, "grace@x");
    assert_string_equal(a.items[0].about, "42");
    assert_string_equal(a.items[0].detail, "old: {role: learner}, new: {role: trainer}");
    assert_string_equal(a.items[1].by, "-");
    assert_non_null(strstr(a.items[1].detail, "learning_content: 2"));
    admin_audit_cleanup(&a);
    const char *an = "{\"source\": \"analytics\", \"next\": \"n1\", \"items\": [{\"at\": "
                     "\"2026-12-06T21:00:00+00:00\", \"action\": \"chat_message\", \"user\": "
                     "{\"email\": \"bob@x\"}, \"metadata\": {\"n\": 3}}]}";
    assert_int_equal(PARSE(admin_audit_parse, an, &a), ERR_OK);
    assert_string_equal(a.items[0].by, "bob@x");
    assert_string_equal(a.items[0].table, "");
    assert_string_equal(a.items[0].detail, "n: 3");
    assert_string_equal(a.next, "n1");
    admin_audit_cleanup(&a);
}

static void person_and_retention(void **state)
{
    (void)state;
    const char *t = "{\"person\": {\"id\": \"1\", \"email\": \"a@x\", \"name\": \"A\", "
                    "\"role\": \"learner\", \"active\": true, \"db_role\": \"cca_u_a\", "
                    "\"created_at\": \"2026-01-02T03:04:05+00:00\"}, \"rows\": "
                    "{\"chat_messages\": 4, \"conversations\": 2}, \"audit\": {\"by\": 1, "
                    "\"about\": 6}, \"last_activity\": null}";
    struct admin_person_detail d;
    assert_int_equal(PARSE(admin_person_detail_parse, t, &d), ERR_OK);
    assert_int_equal(d.row_count, 2);
    assert_string_equal(d.rows[0].name, "chat_messages");
    assert_true(d.rows[0].value == 4);
    assert_int_equal(d.audit_about, 6);
    assert_string_equal(d.created_at, "2026-01-02 03:04:05");
    assert_string_equal(d.last_activity, "");
    admin_person_detail_cleanup(&d);
    const char *r = "{\"dry_run\": true, \"settings\": {\"chat_days\": 30, \"audit_days\": 0,"
                    " \"analytics_days\": 180}, \"tables\": {\"chat_messages\": {\"rows\": 12, "
                    "\"cutoff\": \"x\"}, \"audit_log\": {\"rows\": 0, \"cutoff\": null}}}";
    struct admin_retention rt;
    assert_int_equal(PARSE(admin_retention_parse, r, &rt), ERR_OK);
    assert_true(rt.is_dry_run);
    assert_int_equal(rt.chat_days, 30);
    assert_int_equal(rt.audit_days, 0);
    assert_int_equal(rt.table_count, 2);
    assert_true(rt.tables[0].value == 12);
    admin_retention_cleanup(&rt);
    assert_int_equal(PARSE(admin_retention_parse, "{\"settings\": {}}", &rt), ERR_INVALID);
    assert_true(admin_is_role("hr_manager"));
    assert_false(admin_is_role("root"));
    assert_false(admin_is_role(NULL));
}

static void reindex_state(void **state)
{
    (void)state;
    const char *t = "{\"active\": true, \"model\": \"fake-embed\", \"dim\": 64, \"done\": 4200,"
                    " \"total\": 10000, \"started_at\": \"x\", \"current\": {\"model\": "
                    "\"cca-local-v1\", \"dim\": 1536}}";
    struct reindex_state s;
    assert_int_equal(reindex_state_parse(t, strlen(t), &s), ERR_OK);
    struct buf b;
    buf_init(&b, 1024);
    reindex_state_describe(&s, &b);
    assert_string_equal(buf_str(&b), "reindex to fake-embed (64): 4,200 of 10,000 passages; "
                                     "answering from cca-local-v1 (1536) meanwhile");
    reindex_state_cleanup(&s);
    const char *idle = "{\"active\": false, \"model\": null, \"dim\": null, \"done\": 0, "
                       "\"total\": 216, \"current\": {\"model\": \"m\", \"dim\": 8}}";
    assert_int_equal(reindex_state_parse(idle, strlen(idle), &s), ERR_OK);
    buf_reset(&b);
    reindex_state_describe(&s, &b);
    assert_string_equal(buf_str(&b), "index: m (8), 216 passages; no reindex in progress");
    reindex_state_cleanup(&s);
    buf_cleanup(&b);
    assert_int_equal(reindex_state_parse("{}", 2, &s), ERR_INVALID);
    assert_int_equal(reindex_state_parse("nope", 4, &s), ERR_INVALID);
}

/* `cca reindex --if-needed` (and make run's setup): only the live index's model and dimension
 * decide, not a run in progress to some other target. */
static void reindex_needed(void **state)
{
    (void)state;
    const char *t = "{\"active\": true, \"model\": \"fake-embed\", \"dim\": 64, \"done\": 64,"
                    " \"total\": 216, \"started_at\": \"x\", \"current\": {\"model\": "
                    "\"cca-local-v2\", \"dim\": 1536}}";
    struct reindex_state s;
    assert_int_equal(reindex_state_parse(t, strlen(t), &s), ERR_OK);
    /* The live index is the local one: an interrupted run to fake-embed is continued for
     * fake-embed, and left alone for the local embedder. */
    assert_true(reindex_is_needed(&s, "fake-embed", 64));
    assert_false(reindex_is_needed(&s, "cca-local-v2", 1536));
    assert_true(reindex_is_needed(&s, "cca-local-v1", 1536));  /* another local model */
    assert_true(reindex_is_needed(&s, "cca-local-v2", 768));   /* another dimension */
    assert_true(reindex_is_needed(&s, NULL, 1536));
    reindex_state_cleanup(&s);
    const char *empty = "{\"active\": false, \"model\": null, \"dim\": null, \"done\": 0, "
                        "\"total\": 0, \"current\": {\"model\": null, \"dim\": 0}}";
    assert_int_equal(reindex_state_parse(empty, strlen(empty), &s), ERR_OK);
    assert_false(reindex_is_needed(&s, "cca-local-v2", 1536)); /* the first ingest records it */
    reindex_state_cleanup(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(people_pages),
        cmocka_unit_test(audit_items),
        cmocka_unit_test(person_and_retention),
        cmocka_unit_test(reindex_state),
        cmocka_unit_test(reindex_needed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
