/*
 * The "nftables" backend (pctl_backend_nftables_open, server/backend.h).
 *
 * create/refresh/remove encode elements straight into a pending netlink
 * batch (nft_elem.c); commit() sends it as one nf_tables transaction, so it
 * applies all or nothing; abort() drops it.  Kernel timeouts expire the
 * elements, so nothing here runs on a timer.  The backend keeps a copy of
 * every installed mapping (mapstore.c) to take its elements out again.
 *
 * A renewal that changes only the lifetime (the usual one) re-adds the
 * elements with the new timeout, which the kernel applies in place when it
 * supports element timeout updates (probed at open), instead of deleting
 * and creating every element of the mapping: for a PORT_SET that halves
 * the messages and spares the kernel an allocation and an RCU free per
 * element (docs/nftables.md, docs/performance.md).
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../server/backend.h"
#include "conntrack.h"
#include "mapstore.h"
#include "nft_dump.h"
#include "nft_elem.h"
#include "nft_features.h"
#include "nft_layout.h"
#include "nft_monitor.h"
#include "nl_batch.h"

enum op_kind { OP_CREATE, OP_REFRESH, OP_REMOVE };

struct pending {
	enum op_kind kind;
	struct dp_map_entry *e;
};

struct nft_ctx {
	char *table;
	char *ext_ifname;
	bool hairpin;
	struct mnl_socket *nl;
	struct dp_batch batch;
	struct dp_ct *ct;
	struct dp_nft_features feat;
	struct dp_mapstore installed;
	struct pending *ops;
	size_t n_ops, cap_ops;
	struct dp_monitor *mon; /* changes others make to the table */
	char note[256];         /* a repair not yet reported by events() */
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void drop_pending(struct nft_ctx *c)
{
	for (size_t i = 0; i < c->n_ops; i++)
		dp_map_entry_free(c->ops[i].e);
	c->n_ops = 0;
}

/* The version of mapping id the kernel will hold once the first `upto`
 * pending operations are applied (NULL: none). */
static const struct pctl_dp_mapping *current_upto(const struct nft_ctx *c,
                                                  uint64_t id, size_t upto)
{
	for (size_t i = upto; i-- > 0;) {
		if (c->ops[i].e->m.id != id)
			continue;
		return c->ops[i].kind == OP_REMOVE ? NULL : &c->ops[i].e->m;
	}
	struct dp_map_entry *e = dp_mapstore_get(&c->installed, id);
	return e ? &e->m : NULL;
}

/* The element messages of one operation, given the version it replaces
 * (old; NULL when unknown). */
static int emit(struct nft_ctx *c, enum op_kind kind,
                const struct pctl_dp_mapping *m,
                const struct pctl_dp_mapping *old)
{
	/* What to take out: the installed version when known (it may have
	 * other filters than m), else m itself (e.g. after a restart). */
	const struct pctl_dp_mapping *out = old ? old : m;
	int err = 0;
	/* Only the lifetime changes: the elements stay, their timeouts are
	 * restarted by the ADD below. */
	bool in_place = kind == OP_REFRESH && old && c->feat.timeout_update &&
	                dp_elem_same(old, m);
	if (kind != OP_CREATE && !in_place)
		err = dp_elem_queue(&c->batch, c->table, out,
		                    c->feat.destroy_elem ? DP_ELEM_DESTROY
		                                         : DP_ELEM_DELETE);
	if (!err && kind != OP_REMOVE)
		err = dp_elem_queue(&c->batch, c->table, m, DP_ELEM_ADD);
	return err;
}

/* Queue one operation: the element messages go into the batch; the copy
 * kept in ops is what the store becomes at commit. */
