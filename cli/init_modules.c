/*
 * cli/init_modules.c: the module part of `vpce init`. Fetches every git module source of the
 * configuration (git::URL[//SUBDIR][?ref=REF]) with the system's git, run as a subprocess
 * without a shell, into .vpce/modules/KEY, and pins each by commit in .vpce/modules.lock.json
 * ({"version": 1, "modules": {KEY: {"source", "commit"}}}). A module already installed from the
 * same source stays at its locked commit; -upgrade resolves the refs again. Local modules need
 * nothing. Modules that git modules call are found by loading the configuration again after
 * each round of fetches.
 */
#include "cli/cli.h"
#include "config/config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Git's output kept for messages and for rev-parse. */
#define GIT_OUTPUT_MAX (256u * 1024)

/* Runs git with argv (argv[0] "git", NULL-terminated), no shell; *out gets its stdout, *err
   its stderr. Returns 0 when git exits 0, else VPCE_ERROR with a message. */
static int run_git(char *const argv[], vpce_buf *out, vpce_buf *err)
{
    int po[2] = {-1, -1}, pe[2] = {-1, -1};
    if (pipe(po) != 0 || pipe(pe) != 0) {
        int rc = vpce_error_set("cannot run git: %s", strerror(errno));
        for (int i = 0; i < 2; i++) {
            if (po[i] >= 0)
                close(po[i]);
            if (pe[i] >= 0)
                close(pe[i]);
        }
        return rc;
    }
    pid_t pid = fork();
    if (pid < 0) {
        close(po[0]);
        close(po[1]);
        close(pe[0]);
        close(pe[1]);
        return vpce_error_set("cannot run git: %s", strerror(errno));
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]);
        close(pe[0]);
        setenv("GIT_TERMINAL_PROMPT", "0", 1);
        execvp("git", argv);
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    struct pollfd fds[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
    vpce_buf *bufs[2] = {out, err};
    int open_fds = 2;
    char chunk[4096];
    while (open_fds > 0) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t n = read(fds[i].fd, chunk, sizeof(chunk));
            if (n > 0) {
                vpce_buf_append(bufs[i], chunk, (size_t)n); /* past the cap: dropped */
            } else if (n == 0 || errno != EINTR) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            }
        }
    }
    for (int i = 0; i < 2; i++)
        if (fds[i].fd >= 0)
            close(fds[i].fd);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return vpce_error_set("cannot run git: is it installed and on PATH?");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        /* git's first "fatal:" or "error:" line says why; else its last line. */
        char *e = vpce_strdup(vpce_buf_cstr(err));
        const char *why = NULL, *last = NULL;
        for (char *save = NULL, *l = strtok_r(e, "\r\n", &save); l;
             l = strtok_r(NULL, "\r\n", &save)) {
            if (!why && (strncmp(l, "fatal: ", 7) == 0 || strncmp(l, "error: ", 7) == 0))
                why = l + 7;
            last = l;
        }
        size_t sub = 1; /* the subcommand, after -C DIR and -c NAME=VALUE */
        while (argv[sub] && argv[sub][0] == '-' && argv[sub + 1])
            sub += 2;
        int rc = vpce_error_set("git %s failed: %s", argv[sub] ? argv[sub] : "",
                                why    ? why
                                : last ? last
                                       : "no message");
        free(e);
        return rc;
    }
    return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Removes dir and everything in it (symbolic links are removed, not followed). */
