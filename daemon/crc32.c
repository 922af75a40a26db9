/*
 * Table-driven CRC-32, one table lookup per octet.  The table is built on
 * first use; portctld is single-threaded, and building it twice from two
 * threads would write identical values anyway.
 */
#include "crc32.h"

#include <stdbool.h>

static uint32_t table[256];
static bool table_ready;

static void build_table(void)
{
	for (uint32_t n = 0; n < 256; n++) {
		uint32_t c = n;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		table[n] = c;
	}
	table_ready = true;
}

uint32_t pctld_crc32(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (!table_ready)
		build_table();
	/* Pre- and post-inversion make leading zero octets count and let the
	 * running value be chained across calls. */
	crc = ~crc;
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}
