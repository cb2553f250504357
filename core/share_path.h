/* share_path: where an installed cca keeps its data, <the executable's folder>/../share/cca
 * (the assets, the WordNet and word-vector tables). */
#ifndef CCA_SHARE_PATH_H
#define CCA_SHARE_PATH_H

#include <stdbool.h>
#include <stddef.h>

/* Writes "<the executable's folder>/../share/cca/<name>" into out (cap bytes; name "" gives
 * the folder itself, with a trailing '/'); false when the executable's path is unknown or
 * the result does not fit. */
bool share_path(const char *name, char *out, size_t cap);

#endif
