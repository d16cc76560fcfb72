/*
 * planner/plan_build.h (internal to the plan builder: plan.c, diff.c, refresh.c): attribute
 * comparison by schema, the instance diff, and the batched refresh of prior state.
 */
#ifndef VPCE_PLANNER_PLAN_BUILD_H
#define VPCE_PLANNER_PLAN_BUILD_H

#include "planner/planner.h"
#include "providers/provider.h"

/*
 * True if the attribute values x and y (borrowed, NULL = null) are the same by a's schema:
 * sets order-insensitive, null equal to an empty collection, JSON by meaning, IAM policies by
 * policy equivalence. An unknown equals nothing known.
 */
bool vpce_diff_attr_equal(const vpce_attr_schema *a, const json_t *x, const json_t *y);
/* The same for a nested block's value (an object, a list or a set of objects). */
bool vpce_diff_block_equal(const vpce_nested_block *b, const json_t *x, const json_t *y);

/*
 * Compares a planned object with its prior one by schema. *changed is set when any attribute
 * or block differs; the top-level names whose change forces a replacement are appended to
 * replace_paths (an array) as one-element paths [["cidr_block"]].
 */
void vpce_diff_instance(const vpce_block_schema *s, const json_t *prior, const json_t *planned,
                        json_t *replace_paths, bool *changed);

/*
 * Where an attribute or block of planned is equal to prior's by schema but written
 * differently (an equivalent policy, a set in another order), planned takes the prior value,
 * so nothing spurious shows in the plan. Modifies planned in place.
 */
void vpce_diff_keep_prior_equivalent(const vpce_block_schema *s, const json_t *prior,
                                     json_t *planned);

/*
 * Refreshes every managed instance of state_doc (modified in place) with one read_batch call
 * per resource type and provider configuration. Instances gone are removed; differences are
 * appended to drift as {address, mode, type, name, index, provider, actions, before, after}.
 * Types without read_batch are left as they are. Returns 0 or a provider's negative code (its
 * message set).
 */
int vpce_refresh_state(json_t *state_doc, const vpce_plan_providers *ps, json_t *drift);

/*
 * Makes the moves of cfg's moved blocks on the state document doc (modified in place; it must
 * not be shared): every managed instance under a statement's `from` gets the address under
 * `to` (chains followed), unless an object is already there (a warning). previous gets new
 * address -> the address before the first move (a new string the map's owner frees). State
 * dependencies are renamed too. Returns 0.
 */
struct vpce_config;
/* Whether any module of the tree has moved blocks. */
bool vpce_plan_has_moves(const struct vpce_config *cfg);
int vpce_plan_moves(json_t *doc, const struct vpce_config *cfg, vpce_map *previous,
                    vpce_diags *diags);

#endif
