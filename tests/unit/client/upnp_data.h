/*
 * The UPnP codec tests' material (upnp_data/: real devices' answers, see
 * upnp_data/capture.sh): a file read whole into a buffer.  Header-only
 * because every tests/unit/client/test_*.c is built on its own.
 */
#ifndef PORTCTL_TEST_CLIENT_UPNP_DATA_H
#define PORTCTL_TEST_CLIENT_UPNP_DATA_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Reads UPNP_DATA/name (NUL-terminated, *len without the NUL); the caller
 * frees it.  Fails the test when the file is missing. */
static inline char *upnp_data(const char *name, size_t *len)
{
	char path[512];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", UPNP_DATA, name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

#endif
