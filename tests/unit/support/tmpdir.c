/* tests/unit/support/tmpdir.c: see tmpdir.h. */
#define _XOPEN_SOURCE 700
#include "tests/unit/support/tmpdir.h"

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

int vpce_test_tmpdir_make(char *dir, size_t cap, const char *tag, char *path, size_t pcap)
{
    if ((size_t)snprintf(dir, cap, "/tmp/vpce-%s-XXXXXX", tag) >= cap || !mkdtemp(dir))
        return -1;
    if (path && (size_t)snprintf(path, pcap, "%s/vpce.db", dir) >= pcap)
        return -1;
    return 0;
}

void vpce_test_write_file(const char *dir, const char *name, const char *text)
{
    char path[1024];
    assert_true((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) < sizeof(path));
    for (char *s = strchr(path + strlen(dir) + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        mkdir(path, 0755);
        *s = '/';
    }
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
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
