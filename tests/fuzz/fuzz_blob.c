/*
 * fuzz_blob.c - ss_blob_decode() on hostile stored bytes, and the
 * ss_blob_encode() -> ss_blob_decode() round trip.
 *
 * Input: codec byte (taken modulo 3: raw, zlib, unknown), raw size (4 bytes,
 * little-endian, below 2 MiB so both sides of the 1 MiB limit are reached;
 * 0xffffffff stands for SIZE_MAX), then the stored bytes.
 *
 * Oracles: a decode succeeds exactly when a plain zlib inflate of the same
 * bytes (the reference) ends its stream, uses every byte and gives raw_size
 * bytes, raw_size being within the limit; the output then equals the
 * reference and is NUL-terminated; a failure has a message and no output.
 * Encoding the stored bytes and decoding the result gives them back, and
 * a limit one byte short refuses them.
 */
#include "fuzz_util.h"

#include <string.h>
#include <zlib.h>

#include "ss_store.h"

#define FUZZ_BLOB_MAX ((size_t)1 << 20)

static unsigned char ref_buf[FUZZ_BLOB_MAX + 2];

/* Inflate with zlib alone; returns the size produced, or (size_t)-1 when
 * the bytes are not exactly one complete stream within the buffer. */
static size_t reference_inflate(const uint8_t *src, size_t len)
{
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	if (inflateInit(&zs) != Z_OK)
		return (size_t)-1;
	zs.next_in = (Bytef *)src;
	zs.avail_in = (uInt)len;
	zs.next_out = ref_buf;
	zs.avail_out = (uInt)sizeof ref_buf;
	int zrc = inflate(&zs, Z_FINISH);
	size_t produced = sizeof ref_buf - zs.avail_out;
	bool whole = zrc == Z_STREAM_END && zs.avail_in == 0;
	inflateEnd(&zs);
	return whole ? produced : (size_t)-1;
}

static void check_decode(int codec, const uint8_t *p, size_t len, size_t raw_size)
{
	char *out = NULL;
	char err[256] = "x";
	ss_status st = ss_blob_decode((ss_codec)codec, p, len, raw_size, FUZZ_BLOB_MAX, &out, err,
	                              sizeof err);
	if (st == SS_NOMEM)
		return;

	bool expect_ok;
	const uint8_t *expect = p;
	if (raw_size > FUZZ_BLOB_MAX) {
		expect_ok = false;
	} else if (codec == SS_CODEC_RAW) {
		expect_ok = len == raw_size;
	} else if (codec == SS_CODEC_ZLIB) {
		size_t n = reference_inflate(p, len);
		expect_ok = n == raw_size;
		expect = ref_buf;
	} else {
		expect_ok = false;
	}

	FUZZ_CHECK((st == SS_OK) == expect_ok,
	           "codec %d, %zu bytes, raw size %zu: decode says %s (%s), the reference %s",
	           codec, len, raw_size, ss_status_str(st), err, expect_ok ? "accepts" : "refuses");
	if (st == SS_OK) {
		FUZZ_CHECK(out != NULL, "SS_OK without output");
		FUZZ_CHECK(out[raw_size] == '\0', "output not NUL-terminated");
		FUZZ_CHECK(raw_size == 0 || memcmp(out, expect, raw_size) == 0,
		           "decoded bytes differ from the reference");
	} else {
		FUZZ_CHECK(st == SS_CORRUPT, "failure is %s, not SS_CORRUPT", ss_status_str(st));
		FUZZ_CHECK(out == NULL, "a failed decode left output");
		FUZZ_CHECK(err[0] != '\0', "a failed decode without a message");
	}
	free(out);
}

static void check_round_trip(const uint8_t *p, size_t len)
{
	ss_codec codec;
	char *enc = NULL;
	size_t enc_len = 0;
	if (ss_blob_encode(p, len, &codec, &enc, &enc_len) != SS_OK)
		return; /* SS_NOMEM only */
	FUZZ_CHECK(codec == SS_CODEC_RAW || codec == SS_CODEC_ZLIB, "encode chose codec %d",
	           (int)codec);
	FUZZ_CHECK(codec == SS_CODEC_RAW ? enc_len == len : enc_len < len,
	           "codec %d kept %zu bytes for %zu", (int)codec, enc_len, len);

	char *dec = NULL;
	char err[256] = "";
	ss_status st = ss_blob_decode(codec, enc, enc_len, len, len, &dec, err, sizeof err);
	if (st != SS_NOMEM) {
		FUZZ_CHECK(st == SS_OK, "round trip of %zu bytes (codec %d) failed: %s", len,
		           (int)codec, err);
		FUZZ_CHECK(len == 0 || memcmp(dec, p, len) == 0, "round trip changed the bytes");
		FUZZ_CHECK(dec[len] == '\0', "round trip output not NUL-terminated");
	}
	free(dec);
	dec = NULL;
	if (len > 0) {
		st = ss_blob_decode(codec, enc, enc_len, len, len - 1, &dec, err, sizeof err);
		FUZZ_CHECK(st != SS_OK, "decode ignored a limit one byte short");
		free(dec);
	}
	free(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 5)
		return 0;
	int codec = data[0] % 3;
	uint32_t recorded = (uint32_t)data[1] | (uint32_t)data[2] << 8 | (uint32_t)data[3] << 16 |
	                    (uint32_t)data[4] << 24;
	size_t raw_size = recorded == 0xffffffffu ? SIZE_MAX : (size_t)(recorded & 0x1fffffu);
	const uint8_t *p = data + 5;
	size_t len = size - 5;

	check_decode(codec, p, len, raw_size);
	check_round_trip(p, len);
	return 0;
}
