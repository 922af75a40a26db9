/* The unit tests' fake data plane (fake_dp.h). */
#include "fake_dp.h"

#include <errno.h>
#include <string.h>

/* cmocka must come after the standard headers it relies on. */
#include <setjmp.h>
#include <stdarg.h>

#include <cmocka.h>

/* 0, or the error of an injected failure (one fewer left). */
static int injected(struct fake_dp_fail *f)
{
	if (!f->times)
		return 0;
	if (f->times > 0)
		f->times--;
	return f->err ? f->err : -EIO;
}

static void queue(struct fake_dp *fd, const struct pctl_dp_mapping *m,
                  bool remove)
{
	fd->last = *m;
	fd->last_n_filters = m->n_filters;
	fd->last.filters = NULL;
	fd->pending++;
	if (!fd->keep_ids)
		return;
	assert_true(fd->n_queued < FAKE_DP_MAX_IDS);
	fd->queued[fd->n_queued] = m->id;
	fd->queued_remove[fd->n_queued++] = remove;
}

static void drop_queue(struct fake_dp *fd)
{
	fd->pend_delta = 0;
	fd->pending = 0;
	fd->n_queued = 0;
}

static int fd_create(void *ctx, const struct pctl_dp_mapping *m)
{
	struct fake_dp *fd = ctx;

	fd->creates++;
	int rc = injected(&fd->fail_create);
	if (rc)
		return rc;
	fd->pend_delta++;
	queue(fd, m, false);
	return 0;
}

static int fd_refresh(void *ctx, const struct pctl_dp_mapping *m)
{
	struct fake_dp *fd = ctx;

	fd->refreshes++;
	queue(fd, m, false);
	return 0;
}

static int fd_remove(void *ctx, const struct pctl_dp_mapping *m)
{
	struct fake_dp *fd = ctx;

	fd->removes++;
	fd->pend_delta--;
	queue(fd, m, true);
	return 0;
}

static void forget(struct fake_dp *fd, uint64_t id)
{
	for (size_t i = 0; i < fd->n_ids; i++)
		if (fd->ids[i] == id) {
			fd->ids[i] = fd->ids[--fd->n_ids];
			return;
		}
}

static int fd_commit(void *ctx)
{
	struct fake_dp *fd = ctx;

	fd->commits++;
	int rc = injected(&fd->fail_commit);
	if (rc) {
		drop_queue(fd);
		return rc;
	}
	fd->live += fd->pend_delta;
	for (size_t i = 0; i < fd->n_queued; i++) {
		forget(fd, fd->queued[i]);
		if (!fd->queued_remove[i]) {
			assert_true(fd->n_ids < FAKE_DP_MAX_IDS);
			fd->ids[fd->n_ids++] = fd->queued[i];
		}
	}
	drop_queue(fd);
	return 0;
}

static void fd_abort(void *ctx)
{
	struct fake_dp *fd = ctx;

	fd->aborts++;
	drop_queue(fd);
}

static int fd_reconcile(void *ctx, const struct pctl_dp_mapping *const *maps,
                        size_t n)
{
	struct fake_dp *fd = ctx;

	fd->reconciles++;
	int rc = injected(&fd->fail_reconcile);
	if (rc)
		return rc;
	fd->reconciled = n;
	fd->reconciled_ports = 0;
	fd->reconciled_lifetimes = 0;
	for (size_t i = 0; i < n; i++) {
		fd->reconciled_ports += maps[i]->ext_port;
		fd->reconciled_lifetimes += maps[i]->lifetime;
	}
	if (fd->keep_ids) {
		/* Like a data plane: afterwards it holds exactly these. */
		assert_true(n <= FAKE_DP_MAX_IDS);
		fd->n_ids = n;
		for (size_t i = 0; i < n; i++)
			fd->ids[i] = maps[i]->id;
	}
	return 0;
}

static int fd_lookup(void *ctx, uint8_t protocol, const pctl_addr *int_addr,
                     uint16_t int_port, const pctl_addr *remote_addr,
                     uint16_t remote_port, struct pctl_dp_flow *out)
{
	struct fake_dp *fd = ctx;

	(void)protocol;
	(void)int_addr;
	(void)int_port;
	(void)remote_addr;
	(void)remote_port;
	fd->lookups++;
	if (!fd->has_flow)
		return -ENOENT;
	*out = fd->flow;
	return 0;
}

static int fd_idle_left(void *ctx, const struct pctl_dp_mapping *m,
                        uint32_t *seconds)
{
	struct fake_dp *fd = ctx;

	fd->idle_calls++;
	fd->idle_asked = *m;
	fd->idle_asked.filters = NULL;
	fd->idle_asked.desc = NULL;
	fd->idle_asked.tpid = NULL;
	int rc = injected(&fd->fail_idle);
	if (rc)
		return rc;
	*seconds =
	    !fd->idle_port || fd->idle_port == m->int_port ? fd->idle : 0;
	return 0;
}

static int fd_dump(void *ctx,
                   int (*cb)(void *arg, const struct pctl_dp_mapping *m),
                   void *arg)
{
	struct fake_dp *fd = ctx;

	fd->dumps++;
	int rc = injected(&fd->fail_dump);
	if (rc)
		return rc;
	for (size_t i = 0; i < fd->n_dump; i++) {
		rc = cb(arg, &fd->dump[i]);
		if (rc)
			return rc;
	}
	return 0;
}

static void fd_destroy(void *ctx, bool keep_state)
{
	struct fake_dp *fd = ctx;

	fd->destroys++;
	fd->destroyed_keep_state = keep_state;
}

static const struct pctl_backend_ops fake_ops = {
    .name = "fake",
    .create = fd_create,
    .refresh = fd_refresh,
    .remove = fd_remove,
    .commit = fd_commit,
    .abort = fd_abort,
    .reconcile = fd_reconcile,
    .lookup_flow = fd_lookup,
    .idle_left = fd_idle_left,
    .dump = fd_dump,
    .destroy = fd_destroy,
};

struct pctl_backend fake_dp_backend(struct fake_dp *fd)
{
	return (struct pctl_backend){&fake_ops, fd};
}

struct pctl_backend fake_dp_backend_required(struct fake_dp *fd)
{
	static struct pctl_backend_ops required;

	required = fake_ops;
	required.lookup_flow = NULL;
	required.idle_left = NULL;
	required.dump = NULL;
	return (struct pctl_backend){&required, fd};
}
