/* screens: the registry of tui/screens.def, and role names -> role bits. */
#include "tui/screen.h"

#include <string.h>

#define X(name, title, create, roles, scopes) struct screen create(struct screen_ctx *ctx);
#include "tui/screens.def"
#undef X

static const struct screen_entry registry[] = {
#define X(name, title, create, roles, scopes) {#name, title, create, roles, scopes},
#include "tui/screens.def"
#undef X
};

const struct screen_entry *screen_registry(size_t *count)
{
    *count = sizeof registry / sizeof registry[0];
    return registry;
}

const struct screen_entry *screen_find(const char *name)
{
    for (size_t i = 0; i < sizeof registry / sizeof registry[0]; i++)
        if (strcmp(registry[i].name, name) == 0)
            return &registry[i];
    return NULL;
}

unsigned screen_role_from_name(const char *name)
{
    static const struct {
        const char *name;
        unsigned bit;
    } roles[] = {
        {"learner", SCREEN_ROLE_LEARNER},
        {"hr_manager", SCREEN_ROLE_HR_MANAGER},
        {"trainer", SCREEN_ROLE_TRAINER},
        {"admin", SCREEN_ROLE_ADMIN},
    };
    for (size_t i = 0; name && i < sizeof roles / sizeof roles[0]; i++)
        if (strcmp(roles[i].name, name) == 0)
            return roles[i].bit;
    return 0;
}
