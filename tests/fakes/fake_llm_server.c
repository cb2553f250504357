/* fake_llm_server: a scriptable fake OpenAI-compatible HTTP/1.1 server for the tests. libc only
 * (no curl, no project code). It never talks to anything but 127.0.0.1.
 *
 * USAGE
 *   fake_llm_server [OPTIONS] [-r SPEC]...
 *   Listens on 127.0.0.1, prints "PORT <n>\n" on stdout (flushed), then serves until killed
 *   (SIGTERM/SIGINT) or until the process that started it exits (so a crashed test or an
 *   ended script never leaves it behind). Each connection carries one request (responses say Connection: close).
 *   Requests are numbered in arrival order: request i is answered by the i-th -r SPEC; when the
 *   SPECs are used up (or there are none) the defaults answer:
 *     POST .../embeddings        deterministic unit vectors: see --dim
 *     GET  .../models            a list with the one model (--model)
 *     anything else (chat)       the default answer (--answer, --answer-file or --tokens),
 *                                as OpenAI-style SSE when the body has "stream": true, else as
 *                                one chat.completion JSON; paced by --rate when given.
 *
 * OPTIONS
 *   --port N          port to listen on (default 0: ephemeral)
 *   --answer TEXT     the default answer; backslash escapes \n \t \r \e \\ \" \xHH are decoded
 *                     (so "\e[31m" is a real escape sequence). Default "Hello from the fake
 *                     server."
 *   --answer-file F   the default answer, the bytes of file F
 *   --tokens N        the default answer is N words: "tok1 tok2 ... tokN"
 *   --rate R          stream at R deltas per second (a slow stream); one delta is one word
 *                     with its trailing whitespace
 *   --dim N           embedding dimension (default 8, at most 8192); a request's "dimensions"
 *                     field wins
 *   --model NAME      the model named in responses (default "fake-model")
 *   --require-key K   401 unless the request has "Authorization: Bearer K" or "api-key: K"
 *   --log FILE        append every request: ">>> METHOD TARGET\n", the header lines, a blank
 *                     line, the body, then "\n<<<\n"
 *   --repeat-last     keep answering with the last SPEC instead of the defaults
 *   --full-backlog    never accept and fill the listen queue, so connecting times out (for
 *                     connect-timeout tests)
 *
 * SPEC: comma-separated key=value items (a value cannot hold a comma; use a file):
 *   status=N          HTTP status (default 200)
 *   header=Name:value extra response header (repeatable), e.g. header=Retry-After:1
 *   sse=FILE          body = FILE, served as text/event-stream (fixtures in tests/fixtures/sse)
 *   json=FILE         body = FILE, served as application/json
 *   body=TEXT         body = TEXT (escapes decoded), application/json unless a header says
 *   error=MESSAGE     body = {"error":{"message":MESSAGE,"type":TYPE,"code":CODE}} (with
 *   type=TYPE           type and code as given, else null); status defaults to 400 then
 *   code=CODE
 *   answer=TEXT       the default streamed answer with this text (escapes decoded)
 *   tokens=N, rate=R  as the options, for this response
 *   embed             answer with the default embeddings whatever the path
 *   chunk=N           write the body in fragments of N bytes (default: whole, or one per
 *                     event for generated streams)
 *   delay=MS          sleep MS between fragments
 *   wait=MS           sleep MS before sending anything
 *   drop=N            close the connection after N body bytes (a stream cut short)
 *   stall=N           after N body bytes stop sending but keep the connection open until
 *                     the client goes away (an idle-read timeout)
 *   hang              read the request, then send nothing until the client goes away
 *   framing=chunked|length|close   how the body is delimited (default: chunked for
 *                     event streams, length otherwise; close = no length, end by closing)
 * Examples:
 *   fake_llm_server --answer 'Hi \e[31mred\e[0m' --rate 20
 *   fake_llm_server -r status=429,header=retry-after-ms:50,error=slow,type=rate_limit -r
 *     sse=tests/fixtures/sse/openai.txt,chunk=3,delay=1
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

enum { MAX_HEADER_BYTES = 64 * 1024, MAX_SPECS = 64, MAX_EXTRA_HEADERS = 16 };
static const size_t MAX_BODY_BYTES = (size_t)64 << 20;

/* ---- small growable string --------------------------------------------------------------- */

