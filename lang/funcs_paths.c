/*
 * lang/funcs_paths.c: built-in functions on paths and the files under them: basename, dirname,
 * abspath, pathexpand, filebase64 and fileset. Relative paths resolve against the directory of
 * the configuration, as file() does.
 */
#include "lang/funcs.h"

#include <dirent.h>
#include <fnmatch.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Most paths fileset() returns. */
#define FILESET_MAX 100000

static char *resolve(fcall *c, const char *p)
{
    if (p[0] == '/' || !c->ctx->base_dir || !c->ctx->base_dir[0])
        return vpce_strdup(p);
    return vpce_asprintf("%s/%s", c->ctx->base_dir, p);
}

int fn_read_file(fcall *c, size_t i, char **out, size_t *len)
{
    const char *p = fn_str(c, i);
    if (!p)
        return -1;
    char *path = resolve(c, p);
    int rc = vpce_read_file(out, len, path, FILE_MAX);
    free(path);
    if (rc == VPCE_ETOOBIG)
        fn_fail(c, "the file %s is larger than %u bytes", p, FILE_MAX);
    else if (rc < 0)
        fn_fail(c, "cannot read %s: %s", p, vpce_error_last());
    return rc < 0 ? -1 : 0;
}

/* The last element of a path, as Go's filepath.Base: trailing slashes dropped, "." for "". */
static json_t *f_basename(fcall *c)
{
    const char *p = fn_str(c, 0);
    if (!p)
        return NULL;
    size_t n = strlen(p);
    if (n == 0)
        return json_string(".");
    while (n > 1 && p[n - 1] == '/')
        n--;
    if (n == 1 && p[0] == '/')
        return json_string("/");
    size_t start = n;
    while (start > 0 && p[start - 1] != '/')
        start--;
    return fn_str_new(p + start, n - start);
}

/* Lexically cleans a path as Go's filepath.Clean: no "." elements, ".." resolved where it can
 * be, no repeated or trailing slashes, "." for an empty result. Caller frees. */
static char *clean_path(const char *p)
{
    bool rooted = p[0] == '/';
    size_t n = strlen(p);
    char *out = vpce_malloc(n + 2);
    size_t w = 0, dotdot = 0; /* dotdot: where ".." can no longer be undone */
    if (rooted)
        out[w++] = '/', dotdot = 1;
    for (size_t r = 0; r < n;) {
        if (p[r] == '/') {
            r++;
        } else if (p[r] == '.' && (r + 1 == n || p[r + 1] == '/')) {
            r++;
        } else if (p[r] == '.' && p[r + 1] == '.' && (r + 2 == n || p[r + 2] == '/')) {
            r += 2;
            if (w > dotdot) {
                w--;
                while (w > dotdot && out[w] != '/')
                    w--;
            } else if (!rooted) {
                if (w > 0)
                    out[w++] = '/';
                out[w++] = '.';
                out[w++] = '.';
                dotdot = w;
            }
        } else {
            if ((rooted && w != 1) || (!rooted && w != 0))
                out[w++] = '/';
            while (r < n && p[r] != '/')
                out[w++] = p[r++];
        }
    }
    if (w == 0)
        out[w++] = '.';
    out[w] = 0;
    return out;
}

/* Everything but the last element, as Go's filepath.Dir. */
static json_t *f_dirname(fcall *c)
{
    const char *p = fn_str(c, 0);
    if (!p)
        return NULL;
    size_t n = strlen(p);
    while (n > 0 && p[n - 1] != '/')
        n--;
    char *head = vpce_strndup(p, n);
    char *d = clean_path(head);
    json_t *r = json_string(d);
    free(head);
    free(d);
    return r;
}

/* An absolute path: relative ones are taken from the current directory, as Terraform does;
 * symbolic links are resolved where the path exists. */
static json_t *f_abspath(fcall *c)
{
    const char *p = fn_str(c, 0);
    if (!p)
        return NULL;
    char *joined;
    if (p[0] == '/') {
        joined = vpce_strdup(p);
    } else {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof(cwd)))
            return fn_fail(c, "cannot find the current directory");
        joined = vpce_asprintf("%s/%s", cwd, p);
    }
    char real[PATH_MAX];
    char *clean = realpath(joined, real) ? vpce_strdup(real) : clean_path(joined);
    free(joined);
    json_t *r = json_string(clean);
    free(clean);
    return r;
}

/* A leading ~ replaced with the home directory (of the user, or ~name's). */
static json_t *f_pathexpand(fcall *c)
{
    const char *p = fn_str(c, 0);
    if (!p)
        return NULL;
    if (p[0] != '~')
        return json_string(p);
    const char *rest = strchr(p, '/');
    size_t nlen = rest ? (size_t)(rest - p - 1) : strlen(p + 1);
    const char *home = NULL;
    struct passwd pw, *res = NULL;
    char buf[4096];
    if (nlen == 0) {
        home = getenv("HOME");
        if ((!home || !*home) && getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res) == 0 && res)
            home = pw.pw_dir;
    } else {
        char *name = vpce_strndup(p + 1, nlen);
        if (getpwnam_r(name, &pw, buf, sizeof(buf), &res) == 0 && res)
            home = pw.pw_dir;
        free(name);
    }
    if (!home)
        return fn_fail(c, "cannot find the home directory for \"%.*s\"", (int)nlen + 1, p);
    char *out = vpce_asprintf("%s%s", home, rest ? rest : "");
    json_t *r = json_string(out);
    free(out);
    return r;
}

