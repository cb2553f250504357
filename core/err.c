/* err: messages and names for enum err, from the one table in err.h. */
#include "core/err.h"

static const char *const messages[] = {
#define ERR_MSG(name, msg) msg,
    ERR_TABLE(ERR_MSG)
#undef ERR_MSG
};

static const char *const names[] = {
#define ERR_NAME(name, msg) #name,
    ERR_TABLE(ERR_NAME)
#undef ERR_NAME
};

const char *err_str(enum err e)
{
    if ((unsigned)e >= ERR__COUNT)
        return "unknown error";
    return messages[e];
}

const char *err_name(enum err e)
{
    if ((unsigned)e >= ERR__COUNT)
        return "UNKNOWN";
    return names[e];
}
