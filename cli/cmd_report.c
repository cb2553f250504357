/* cmd_report: `cca report department`, the Department tab's report for other tools: the
 * figures, charts and people as CSV (--csv FILE, RFC 4180, mode 0600) or JSON (--json, on
 * stdout). The database decides which department the caller may read; its refusal is printed
 * as it is. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/admin_call.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "core/buf.h"
#include "core/department.h"
#include "core/mem.h"
#include "core/private_file.h"
#include "core/store.h"
#include "core/store_department.h"

enum { REPORT_MAX = 256u << 20 };

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: cca report department [--department NAME] [--period 30d|quarter|year]\n"
            "                             [--course ID] [--skill ID] (--csv FILE | --json)\n\n"
            "The Department tab's report: headline figures with the previous period, weekly\n"
            "activity, completion by course, skills, pass rates, every person and who needs\n"
            "attention. Figures over fewer people than the minimum group size are empty.\n\n"
            "  --department NAME  admins: any department (default: your own); HR managers:\n"
            "                     only their own (the database refuses the rest)\n"
            "  --period P         30d (default), quarter or year, against the one before\n"
            "  --course ID        narrow to one course; --skill ID to one skill\n"
            "  --csv FILE         write CSV (one value per row: section, subject_id, subject,\n"
            "                     item_id, item, metric, value, previous), mode 0600; '-' for\n"
            "                     stdout. Cells starting with = + - @ get a ' in front (no\n"
            "                     spreadsheet formulas)\n"
            "  --json             print the report as one JSON document\n");
}

/* The server's refusal or error as it is. */
static int failed(enum err e, const char *errmsg)
{
    cli_error("report department: %s", errmsg && *errmsg ? errmsg : err_str(e));
    return 1;
}

/* The rows of a report_rows call, copied out of the reply. */
struct rows_reply {
    enum err e;
    char *errmsg;
    struct buf csv;
    size_t rows;
    enum err write_err;
};

static void on_rows(void *userdata, enum err e, const char *errmsg, const struct store_rows *rows)
{
    struct rows_reply *r = userdata;
    r->e = e;
    r->errmsg = xstrdup(errmsg ? errmsg : "");
    if (e != ERR_OK)
        return;
    if (!rows || rows->cols != DEPARTMENT_CSV_COLUMNS) {
        r->e = ERR_PROTOCOL;
        return;
    }
    r->rows = rows->rows;
    r->write_err = department_csv_write((const char *const *)rows->cells, rows->rows, &r->csv);
}

static int write_csv(struct store *s, const struct store_department_query *q, const char *path)
{
    struct rows_reply r = {0};
    buf_init(&r.csv, REPORT_MAX);
    store_department_report_rows(s, q, on_rows, &r);
    int status = 0;
    if (r.e != ERR_OK) {
        status = failed(r.e, r.errmsg);
    } else if (r.write_err != ERR_OK) {
        cli_error("report department: the report is larger than %u MiB", REPORT_MAX >> 20);
        status = 1;
    } else if (strcmp(path, "-") == 0) {
        if (r.csv.len && fwrite(r.csv.data, 1, r.csv.len, stdout) != r.csv.len)
            status = 1;
    } else {
        char err[512] = "";
        enum err e = private_file_replace(path, r.csv.data ? r.csv.data : "", r.csv.len, err,
                                          sizeof err);
        if (e != ERR_OK) {
            cli_error("report department: %s", *err ? err : err_str(e));
            status = 1;
        } else {
            fprintf(stderr, "cca: wrote %zu rows to %s (mode 0600)\n", r.rows, path);
        }
    }
    free(r.errmsg);
    buf_cleanup(&r.csv);
    return status;
}

static int write_json(struct store *s, const struct store_department_query *q)
{
    struct admin_reply r = {0};
    store_department_report(s, q, admin_call_reply, &r);
    int status = 0;
    if (r.e != ERR_OK) {
        status = failed(r.e, r.errmsg);
    } else if (!r.text) {
        cli_error("report department: the database answered something unexpected");
        status = 1;
    } else {
        /* jsonb's text form escapes every control character: safe on a terminal */
        puts(r.text);
    }
    admin_reply_cleanup(&r);
    return status;
}

int cmd_report(struct cli *cli, int argc, char **argv)
{
    if (argc < 2 || admin_is_help(argv[1])) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "department") != 0) {
        cli_error("report: unknown report '%s' (there is: department)", argv[1]);
        return 2;
    }
    struct store_department_query q = {.period = "30d"};
    const char *csv = NULL;
    bool is_json = false;
    for (int i = 2; i < argc; i++) {
        const char *v;
        bool is_missing = false;
        if (admin_is_help(argv[i])) {
            usage(stdout);
            return 0;
        }
        if ((v = admin_take_value(argc, argv, &i, "--department", &is_missing))) {
            q.department = v;
        } else if ((v = admin_take_value(argc, argv, &i, "--period", &is_missing))) {
            enum department_period p;
            if (!department_period_parse(v, &p)) {
                cli_error("report: --period is 30d, quarter or year, not '%s'", v);
                return 2;
            }
            q.period = v;
        } else if ((v = admin_take_value(argc, argv, &i, "--course", &is_missing))) {
            q.course_id = v;
        } else if ((v = admin_take_value(argc, argv, &i, "--skill", &is_missing))) {
            q.skill_id = v;
        } else if ((v = admin_take_value(argc, argv, &i, "--csv", &is_missing))) {
            csv = v;
        } else if (strcmp(argv[i], "--json") == 0) {
            is_json = true;
        } else if (is_missing) {
            cli_error("report: %s needs a value", argv[i]);
            return 2;
        } else {
            cli_error("report: unexpected argument '%s' (try 'cca report --help')", argv[i]);
            return 2;
        }
    }
    if (!csv == !is_json) {
        cli_error("report: give --csv FILE or --json (one of them)");
        return 2;
    }
    struct store *s = admin_call_open(cli);
    if (!s)
        return 1;
    int status = csv ? write_csv(s, &q, csv) : write_json(s, &q);
    store_free(s);
    return status;
}
