/*
 * fuzz_util.h - what the libFuzzer targets of tests/fuzz/ share.
 *
 * FUZZ_CHECK(cond, ...) is the oracle: when cond is false it prints the
 * message and aborts, which libFuzzer reports as a crash and saves the input
 * under build/fuzz/artifacts/NAME/ (see tests/fuzz/README).  Plain assert()
 * is not used so the checks stay on whatever NDEBUG says.
 */
#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond, ...)                                                    \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fprintf(stderr, "%s:%d: oracle failed: %s\n  ", __FILE__,      \
			        __LINE__, #cond);                                      \
			fprintf(stderr, __VA_ARGS__);                                  \
			fputc('\n', stderr);                                           \
			abort();                                                       \
		}                                                                \
	} while (0)

/* The entry point libFuzzer calls; declared here for -Wmissing-prototypes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
