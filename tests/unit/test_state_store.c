/* Tests of the state store: the document round trip, put/remove/move, serial and lineage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state/state.h"
#include "tests/unit/support/tmpdir.h"

static char dir[256];
static char path[320];

static int setup(void **ctx)
{
    (void)ctx;
    if (vpce_test_tmpdir_make(dir, sizeof(dir), "state-store", path, sizeof(path)) != 0)
        return -1;
    return 0;
}

static int teardown(void **ctx)
{
    (void)ctx;
    return vpce_test_tmpdir_remove(dir);
}

static json_t *sample_doc(void)
{
    json_error_t err;
    json_t *doc = json_loads(
        "{\"resources\": ["
        " {\"address\": \"aws_subnet.private[0]\", \"mode\": \"managed\", \"type\": \"aws_subnet\","
        "  \"name\": \"private\", \"index\": 0, \"provider\": \"aws\", \"id\": \"subnet-1\","
        "  \"schema_version\": 1, \"attributes\": {\"cidr_block\": \"10.0.1.0/24\", \"tags\": "
        "{\"Name\": \"p0\"}}, \"sensitive_attributes\": [], \"dependencies\": [\"aws_vpc.main\"]},"
        " {\"address\": \"aws_vpc.main\", \"mode\": \"managed\", \"type\": \"aws_vpc\","
        "  \"name\": \"main\", \"index\": null, \"provider\": \"aws.west\", \"id\": \"vpc-1\","
        "  \"schema_version\": 0, \"attributes\": {\"cidr_block\": \"10.0.0.0/16\", \"n\": 1.5,"
        "  \"list\": [1, \"a\", null, true]}, \"sensitive_attributes\": [\"secret\"],"
        "  \"dependencies\": []},"
        " {\"address\": \"aws_vpc_endpoint.if[\\\"ssm\\\"]\", \"mode\": \"managed\","
        "  \"type\": \"aws_vpc_endpoint\", \"name\": \"if\", \"index\": \"ssm\","
        "  \"provider\": \"aws\", \"id\": null, \"schema_version\": 0, \"attributes\": {},"
        "  \"sensitive_attributes\": [], \"dependencies\": []},"
        " {\"address\": \"data.aws_region.current\", \"mode\": \"data\", \"type\": \"aws_region\","
        "  \"name\": \"current\", \"index\": null, \"provider\": \"aws\", \"id\": \"us-east-1\","
        "  \"schema_version\": 0, \"attributes\": {\"name\": \"us-east-1\"},"
        "  \"sensitive_attributes\": [], \"dependencies\": []}"
        "], \"outputs\": {\"vpc_id\": {\"value\": \"vpc-1\", \"sensitive\": false},"
        " \"token\": {\"value\": {\"a\": [1]}, \"sensitive\": true}}}",
        0, &err);
    assert_non_null(doc);
    return doc;
}

static void state_store_round_trip(void **ctx)
{
    (void)ctx;
    vpce_state *st = NULL;
    json_t *doc = sample_doc(), *loaded = NULL;
    assert_int_equal(vpce_state_open(&st, path, true), 0);
    const char *lineage = vpce_state_lineage(st);
    assert_int_equal(strlen(lineage), 36);
    assert_int_equal(lineage[14], '4');
    int64_t serial = -1;
    assert_int_equal(vpce_state_serial(st, &serial), 0);
    assert_int_equal(serial, 0);

    assert_int_equal(vpce_state_store(st, doc), 0);
    assert_int_equal(vpce_state_load(st, &loaded), 0);
    assert_string_equal(json_string_value(json_object_get(loaded, "lineage")), lineage);
    assert_int_equal(json_integer_value(json_object_get(loaded, "serial")), 1);
    /* resources come back sorted by address with exactly the keys given */
    json_t *res = json_object_get(loaded, "resources");
    assert_int_equal(json_array_size(res), 4);
    assert_string_equal(json_string_value(json_object_get(json_array_get(res, 0), "address")),
                        "aws_subnet.private[0]");
    assert_string_equal(json_string_value(json_object_get(json_array_get(res, 3), "address")),
                        "data.aws_region.current");
    json_t *want = json_object_get(doc, "resources");
    for (size_t i = 0; i < json_array_size(want); i++) {
        json_t *w = json_array_get(want, i);
        json_t *got = NULL;
        assert_int_equal(
            vpce_state_get_resource(st, json_string_value(json_object_get(w, "address")), &got), 0);
        assert_true(json_equal(w, got));
        json_decref(got);
    }
    assert_true(json_equal(json_object_get(doc, "outputs"), json_object_get(loaded, "outputs")));
    json_decref(loaded);
    vpce_state_close(st);

    /* reopening gives the same lineage and document */
    assert_int_equal(vpce_state_open(&st, path, false), 0);
    assert_int_equal(vpce_state_load(st, &loaded), 0);
    assert_int_equal(json_integer_value(json_object_get(loaded, "serial")), 1);
    assert_int_equal(json_array_size(json_object_get(loaded, "resources")), 4);
    json_decref(loaded);

    /* a document of another lineage is refused */
    json_object_set_new(doc, "lineage", json_string("00000000-0000-4000-8000-000000000000"));
    assert_int_equal(vpce_state_store(st, doc), VPCE_EINVALID);
    vpce_state_close(st);
    json_decref(doc);
}

