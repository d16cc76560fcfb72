/*
 * Plan files: write and read back (every field, unknowns exact, renderings equal), file mode and
 * atomic write, sensitive values stored but marked, staleness checks, and corrupt, truncated,
 * foreign and newer-format files refused with a clear message. Also `vpce show PLANFILE`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/golden_render/test_plans.h"

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/vpce-planfile-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char *p = vpce_asprintf("%s/%s", tmpdir, e->d_name);
        unlink(p);
        free(p);
    }
    if (d)
        closedir(d);
    rmdir(tmpdir);
    return 0;
}

static char *tmp_path(const char *name)
{
    return vpce_asprintf("%s/%s", tmpdir, name);
}

static void write_text(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
}

static void planfile_roundtrip(void **state)
{
    (void)state;
    vpce_plan *drift_src = tp_plan_drift(false);
    vpce_plan *p = tp_plan_mixed();
    json_array_extend(p->drift, drift_src->drift);
    vpce_plan_free(drift_src);
    p->prior = tp_json("{\"lineage\":\"l\",\"serial\":4,\"resources\":[],\"outputs\":{}}");
    vpce_change *c = p->changes[2];
    c->depends_on = vpce_calloc(2, sizeof(char *));
    c->depends_on[0] = vpce_strdup("aws_vpc.main");
    c->depends_on[1] = vpce_strdup("data.aws_prefix_list.s3");
    c->ndepends_on = 2;
    c->import_id = vpce_strdup("sg-0123");
    p->destroy = true;

    char *path = tmp_path("plan.out");
    assert_int_equal(vpce_planfile_write(p, path), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    vpce_plan *q = NULL;
    assert_int_equal(vpce_planfile_read(&q, path), 0);
    assert_non_null(q);
    assert_int_equal(q->nchanges, p->nchanges);
    json_t *a = vpce_plan_to_json(p), *b = vpce_plan_to_json(q);
    assert_true(json_equal(a, b));
    json_decref(a);
    json_decref(b);

    /* Field by field where it matters to apply. */
    assert_string_equal(q->lineage, p->lineage);
    assert_int_equal(q->serial, 4);
    assert_string_equal(q->config_hash, "sha256:0f1e2d3c");
    assert_true(q->destroy);
    assert_false(q->refresh_only);
    assert_int_equal(q->changes[2]->ndepends_on, 2);
    assert_string_equal(q->changes[2]->depends_on[1], "data.aws_prefix_list.s3");
    assert_string_equal(q->changes[2]->import_id, "sg-0123");
    for (size_t i = 0; i < q->nchanges; i++) {
        assert_string_equal(q->changes[i]->address, p->changes[i]->address);
        assert_int_equal(q->changes[i]->action, p->changes[i]->action);
    }
    /* Absent values come back as NULL, as the planner makes them. */
    for (size_t i = 0; i < q->nchanges; i++) {
        if (q->changes[i]->action == VPCE_ACTION_DELETE)
            assert_null(q->changes[i]->after);
        if (q->changes[i]->action == VPCE_ACTION_READ)
            assert_null(q->changes[i]->before);
    }
    /* The unknown sentinel survives exactly. */
    const vpce_change *vpc = NULL;
    for (size_t i = 0; i < q->nchanges; i++)
        if (strcmp(q->changes[i]->address, "aws_vpc.main") == 0)
            vpc = q->changes[i];
    assert_non_null(vpc);
    assert_true(vpce_is_unknown(json_object_get(vpc->after, "id")));
    assert_false(vpce_is_unknown(json_object_get(vpc->after, "cidr_block")));
    assert_string_equal(json_string_value(json_array_get(json_array_get(vpc->replace_paths, 0), 0)),
                        "cidr_block");

    /* Renderings of both are byte-equal. */
    char *(*renderers[])(const vpce_plan *) = {vpce_plan_render_json, vpce_plan_render_markdown};
    for (size_t i = 0; i < 2; i++) {
        char *x = renderers[i](p), *y = renderers[i](q);
        assert_string_equal(x, y);
        free(x);
        free(y);
    }
    for (int color = 0; color < 2; color++) {
        char *x = vpce_plan_render_text(p, color), *y = vpce_plan_render_text(q, color);
        assert_string_equal(x, y);
        free(x);
        free(y);
    }

    /* No temporary file left beside it. */
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            files++;
    closedir(d);
    assert_int_equal(files, 1);

    /* Overwriting an existing plan file works too. */
    assert_int_equal(vpce_planfile_write(q, path), 0);
    vpce_plan_free(q);
    vpce_plan_free(p);
    free(path);
}

