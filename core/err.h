/* err: the project-wide error enum, generated from one X-macro table of names and messages.
 * Every fallible function returns enum err; human detail stays in the module's own context. */
#ifndef CCA_ERR_H
#define CCA_ERR_H

#define ERR_TABLE(X)                                                                           \
    X(OK, "success")                                                                           \
    X(NOMEM, "out of memory")                                                                  \
    X(INVALID, "invalid argument")                                                             \
    X(TOO_LARGE, "input too large")                                                            \
    X(IO, "input/output error")                                                                \
    X(NOT_FOUND, "not found")                                                                  \
    X(EXISTS, "already exists")                                                                \
    X(CONFIG, "configuration error")                                                           \
    X(UTF8, "invalid UTF-8")                                                                   \
    X(DB, "database error")                                                                    \
    X(DB_DOWN, "database unreachable")                                                         \
    X(PERMISSION, "permission denied")                                                         \
    X(SCHEMA, "database schema is missing or out of date")                                    \
    X(DIM_MISMATCH, "embedding dimension or model does not match the database")               \
    X(CONNECT, "could not connect")                                                            \
    X(DNS, "could not resolve host")                                                           \
    X(TLS, "TLS error")                                                                        \
    X(TIMEOUT, "timed out")                                                                    \
    X(AUTH, "authentication failed (check the API key)")                                      \
    X(MODEL, "unknown model")                                                                  \
    X(CONTEXT, "context too long for the model")                                              \
    X(RATE_LIMIT, "rate limited by the server")                                                \
    X(HTTP, "HTTP error")                                                                      \
    X(SERVER, "server error")                                                                  \
    X(PROTOCOL, "malformed response from server")                                              \
    X(TRUNCATED, "response cut short")                                                         \
    X(CANCELLED, "cancelled")                                                                  \
    X(UNSUPPORTED, "not supported")                                                            \
    X(BUSY, "busy with another request")                                                      \
    X(TIME_UP, "time is up")                                                                   \
    X(CLOSED, "already submitted or closed")

enum err {
#define ERR_ENUM(name, msg) ERR_##name,
    ERR_TABLE(ERR_ENUM)
#undef ERR_ENUM
        ERR__COUNT
};

/* A static, human-readable sentence for e; never NULL. */
const char *err_str(enum err e);

/* The symbolic name of e without the ERR_ prefix ("DB_DOWN"); never NULL. */
const char *err_name(enum err e);

#endif
