/*
 * config/config_internal.h (internal to config/): steps of vpce_config_load_dir that live in
 * their own files.
 */
#ifndef VPCE_CONFIG_INTERNAL_H
#define VPCE_CONFIG_INTERNAL_H

#include "config/config.h"

/* Works out which local values are sensitive (kept in each vpce_cfg_local) and reports every
   output whose value is sensitive without sensitive = true. */
void vpce_config_check_sensitive(vpce_config *c, vpce_diags *diags);

#endif
