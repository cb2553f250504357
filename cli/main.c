/* main: the wiring point. Parses global options, loads the configuration, connects core, db
 * and tui, and dispatches to a subcommand (cli/cmd_*.c) or the full-screen app. The only file
 * that sees core/, db/ and tui/ together. */
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/store.h"
#include "core/utf8.h"
#include "db/pg_store.h"
#include "cli/cli.h"
#include "cli/commands.h"

struct command {
    const char *name;
    cli_cmd_fn fn;
    const char *summary;
};

static const struct command commands[] = {
    {"ask", cmd_ask, "ask a question and print the answer with its sources"},
    {"unsent", cmd_unsent, "list, send again (--send) or discard questions kept offline"},
    {"search", cmd_search, "show what retrieval returns for a query, with scores"},
    {"ingest", cmd_ingest, "add Markdown/text files or folders to the knowledge base"},
    {"reindex", cmd_reindex, "re-embed all content with the configured embedder"},
    {"migrate", cmd_migrate, "apply database migrations (--status lists them)"},
    {"seed", cmd_seed, "load the sample data into an empty database"},
    {"user", cmd_user, "manage people: add, set-role, set-department, deactivate, import (admin)"},
    {"audit", cmd_audit, "the audit trail, newest first, with filters (admin)"},
    {"gdpr", cmd_gdpr, "export everything about a person, or erase them (admin; --me)"},
    {"report", cmd_report, "the department report as CSV or JSON (HR managers, admins)"},
    {"retention", cmd_retention, "remove data older than the retention settings (admin)"},
    {"doctor", cmd_doctor, "check configuration, database, vector extension and endpoints"},
    {"llm-check", cmd_llm_check, "talk to the configured LLM and report latency and speed"},
    {"tui", cmd_tui, "open the full-screen assistant (the default)"},
};

void cli_error(const char *fmt, ...)
{
    /* Messages quote servers, files and arguments: sanitised, so stderr never carries an
     * escape sequence or control character to the terminal. */
    char text[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof text ? (size_t)n : sizeof text - 1;
    char *clean = utf8_sanitize(text, len, NULL);
    fprintf(stderr, "cca: %s\n", clean);
    free(clean);
}

static void usage(FILE *out)
{
    fprintf(out, "Usage: cca [OPTIONS] [COMMAND [ARGS...]]\n\n"
                 "The Contextual Corporate Assistant: learn from your company's knowledge base.\n"
                 "Without a command, opens the full-screen assistant.\n\n"
                 "Commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nOptions:\n"
                 "  -c, --config FILE   read this configuration file\n"
                 "  -u, --user EMAIL    act as this user (demo/embedded setups; needs the right\n"
                 "                      to SET ROLE to the user's database role)\n"
                 "  -d, --database URL  PostgreSQL connection string (overrides the config)\n"
                 "  -h, --help          show this help (cca COMMAND --help for a command)\n"
                 "  -V, --version       show the version\n\n"
                 "Environment: CCA_CONFIG, CCA_DATABASE_URL, CCA_USER, CCA_LLM_BASE_URL,\n"
                 "CCA_LLM_API_KEY, CCA_LLM_MODEL, CCA_EMBED_BASE_URL, CCA_EMBED_MODEL,\n"
                 "CCA_EMBED_DIM, NO_COLOR. See cca(1) and README.md.\n");
}

/* Takes the value of an option given as "--opt VALUE" or "--opt=VALUE". */
static const char *option_value(int argc, char **argv, int *i, const char *shortname,
                                 const char *longname)
{
    const char *a = argv[*i];
    size_t n = strlen(longname);
    if (strncmp(a, longname, n) == 0 && a[n] == '=')
        return a + n + 1;
    if (strcmp(a, longname) == 0 || (shortname && strcmp(a, shortname) == 0)) {
        if (*i + 1 >= argc) {
            cli_error("%s needs a value", longname);
            exit(2);
        }
        return argv[++*i];
    }
    return NULL;
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    /* Numbers we print (JSON, SQL parameters, vectors) and read must not follow a locale's
     * decimal comma: only character handling takes the user's locale. */
    setlocale(LC_NUMERIC, "C");
    /* Without a log file, only warnings and errors reach stderr (and never while curses
     * runs: the TUI turns stderr logging off). */
    log_open(NULL, LOG_WARN, NULL, 0);
    log_set_stderr(true);

    const char *config_path = NULL, *user = NULL, *db_url = NULL;
    int i = 1;
    for (; i < argc; i++) {
        const char *v;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(argv[i], "-V") == 0 || strcmp(argv[i], "--version") == 0) {
            printf("cca %s\n", CCA_VERSION);
            return 0;
        }
        if ((v = option_value(argc, argv, &i, "-c", "--config")))
            config_path = v;
        else if ((v = option_value(argc, argv, &i, "-u", "--user")))
            user = v;
        else if ((v = option_value(argc, argv, &i, "-d", "--database")))
            db_url = v;
        else if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            cli_error("unknown option '%s' (try 'cca --help')", argv[i]);
            return 2;
        } else
            break;
    }

    const struct command *cmd = &commands[sizeof commands / sizeof commands[0] - 1];
    char *tui_argv[] = {(char *)"tui", NULL};
    int sub_argc = 1;
    char **sub_argv = tui_argv;
    if (i < argc) {
        cmd = NULL;
        for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++)
            if (strcmp(argv[i], commands[k].name) == 0)
                cmd = &commands[k];
        if (!cmd) {
            cli_error("unknown command '%s' (try 'cca --help')", argv[i]);
            return 2;
        }
        sub_argc = argc - i;
        sub_argv = argv + i;
    }

    struct config cfg;
    config_init(&cfg);
    char errbuf[512] = "";
    char *warning = NULL;
    if (config_load(&cfg, config_path, &warning, errbuf, sizeof errbuf) != ERR_OK) {
        cli_error("%s", errbuf);
        config_cleanup(&cfg);
        return 2;
    }
    if (warning) {
        cli_error("warning: %s", warning);
        free(warning);
    }
    if (user) {
        free(cfg.user);
        cfg.user = xstrdup(user);
    }
    if (db_url) {
        free(cfg.db_url);
        cfg.db_url = xstrdup(db_url);
    }
    if (cfg.log_file && log_open(cfg.log_file, LOG_INFO, errbuf, sizeof errbuf) != ERR_OK) {
        cli_error("warning: %s (no log file is written)", errbuf);
        log_open(NULL, LOG_WARN, NULL, 0);
    }

    struct cli cli = {
        .cfg = &cfg,
        .prog = "cca",
        .is_stdout_tty = isatty(STDOUT_FILENO),
        .is_stderr_tty = isatty(STDERR_FILENO),
        .open_store = pg_store_open_config,
    };
    int status = cmd->fn(&cli, sub_argc, sub_argv);
    config_cleanup(&cfg);
    log_close();
    return status;
}
