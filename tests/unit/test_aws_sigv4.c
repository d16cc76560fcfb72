/*
 * Signature Version 4 against the AWS test suite in tests/data/sigv4: every case directory found
 * recursively (a directory holding <name>.req), compared byte for byte at each stage.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <dirent.h>
#include <string.h>
#include <sys/stat.h>

#include "providers/aws/client.h"

#define SUITE         VPCE_TEST_DATA_DIR "/sigv4"
#define SECRET        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define VANILLA_TOKEN "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"

static char *read_all(const char *path)
{
    char *data = NULL;
    size_t len = 0;
    if (vpce_read_file(&data, &len, path, 1 << 20) != 0)
        return NULL;
    return data;
}

static char *file_of(const char *dir, const char *name, const char *ext)
{
    char *path = vpce_asprintf("%s/%s.%s", dir, name, ext);
    char *d = read_all(path);
    free(path);
    return d;
}

typedef struct parsed {
    char *method;
    char *path;
    char *query;
    vpce_aws_header headers[32];
    char *names[32];
    char *values[32];
    size_t nheaders;
    char *body;
} parsed;

/* Parses a .req: request line, Name:value headers with continuation lines, blank line, body. */
static void parse_req(parsed *p, const char *text)
{
    memset(p, 0, sizeof(*p));
    const char *eol = strchr(text, '\n');
    size_t l = eol ? (size_t)(eol - text) : strlen(text);
    char *line = vpce_strndup(text, l);
    char *sp1 = strchr(line, ' ');
    char *sp2 = strrchr(line, ' ');
    assert_non_null(sp1);
    p->method = vpce_strndup(line, (size_t)(sp1 - line));
    char *target = vpce_strndup(sp1 + 1, (size_t)(sp2 - sp1 - 1));
    char *q = strchr(target, '?');
    if (q) {
        p->query = vpce_strdup(q + 1);
        *q = '\0';
    }
    p->path = target;
    free(line);
    const char *s = eol ? eol + 1 : text + l;
    while (*s) {
        eol = strchr(s, '\n');
        l = eol ? (size_t)(eol - s) : strlen(s);
        if (l == 0) {
            if (eol && eol[1])
                p->body = vpce_strdup(eol + 1);
            break;
        }
        if ((s[0] == ' ' || s[0] == '\t') && p->nheaders > 0) {
            char *prev = p->values[p->nheaders - 1];
            char *cont = vpce_strndup(s, l);
            p->values[p->nheaders - 1] = vpce_asprintf("%s %s", prev, cont);
            free(prev);
            free(cont);
        } else {
            const char *colon = memchr(s, ':', l);
            assert_non_null(colon);
            assert_true(p->nheaders < 32);
            p->names[p->nheaders] = vpce_strndup(s, (size_t)(colon - s));
            p->values[p->nheaders] = vpce_strndup(colon + 1, l - (size_t)(colon - s) - 1);
            p->nheaders++;
        }
        s = eol ? eol + 1 : s + l;
    }
    for (size_t i = 0; i < p->nheaders; i++) {
        p->headers[i].name = p->names[i];
        p->headers[i].value = p->values[i];
    }
}

static void parsed_free(parsed *p)
{
    free(p->method);
    free(p->path);
    free(p->query);
    free(p->body);
    for (size_t i = 0; i < p->nheaders; i++) {
        free(p->names[i]);
        free(p->values[i]);
    }
}

static int ncases;
static int npassed;

static void run_case(const char *dir, const char *name)
{
    char *req = file_of(dir, name, "req");
    char *creq = file_of(dir, name, "creq");
    char *sts = file_of(dir, name, "sts");
    char *authz = file_of(dir, name, "authz");
    assert_non_null(req);
    assert_non_null(creq);
    assert_non_null(sts);
    assert_non_null(authz);

    parsed p;
    parse_req(&p, req);
    const char *token = NULL;
    if (strcmp(name, "get-vanilla-with-session-token") == 0)
        token = VANILLA_TOKEN;

    vpce_aws_sigv4_request r = {.method = p.method,
                                .path = p.path,
                                .query = p.query,
                                .headers = p.headers,
                                .nheaders = p.nheaders,
                                .body = p.body,
                                .body_len = p.body ? strlen(p.body) : 0};
    vpce_aws_sigv4 sig;
    assert_int_equal(vpce_aws_sigv4_sign(&sig, &r, "AKIDEXAMPLE", SECRET, token, "us-east-1",
                                         "service", "20150830T123600Z"),
                     0);
    int ok = 1;
    if (strcmp(sig.canonical_request, creq) != 0) {
        print_error("%s: canonical request\n--- got\n%s\n--- want\n%s\n", name,
                    sig.canonical_request, creq);
        ok = 0;
    }
    if (strcmp(sig.string_to_sign, sts) != 0) {
        print_error("%s: string to sign\n--- got\n%s\n--- want\n%s\n", name, sig.string_to_sign,
                    sts);
        ok = 0;
    }
    if (strcmp(sig.authorization, authz) != 0) {
        print_error("%s: authorization\n--- got\n%s\n--- want\n%s\n", name, sig.authorization,
                    authz);
        ok = 0;
    }
    if (token)
        assert_true(sig.token_added);
    ncases++;
    npassed += ok;
    vpce_aws_sigv4_release(&sig);
    parsed_free(&p);
    free(req);
    free(creq);
    free(sts);
    free(authz);
}

static void walk(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    vpce_vec names = VPCE_VEC_INIT;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        vpce_vec_push(&names, vpce_strdup(e->d_name));
    }
    closedir(d);
    for (size_t i = 0; i < names.len; i++) {
        const char *n = names.items[i];
        char *sub = vpce_asprintf("%s/%s", dir, n);
        struct stat st;
        if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode)) {
            char *req = vpce_asprintf("%s/%s.req", sub, n);
            if (stat(req, &st) == 0)
                run_case(sub, n);
            free(req);
            walk(sub);
        }
        free(sub);
        free(names.items[i]);
    }
    vpce_vec_release(&names);
}

static void test_sigv4_suite(void **state)
{
    (void)state;
    walk(SUITE);
    print_message("sigv4: %d cases, %d passed\n", ncases, npassed);
    assert_int_equal(ncases, 34);
    assert_int_equal(npassed, 34);
}

static void test_sigv4_bad_date(void **state)
{
    (void)state;
    vpce_aws_sigv4_request r = {.method = "GET", .path = "/"};
    vpce_aws_sigv4 sig;
    assert_int_equal(vpce_aws_sigv4_sign(&sig, &r, "A", "B", NULL, "r", "s", "2015"),
                     VPCE_EINVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigv4_suite),
        cmocka_unit_test(test_sigv4_bad_date),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
