/* ss_hash.h - SHA-256 through OpenSSL's EVP interface. */
#ifndef SS_HASH_H
#define SS_HASH_H

#include <stddef.h>

#include "ss_types.h"

/* Incremental hashing, for states serialised piece by piece.  An ss_sha256 is
 * opaque; ss_sha256_new() returns NULL when OpenSSL cannot allocate. */
typedef struct ss_sha256 ss_sha256;

ss_sha256 *ss_sha256_new(void);
void ss_sha256_update(ss_sha256 *h, const void *data, size_t len);
/* Write 64 lower-case hex digits and a NUL into hex, and free h. */
ss_status ss_sha256_final_hex(ss_sha256 *h, char hex[SS_CHECKSUM_HEX_LEN + 1]);
/* Free without finishing (error paths).  NULL is fine. */
void ss_sha256_free(ss_sha256 *h);

/* One-shot: the SHA-256 of `len` bytes as lower-case hex. */
ss_status ss_sha256_hex(const void *data, size_t len, char hex[SS_CHECKSUM_HEX_LEN + 1]);

#endif