static void planfile_sensitive_marked(void **state)
{
    (void)state;
    vpce_plan *p = tp_plan_mixed();
    char *path = tmp_path("sensitive.out");
    assert_int_equal(vpce_planfile_write(p, path), 0);
    char *text = NULL;
    size_t len;
    assert_int_equal(vpce_read_file(&text, &len, path, 1 << 24), 0);
    /* Stored (apply needs them) and marked. */
    assert_non_null(strstr(text, "hunter3"));
    json_t *doc = json_loads(text, 0, NULL);
    assert_non_null(doc);
    json_t *changes = json_object_get(doc, "changes");
    bool marked = false;
    size_t i;
    json_t *c;
    json_array_foreach(changes, i, c)
    {
        json_t *after = json_object_get(c, "after");
        if (json_object_get(after, "secret_token")) {
            json_t *sp = json_object_get(c, "sensitive_paths");
            assert_string_equal(json_string_value(json_array_get(sp, 0)), "secret_token");
            marked = true;
        }
    }
    assert_true(marked);
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(doc, "sensitive_vars"), 0)),
        "db_password");
    /* The plan never holds provider configuration. */
    assert_null(strstr(text, "access_key"));
    assert_null(strstr(text, "secret_key"));
    assert_int_equal(json_integer_value(json_object_get(doc, "vpce_plan_format")),
                     VPCE_PLANFILE_FORMAT);
    json_decref(doc);
    free(text);
    /* The renderers never print the sensitive attribute or variable. */
    vpce_plan *q = NULL;
    assert_int_equal(vpce_planfile_read(&q, path), 0);
    char *t = vpce_plan_render_text(q, false), *m = vpce_plan_render_markdown(q),
         *j = vpce_plan_render_json(q);
    assert_null(strstr(t, "hunter"));
    assert_null(strstr(m, "hunter"));
    assert_null(strstr(j, "s3cr3t-value"));
    free(t);
    free(m);
    free(j);
    vpce_plan_free(q);
    vpce_plan_free(p);
    free(path);
}

static void planfile_staleness(void **state)
{
    (void)state;
    vpce_plan *p = tp_plan_create();
    const char *lin = p->lineage;
    assert_int_equal(vpce_planfile_check_current(p, "sha256:0f1e2d3c", lin, 4), 0);
    assert_int_equal(vpce_planfile_check_current(p, NULL, lin, 4), 0);

    assert_int_equal(vpce_planfile_check_current(p, "sha256:0f1e2d3c", lin, 5), VPCE_ESTALE);
    assert_string_equal(vpce_error_last(), "saved plan is stale: the state changed since the "
                                           "plan was made (serial 4, now 5); run vpce plan again");
    assert_int_equal(vpce_planfile_check_current(p, "sha256:ffff", lin, 4), VPCE_ESTALE);
    assert_non_null(strstr(vpce_error_last(), "configuration changed"));
    assert_int_equal(vpce_planfile_check_current(p, NULL, "other-lineage", 4), VPCE_ESTALE);
    assert_non_null(strstr(vpce_error_last(), "different state"));

    /* A plan made against no state matches a state that still has none. */
    free(p->lineage);
    p->lineage = NULL;
    p->serial = 0;
    assert_int_equal(vpce_planfile_check_current(p, NULL, NULL, 0), 0);
    assert_int_equal(vpce_planfile_check_current(p, NULL, "", 0), 0);
    /* ...and one that the first apply of the saved plan has just created, still empty... */
    assert_int_equal(vpce_planfile_check_current(p, NULL, "new", 0), 0);
    /* ...but not one that has changed since. */
    assert_int_equal(vpce_planfile_check_current(p, NULL, "new", 1), VPCE_ESTALE);
    vpce_plan_free(p);
}

