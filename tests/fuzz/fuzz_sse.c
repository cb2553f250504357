/* fuzz_sse: the SSE parser on arbitrary bytes: fed whole and split at a point chosen by the
 * input, it must never crash, leak or read out of bounds, and both ways must dispatch the
 * same events (the split property the unit tests check on known inputs). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/sse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum err record(void *userdata, const struct sse_event *ev)
{
    struct buf *b = userdata;
    buf_append_str(b, ev->type);
    buf_append(b, ev->data, ev->data_len);
    if (ev->error)
        buf_append(b, ev->error, ev->error_len);
    buf_append_str(b, ev->id);
    buf_append_char(b, '\n');
    return ERR_OK;
}

static void run(const uint8_t *data, size_t size, size_t cut, struct buf *out)
{
    struct sse_parser *p = sse_parser_new(4096, record, out);
    (void)sse_parser_feed(p, data, cut);
    (void)sse_parser_feed(p, data + cut, size - cut);
    (void)sse_parser_finish(p);
    sse_parser_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct buf whole, split;
    buf_init(&whole, 64u << 20);
    buf_init(&split, 64u << 20);
    run(data, size, size, &whole);
    run(data, size, size ? (size_t)data[0] % (size + 1) : 0, &split);
    if (whole.len != split.len || (whole.len && memcmp(whole.data, split.data, whole.len)))
        abort();
    buf_cleanup(&whole);
    buf_cleanup(&split);
    return 0;
}
