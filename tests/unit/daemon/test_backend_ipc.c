/*
 * The network process's backend (daemon/backend_ipc.c) against the other
 * end of a socket pair standing in for the parent: operations wait for
 * their commit and leave with it, an abort of what never left says
 * nothing, a STOP that arrives before the answer is kept, and a malformed
 * answer ends the process (issue 16).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "backend_ipc.h"

static int sv[2];
static struct pctl_backend be;
static struct pctld_ipc_chan *chan;
static uint8_t buf[PCTLD_IPC_BUF_LEN];

static int setup(void **state)
{
	(void)state;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) ||
	    pctld_ipc_backend_open(sv[0], false, false, &be, &chan))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	be.ops->destroy(be.ctx, true);
	close(sv[1]);
	return 0;
}

/* The next packet the parent's end has, or 0 when none. */
static uint8_t next_type(void)
{
	ssize_t n = recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT);

	return n >= PCTLD_IPC_HDR_LEN ? buf[0] : 0;
}

static void answer(int err)
{
	size_t len = pctld_ipc_encode_u32(PCTLD_IPC_RESULT, (uint32_t)err, buf);

	assert_int_equal(send(sv[1], buf, len, 0), (ssize_t)len);
}

static struct pctl_dp_mapping map(uint64_t id)
{
	struct pctl_dp_mapping m = {
	    .id = id, .protocol = 17, .port_count = 1, .lifetime = 60};
	return m;
}

static void test_operations_leave_with_the_commit(void **state)
{
	struct pctl_dp_mapping a = map(1), b = map(2);

	(void)state;
	assert_int_equal(be.ops->create(be.ctx, &a), 0);
	assert_int_equal(be.ops->remove(be.ctx, &b), 0);
	assert_int_equal(next_type(), 0); /* held back */
	answer(0);                        /* waits in our queue */
	assert_int_equal(be.ops->commit(be.ctx), 0);
	assert_int_equal(next_type(), PCTLD_IPC_CREATE);
	assert_int_equal(next_type(), PCTLD_IPC_REMOVE);
	assert_int_equal(next_type(), PCTLD_IPC_COMMIT);
	assert_int_equal(next_type(), 0);
	/* The parent's refusal is the commit's result. */
	assert_int_equal(be.ops->create(be.ctx, &a), 0);
	answer(ENOSPC);
	assert_int_equal(be.ops->commit(be.ctx), -ENOSPC);
}

static void test_abort_of_what_never_left_says_nothing(void **state)
{
	struct pctl_dp_mapping a = map(3);

	(void)state;
	assert_int_equal(be.ops->create(be.ctx, &a), 0);
	be.ops->abort(be.ctx);
	assert_int_equal(next_type(), 0);
	/* Nothing of it goes with the next commit either. */
	answer(0);
	assert_int_equal(be.ops->commit(be.ctx), 0);
	assert_int_equal(next_type(), PCTLD_IPC_COMMIT);
}

static void test_stop_before_the_answer_is_kept(void **state)
{
	size_t len = pctld_ipc_encode_empty(PCTLD_IPC_STOP, buf);

	(void)state;
	assert_int_equal(send(sv[1], buf, len, 0), (ssize_t)len);
	answer(0);
	assert_false(chan->stop);
	assert_int_equal(be.ops->commit(be.ctx), 0);
	assert_true(chan->stop);
}

static void test_malformed_answer_ends_the_process(void **state)
{
	static const uint8_t junk[3] = {1, 2, 3};
	int st;
	pid_t pid;

	(void)state;
	assert_int_equal(send(sv[1], junk, sizeof(junk), 0), 3);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		be.ops->commit(be.ctx);
		_exit(0); /* not reached */
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_operations_leave_with_the_commit, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_abort_of_what_never_left_says_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stop_before_the_answer_is_kept,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_malformed_answer_ends_the_process, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