struct str {
    char *data;
    size_t len, cap;
};

static void die(const char *msg)
{
    fprintf(stderr, "fake_llm_server: %s\n", msg);
    exit(2);
}

static void str_add(struct str *s, const void *data, size_t len)
{
    if (s->len + len + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 256;
        while (cap < s->len + len + 1)
            cap *= 2;
        char *p = realloc(s->data, cap);
        if (!p)
            die("out of memory");
        s->data = p;
        s->cap = cap;
    }
    if (len)
        memcpy(s->data + s->len, data, len);
    s->len += len;
    s->data[s->len] = '\0';
}

static void str_adds(struct str *s, const char *text)
{
    str_add(s, text, strlen(text));
}

static void str_addf(struct str *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void str_addf(struct str *s, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        die("format error");
    if ((size_t)n >= sizeof tmp)
        die("formatted piece too long");
    str_add(s, tmp, (size_t)n);
}

/* Adds text as the inside of a JSON string. */
static void str_add_json(struct str *s, const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            str_add(s, esc, 2);
        } else if (c == '\n') {
            str_adds(s, "\\n");
        } else if (c < 0x20) {
            str_addf(s, "\\u%04x", c);
        } else {
            str_add(s, &text[i], 1);
        }
    }
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "fake_llm_server: cannot open %s: %s\n", path, strerror(errno));
        exit(2);
    }
    struct str s = {0};
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        str_add(&s, tmp, n);
    fclose(f);
    str_add(&s, "", 0);
    *len = s.len;
    return s.data;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes \n \t \r \e \\ \" \xHH; anything else after a backslash is kept as is. */
static char *unescape(const char *in, size_t *len)
{
    struct str s = {0};
    str_add(&s, "", 0);
    for (size_t i = 0; in[i]; i++) {
        char c = in[i];
        if (c == '\\' && in[i + 1]) {
            char n = in[++i];
            switch (n) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'e': c = 27; break;
            case 'a': c = 7; break;
            case '\\': c = '\\'; break;
            case '"': c = '"'; break;
            case 'x':
                if (hexval(in[i + 1]) >= 0 && hexval(in[i + 2]) >= 0) {
                    c = (char)(hexval(in[i + 1]) * 16 + hexval(in[i + 2]));
                    i += 2;
                    break;
                }
                /* fall through */
            default:
                str_add(&s, "\\", 1);
                c = n;
            }
        }
        str_add(&s, &c, 1);
    }
    *len = s.len;
    return s.data;
}

static long parse_long(const char *text, long min, long max, const char *what)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < min || v > max) {
        fprintf(stderr, "fake_llm_server: bad %s: %s\n", what, text);
        exit(2);
    }
    return v;
}

/* ---- configuration ------------------------------------------------------------------------ */

enum framing { FRAMING_AUTO, FRAMING_CHUNKED, FRAMING_LENGTH, FRAMING_CLOSE };

struct spec {
    int status;                     /* 0: default */
    char *headers[MAX_EXTRA_HEADERS];
    size_t header_count;
    char *body;                     /* NULL: generated (answer or embeddings) */
    size_t body_len;
    const char *content_type;
    char *error_message, *error_type, *error_code;
    char *answer;                   /* NULL: the server's default */
    size_t answer_len;
    long tokens, rate;
    int is_embed;
    long chunk, delay_ms, wait_ms, drop_at, stall_at;
    int is_hang;
    enum framing framing;
};

struct server {
    struct spec specs[MAX_SPECS];
    size_t spec_count;
    int is_repeat_last;
    char *answer;
    size_t answer_len;
    long rate;
    long dim;
    const char *model;
    const char *require_key;
    const char *log_path;
    pid_t parent;
};

static void spec_init(struct spec *sp)
{
    memset(sp, 0, sizeof *sp);
    sp->drop_at = -1;
    sp->stall_at = -1;
}

static char *make_tokens(long n, size_t *len)
{
    struct str s = {0};
    str_add(&s, "", 0);
    for (long i = 1; i <= n; i++)
        str_addf(&s, i < n ? "tok%ld " : "tok%ld", i);
    *len = s.len;
    return s.data;
}

