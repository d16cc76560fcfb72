/*
 * Tests of the state backend seam: a remote backend is pulled into a working copy when opened,
 * pushed after every committed transaction (journal entries included), a push refused as stale
 * fails the call that committed, and the lock goes to the backend when it keeps one. The remote
 * backend here is a directory "store" with a generation number per object, as an object store's
 * ETag behaves: a push must name the generation it read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state/state.h"

static char dir[256];

typedef struct store {
    char object[320];   /* the stored database */
    char gen_path[320]; /* its generation */
    char lock_path[320];
    long seen; /* the generation this client read or last wrote */
    int pulls, pushes;
} store;

static long read_gen(const store *s)
{
    FILE *f = fopen(s->gen_path, "r");
    long g = 0;
    if (f) {
        if (fscanf(f, "%ld", &g) != 1)
            g = -1;
        fclose(f);
    }
    return g;
}

static void write_gen(const store *s, long g)
{
    FILE *f = fopen(s->gen_path, "w");
    assert_non_null(f);
    fprintf(f, "%ld\n", g);
    fclose(f);
}

static int copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb");
    if (!in)
        return -1;
    FILE *out = fopen(to, "wb");
    if (!out) {
        fclose(in);
        return -1;
    }
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
        fwrite(buf, 1, n, out);
    fclose(in);
    return fclose(out) == 0 ? 0 : -1;
}

static int st_pull(void *ctx, const char *path)
{
    store *s = ctx;
    s->pulls++;
    if (access(s->object, F_OK) != 0)
        return VPCE_ENOTFOUND;
    s->seen = read_gen(s);
    return copy_file(s->object, path) == 0 ? 0 : vpce_error_set("pull failed");
}

static int st_push(void *ctx, const char *path)
{
    store *s = ctx;
    if (read_gen(s) != s->seen)
        return vpce_error_setc(VPCE_ESTALE, "the stored state changed since it was read");
    if (copy_file(path, s->object) != 0)
        return vpce_error_set("push failed");
    s->seen++;
    write_gen(s, s->seen);
    s->pushes++;
    return 0;
}

static int st_lock(void *ctx, const json_t *info, json_t **holder_out)
{
    store *s = ctx;
    int fd = open(s->lock_path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        json_error_t err;
        *holder_out = json_load_file(s->lock_path, 0, &err);
        return VPCE_ELOCKED;
    }
    char *text = json_dumps(info, 0);
    ssize_t w = write(fd, text, strlen(text));
    free(text);
    close(fd);
    return w > 0 ? 0 : vpce_error_set("lock write failed");
}

static int st_lock_info(void *ctx, json_t **out)
{
    store *s = ctx;
    json_error_t err;
    *out = access(s->lock_path, F_OK) == 0 ? json_load_file(s->lock_path, 0, &err) : NULL;
    return 0;
}

static int st_unlock(void *ctx, const char *id)
{
    store *s = ctx;
    json_t *cur = NULL;
    st_lock_info(ctx, &cur);
    int rc = cur && strcmp(json_string_value(json_object_get(cur, "id")), id) == 0
                 ? (unlink(s->lock_path) == 0 ? 0 : vpce_error_set("unlink failed"))
                 : vpce_error_setc(VPCE_ENOTFOUND, "no lock with ID %s", id);
    json_decref(cur);
    return rc;
}

static const vpce_state_backend_ops store_ops = {
    .kind = "test-store",
    .pull = st_pull,
    .push = st_push,
    .lock = st_lock,
    .unlock = st_unlock,
    .lock_info = st_lock_info,
};

static void store_init(store *s)
{
    memset(s, 0, sizeof(*s));
    snprintf(s->object, sizeof(s->object), "%s/store.db", dir);
    snprintf(s->gen_path, sizeof(s->gen_path), "%s/store.gen", dir);
    snprintf(s->lock_path, sizeof(s->lock_path), "%s/store.lock", dir);
}

