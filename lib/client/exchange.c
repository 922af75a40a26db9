/*
 * One mapping's timers: the retransmission schedule of an exchange (RFC 6887
 * section 8.1.1; RFC 7488 section 3 across several server addresses; NAT-PMP
 * 250 ms doubling, N-11), the renewal windows of a granted mapping (section
 * 11.2.1, C-21), and the hold time after an error (C-46, C-47).
 */
#include <errno.h>
#include <sys/socket.h>
#include <syslog.h>

#include "internal.h"

/* Starts a new exchange after delay ms: PCP first every time (C-15, C-50.5:
 * the NAT-PMP downgrade is never cached). */
void pctl_ex_start(struct pctl_client_map *m, uint64_t now, uint64_t delay)
{
	if (m->state != PCTL_MS_DELETING)
		m->state = PCTL_MS_PENDING;
	m->natpmp = m->c->cfg.force_natpmp;
	m->natpmp_need_addr =
	    m->natpmp && (m->srv < 0 || (size_t)m->srv >= m->c->nsrv ||
	                  !m->c->srv[m->srv].have_natpmp_ext);
	m->version_switches = 0;
	m->tx = m->tx_this_srv = 0;
	m->rt = 0;
	m->quick_done = false;
	m->t0 = now + delay;
	m->next_at = now + delay;
	if (!m->next_at)
		m->next_at = 1; /* 0 means "no timer" */
	m->addrs_tried = 0;
	m->srv = m->c->selected[pctl_fam(m)] >= 0
	             ? m->c->selected[pctl_fam(m)]
	             : pctl_cl_first_srv(m->c, pctl_fam(m));
}

/* The timeout after a transmission. */
static uint64_t next_rt(struct pctl_client_map *m)
{
	const struct pctl_client_config *cfg = &m->c->cfg;

	if (m->natpmp) /* N-11: 250 ms, doubling */
		return (uint64_t)PCTL_NATPMP_IRT_MS << (m->tx ? m->tx - 1 : 0);
	if (cfg->quick_ms && !m->quick_done) {
		/* Interactive quick first retry: about quick_ms, then the
		 * normal schedule from IRT as if it had not happened. */
		m->quick_done = true;
		return pctl_rt_next(0, cfg->quick_ms, 0, pctl_cl_rand(m->c));
	}
	m->rt = pctl_rt_next(m->rt, cfg->irt_ms, cfg->mrt_ms,
	                     pctl_cl_rand(m->c)); /* fresh RAND (K-12) */
	return m->rt;
}

void pctl_ex_send(struct pctl_client_map *m, uint64_t now)
{
	struct pctl_client *c = m->c;
	uint8_t buf[PCTL_MAX_MSG];
	size_t len;

	if (m->srv < 0 || (size_t)m->srv >= c->nsrv)
		return;
	len = pctl_req_build(m, buf, sizeof(buf));
	if (!len)
		return;
	m->tx++;
	m->tx_this_srv++;
	m->last_tx_at = now;
	if (send(c->srv[m->srv].fd, buf, len, 0) < 0 && errno == ECONNREFUSED)
		c->srv[m->srv].unreachable = true;
}

/* Fails the exchange: nobody answered. */
static void exchange_failed(struct pctl_client_map *m, uint64_t now)
{
	struct pctl_client *c = m->c;

	m->state = PCTL_MS_FAILED;
	m->next_at = 0;
	if (m->p.keep) /* K-26: try all addresses again after 15 min */
		m->next_at = now + (c->nsrv > 1 ? PCTL_CLIENT_SELECT_RETRY_MS
		                                : c->cfg.irt_ms);
	pctl_cl_notify(m, PCTL_EV_TIMEOUT);
}

/* RFC 7488 section 3: the next address of the server, immediately. */
void pctl_ex_next_address(struct pctl_client_map *m, uint64_t now)
{
	struct pctl_client *c = m->c;

	if (m->natpmp && c->nsrv <= 1) {
		exchange_failed(m, now); /* N-11: ICMP error ends it */
		return;
	}
	if (c->nsrv <= 1 || c->selected[pctl_fam(m)] >= 0)
		return;                    /* keep retransmitting (C-16) */
	if (++m->addrs_tried >= c->nsrv) { /* all tried, from the first */
		m->srv = pctl_cl_first_srv(c, pctl_fam(m));
		m->addrs_tried = 0;
		exchange_failed(m, now);
		return;
	}
	m->srv = (m->srv + 1) % (int)c->nsrv;
	m->tx_this_srv = 0;
	m->rt = 0;
	m->next_at = now;
	if (!m->next_at)
		m->next_at = 1;
}

