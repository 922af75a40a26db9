/*
 * Server epoch validation: PCP's exact formula (RFC 6887 section 8.5,
 * C-40..C-42) and NAT-PMP's Seconds Since Start of Epoch rule (RFC 6886
 * section 3.6, N-12).  A false result means the server may have lost its
 * mappings and the caller re-creates them.
 */
#include <portctl/client.h>

bool pctl_epoch_check(struct pctl_epoch *e, uint32_t server_time,
                      uint64_t client_ms)
{
	bool valid = true;

	if (e->have) {
		/* C-42: the client clock is monotonic; guard anyway. */
		uint64_t client_delta = client_ms >= e->client_ms
		                            ? (client_ms - e->client_ms) / 1000u
		                            : 0;
		if ((uint64_t)server_time + 1u < e->server_time) {
			valid = false; /* C-40: back by more than 1 s */
		} else {
			/* C-42 (impl-choice): computed after the check above,
			 * so a 1 s step back gives 0, not a wrapped value. */
			uint64_t server_delta =
			    server_time >= e->server_time
			        ? (uint64_t)server_time - e->server_time
			        : 0;
			/* C-41: +2 s quantisation, /16 rate tolerance.
			 * Written with additions so nothing underflows. */
			if (client_delta + 2u + server_delta / 16u <
			        server_delta ||
			    server_delta + 2u + client_delta / 16u <
			        client_delta)
				valid = false;
		}
	}
	e->have = true;
	e->server_time = server_time;
	e->client_ms = client_ms;
	return valid;
}

bool pctl_natpmp_epoch_check(struct pctl_epoch *e, uint32_t sssoe,
                             uint64_t client_ms)
{
	bool valid = true;

	if (e->have) {
		uint64_t elapsed =
		    client_ms >= e->client_ms ? client_ms - e->client_ms : 0;
		/* N-12: invalid when sssoe < last + 7/8 * elapsed - 2 s;
		 * compared in milliseconds, additions only. */
		if ((uint64_t)sssoe * 1000u + 2000u <
		    (uint64_t)e->server_time * 1000u + elapsed * 7u / 8u)
			valid = false;
	}
	e->have = true;
	e->server_time = sssoe;
	e->client_ms = client_ms;
	return valid;
}