/* Opens the store through the seam with a working copy named after `who`. */
static int open_remote(vpce_state **out, store *s, const char *who, bool create)
{
    char cache[320];
    snprintf(cache, sizeof(cache), "%s/%s.db", dir, who);
    return vpce_state_open_backend(
        out, vpce_state_backend_new(&store_ops, s, "test://store/state", cache), create);
}

/* The resources of the stored object, read from a fresh copy of it. */
static json_t *stored_doc(const store *s)
{
    char copy[320];
    snprintf(copy, sizeof(copy), "%s/inspect.db", dir);
    unlink(copy);
    assert_int_equal(copy_file(s->object, copy), 0);
    vpce_state *st = NULL;
    json_t *doc = NULL;
    assert_int_equal(vpce_state_open(&st, copy, false), 0);
    assert_int_equal(vpce_state_load(st, &doc), 0);
    vpce_state_close(st);
    return doc;
}

static json_t *vpc(const char *id)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:{s:s}}", "address", "aws_vpc.main", "type", "aws_vpc",
                     "name", "main", "id", id, "attributes", "id", id);
}

static int setup(void **ctx)
{
    (void)ctx;
    snprintf(dir, sizeof(dir), "/tmp/vpce-state-backend-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **ctx)
{
    (void)ctx;
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void state_backend_missing_without_create_is_not_found(void **ctx)
{
    (void)ctx;
    store s;
    store_init(&s);
    vpce_state *st = NULL;
    assert_int_equal(open_remote(&st, &s, "a", false), VPCE_ENOTFOUND);
    assert_null(st);
    assert_non_null(strstr(vpce_error_last(), "test://store/state"));
    assert_int_equal(access(s.object, F_OK), -1);
}

static void state_backend_new_state_is_pushed_at_once(void **ctx)
{
    (void)ctx;
    store s;
    store_init(&s);
    vpce_state *st = NULL;
    assert_int_equal(open_remote(&st, &s, "a", true), 0);
    assert_int_equal(s.pulls, 1);
    assert_int_equal(s.pushes, 1);
    assert_string_equal(vpce_state_where(st), "test://store/state");
    json_t *doc = stored_doc(&s);
    assert_string_equal(json_string_value(json_object_get(doc, "lineage")), vpce_state_lineage(st));
    json_decref(doc);
    vpce_state_close(st);
}

static void state_backend_every_commit_is_pushed(void **ctx)
{
    (void)ctx;
    store s;
    store_init(&s);
    vpce_state *st = NULL;
    assert_int_equal(open_remote(&st, &s, "a", true), 0);
    int before = s.pushes;

    /* A journal entry is stored before the operation it announces. */
    int64_t jid = 0;
    assert_int_equal(vpce_state_journal_begin(st, "aws_vpc.main", "create", "tok-1", NULL, &jid),
                     0);
    assert_int_equal(s.pushes, before + 1);
    json_t *entries = NULL;
    vpce_state *other = NULL;
    store s2 = s;
    assert_int_equal(open_remote(&other, &s2, "b", false), 0);
    assert_int_equal(vpce_state_journal_list(other, &entries), 0);
    assert_int_equal(json_array_size(entries), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(entries, 0), "token")),
                        "tok-1");
    json_decref(entries);
    vpce_state_close(other);

    json_t *r = vpc("vpc-1");
    assert_int_equal(vpce_state_record_result(st, jid, r, "aws_vpc.main"), 0);
    json_decref(r);
    assert_int_equal(s.pushes, before + 2);
    json_t *doc = stored_doc(&s);
    json_t *res = json_object_get(doc, "resources");
    assert_int_equal(json_array_size(res), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(res, 0), "id")), "vpc-1");
    json_decref(doc);

    /* A batch is pushed once, at its commit. */
    assert_int_equal(vpce_state_begin(st), 0);
    assert_int_equal(vpce_state_remove_resource(st, "aws_vpc.main"), 0);
    assert_int_equal(s.pushes, before + 2);
    assert_int_equal(vpce_state_commit(st), 0);
    assert_int_equal(s.pushes, before + 3);
    doc = stored_doc(&s);
    assert_int_equal(json_array_size(json_object_get(doc, "resources")), 0);
    json_decref(doc);
    vpce_state_close(st);
}

