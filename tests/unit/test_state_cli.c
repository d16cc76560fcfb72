/* Tests of `vpce state`, `vpce output` and `vpce force-unlock`, driving the built binary on a
 * database made through the state API. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "state/state.h"
#include "tests/unit/support/tmpdir.h"

static char dir[256];
static char path[320];

/* Runs `vpce ARGS` (a shell fragment) with stdin from /dev/null; returns the exit code and
 * sets *out to stdout+stderr (caller frees). */
static int run(char **out, const char *args)
{
    char *cmd = vpce_asprintf("cd '%s' && '%s' %s </dev/null 2>&1", dir, VPCE_BINARY, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    vpce_buf b = VPCE_BUF_INIT(1 << 20);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
        assert_int_equal(vpce_buf_append(&b, chunk, n), 0);
    int status = pclose(p);
    free(cmd);
    *out = vpce_buf_detach(&b);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static json_t *res(const char *address, const char *type, const char *name, json_t *index,
                   json_t *attrs)
{
    return json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:o, s:[s], s:[]}", "address", address, "type",
                     type, "name", name, "index", index ? index : json_null(), "provider", "aws",
                     "id", "x", "attributes", attrs, "sensitive_attributes", "secret",
                     "dependencies");
}

static int setup(void **ctx)
{
    (void)ctx;
    if (vpce_test_tmpdir_make(dir, sizeof(dir), "state-cli", path, sizeof(path)) != 0)
        return -1;
    vpce_state *st = NULL;
    if (vpce_state_open(&st, path, true) != 0)
        return -1;
    json_t *vpc_attrs = json_pack(
        "{s:s, s:s, s:b, s:{s:s, s:s}, s:[s, s], s:s, s:n, s:f, s:s, s:[], s:s}", "id", "vpc-0abc",
        "cidr_block", "10.0.0.0/16", "enable_dns_support", 1, "tags", "Name", "main", "Team Name",
        "net", "secondary", "10.1.0.0/16", "10.2.0.0/16", "secret", "hunter2", "gone", "ratio", 0.5,
        "policy", "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\"}]}", "empty",
        "note", "line one\nline \"two\"\n");
    json_t *doc =
        json_pack("{s:[o, o, o, o], s:{s:{s:s, s:b}, s:{s:s, s:b}, s:{s:[i, i], s:b}}}",
                  "resources", res("aws_vpc.main", "aws_vpc", "main", NULL, vpc_attrs),
                  res("aws_subnet.private[0]", "aws_subnet", "private", json_integer(0),
                      json_pack("{s:s}", "id", "subnet-0")),
                  res("aws_subnet.private[1]", "aws_subnet", "private", json_integer(1),
                      json_pack("{s:s}", "id", "subnet-1")),
                  res("aws_subnet.public", "aws_subnet", "public", NULL,
                      json_pack("{s:s}", "id", "subnet-p")),
                  "outputs", "vpc_id", "value", "vpc-0abc", "sensitive", 0, "db_password", "value",
                  "hunter2", "sensitive", 1, "ports", "value", 80, 443, "sensitive", 0);
    int rc = vpce_state_store(st, doc);
    int64_t h = 0;
    if (rc == 0)
        rc = vpce_state_history_begin(st, "apply", &h);
    if (rc == 0)
        rc = vpce_state_history_add_change(st, h, "aws_vpc.main", "create", NULL, NULL);
    if (rc == 0)
        rc = vpce_state_history_finish(st, h, "success", "4 added, 0 changed, 0 destroyed");
    json_decref(doc);
    vpce_state_close(st);
    return rc;
}

static int teardown(void **ctx)
{
    (void)ctx;
    return vpce_test_tmpdir_remove(dir);
}

static void state_cli_list(void **ctx)
{
    (void)ctx;
    char *out = NULL;
    assert_int_equal(run(&out, "state list"), 0);
    assert_string_equal(out, "aws_subnet.private[0]\naws_subnet.private[1]\naws_subnet.public\n"
                             "aws_vpc.main\n");
    free(out);
    assert_int_equal(run(&out, "state list -state=vpce.db aws_subnet.private aws_vpc.main"), 0);
    assert_string_equal(out, "aws_subnet.private[0]\naws_subnet.private[1]\naws_vpc.main\n");
    free(out);
    assert_int_equal(run(&out, "state list 'aws_subnet.private[1]'"), 0);
    assert_string_equal(out, "aws_subnet.private[1]\n");
    free(out);
    /* a prefix that is not a whole name does not match */
    assert_int_equal(run(&out, "state list aws_subnet.priv"), 1);
    free(out);
    assert_int_equal(run(&out, "state list -state missing.db"), 1);
    assert_non_null(strstr(out, "no state database at \"missing.db\""));
    free(out);
    assert_int_equal(run(&out, "state list -bogus"), 1);
    assert_non_null(strstr(out, "unknown flag"));
    free(out);
    assert_int_equal(run(&out, "state -help"), 0);
    assert_non_null(strstr(out, "Usage: vpce state"));
    free(out);
    assert_int_equal(run(&out, "state nope"), 1);
    free(out);
}

