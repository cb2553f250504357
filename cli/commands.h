/* commands: the `cca` subcommands, one file each (cli/cmd_*.c), dispatched by main.c. */
#ifndef CCA_COMMANDS_H
#define CCA_COMMANDS_H

#include "cli/cli.h"

int cmd_tui(struct cli *cli, int argc, char **argv);        /* cli/cmd_tui.c: the full-screen app */
int cmd_doctor(struct cli *cli, int argc, char **argv);     /* cli/cmd_doctor.c */
int cmd_migrate(struct cli *cli, int argc, char **argv);    /* cli/cmd_admin.c */
int cmd_seed(struct cli *cli, int argc, char **argv);       /* cli/cmd_admin.c */
int cmd_user(struct cli *cli, int argc, char **argv);       /* cli/cmd_admin.c */
int cmd_user_import(struct cli *cli, int argc, char **argv); /* cli/cmd_import.c */
int cmd_audit(struct cli *cli, int argc, char **argv);      /* cli/cmd_gdpr.c */
int cmd_gdpr(struct cli *cli, int argc, char **argv);       /* cli/cmd_gdpr.c */
int cmd_retention(struct cli *cli, int argc, char **argv);  /* cli/cmd_gdpr.c */
int cmd_reindex(struct cli *cli, int argc, char **argv);    /* cli/cmd_ingest.c */
int cmd_ingest(struct cli *cli, int argc, char **argv);     /* cli/cmd_ingest.c */
/* Chunks and embeds every content item not searchable yet (`cca reindex --missing`, and the
 * end of `cca seed`); prints one line; 0 when done. cli/cmd_ingest.c */
int cmd_embed_missing(struct cli *cli);
int cmd_search(struct cli *cli, int argc, char **argv);     /* cli/cmd_ask.c */
int cmd_ask(struct cli *cli, int argc, char **argv);        /* cli/cmd_ask.c */
int cmd_unsent(struct cli *cli, int argc, char **argv);     /* cli/cmd_unsent.c */
int cmd_report(struct cli *cli, int argc, char **argv);     /* cli/cmd_report.c */
int cmd_llm_check(struct cli *cli, int argc, char **argv);  /* cli/cmd_llm.c */

#endif
