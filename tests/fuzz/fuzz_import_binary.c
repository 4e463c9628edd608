/*
 * fuzz_import_binary.c - ss_import_buffer() of binary exports (docs in
 * fuzz_import.h).  Inputs without the binary format's magic go to the JSON
 * reader and are left out of this target's corpus.
 */
#include "fuzz_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!import_is_binary(data, size))
		return -1;
	return fuzz_import_one(data, size);
}