static void state_store_put_remove_serial(void **ctx)
{
    (void)ctx;
    vpce_state *st = NULL;
    json_t *r = NULL, *got = NULL;
    int64_t serial = 0;
    assert_int_equal(vpce_state_open(&st, path, true), 0);
    r = json_pack("{s:s, s:s, s:s, s:{s:s}}", "address", "aws_vpc.main", "type", "aws_vpc", "name",
                  "main", "attributes", "id", "vpc-9");
    assert_int_equal(vpce_state_put_resource(st, r), 0);
    assert_int_equal(vpce_state_serial(st, &serial), 0);
    assert_int_equal(serial, 1);
    /* defaults are filled in */
    assert_int_equal(vpce_state_get_resource(st, "aws_vpc.main", &got), 0);
    assert_string_equal(json_string_value(json_object_get(got, "mode")), "managed");
    assert_string_equal(json_string_value(json_object_get(got, "provider")), "aws");
    assert_true(json_is_null(json_object_get(got, "index")));
    assert_true(json_is_null(json_object_get(got, "id")));
    assert_int_equal(json_array_size(json_object_get(got, "dependencies")), 0);
    json_decref(got);

    /* invalid resources are refused and do not bump the serial */
    json_t *bad = json_pack("{s:s}", "address", "x.y");
    assert_int_equal(vpce_state_put_resource(st, bad), VPCE_EINVALID);
    json_decref(bad);
    assert_int_equal(vpce_state_serial(st, &serial), 0);
    assert_int_equal(serial, 1);

    assert_int_equal(vpce_state_remove_resource(st, "aws_vpc.main"), 0);
    assert_int_equal(vpce_state_serial(st, &serial), 0);
    assert_int_equal(serial, 2);
    assert_int_equal(vpce_state_get_resource(st, "aws_vpc.main", &got), VPCE_ENOTFOUND);
    assert_int_equal(vpce_state_remove_resource(st, "aws_vpc.main"), VPCE_ENOTFOUND);
    assert_int_equal(vpce_state_serial(st, &serial), 0);
    assert_int_equal(serial, 2);

    /* a batch commits once and bumps the serial once */
    assert_int_equal(vpce_state_begin(st), 0);
    assert_int_equal(vpce_state_put_resource(st, r), 0);
    json_object_set_new(r, "address", json_string("aws_vpc.other"));
    json_object_set_new(r, "name", json_string("other"));
    assert_int_equal(vpce_state_put_resource(st, r), 0);
    /* a failed call inside a batch undoes only itself */
    assert_int_equal(vpce_state_remove_resource(st, "nope.nope"), VPCE_ENOTFOUND);
    assert_int_equal(vpce_state_commit(st), 0);
    assert_int_equal(vpce_state_serial(st, &serial), 0);
    assert_int_equal(serial, 3);
    assert_int_equal(vpce_state_get_resource(st, "aws_vpc.other", &got), 0);
    json_decref(got);

    /* a rolled-back batch leaves nothing */
    assert_int_equal(vpce_state_begin(st), 0);
    assert_int_equal(vpce_state_remove_resource(st, "aws_vpc.other"), 0);
    assert_int_equal(vpce_state_rollback(st), 0);
    assert_int_equal(vpce_state_get_resource(st, "aws_vpc.other", &got), 0);
    json_decref(got);
    assert_int_equal(vpce_state_serial(st, &serial), 0);
    assert_int_equal(serial, 3);

    /* outputs */
    json_t *outs = json_pack("{s:{s:i, s:b}}", "n", "value", 3, "sensitive", 0);
    assert_int_equal(vpce_state_set_outputs(st, outs), 0);
    json_t *doc = NULL;
    assert_int_equal(vpce_state_load(st, &doc), 0);
    assert_true(json_equal(json_object_get(doc, "outputs"), outs));
    assert_int_equal(json_integer_value(json_object_get(doc, "serial")), 4);
    json_decref(doc);
    json_decref(outs);
    json_decref(r);
    vpce_state_close(st);
}

