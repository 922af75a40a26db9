/*
 * fuzz_asan_options.h - the ASan settings of the targets that build and
 * free a whole engine (and journal) per input.  Include it from exactly one
 * file of a target.
 *
 * ASan keeps freed memory in a quarantine (256 MB by default) so that a use
 * after free meets poisoned memory.  A target that allocates an engine's
 * tables per input cycles through all of it: every input gets fresh pages,
 * and page faults and clearing them were the largest part of these
 * targets' profiles (docs/performance.md, fuzz table).  16 MB still holds
 * the frees of several inputs, so a use
 * after free within an input, or from one input into the next ones, is
 * still caught.  ASAN_OPTIONS in the environment overrides this.
 */
#ifndef PORTCTL_FUZZ_ASAN_OPTIONS_H
#define PORTCTL_FUZZ_ASAN_OPTIONS_H

/* Read by the ASan runtime at start-up; unused without ASan. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "quarantine_size_mb=16";
}

#endif
