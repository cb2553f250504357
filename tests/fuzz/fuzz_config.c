/* fuzz_config: the INI reader (config_parse_string) on arbitrary text: no crash, no leak,
 * an error always names the file and a line, and a parsed configuration dumps. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = xmalloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    struct config c;
    config_init(&c);
    char err[512] = "";
    enum err e = config_parse_string(&c, text, "f.ini", err, sizeof err);
    if (e == ERR_CONFIG && strncmp(err, "f.ini:", 6) != 0)
        abort();
    if (e == ERR_OK)
        free(config_dump(&c));
    config_cleanup(&c);
    free(text);
    return 0;
}
