/*
 * providers/aws/sigv4.c: AWS Signature Version 4 (header signing) with OpenSSL. Builds the
 * canonical request, the string to sign, the signing key and the Authorization value.
 */
#include "providers/aws/client.h"

#include <ctype.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#define SIGV4_CAP (8u << 20)

static void hex_encode(char *out, const unsigned char *in, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[in[i] >> 4];
        out[2 * i + 1] = hex[in[i] & 15];
    }
    out[2 * n] = '\0';
}

void vpce_aws_sha256_hex(char out[65], const void *data, size_t len)
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(data, len, md);
    hex_encode(out, md, sizeof(md));
}

static void hmac(unsigned char out[32], const void *key, size_t keylen, const char *msg)
{
    unsigned int olen = 32;
    HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg, strlen(msg), out, &olen);
}

static bool unreserved(unsigned char c)
{
    return isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

/* RFC 3986 encoding: everything but unreserved characters (and '/' when keep_slash). */
int vpce_aws_uri_encode(vpce_buf *b, const char *s, size_t n, bool keep_slash)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int rc = (unreserved(c) || (keep_slash && c == '/')) ? vpce_buf_putc(b, (char)c)
                                                             : vpce_buf_printf(b, "%%%02X", c);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decodes s[0..n) into a new string (a stray '%' stays as is). '+' is kept. */
static char *uri_decode(const char *s, size_t n, size_t *out_len)
{
    char *o = vpce_malloc(n + 1);
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            o[j++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else {
            o[j++] = s[i];
        }
    }
    o[j] = '\0';
    *out_len = j;
    return o;
}

/* Removes dot segments and empty segments; keeps a trailing slash. */
static int canonical_uri(vpce_buf *b, const char *path)
{
    if (!path || !*path)
        return vpce_buf_putc(b, '/');
    vpce_vec segs = VPCE_VEC_INIT;
    const char *p = path;
    int rc = 0;
    bool trailing = false;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p) {
            trailing = true;
            break;
        }
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 1 && p[0] == '.') {
            /* skip */
        } else if (n == 2 && p[0] == '.' && p[1] == '.') {
            if (segs.len)
                segs.len--;
        } else {
            vpce_vec_push(&segs, (void *)p);
        }
        trailing = (e != NULL);
        p += n;
    }
    rc = vpce_buf_putc(b, '/');
    for (size_t i = 0; i < segs.len && rc == 0; i++) {
        const char *s = segs.items[i];
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (i > 0)
            rc = vpce_buf_putc(b, '/');
        if (rc == 0)
            rc = vpce_aws_uri_encode(b, s, n, false);
    }
    if (rc == 0 && trailing && segs.len > 0)
        rc = vpce_buf_putc(b, '/');
    vpce_vec_release(&segs);
    return rc;
}

typedef struct kv {
    char *k;
    char *v;
} kv;

static int kv_cmp(const void *a, const void *b)
{
    const kv *x = a, *y = b;
    int c = strcmp(x->k, y->k);
    return c ? c : strcmp(x->v, y->v);
}

static int encode_component(char **out, const char *s, size_t n)
{
    size_t dlen;
    char *dec = uri_decode(s, n, &dlen);
    vpce_buf b = VPCE_BUF_INIT(SIGV4_CAP);
    int rc = vpce_aws_uri_encode(&b, dec, dlen, false);
    free(dec);
    if (rc == 0)
        rc = vpce_buf_puts(&b, "");
    *out = rc == 0 ? vpce_buf_detach(&b) : NULL;
    vpce_buf_release(&b);
    return rc;
}

static int canonical_query(vpce_buf *b, const char *query)
{
    if (!query || !*query)
        return 0;
    kv *items = NULL;
    size_t n = 0, alloc = 0;
    int rc = 0;
    const char *p = query;
    while (*p && rc == 0) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len > 0) {
            const char *eq = memchr(p, '=', len);
            size_t klen = eq ? (size_t)(eq - p) : len;
            if (n == alloc) {
                alloc = alloc ? alloc * 2 : 8;
                items = vpce_realloc(items, alloc * sizeof(*items));
            }
            rc = encode_component(&items[n].k, p, klen);
            if (rc == 0) {
                rc = eq ? encode_component(&items[n].v, eq + 1, len - klen - 1)
                        : encode_component(&items[n].v, "", 0);
                if (rc != 0)
                    free(items[n].k);
            }
            if (rc == 0)
                n++;
        }
        p += len;
        if (*p == '&')
            p++;
    }
    if (rc == 0 && n > 0)
        qsort(items, n, sizeof(*items), kv_cmp);
    for (size_t i = 0; i < n; i++) {
        if (rc == 0)
            rc = vpce_buf_printf(b, "%s%s=%s", i ? "&" : "", items[i].k, items[i].v);
        free(items[i].k);
        free(items[i].v);
    }
    free(items);
    return rc;
}

typedef struct hdr {
    char *name; /* lowercase */
    char *value;
    size_t order;
} hdr;

static int hdr_cmp(const void *a, const void *b)
{
    const hdr *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Trims and collapses runs of whitespace (spaces, tabs, newlines) into one space. */
static char *trim_value(const char *v)
{
    size_t n = strlen(v);
    char *o = vpce_malloc(n + 1);
    size_t j = 0;
    bool space = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            space = j > 0;
            continue;
        }
        if (space)
            o[j++] = ' ';
        space = false;
        o[j++] = (char)c;
    }
    o[j] = '\0';
    return o;
}

