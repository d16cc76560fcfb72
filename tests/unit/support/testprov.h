/*
 * tests/unit/support/testprov.h: the "test" provider for planner tests. Resource types
 * test_thing (name required force-new, size, tags, policy JSON+POLICY, computed id, arn,
 * computed_value) and test_child (parent_id required force-new, value); data source
 * test_lookup (name required; computed value = "value-of-<name>"). Objects live in an
 * in-memory map with call counters, so tests can prove refresh batches its reads.
 */
#ifndef VPCE_TESTPROV_H
#define VPCE_TESTPROV_H

#include "planner/planner.h"
#include "providers/provider.h"

typedef struct testprov_counters {
    int configure;
    int create;
    int update;
    int del;
    int read_batch;          /* calls, all types */
    int read_batch_thing;    /* calls for test_thing */
    int read_batch_child;    /* calls for test_child */
    size_t read_batch_items; /* instances read, all calls */
    int read_data;
} testprov_counters;

/* Registers the provider type (idempotent) and empties the world and the counters. */
void testprov_register(void);
void testprov_reset(void);
testprov_counters *testprov_counters_get(void);

/* Makes every later read_batch fail with message (NULL: reads work again). Borrowed. */
void testprov_fail_reads(const char *message);

/* The remote object with id (borrowed; NULL if none); changing it simulates drift. */
json_t *testprov_remote(const char *id);
/* Removes the remote object with id (deleted behind vpce's back). */
void testprov_remote_delete(const char *id);
size_t testprov_remote_count(void);

/*
 * Applies plan p with the test provider, one change at a time in vpce_plan_apply_order(), and
 * returns the new state document (*out, new reference) built from p->prior. Changes whose
 * configuration still holds unknown values that depend on other resources are re-planned:
 * callers loop plan+apply until no change remains (testprov_converge does that).
 */
int testprov_apply(const vpce_plan *p, json_t **out);

struct vpce_config;
/* Plans and applies until the plan has no changes (at most max_rounds); *state is replaced.
   Returns the number of rounds that applied something, or -1 on error. */
int testprov_converge(const struct vpce_config *cfg, const json_t *vars, json_t **state,
                      int max_rounds, vpce_diags *diags);

/* Writes files (NULL-terminated name, text, name, text...) into a new temporary directory;
   returns its path (caller frees; remove with testprov_rmdir). */
char *testprov_tempdir(const char *const *files);
void testprov_rmdir(char *dir);

/* ---- helpers for planner tests ------------------------------------------------------------ */

/* Writes text as main.vpce into a new temp dir and loads it; fails the test on errors. The
   directory is removed at once (the config keeps its sources). */
struct vpce_config *testprov_load(const char *text);
/* Plans cfg against state (borrowed, may be NULL) with opts (NULL: no refresh); fails the test on
   errors (the diagnostics are printed). */
vpce_plan *testprov_plan(const struct vpce_config *cfg, const json_t *state,
                         const vpce_plan_opts *opts);
/* The change with address addr (borrowed), or NULL. */
vpce_change *testprov_change(const vpce_plan *p, const char *addr);
/* A state entry: type, name, index (JSON text or NULL), attributes (JSON text). New reference. */
json_t *testprov_entry(const char *type, const char *name, const char *index_json,
                       const char *attrs_json);
/* A state document holding the entries (NULL-terminated, references stolen). */
json_t *testprov_state(json_t *first, ...);

#endif