static void parse_spec(struct spec *sp, const char *text)
{
    spec_init(sp);
    char *copy = strdup(text);
    if (!copy)
        die("out of memory");
    for (char *item = copy, *next; item; item = next) {
        next = strchr(item, ',');
        if (next)
            *next++ = '\0';
        if (!*item)
            continue;
        char *eq = strchr(item, '=');
        const char *key = item;
        const char *val = "";
        if (eq) {
            *eq = '\0';
            val = eq + 1;
        }
        size_t n;
        if (!strcmp(key, "status")) {
            sp->status = (int)parse_long(val, 100, 599, "status");
        } else if (!strcmp(key, "header")) {
            if (sp->header_count == MAX_EXTRA_HEADERS)
                die("too many headers");
            char *h = strdup(val);
            char *colon = h ? strchr(h, ':') : NULL;
            if (!colon)
                die("header=Name:value");
            sp->headers[sp->header_count++] = h;
        } else if (!strcmp(key, "sse")) {
            sp->body = read_file(val, &sp->body_len);
            sp->content_type = "text/event-stream";
        } else if (!strcmp(key, "json")) {
            sp->body = read_file(val, &sp->body_len);
            sp->content_type = "application/json";
        } else if (!strcmp(key, "body")) {
            sp->body = unescape(val, &sp->body_len);
        } else if (!strcmp(key, "error")) {
            sp->error_message = unescape(val, &n);
        } else if (!strcmp(key, "type")) {
            sp->error_type = strdup(val);
        } else if (!strcmp(key, "code")) {
            sp->error_code = strdup(val);
        } else if (!strcmp(key, "answer")) {
            sp->answer = unescape(val, &sp->answer_len);
        } else if (!strcmp(key, "tokens")) {
            sp->tokens = parse_long(val, 1, 1000000, "tokens");
            free(sp->answer);
            sp->answer = make_tokens(sp->tokens, &sp->answer_len);
        } else if (!strcmp(key, "rate")) {
            sp->rate = parse_long(val, 1, 100000, "rate");
        } else if (!strcmp(key, "embed")) {
            sp->is_embed = 1;
        } else if (!strcmp(key, "chunk")) {
            sp->chunk = parse_long(val, 1, 1L << 30, "chunk");
        } else if (!strcmp(key, "delay")) {
            sp->delay_ms = parse_long(val, 0, 600000, "delay");
        } else if (!strcmp(key, "wait")) {
            sp->wait_ms = parse_long(val, 0, 600000, "wait");
        } else if (!strcmp(key, "drop")) {
            sp->drop_at = parse_long(val, 0, 1L << 30, "drop");
        } else if (!strcmp(key, "stall")) {
            sp->stall_at = parse_long(val, 0, 1L << 30, "stall");
        } else if (!strcmp(key, "hang")) {
            sp->is_hang = 1;
        } else if (!strcmp(key, "framing")) {
            if (!strcmp(val, "chunked"))
                sp->framing = FRAMING_CHUNKED;
            else if (!strcmp(val, "length"))
                sp->framing = FRAMING_LENGTH;
            else if (!strcmp(val, "close"))
                sp->framing = FRAMING_CLOSE;
            else
                die("framing=chunked|length|close");
        } else {
            fprintf(stderr, "fake_llm_server: unknown SPEC key '%s'\n", key);
            exit(2);
        }
    }
    free(copy);
    if (sp->error_message && !sp->status)
        sp->status = 400;
}

/* ---- the request ------------------------------------------------------------------------ */

struct request {
    char method[16];
    char target[1024];
    struct str head; /* the header lines */
    struct str body;
};

/* The value of header name in the request (trimmed) copied into out; 0 when absent. */
static int request_header(const struct request *rq, const char *name, char *out, size_t outlen)
{
    size_t name_len = strlen(name);
    const char *p = rq->head.data ? rq->head.data : "";
    while (*p) {
        const char *eol = strstr(p, "\r\n");
        size_t line_len = eol ? (size_t)(eol - p) : strlen(p);
        if (line_len > name_len && p[name_len] == ':' && !strncasecmp(p, name, name_len)) {
            const char *v = p + name_len + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            size_t n = (size_t)(p + line_len - v);
            if (n >= outlen)
                n = outlen - 1;
            memcpy(out, v, n);
            out[n] = '\0';
            return 1;
        }
        if (!eol)
            break;
        p = eol + 2;
    }
    return 0;
}