int vpce_aws_sigv4_sign(vpce_aws_sigv4 *out, const vpce_aws_sigv4_request *req,
                        const char *access_key_id, const char *secret_access_key,
                        const char *session_token, const char *region, const char *service,
                        const char *amz_date)
{
    int rc = 0;
    vpce_buf creq = VPCE_BUF_INIT(SIGV4_CAP);
    vpce_buf signed_names = VPCE_BUF_INIT(SIGV4_CAP);
    vpce_buf sts = VPCE_BUF_INIT(SIGV4_CAP);
    size_t nh = req->nheaders;
    hdr *hs = vpce_calloc(nh + 1, sizeof(*hs));
    size_t n = 0;
    bool has_token = false;
    char *secret_key = NULL;
    char date[9];

    memset(out, 0, sizeof(*out));
    if (!amz_date || strlen(amz_date) != 16) {
        rc = vpce_error_setc(VPCE_EINVALID, "invalid signing date");
        goto cleanup;
    }
    memcpy(date, amz_date, 8);
    date[8] = '\0';

    for (size_t i = 0; i < nh; i++) {
        hs[n].name = vpce_strdup(req->headers[i].name);
        for (char *c = hs[n].name; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        hs[n].value = trim_value(req->headers[i].value ? req->headers[i].value : "");
        hs[n].order = i;
        if (strcmp(hs[n].name, "x-amz-security-token") == 0)
            has_token = true;
        n++;
    }
    if (session_token && *session_token && !has_token) {
        hs[n].name = vpce_strdup("x-amz-security-token");
        hs[n].value = trim_value(session_token);
        hs[n].order = nh;
        n++;
        out->token_added = true;
    }
    qsort(hs, n, sizeof(*hs), hdr_cmp);

    /* Canonical request. */
    rc = vpce_buf_printf(&creq, "%s\n", req->method);
    if (rc == 0 && req->s3)
        rc = vpce_aws_uri_encode(&creq, req->path && *req->path ? req->path : "/",
                                 req->path && *req->path ? strlen(req->path) : 1, true);
    else if (rc == 0)
        rc = canonical_uri(&creq, req->path);
    if (rc == 0)
        rc = vpce_buf_putc(&creq, '\n');
    if (rc == 0)
        rc = canonical_query(&creq, req->query);
    if (rc == 0)
        rc = vpce_buf_putc(&creq, '\n');
    for (size_t i = 0; i < n && rc == 0; i++) {
        bool first = i == 0 || strcmp(hs[i].name, hs[i - 1].name) != 0;
        bool last = i + 1 == n || strcmp(hs[i].name, hs[i + 1].name) != 0;
        if (first) {
            rc = vpce_buf_printf(&creq, "%s:", hs[i].name);
            if (rc == 0)
                rc =
                    vpce_buf_printf(&signed_names, "%s%s", signed_names.len ? ";" : "", hs[i].name);
        } else {
            rc = vpce_buf_putc(&creq, ',');
        }
        if (rc == 0)
            rc = vpce_buf_puts(&creq, hs[i].value);
        if (rc == 0 && last)
            rc = vpce_buf_putc(&creq, '\n');
    }
    char payload[65] = "";
    if (!req->payload_hash)
        vpce_aws_sha256_hex(payload, req->body ? req->body : "", req->body ? req->body_len : 0);
    if (rc == 0)
        rc = vpce_buf_printf(&creq, "\n%s\n%s", vpce_buf_cstr(&signed_names),
                             req->payload_hash ? req->payload_hash : payload);
    if (rc < 0) {
        rc = vpce_error_setc(VPCE_ETOOBIG, "request too large to sign");
        goto cleanup;
    }

    /* String to sign. */
    char creq_hash[65];
    vpce_aws_sha256_hex(creq_hash, creq.data, creq.len);
    rc = vpce_buf_printf(&sts, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s", amz_date, date,
                         region, service, creq_hash);
    if (rc < 0)
        goto cleanup;

    /* Signing key and signature. */
    unsigned char k1[32], k2[32], k3[32], k4[32], sig[32];
    secret_key = vpce_asprintf("AWS4%s", secret_access_key);
    hmac(k1, secret_key, strlen(secret_key), date);
    hmac(k2, k1, 32, region);
    hmac(k3, k2, 32, service);
    hmac(k4, k3, 32, "aws4_request");
    hmac(sig, k4, 32, vpce_buf_cstr(&sts));
    char sig_hex[65];
    hex_encode(sig_hex, sig, 32);
    out->authorization = vpce_asprintf(
        "AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request, SignedHeaders=%s, Signature=%s",
        access_key_id, date, region, service, vpce_buf_cstr(&signed_names), sig_hex);
    out->canonical_request = vpce_buf_detach(&creq);
    out->string_to_sign = vpce_buf_detach(&sts);
    OPENSSL_cleanse(k1, sizeof(k1));
    OPENSSL_cleanse(k2, sizeof(k2));
    OPENSSL_cleanse(k3, sizeof(k3));
    OPENSSL_cleanse(k4, sizeof(k4));

cleanup:
    if (secret_key) {
        OPENSSL_cleanse(secret_key, strlen(secret_key));
        free(secret_key);
    }
    for (size_t i = 0; i < n; i++) {
        free(hs[i].name);
        free(hs[i].value);
    }
    free(hs);
    vpce_buf_release(&creq);
    vpce_buf_release(&signed_names);
    vpce_buf_release(&sts);
    return rc;
}

void vpce_aws_sigv4_release(vpce_aws_sigv4 *s)
{
    if (!s)
        return;
    free(s->canonical_request);
    free(s->string_to_sign);
    free(s->authorization);
    memset(s, 0, sizeof(*s));
}
