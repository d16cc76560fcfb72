/*
 * tests/fuzz/fuzz_state.c: opens arbitrary bytes as a state database and loads it; a damaged or
 * hostile file must give an error, never a crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "state/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/vpce-fuzz-state-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        unlink(path);
        return 0;
    }
    close(fd);
    vpce_state *st = NULL;
    if (vpce_state_open(&st, path, false) == 0) {
        json_t *doc = NULL;
        if (vpce_state_load(st, &doc) == 0) {
            if (!json_is_object(doc))
                abort(); /* a load that succeeds gives a document */
            size_t i;
            json_t *r;
            /* ... and never reads a damaged row as an empty one */
            json_array_foreach(json_object_get(doc, "resources"), i, r)
            {
                if (!json_is_object(json_object_get(r, "attributes")) ||
                    !json_is_array(json_object_get(r, "dependencies")))
                    abort();
            }
        }
        json_decref(doc);
        json_t *journal = NULL;
        if (vpce_state_journal_list(st, &journal) == 0)
            json_decref(journal);
        vpce_state_close(st);
    }
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        char file[64];
        snprintf(file, sizeof(file), "%s%s", path, suffixes[i]);
        unlink(file);
    }
    return 0;
}
