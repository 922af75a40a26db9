/*
 * Structures that grow without a new SONAME (README, ABI): a program
 * passes sizeof its copy of struct pctl_client_config, struct
 * pctl_client_map_params or struct pctl_client_map_info, which may be an
 * older (shorter) or a newer (longer) layout than the library's.  Fields
 * are only ever added at the end, and a field added later means "the
 * default" when it is zero.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

int pctl_sized_in(void *dst, size_t dst_size, const void *src, size_t src_size,
                  size_t min_size)
{
	const unsigned char *tail = (const unsigned char *)src + dst_size;

	if (src_size < min_size) {
		errno = EINVAL; /* older than any layout of this SONAME */
		return -1;
	}
	/* A newer program may pass fields this library does not have; that
	 * is harmless only while they say "default". */
	for (size_t i = 0; src_size > dst_size && i < src_size - dst_size; i++)
		if (tail[i]) {
			errno = E2BIG;
			return -1;
		}
	memset(dst, 0, dst_size);
	memcpy(dst, src, src_size < dst_size ? src_size : dst_size);
	return 0;
}

void pctl_sized_out(void *dst, size_t dst_size, const void *src,
                    size_t src_size)
{
	memcpy(dst, src, src_size < dst_size ? src_size : dst_size);
	if (dst_size > src_size)
		memset((unsigned char *)dst + src_size, 0, dst_size - src_size);
}