static int remove_tree(const char *dir)
{
    struct stat st;
    if (lstat(dir, &st) != 0)
        return errno == ENOENT ? 0 : vpce_error_set("cannot remove %s: %s", dir, strerror(errno));
    if (nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        return vpce_error_set("cannot remove %s: %s", dir, strerror(errno));
    return 0;
}

static int mkdir_p(const char *path)
{
    char *p = vpce_strdup(path);
    int rc = 0;
    for (char *s = p + 1; *s && rc == 0; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST)
            rc = vpce_error_set("cannot create %s: %s", p, strerror(errno));
        *s = '/';
    }
    if (rc == 0 && mkdir(p, 0755) != 0 && errno != EEXIST)
        rc = vpce_error_set("cannot create %s: %s", p, strerror(errno));
    free(p);
    return rc;
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static char *join(const char *dir, const char *rel)
{
    return strcmp(dir, ".") == 0 ? vpce_strdup(rel) : vpce_asprintf("%s/%s", dir, rel);
}

/* The commit checked out in repo, or NULL with a message. Caller frees. */
static char *head_commit(const char *repo)
{
    vpce_buf out = VPCE_BUF_INIT(GIT_OUTPUT_MAX), err = VPCE_BUF_INIT(GIT_OUTPUT_MAX);
    char *argv[] = {"git", "-C", (char *)repo, "rev-parse", "HEAD", NULL};
    char *commit = NULL;
    if (run_git(argv, &out, &err) == 0) {
        commit = vpce_strndup(vpce_buf_cstr(&out), strcspn(vpce_buf_cstr(&out), "\r\n"));
        if (strlen(commit) < 40) {
            vpce_error_set("git rev-parse gave no commit for %s", repo);
            free(commit);
            commit = NULL;
        }
    }
    vpce_buf_release(&out);
    vpce_buf_release(&err);
    return commit;
}

/*
 * Installs one git module at dest: kept when it is already there from the same source at the
 * locked commit (unless upgrade), else cloned and checked out at the locked commit (same
 * source, no upgrade) or at the source's ref. *out_commit gets the commit (caller frees).
 */
static int install_git(const char *key, const char *source, const json_t *locked, bool upgrade,
                       const char *dest, char **out_commit)
{
    char *url = NULL, *ref = NULL, *subdir = NULL;
    vpce_buf out = VPCE_BUF_INIT(GIT_OUTPUT_MAX), err = VPCE_BUF_INIT(GIT_OUTPUT_MAX);
    int rc = vpce_config_git_source(source, &url, &ref, &subdir);
    *out_commit = NULL;
    if (rc)
        goto cleanup;
    const char *lsrc = json_string_value(json_object_get(locked, "source"));
    const char *lcommit = json_string_value(json_object_get(locked, "commit"));
    bool same = lsrc && lcommit && strcmp(lsrc, source) == 0 && !upgrade;
    if (same && is_dir(dest)) {
        char *head = head_commit(dest);
        if (head && strcmp(head, lcommit) == 0) {
            printf("- %s in %s (%.12s)\n", key, dest, head);
            *out_commit = head;
            goto check_subdir;
        }
        free(head);
    }
    const char *want = same ? lcommit : ref;
    printf("Downloading %s for %s...\n", source, key);
    fflush(stdout);
    if ((rc = remove_tree(dest)) != 0)
        goto cleanup;
    char *clone[] = {"git", "clone", "--quiet", "--", url, (char *)dest, NULL};
    if ((rc = run_git(clone, &out, &err)) != 0)
        goto cleanup;
    if (want) {
        vpce_buf_clear(&err);
        char *checkout[] = {"git",      "-C",      (char *)dest, "-c", "advice.detachedHead=false",
                            "checkout", "--quiet", (char *)want, "--", NULL};
        if ((rc = run_git(checkout, &out, &err)) != 0) {
            rc = vpce_error_set("%s: cannot check out \"%s\": %s", source, want, vpce_error_last());
            goto cleanup;
        }
    }
    if (!(*out_commit = head_commit(dest))) {
        rc = VPCE_ERROR;
        goto cleanup;
    }
    printf("- %s in %s (%.12s)\n", key, dest, *out_commit);
check_subdir:
    if (subdir) {
        char *sd = vpce_asprintf("%s/%s", dest, subdir);
        if (!is_dir(sd))
            rc = vpce_error_set("%s: the repository has no directory \"%s\"", source, subdir);
        free(sd);
    }
cleanup:
    if (rc) {
        free(*out_commit);
        *out_commit = NULL;
    }
    vpce_buf_release(&out);
    vpce_buf_release(&err);
    free(url);
    free(ref);
    free(subdir);
    return rc;
}

/* Writes the lock file atomically (a temporary file renamed over it). */
/* Writes the lock file at path (replaced whole) recording modules. */
static int write_lock(const char *path, const json_t *modules)
{
    json_t *lock = json_pack("{s:i,s:O}", "version", 1, "modules", modules);
    char *tmp = vpce_asprintf("%s.tmp", path);
    int rc = 0;
    if (json_dump_file(lock, tmp, JSON_INDENT(2) | JSON_SORT_KEYS) != 0 || rename(tmp, path) != 0) {
        rc = vpce_error_set("cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    json_decref(lock);
    return rc;
}

int cli_init_modules(const char *dir, bool upgrade)
{
    char *lock_path = join(dir, VPCE_MODULES_LOCK_FILE);
    char *mods_dir = join(dir, VPCE_MODULES_DIR);
    json_t *old = json_load_file(lock_path, 0, NULL);
    json_t *modules = json_object(); /* the new lock's modules */
    json_t *done = json_object();    /* keys handled in this run */
    vpce_config *cfg = NULL;
    vpce_diags diags = VPCE_DIAGS_INIT;
    int ret = CLI_ERROR;
    bool any = false;

    printf("Initializing modules...\n");
    /* Each round loads the configuration with what is installed so far, which reveals the
       git modules that newly fetched modules call. */
    for (int round = 0; round < 64; round++) {
        vpce_config_free(cfg);
        vpce_diags_release(&diags);
        cfg = NULL;
        vpce_config_load_dir(&cfg, dir, &diags);
        bool fetched = false;
        for (size_t mi = 0; mi < cfg->modules.len; mi++) {
            const vpce_config *m = cfg->modules.items[mi];
            for (size_t i = 0; i < m->module_calls.len; i++) {
                const vpce_cfg_module_call *call = m->module_calls.items[i];
                if (!vpce_config_source_is_git(call->source))
                    continue;
                char *key = vpce_config_module_key(m, call);
                if (json_object_get(done, key)) {
                    free(key);
                    continue;
                }
                any = true;
                json_object_set_new(done, key, json_true());
                char *dest = vpce_asprintf("%s/%s", mods_dir, key);
                char *commit = NULL;
                int rc = mkdir_p(mods_dir);
                if (rc == 0)
                    rc = install_git(key, call->source,
                                     json_object_get(json_object_get(old, "modules"), key), upgrade,
                                     dest, &commit);
                if (rc == 0)
                    json_object_set_new(
                        modules, key,
                        json_pack("{s:s,s:s}", "source", call->source, "commit", commit));
                free(commit);
                free(dest);
                free(key);
                if (rc != 0) {
                    cli_fail("module \"%s\": %s", call->name, vpce_error_last());
                    goto cleanup;
                }
                fetched = true;
            }
        }
        if (!fetched)
            break;
        /* What was fetched is locked at once, so the next round loads it. */
        if (write_lock(lock_path, modules) != 0) {
            cli_fail("%s", vpce_error_last());
            goto cleanup;
        }
    }
    if ((any || old) && write_lock(lock_path, modules) != 0) {
        cli_fail("%s", vpce_error_last());
        goto cleanup;
    }
    if (vpce_diags_has_errors(&diags)) {
        cli_print_diags(&diags);
        goto cleanup;
    }
    if (!any)
        printf("- no git modules to install\n");
    ret = CLI_OK;
cleanup:
    vpce_config_free(cfg);
    vpce_diags_release(&diags);
    json_decref(old);
    json_decref(modules);
    json_decref(done);
    free(lock_path);
    free(mods_dir);
    return ret;
}
