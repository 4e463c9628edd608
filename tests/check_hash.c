/* check_hash.c - SHA-256 known answers (FIPS 180-2 examples), one-shot and
 * incremental, and the error contract of the incremental interface. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ss_hash.h"

static const char nist_448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

static const struct {
	const char *input;
	const char *hex;
} known[] = {
	{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ nist_448, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
};

static const char million_a_hex[] =
	"cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";

START_TEST(test_known_answers_one_shot)
{
	char hex[SS_CHECKSUM_HEX_LEN + 1];
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
		ck_assert_int_eq(ss_sha256_hex(known[i].input, strlen(known[i].input), hex), SS_OK);
		ck_assert_str_eq(hex, known[i].hex);
	}
	/* NULL with length 0 is the empty message */
	ck_assert_int_eq(ss_sha256_hex(NULL, 0, hex), SS_OK);
	ck_assert_str_eq(hex, known[0].hex);
}
END_TEST

START_TEST(test_known_answers_incremental)
{
	char hex[SS_CHECKSUM_HEX_LEN + 1];
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
		ss_sha256 *h = ss_sha256_new();
		ck_assert_ptr_nonnull(h);
		/* one byte at a time, to cross every block boundary */
		for (const char *p = known[i].input; *p; p++)
			ss_sha256_update(h, p, 1);
		ck_assert_int_eq(ss_sha256_final_hex(h, hex), SS_OK);
		ck_assert_str_eq(hex, known[i].hex);
	}
}
END_TEST

START_TEST(test_million_a)
{
	size_t n = 1000000;
	char *a = malloc(n);
	ck_assert_ptr_nonnull(a);
	memset(a, 'a', n);
	char hex[SS_CHECKSUM_HEX_LEN + 1];
	ck_assert_int_eq(ss_sha256_hex(a, n, hex), SS_OK);
	ck_assert_str_eq(hex, million_a_hex);

	/* in uneven pieces (a prime that is not a multiple of the block size) */
	ss_sha256 *h = ss_sha256_new();
	ck_assert_ptr_nonnull(h);
	for (size_t off = 0; off < n; off += 997)
		ss_sha256_update(h, a + off, off + 997 <= n ? 997 : n - off);
	ck_assert_int_eq(ss_sha256_final_hex(h, hex), SS_OK);
	ck_assert_str_eq(hex, million_a_hex);
	free(a);
}
END_TEST

START_TEST(test_error_contract)
{
	char hex[SS_CHECKSUM_HEX_LEN + 1] = "x";
	/* a failed ss_sha256_new() handed on: reported, not crashed on */
	ck_assert_int_eq(ss_sha256_final_hex(NULL, hex), SS_NOMEM);
	ck_assert_str_eq(hex, "");
	ss_sha256_update(NULL, "abc", 3);
	ss_sha256_free(NULL);
	/* freeing unfinished is clean (ASan checks the leak) */
	ss_sha256 *h = ss_sha256_new();
	ck_assert_ptr_nonnull(h);
	ss_sha256_update(h, "abc", 3);
	ss_sha256_free(h);
}
END_TEST

/* Declared for -Wmissing-prototypes; the runner declares it from suites.h. */
Suite *hash_suite(void);

Suite *hash_suite(void)
{
	Suite *s = suite_create("hash");
	TCase *tc = tcase_create("sha256");
	tcase_add_test(tc, test_known_answers_one_shot);
	tcase_add_test(tc, test_known_answers_incremental);
	tcase_add_test(tc, test_million_a);
	tcase_add_test(tc, test_error_contract);
	suite_add_tcase(s, tc);
	return s;
}
