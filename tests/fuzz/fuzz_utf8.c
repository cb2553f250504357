/* fuzz_utf8: the sanitiser on arbitrary bytes: its output is valid UTF-8 with no ESC, no
 * control but newline and tab, no C1, bidi or invisible code point; the one-line variant has
 * no newline or tab either; sanitising twice changes nothing; width and fit agree. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_safe(const char *s, size_t len, int allow_newline)
{
    if (!utf8_is_valid(s, len))
        abort();
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += utf8_decode(s + i, len - i, &cp);
        if ((cp == '\n' || cp == '\t') && allow_newline)
            continue;
        if (utf8_cp_is_unsafe(cp) || utf8_cp_is_invisible(cp))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t len = 0, line_len = 0, again_len = 0;
    char *s = utf8_sanitize((const char *)data, size, &len);
    char *line = utf8_sanitize_line((const char *)data, size, &line_len);
    check_safe(s, len, 1);
    check_safe(line, line_len, 0);
    char *again = utf8_sanitize(s, len, &again_len);
    if (again_len != len || memcmp(again, s, len) != 0)
        abort();
    size_t width = 0;
    size_t fit = utf8_fit(s, len, (size_t)-1, &width);
    if (fit != len || width != utf8_width(s, len))
        abort();
    free(again);
    free(line);
    free(s);
    return 0;
}
