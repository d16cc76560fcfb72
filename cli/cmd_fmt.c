/* cli/cmd_fmt.c: `vpce fmt`: rewrites .vpce files in the canonical layout (parser's vpce_fmt). */
#include "cli/cli.h"
#include "parser/parser.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct fmt_opts {
    bool check;
    bool diff;
    bool recursive;
    bool list;
    bool write;
} fmt_opts;

static void usage(FILE *out)
{
    fputs("Usage: vpce fmt [options] [PATH...]\n\n"
          "  Rewrites .vpce files in the canonical format. PATH may be a directory (its *.vpce\n"
          "  files; the current directory by default), a file, or - to format standard input\n"
          "  to standard output.\n\n"
          "Options:\n"
          "  -check        Write nothing; list the files that are not formatted and exit 1 if\n"
          "                there are any\n"
          "  -diff         Print the changes as a unified diff\n"
          "  -list=false   Do not print the names of the files that change\n"
          "  -write=false  Do not rewrite the files\n"
          "  -recursive    Also process subdirectories\n",
          out);
}

/* ---- a small line diff (LCS over the lines that differ) ---------------------------------- */

typedef struct lines {
    const char **s;
    size_t *len;
    size_t n;
} lines;

static void split_lines(lines *l, const char *text, size_t len)
{
    size_t cap = 16;
    l->s = vpce_malloc(cap * sizeof(char *));
    l->len = vpce_malloc(cap * sizeof(size_t));
    l->n = 0;
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - text) + 1 : len;
        if (l->n == cap) {
            cap *= 2;
            l->s = vpce_realloc(l->s, cap * sizeof(char *));
            l->len = vpce_realloc(l->len, cap * sizeof(size_t));
        }
        l->s[l->n] = text + i;
        l->len[l->n++] = e - i;
        i = e;
    }
}

static bool line_eq(const lines *a, size_t i, const lines *b, size_t j)
{
    return a->len[i] == b->len[j] && memcmp(a->s[i], b->s[j], a->len[i]) == 0;
}

enum { OP_KEEP, OP_DEL, OP_ADD };
typedef struct dop {
    int op;
    size_t i; /* line index in a (KEEP, DEL) or b (ADD) */
    size_t j;
} dop;

static void put_line(FILE *out, char mark, const char *s, size_t len)
{
    fputc(mark, out);
    fwrite(s, 1, len, out);
    if (len == 0 || s[len - 1] != '\n')
        fputs("\n\\ No newline at end of file\n", out);
}

