/* Tests of the state store with module addresses: resources moved into and out of modules,
   whole modules moved, every instance of a for_each module moved, and the order of addresses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state/state.h"
#include "tests/unit/support/tmpdir.h"

static char dir[256];
static char path[320];

static int setup(void **ctx)
{
    (void)ctx;
    if (vpce_test_tmpdir_make(dir, sizeof(dir), "state-modules", path, sizeof(path)) != 0)
        return -1;
    return 0;
}

static int teardown(void **ctx)
{
    (void)ctx;
    return vpce_test_tmpdir_remove(dir);
}

static json_t *res(const char *address, const char *type, const char *name, json_t *index,
                   const char *id)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:o,s:s,s:s,s:{}}", "address", address, "mode", "managed",
                     "type", type, "name", name, "index", index ? index : json_null(), "provider",
                     "aws", "id", id, "attributes");
}

/* The addresses of the state, in its order, joined with spaces (caller frees). */
static char *addresses(vpce_state *st)
{
    json_t *doc = NULL;
    assert_int_equal(vpce_state_load(st, &doc), 0);
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(doc, "resources"), i, r)
        vpce_buf_printf(&b, "%s%s", i ? " " : "", json_string_value(json_object_get(r, "address")));
    json_decref(doc);
    return vpce_buf_detach(&b);
}

static void state_modules_move(void **ctx)
{
    (void)ctx;
    vpce_state *st = NULL;
    json_t *doc = json_object(), *rs = json_array(), *got = NULL;
    json_array_append_new(rs, res("aws_vpc.main", "aws_vpc", "main", NULL, "vpc-1"));
    json_array_append_new(rs, res("module.ep[\"s3\"].aws_vpc_endpoint.this", "aws_vpc_endpoint",
                                  "this", NULL, "vpce-1"));
    json_array_append_new(rs, res("module.ep[\"ddb\"].aws_vpc_endpoint.this", "aws_vpc_endpoint",
                                  "this", NULL, "vpce-2"));
    json_array_append_new(
        rs, res("module.net.aws_subnet.s[1]", "aws_subnet", "s", json_integer(1), "subnet-1"));
    json_array_append_new(
        rs, res("module.net.aws_subnet.s[0]", "aws_subnet", "s", json_integer(0), "subnet-0"));
    json_array_append_new(
        rs, res("module.net.module.rt.aws_route_table.rt", "aws_route_table", "rt", NULL, "rtb-1"));
    json_object_set_new(doc, "resources", rs);
    assert_int_equal(vpce_state_open(&st, path, true), 0);
    assert_int_equal(vpce_state_store(st, doc), 0);
    json_decref(doc);

    char *all = addresses(st);
    assert_string_equal(all, "aws_vpc.main module.ep[\"ddb\"].aws_vpc_endpoint.this "
                             "module.ep[\"s3\"].aws_vpc_endpoint.this "
                             "module.net.aws_subnet.s[0] module.net.aws_subnet.s[1] "
                             "module.net.module.rt.aws_route_table.rt");
    free(all);

    int moved = 0;
    /* A root resource into a module, and back out. */
    assert_int_equal(
        vpce_state_move_resource(st, "aws_vpc.main", "module.net.aws_vpc.this", &moved), 0);
    assert_int_equal(moved, 1);
    assert_int_equal(vpce_state_get_resource(st, "module.net.aws_vpc.this", &got), 0);
    assert_string_equal(json_string_value(json_object_get(got, "name")), "this");
    assert_string_equal(json_string_value(json_object_get(got, "id")), "vpc-1");
    json_decref(got);
    assert_int_equal(vpce_state_get_resource(st, "aws_vpc.main", &got), VPCE_ENOTFOUND);
    assert_int_equal(
        vpce_state_move_resource(st, "module.net.aws_vpc.this", "aws_vpc.main", &moved), 0);
    /* A whole resource out of a module, keeping its indexes. */
    assert_int_equal(
        vpce_state_move_resource(st, "module.net.aws_subnet.s", "aws_subnet.s", &moved), 0);
    assert_int_equal(moved, 2);
    assert_int_equal(vpce_state_get_resource(st, "aws_subnet.s[1]", &got), 0);
    assert_int_equal(json_integer_value(json_object_get(got, "index")), 1);
    json_decref(got);
    /* A whole module, with the modules inside it. */
    assert_int_equal(vpce_state_move_resource(st, "module.net", "module.core", &moved), 0);
    assert_int_equal(moved, 1);
    assert_int_equal(vpce_state_get_resource(st, "module.core.module.rt.aws_route_table.rt", &got),
                     0);
    json_decref(got);
    /* One instance of a for_each module into a module without for_each... */
    assert_int_equal(vpce_state_move_resource(st, "module.ep[\"s3\"]", "module.s3", &moved), 0);
    assert_int_equal(moved, 1);
    assert_int_equal(vpce_state_get_resource(st, "module.s3.aws_vpc_endpoint.this", &got), 0);
    json_decref(got);
    assert_int_equal(vpce_state_move_resource(st, "module.s3", "module.ep[\"s3\"]", &moved), 0);
    /* ...and every instance of a module call, each keeping its key. */
    assert_int_equal(vpce_state_move_resource(st, "module.ep", "module.endpoints", &moved), 0);
    assert_int_equal(moved, 2);

    all = addresses(st);
    assert_string_equal(all, "aws_subnet.s[0] aws_subnet.s[1] aws_vpc.main "
                             "module.core.module.rt.aws_route_table.rt "
                             "module.endpoints[\"ddb\"].aws_vpc_endpoint.this "
                             "module.endpoints[\"s3\"].aws_vpc_endpoint.this");
    free(all);

    /* Errors: nothing inside, a module to a resource, an existing destination. */
    assert_int_equal(vpce_state_move_resource(st, "module.nope", "module.x", NULL), VPCE_ENOTFOUND);
    assert_int_equal(vpce_state_move_resource(st, "module.core", "aws_vpc.x", NULL), VPCE_EINVALID);
    assert_int_equal(vpce_state_move_resource(st, "aws_subnet.s[0]", "aws_subnet.s[1]", NULL),
                     VPCE_EEXISTS);
    assert_int_equal(vpce_state_move_resource(st, "module.a[x].aws_vpc.v", "aws_vpc.v", NULL),
                     VPCE_EINVALID);
    char *mode = NULL, *type = NULL, *name = NULL;
    json_t *index = NULL;
    assert_int_equal(vpce_state_parse_address("module.a[\"k\"].data.aws_region.r[2]", &mode, &type,
                                              &name, &index),
                     0);
    assert_string_equal(mode, "data");
    assert_string_equal(type, "aws_region");
    assert_string_equal(name, "r");
    assert_int_equal(json_integer_value(index), 2);
    free(mode);
    free(type);
    free(name);
    json_decref(index);
    assert_int_equal(vpce_state_parse_address("module.a", NULL, NULL, NULL, NULL), VPCE_EINVALID);
    vpce_state_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(state_modules_move, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