static void state_backend_stale_writer_is_refused(void **ctx)
{
    (void)ctx;
    store s;
    store_init(&s);
    vpce_state *a = NULL, *b = NULL;
    assert_int_equal(open_remote(&a, &s, "a", true), 0);
    vpce_state_close(a);
    store sa = s, sb = s;
    assert_int_equal(open_remote(&a, &sa, "a", false), 0);
    assert_int_equal(open_remote(&b, &sb, "b", false), 0);
    json_t *r = vpc("vpc-b");
    assert_int_equal(vpce_state_put_resource(b, r), 0); /* b writes first */
    json_decref(r);
    r = vpc("vpc-a");
    assert_int_equal(vpce_state_put_resource(a, r), VPCE_ESTALE); /* a read an older state */
    json_decref(r);
    json_t *doc = stored_doc(&s);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(doc, "resources"), 0), "id")),
                        "vpc-b");
    json_decref(doc);
    vpce_state_close(a);
    vpce_state_close(b);
}

static void state_backend_lock_is_the_backends(void **ctx)
{
    (void)ctx;
    store s;
    store_init(&s);
    vpce_state *a = NULL, *b = NULL;
    assert_int_equal(open_remote(&a, &s, "a", true), 0);
    store sb = s;
    assert_int_equal(open_remote(&b, &sb, "b", false), 0);
    assert_int_equal(vpce_state_lock(a, "apply", 0, NULL), 0);
    assert_int_equal(access(s.lock_path, F_OK), 0);
    json_t *holder = NULL;
    assert_int_equal(vpce_state_lock(b, "plan", 0, &holder), VPCE_ELOCKED);
    assert_string_equal(json_string_value(json_object_get(holder, "operation")), "apply");
    assert_string_equal(json_string_value(json_object_get(holder, "id")), vpce_state_lock_id(a));
    assert_non_null(strstr(vpce_error_last(), "test://store/state"));
    json_decref(holder);
    json_t *info = NULL;
    assert_int_equal(vpce_state_lock_info(b, &info), 0);
    assert_string_equal(json_string_value(json_object_get(info, "id")), vpce_state_lock_id(a));
    json_decref(info);
    assert_int_equal(vpce_state_force_unlock(b, "no-such-id"), VPCE_ENOTFOUND);
    assert_int_equal(vpce_state_unlock(a), 0);
    assert_int_equal(access(s.lock_path, F_OK), -1);
    assert_int_equal(vpce_state_lock_info(b, &info), VPCE_ENOTFOUND);
    vpce_state_close(a);
    vpce_state_close(b);
}

static void state_backend_local_is_the_file(void **ctx)
{
    (void)ctx;
    char path[320];
    snprintf(path, sizeof(path), "%s/vpce.db", dir);
    vpce_state *st = NULL;
    assert_int_equal(vpce_state_open_backend(&st, vpce_state_backend_local(path), false),
                     VPCE_ENOTFOUND);
    assert_int_equal(vpce_state_open_backend(&st, vpce_state_backend_local(path), true), 0);
    assert_string_equal(vpce_state_where(st), path);
    assert_string_equal(vpce_state_path(st), path);
    vpce_state_close(st);
    assert_int_equal(access(path, F_OK), 0);
}

static char *slurp(const char *path, size_t *len)
{
    char *data = NULL;
    assert_int_equal(vpce_read_file(&data, len, path, 64u << 20), 0);
    return data;
}

