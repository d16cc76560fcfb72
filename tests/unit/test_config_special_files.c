/*
 * Files that are not regular files: every reader of a file the user names (the configuration's
 * *.vpce files, -var-file, file(), templatefile(), fileexists(), fmt, saved plans, the state,
 * the AWS shared files) refuses a FIFO, a directory or a device at once with a clear error.
 * A FIFO with no writer used to block vpce forever: each command runs under `timeout`, and a
 * command it had to kill (exit 124) fails the test rather than hanging it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/util.h"

static char dir[256];

static int setup(void **ctx)
{
    (void)ctx;
    snprintf(dir, sizeof(dir), "/tmp/vpce-special-files-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    return 0;
}

static int teardown(void **ctx)
{
    (void)ctx;
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Runs `vpce ARGS` in dir (with env, by default dummy credentials; an endpoint nothing listens
 * on; a timeout that only a hang reaches); returns the exit code, *out gets stdout+stderr. */
static int run(char **out, const char *env, const char *args)
{
    char *cmd = vpce_asprintf(
        "cd '%s' && env %s AWS_REGION=us-east-1 "
        "AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL_EC2=http://127.0.0.1:9 "
        "timeout 60 '%s' %s </dev/null 2>&1",
        dir, env ? env : "AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test", VPCE_BINARY, args);
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
    int rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (rc == 124)
        fail_msg("`vpce %s` blocked until it was killed:\n%s", args, *out);
    return rc;
}

