/*
 * The "none" backend: keeps nothing outside the engine.  Every operation
 * succeeds, so the engine can run (and be tried out, and tested) without a
 * kernel data plane.
 */
#include <errno.h>
#include <stdlib.h>

#include "backend.h"

static int none_op(void *ctx, const struct pctl_dp_mapping *m)
{
	(void)ctx;
	(void)m;
	return 0;
}

static int none_commit(void *ctx)
{
	(void)ctx;
	return 0;
}

static void none_abort(void *ctx)
{
	(void)ctx;
}

static int none_reconcile(void *ctx, const struct pctl_dp_mapping *const *maps,
                          size_t n)
{
	(void)ctx;
	(void)maps;
	(void)n;
	return 0;
}

static void none_destroy(void *ctx, bool keep_state)
{
	(void)ctx;
	(void)keep_state;
}

static const struct pctl_backend_ops none_ops = {
    .name = "none",
    .create = none_op,
    .refresh = none_op,
    .remove = none_op,
    .commit = none_commit,
    .abort = none_abort,
    .reconcile = none_reconcile,
    .lookup_flow = NULL,
    .destroy = none_destroy,
};

int pctl_backend_none_open(const struct pctl_backend_config *cfg,
                           struct pctl_backend *out, char *err, size_t errlen)
{
	(void)cfg;
	(void)err;
	(void)errlen;
	if (!out)
		return -EINVAL;
	out->ops = &none_ops;
	out->ctx = NULL;
	return 0;
}
