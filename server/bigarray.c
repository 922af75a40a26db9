/*
 * Zeroed arrays from mmap or the heap (bigarray.h).
 */
#include "bigarray.h"

#include <stdlib.h>

#include <sys/mman.h>

#define BIG_ARRAY (256u * 1024u)
#define PAGE      4096u

void *pctl_big_alloc(size_t n, size_t size)
{
	size_t bytes = n * size;

	if (bytes < BIG_ARRAY)
		return calloc(n, size);
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

void pctl_big_free(void *p, size_t n, size_t size)
{
	size_t bytes = n * size;

	if (!p)
		return;
	if (bytes < BIG_ARRAY)
		free(p);
	else
		munmap(p, bytes);
}

void pctl_big_release_below(void *p, size_t n, size_t size, size_t upto)
{
	if (n * size < BIG_ARRAY)
		return;
	/* The page that the entry just before upto completed, if any. */
	size_t end = upto * size, prev = (upto - 1) * size;
	if (upto && end / PAGE != prev / PAGE)
		madvise((char *)p + end / PAGE * PAGE - PAGE, PAGE,
		        MADV_DONTNEED);
}