static void write_file(const char *name, const char *text)
{
    char *p = vpce_asprintf("%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    free(p);
}

static void make_fifo(const char *name)
{
    char *p = vpce_asprintf("%s/%s", dir, name);
    assert_int_equal(mkfifo(p, 0600), 0);
    free(p);
}

static void make_dir(const char *name)
{
    char *p = vpce_asprintf("%s/%s", dir, name);
    assert_int_equal(mkdir(p, 0700), 0);
    free(p);
}

/* `vpce ARGS` fails (exit 1) with every string of want in its output. */
static void expect_error(const char *env, const char *args, const char *const *want, size_t nwant)
{
    char *out = NULL;
    int rc = run(&out, env, args);
    bool ok = rc == 1;
    for (size_t i = 0; ok && i < nwant; i++)
        ok = strstr(out, want[i]) != NULL;
    if (!ok)
        fail_msg("`vpce %s` exited %d; expected an error with \"%s\"...:\n%s", args, rc, want[0],
                 out);
    free(out);
}

#define EXPECT_ERROR(env, args, ...)                                                               \
    do {                                                                                           \
        static const char *const want_[] = {__VA_ARGS__};                                          \
        expect_error(env, args, want_, sizeof(want_) / sizeof(want_[0]));                          \
    } while (0)

/* A FIFO named main.vpce is an error naming it, for validate, plan and fmt. */
static void config_special_fifo_config_file(void **ctx)
{
    (void)ctx;
    write_file("a.vpce", "locals {\n  x = 1\n}\n");
    make_fifo("main.vpce");
    EXPECT_ERROR(NULL, "validate", "main.vpce", "is not a regular file: it is a FIFO");
    EXPECT_ERROR(NULL, "plan", "main.vpce", "is not a regular file: it is a FIFO");
    EXPECT_ERROR(NULL, "fmt main.vpce", "main.vpce", "is not a regular file: it is a FIFO");
    EXPECT_ERROR(NULL, "fmt -check main.vpce", "main.vpce", "is not a regular file");
}

/* A directory named x.vpce is skipped, as Terraform skips one named x.tf. */
static void config_special_directory_named_vpce_is_skipped(void **ctx)
{
    (void)ctx;
    write_file("a.vpce", "output \"x\" {\n  value = 1\n}\n");
    make_dir("modules.vpce");
    char *out = NULL;
    assert_int_equal(run(&out, NULL, "validate"), 0);
    free(out);
}

/* file(), templatefile() and fileexists() on a FIFO or a directory: the reason, at once; not
 * "no file exists" (which stays for missing files). */
static void config_special_file_functions(void **ctx)
{
    (void)ctx;
    make_fifo("pipe");
    make_dir("sub");
    static const struct {
        const char *expr;
        const char *want;
    } cases[] = {
        {"file(\"pipe\")", "is not a regular file: it is a FIFO"},
        {"file(\"sub\")", "is a directory, not a file"},
        {"file(\"/tmp\")", "\"/tmp\" is a directory, not a file"},
        {"templatefile(\"pipe\", {})", "is not a regular file: it is a FIFO"},
        {"templatefile(\"sub\", {})", "is a directory, not a file"},
        {"fileexists(\"pipe\")", "is not a regular file: it is a FIFO"},
        {"fileexists(\"sub\")", "is a directory, not a file"},
        {"file(\"missing.txt\")", "no file exists at missing.txt"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *text = vpce_asprintf("output \"x\" {\n  value = %s\n}\n", cases[i].expr);
        write_file("main.vpce", text);
        free(text);
        char *out = NULL;
        int rc = run(&out, NULL, "plan");
        if (rc != 1 || !strstr(out, cases[i].want) || (i < 7 && strstr(out, "no file exists")))
            fail_msg("%s: exited %d, expected \"%s\":\n%s", cases[i].expr, rc, cases[i].want, out);
        free(out);
    }
    write_file("real.txt", "hi");
    write_file("main.vpce", "output \"x\" {\n  value = fileexists(\"real.txt\") && "
                            "!fileexists(\"missing.txt\") ? file(\"real.txt\") : \"no\"\n}\n");
    char *out = NULL;
    assert_int_equal(run(&out, NULL, "plan"), 0);
    assert_non_null(strstr(out, "\"hi\""));
    free(out);
}

/* -var-file, a saved plan, the state database and fmt's directory walk. */
static void config_special_var_file_plan_state(void **ctx)
{
    (void)ctx;
    write_file("main.vpce", "variable \"v\" {\n  default = 1\n}\noutput \"x\" {\n"
                            "  value = var.v\n}\n");
    make_fifo("vars.vpcevars");
    make_dir("vars.d");
    EXPECT_ERROR(NULL, "plan -var-file=vars.vpcevars", "vars.vpcevars",
                 "is not a regular file: it is a FIFO");
    EXPECT_ERROR(NULL, "plan -var-file=vars.d", "vars.d", "is a directory");
    make_fifo("saved.plan");
    EXPECT_ERROR(NULL, "show saved.plan", "saved.plan", "is not a regular file");
    EXPECT_ERROR(NULL, "apply saved.plan", "saved.plan", "is not a regular file");
    make_fifo("fifo.db");
    EXPECT_ERROR(NULL, "plan -state=fifo.db", "fifo.db", "not a vpce state database",
                 "not a regular file");
    EXPECT_ERROR(NULL, "state list -state=fifo.db", "fifo.db", "not a regular file");
    make_dir("dir.db");
    EXPECT_ERROR(NULL, "plan -state=dir.db", "dir.db", "not a regular file");

    /* fmt of a directory leaves a FIFO named *.vpce alone rather than block on it */
    make_fifo("other.vpce");
    char *out = NULL;
    assert_int_not_equal(run(&out, NULL, "fmt -check -list=false ."), 124);
    free(out);
}

/* The AWS shared credentials and config files: a FIFO is not read (it used to block). */
static void config_special_aws_shared_files(void **ctx)
{
    (void)ctx;
    write_file("main.vpce", "resource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n");
    make_fifo("credentials");
    make_fifo("config");
    char *out = NULL;
    char *env =
        vpce_asprintf("-u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "
                      "AWS_SHARED_CREDENTIALS_FILE=%s/credentials AWS_CONFIG_FILE=%s/config",
                      dir, dir);
    int rc = run(&out, env, "plan");
    assert_int_equal(rc, 1);
    free(out);
    free(env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(config_special_fifo_config_file, setup, teardown),
        cmocka_unit_test_setup_teardown(config_special_directory_named_vpce_is_skipped, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(config_special_file_functions, setup, teardown),
        cmocka_unit_test_setup_teardown(config_special_var_file_plan_state, setup, teardown),
        cmocka_unit_test_setup_teardown(config_special_aws_shared_files, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
