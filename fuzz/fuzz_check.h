/*
 * fuzz_check.h - the invariant check shared by the libFuzzer targets: a
 * broken invariant prints where and aborts, which libFuzzer reports as a
 * crash and saves the input for.
 */
#ifndef PORTCTL_FUZZ_CHECK_H
#define PORTCTL_FUZZ_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: invariant failed: %s\n",       \
			        __FILE__, __LINE__, #cond);                    \
			abort();                                               \
		}                                                              \
	} while (0)

/* libFuzzer's entry point, declared for -Wmissing-prototypes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
