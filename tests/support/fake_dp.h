/*
 * The one fake data plane of the unit tests: a pctl_backend (server/
 * backend.h) that records what the engine or the journal asks of it, holds
 * what was committed, and fails on request.  The code under test is always
 * real; only the data plane, the boundary the backend interface draws, is
 * replaced.
 */
#ifndef PORTCTL_TESTS_FAKE_DP_H
#define PORTCTL_TESTS_FAKE_DP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"

/* An injected failure: the next `times` calls of one operation return err
 * (-EIO when 0); FAKE_DP_ALWAYS: every call until the test clears it. */
struct fake_dp_fail {
	int times;
	int err;
};
#define FAKE_DP_ALWAYS (-1)

/* How many committed mapping ids it remembers when keep_ids is set. */
#define FAKE_DP_MAX_IDS 16384

struct fake_dp {
	/* Calls of each operation, failed ones included. */
	unsigned creates, refreshes, removes, commits, aborts, reconciles;
	unsigned lookups, idle_calls, dumps, destroys;

	struct fake_dp_fail fail_create, fail_commit, fail_reconcile;
	struct fake_dp_fail fail_idle, fail_dump;

	/* What was committed: live = creates - removes over the commits that
	 * succeeded; the queue is dropped by abort and by a failed commit
	 * (all or nothing). */
	long live;
	int pending;    /* operations queued since the last commit/abort */
	int pend_delta; /* change of live they would make */

	/* The last create/refresh/remove's mapping (pointers cleared). */
	struct pctl_dp_mapping last;
	size_t last_n_filters;

	/* The last reconcile: how many mappings, and the sums of their
	 * external ports and lifetimes (enough to tell the set handed over). */
	size_t reconciled;
	unsigned long reconciled_ports, reconciled_lifetimes;

	/* lookup_flow answers with flow when has_flow, -ENOENT otherwise. */
	bool has_flow;
	struct pctl_dp_flow flow;

	/* idle_left (S-52) answers `idle` seconds, for idle_port only when
	 * that is non-zero (0 for the other ports); the mapping it was last
	 * asked about is kept (pointers cleared). */
	uint32_t idle;
	uint16_t idle_port;
	struct pctl_dp_mapping idle_asked;

	/* dump reports these (what the kernel still holds). */
	const struct pctl_dp_mapping *dump;
	size_t n_dump;

	bool destroyed_keep_state;

	/* keep_ids: also hold the ids of the committed mappings, as a data
	 * plane would (a reconcile replaces them); the test fails when more
	 * than FAKE_DP_MAX_IDS are held or queued. */
	bool keep_ids;
	size_t n_ids;
	uint64_t ids[FAKE_DP_MAX_IDS];
	size_t n_queued;
	uint64_t queued[FAKE_DP_MAX_IDS];
	bool queued_remove[FAKE_DP_MAX_IDS];
};

/* A backend whose ctx is fd (which the caller zeroes first).  With every
 * operation; fake_dp_backend_required: without the optional lookup_flow,
 * idle_left and dump. */
struct pctl_backend fake_dp_backend(struct fake_dp *fd);
struct pctl_backend fake_dp_backend_required(struct fake_dp *fd);

#endif