static int wait_readable_or_gone(int fd, int timeout_ms)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    return poll(&pfd, 1, timeout_ms);
}

/* Reads one request. Returns 1, 0 when the peer sent something that is not HTTP (a TLS
 * handshake, say), -1 when it went away. */
static int read_request(int fd, struct request *rq)
{
    struct str in = {0};
    char tmp[4096];
    char *end = NULL;
    while (!end) {
        ssize_t n = read(fd, tmp, sizeof tmp);
        if (n <= 0)
            return -1;
        str_add(&in, tmp, (size_t)n);
        if (!isupper((unsigned char)in.data[0]))
            return 0;
        end = strstr(in.data, "\r\n\r\n");
        if (!end && in.len > MAX_HEADER_BYTES)
            return 0;
    }
    size_t head_len = (size_t)(end - in.data);
    char *line_end = strstr(in.data, "\r\n");
    char version[16];
    *line_end = '\0';
    if (sscanf(in.data, "%15s %1023s %15s", rq->method, rq->target, version) != 3)
        return 0;
    if (line_end + 2 < end)
        str_add(&rq->head, line_end + 2, (size_t)(end - (line_end + 2)) + 2);
    else
        str_add(&rq->head, "", 0);
    char value[64];
    size_t want = 0;
    if (request_header(rq, "Content-Length", value, sizeof value)) {
        char *e;
        unsigned long long v = strtoull(value, &e, 10);
        if (*e || v > MAX_BODY_BYTES)
            return 0;
        want = (size_t)v;
    }
    size_t have = in.len - (head_len + 4);
    str_add(&rq->body, end + 4, have < want ? have : want);
    while (rq->body.len < want) {
        ssize_t n = read(fd, tmp, sizeof tmp);
        if (n <= 0)
            return -1;
        size_t take = (size_t)n;
        if (take > want - rq->body.len)
            take = want - rq->body.len;
        str_add(&rq->body, tmp, take);
    }
    str_add(&rq->body, "", 0);
    free(in.data);
    return 1;
}

static void log_request(const struct server *srv, const struct request *rq)
{
    if (!srv->log_path)
        return;
    struct str s = {0};
    str_addf(&s, ">>> %s %s\n", rq->method, rq->target);
    for (const char *p = rq->head.data; p && *p; p++)
        if (*p != '\r')
            str_add(&s, p, 1);
    str_adds(&s, "\n");
    str_add(&s, rq->body.data, rq->body.len);
    str_adds(&s, "\n<<<\n");
    int fd = open(srv->log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
        ssize_t w = write(fd, s.data, s.len); /* one write: records never interleave */
        (void)w;
        close(fd);
    }
    free(s.data);
}

/* Finds "key" in a JSON text and returns a pointer just past its colon, or NULL. Good enough
 * for the requests our own client sends. */
static const char *json_find(const char *json, const char *key)
{
    size_t key_len = strlen(key);
    for (const char *p = json; (p = strchr(p, '"')); p++) {
        if (!strncmp(p + 1, key, key_len) && p[1 + key_len] == '"') {
            const char *q = p + 2 + key_len;
            while (isspace((unsigned char)*q))
                q++;
            if (*q == ':') {
                q++;
                while (isspace((unsigned char)*q))
                    q++;
                return q;
            }
        }
    }
    return NULL;
}

/* Scans the JSON string starting at p (on its opening quote); returns the byte after it. */
static const char *json_skip_string(const char *p)
{
    for (p++; *p && *p != '"'; p++)
        if (*p == '\\' && p[1])
            p++;
    return *p ? p + 1 : p;
}

/* ---- sending -------------------------------------------------------------------------- */

static void sleep_ms(long ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static void write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            _exit(0); /* the client went away */
        p += n;
        len -= (size_t)n;
    }
}

/* Waits until the client closes the connection (or the server is gone), then exits. */
static void linger_until_closed(const struct server *srv, int fd)
{
    char tmp[1024];
    for (;;) {
        if (getppid() != srv->parent)
            _exit(0);
        int rc = wait_readable_or_gone(fd, 100);
        if (rc > 0 && read(fd, tmp, sizeof tmp) <= 0)
            _exit(0);
    }
}

