/*
 * config/config_internal.h (internal to config/): steps of vpce_config_load_dir that live in
 * their own files: loading one module directory (config.c), the module tree built from it
 * (modules.c), sensitivity (sensitive.c).
 */
#ifndef VPCE_CONFIG_INTERNAL_H
#define VPCE_CONFIG_INTERNAL_H

#include "config/config.h"

/* Works out which local values are sensitive (kept in each vpce_cfg_local) and reports every
   output whose value is sensitive without sensitive = true. */
void vpce_config_check_sensitive(vpce_config *c, vpce_diags *diags);

/* A new, empty module: the root (parent NULL) or the module `call` of parent loads. */
vpce_config *config_new(const char *dir, vpce_config *parent, const vpce_cfg_module_call *call);

/*
 * Parses and decodes the files of c->dir into c: its *.vpce files, or its *.tf files when it
 * has none. Problems without a place of their own are reported at where.
 * *syntax_errors is set after a syntax error. Returns 0 or VPCE_EINVALID when the directory cannot
 * be read or holds no configuration file.
 */
int config_load_files(vpce_config *c, vpce_range where, bool *syntax_errors, vpce_diags *diags);

/* Loads the modules root calls, recursively, and checks what needs the whole tree. */
void config_load_modules(vpce_config *root, bool *syntax_errors, vpce_diags *diags);

#endif
