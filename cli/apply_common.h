/* cli/apply_common.h: what `vpce apply` and `vpce destroy` share: flags, planning or reading a
   saved plan, approval, crash recovery, the apply walk with its state hooks, outputs. */
#ifndef VPCE_CLI_APPLY_COMMON_H
#define VPCE_CLI_APPLY_COMMON_H

#include <jansson.h>
#include <stdbool.h>

struct vpce_config;
struct vpce_plan_providers;

/* Runs `vpce apply` (destroy false) or `vpce destroy` (destroy true); returns the exit code. */
int cli_apply_run(int argc, char **argv, bool destroy);

/*
 * Reads the object of every `import` block whose target address is not in the state document
 * doc yet (through the resource type's import operation) and appends its state entry to doc's
 * "resources", so that a plan made against doc treats it as managed. *out_entries (caller
 * frees; set even on failure) gets the same entries, for the caller to record once the plan is
 * approved. Prints a "Preparing import" line per object on stderr. Returns 0, or a negative code
 * after printing the error (an id that is not a string, a target missing from the
 * configuration, a type without import, the object not found).
 */
int cli_import_blocks(json_t *doc, const struct vpce_config *cfg, const json_t *vars,
                      const struct vpce_plan_providers *ps, json_t **out_entries);

#endif
