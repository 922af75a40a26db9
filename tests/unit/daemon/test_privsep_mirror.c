/*
 * The parent's copy of the network process's mappings
 * (daemon/privsep_mirror.c): ids translated both ways, operations applied at
 * commit and dropped at abort, a hand-over bound again by a new network
 * process, and what it did not bind given back for removal.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ipc_msg.h"
#include "privsep_mirror.h"

#define NOW 1000000

static struct pctl_dp_mapping map(uint64_t id, uint16_t port)
{
	struct pctl_dp_mapping m = {.id = id,
	                            .protocol = 6,
	                            .int_port = port,
	                            .ext_port = port,
	                            .port_count = 1,
	                            .lifetime = 600};
	return m;
}

static void test_ids_translated_at_commit(void **state)
{
	struct pctld_mirror mi = {0};
	struct pctl_dp_mapping a = map(77, 1000), b = map(78, 1001);
	uint64_t pid;

	(void)state;
	/* The first start's mapping, parent id 5. */
	struct pctl_dp_mapping old = map(5, 999);
	assert_int_equal(pctld_mirror_add(&mi, &old, NOW), 0);
	assert_int_equal(pctld_mirror_handover(&mi), 0);
	assert_int_equal(pctld_mirror_bind(&mi, 5, 40), 0);
	/* New ids come after the largest the parent knows. */
	assert_int_equal(pctld_mirror_queue(&mi, PCTLD_IPC_CREATE, &a, NOW), 0);
	assert_true(a.id == 6);
	/* Queued: the refresh of a created-but-uncommitted mapping finds
	 * it; the live set does not have it yet. */
	b.id = 77;
	assert_int_equal(pctld_mirror_queue(&mi, PCTLD_IPC_REFRESH, &b, NOW),
	                 0);
	assert_true(b.id == 6);
	assert_int_equal(mi.live.n, 1);
	pctld_mirror_commit(&mi);
	assert_int_equal(mi.live.n, 2);
	assert_int_equal(pctld_mirror_parent_id(&mi, 77, &pid), 0);
	assert_true(pid == 6);
	assert_int_equal(pctld_mirror_parent_id(&mi, 40, &pid), 0);
	assert_true(pid == 5);
	/* Unknown ids are the network process's error. */
	b.id = 12345;
	assert_int_equal(pctld_mirror_queue(&mi, PCTLD_IPC_REMOVE, &b, NOW),
	                 -EPROTO);
	b.id = 40;
	assert_int_equal(pctld_mirror_queue(&mi, PCTLD_IPC_CREATE, &b, NOW),
	                 -EPROTO);
	pctld_mirror_free(&mi);
}

static void test_abort_and_remove(void **state)
{
	struct pctld_mirror mi = {0};
	struct pctl_dp_mapping a = map(1, 1000);
	uint64_t pid;

	(void)state;
	assert_int_equal(pctld_mirror_queue(&mi, PCTLD_IPC_CREATE, &a, NOW), 0);
	pctld_mirror_abort(&mi);
	assert_int_equal(mi.live.n, 0);
	assert_int_equal(pctld_mirror_parent_id(&mi, 1, &pid), -EPROTO);
	a.id = 1;
	assert_int_equal(pctld_mirror_queue(&mi, PCTLD_IPC_CREATE, &a, NOW), 0);
	pctld_mirror_commit(&mi);
	a.id = 1;
	assert_int_equal(pctld_mirror_queue(&mi, PCTLD_IPC_REMOVE, &a, NOW), 0);
	/* Removed in the queue: no further operation on it. */
	a.id = 1;
	assert_int_equal(pctld_mirror_queue(&mi, PCTLD_IPC_REFRESH, &a, NOW),
	                 -EPROTO);
	pctld_mirror_commit(&mi);
	assert_int_equal(mi.live.n, 0);
	pctld_mirror_free(&mi);
}

struct seen {
	size_t n;
	uint64_t id;
	uint32_t lifetime;
};

static void note(void *arg, const struct pctl_dp_mapping *dp)
{
	struct seen *s = arg;

	s->n++;
	s->id = dp->id;
	s->lifetime = dp->lifetime;
}

static void test_handover_rebinds_and_drops_the_rest(void **state)
{
	struct pctld_mirror mi = {0};
	struct pctl_dp_mapping a = map(10, 1000), b = map(11, 1001);
	struct seen seen = {0};

	(void)state;
	assert_int_equal(pctld_mirror_queue(&mi, PCTLD_IPC_CREATE, &a, NOW), 0);
	assert_int_equal(pctld_mirror_queue(&mi, PCTLD_IPC_CREATE, &b, NOW), 0);
	pctld_mirror_commit(&mi);
	/* The network process died; its successor restores a only. */
	assert_int_equal(pctld_mirror_handover(&mi), 0);
	assert_int_equal(mi.n_handed, 2);
	assert_int_equal(mi.live.n, 0);
	assert_int_equal(pctld_mirror_bind(&mi, a.id, 500), 0);
	/* Twice, or something never handed: refused. */
	assert_int_equal(pctld_mirror_bind(&mi, a.id, 501), -EPROTO);
	assert_int_equal(pctld_mirror_bind(&mi, 999, 502), -EPROTO);
	pctld_mirror_drop_unbound(&mi, NOW + 100, note, &seen);
	assert_int_equal(seen.n, 1);
	assert_true(seen.id == b.id);
	assert_int_equal(seen.lifetime, 500);
	assert_int_equal(mi.n_handed, 0);
	assert_int_equal(mi.live.n, 1);
	pctld_mirror_free(&mi);
}

static void test_lifetime_left(void **state)
{
	(void)state;
	assert_int_equal(pctld_mirror_lifetime_left(NOW + 10, NOW), 10);
	assert_int_equal(pctld_mirror_lifetime_left(NOW, NOW), 0);
	assert_true(pctld_mirror_lifetime_left(PCTLD_JR_NEVER, NOW) ==
	            PCTL_LIFETIME_STATIC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ids_translated_at_commit),
	    cmocka_unit_test(test_abort_and_remove),
	    cmocka_unit_test(test_handover_rebinds_and_drops_the_rest),
	    cmocka_unit_test(test_lifetime_left),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