struct body {
    struct str bytes;
    size_t *cuts; /* fragment ends (event boundaries) */
    size_t cut_count;
};

static void body_cut(struct body *b)
{
    size_t *p = realloc(b->cuts, (b->cut_count + 1) * sizeof *p);
    if (!p)
        die("out of memory");
    b->cuts = p;
    b->cuts[b->cut_count++] = b->bytes.len;
}

static void send_response(const struct server *srv, int fd, const struct spec *sp, int status,
                          const char *content_type, struct body *b, long rate)
{
    enum framing framing = sp->framing;
    if (framing == FRAMING_AUTO)
        framing = !strcmp(content_type, "text/event-stream") ? FRAMING_CHUNKED : FRAMING_LENGTH;
    struct str h = {0};
    str_addf(&h, "HTTP/1.1 %d %s\r\n", status, status < 300 ? "OK" : "Fake Status");
    int has_type_header = 0;
    for (size_t i = 0; i < sp->header_count; i++)
        if (!strncasecmp(sp->headers[i], "Content-Type:", 13))
            has_type_header = 1;
    if (!has_type_header)
        str_addf(&h, "Content-Type: %s\r\n", content_type);
    if (!strcmp(content_type, "text/event-stream"))
        str_adds(&h, "Cache-Control: no-cache\r\n");
    for (size_t i = 0; i < sp->header_count; i++) {
        char *colon = strchr(sp->headers[i], ':');
        str_add(&h, sp->headers[i], (size_t)(colon - sp->headers[i]));
        str_addf(&h, ": %s\r\n", colon + 1);
    }
    if (framing == FRAMING_CHUNKED)
        str_adds(&h, "Transfer-Encoding: chunked\r\n");
    else if (framing == FRAMING_LENGTH)
        str_addf(&h, "Content-Length: %zu\r\n", b->bytes.len);
    str_adds(&h, "Connection: close\r\n\r\n");
    write_all(fd, h.data, h.len);
    free(h.data);

    long delay_ms = sp->delay_ms;
    if (rate > 0 && !delay_ms)
        delay_ms = 1000 / rate;
    size_t pos = 0, cut_index = 0;
    size_t total = b->bytes.len;
    while (pos < total) {
        size_t end;
        if (sp->chunk > 0)
            end = pos + (size_t)sp->chunk;
        else if (cut_index < b->cut_count)
            end = b->cuts[cut_index++];
        else
            end = total;
        if (end > total)
            end = total;
        if (end <= pos)
            continue;
        int is_drop = sp->drop_at >= 0 && end >= (size_t)sp->drop_at;
        int is_stall = sp->stall_at >= 0 && end >= (size_t)sp->stall_at;
        if (is_drop)
            end = (size_t)sp->drop_at;
        if (is_stall && end > (size_t)sp->stall_at)
            end = (size_t)sp->stall_at;
        if (end > pos) {
            if (framing == FRAMING_CHUNKED) {
                char size_line[32];
                int n = snprintf(size_line, sizeof size_line, "%zx\r\n", end - pos);
                write_all(fd, size_line, (size_t)n);
            }
            write_all(fd, b->bytes.data + pos, end - pos);
            if (framing == FRAMING_CHUNKED)
                write_all(fd, "\r\n", 2);
        }
        pos = end;
        if (is_drop) {
            close(fd);
            _exit(0);
        }
        if (is_stall)
            linger_until_closed(srv, fd);
        if (pos < total) {
            sleep_ms(delay_ms);
            if (getppid() != srv->parent)
                _exit(0);
        }
    }
    if (sp->stall_at >= 0)
        linger_until_closed(srv, fd);
    if (framing == FRAMING_CHUNKED)
        write_all(fd, "0\r\n\r\n", 5);
}

/* ---- generated bodies ---------------------------------------------------------------------- */

static void chunk_json_prefix(struct str *s, const char *model)
{
    str_adds(s, "data: {\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion.chunk\","
                "\"created\":1700000000,\"model\":\"");
    str_add_json(s, model, strlen(model));
    str_adds(s, "\",\"choices\":");
}

