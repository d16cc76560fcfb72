/*
 * planner/graph.h (internal to planner/): a general directed acyclic graph with deterministic
 * ordering, and the configuration's reference graph built on it. The DAG knows nothing of AWS
 * or of configurations: nodes are names with a borrowed data pointer.
 */
#ifndef VPCE_PLANNER_GRAPH_H
#define VPCE_PLANNER_GRAPH_H

#include "planner/config.h"

/* Reading a graph (find, deps, topo, dot) never modifies it: several threads may read at once. */
typedef struct vpce_graph vpce_graph;

vpce_graph *vpce_graph_new(void);
void vpce_graph_free(vpce_graph *g);
/* Adds a node (name copied) and returns its index; an existing name returns its index. */
size_t vpce_graph_add(vpce_graph *g, const char *name, void *data);
/* Looks up a node's index; returns false when absent. */
bool vpce_graph_find(const vpce_graph *g, const char *name, size_t *out);
/* from depends on to (to must be done before from). Duplicate edges are ignored. */
void vpce_graph_depend(vpce_graph *g, size_t from, size_t to);
size_t vpce_graph_count(const vpce_graph *g);
const char *vpce_graph_name(const vpce_graph *g, size_t i);
void *vpce_graph_data(const vpce_graph *g, size_t i);
/* The nodes i depends on, sorted by name: *out borrowed, valid until the graph changes. */
void vpce_graph_deps(const vpce_graph *g, size_t i, const size_t **out, size_t *n);
/*
 * A topological order, dependencies first, ties broken by name so the order never depends on
 * insertion order. *out (caller frees) holds every node index. On a cycle returns VPCE_EINVALID
 * and *cycles (new reference) is an array of cycles, each an array of member names in order.
 */
int vpce_graph_topo(const vpce_graph *g, size_t **out, json_t **cycles);
/* The graph in Graphviz DOT, nodes and edges sorted; caller frees. */
char *vpce_graph_dot(const vpce_graph *g);

/*
 * The configuration's graph: a node per variable ("var.x"), local ("local.x"), resource
 * ("aws_vpc.main"), data source ("data.aws_region.r"), output ("output.x") and provider
 * configuration ("provider.aws", "provider.aws.west"), data pointing at the vpce_cfg_* struct;
 * edges from references and depends_on. References to undeclared objects and cycles are
 * reported to diags (a cycle names every member with its range). Returns 0 or VPCE_EINVALID.
 */
int vpce_config_graph(vpce_graph **out, const vpce_config *c, vpce_diags *diags);

#endif
