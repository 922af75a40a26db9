/*
 * Zeroed arrays for hash tables that double without a stall (issue 16):
 * big ones come straight from mmap, whose zero pages cost nothing until
 * touched, so allocating 64 MB takes no longer than 64 KB (calloc may
 * clear a recycled heap block, milliseconds at that size); small ones stay
 * on the heap, where a system call each would cost more than they do.
 * Free with the same count and size.
 */
#ifndef PORTCTL_SERVER_BIGARRAY_H
#define PORTCTL_SERVER_BIGARRAY_H

#include <stddef.h>

void *pctl_big_alloc(size_t n, size_t size);
void pctl_big_free(void *p, size_t n, size_t size);
/* Entries [0, upto) of a big array have all been moved out (a resize walks
 * it in order): the page that upto just completed goes back to the
 * kernel, so that the final free has nothing left to release (unmapping
 * 64 MB of touched pages at once takes milliseconds).  Call at every
 * upto. */
void pctl_big_release_below(void *p, size_t n, size_t size, size_t upto);

#endif
