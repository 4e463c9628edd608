/* hash.c - SHA-256 (the snapshot checksum) through OpenSSL's EVP interface. */
#include "ss_hash.h"

#include <openssl/evp.h>
#include <stdbool.h>
#include <stdlib.h>

struct ss_sha256 {
	EVP_MD_CTX *ctx;
	bool failed;                /* an update failed; final reports it */
};

/* Returns NULL when OpenSSL (or malloc) cannot allocate or initialise. */
ss_sha256 *ss_sha256_new(void)
{
	ss_sha256 *h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
		ss_sha256_free(h);
		return NULL;
	}
	return h;
}

/* Cannot fail visibly: an EVP failure is remembered and returned by final. */
void ss_sha256_update(ss_sha256 *h, const void *data, size_t len)
{
	if (!h || h->failed || len == 0)
		return;
	if (EVP_DigestUpdate(h->ctx, data, len) != 1)
		h->failed = true;
}

static void to_hex(const unsigned char *md, unsigned n, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	for (unsigned i = 0; i < n; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 0x0f];
	}
	hex[2 * n] = '\0';
}

/* Frees h in every case.  SS_NOMEM for a NULL h (ss_sha256_new failed),
 * SS_INTERNAL when OpenSSL failed; hex is then "". */
ss_status ss_sha256_final_hex(ss_sha256 *h, char hex[SS_CHECKSUM_HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	hex[0] = '\0';
	if (!h)
		return SS_NOMEM;
	ss_status status = SS_OK;
	if (h->failed || EVP_DigestFinal_ex(h->ctx, md, &n) != 1 || n * 2 != SS_CHECKSUM_HEX_LEN)
		status = SS_INTERNAL;
	else
		to_hex(md, n, hex);
	ss_sha256_free(h);
	return status;
}

void ss_sha256_free(ss_sha256 *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

/* SS_INTERNAL (hex "") when OpenSSL fails. */
ss_status ss_sha256_hex(const void *data, size_t len, char hex[SS_CHECKSUM_HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	hex[0] = '\0';
	if (EVP_Digest(len ? data : "", len, md, &n, EVP_sha256(), NULL) != 1
	    || n * 2 != SS_CHECKSUM_HEX_LEN)
		return SS_INTERNAL;
	to_hex(md, n, hex);
	return SS_OK;
}