/* A snapshot is the database's bytes, its WAL folded in; it never replaces a file. */
static void state_backend_snapshot_is_the_whole_database(void **ctx)
{
    (void)ctx;
    char path[320], snap[320];
    snprintf(path, sizeof(path), "%s/vpce.db", dir);
    snprintf(snap, sizeof(snap), "%s/snap.db", dir);
    vpce_state *st = NULL;
    assert_int_equal(vpce_state_open(&st, path, true), 0);
    json_t *r = vpc("vpc-snap");
    assert_int_equal(vpce_state_put_resource(st, r), 0); /* lands in the WAL */
    json_decref(r);
    assert_int_equal(vpce_state_snapshot(st, snap), 0);
    assert_int_equal(vpce_state_snapshot(st, snap), VPCE_EEXISTS);
    vpce_state_close(st);
    size_t n1 = 0, n2 = 0;
    char *a = slurp(path, &n1), *b = slurp(snap, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(a, b, n1);
    free(a);
    free(b);
    char *lineage = NULL;
    int64_t serial = 0;
    assert_int_equal(vpce_state_file_info(snap, &lineage, &serial), 0);
    assert_int_equal(serial, 1);
    free(lineage);
}

/* Seeding makes a state where there was none, byte for byte, and never replaces one. */
static void state_backend_seed_creates_only(void **ctx)
{
    (void)ctx;
    char src[320], dst[320], junk[320];
    snprintf(src, sizeof(src), "%s/src.db", dir);
    snprintf(dst, sizeof(dst), "%s/dst.db", dir);
    snprintf(junk, sizeof(junk), "%s/junk.txt", dir);
    vpce_state *st = NULL;
    assert_int_equal(vpce_state_open(&st, src, true), 0);
    vpce_state_close(st);
    vpce_state_backend *b = vpce_state_backend_local(dst);
    assert_int_equal(vpce_state_backend_seed(b, src), 0);
    assert_int_equal(vpce_state_backend_seed(b, src), VPCE_EEXISTS);
    vpce_state_backend_free(b);
    size_t n1 = 0, n2 = 0;
    char *x = slurp(src, &n1), *y = slurp(dst, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(x, y, n1);
    free(x);
    free(y);
    FILE *f = fopen(junk, "w");
    fputs("not a database", f);
    fclose(f);
    b = vpce_state_backend_local(dst);
    assert_int_equal(vpce_state_backend_seed(b, junk), VPCE_EINVALID);
    vpce_state_backend_free(b);
}

/* Replacing a remote state stores the new bytes with the condition of the last read. */
static void state_backend_replace_remote(void **ctx)
{
    (void)ctx;
    store s;
    store_init(&s);
    char other[320];
    snprintf(other, sizeof(other), "%s/other.db", dir);
    vpce_state *st = NULL, *o = NULL;
    assert_int_equal(vpce_state_open(&o, other, true), 0);
    json_t *r = vpc("vpc-other");
    assert_int_equal(vpce_state_put_resource(o, r), 0);
    json_decref(r);
    char *other_lineage = vpce_strdup(vpce_state_lineage(o));
    vpce_state_close(o);

    assert_int_equal(open_remote(&st, &s, "a", true), 0);
    int pushes = s.pushes;
    assert_int_equal(vpce_state_replace(st, other), 0);
    assert_int_equal(s.pushes, pushes + 1);
    assert_string_equal(vpce_state_lineage(st), other_lineage);
    size_t n1 = 0, n2 = 0;
    char *x = slurp(other, &n1), *y = slurp(s.object, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(x, y, n1);
    free(x);
    free(y);
    /* The handle goes on working on the new content. */
    json_t *doc = NULL;
    assert_int_equal(vpce_state_load(st, &doc), 0);
    assert_int_equal(json_array_size(json_object_get(doc, "resources")), 1);
    json_decref(doc);
    vpce_state_close(st);
    free(other_lineage);
}

/* The local file takes the new content and keeps this handle's lock. */
static void state_backend_replace_local_keeps_the_lock(void **ctx)
{
    (void)ctx;
    char path[320], other[320];
    snprintf(path, sizeof(path), "%s/vpce.db", dir);
    snprintf(other, sizeof(other), "%s/other.db", dir);
    vpce_state *st = NULL, *o = NULL;
    assert_int_equal(vpce_state_open(&o, other, true), 0);
    assert_int_equal(vpce_state_lock(o, "someone", 0, NULL), 0); /* a lock row in the copy */
    json_t *r = vpc("vpc-other");
    assert_int_equal(vpce_state_put_resource(o, r), 0);
    json_decref(r);
    char snap[320];
    snprintf(snap, sizeof(snap), "%s/snap.db", dir);
    assert_int_equal(vpce_state_snapshot(o, snap), 0); /* holds o's lock row */
    vpce_state_close(o);

    assert_int_equal(vpce_state_open_backend(&st, vpce_state_backend_local(path), true), 0);
    assert_int_equal(vpce_state_lock(st, "state push", 0, NULL), 0);
    char *mine = vpce_strdup(vpce_state_lock_id(st));
    assert_int_equal(vpce_state_replace(st, snap), 0);
    json_t *info = NULL;
    assert_int_equal(vpce_state_lock_info(st, &info), 0);
    assert_string_equal(json_string_value(json_object_get(info, "id")), mine);
    json_decref(info);
    json_t *doc = NULL;
    assert_int_equal(vpce_state_load(st, &doc), 0);
    assert_int_equal(json_array_size(json_object_get(doc, "resources")), 1);
    json_decref(doc);
    assert_int_equal(vpce_state_unlock(st), 0);
    assert_int_equal(vpce_state_lock_info(st, &info), VPCE_ENOTFOUND);
    vpce_state_close(st);
    free(mine);
}

static void state_backend_delete(void **ctx)
{
    (void)ctx;
    char path[320];
    snprintf(path, sizeof(path), "%s/ws.db", dir);
    vpce_state *st = NULL;
    assert_int_equal(vpce_state_open_backend(&st, vpce_state_backend_local(path), true), 0);
    assert_int_equal(vpce_state_lock(st, "workspace delete", 0, NULL), 0);
    assert_int_equal(vpce_state_delete(st), 0);
    assert_int_equal(access(path, F_OK), -1);
    /* A backend without a remove operation says so. */
    store s;
    store_init(&s);
    assert_int_equal(open_remote(&st, &s, "a", true), 0);
    assert_int_equal(vpce_state_delete(st), VPCE_ERROR);
    assert_non_null(strstr(vpce_error_last(), "cannot delete"));
    assert_int_equal(access(s.object, F_OK), 0);
}

/* Without a cache path a remote working copy lives in a private directory, removed at close. */
static void state_backend_private_working_copy(void **ctx)
{
    (void)ctx;
    store s;
    store_init(&s);
    char tmp[320];
    snprintf(tmp, sizeof(tmp), "%s/tmp", dir);
    assert_int_equal(mkdir(tmp, 0700), 0);
    setenv("TMPDIR", tmp, 1);
    vpce_state *st = NULL;
    assert_int_equal(vpce_state_open_backend(
                         &st, vpce_state_backend_new(&store_ops, &s, "test://x", NULL), true),
                     0);
    unsetenv("TMPDIR");
    assert_true(strncmp(vpce_state_path(st), tmp, strlen(tmp)) == 0);
    vpce_state_close(st);
    assert_int_equal(rmdir(tmp), 0); /* empty again */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(state_backend_missing_without_create_is_not_found, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(state_backend_new_state_is_pushed_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(state_backend_every_commit_is_pushed, setup, teardown),
        cmocka_unit_test_setup_teardown(state_backend_stale_writer_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(state_backend_lock_is_the_backends, setup, teardown),
        cmocka_unit_test_setup_teardown(state_backend_local_is_the_file, setup, teardown),
        cmocka_unit_test_setup_teardown(state_backend_snapshot_is_the_whole_database, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(state_backend_seed_creates_only, setup, teardown),
        cmocka_unit_test_setup_teardown(state_backend_replace_remote, setup, teardown),
        cmocka_unit_test_setup_teardown(state_backend_replace_local_keeps_the_lock, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(state_backend_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(state_backend_private_working_copy, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
