/*
 * tests/unit/support/sim.h: starts and stops the EC2 simulator (tests/ec2sim/ec2sim.py, path in
 * the VPCE_SIM environment variable that ctest sets) from C tests, and talks to its unsigned
 * JSON control endpoint under /_sim/ (plain sockets: tests stay free of curl).
 */
#ifndef VPCE_TEST_SIM_H
#define VPCE_TEST_SIM_H

#include <stdbool.h>
#include <sys/types.h>

#include <jansson.h>

typedef struct vpce_sim {
    pid_t pid;
    int port;
    char endpoint[64]; /* "http://127.0.0.1:PORT" */
    char dir[256];     /* temporary directory holding the port file */
} vpce_sim;

/*
 * Starts `python3 $VPCE_SIM --port 0 --port-file F [extra_args...]` (extra_args NULL-terminated,
 * may be NULL) and waits up to 20 s for the port. Returns 0, or -1 (with a message on stderr)
 * when VPCE_SIM is unset or the simulator did not come up.
 */
int vpce_sim_start(vpce_sim *s, const char *const *extra_args);
/* Stops the simulator (SIGTERM, then SIGKILL after 5 s) and removes its directory. */
void vpce_sim_stop(vpce_sim *s);
/* GET or POST (body may be NULL) a control path such as "/_sim/counts"; returns the parsed JSON
 * answer (new reference) or NULL. */
json_t *vpce_sim_get(vpce_sim *s, const char *path);
json_t *vpce_sim_post(vpce_sim *s, const char *path, const char *json_body);
/* counts["errors"][code] or counts["actions"][action] as an integer (0 when absent); with group
 * NULL a top-level count such as "dropped" or "total". */
long vpce_sim_count(vpce_sim *s, const char *group, const char *key);

#endif