static void state_cli_show(void **ctx)
{
    (void)ctx;
    char *out = NULL;
    assert_int_equal(run(&out, "state show aws_vpc.main"), 0);
    assert_string_equal(out, "# aws_vpc.main:\n"
                             "resource \"aws_vpc\" \"main\" {\n"
                             "    cidr_block         = \"10.0.0.0/16\"\n"
                             "    empty              = []\n"
                             "    enable_dns_support = true\n"
                             "    id                 = \"vpc-0abc\"\n"
                             "    note               = <<-EOT\n"
                             "        line one\n"
                             "        line \"two\"\n"
                             "    EOT\n"
                             "    policy             = jsonencode(\n"
                             "        {\n"
                             "            Statement = [\n"
                             "                {\n"
                             "                    Effect = \"Allow\"\n"
                             "                },\n"
                             "            ]\n"
                             "            Version   = \"2012-10-17\"\n"
                             "        }\n"
                             "    )\n"
                             "    ratio              = 0.5\n"
                             "    secondary          = [\n"
                             "        \"10.1.0.0/16\",\n"
                             "        \"10.2.0.0/16\",\n"
                             "    ]\n"
                             "    secret             = (sensitive value)\n"
                             "    tags               = {\n"
                             "        \"Name\"      = \"main\"\n"
                             "        \"Team Name\" = \"net\"\n"
                             "    }\n"
                             "}\n");
    assert_null(strstr(out, "hunter2"));
    free(out);
    assert_int_equal(run(&out, "state show 'aws_subnet.private[1]'"), 0);
    assert_string_equal(out, "# aws_subnet.private[1]:\n"
                             "resource \"aws_subnet\" \"private\" {\n"
                             "    id = \"subnet-1\"\n"
                             "}\n");
    free(out);
    assert_int_equal(run(&out, "state show aws_vpc.nope"), 1);
    assert_non_null(strstr(out, "no instance found"));
    free(out);
    assert_int_equal(run(&out, "state show"), 1);
    free(out);
}

static void state_cli_rm_mv_history(void **ctx)
{
    (void)ctx;
    char *out = NULL;
    assert_int_equal(run(&out, "state mv aws_subnet.private aws_subnet.app"), 0);
    assert_non_null(strstr(out, "Successfully moved 2 object(s)."));
    free(out);
    assert_int_equal(run(&out, "state mv aws_vpc.main aws_subnet.x"), 1);
    assert_non_null(strstr(out, "type cannot change"));
    /* The command names the move once, the reason follows. */
    assert_non_null(strstr(out, "cannot move \"aws_vpc.main\" to \"aws_subnet.x\": the"));
    assert_null(strstr(strstr(out, "cannot move") + 1, "cannot move"));
    free(out);
    assert_int_equal(run(&out, "state rm aws_subnet.app 'aws_subnet.public'"), 0);
    assert_non_null(strstr(out, "Removed aws_subnet.app[0]\nRemoved aws_subnet.app[1]\n"));
    assert_non_null(strstr(out, "Successfully removed 3 resource instance(s)."));
    free(out);
    /* nothing matching removes nothing at all */
    assert_int_equal(run(&out, "state rm aws_vpc.main aws_vpc.nope"), 1);
    assert_non_null(strstr(out, "\"aws_vpc.nope\""));
    free(out);
    assert_int_equal(run(&out, "state list"), 0);
    assert_string_equal(out, "aws_vpc.main\n");
    free(out);

    assert_int_equal(run(&out, "state history"), 0);
    assert_non_null(strstr(out, "apply"));
    assert_non_null(strstr(out, "4 added, 0 changed, 0 destroyed"));
    assert_non_null(strstr(out, "state mv"));
    assert_non_null(strstr(out, "state rm"));
    assert_non_null(strstr(out, "3 removed"));
    free(out);
    assert_int_equal(run(&out, "state history -json"), 0);
    json_t *h = json_loads(out, 0, NULL);
    assert_non_null(h);
    assert_int_equal(json_array_size(h), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(h, 2), "operation")),
                        "state rm");
    json_decref(h);
    free(out);
}

