/*
 * tests/fuzz/fuzz_parser.c: parses arbitrary bytes as a file and as an expression, formats them,
 * checks that formatting is a fixed point, and frees everything.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parser/parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_file *f = NULL;
    vpce_parse(&f, "fuzz.vpce", (const char *)data, size, &d);
    if (d.len) {
        /* rendering touches every range */
        FILE *sink = fopen("/dev/null", "w");
        if (sink) {
            vpce_diags_print(&d, sink, false);
            fclose(sink);
        }
    }
    vpce_file_free(f);
    vpce_diags_release(&d);

    vpce_ast_expr *e = NULL;
    vpce_parse_expr(&f, &e, "fuzz", (const char *)data, size, &d);
    vpce_file_free(f);
    vpce_diags_release(&d);

    char *out = NULL;
    if (vpce_fmt(&out, "fuzz.vpce", (const char *)data, size, &d) == 0) {
        char *again = NULL;
        vpce_diags d2 = VPCE_DIAGS_INIT;
        if (vpce_fmt(&again, "fuzz.vpce", out, strlen(out), &d2) != 0)
            abort(); /* formatted output must parse */
        if (strcmp(out, again) != 0)
            abort(); /* and be a fixed point */
        free(again);
        vpce_diags_release(&d2);
    }
    free(out);
    vpce_diags_release(&d);
    return 0;
}
