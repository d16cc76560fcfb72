#!/bin/sh
# Plan benchmark: `vpce plan -refresh=false` over a generated configuration of N resources
# against a state of the same size (half unchanged, a quarter changed, a quarter new).
# Prints wall time (s) and peak memory (KB) per N.
#
# usage: bench/plan_bench.sh [BUILD_DIR] [N...]      (default N: 1000 10000)
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRC/build}
[ $# -gt 0 ] && shift
SIZES=${*:-1000 10000}
# The aws provider wants credentials to configure; nothing is sent anywhere without refresh
# (the generated provider block skips the credential validation through STS).
export AWS_ACCESS_KEY_ID=AKIDBENCH AWS_SECRET_ACCESS_KEY=bench AWS_REGION=eu-west-1
WORK=$(mktemp -d /tmp/vpce-plan-bench-XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# A small helper, built against the project's libraries, that writes the state through the
# state API: it plans the configuration against an empty state, fills what would be known
# after apply, and stores three quarters of the instances (one in three of those with a
# changed tag, so that half are unchanged and a quarter changed).
cat > "$WORK/mkstate.c" <<'C'
#include "config/config.h"
#include "planner/planner.h"
#include "state/state.h"
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static void fill_unknowns(json_t *obj, const char *addr)
{
    const char *k;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(obj, tmp, k, v)
    {
        if (vpce_is_unknown(v))
            json_object_set_new(obj, k, json_sprintf("%s-%s", k, addr));
    }
}

int main(int argc, char **argv)
{
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_config *cfg = NULL;
    vpce_plan *p = NULL;
    json_t *vars = NULL;
    if (argc != 3 || vpce_config_load_dir(&cfg, argv[1], &d) < 0 ||
        vpce_config_vars(&vars, cfg, NULL, NULL, 0, &d) < 0) {
        vpce_diags_print(&d, stderr, false);
        return 1;
    }
    vpce_plan_opts o = {0};
    if (vpce_plan_make(&p, cfg, vars, NULL, &o, &d) < 0) {
        vpce_diags_print(&d, stderr, false);
        return 1;
    }
    /* Known ids first, so references resolve in the stored attributes. */
    json_t *doc = json_object();
    json_t *res = json_array();
    for (size_t i = 0; i < p->nchanges; i++) {
        vpce_change *c = p->changes[i];
        bool vpc = strcmp(c->type, "aws_vpc") == 0;
        if (i % 4 == 3 && !vpc)
            continue; /* a quarter new */
        json_t *attrs = json_deep_copy(c->after);
        fill_unknowns(attrs, c->address);
        if (json_is_object(json_object_get(attrs, "vpc_id")) || json_is_string(json_object_get(attrs, "vpc_id")))
            json_object_set_new(attrs, "vpc_id", json_string("id-aws_vpc.main"));
        if (i % 4 == 2 && !vpc) /* a quarter changed */
            json_object_set_new(attrs, "tags", json_pack("{s:s}", "Name", "old"));
        json_t *e = json_pack("{s:s,s:s,s:s,s:s,s:n,s:s,s:O,s:i,s:o,s:[],s:[]}", "address",
                              c->address, "mode", c->mode, "type", c->type, "name", c->name,
                              "index", "provider", c->provider, "id",
                              json_object_get(attrs, "id"), "schema_version", 0, "attributes",
                              attrs, "sensitive_attributes", "dependencies");
        json_array_append_new(res, e);
    }
    json_object_set_new(doc, "resources", res);
    json_object_set_new(doc, "outputs", json_object());
    vpce_state *st = NULL;
    if (vpce_state_open(&st, argv[2], true) < 0 || vpce_state_store(st, doc) < 0) {
        fprintf(stderr, "state: %s\n", vpce_error_last());
        return 1;
    }
    vpce_state_close(st);
    printf("stored %zu of %zu instances\n", json_array_size(res), p->nchanges);
    json_decref(doc);
    json_decref(vars);
    vpce_plan_free(p);
    vpce_config_free(cfg);
    vpce_diags_release(&d);
    return 0;
}
C
cc -O2 -std=gnu11 -D_GNU_SOURCE -I"$SRC" -I"$BUILD" "$WORK/mkstate.c" -o "$WORK/mkstate" \
    "$BUILD/libvpce_planner.a" "$BUILD/libvpce_config.a" "$BUILD/libvpce_lang.a" "$BUILD/libvpce_state.a" "$BUILD/libvpce_providers.a" \
    "$BUILD/libvpce_parser.a" "$BUILD/libvpce_util.a" \
    $(pkg-config --libs jansson sqlite3 libcurl libcrypto libxml-2.0) -lm -lpthread

for n in $SIZES; do
    dir="$WORK/n$n"
    python3 "$SRC/bench/plan_gen.py" "$n" "$dir"
    "$WORK/mkstate" "$dir" "$dir/vpce.db" >/dev/null
    # warm the page cache, then measure
    "$BUILD/vpce" plan "$dir" -refresh=false -no-color >/dev/null 2>&1 || true
    /usr/bin/time -f '%e %M' -o "$WORK/time" "$BUILD/vpce" plan "$dir" -refresh=false \
        -no-color -detailed-exitcode >"$WORK/out" 2>"$WORK/err" || rc=$?
    summary=$(grep '^Plan:' "$WORK/out" || true)
    secs=$(tail -n 1 "$WORK/time" | cut -d' ' -f1)
    kb=$(tail -n 1 "$WORK/time" | cut -d' ' -f2)
    printf 'N=%-6s wall=%ss peak=%sMB  %s\n' "$n" "$secs" "$((kb / 1024))" "$summary"
done
