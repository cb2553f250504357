/* share_path: the installed data folder, from /proc/self/exe. */
#include "core/share_path.h"

#include <string.h>
#include <unistd.h>

bool share_path(const char *name, char *out, size_t cap)
{
    static const char rel[] = "/../share/cca/";
    if (cap < 2)
        return false;
    ssize_t n = readlink("/proc/self/exe", out, cap - 1);
    if (n <= 0 || (size_t)n >= cap - 1)
        return false;
    out[n] = '\0';
    char *slash = strrchr(out, '/');
    if (!slash)
        return false;
    size_t at = (size_t)(slash - out), name_len = strlen(name);
    if (at + sizeof rel + name_len > cap)
        return false;
    memcpy(out + at, rel, sizeof rel - 1);
    memcpy(out + at + sizeof rel - 1, name, name_len + 1);
    return true;
}