static int queue(struct nft_ctx *c, enum op_kind kind,
                 const struct pctl_dp_mapping *m)
{
	if (c->n_ops == c->cap_ops) {
		size_t cap = c->cap_ops ? c->cap_ops * 2 : 16;
		struct pending *p = realloc(c->ops, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		c->ops = p;
		c->cap_ops = cap;
	}
	const struct pctl_dp_mapping *old = current_upto(c, m->id, c->n_ops);
	const struct pctl_dp_mapping *out = old ? old : m;
	struct dp_batch_mark mark;
	dp_batch_mark(&c->batch, &mark);
	int err = emit(c, kind, m, old);
	struct dp_map_entry *e = NULL;
	if (!err) {
		e = dp_map_entry_new(kind == OP_REMOVE ? out : m);
		if (!e)
			err = -ENOMEM;
	}
	if (err) {
		/* An operation that cannot be queued leaves no trace. */
		dp_batch_rollback(&c->batch, &mark);
		return err;
	}
	c->ops[c->n_ops++] = (struct pending){kind, e};
	return 0;
}

static int nft_create(void *ctx, const struct pctl_dp_mapping *m)
{
	return queue(ctx, OP_CREATE, m);
}

static int nft_refresh(void *ctx, const struct pctl_dp_mapping *m)
{
	return queue(ctx, OP_REFRESH, m);
}

static int nft_remove(void *ctx, const struct pctl_dp_mapping *m)
{
	return queue(ctx, OP_REMOVE, m);
}

static void nft_abort(void *ctx)
{
	struct nft_ctx *c = ctx;
	dp_batch_reset(&c->batch);
	drop_pending(c);
}

/* After the kernel took the batch: remember it, end the flows of removed
 * mappings (so that an inbound flow through them stops) and stretch the
 * conntrack timeout of flows a PEER mapping covers. */
static void applied(struct nft_ctx *c)
{
	const struct pctl_dp_mapping **gone =
	    calloc(c->n_ops ? c->n_ops : 1, sizeof(*gone));
	size_t n_gone = 0;
	for (size_t i = 0; i < c->n_ops; i++) {
		struct dp_map_entry *e = c->ops[i].e;
		if (c->ops[i].kind == OP_REMOVE) {
			dp_map_entry_free(
			    dp_mapstore_take(&c->installed, e->m.id));
			if (gone && !e->m.outbound)
				gone[n_gone++] = &e->m;
			continue;
		}
		if (e->m.outbound && c->ct)
			(void)dp_ct_set_timeout(
			    c->ct, e->m.protocol, &e->m.int_addr, e->m.int_port,
			    &e->m.remote_addr, e->m.remote_port, e->m.lifetime);
	}
	if (c->ct && n_gone)
		(void)dp_ct_kill(c->ct, gone, n_gone);
	free(gone);
	uint64_t now = now_ms();
	for (size_t i = 0; i < c->n_ops; i++) {
		if (c->ops[i].kind != OP_REMOVE) {
			c->ops[i].e->expires_ms =
			    now + (uint64_t)c->ops[i].e->m.lifetime * 1000u;
			/* ENOMEM here only costs the memory of the old
			 * filters; the kernel state is right. */
			(void)dp_mapstore_put(&c->installed, c->ops[i].e);
			c->ops[i].e = NULL;
		}
	}
	drop_pending(c);
}

/* Queue the table (chains, rules, sets) as it should be and every
 * installed mapping with the lifetime it has left: what another program's
 * flush or delete took away comes back in one transaction.  The number of
 * mappings queued, or -errno. */
static long queue_repair(struct nft_ctx *c)
{
	struct dp_layout_cfg lc = {c->table, c->ext_ifname, c->hairpin};
	int err = dp_layout_build(&c->batch, &lc);
	if (!err)
		err = dp_layout_flush_sets(&c->batch, c->table);
	long n = 0;
	uint64_t now = now_ms();
	for (size_t b = 0; !err && b < c->installed.n_buckets; b++)
		for (struct dp_map_entry *e = c->installed.buckets[b];
		     !err && e; e = e->next) {
			if (e->expires_ms <= now)
				continue; /* the engine is removing it */
			struct pctl_dp_mapping m = e->m;
			m.lifetime =
			    (uint32_t)((e->expires_ms - now + 999) / 1000u);
			err =
			    dp_elem_queue(&c->batch, c->table, &m, DP_ELEM_ADD);
			n++;
		}
	return err ? err : n;
}

/* Remember what happened for the next events() call to report. */
static void note_repair(struct nft_ctx *c, const struct dp_monitor_seen *s,
                        long r)
{
	char why[128] = "the kernel refused a change: part of it is missing";
	if (s->what)
		snprintf(why, sizeof(why), "%s deleted by another program",
		         s->what);
	if (s->pid) {
		size_t n = strlen(why);
		snprintf(why + n, sizeof(why) - n, " (%s, pid %u)",
		         s->comm[0] ? s->comm : "?", s->pid);
	}
	if (r < 0)
		snprintf(c->note, sizeof(c->note),
		         "table inet %s changed: %s; re-installing it failed: "
		         "%s",
		         c->table, why, strerror((int)-r));
	else
		snprintf(c->note, sizeof(c->note),
		         "table inet %s changed: %s; re-installed it with %ld "
		         "mappings",
		         c->table, why, r);
}

/* Re-install the table and every mapping, alone in one transaction. */
static long repair(struct nft_ctx *c, const struct dp_monitor_seen *s)
{
	dp_batch_reset(&c->batch);
	long r = queue_repair(c);
	if (r >= 0) {
		int err = dp_batch_send(c->nl, &c->batch);
		if (err)
			r = err;
	}
	dp_batch_reset(&c->batch);
	note_repair(c, s, r);
	return r;
}

/* Whether what the drain saw (and, for a commit, its error) means the
 * table lost something.  When notifications were lost (a burst of other
 * programs' changes can overrun the socket) or the kernel refused a commit
 * for a missing object, the table itself is read back: an ENOENT for an
 * element alone must not cost a full re-install. */
static bool table_lost(struct nft_ctx *c, struct dp_monitor_seen *s, int err)
{
	if (s->lost)
		return true;
	if ((s->overrun || err == -ENOENT) &&
	    dp_layout_present(c->nl, c->table) == 0) {
		if (s->overrun)
			s->what = "a chain, rule or set";
		return true;
	}
	return false;
}

static int nft_commit(void *ctx)
{
	struct nft_ctx *c = ctx;
	int err = dp_batch_send(c->nl, &c->batch);
	struct dp_monitor_seen seen = {0};
	if (err && c->mon)
		(void)dp_monitor_drain(c->mon, mnl_socket_get_portid(c->nl),
		                       &seen);
	if (err && table_lost(c, &seen, err)) {
		/* The table went away under us (an operator's flush): put
		 * it back with every mapping, then this commit's operations,
		 * all in one transaction, so that the request succeeds. */
		long r = queue_repair(c);
		for (size_t i = 0; r >= 0 && i < c->n_ops; i++) {
			const struct pctl_dp_mapping *m = &c->ops[i].e->m;
			int e = emit(c, c->ops[i].kind, m,
			             current_upto(c, m->id, i));
			if (e)
				r = e;
		}
		err = r < 0 ? (int)r : dp_batch_send(c->nl, &c->batch);
		dp_batch_reset(&c->batch);
		note_repair(c, &seen, err ? err : r);
	}
	if (err) {
		drop_pending(c);
		return err;
	}
	applied(c);
	return 0;
}

static int nft_reconcile(void *ctx, const struct pctl_dp_mapping *const *maps,
                         size_t n)
{
	struct nft_ctx *c = ctx;
	nft_abort(c);
	/* What the table holds now (kept from before a restart): its flows
	 * must end if the engine no longer has the mapping.  Best effort: a
	 * failed dump only leaves those flows to their conntrack timeout. */
	struct dp_dumped old = {0};
	bool have_old = dp_dump_inbound(c->nl, c->table, &old) == 0;
	/* Flush and refill in one transaction: stale elements go, missing
	 * ones come back, and packets never see a half-filled table. */
	int err = dp_layout_flush_sets(&c->batch, c->table);
	/* A mapping with no lifetime left is expiring now: restoring it
	 * would need a timeout of 0, which the kernel reads as "never". */
	for (size_t i = 0; !err && i < n; i++)
		if (maps[i]->lifetime)
			err = queue(c, OP_CREATE, maps[i]);
	if (!err)
		err = dp_batch_send(c->nl, &c->batch);
	if (err) {
		nft_abort(c);
		dp_dumped_free(&old);
		return err;
	}
	if (c->ct && have_old) {
		size_t n_stale = dp_dumped_stale(&old, maps, n);
		const struct pctl_dp_mapping **stale =
		    calloc(n_stale + 1, sizeof(*stale));
		for (size_t i = 0; stale && i < n_stale; i++)
			stale[i] = &old.maps[i];
		if (stale && n_stale)
			(void)dp_ct_kill(c->ct, stale, n_stale);
		free(stale);
	}
	dp_dumped_free(&old);
	/* And flows of mappings the kernel expired meanwhile. */
	if (c->ct)
		(void)dp_ct_reap(c->ct, maps, n);
	dp_mapstore_clear(&c->installed);
	applied(c);
	return 0;
}

/* After a damaged journal (server/backend.h, dump). */
static int nft_dump(void *ctx,
                    int (*cb)(void *arg, const struct pctl_dp_mapping *m),
                    void *arg)
{
	struct nft_ctx *c = ctx;
	return dp_dump_adoptable(c->nl, c->table, cb, arg);
}

static int nft_lookup_flow(void *ctx, uint8_t protocol,
                           const pctl_addr *int_addr, uint16_t int_port,
                           const pctl_addr *remote_addr, uint16_t remote_port,
                           struct pctl_dp_flow *out)
{
	struct nft_ctx *c = ctx;
	if (!c->ct)
		return -ENOTSUP;
	return dp_ct_lookup(c->ct, protocol, int_addr, int_port, remote_addr,
	                    remote_port, out);
}

/* S-52: what the conntrack table says about m's traffic; without
 * conntrack nothing can be said (the engine then refuses to shorten). */
static int nft_idle_left(void *ctx, const struct pctl_dp_mapping *m,
                         uint32_t *seconds)
{
	struct nft_ctx *c = ctx;
	if (!c->ct)
		return -ENOTSUP;
	return dp_ct_idle_left(c->ct, m, seconds);
}

static int nft_event_fd(void *ctx)
{
	struct nft_ctx *c = ctx;
	return c->mon ? dp_monitor_fd(c->mon) : -1;
}

static int nft_events(void *ctx, char *msg, size_t msglen)
{
	struct nft_ctx *c = ctx;
	struct dp_monitor_seen seen;
	int err = dp_monitor_drain(c->mon, mnl_socket_get_portid(c->nl), &seen);
	long r = 0;
	if (err)
		snprintf(c->note, sizeof(c->note),
		         "reading nftables notifications: %s", strerror(-err));
	else if (table_lost(c, &seen, 0))
		r = repair(c, &seen);
	if (!c->note[0])
		return 0;
	snprintf(msg, msglen, "%s", c->note);
	c->note[0] = '\0';
	return err ? err : r < 0 ? (int)r : 1;
}

static void free_ctx(struct nft_ctx *c)
{
	drop_pending(c);
	free(c->ops);
	dp_mapstore_clear(&c->installed);
	dp_batch_free(&c->batch);
	dp_ct_close(c->ct);
	dp_monitor_close(c->mon);
	if (c->nl)
		mnl_socket_close(c->nl);
	free(c->table);
	free(c->ext_ifname);
	free(c);
}

static void nft_destroy(void *ctx, bool keep_state)
{
	struct nft_ctx *c = ctx;
	nft_abort(c);
	if (!keep_state) {
		/* The table goes with every set, element and rule in it. */
		if (dp_layout_delete(&c->batch, c->table) == 0)
			(void)dp_batch_send(c->nl, &c->batch);
		const struct pctl_dp_mapping **all =
		    calloc(c->installed.count + 1, sizeof(*all));
		size_t n = 0;
		for (size_t b = 0; all && b < c->installed.n_buckets; b++)
			for (struct dp_map_entry *e = c->installed.buckets[b];
			     e; e = e->next)
				if (!e->m.outbound)
					all[n++] = &e->m;
		if (c->ct && n)
			(void)dp_ct_kill(c->ct, all, n);
		free(all);
	}
	free_ctx(c);
}

static const struct pctl_backend_ops nft_ops = {
    .name = "nftables",
    .create = nft_create,
    .refresh = nft_refresh,
    .remove = nft_remove,
    .commit = nft_commit,
    .abort = nft_abort,
    .reconcile = nft_reconcile,
    .lookup_flow = nft_lookup_flow,
    .idle_left = nft_idle_left,
    .dump = nft_dump,
    .event_fd = nft_event_fd,
    .events = nft_events,
    .destroy = nft_destroy,
};

int pctl_backend_nftables_open(const struct pctl_backend_config *cfg,
                               struct pctl_backend *out, char *err,
                               size_t errlen)
{
	const char *table = cfg->table && *cfg->table ? cfg->table : "portctl";
	if (strlen(table) >= 256) {
		snprintf(err, errlen, "nftables: table name too long");
		return -EINVAL;
	}
	if (cfg->ext_ifname &&
	    (!*cfg->ext_ifname || strlen(cfg->ext_ifname) >= IFNAMSIZ)) {
		snprintf(err, errlen, "nftables: bad external interface name");
		return -EINVAL;
	}
	struct nft_ctx *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "nftables: out of memory");
		return -ENOMEM;
	}
	dp_mapstore_init(&c->installed);
	c->hairpin = cfg->hairpin;
	c->table = strdup(table);
	c->ext_ifname = cfg->ext_ifname ? strdup(cfg->ext_ifname) : NULL;
	if (!c->table || (cfg->ext_ifname && !c->ext_ifname) ||
	    dp_batch_init(&c->batch)) {
		free_ctx(c);
		snprintf(err, errlen, "nftables: out of memory");
		return -ENOMEM;
	}
	c->nl = dp_nl_open();
	if (!c->nl) {
		int e = errno;
		free_ctx(c);
		snprintf(err, errlen, "nftables: netlink socket: %s",
		         strerror(e));
		return -e;
	}
	/* Conntrack is an extra (flow cleanup, PEER); without it mappings
	 * still work. */
	c->ct = dp_ct_open();
	/* Listening before the table is set up: nothing done to it after
	 * this point goes unnoticed. */
	c->mon = dp_monitor_open(c->table, mnl_socket_get_portid(c->nl));
	if (!c->mon) {
		int e = errno;
		free_ctx(c);
		snprintf(err, errlen, "nftables: notification socket: %s",
		         strerror(e));
		return -e;
	}
	struct dp_layout_cfg lc = {c->table, c->ext_ifname, c->hairpin};
	int r = dp_layout_build(&c->batch, &lc);
	if (!r)
		r = dp_batch_send(c->nl, &c->batch);
	if (r) {
		free_ctx(c);
		snprintf(err, errlen,
		         "nftables: cannot set up table inet %s: %s%s", table,
		         strerror(-r),
		         r == -EEXIST ? " (a table of that name with another "
		                        "layout exists; delete it)"
		                      : "");
		return r;
	}
	dp_nft_features_probe(c->nl, &c->batch, c->table, &c->feat);
	out->ops = &nft_ops;
	out->ctx = c;
	return 0;
}
