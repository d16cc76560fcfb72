/* cli/apply_common.h: what `vpce apply` and `vpce destroy` share: flags, planning or reading a
   saved plan, approval, crash recovery, the apply walk with its state hooks, outputs. */
#ifndef VPCE_CLI_APPLY_COMMON_H
#define VPCE_CLI_APPLY_COMMON_H

#include <stdbool.h>

/* Runs `vpce apply` (destroy false) or `vpce destroy` (destroy true); returns the exit code. */
int cli_apply_run(int argc, char **argv, bool destroy);

#endif