static json_t *f_filebase64(fcall *c)
{
    char *data;
    size_t len;
    if (fn_read_file(c, 0, &data, &len) < 0)
        return NULL;
    json_t *r = fn_base64_json(c, (const unsigned char *)data, len);
    free(data);
    return r;
}

/* Matches a path's elements against a pattern's: "**" matches any number of elements. */
static bool match_elems(char **pat, size_t np, char **path, size_t n)
{
    if (np == 0)
        return n == 0;
    if (strcmp(pat[0], "**") == 0) {
        for (size_t k = 0; k <= n; k++)
            if (match_elems(pat + 1, np - 1, path + k, n - k))
                return true;
        return false;
    }
    return n > 0 && fnmatch(pat[0], path[0], 0) == 0 &&
           match_elems(pat + 1, np - 1, path + 1, n - 1);
}

static size_t split_elems(char *s, char **out, size_t max)
{
    size_t n = 0;
    for (char *tok = strtok(s, "/"); tok && n < max; tok = strtok(NULL, "/"))
        out[n++] = tok;
    return n;
}

typedef struct walk {
    fcall *c;
    char **pat;
    size_t np;
    json_t *out;
    bool failed;
} walk;

/* Visits every regular file below root/rel (depth-first), adding the matching ones. */
static void walk_dir(walk *w, const char *root, const char *rel, int depth)
{
    if (w->failed || depth > 64)
        return;
    char *dir = rel[0] ? vpce_asprintf("%s/%s", root, rel) : vpce_strdup(root);
    DIR *d = opendir(dir);
    if (!d) {
        free(dir);
        return;
    }
    struct dirent *e;
    while (!w->failed && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *r = rel[0] ? vpce_asprintf("%s/%s", rel, e->d_name) : vpce_strdup(e->d_name);
        char *full = vpce_asprintf("%s/%s", root, r);
        struct stat st;
        if (stat(full, &st) == 0) {
            if (S_ISDIR(st.st_mode)) {
                walk_dir(w, root, r, depth + 1);
            } else if (S_ISREG(st.st_mode)) {
                char *copy = vpce_strdup(r);
                char *elems[256];
                size_t n = split_elems(copy, elems, 256);
                if (match_elems(w->pat, w->np, elems, n)) {
                    if (json_array_size(w->out) >= FILESET_MAX) {
                        fn_fail(w->c, "the pattern matches more than %d files", FILESET_MAX);
                        w->failed = true;
                    } else {
                        json_array_append_new(w->out, json_string(r));
                    }
                }
                free(copy);
            }
        }
        free(full);
        free(r);
    }
    closedir(d);
    free(dir);
}

/* fileset(path, pattern): the files below path whose path relative to it matches pattern
 * (*, ?, [class], {alt,...} and ** across directories), as a sorted set. */
static json_t *f_fileset(fcall *c)
{
    const char *p = fn_str(c, 0), *pattern = fn_str(c, 1);
    if (!p || !pattern)
        return NULL;
    char *root = resolve(c, p);
    struct stat st;
    if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode)) {
        free(root);
        return fn_fail(c, "the path %s is not a directory", p);
    }
    /* Braces expand into several patterns; each is matched in turn. */
    json_t *pats = json_array();
    json_array_append_new(pats, json_string(pattern));
    for (size_t i = 0; i < json_array_size(pats) && i < 1024; i++) {
        const char *s = json_string_value(json_array_get(pats, i));
        const char *open = strchr(s, '{'), *close = open ? strchr(open, '}') : NULL;
        if (!open || !close)
            continue;
        for (const char *alt = open + 1; alt <= close;) {
            const char *end = alt;
            while (end < close && *end != ',')
                end++;
            char *x =
                vpce_asprintf("%.*s%.*s%s", (int)(open - s), s, (int)(end - alt), alt, close + 1);
            json_array_append_new(pats, json_string(x));
            free(x);
            alt = end + 1;
        }
        json_array_remove(pats, i--);
    }
    json_t *out = json_array();
    walk w = {c, NULL, 0, out, false};
    for (size_t i = 0; i < json_array_size(pats) && !w.failed; i++) {
        char *copy = vpce_strdup(json_string_value(json_array_get(pats, i)));
        char *elems[256];
        w.pat = elems;
        w.np = split_elems(copy, elems, 256);
        walk_dir(&w, root, "", 0);
        free(copy);
    }
    json_decref(pats);
    free(root);
    if (w.failed) {
        json_decref(out);
        return NULL;
    }
    json_t *set = vpce_set_from_array(out);
    json_decref(out);
    return set;
}

const fdef vpce_fn_paths[] = {
    {"abspath", 1, 1, 0, f_abspath}, {"basename", 1, 1, 0, f_basename},
    {"dirname", 1, 1, 0, f_dirname}, {"filebase64", 1, 1, 0, f_filebase64},
    {"fileset", 2, 2, 0, f_fileset}, {"pathexpand", 1, 1, 0, f_pathexpand},
    {NULL, 0, 0, 0, NULL},
};
