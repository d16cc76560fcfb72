/*
 * planner/apply_graph.h (internal to planner/: apply.c, apply_graph.c): the steps of applying a
 * plan and the order between them, shared by the parallel walk and vpce_plan_apply_order().
 *
 * A change is one step (create, update, read, delete) or two (a replacement: its delete and its
 * create, in the order of its action). For a change x that depends on y:
 *  - x's create, update or read waits for y's create or update (x needs y's new values);
 *  - y's delete waits for x's delete (what uses an object goes first), the dependencies
 *    recorded in x's prior state included;
 *  - y's delete waits for x's update (the update may stop using y), unless the update needs
 *    the object that replaces y;
 *  - the old object of a create-then-delete y is deleted after what uses y has moved on.
 */
#ifndef VPCE_PLANNER_APPLY_GRAPH_H
#define VPCE_PLANNER_APPLY_GRAPH_H

#include "planner/planner.h"

typedef struct vpce_apply_graph {
    vpce_apply_step *steps;
    size_t nsteps;
    vpce_vec *next;    /* per step: (step index + 1) of the steps waiting for it */
    size_t *waits;     /* per step: how many steps it waits for */
    bool *after_write; /* per step: waits for a create or update of this apply */
} vpce_apply_graph;

/* Builds the steps of p's changes (no-ops left out) and their order. Release with
   vpce_apply_graph_release(). */
void vpce_apply_graph_build(vpce_apply_graph *g, const vpce_plan *p);
void vpce_apply_graph_release(vpce_apply_graph *g);

#endif