static void print_diff(FILE *out, const char *name, const char *a_text, size_t a_len,
                       const char *b_text, size_t b_len)
{
    lines a, b;
    split_lines(&a, a_text, a_len);
    split_lines(&b, b_text, b_len);
    size_t pre = 0, suf = 0;
    while (pre < a.n && pre < b.n && line_eq(&a, pre, &b, pre))
        pre++;
    while (suf < a.n - pre && suf < b.n - pre && line_eq(&a, a.n - 1 - suf, &b, b.n - 1 - suf))
        suf++;
    size_t n = a.n - pre - suf, m = b.n - pre - suf;
    dop *ops = vpce_malloc((a.n + b.n + 1) * sizeof(dop));
    size_t nops = 0;
    for (size_t k = 0; k < pre; k++)
        ops[nops++] = (dop){OP_KEEP, k, k};
    if (n > 0 && m > 0 && (n + 1) * (m + 1) <= 16u * 1024 * 1024) {
        /* LCS table over the middle part */
        uint32_t *t = vpce_calloc((n + 1) * (m + 1), sizeof(uint32_t));
#define T(i, j) t[(i) * (m + 1) + (j)]
        for (size_t i = n; i-- > 0;)
            for (size_t j = m; j-- > 0;)
                T(i, j) = line_eq(&a, pre + i, &b, pre + j)
                              ? T(i + 1, j + 1) + 1
                              : (T(i + 1, j) >= T(i, j + 1) ? T(i + 1, j) : T(i, j + 1));
        size_t i = 0, j = 0;
        while (i < n || j < m) {
            if (i < n && j < m && line_eq(&a, pre + i, &b, pre + j)) {
                ops[nops++] = (dop){OP_KEEP, pre + i, pre + j};
                i++;
                j++;
            } else if (j < m && (i == n || T(i, j + 1) > T(i + 1, j))) {
                ops[nops++] = (dop){OP_ADD, pre + i, pre + j};
                j++;
            } else {
                ops[nops++] = (dop){OP_DEL, pre + i, pre + j};
                i++;
            }
        }
#undef T
        free(t);
    } else {
        for (size_t i = 0; i < n; i++)
            ops[nops++] = (dop){OP_DEL, pre + i, pre};
        for (size_t j = 0; j < m; j++)
            ops[nops++] = (dop){OP_ADD, pre + n, pre + j};
    }
    for (size_t k = 0; k < suf; k++)
        ops[nops++] = (dop){OP_KEEP, a.n - suf + k, b.n - suf + k};

    fprintf(out, "--- old/%s\n+++ new/%s\n", name, name);
    const size_t ctxn = 3;
    for (size_t k = 0; k < nops;) {
        if (ops[k].op == OP_KEEP) {
            k++;
            continue;
        }
        /* a hunk: from ctxn lines before this change to ctxn lines after the last change that
         * is at most 2*ctxn unchanged lines away */
        size_t hs = k >= ctxn ? k - ctxn : 0;
        while (hs < k && ops[hs].op != OP_KEEP)
            hs++;
        size_t he = k;
        for (;;) {
            while (he < nops && ops[he].op != OP_KEEP)
                he++;
            size_t run = 0;
            while (he + run < nops && ops[he + run].op == OP_KEEP)
                run++;
            if (he + run < nops && run <= 2 * ctxn) {
                he += run;
                continue;
            }
            he += run < ctxn ? run : ctxn;
            break;
        }
        size_t a_start = 0, a_cnt = 0, b_start = 0, b_cnt = 0;
        bool a_set = false, b_set = false;
        for (size_t q = hs; q < he; q++) {
            if (ops[q].op != OP_ADD) {
                if (!a_set)
                    a_start = ops[q].i, a_set = true;
                a_cnt++;
            }
            if (ops[q].op != OP_DEL) {
                if (!b_set)
                    b_start = ops[q].j, b_set = true;
                b_cnt++;
            }
        }
        if (!a_set)
            a_start = ops[hs].i;
        if (!b_set)
            b_start = ops[hs].j;
        fprintf(out, "@@ -%zu,%zu +%zu,%zu @@\n", a_cnt ? a_start + 1 : a_start, a_cnt,
                b_cnt ? b_start + 1 : b_start, b_cnt);
        for (size_t q = hs; q < he; q++) {
            if (ops[q].op == OP_KEEP)
                put_line(out, ' ', a.s[ops[q].i], a.len[ops[q].i]);
            else if (ops[q].op == OP_DEL)
                put_line(out, '-', a.s[ops[q].i], a.len[ops[q].i]);
            else
                put_line(out, '+', b.s[ops[q].j], b.len[ops[q].j]);
        }
        k = he;
    }
    free(ops);
    free(a.s);
    free(a.len);
    free(b.s);
    free(b.len);
}

/* ---- files ------------------------------------------------------------------------------- */

static int write_file(const char *path, const char *data, size_t len)
{
    struct stat st;
    bool have_mode = stat(path, &st) == 0;
    char *tmp = vpce_asprintf("%s.vpcefmt.tmp", path);
    int rc = 0;
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        rc = cli_fail("cannot write \"%s\": %s", tmp, strerror(errno));
        goto cleanup;
    }
    bool ok = fwrite(data, 1, len, f) == len;
    ok = (fclose(f) == 0) && ok;
    if (ok && have_mode)
        chmod(tmp, st.st_mode & 07777);
    if (!ok || rename(tmp, path) != 0) {
        rc = cli_fail("cannot write \"%s\": %s", path, strerror(errno));
        remove(tmp);
    }
cleanup:
    free(tmp);
    return rc;
}

/* Formats one input; returns 0 when formatted, 1 when it differs (-check), -1 on errors. */
static int fmt_text(const fmt_opts *o, const char *name, const char *text, size_t len,
                    bool is_stdin)
{
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_file *f = NULL;
    char *out = NULL;
    int result = 0;
    /* parse here rather than in vpce_fmt so the diagnostics can show their source lines */
    if (vpce_parse(&f, name, text, len, &d) != 0 || vpce_fmt_file(&out, f, &d) != 0) {
        cli_print_diags(&d);
        if (!vpce_diags_has_errors(&d))
            cli_fail("cannot format \"%s\": %s", name, vpce_error_last());
        result = -1;
        goto cleanup;
    }
    size_t out_len = strlen(out);
    bool changed = out_len != len || memcmp(out, text, len) != 0;
    if (is_stdin) {
        if (o->diff && changed)
            print_diff(stdout, name, text, len, out, out_len);
        if (!o->check && !o->diff)
            fwrite(out, 1, out_len, stdout);
        result = changed && o->check ? 1 : 0;
        goto cleanup;
    }
    if (!changed)
        goto cleanup;
    if (o->list)
        printf("%s\n", name);
    if (o->diff)
        print_diff(stdout, name, text, len, out, out_len);
    if (o->check)
        result = 1;
    else if (o->write && write_file(name, out, out_len) != 0)
        result = -1;
cleanup:
    free(out);
    vpce_diags_release(&d);
    vpce_file_free(f);
    return result;
}

