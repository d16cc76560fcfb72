/*
 * tests/unit/support/tmpdir.h: a temporary directory for a group of tests, and the state
 * database path in it, made in setup and removed whole in teardown; files written into it.
 */
#ifndef VPCE_TEST_TMPDIR_H
#define VPCE_TEST_TMPDIR_H

#include <stddef.h>

/* Makes a new directory /tmp/vpce-TAG-XXXXXX into dir (cap bytes); when path is not NULL, sets
 * it (pcap bytes) to DIR/vpce.db. 0, or -1 when the directory cannot be made. */
int vpce_test_tmpdir_make(char *dir, size_t cap, const char *tag, char *path, size_t pcap);
/* Writes text to the file name (which may hold directories, made as needed) below dir; fails
 * the running test when it cannot. */
void vpce_test_write_file(const char *dir, const char *name, const char *text);
/* Removes dir and everything below it. 0, or -1 when something could not be removed. */
int vpce_test_tmpdir_remove(const char *dir);

#endif
