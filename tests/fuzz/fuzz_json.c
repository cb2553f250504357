/* fuzz_json: core/json's two readers (the stored sources array and the objects of the unsent
 * file) on arbitrary bytes: no crash, no leak, and every string that comes out is valid UTF-8
 * within its cap. The cap applies to the input bytes; each invalid byte among them becomes the
 * 3-byte U+FFFD, so the output may hold up to three times the cap (json.c dup_clean). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/sources.h"
#include "core/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_string(const char *s, size_t max)
{
    if (s && (strlen(s) > 3 * max || !utf8_is_valid(s, strlen(s))))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct source *src = NULL;
    size_t n = 0;
    if (sources_from_json(text, size, &src, &n) == ERR_OK) {
        for (size_t i = 0; i < n; i++) {
            check_string(src[i].title, SOURCES_FIELD_MAX);
            check_string(src[i].text, SOURCES_PASSAGE_MAX);
        }
    }
    sources_free(src, n);
    static const char *const keys[] = {"question", "kind", "user", "saved_at"};
    char *values[4];
    if (json_object_strings(text, size, keys, 4, 256, values) == ERR_OK)
        for (size_t i = 0; i < 4; i++) {
            check_string(values[i], 256);
            free(values[i]);
        }
    return 0;
}
