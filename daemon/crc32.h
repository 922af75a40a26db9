/*
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, the one zlib, gzip
 * and PNG use), for the state journal's record checksums.  Written here
 * rather than linking zlib so that portctld needs no library for 30 lines.
 */
#ifndef PORTCTLD_CRC32_H
#define PORTCTLD_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* Continues a CRC over len more octets.  Start with crc = 0; the result of
 * one call can be passed back in to checksum data given in pieces:
 * pctld_crc32(pctld_crc32(0, a, n), b, m) == CRC of a followed by b.
 * The CRC of "123456789" is 0xCBF43926. */
uint32_t pctld_crc32(uint32_t crc, const void *buf, size_t len);

#endif
