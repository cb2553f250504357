/* test_migrate: migration file names, and the SQL compiled into cca is a valid sequence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "db/migrate.h"
#include "db/sql_files.h"

static void test_parse_path_table(void **state)
{
    (void)state;
    static const struct {
        const char *path;
        enum err e;
        int version;
        const char *name;
    } cases[] = {
        {"db/migrations/001_extensions_roles.sql", ERR_OK, 1, "001_extensions_roles"},
        {"012_add_x.sql", ERR_OK, 12, "012_add_x"},
        {"/abs/db/migrations/100_a.sql", ERR_OK, 100, "100_a"},
        {"db/migrations/000_zero.sql", ERR_INVALID, 0, NULL},
        {"db/migrations/abc.sql", ERR_INVALID, 0, NULL},
        {"db/migrations/001.sql", ERR_INVALID, 0, NULL},
        {"db/migrations/001_.sql", ERR_INVALID, 0, NULL},
        {"db/migrations/001-x.sql", ERR_INVALID, 0, NULL},
        {"db/migrations/001_x.txt", ERR_INVALID, 0, NULL},
        {"db/migrations/001_x.sql.bak", ERR_INVALID, 0, NULL},
        {"db/migrations/99999999_x.sql", ERR_INVALID, 0, NULL},
        {"", ERR_INVALID, 0, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int v = -1;
        char name[64] = "untouched";
        enum err e = migrate_parse_path(cases[i].path, &v, name, sizeof name);
        if (e != cases[i].e)
            fail_msg("%s: got %s", cases[i].path, err_name(e));
        if (e == ERR_OK) {
            assert_int_equal(v, cases[i].version);
            assert_string_equal(name, cases[i].name);
        }
    }
    /* A name that does not fit the caller's buffer is refused, not truncated. */
    int v;
    char small[6];
    assert_int_equal(migrate_parse_path("001_long_name.sql", &v, small, sizeof small),
                     ERR_INVALID);
}

/* Every compiled-in migration parses, versions strictly increase, and the seed files come
 * from db/seed; a mistake here would only show up at `cca migrate` time otherwise. */
static void test_compiled_sql_is_consistent(void **state)
{
    (void)state;
    int last = 0;
    size_t migrations = 0;
    for (unsigned i = 0; i < sql_file_count; i++) {
        const char *path = sql_files[i].path;
        assert_non_null(path);
        assert_int_equal(strlen(sql_files[i].text), sql_files[i].len);
        if (strncmp(path, "db/migrations/", 14) == 0) {
            int v = 0;
            char name[128];
            if (migrate_parse_path(path, &v, name, sizeof name) != ERR_OK)
                fail_msg("bad migration name %s", path);
            if (v <= last)
                fail_msg("%s does not increase the version (%d after %d)", path, v, last);
            last = v;
            migrations++;
            /* Each file runs inside the migrator's transaction. */
            assert_null(strstr(sql_files[i].text, "\nCOMMIT;"));
            assert_null(strstr(sql_files[i].text, "\nBEGIN;"));
        } else if (strncmp(path, "db/seed/", 8) != 0 &&
                   strcmp(path, "assets/sql/roles.sql") != 0) {
            fail_msg("unexpected compiled SQL file %s", path);
        }
    }
    assert_true(migrations > 0);
    assert_null(sql_files[sql_file_count].path);
    /* The operator's role script (cca migrate --print-roles-sql) is compiled in. */
    assert_non_null(strstr(migrate_roles_sql(), "CREATE ROLE cca_owner NOLOGIN CREATEROLE"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_path_table),
        cmocka_unit_test(test_compiled_sql_is_consistent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