static void expect_read_error(const char *name, const char *text, int code, const char *msg)
{
    char *path = tmp_path(name);
    write_text(path, text, strlen(text));
    vpce_plan *q = (vpce_plan *)0x1;
    int rc = vpce_planfile_read(&q, path);
    assert_int_equal(rc, code);
    assert_null(q);
    if (!strstr(vpce_error_last(), msg))
        fail_msg("message \"%s\" lacks \"%s\"", vpce_error_last(), msg);
    unlink(path);
    free(path);
}

static void planfile_bad_files(void **state)
{
    (void)state;
    expect_read_error("empty", "", VPCE_EINVALID, "corrupt or truncated");
    expect_read_error("text", "this is not a plan\n", VPCE_EINVALID, "corrupt or truncated");
    expect_read_error("array", "[1,2]", VPCE_EINVALID, "not a vpce plan file");
    expect_read_error("state", "{\"lineage\":\"x\",\"serial\":1,\"resources\":[]}", VPCE_EINVALID,
                      "not a vpce plan file");
    expect_read_error("newer", "{\"vpce_plan_format\":2,\"vpce_version\":\"9.0.0\",\"changes\":[]}",
                      VPCE_EINVALID, "plan file was written by a newer vpce");
    expect_read_error("zero", "{\"vpce_plan_format\":0,\"changes\":[]}", VPCE_EINVALID,
                      "bad format version");
    expect_read_error("nochanges", "{\"vpce_plan_format\":1}", VPCE_EINVALID,
                      "\"changes\" is not an array");
    expect_read_error("badaction",
                      "{\"vpce_plan_format\":1,\"changes\":[{\"address\":\"a.b\",\"mode\":"
                      "\"managed\",\"type\":\"a\",\"name\":\"b\",\"action\":\"explode\"}]}",
                      VPCE_EINVALID, "unknown action \"explode\"");
    expect_read_error("noaddr",
                      "{\"vpce_plan_format\":1,\"changes\":[{\"mode\":\"managed\",\"type\":\"a\","
                      "\"name\":\"b\",\"action\":\"create\"}]}",
                      VPCE_EINVALID, "has no \"address\"");
    expect_read_error("badtype",
                      "{\"vpce_plan_format\":1,\"changes\":[{\"address\":7,\"mode\":\"managed\","
                      "\"type\":\"a\",\"name\":\"b\",\"action\":\"create\"}]}",
                      VPCE_EINVALID, "is not a string");
    expect_read_error("baddeps",
                      "{\"vpce_plan_format\":1,\"changes\":[{\"address\":\"a.b\",\"mode\":"
                      "\"managed\",\"type\":\"a\",\"name\":\"b\",\"action\":\"create\","
                      "\"depends_on\":[1]}]}",
                      VPCE_EINVALID, "bad depends_on");
    expect_read_error("badoutputs", "{\"vpce_plan_format\":1,\"changes\":[],\"output_changes\":[]}",
                      VPCE_EINVALID, "wrong type");
    expect_read_error("baddrift", "{\"vpce_plan_format\":1,\"changes\":[],\"drift\":[1]}",
                      VPCE_EINVALID, "bad drift entry");
    expect_read_error("dupkeys", "{\"vpce_plan_format\":1,\"vpce_plan_format\":1,\"changes\":[]}",
                      VPCE_EINVALID, "corrupt or truncated");

    vpce_plan *q = NULL;
    char *missing = tmp_path("missing");
    assert_int_equal(vpce_planfile_read(&q, missing), VPCE_ENOTFOUND);
    assert_non_null(strstr(vpce_error_last(), "missing"));
    free(missing);

    /* A minimal valid file reads. */
    char *path = tmp_path("minimal");
    write_text(path, "{\"vpce_plan_format\":1,\"changes\":[]}", 35);
    assert_int_equal(vpce_planfile_read(&q, path), 0);
    assert_int_equal(q->nchanges, 0);
    assert_false(vpce_plan_has_changes(q));
    char *t = vpce_plan_render_text(q, false);
    assert_non_null(strstr(t, "No changes."));
    free(t);
    vpce_plan_free(q);
    unlink(path);
    free(path);
}