static void state_store_move(void **ctx)
{
    (void)ctx;
    vpce_state *st = NULL;
    json_t *doc = sample_doc(), *got = NULL;
    int moved = 0;
    assert_int_equal(vpce_state_open(&st, path, true), 0);
    assert_int_equal(vpce_state_store(st, doc), 0);
    /* one instance */
    assert_int_equal(vpce_state_move_resource(st, "aws_vpc.main", "aws_vpc.core", &moved), 0);
    assert_int_equal(moved, 1);
    assert_int_equal(vpce_state_get_resource(st, "aws_vpc.core", &got), 0);
    assert_string_equal(json_string_value(json_object_get(got, "name")), "core");
    assert_string_equal(json_string_value(json_object_get(got, "id")), "vpc-1");
    json_decref(got);
    assert_int_equal(vpce_state_get_resource(st, "aws_vpc.main", &got), VPCE_ENOTFOUND);
    /* a whole resource keeps its indexes */
    assert_int_equal(vpce_state_move_resource(st, "aws_subnet.private", "aws_subnet.app", &moved),
                     0);
    assert_int_equal(moved, 1);
    assert_int_equal(vpce_state_get_resource(st, "aws_subnet.app[0]", &got), 0);
    assert_int_equal(json_integer_value(json_object_get(got, "index")), 0);
    json_decref(got);
    /* instance to a string key */
    assert_int_equal(
        vpce_state_move_resource(st, "aws_subnet.app[0]", "aws_subnet.app[\"a\"]", &moved), 0);
    assert_int_equal(vpce_state_get_resource(st, "aws_subnet.app[\"a\"]", &got), 0);
    assert_string_equal(json_string_value(json_object_get(got, "index")), "a");
    json_decref(got);
    /* errors */
    assert_int_equal(vpce_state_move_resource(st, "aws_vpc.core", "aws_subnet.x", NULL),
                     VPCE_EINVALID);
    assert_int_equal(vpce_state_move_resource(st, "aws_vpc.nope", "aws_vpc.x", NULL),
                     VPCE_ENOTFOUND);
    assert_int_equal(vpce_state_move_resource(st, "aws_vpc.core", "aws_vpc.core", NULL),
                     VPCE_EEXISTS);
    assert_int_equal(vpce_state_move_resource(st, "aws_vpc.core", "aws_vpc..", NULL),
                     VPCE_EINVALID);
    int64_t serial = 0;
    assert_int_equal(vpce_state_serial(st, &serial), 0);
    assert_int_equal(serial, 4);
    vpce_state_close(st);
    json_decref(doc);
}

static void state_store_open_errors_and_mode(void **ctx)
{
    (void)ctx;
    vpce_state *st = NULL;
    char other[400];
    snprintf(other, sizeof(other), "%s/missing.db", dir);
    assert_int_equal(vpce_state_open(&st, other, false), VPCE_ENOTFOUND);
    assert_null(st);
    assert_non_null(strstr(vpce_error_last(), "no state database"));

    mode_t old = umask(0);
    assert_int_equal(vpce_state_open(&st, path, true), 0);
    json_t *r =
        json_pack("{s:s, s:s, s:s}", "address", "aws_vpc.a", "type", "aws_vpc", "name", "a");
    assert_int_equal(vpce_state_put_resource(st, r), 0);
    json_decref(r);
    const char *suffixes[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        struct stat sb;
        snprintf(other, sizeof(other), "%s%s", path, suffixes[i]);
        assert_int_equal(stat(other, &sb), 0);
        assert_int_equal(sb.st_mode & 0777, 0600);
    }
    vpce_state_close(st);
    umask(old);

    /* a file that is not a database */
    snprintf(other, sizeof(other), "%s/junk.db", dir);
    FILE *f = fopen(other, "w");
    fputs("this is not sqlite, not at all, really not a database file.....................\n"
          "more text so the header is long enough to be checked...........................\n",
          f);
    fclose(f);
    assert_int_not_equal(vpce_state_open(&st, other, false), 0);
    assert_null(st);

    char *p = vpce_state_default_path("/x/y");
    assert_string_equal(p, "/x/y/vpce.db");
    free(p);
    p = vpce_state_default_path("/x/y/");
    assert_string_equal(p, "/x/y/vpce.db");
    free(p);
    p = vpce_state_default_path(NULL);
    assert_string_equal(p, "vpce.db");
    free(p);
}

