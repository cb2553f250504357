/* cmd_tui: `cca [tui] [SCREEN]`, the full-screen app. Parses its arguments and hands the
 * configuration and the way to open the store to tui_run. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "core/config.h"
#include "tui/tui.h"

static struct cli *current; /* the one command being run, for open_store below */

static enum err open_store(const struct config *cfg, struct store **out, char *err,
                           size_t errlen)
{
    return current->open_store(cfg, true, out, err, errlen);
}

static void usage(void)
{
    printf("Usage: cca [tui] [SCREEN]\n\n"
           "Opens the full-screen assistant, on SCREEN when given: chat, progress,\n"
           "recommendations, assessments, department, content, admin (the screens your\n"
           "role has). Press F1 inside it for every key.\n"
           "Environment: NO_COLOR (no colours), CCA_BENCH_TRACE=FILE (write paint timings).\n");
}

int cmd_tui(struct cli *cli, int argc, char **argv)
{
    const char *screen = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage();
            return 0;
        }
        if (argv[i][0] == '-' || screen) {
            cli_error("tui: unexpected argument '%s' (try 'cca tui --help')", argv[i]);
            return 2;
        }
        screen = argv[i];
    }
    current = cli;
    struct tui_options opt = {.cfg = cli->cfg, .open_store = open_store, .screen = screen};
    return tui_run(&opt);
}
