/*
 * libFuzzer target: hostile server answers fed to the client state machine
 * (lib/client) with a fake clock.  The input is a script of steps: raw
 * datagrams, well-formed answers to a live mapping with fuzzed fields (so
 * the fuzzer gets past the nonce check), clock jumps, new mappings and
 * deletes.  After every step the invariants are checked: nothing crashes or
 * leaks (ASan), a granted mapping never has a zero or loopback external
 * address or a lifetime above the cap (C-23), and the next timeout is
 * sane.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <portctl/client.h>

#include "client/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_MAPS 8

static uint64_t fake_now;

static uint64_t fuzz_clock(void *arg)
{
	(void)arg;
	return fake_now;
}

static uint32_t fuzz_random(void *arg)
{
	(void)arg;
	return 0x9e3779b9u;
}

static void cb(struct pctl_client_map *m, enum pctl_client_map_event ev,
               const struct pctl_client_map_info *info, void *arg)
{
	(void)m;
	(void)ev;
	(void)arg;
	if (info->state == PCTL_MS_GRANTED && info->kind != PCTL_REQ_ANNOUNCE &&
	    (pctl_addr_is_any(&info->external_addr) ||
	     pctl_addr_is_loopback(&info->external_addr)))
		abort(); /* a mapping granted with an unusable address */
}

static void check(struct pctl_client *c, struct pctl_client_map **ms, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct pctl_client_map_info info;
		if (!ms[i])
			continue;
		pctl_client_map_get_info(ms[i], &info);
		if (info.state == PCTL_MS_GRANTED &&
		    info.kind != PCTL_REQ_ANNOUNCE &&
		    (pctl_addr_is_any(&info.external_addr) ||
		     pctl_addr_is_loopback(&info.external_addr)))
			abort();
		if (info.lifetime > PCTL_CLIENT_MAX_LIFETIME)
			abort(); /* C-23 */
	}
	if (pctl_client_timeout(c) < -1)
		abort();
}

static uint32_t take(const uint8_t **p, size_t *left, size_t n)
{
	uint32_t v = 0;
	for (size_t i = 0; i < n; i++) {
		v = v << 8;
		if (*left) {
			v |= **p;
			(*p)++;
			(*left)--;
		}
	}
	return v;
}

/* A well-formed answer to mapping m with fuzzed result, lifetime, epoch,
 * external endpoint and raw option bytes. */
static void answer(struct pctl_client *c, struct pctl_client_map *m,
                   const uint8_t **p, size_t *left, uint64_t now)
{
	struct pctl_msg r;
	uint8_t out[PCTL_MAX_MSG + 64];
	size_t len, extra;

	memset(&r, 0, sizeof(r));
	r.version = PCTL_VERSION;
	r.response = true;
	r.opcode = m->p.kind == PCTL_REQ_PEER       ? PCTL_OP_PEER
	           : m->p.kind == PCTL_REQ_ANNOUNCE ? PCTL_OP_ANNOUNCE
	                                            : PCTL_OP_MAP;
	memcpy(r.nonce, m->nonce, PCTL_NONCE_LEN);
	r.protocol = m->p.kind == PCTL_REQ_EXTERNAL ? 17 : m->p.protocol;
	r.internal_port =
	    m->p.kind == PCTL_REQ_EXTERNAL ? 9 : m->p.internal_port;
	r.remote_addr = m->p.remote_addr;
	r.remote_port = m->p.remote_port;
	r.result = (uint8_t)take(p, left, 1) % 28;
	r.lifetime = take(p, left, 4);
	r.epoch = take(p, left, 4);
	for (int i = 0; i < 16; i++)
		r.external_addr.b[i] = (uint8_t)take(p, left, 1);
	if (take(p, left, 1) & 1) /* often IPv4-mapped */
		memset(r.external_addr.b, 0, 10),
		    r.external_addr.b[10] = r.external_addr.b[11] = 0xff;
	r.external_port = (uint16_t)take(p, left, 2);
	len = pctl_encode(&r, out, sizeof(out));
	if (!len)
		return;
	extra = take(p, left, 1) % 64;
	if (extra > *left)
		extra = *left;
	memcpy(out + len, *p, extra); /* raw options, maybe broken */
	*p += extra;
	*left -= extra;
	pctl_resp_input(c, m->srv, out, len + (extra & ~(size_t)3), now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pctl_client_config cfg;
	struct pctl_client *c;
	struct pctl_client_map *ms[MAX_MAPS] = {0};
	size_t nmaps = 0;
	const uint8_t *p = data;
	size_t left = size;

	fake_now = 1000000;
	pctl_client_config_init(&cfg);
	cfg.clock = fuzz_clock;
	cfg.random = fuzz_random;
	cfg.force_natpmp = size && (data[0] & 0x80);
	c = pctl_client_new(&cfg);
	if (!c)
		return 0;
	/* nobody listens on the loopback discard port */
	if (pctl_client_add_server(c, "127.255.255.254:9") < 0) {
		pctl_client_free(c);
		return 0;
	}
	for (int steps = 0; left && steps < 256; steps++) {
		uint8_t op = (uint8_t)take(&p, &left, 1);
		uint8_t which = op >> 4;
		switch (op & 7) {
		case 0: { /* a raw datagram */
			size_t n = take(&p, &left, 2) % (PCTL_MAX_MSG + 8);
			if (n > left)
				n = left;
			pctl_resp_input(c, 0, p, n, fake_now);
			p += n;
			left -= n;
			break;
		}
		case 1: /* an answer to a live mapping */
			if (nmaps && ms[which % nmaps])
				answer(c, ms[which % nmaps], &p, &left,
				       fake_now);
			break;
		case 2: /* time passes */
			fake_now += take(&p, &left, 3) * 16u;
			pctl_client_process(c, NULL, 0);
			break;
		case 3: /* a new mapping */
			if (nmaps < MAX_MAPS) {
				struct pctl_client_map_params mp;
				memset(&mp, 0, sizeof(mp));
				mp.kind = (enum pctl_req_kind)(1 + which % 4);
				mp.protocol = which & 8 ? 17 : 6;
				mp.internal_port = (uint16_t)(1 + nmaps);
				mp.lifetime = take(&p, &left, 2) + 1;
				mp.keep = which & 1;
				mp.prefer_failure = false;
				pctl_addr_from_str(&mp.remote_addr,
				                   "198.51.100.1");
				mp.remote_port = 80;
				ms[nmaps] =
				    pctl_client_map_new(c, &mp, cb, NULL);
				if (ms[nmaps])
					nmaps++;
			}
			break;
		case 4: /* delete */
			if (nmaps && ms[which % nmaps])
				pctl_client_map_delete(ms[which % nmaps]);
			break;
		case 5: /* forget */
			if (nmaps && ms[which % nmaps]) {
				pctl_client_map_free(ms[which % nmaps]);
				ms[which % nmaps] = NULL;
			}
			break;
		default: /* a NAT-PMP answer, short and raw */
		{
			uint8_t np[16];
			size_t n = 2 + take(&p, &left, 1) % 15;
			for (size_t i = 0; i < n; i++)
				np[i] = (uint8_t)take(&p, &left, 1);
			np[0] = 0;
			pctl_resp_input(c, 0, np, n, fake_now);
			break;
		}
		}
		check(c, ms, nmaps);
	}
	pctl_client_free(c);
	return 0;
}