static void make_stream(struct body *b, const char *model, const char *answer, size_t len)
{
    struct str *s = &b->bytes;
    chunk_json_prefix(s, model);
    str_adds(s, "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
                "\"finish_reason\":null}]}\n\n");
    body_cut(b);
    long count = 0;
    size_t pos = 0;
    while (pos < len) {
        size_t end = pos;
        while (end < len && !isspace((unsigned char)answer[end]))
            end++;
        while (end < len && isspace((unsigned char)answer[end]))
            end++;
        chunk_json_prefix(s, model);
        str_adds(s, "[{\"index\":0,\"delta\":{\"content\":\"");
        str_add_json(s, answer + pos, end - pos);
        str_adds(s, "\"},\"finish_reason\":null}]}\n\n");
        body_cut(b);
        count++;
        pos = end;
    }
    chunk_json_prefix(s, model);
    str_adds(s, "[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
    body_cut(b);
    chunk_json_prefix(s, model);
    str_addf(s, "[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":%ld,"
                "\"total_tokens\":%ld}}\n\n",
             count, count + 12);
    body_cut(b);
    str_adds(s, "data: [DONE]\n\n");
    body_cut(b);
}

static void make_completion(struct body *b, const char *model, const char *answer, size_t len)
{
    struct str *s = &b->bytes;
    str_adds(s, "{\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion\",\"created\":1700000000,"
                "\"model\":\"");
    str_add_json(s, model, strlen(model));
    str_adds(s, "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"");
    str_add_json(s, answer, len);
    str_adds(s, "\"},\"finish_reason\":\"stop\"}],"
                "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3,\"total_tokens\":15}}");
}

static uint64_t fnv1a(const char *p, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* Newton's square root: keeps the server free of libm. */
static double root(double x)
{
    if (x <= 0)
        return 0;
    double r = x > 1 ? x : 1;
    for (int i = 0; i < 60; i++)
        r = 0.5 * (r + x / r);
    return r;
}

/* One deterministic unit vector per input string, seeded by its raw JSON bytes. */
static void make_embeddings(struct body *b, const char *model, const char *request, long dim)
{
    const char *d = json_find(request, "dimensions");
    if (d && isdigit((unsigned char)*d)) {
        long v = strtol(d, NULL, 10);
        if (v >= 1 && v <= 8192)
            dim = v;
    }
    struct str *s = &b->bytes;
    str_adds(s, "{\"object\":\"list\",\"data\":[");
    const char *p = json_find(request, "input");
    int is_array = p && *p == '[';
    if (is_array)
        p++;
    double *v = calloc((size_t)dim, sizeof *v);
    if (!v)
        die("out of memory");
    long index = 0;
    while (p) {
        while (isspace((unsigned char)*p) || *p == ',')
            p++;
        if (*p != '"')
            break;
        const char *end = json_skip_string(p);
        uint64_t x = fnv1a(p, (size_t)(end - p)) | 1;
        double norm = 0;
        for (long i = 0; i < dim; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            v[i] = (double)(x % 2000001) / 1000000.0 - 1.0;
            norm += v[i] * v[i];
        }
        norm = norm > 0 ? 1.0 / root(norm) : 0;
        str_addf(s, "%s{\"object\":\"embedding\",\"index\":%ld,\"embedding\":[", index ? "," : "",
                 index);
        for (long i = 0; i < dim; i++)
            str_addf(s, i ? ",%.7f" : "%.7f", v[i] * norm);
        str_adds(s, "]}");
        index++;
        p = is_array ? end : NULL;
    }
    free(v);
    str_adds(s, "],\"model\":\"");
    str_add_json(s, model, strlen(model));
    str_addf(s, "\",\"usage\":{\"prompt_tokens\":%ld,\"total_tokens\":%ld}}", index * 4,
             index * 4);
}

/* ---- one connection ------------------------------------------------------------------------ */

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

static void serve(const struct server *srv, int fd, long index)
{
    struct request rq = {0};
    int rc = read_request(fd, &rq);
    if (rc < 0)
        return;
    if (rc == 0) {
        static const char bad[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
                                  "Connection: close\r\n\r\n";
        write_all(fd, bad, sizeof bad - 1);
        return;
    }
    log_request(srv, &rq);

    /* Strip any query string (Azure's ?api-version=) before matching the path. */
    char path[1024];
    snprintf(path, sizeof path, "%s", rq.target);
    char *q = strchr(path, '?');
    if (q)
        *q = '\0';

    struct spec defaults;
    spec_init(&defaults);
    const struct spec *sp = &defaults;
    if ((size_t)index < srv->spec_count)
        sp = &srv->specs[index];
    else if (srv->is_repeat_last && srv->spec_count)
        sp = &srv->specs[srv->spec_count - 1];

    if (srv->require_key) {
        char value[512], want[512];
        snprintf(want, sizeof want, "Bearer %s", srv->require_key);
        int ok = (request_header(&rq, "Authorization", value, sizeof value) &&
                  !strcmp(value, want)) ||
                 (request_header(&rq, "api-key", value, sizeof value) &&
                  !strcmp(value, srv->require_key));
        if (!ok) {
            parse_spec(&defaults, "status=401,error=Incorrect API key provided,"
                                  "type=invalid_request_error,code=invalid_api_key");
            sp = &defaults;
        }
    }

    sleep_ms(sp->wait_ms);
    if (sp->is_hang)
        linger_until_closed(srv, fd);

    struct body b = {0};
    int status = sp->status ? sp->status : 200;
    const char *content_type = sp->content_type ? sp->content_type : "application/json";
    long rate = sp->rate ? sp->rate : srv->rate;
    if (sp->body) {
        str_add(&b.bytes, sp->body, sp->body_len);
        for (size_t i = 0; i < sp->header_count; i++)
            if (!strncasecmp(sp->headers[i], "Content-Type:", 13))
                for (content_type = sp->headers[i] + 13; *content_type == ' ';)
                    content_type++;
    } else if (sp->error_message) {
        str_adds(&b.bytes, "{\"error\":{\"message\":\"");
        str_add_json(&b.bytes, sp->error_message, strlen(sp->error_message));
        str_adds(&b.bytes, "\",\"type\":");
        if (sp->error_type) {
            str_adds(&b.bytes, "\"");
            str_add_json(&b.bytes, sp->error_type, strlen(sp->error_type));
            str_adds(&b.bytes, "\"");
        } else {
            str_adds(&b.bytes, "null");
        }
        str_adds(&b.bytes, ",\"param\":null,\"code\":");
        if (sp->error_code) {
            str_adds(&b.bytes, "\"");
            str_add_json(&b.bytes, sp->error_code, strlen(sp->error_code));
            str_adds(&b.bytes, "\"");
        } else {
            str_adds(&b.bytes, "null");
        }
        str_adds(&b.bytes, "}}");
    } else if (sp->is_embed || ends_with(path, "/embeddings")) {
        make_embeddings(&b, srv->model, rq.body.data ? rq.body.data : "", srv->dim);
    } else if (ends_with(path, "/models")) {
        str_adds(&b.bytes, "{\"object\":\"list\",\"data\":[{\"id\":\"");
        str_add_json(&b.bytes, srv->model, strlen(srv->model));
        str_adds(&b.bytes, "\",\"object\":\"model\",\"owned_by\":\"fake\"}]}");
    } else {
        const char *answer = sp->answer ? sp->answer : srv->answer;
        size_t answer_len = sp->answer ? sp->answer_len : srv->answer_len;
        const char *stream = json_find(rq.body.data ? rq.body.data : "", "stream");
        if (stream && !strncmp(stream, "true", 4)) {
            content_type = "text/event-stream";
            make_stream(&b, srv->model, answer, answer_len);
        } else {
            make_completion(&b, srv->model, answer, answer_len);
        }
    }
    send_response(srv, fd, sp, status, content_type, &b, rate);
    free(b.bytes.data);
    free(b.cuts);
    free(rq.head.data);
    free(rq.body.data);
}

/* ---- main ---------------------------------------------------------------------------------- */

static volatile sig_atomic_t is_stopping;

static void on_stop_signal(int sig)
{
    (void)sig;
    is_stopping = 1;
}

/* Ends the children too and waits for them, so none is left over (or left a zombie). */
static int shut_down(void)
{
    signal(SIGTERM, SIG_IGN);
    if (getpgrp() == getpid())
        kill(0, SIGTERM); /* our own process group: see setpgid in main */
    while (wait(NULL) > 0 || errno == EINTR)
        ;
    return 0;
}

static void usage(void)
{
    fputs("usage: fake_llm_server [--port N] [--answer TEXT | --answer-file F | --tokens N]\n"
          "       [--rate R] [--dim N] [--model NAME] [--require-key K] [--log FILE]\n"
          "       [--repeat-last] [--full-backlog] [-r SPEC]...   (see the source header)\n",
          stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    /* The server goes away with whoever started it (a test that crashed, a script): note the
     * starter before anything else, so even one that dies at once is noticed. */
    pid_t starter = getppid();
    static struct server srv;
    srv.dim = 8;
    srv.model = "fake-model";
    srv.answer = unescape("Hello from the fake server.", &srv.answer_len);
    long port = 0;
    int is_full_backlog = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--repeat-last")) {
            srv.is_repeat_last = 1;
            continue;
        }
        if (!strcmp(a, "--full-backlog")) {
            is_full_backlog = 1;
            continue;
        }
        if (!v)
            usage();
        i++;
        if (!strcmp(a, "--port")) {
            port = parse_long(v, 0, 65535, "port");
        } else if (!strcmp(a, "--answer")) {
            free(srv.answer);
            srv.answer = unescape(v, &srv.answer_len);
        } else if (!strcmp(a, "--answer-file")) {
            free(srv.answer);
            srv.answer = read_file(v, &srv.answer_len);
        } else if (!strcmp(a, "--tokens")) {
            free(srv.answer);
            srv.answer = make_tokens(parse_long(v, 1, 1000000, "tokens"), &srv.answer_len);
        } else if (!strcmp(a, "--rate")) {
            srv.rate = parse_long(v, 1, 100000, "rate");
        } else if (!strcmp(a, "--dim")) {
            srv.dim = parse_long(v, 1, 8192, "dim");
        } else if (!strcmp(a, "--model")) {
            srv.model = v;
        } else if (!strcmp(a, "--require-key")) {
            srv.require_key = v;
        } else if (!strcmp(a, "--log")) {
            srv.log_path = v;
        } else if (!strcmp(a, "-r") || !strcmp(a, "--respond")) {
            if (srv.spec_count == MAX_SPECS)
                die("too many -r");
            parse_spec(&srv.specs[srv.spec_count++], v);
        } else {
            usage();
        }
    }

    signal(SIGPIPE, SIG_IGN);
    signal(SIGCHLD, SIG_IGN); /* children are reaped by the kernel */
    /* A group of our own, so stopping can end every child without touching our starter. */
    setpgid(0, 0);
    struct sigaction sa = {.sa_handler = on_stop_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (lfd < 0)
        die("socket failed");
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0)
        die("bind failed");
    if (listen(lfd, is_full_backlog ? 0 : 64) < 0)
        die("listen failed");
    socklen_t addr_len = sizeof addr;
    getsockname(lfd, (struct sockaddr *)&addr, &addr_len);
    srv.parent = getpid();

    if (is_full_backlog) {
        /* Fill the accept queue with our own connections; later SYNs are then dropped. */
        for (int i = 0; i < 8; i++) {
            int c = socket(AF_INET, SOCK_STREAM, 0);
            int fl = fcntl(c, F_GETFL);
            fcntl(c, F_SETFL, fl | O_NONBLOCK);
            connect(c, (struct sockaddr *)&addr, sizeof addr);
        }
    }
    printf("PORT %d\n", ntohs(addr.sin_port));
    fflush(stdout);
    if (is_full_backlog)
        for (;;) {
            sleep_ms(250);
            if (getppid() != starter || is_stopping)
                return shut_down();
        }

    for (long index = 0;; index++) {
        struct pollfd pfd = {.fd = lfd, .events = POLLIN};
        int ready = poll(&pfd, 1, 250);
        if (getppid() != starter || is_stopping)
            return shut_down();
        if (ready <= 0) {
            index--;
            continue;
        }
        int cfd = accept(lfd, NULL, NULL);
        if (cfd < 0) {
            index--;
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            die("accept failed");
        }
        pid_t pid = fork();
        if (pid == 0) {
            signal(SIGTERM, SIG_DFL);
            signal(SIGINT, SIG_DFL);
            close(lfd);
            alarm(600); /* a stalled child never outlives a test run by much */
            serve(&srv, cfd, index);
            close(cfd);
            _exit(0);
        }
        close(cfd);
    }
}
