/*
 * `vpce show` without a plan file: the current state as resource blocks and outputs, and as
 * JSON; sensitive outputs hidden in the text form.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state/state.h"
#include "util/util.h"

static char tmpdir[256];

static char *run(const char *cmd)
{
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    vpce_buf b = VPCE_BUF_INIT(1 << 24);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        vpce_buf_append(&b, chunk, n);
    pclose(f);
    return vpce_buf_detach(&b);
}

static void show_state(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/vpce-show-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    char *db = vpce_asprintf("%s/vpce.db", tmpdir);
    vpce_state *st = NULL;
    assert_int_equal(vpce_state_open(&st, db, true), 0);
    json_t *doc = json_loads(
        "{\"resources\":[{\"address\":\"aws_vpc.main\",\"mode\":\"managed\",\"type\":\"aws_vpc\","
        "\"name\":\"main\",\"index\":null,\"provider\":\"aws\",\"id\":\"vpc-1\","
        "\"schema_version\":0,\"attributes\":{\"id\":\"vpc-1\",\"cidr_block\":\"10.0.0.0/16\","
        "\"tags\":{\"Name\":\"main\"}},\"sensitive_attributes\":[],\"dependencies\":[]},"
        "{\"address\":\"aws_subnet.a[0]\",\"mode\":\"managed\",\"type\":\"aws_subnet\","
        "\"name\":\"a\",\"index\":0,\"provider\":\"aws\",\"id\":\"subnet-1\","
        "\"schema_version\":0,\"attributes\":{\"id\":\"subnet-1\",\"vpc_id\":\"vpc-1\"},"
        "\"sensitive_attributes\":[],\"dependencies\":[\"aws_vpc.main\"]}],"
        "\"outputs\":{\"vpc_id\":{\"value\":\"vpc-1\",\"sensitive\":false},"
        "\"token\":{\"value\":\"t0ps3cret\",\"sensitive\":true}}}",
        0, NULL);
    assert_non_null(doc);
    assert_int_equal(vpce_state_store(st, doc), 0);
    json_decref(doc);
    vpce_state_close(st);

    char *cmd = vpce_asprintf("'%s' show -no-color -state='%s'", VPCE_BINARY, db);
    char *out = run(cmd);
    if (getenv("VPCE_TEST_VERBOSE"))
        fputs(out, stderr);
    assert_non_null(strstr(out, "resource \"aws_vpc\" \"main\" {"));
    assert_non_null(strstr(out, "resource \"aws_subnet\" \"a\" {"));
    assert_non_null(strstr(out, "cidr_block = \"10.0.0.0/16\""));
    assert_non_null(strstr(out, "\nOutputs:\n\n"));
    assert_non_null(strstr(out, "vpc_id = \"vpc-1\"\n"));
    assert_non_null(strstr(out, "token = (sensitive value)\n"));
    assert_null(strstr(out, "t0ps3cret"));
    free(cmd);
    free(out);

    cmd = vpce_asprintf("'%s' show -json -state='%s'", VPCE_BINARY, db);
    out = run(cmd);
    json_t *j = json_loads(out, 0, NULL);
    assert_non_null(j);
    json_t *res =
        json_object_get(json_object_get(json_object_get(j, "values"), "root_module"), "resources");
    assert_int_equal(json_array_size(res), 2);
    json_t *sub = NULL;
    size_t i;
    json_t *r;
    json_array_foreach(res, i, r) if (strcmp(json_string_value(json_object_get(r, "address")),
                                             "aws_subnet.a[0]") == 0) sub = r;
    assert_non_null(sub);
    assert_int_equal(json_integer_value(json_object_get(sub, "index")), 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(sub, "values"), "id")),
                        "subnet-1");
    assert_true(json_is_true(json_object_get(
        json_object_get(json_object_get(json_object_get(j, "values"), "outputs"), "token"),
        "sensitive")));
    json_decref(j);
    free(cmd);
    free(out);

    /* -markdown needs a plan file. */
    cmd = vpce_asprintf("'%s' show -markdown -state='%s' 2>&1; echo \"exit=$?\"", VPCE_BINARY, db);
    out = run(cmd);
    assert_non_null(strstr(out, "-markdown needs a plan file"));
    assert_non_null(strstr(out, "exit=1"));
    free(cmd);
    free(out);

    char *rm = vpce_asprintf("rm -rf '%s'", tmpdir);
    assert_int_equal(system(rm), 0);
    free(rm);
    free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(show_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
