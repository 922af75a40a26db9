/*
 * What the in-process engine benchmarks share: the MAP request they send
 * (from internal host 10.a.b.c, host = a << 16 | b << 8 | c, one internal
 * port and protocol, no suggested external address), their configuration,
 * and how they measure memory.
 */
#ifndef PORTCTL_BENCH_COMMON_H
#define PORTCTL_BENCH_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <portctl/wire.h>

#include "engine.h"

static inline void bench_map_req(uint8_t b[60], struct pctl_rx *rx,
                                 uint32_t host, uint8_t proto, uint16_t port,
                                 uint32_t lifetime, uint8_t nonce)
{
	uint8_t v4[4] = {10, (uint8_t)(host >> 16), (uint8_t)(host >> 8),
	                 (uint8_t)host};

	memset(b, 0, 60);
	b[0] = 2;
	b[1] = 1;
	b[4] = (uint8_t)(lifetime >> 24);
	b[5] = (uint8_t)(lifetime >> 16);
	b[6] = (uint8_t)(lifetime >> 8);
	b[7] = (uint8_t)lifetime;
	pctl_addr_from_v4(&rx->src, v4);
	memcpy(b + 8, rx->src.b, 16);
	memset(b + 24, nonce, 12);
	b[36] = proto;
	b[40] = (uint8_t)(port >> 8);
	b[41] = (uint8_t)port;
	b[54] = 0xff;
	b[55] = 0xff; /* suggested ::ffff:0.0.0.0 */
	rx->buf = b;
	rx->len = 60;
	rx->src_port = 5350;
	rx->internal = true;
}

/* The benchmarks' engine configuration: defaults with 16 external
 * addresses 203.0.113.1..16. */
static inline void bench_engine_config(struct pctl_engine_config *cfg)
{
	pctl_engine_config_defaults(cfg);
	cfg->n_ext_addrs = 16;
	for (unsigned i = 0; i < 16; i++) {
		uint8_t v4[4] = {203, 0, 113, (uint8_t)(1 + i)};
		pctl_addr_from_v4(&cfg->ext_addrs[i], v4);
	}
}

/* Resident bytes of the process: the engine's big index arrays are
 * mmap'd outside the heap (table.c), so heap statistics under-count. */
static inline size_t bench_rss_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long size = 0, rss = 0;

	if (f) {
		if (fscanf(f, "%lu %lu", &size, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * 4096;
}

#endif