static int fmt_file(const fmt_opts *o, const char *path)
{
    char *text = NULL;
    size_t len = 0;
    if (vpce_read_file(&text, &len, path, VPCE_PARSE_MAX_FILE) != 0) {
        cli_fail("%s", vpce_error_last()); /* names the file and says why */
        return -1;
    }
    int r = fmt_text(o, path, text, len, false);
    free(text);
    return r;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);
    return n > k && strcmp(s + n - k, suf) == 0;
}

/* Processes a directory's *.vpce files (and subdirectories with -recursive); worst result. */
static int fmt_dir(const fmt_opts *o, const char *dir, int depth)
{
    DIR *d = opendir(dir);
    if (!d) {
        cli_fail("cannot open directory \"%s\": %s", dir, strerror(errno));
        return -1;
    }
    vpce_vec names = VPCE_VEC_INIT;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            vpce_vec_push(&names, vpce_strdup(e->d_name));
    closedir(d);
    vpce_vec_sort(&names, cmp_names);
    int worst = 0;
    for (int pass = 0; pass < 2; pass++) {
        /* files first, then subdirectories, each in name order */
        for (size_t i = 0; i < names.len; i++) {
            char *path = strcmp(dir, ".") == 0
                             ? vpce_strdup(names.items[i])
                             : vpce_asprintf("%s/%s", dir, (const char *)names.items[i]);
            struct stat st;
            int r = 0;
            if (stat(path, &st) == 0) {
                if (pass == 0 && S_ISREG(st.st_mode) && has_suffix(path, ".vpce"))
                    r = fmt_file(o, path);
                else if (pass == 1 && S_ISDIR(st.st_mode) && o->recursive && depth < 64)
                    r = fmt_dir(o, path, depth + 1);
            }
            if (r < 0 || (r > 0 && worst == 0))
                worst = r;
            free(path);
        }
    }
    for (size_t i = 0; i < names.len; i++)
        free(names.items[i]);
    vpce_vec_release(&names);
    return worst;
}

static int fmt_stdin(const fmt_opts *o)
{
    vpce_buf b = VPCE_BUF_INIT(VPCE_PARSE_MAX_FILE);
    char chunk[65536];
    size_t n;
    int r;
    while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0) {
        if (vpce_buf_append(&b, chunk, n) != 0) {
            vpce_buf_release(&b);
            cli_fail("standard input is too large");
            return -1;
        }
    }
    r = fmt_text(o, "<stdin>", b.len ? b.data : "", b.len, true);
    vpce_buf_release(&b);
    return r;
}

int cmd_fmt(int argc, char **argv)
{
    fmt_opts o = {false, false, false, true, true};
    int first_path = argc, worst = 0;
    const char *v;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-") == 0 || a[0] != '-') {
            first_path = i;
            break;
        }
        if (strcmp(a, "--") == 0) {
            first_path = i + 1;
            break;
        }
        if (cli_is_help(a)) {
            usage(stdout);
            return CLI_OK;
        }
        if (cli_flag_is(a, "check"))
            o.check = true;
        else if (cli_flag_is(a, "diff"))
            o.diff = true;
        else if (cli_flag_is(a, "recursive"))
            o.recursive = true;
        else if (cli_flag_is(a, "list"))
            o.list = true;
        else if (cli_flag_is(a, "write"))
            o.write = true;
        else if ((v = cli_flag_value(a, "check")) != NULL && cli_parse_bool(v, &o.check))
            ;
        else if ((v = cli_flag_value(a, "diff")) != NULL && cli_parse_bool(v, &o.diff))
            ;
        else if ((v = cli_flag_value(a, "recursive")) != NULL && cli_parse_bool(v, &o.recursive))
            ;
        else if ((v = cli_flag_value(a, "list")) != NULL && cli_parse_bool(v, &o.list))
            ;
        else if ((v = cli_flag_value(a, "write")) != NULL && cli_parse_bool(v, &o.write))
            ;
        else if (cli_flag_is(a, "no-color"))
            ;
        else {
            usage(stderr);
            return cli_fail("unknown flag \"%s\" for fmt", a);
        }
    }
    if (first_path >= argc) {
        worst = fmt_dir(&o, ".", 0);
    } else {
        for (int i = first_path; i < argc; i++) {
            int r;
            struct stat st;
            if (strcmp(argv[i], "-") == 0)
                r = fmt_stdin(&o);
            else if (stat(argv[i], &st) != 0)
                r = (cli_fail("cannot read \"%s\": %s", argv[i], strerror(errno)), -1);
            else if (S_ISDIR(st.st_mode))
                r = fmt_dir(&o, argv[i], 0);
            else
                r = fmt_file(&o, argv[i]);
            if (r < 0 || (r > 0 && worst == 0))
                worst = r;
        }
    }
    fflush(stdout);
    return worst == 0 ? CLI_OK : CLI_ERROR;
}
