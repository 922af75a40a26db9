/*
 * What every file that answers a request shares: the engine's message
 * buffers, the epoch (S-24..S-26) and the encoding of responses, success or
 * error, with their results counted.  It calls nothing else of the engine
 * but the audit log, so every layer above may use it.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "engine_msg.h"
#include "engine_state.h"

struct pctl_msg *pctl_engine_msg(struct pctl_engine *e, int which)
{
	if (!e->msgs && !(e->msgs = malloc(PCTL_N_MSGS * sizeof(*e->msgs))))
		return NULL;
	struct pctl_msg *m = &e->msgs[which];
	memset(m, 0, offsetof(struct pctl_msg, options));
	return m;
}

/* ---- epoch ----------------------------------------------------------------
 */

uint32_t pctl_engine_epoch(const struct pctl_engine *e, uint64_t now_ms)
{
	int64_t d = (int64_t)now_ms - e->epoch_base_ms;

	if (d < 0)
		return 0;
	d /= 1000; /* S-24: one per second */
	return d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
}

void pctl_engine_set_epoch(struct pctl_engine *e, uint32_t epoch,
                           uint64_t now_ms)
{
	e->epoch_base_ms = (int64_t)now_ms - (int64_t)epoch * 1000;
}

/* ---- responses ------------------------------------------------------------
 */

size_t pctl_engine_error(struct pctl_engine *e, const struct pctl_rx *rx,
                         uint8_t result, uint32_t lifetime, uint8_t *out)
{
	e->stats.pcp_results[result]++;
	pctl_audit_refused_pcp(e, rx, result);
	return pctl_error_response(rx->buf, rx->len, result, lifetime,
	                           pctl_engine_epoch(e, rx->now_ms), out);
}

size_t pctl_engine_encode(struct pctl_engine *e, struct pctl_msg *msg,
                          uint8_t *out)
{
	size_t n = pctl_encode(msg, out, PCTL_MAX_MSG);

	if (n)
		e->stats.pcp_results[msg->result]++;
	return n;
}
