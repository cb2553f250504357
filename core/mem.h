/* mem: allocators that never return NULL. On out-of-memory they call the registered fatal
 * hook (which restores the terminal) and abort. */
#ifndef CCA_MEM_H
#define CCA_MEM_H

#include <stddef.h>

typedef void (*mem_fatal_fn)(void);

/* Registers the hook called once before aborting on OOM (e.g. term_restore). */
void mem_set_fatal_hook(mem_fatal_fn fn);

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
/* Grows an array of count*size bytes, aborting on overflow. */
void *xreallocarray(void *ptr, size_t count, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t len);
/* printf into a fresh heap string owned by the caller. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
