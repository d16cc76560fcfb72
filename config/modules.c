/*
 * config/modules.c: the module tree. Resolves each module call's source (a local path relative
 * to the calling module, or a git source that `vpce init` installed under .vpce/modules), loads
 * the called modules recursively, checks each call's arguments against the module's variables,
 * resolves every resource's provider configuration through the tree (inherited, or mapped by
 * providers = {...}), and lists the nodes of the configuration graph.
 */
#include "config/config.h"
#include "config/config_internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Deeper than this, a module is taken to be calling itself. */
#define MAX_MODULE_DEPTH 32

/* ---- paths and sources ------------------------------------------------------------------- */

/* dir joined with rel, with "." and "name/.." steps removed ("." for nothing left). */
static char *join_clean(const char *dir, const char *rel)
{
    char *joined = rel[0] == '/'                      ? vpce_strdup(rel)
                   : strcmp(dir, ".") == 0 || !dir[0] ? vpce_strdup(rel)
                                                      : vpce_asprintf("%s/%s", dir, rel);
    bool absolute = joined[0] == '/';
    vpce_vec parts = VPCE_VEC_INIT;
    for (char *save = NULL, *t = strtok_r(joined, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
        if (strcmp(t, ".") == 0)
            continue;
        if (strcmp(t, "..") == 0 && parts.len > 0 &&
            strcmp(parts.items[parts.len - 1], "..") != 0) {
            parts.len--;
            continue;
        }
        if (strcmp(t, "..") == 0 && absolute)
            continue;
        vpce_vec_push(&parts, t);
    }
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    if (absolute)
        vpce_buf_putc(&b, '/');
    for (size_t i = 0; i < parts.len; i++)
        vpce_buf_printf(&b, "%s%s", i ? "/" : "", (const char *)parts.items[i]);
    if (b.len == 0)
        vpce_buf_putc(&b, '.');
    vpce_vec_release(&parts);
    free(joined);
    return vpce_buf_detach(&b);
}

static bool is_local_source(const char *s)
{
    return strcmp(s, ".") == 0 || strcmp(s, "..") == 0 || strncmp(s, "./", 2) == 0 ||
           strncmp(s, "../", 3) == 0;
}

bool vpce_config_source_is_git(const char *source)
{
    return source && strncmp(source, "git::", 5) == 0;
}

int vpce_config_git_source(const char *source, char **url, char **ref, char **subdir)
{
    *url = *ref = *subdir = NULL;
    if (!vpce_config_source_is_git(source))
        return vpce_error_setc(VPCE_EINVALID, "\"%s\" is not a git source", source);
    char *rest = vpce_strdup(source + 5);
    char *query = strchr(rest, '?');
    int rc = 0;
    if (query) {
        *query++ = '\0';
        for (char *save = NULL, *kv = strtok_r(query, "&", &save); kv;
             kv = strtok_r(NULL, "&", &save)) {
            if (strncmp(kv, "ref=", 4) == 0 && kv[4]) {
                free(*ref);
                *ref = vpce_strdup(kv + 4);
            } else if (strncmp(kv, "depth=", 6) == 0) {
                continue; /* a shallow clone is an optimisation only */
            } else {
                rc = vpce_error_setc(VPCE_EINVALID,
                                     "unsupported argument \"%s\" in git source \"%s\": vpce "
                                     "takes ?ref= only",
                                     kv, source);
                goto cleanup;
            }
        }
    }
    /* The subdirectory follows a "//" that is not the scheme's "://". */
    const char *scheme = strstr(rest, "://");
    char *from = scheme ? (char *)scheme + 3 : rest;
    if (scheme && strncmp(scheme + 3, "/", 1) == 0)
        from++; /* file:///path */
    char *sub = strstr(from, "//");
    if (sub) {
        *sub = '\0';
        char *s = sub + 2;
        while (*s == '/')
            s++;
        if (*s)
            *subdir = vpce_strdup(s);
        if (*subdir && (strstr(*subdir, "..") || (*subdir)[0] == '/')) {
            rc = vpce_error_setc(VPCE_EINVALID,
                                 "the subdirectory of git source \"%s\" must stay inside the "
                                 "repository",
                                 source);
            goto cleanup;
        }
    }
    if (!rest[0]) {
        rc = vpce_error_setc(VPCE_EINVALID, "git source \"%s\" has no URL", source);
        goto cleanup;
    }
    *url = vpce_strdup(rest);
cleanup:
    free(rest);
    if (rc) {
        free(*ref);
        free(*subdir);
        *ref = *subdir = NULL;
    }
    return rc;
}

char *vpce_config_module_key(const vpce_config *parent, const vpce_cfg_module_call *call)
{
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    /* parent->prefix is "module.a.module.b.": keep the names. */
    const char *p = parent->prefix;
    while (strncmp(p, "module.", 7) == 0) {
        p += 7;
        const char *dot = strchr(p, '.');
        vpce_buf_append(&b, p, (size_t)(dot - p));
        vpce_buf_putc(&b, '.');
        p = dot + 1;
    }
    vpce_buf_puts(&b, call->name);
    return vpce_buf_detach(&b);
}

/* The lock file's entry for key, or NULL (borrowed from lock). */
static const json_t *lock_entry(const json_t *lock, const char *key)
{
    return json_object_get(json_object_get(lock, "modules"), key);
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The directory of call's module, or NULL after a diagnostic. */
static char *module_dir(const vpce_config *m, const vpce_cfg_module_call *call, const json_t *lock,
                        vpce_diags *diags)
{
    const char *src = call->source;
    if (is_local_source(src))
        return join_clean(m->dir, src);
    if (!vpce_config_source_is_git(src)) {
        vpce_diags_error(diags, call->source_range,
                         "vpce reads modules from local paths (starting with ./ or ../) and from "
                         "git sources (git::URL?ref=REF); registry modules and other source "
                         "types are not supported",
                         "unsupported module source \"%s\"", src);
        return NULL;
    }
    char *url = NULL, *ref = NULL, *subdir = NULL, *out = NULL;
    if (vpce_config_git_source(src, &url, &ref, &subdir) != 0) {
        vpce_diags_error(diags, call->source_range, vpce_error_last(), "invalid module source");
        return NULL;
    }
    char *key = vpce_config_module_key(m, call);
    char *rel = vpce_asprintf("%s/%s", VPCE_MODULES_DIR, key);
    char *top = join_clean(m->root->dir, rel);
    const json_t *e = lock_entry(lock, key);
    const char *locked = json_string_value(json_object_get(e, "source"));
    if (!is_dir(top) || !e) {
        char *detail = vpce_asprintf("run `vpce init` to fetch its git source into %s", top);
        vpce_diags_error(diags, call->source_range, detail, "module \"%s\" is not installed",
                         call->name);
        free(detail);
    } else if (!locked || strcmp(locked, src) != 0) {
        char *detail = vpce_asprintf("%s holds \"%s\"; run `vpce init` to fetch the new source",
                                     top, locked ? locked : "?");
        vpce_diags_error(diags, call->source_range, detail,
                         "the source of module \"%s\" changed since `vpce init`", call->name);
        free(detail);
    } else {
        out = subdir ? join_clean(top, subdir) : vpce_strdup(top);
    }
    free(top);
    free(rel);
    free(key);
    free(url);
    free(ref);
    free(subdir);
    return out;
}

/* ---- checks across the tree -------------------------------------------------------------- */

static const vpce_ast_attr *find_attr(const vpce_ast_body *body, const char *name)
{
    for (size_t i = 0; body && i < body->nattrs; i++)
        if (strcmp(body->attrs[i]->name, name) == 0)
            return body->attrs[i];
    return NULL;
}

static bool is_call_meta(const char *name)
{
    static const char *const meta[] = {"source",     "version",   "count", "for_each",
                                       "depends_on", "providers", NULL};
    for (size_t i = 0; meta[i]; i++)
        if (strcmp(meta[i], name) == 0)
            return true;
    return false;
}

/* Arguments the module does not declare, and required variables the call leaves out. */
static void check_arguments(const vpce_cfg_module_call *call, vpce_diags *diags)
{
    const vpce_config *child = call->child;
    vpce_vec names = VPCE_VEC_INIT;
    for (size_t i = 0; i < child->variables.len; i++)
        vpce_vec_push(&names, ((vpce_cfg_variable *)child->variables.items[i])->name);
    for (size_t i = 0; i < call->body->nattrs; i++) {
        const vpce_ast_attr *a = call->body->attrs[i];
        if (is_call_meta(a->name))
            continue;
        bool found = false;
        for (size_t k = 0; k < names.len && !found; k++)
            found = strcmp(names.items[k], a->name) == 0;
        if (found)
            continue;
        const char *s = vpce_suggest(a->name, (const char *const *)names.items, names.len);
        char *detail = s ? vpce_asprintf("did you mean \"%s\"?", s)
                         : vpce_asprintf("module \"%s\" (%s) declares no variable named \"%s\"",
                                         call->name, child->dir, a->name);
        vpce_diags_error(diags, a->name_range, detail, "unsupported argument \"%s\"", a->name);
        free(detail);
    }
    for (size_t i = 0; i < child->variables.len; i++) {
        const vpce_cfg_variable *v = child->variables.items[i];
        if (v->default_expr || find_attr(call->body, v->name))
            continue;
        char *detail = vpce_asprintf("the argument \"%s\" is required by module \"%s\", but no "
                                     "definition was found",
                                     v->name, call->name);
        vpce_diags_error(diags, call->range, detail, "missing required argument \"%s\"", v->name);
        free(detail);
    }
    vpce_vec_release(&names);
}

/* A module with provider blocks may not be called, nor sit under a call, with count, for_each
   or depends_on: its provider configurations would be repeated or wait on resources. */
static void check_provider_blocks(const vpce_config *m, vpce_diags *diags)
{
    if (!m->parent || m->providers.len == 0)
        return;
    for (const vpce_config *x = m; x->parent; x = x->parent) {
        const vpce_cfg_module_call *call = x->call;
        if (!call->count && !call->for_each && call->ndepends_on == 0)
            continue;
        char *detail = vpce_asprintf(
            "module \"%s\" (%s) contains a provider configuration, which is not allowed under a "
            "module call with count, for_each or depends_on; declare the provider in the root "
            "module and pass it with providers = { ... }",
            m->call->name, m->dir);
        vpce_diags_error(diags, call->range, detail,
                         "module \"%s\" is incompatible with count, for_each and depends_on",
                         call->name);
        free(detail);
        return;
    }
}

static bool provider_declared(const vpce_config *m, const char *ref)
{
    for (size_t k = 0; k < m->providers.len; k++) {
        const vpce_cfg_provider *p = m->providers.items[k];
        size_t n = strlen(p->name);
        if (strncmp(ref, p->name, n) != 0)
            continue;
        if (!p->alias ? ref[n] == '\0' : ref[n] == '.' && strcmp(ref + n + 1, p->alias) == 0)
            return true;
    }
    return false;
}

/*
 * The provider key ref ("aws", "aws.west") means in module m: a configuration m declares
 * (prefix + ref), one the call maps (providers = { ref = parent_ref }), or the default one
 * inherited from the parent when the call has no providers argument. NULL after a diagnostic
 * at `at`.
 */
static char *resolve_provider(const vpce_config *m, const char *ref, vpce_range at,
                              vpce_diags *diags)
{
    if (provider_declared(m, ref))
        return vpce_asprintf("%s%s", m->prefix, ref);
    const char *dot = strchr(ref, '.');
    if (!m->parent) {
        if (!dot)
            return vpce_strdup(ref); /* the implicit default configuration */
        char *detail = vpce_asprintf("add a provider block with this alias: provider \"%.*s\" "
                                     "{ alias = \"%s\" }",
                                     (int)(dot - ref), ref, dot + 1);
        vpce_diags_error(diags, at, detail, "reference to undeclared provider configuration \"%s\"",
                         ref);
        free(detail);
        return NULL;
    }
    const vpce_cfg_module_call *call = m->call;
    for (size_t i = 0; i < call->nproviders; i++)
        if (strcmp(call->providers[i].child, ref) == 0)
            return resolve_provider(m->parent, call->providers[i].parent, call->providers[i].range,
                                    diags);
    if (!dot && !call->has_providers)
        return resolve_provider(m->parent, ref, at, diags);
    char *detail =
        call->has_providers
            ? vpce_asprintf("module \"%s\" is called with a providers argument, which must then "
                            "list every provider configuration the module uses: add %s = ...",
                            call->name, ref)
            : vpce_asprintf("declare it in the module, or pass it from the calling module: "
                            "providers = { %s = %s }",
                            ref, ref);
    vpce_diags_error(diags, at, detail,
                     "provider configuration \"%s\" is not available in module \"%s\"", ref,
                     call->name);
    free(detail);
    return NULL;
}

/* Resolves r's provider reference in module m to the configuration it uses in the tree. */
static void resolve_resource_provider(const vpce_config *m, vpce_cfg_resource *r, vpce_diags *diags)
{
    if (!r || !r->provider_ref)
        return;
    const vpce_ast_attr *a = find_attr(r->body, "provider");
    char *key = resolve_provider(m, r->provider_ref, a ? a->expr->range : r->range, diags);
    if (key) {
        free(r->provider_ref);
        r->provider_ref = key;
    }
}

static void resolve_providers(const vpce_config *m, vpce_diags *diags)
{
    /* The mappings of the call that loaded m must name configurations of the parent. */
    for (size_t i = 0; m->parent && i < m->call->nproviders; i++) {
        char *key = resolve_provider(m->parent, m->call->providers[i].parent,
                                     m->call->providers[i].range, diags);
        free(key);
    }
    for (size_t i = 0; i < m->resources.len; i++)
        resolve_resource_provider(m, m->resources.items[i], diags);
    /* A check block's scoped data source uses a provider configuration the same way. */
    for (size_t i = 0; i < m->checks.len; i++)
        resolve_resource_provider(m, ((vpce_cfg_check *)m->checks.items[i])->data, diags);
}

static void add_node(vpce_config *root, vpce_node_kind kind, void *obj, const vpce_config *m)
{
    vpce_cfg_node *n = vpce_calloc(1, sizeof(*n));
    n->kind = kind;
    n->obj = obj;
    n->module = m;
    vpce_vec_push(&root->nodes, n);
}

void config_load_modules(vpce_config *root, bool *syntax_errors, vpce_diags *diags)
{
    json_t *lock = NULL;
    char *lock_path = join_clean(root->dir, VPCE_MODULES_LOCK_FILE);
    lock = json_load_file(lock_path, 0, NULL);
    free(lock_path);

    /* Breadth first: root->modules grows while it is walked. */
    for (size_t mi = 0; mi < root->modules.len; mi++) {
        vpce_config *m = root->modules.items[mi];
        if (m->parent && m->imports.len > 0) {
            const vpce_cfg_import *im = m->imports.items[0];
            vpce_diags_error(diags, im->range, "import blocks are only allowed in the root module",
                             "import block in module \"%s\"", m->call->name);
        }
        for (size_t i = 0; i < m->module_calls.len; i++) {
            vpce_cfg_module_call *call = m->module_calls.items[i];
            if (!call->source)
                continue;
            if (m->depth + 1 > MAX_MODULE_DEPTH) {
                vpce_diags_error(diags, call->range,
                                 "a module probably calls itself, directly or through others",
                                 "module calls nest more than %d deep", MAX_MODULE_DEPTH);
                continue;
            }
            char *dir = module_dir(m, call, lock, diags);
            if (!dir)
                continue;
            vpce_config *child = config_new(dir, m, call);
            free(dir);
            call->child = child;
            if (config_load_files(child, call->source_range, syntax_errors, diags) < 0)
                *syntax_errors = true; /* nothing of it to check further */
        }
    }
    json_decref(lock);

    for (size_t mi = 0; mi < root->modules.len; mi++) {
        vpce_config *m = root->modules.items[mi];
        if (m->parent && m->files.len > 0)
            check_arguments(m->call, diags);
        check_provider_blocks(m, diags);
        resolve_providers(m, diags);
    }

    for (size_t mi = 0; mi < root->modules.len; mi++) {
        vpce_config *m = root->modules.items[mi];
        for (size_t i = 0; i < m->variables.len; i++)
            add_node(root, VPCE_NODE_VARIABLE, m->variables.items[i], m);
        for (size_t i = 0; i < m->locals.len; i++)
            add_node(root, VPCE_NODE_LOCAL, m->locals.items[i], m);
        for (size_t i = 0; i < m->providers.len; i++)
            add_node(root, VPCE_NODE_PROVIDER, m->providers.items[i], m);
        for (size_t i = 0; i < m->resources.len; i++)
            add_node(root, VPCE_NODE_RESOURCE, m->resources.items[i], m);
        for (size_t i = 0; i < m->outputs.len; i++)
            add_node(root, VPCE_NODE_OUTPUT, m->outputs.items[i], m);
        for (size_t i = 0; i < m->module_calls.len; i++)
            add_node(root, VPCE_NODE_MODULE, m->module_calls.items[i], m);
    }
}

/* ---- lookups ----------------------------------------------------------------------------- */

static const vpce_config *child_named(const vpce_config *m, const char *name)
{
    for (size_t i = 0; i < m->module_calls.len; i++) {
        const vpce_cfg_module_call *call = m->module_calls.items[i];
        if (strcmp(call->name, name) == 0)
            return call->child;
    }
    return NULL;
}

const vpce_config *vpce_config_module_at(const vpce_config *c, const vpce_addr *a)
{
    const vpce_config *m = c;
    for (size_t i = 0; m && i < a->nmodule; i++)
        m = child_named(m, a->module[i].name);
    return m;
}

bool vpce_config_module_contains(const vpce_config *m, const vpce_addr *a)
{
    const vpce_config *x = m->root ? m->root : m;
    if (a->nmodule < m->depth)
        return false;
    for (size_t i = 0; x && i < m->depth; i++)
        x = child_named(x, a->module[i].name);
    return x == m;
}

vpce_cfg_resource *vpce_config_resource(const vpce_config *c, const char *addr)
{
    if (strncmp(addr, "module.", 7) != 0)
        return vpce_map_get(c->by_addr, addr);
    vpce_addr a;
    if (vpce_addr_parse(&a, addr) != 0) {
        vpce_error_clear();
        return NULL;
    }
    vpce_cfg_resource *r = NULL;
    const vpce_config *m = a.resource ? vpce_config_module_at(c, &a) : NULL;
    if (m) {
        char *local = vpce_asprintf("%s%s.%s", a.data ? "data." : "", a.type, a.name);
        r = vpce_map_get(m->by_addr, local);
        free(local);
    }
    vpce_addr_release(&a);
    return r;
}

/* Length of the module path at the start of a provider key ("module.a.module.b."). */
static size_t key_prefix_len(const char *key)
{
    const char *p = key;
    while (strncmp(p, "module.", 7) == 0) {
        const char *dot = strchr(p + 7, '.');
        if (!dot)
            break;
        p = dot + 1;
    }
    return (size_t)(p - key);
}

char *vpce_config_provider_node(const char *key)
{
    size_t n = key_prefix_len(key);
    return vpce_asprintf("%.*sprovider.%s", (int)n, key, key + n);
}

char *vpce_config_provider_type(const char *key)
{
    const char *t = key + key_prefix_len(key);
    return vpce_strndup(t, strcspn(t, "."));
}