static void state_store_parse_address(void **ctx)
{
    (void)ctx;
    char *mode, *type, *name;
    json_t *index;
    assert_int_equal(
        vpce_state_parse_address("data.aws_vpc.main[\"a\\\"b\"]", &mode, &type, &name, &index), 0);
    assert_string_equal(mode, "data");
    assert_string_equal(type, "aws_vpc");
    assert_string_equal(name, "main");
    assert_string_equal(json_string_value(index), "a\"b");
    free(mode);
    free(type);
    free(name);
    json_decref(index);
    assert_int_equal(vpce_state_parse_address("aws_subnet.x[12]", NULL, NULL, NULL, &index), 0);
    assert_int_equal(json_integer_value(index), 12);
    json_decref(index);
    const char *bad[] = {
        "", "aws_vpc", "aws_vpc.", "aws_vpc.a[", "aws_vpc.a[x]", "aws_vpc.a[1]x", "aws_vpc.a[\"x]"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(vpce_state_parse_address(bad[i], NULL, NULL, NULL, NULL), VPCE_EINVALID);
}

static void state_store_parse_duration(void **ctx)
{
    (void)ctx;
    int64_t ms = -1;
    struct {
        const char *in;
        int64_t ms;
    } ok[] = {{"0", 0},          {"10", 10000},   {"10s", 10000}, {"2m", 120000},
              {"2m30s", 150000}, {"1h", 3600000}, {"500ms", 500}, {"1m500ms", 60500}};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        assert_int_equal(vpce_state_parse_duration(ok[i].in, &ms), 0);
        assert_int_equal(ms, ok[i].ms);
    }
    const char *bad[] = {"", "s", "10x", "-1s", "30s2m", "1.5s", "2m2m", "10s5"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(vpce_state_parse_duration(bad[i], &ms), VPCE_EINVALID);
}

static void state_store_sort_order(void **ctx)
{
    (void)ctx;
    vpce_state *st = NULL;
    json_t *doc = NULL;
    const char *addrs[] = {"aws_subnet.a[10]", "aws_subnet.a[\"x\"]", "aws_subnet.a[2]",
                           "aws_subnet.ab", "aws_subnet.a"};
    json_t *idx[] = {json_integer(10), json_string("x"), json_integer(2), NULL, NULL};
    assert_int_equal(vpce_state_open(&st, path, true), 0);
    for (int i = 0; i < 5; i++) {
        json_t *r = json_pack("{s:s, s:s, s:s, s:o}", "address", addrs[i], "type", "aws_subnet",
                              "name", i == 3 ? "ab" : "a", "index", idx[i] ? idx[i] : json_null());
        assert_int_equal(vpce_state_put_resource(st, r), 0);
        json_decref(r);
    }
    assert_int_equal(vpce_state_load(st, &doc), 0);
    const char *want[] = {"aws_subnet.a", "aws_subnet.a[2]", "aws_subnet.a[10]",
                          "aws_subnet.a[\"x\"]", "aws_subnet.ab"};
    json_t *res = json_object_get(doc, "resources");
    assert_int_equal(json_array_size(res), 5);
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(json_string_value(json_object_get(json_array_get(res, i), "address")),
                            want[i]);
    json_decref(doc);
    vpce_state_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(state_store_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(state_store_put_remove_serial, setup, teardown),
        cmocka_unit_test_setup_teardown(state_store_move, setup, teardown),
        cmocka_unit_test_setup_teardown(state_store_open_errors_and_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(state_store_sort_order, setup, teardown),
        cmocka_unit_test(state_store_parse_address),
        cmocka_unit_test(state_store_parse_duration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