/* N-11: NAT-PMP requests to one server go one at a time.  Is another
 * mapping's NAT-PMP request at srv still unanswered? */
bool pctl_ex_natpmp_busy(const struct pctl_client *c, int srv,
                         const struct pctl_client_map *self)
{
	for (const struct pctl_client_map *m = c->maps; m; m = m->next)
		if (m != self && !m->dead && m->srv == srv && m->natpmp &&
		    m->tx > 0 &&
		    (m->state == PCTL_MS_PENDING ||
		     m->state == PCTL_MS_DELETING))
			return true;
	return false;
}

/* A timer fired while a request is outstanding. */
static void retransmit(struct pctl_client_map *m, uint64_t now)
{
	struct pctl_client *c = m->c;
	const struct pctl_client_config *cfg = &c->cfg;
	struct pctl_srv *s;

	if (c->nsrv == 0) { /* nothing discovered yet: look again later */
		m->next_at = now + cfg->irt_ms;
		return;
	}
	if (m->natpmp && m->tx >= PCTL_NATPMP_MRC) {
		/* N-11 gives up after 9; the downgrade is not kept (C-50.5):
		 * the next attempt speaks PCP again. */
		m->natpmp = cfg->force_natpmp;
		if (m->natpmp) {
			exchange_failed(m, now);
			return;
		}
		m->natpmp_need_addr = false;
	}
	if (!m->natpmp) {
		/* C-16: MRC and MRD end the exchange when set. */
		if ((cfg->mrc && m->tx >= cfg->mrc) ||
		    (cfg->mrd_ms && m->tx && now - m->t0 >= cfg->mrd_ms)) {
			exchange_failed(m, now);
			return;
		}
		/* C-3, C-18: 4 per address while selecting among several. */
		if (c->nsrv > 1 && c->selected[pctl_fam(m)] < 0 &&
		    m->tx_this_srv >= PCTL_CLIENT_SELECT_MRC) {
			pctl_ex_next_address(m, now);
			if (m->state == PCTL_MS_FAILED)
				return;
		}
	}
	s = &c->srv[m->srv];
	/* C-46, C-47: respect the server's hold times. */
	if (now < s->hold_all_until ||
	    (m->state == PCTL_MS_PENDING && m->p.kind != PCTL_REQ_ANNOUNCE &&
	     now < s->hold_new_until)) {
		uint64_t until = s->hold_all_until > s->hold_new_until
		                     ? s->hold_all_until
		                     : s->hold_new_until;
		m->next_at = until > now ? until : now + 1;
		return;
	}
	if (m->natpmp && pctl_ex_natpmp_busy(c, m->srv, m)) {
		m->next_at = now + PCTL_NATPMP_IRT_MS; /* N-11: wait a turn */
		return;
	}
	pctl_ex_send(m, now);
	m->next_at = now + next_rt(m);
}

/* Section 11.2.1: the next renewal after attempt k, at least 4 s after the
 * previous transmission (C-21), never after expiry. */
static void schedule_renewal(struct pctl_client_map *m, uint64_t now)
{
	uint64_t at =
	    m->granted_at +
	    pctl_renew_at(m->lifetime, m->renew_attempt, pctl_cl_rand(m->c));

	if (m->renew_attempt && at < m->last_tx_at + 4000u)
		at = m->last_tx_at + 4000u; /* C-21: never < 4 s apart */
	if (at < now)
		at = now;
	if (at >= m->expires_at)
		at = m->expires_at; /* then it is lost */
	m->next_at = at;
}

