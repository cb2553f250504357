/* cli: helpers every subcommand shares (cli_error is in main.c, which tests replace). */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/json_out.h"

bool cli_print_json(struct json_out *j, const char *what)
{
    char *text = NULL;
    bool is_ok = json_out_finish(j, &text) == ERR_OK;
    if (is_ok)
        puts(text);
    else
        cli_error("%s is too large to print as JSON", what);
    free(text);
    json_out_cleanup(j);
    return is_ok;
}
