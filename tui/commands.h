/* commands: the `cca` subcommands, one file each (tui/cmd_*.c), dispatched by main.c. */
#ifndef CCA_COMMANDS_H
#define CCA_COMMANDS_H

#include "tui/cli.h"

int cmd_tui(struct cli *cli, int argc, char **argv);        /* tui/app.c: the full-screen app */
int cmd_doctor(struct cli *cli, int argc, char **argv);     /* tui/cmd_doctor.c */
int cmd_migrate(struct cli *cli, int argc, char **argv);    /* tui/cmd_admin.c */
int cmd_seed(struct cli *cli, int argc, char **argv);       /* tui/cmd_admin.c */
int cmd_user(struct cli *cli, int argc, char **argv);       /* tui/cmd_admin.c */
int cmd_reindex(struct cli *cli, int argc, char **argv);    /* tui/cmd_ingest.c */
int cmd_ingest(struct cli *cli, int argc, char **argv);     /* tui/cmd_ingest.c */
int cmd_search(struct cli *cli, int argc, char **argv);     /* tui/cmd_ask.c */
int cmd_ask(struct cli *cli, int argc, char **argv);        /* tui/cmd_ask.c */
int cmd_unsent(struct cli *cli, int argc, char **argv);     /* tui/cmd_unsent.c */
int cmd_llm_check(struct cli *cli, int argc, char **argv);  /* tui/cmd_llm.c */

#endif
