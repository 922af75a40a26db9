/*
 * A temporary file for the unit tests (tmpfile.h).
 */
#include "tmpfile.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

char pctl_test_path[64];

void pctl_test_write_file(const char *text)
{
	int fd;
	FILE *f;

	if (pctl_test_path[0])
		unlink(pctl_test_path);
	strcpy(pctl_test_path, "/tmp/portctl-test-XXXXXX");
	fd = mkstemp(pctl_test_path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

int pctl_test_remove_file(void **state)
{
	(void)state;
	if (pctl_test_path[0])
		unlink(pctl_test_path);
	pctl_test_path[0] = '\0';
	return 0;
}