void pctl_ex_granted(struct pctl_client_map *m, uint64_t now)
{
	m->granted_at = now;
	m->expires_at = now + (uint64_t)m->lifetime * 1000u;
	m->renew_attempt = 0;
	m->next_at = 0;
	/* C-20, C-22: renew for as long as wanted; static mappings (2^32-1)
	 * were capped (C-23) and are renewed like the rest.  Lifetime 0
	 * (an ANNOUNCE answer) needs nothing. */
	if (m->p.keep && m->lifetime && m->p.kind != PCTL_REQ_ANNOUNCE)
		schedule_renewal(m, now);
}

static void renew(struct pctl_client_map *m, uint64_t now)
{
	if (now >= m->expires_at) {
		/* Renewals went unanswered until expiry: lost.  Keep asking,
		 * suggesting the previous endpoint (C-20, C-70). */
		uint64_t delay = m->last_tx_at + 4000u > now
		                     ? m->last_tx_at + 4000u - now
		                     : 0; /* C-21: still 4 s apart */
		pctl_ex_start(m, now, delay);
		pctl_cl_notify(m, PCTL_EV_LOST);
		if (!delay && m->state == PCTL_MS_PENDING && m->next_at)
			retransmit(m, now);
		return;
	}
	/* C-47: after NO_RESOURCES on a delete, nothing at all is sent. */
	if (now < m->c->srv[m->srv].hold_all_until) {
		m->next_at = m->c->srv[m->srv].hold_all_until;
		return;
	}
	/* A renewal is a new request: PCP first (C-50.5). */
	m->natpmp = m->c->cfg.force_natpmp;
	m->natpmp_need_addr = false;
	m->version_switches = 0;
	m->tx = 0;
	pctl_ex_send(m, now);
	m->renew_attempt++;
	schedule_renewal(m, now);
}

/* Is m's current renewal window (C-21) open, so that renewing it now,
 * while the process is awake anyway, is as good as at its random point? */
bool pctl_ex_window_open(const struct pctl_client_map *m, uint64_t now)
{
	if (m->dead || m->state != PCTL_MS_GRANTED || !m->p.keep ||
	    !m->lifetime || m->p.kind == PCTL_REQ_ANNOUNCE || !m->next_at ||
	    m->next_at <= now)
		return false;
	if (m->renew_attempt && now < m->last_tx_at + 4000u)
		return false;
	return now >=
	       m->granted_at + pctl_renew_at(m->lifetime, m->renew_attempt, 0);
}

void pctl_ex_timer(struct pctl_client_map *m, uint64_t now)
{
	switch (m->state) {
	case PCTL_MS_PENDING:
	case PCTL_MS_DELETING:
		retransmit(m, now);
		break;
	case PCTL_MS_GRANTED:
		renew(m, now);
		break;
	case PCTL_MS_ERROR: /* the error's lifetime is over (C-46) */
	case PCTL_MS_FAILED:
		pctl_ex_start(m, now, 0);
		retransmit(m, now);
		break;
	case PCTL_MS_DELETED:
		m->next_at = 0;
		break;
	}
}

/* C-43, C-57: the server lost state.  Every granted mapping there is
 * re-created after uniform(0, 5 s) (K-20; for ordinary responses as well,
 * impl-choice of C-43), suggesting its previous endpoint. */
void pctl_ex_server_lost_state(struct pctl_client *c, int srv,
                               const struct pctl_client_map *except,
                               uint64_t now)
{
	for (struct pctl_client_map *m = c->maps; m; m = m->next) {
		uint64_t delay;
		if (m == except || m->dead || m->srv != srv ||
		    m->state != PCTL_MS_GRANTED ||
		    m->p.kind == PCTL_REQ_ANNOUNCE)
			continue;
		delay = (uint64_t)pctl_cl_rand(c) *
		            (PCTL_CLIENT_ANNOUNCE_DELAY_MS + 1) >>
		        32;
		pctl_cl_log(c, LOG_NOTICE,
		            "server restart detected: re-creating mapping of "
		            "port %u in %llu ms",
		            m->p.internal_port, (unsigned long long)delay);
		pctl_ex_start(m, now, delay);
		pctl_cl_notify(m, PCTL_EV_LOST);
	}
}

/* Renewals through UPnP (upnp_map.c) follow the same windows (C-21). */
void pctl_ex_next_renewal(struct pctl_client_map *m, uint64_t now)
{
	schedule_renewal(m, now);
}
