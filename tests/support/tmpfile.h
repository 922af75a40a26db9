/*
 * A temporary file for the unit tests that read files (portctld.conf,
 * machine-id): one at a time, written by pctl_test_write_file and removed
 * by the next write or by pctl_test_remove_file (a cmocka teardown).
 */
#ifndef PORTCTL_TEST_TMPFILE_H
#define PORTCTL_TEST_TMPFILE_H

/* Its path; empty while there is none. */
extern char pctl_test_path[64];

/* Replaces the file with one holding text (fails the test if it cannot). */
void pctl_test_write_file(const char *text);
/* Removes it; 0 (a cmocka teardown). */
int pctl_test_remove_file(void **state);

#endif