static void state_cli_lock(void **ctx)
{
    (void)ctx;
    char *out = NULL;
    vpce_state *st = NULL;
    assert_int_equal(vpce_state_open(&st, path, false), 0);
    assert_int_equal(vpce_state_lock(st, "apply", 0, NULL), 0);
    char *id = vpce_strdup(vpce_state_lock_id(st));

    assert_int_equal(run(&out, "state rm aws_vpc.main"), 1);
    assert_non_null(strstr(out, "error acquiring the state lock"));
    assert_non_null(strstr(out, id));
    assert_non_null(strstr(out, "Operation: apply"));
    free(out);
    assert_int_equal(run(&out, "state mv -lock-timeout=300ms aws_vpc.main aws_vpc.x"), 1);
    assert_non_null(strstr(out, "error acquiring the state lock"));
    free(out);
    assert_int_equal(run(&out, "state mv -lock-timeout=abc aws_vpc.main aws_vpc.x"), 1);
    assert_non_null(strstr(out, "invalid duration"));
    free(out);
    /* reading needs no lock */
    assert_int_equal(run(&out, "state list"), 0);
    free(out);
    /* -lock=false goes ahead */
    assert_int_equal(run(&out, "state mv -lock=false aws_vpc.main aws_vpc.core"), 0);
    free(out);

    /* force-unlock: wrong id, no terminal without -force, then -force */
    assert_int_equal(run(&out, "force-unlock 1234"), 1);
    assert_non_null(strstr(out, "does not match"));
    free(out);
    char *args = vpce_asprintf("force-unlock %s", id);
    assert_int_equal(run(&out, args), 1);
    assert_non_null(strstr(out, "-force"));
    free(out);
    free(args);
    args = vpce_asprintf("force-unlock -force %s", id);
    assert_int_equal(run(&out, args), 0);
    assert_non_null(strstr(out, "successfully unlocked"));
    free(out);
    assert_int_equal(run(&out, args), 1);
    free(out);
    free(args);
    json_t *info = NULL;
    assert_int_equal(vpce_state_lock_info(st, &info), VPCE_ENOTFOUND);
    assert_int_equal(run(&out, "state rm aws_vpc.core"), 0);
    free(out);
    assert_int_equal(run(&out, "force-unlock -help"), 0);
    free(out);
    free(id);
    vpce_state_close(st);
}

static void state_cli_output(void **ctx)
{
    (void)ctx;
    char *out = NULL;
    assert_int_equal(run(&out, "output"), 0);
    assert_string_equal(out, "db_password = <sensitive>\n"
                             "ports = [\n"
                             "  80,\n"
                             "  443,\n"
                             "]\n"
                             "vpc_id = \"vpc-0abc\"\n");
    free(out);
    assert_int_equal(run(&out, "output db_password"), 0);
    assert_string_equal(out, "\"hunter2\"\n");
    free(out);
    assert_int_equal(run(&out, "output -raw vpc_id"), 0);
    assert_string_equal(out, "vpc-0abc");
    free(out);
    assert_int_equal(run(&out, "output -raw ports"), 1);
    free(out);
    assert_int_equal(run(&out, "output -json ports"), 0);
    json_t *v = json_loads(out, 0, NULL);
    assert_int_equal(json_array_size(v), 2);
    json_decref(v);
    free(out);
    assert_int_equal(run(&out, "output -json"), 0);
    v = json_loads(out, 0, NULL);
    assert_non_null(v);
    assert_true(json_is_true(json_object_get(json_object_get(v, "db_password"), "sensitive")));
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(v, "db_password"), "value")), "hunter2");
    json_decref(v);
    free(out);
    assert_int_equal(run(&out, "output nope"), 1);
    assert_non_null(strstr(out, "\"nope\""));
    free(out);
    assert_int_equal(run(&out, "output -state=missing.db"), 1);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(state_cli_list, setup, teardown),
        cmocka_unit_test_setup_teardown(state_cli_show, setup, teardown),
        cmocka_unit_test_setup_teardown(state_cli_rm_mv_history, setup, teardown),
        cmocka_unit_test_setup_teardown(state_cli_lock, setup, teardown),
        cmocka_unit_test_setup_teardown(state_cli_output, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
