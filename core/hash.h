/* hash: content hashes for documents and the query cache (BLAKE2b through libsodium).
 * Pure: no state, no I/O. */
#ifndef CCA_HASH_H
#define CCA_HASH_H

#include <stddef.h>

/* Hex length of a digest written by hash_blake2b_hex, excluding the NUL. */
enum { HASH_HEX_LEN = 64 };

/* Writes the 32-byte BLAKE2b digest of len bytes at data as 64 lowercase hex characters plus a
 * NUL into out. data may be NULL when len is 0. Never fails. */
void hash_blake2b_hex(const void *data, size_t len, char out[HASH_HEX_LEN + 1]);

#endif
