/* tests/unit/support/tmpdir.c: see tmpdir.h. */
#define _XOPEN_SOURCE 700
#include "tests/unit/support/tmpdir.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

int vpce_test_tmpdir_make(char *dir, size_t cap, const char *tag, char *path, size_t pcap)
{
    if ((size_t)snprintf(dir, cap, "/tmp/vpce-%s-XXXXXX", tag) >= cap || !mkdtemp(dir))
        return -1;
    if (path && (size_t)snprintf(path, pcap, "%s/vpce.db", dir) >= pcap)
        return -1;
    return 0;
}

static int remove_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p) == 0 ? 0 : -1;
}

int vpce_test_tmpdir_remove(const char *dir)
{
    return nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}
