/* stem: the Porter (1980) suffix-stripping stemmer for lowercase ASCII English words, used by
 * the local embedder so "reimbursed", "reimbursement" and "reimburse" meet. Pure. */
#ifndef CCA_STEM_H
#define CCA_STEM_H

#include <stddef.h>

/* Stems the lowercase ASCII word in place (word[0..len)) and returns the new length (<= len).
 * Words of one or two letters, and words holding anything but a-z, are returned unchanged. */
size_t stem_porter(char *word, size_t len);

#endif
