/*
 * fuzz_import_json.c - ss_import_buffer() of JSON exports (docs in
 * fuzz_import.h).  Inputs the import would read as the binary format are
 * left out of this target's corpus.
 */
#include "fuzz_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (import_is_binary(data, size))
		return -1;
	return fuzz_import_one(data, size);
}
