/* cmd_tui: `cca [tui] [SCREEN]`, the full-screen app. Parses its arguments and hands the
 * configuration and the way to open the store to tui_run. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "core/config.h"
#include "tui/screen.h"
#include "tui/tui.h"

static struct cli *current; /* the one command being run, for open_store below */

static enum err open_store(const struct config *cfg, struct store **out, char *err,
                           size_t errlen)
{
    return current->open_store(cfg, true, out, err, errlen);
}

static void usage(void)
{
    /* the screens from the registry, so the list can never miss one */
    size_t count;
    const struct screen_entry *screens = screen_registry(&count);
    printf("Usage: cca [tui] [SCREEN] [--headless [--script FILE] [--screen-dir DIR]]\n"
           "               [--exit-after-frames N]\n\n"
           "Opens the full-screen assistant, on SCREEN when given (the screens your role\n"
           "has):");
    for (size_t i = 0; i < count; i++)
        printf("%s%s", i == 0 ? " " : i % 6 ? ", " : ",\n", screens[i].name);
    printf(".\nPress F1 inside it for every key.\n\n"
           "Testing (tests/screen):\n"
           "  --headless             no terminal: draw into memory at LINES x COLUMNS\n"
           "                         (default 24 x 80); keys come only from --script\n"
           "  --script FILE          keys and test commands, one line at a time, each run\n"
           "                         once the app is idle: <Enter> <Esc> <C-c> <M-1> <F1>,\n"
           "                         'type TEXT', ':save-screen NAME', ':resize COLSxROWS',\n"
           "                         ':wait-idle'; quits with 0 at its end, 1 when a line\n"
           "                         fails (15 s without idle), 2 when it does not parse\n"
           "  --screen-dir DIR       where :save-screen writes NAME.screen (default: .)\n"
           "  --exit-after-frames N  quit with 0 after painting N frames (smoke runs)\n\n"
           "Environment: NO_COLOR (no colours), CCA_BENCH_TRACE=FILE (write paint timings),\n"
           "CCA_FAKE_CLOCK=1 (elapsed times and countdowns stand still, for stable screens).\n");
}

/* The value of "--name VALUE" or "--name=VALUE" at argv[*i], or NULL when argv[*i] is not
 * that option; *is_missing when the value is. */
static const char *option(int argc, char **argv, int *i, const char *name, bool *is_missing)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *is_missing = true;
        return NULL;
    }
    return argv[++*i];
}

int cmd_tui(struct cli *cli, int argc, char **argv)
{
    struct tui_options opt = {.cfg = cli->cfg, .open_store = open_store};
    for (int i = 1; i < argc; i++) {
        const char *v;
        bool is_missing = false;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage();
            return 0;
        }
        if (strcmp(argv[i], "--headless") == 0) {
            opt.is_headless = true;
        } else if ((v = option(argc, argv, &i, "--script", &is_missing))) {
            opt.script_path = v;
        } else if ((v = option(argc, argv, &i, "--screen-dir", &is_missing))) {
            opt.screen_dir = v;
        } else if ((v = option(argc, argv, &i, "--exit-after-frames", &is_missing))) {
            char *end;
            errno = 0;
            long n = strtol(v, &end, 10);
            if (errno || end == v || *end || n < 1) {
                cli_error("tui: --exit-after-frames needs a number of frames, not '%s'", v);
                return 2;
            }
            opt.exit_after_frames = n;
        } else if (is_missing) {
            cli_error("tui: %s needs a value", argv[i]);
            return 2;
        } else if (argv[i][0] == '-' || opt.screen) {
            cli_error("tui: unexpected argument '%s' (try 'cca tui --help')", argv[i]);
            return 2;
        } else {
            opt.screen = argv[i];
        }
    }
    if ((opt.script_path || opt.screen_dir) && !opt.is_headless) {
        cli_error("tui: --script and --screen-dir need --headless");
        return 2;
    }
    current = cli;
    return tui_run(&opt);
}