/* Every prefix of a real plan file is refused cleanly (no crash, no leak under ASan). */
static void planfile_truncated(void **state)
{
    (void)state;
    vpce_plan *p = tp_plan_mixed();
    char *path = tmp_path("full.out");
    assert_int_equal(vpce_planfile_write(p, path), 0);
    char *text = NULL;
    size_t len;
    assert_int_equal(vpce_read_file(&text, &len, path, 1 << 24), 0);
    char *cut = tmp_path("cut.out");
    size_t step = len / 400 + 1;
    for (size_t n = 0; n + 2 < len; n += step) {
        write_text(cut, text, n);
        vpce_plan *q = NULL;
        int rc = vpce_planfile_read(&q, cut);
        if (rc == 0)
            fail_msg("a plan file cut at %zu of %zu bytes was accepted", n, len);
        assert_null(q);
        assert_non_null(strstr(vpce_error_last(), "corrupt or truncated"));
    }
    /* A flipped byte inside is refused or read consistently, never a crash. */
    for (size_t n = 0; n < len; n += step) {
        char saved = text[n];
        text[n] = (char)(saved ^ 0x5a);
        write_text(cut, text, len);
        vpce_plan *q = NULL;
        if (vpce_planfile_read(&q, cut) == 0) {
            char *s = vpce_plan_render_text(q, false);
            free(s);
            s = vpce_plan_render_json(q);
            free(s);
            vpce_plan_free(q);
        }
        text[n] = saved;
    }
    unlink(cut);
    free(cut);
    free(text);
    free(path);
    vpce_plan_free(p);
}

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

static void planfile_cli_show(void **state)
{
    (void)state;
    vpce_plan *p = tp_plan_mixed();
    char *path = tmp_path("show.out");
    assert_int_equal(vpce_planfile_write(p, path), 0);

    char *cmd = vpce_asprintf("'%s' show -no-color '%s'", VPCE_BINARY, path);
    char *out = run(cmd);
    char *want = vpce_plan_render_text(p, false);
    assert_string_equal(out, want);
    free(cmd);
    free(out);
    free(want);

    cmd = vpce_asprintf("'%s' show -json '%s'", VPCE_BINARY, path);
    out = run(cmd);
    want = vpce_plan_render_json(p);
    size_t wl = strlen(want);
    assert_int_equal(strncmp(out, want, wl), 0);
    free(cmd);
    free(out);
    free(want);

    cmd = vpce_asprintf("'%s' show -markdown '%s'", VPCE_BINARY, path);
    out = run(cmd);
    assert_non_null(strstr(out, "| Action | Resource |"));
    free(cmd);
    free(out);

    /* A bad plan file is an error with the reader's message, exit code 1. */
    char *bad = tmp_path("bad.out");
    write_text(bad, "{\"vpce_plan_format\":99,\"changes\":[]}", 36);
    cmd = vpce_asprintf("'%s' show -no-color '%s' 2>&1; echo \"exit=$?\"", VPCE_BINARY, bad);
    out = run(cmd);
    assert_non_null(strstr(out, "plan file was written by a newer vpce"));
    assert_non_null(strstr(out, "exit=1"));
    free(cmd);
    free(out);
    unlink(bad);
    free(bad);

    /* Without a plan file and without a state: "No state." */
    char *db = tmp_path("none.db");
    cmd = vpce_asprintf("'%s' show -no-color -state='%s'", VPCE_BINARY, db);
    out = run(cmd);
    assert_string_equal(out, "No state.\n");
    free(cmd);
    free(out);
    free(db);

    vpce_plan_free(p);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(planfile_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(planfile_sensitive_marked, setup, teardown),
        cmocka_unit_test_setup_teardown(planfile_staleness, setup, teardown),
        cmocka_unit_test_setup_teardown(planfile_bad_files, setup, teardown),
        cmocka_unit_test_setup_teardown(planfile_truncated, setup, teardown),
        cmocka_unit_test_setup_teardown(planfile_cli_show, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
