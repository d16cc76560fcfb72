/*
 * lang/funcs_crypto.c: built-in functions on hashes and cryptography: md5, sha1, sha256, sha512
 * and their base64 and file variants, bcrypt, uuid, uuidv5 and rsadecrypt. Digests and RSA come
 * from OpenSSL, bcrypt from libcrypt (libxcrypt); nothing here is hand-written cryptography.
 */
#include "lang/funcs.h"

#include <crypt.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <string.h>

/* The bytes of argument i as a string (Terraform hashes the UTF-8 bytes of the string). */
static bool arg_bytes(fcall *c, size_t i, const char **out, size_t *len)
{
    const char *s = fn_str(c, i);
    if (!s)
        return false;
    *out = s;
    *len = json_is_string(c->a[i]) ? json_string_length(c->a[i]) : strlen(s);
    return true;
}

/* The digest of data with md ("MD5", "SHA1", "SHA256", "SHA512") into out; its size. */
static unsigned digest(const char *md, const void *data, size_t len,
                       unsigned char out[EVP_MAX_MD_SIZE])
{
    unsigned n = 0;
    EVP_MD *alg = EVP_MD_fetch(NULL, md, NULL);
    if (!alg || !EVP_Digest(data, len, out, &n, alg, NULL))
        n = 0;
    EVP_MD_free(alg);
    return n;
}

static json_t *hex_json(const unsigned char *d, unsigned n)
{
    static const char hex[] = "0123456789abcdef";
    char s[2 * EVP_MAX_MD_SIZE + 1];
    for (unsigned i = 0; i < n; i++) {
        s[2 * i] = hex[d[i] >> 4];
        s[2 * i + 1] = hex[d[i] & 15];
    }
    return json_stringn(s, 2 * n);
}

/* A digest of argument 0 (a string, or with from_file the file it names), hex or base64. */
static json_t *hash_common(fcall *c, const char *md, bool from_file, bool base64)
{
    const char *data;
    size_t len;
    char *file = NULL;
    if (from_file) {
        if (fn_read_file(c, 0, &file, &len) < 0)
            return NULL;
        data = file;
    } else if (!arg_bytes(c, 0, &data, &len)) {
        return NULL;
    }
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned n = digest(md, data, len, d);
    free(file);
    if (n == 0)
        return fn_fail(c, "the %s digest is not available", md);
    return base64 ? fn_base64_json(c, d, n) : hex_json(d, n);
}

static json_t *f_md5(fcall *c)
{
    return hash_common(c, "MD5", false, false);
}
static json_t *f_sha1(fcall *c)
{
    return hash_common(c, "SHA1", false, false);
}
static json_t *f_sha256(fcall *c)
{
    return hash_common(c, "SHA256", false, false);
}
static json_t *f_sha512(fcall *c)
{
    return hash_common(c, "SHA512", false, false);
}
static json_t *f_base64sha256(fcall *c)
{
    return hash_common(c, "SHA256", false, true);
}
static json_t *f_base64sha512(fcall *c)
{
    return hash_common(c, "SHA512", false, true);
}
static json_t *f_filemd5(fcall *c)
{
    return hash_common(c, "MD5", true, false);
}
static json_t *f_filesha1(fcall *c)
{
    return hash_common(c, "SHA1", true, false);
}
static json_t *f_filesha256(fcall *c)
{
    return hash_common(c, "SHA256", true, false);
}
static json_t *f_filesha512(fcall *c)
{
    return hash_common(c, "SHA512", true, false);
}
static json_t *f_filebase64sha256(fcall *c)
{
    return hash_common(c, "SHA256", true, true);
}
static json_t *f_filebase64sha512(fcall *c)
{
    return hash_common(c, "SHA512", true, true);
}

/* bcrypt(string, cost = 10): a "$2a$" hash as Terraform's (Go's bcrypt) writes it. */
static json_t *f_bcrypt(fcall *c)
{
    const char *s = fn_str(c, 0);
    long long cost = 10;
    if (!s || (c->n > 1 && !fn_int(c, 1, &cost)))
        return NULL;
    if (cost < 4 || cost > 31)
        return fn_fail(c, "the cost must be between 4 and 31, got %lld", cost);
    if (strlen(s) > 72)
        return fn_fail(c, "the string is longer than bcrypt's 72 bytes");
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    struct crypt_data *cd = vpce_calloc(1, sizeof(*cd));
    json_t *r = NULL;
    if (!crypt_gensalt_rn("$2a$", (unsigned long)cost, NULL, 0, setting, sizeof(setting))) {
        fn_fail(c, "cannot make a bcrypt salt");
    } else {
        const char *h = crypt_r(s, setting, cd);
        if (!h || h[0] == '*')
            fn_fail(c, "bcrypt failed");
        else
            r = json_string(h);
    }
    free(cd);
    return r;
}

static json_t *uuid_json(const unsigned char u[16])
{
    char s[37];
    static const char hex[] = "0123456789abcdef";
    size_t k = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            s[k++] = '-';
        s[k++] = hex[u[i] >> 4];
        s[k++] = hex[u[i] & 15];
    }
    return json_stringn(s, 36);
}

/* A random (version 4) UUID: a new value at every call, as Terraform's. */
static json_t *f_uuid(fcall *c)
{
    unsigned char u[16];
    if (RAND_bytes(u, sizeof(u)) != 1)
        return fn_fail(c, "no random bytes available");
    u[6] = (u[6] & 0x0F) | 0x40;
    u[8] = (u[8] & 0x3F) | 0x80;
    return uuid_json(u);
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

static bool parse_uuid(const char *s, unsigned char out[16])
{
    size_t k = 0;
    for (size_t i = 0; s[i]; i++) {
        if (s[i] == '-' && (i == 8 || i == 13 || i == 18 || i == 23))
            continue;
        int v1 = hexval(s[i]), v2 = s[i + 1] ? hexval(s[i + 1]) : -1;
        if (v1 < 0 || v2 < 0 || k == 16)
            return false;
        out[k++] = (unsigned char)(v1 << 4 | v2);
        i++;
    }
    return k == 16 && strlen(s) == 36;
}

/* uuidv5(namespace, name): namespace "dns", "url", "oid", "x500" or a UUID. */
static json_t *f_uuidv5(fcall *c)
{
    static const struct {
        const char *name, *uuid;
    } known[] = {
        {"dns", "6ba7b810-9dad-11d1-80b4-00c04fd430c8"},
        {"url", "6ba7b811-9dad-11d1-80b4-00c04fd430c8"},
        {"oid", "6ba7b812-9dad-11d1-80b4-00c04fd430c8"},
        {"x500", "6ba7b814-9dad-11d1-80b4-00c04fd430c8"},
    };
    const char *ns = fn_str(c, 0), *name;
    size_t nlen;
    if (!ns || !arg_bytes(c, 1, &name, &nlen))
        return NULL;
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(ns, known[i].name) == 0)
            ns = known[i].uuid;
    unsigned char u[16];
    if (!parse_uuid(ns, u))
        return fn_arg_err(c, 0, "must be \"dns\", \"url\", \"oid\", \"x500\" or a UUID");
    char *buf = vpce_malloc(16 + nlen + 1);
    memcpy(buf, u, 16);
    memcpy(buf + 16, name, nlen);
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned n = digest("SHA1", buf, 16 + nlen, d);
    free(buf);
    if (n < 16)
        return fn_fail(c, "the SHA1 digest is not available");
    d[6] = (d[6] & 0x0F) | 0x50;
    d[8] = (d[8] & 0x3F) | 0x80;
    return uuid_json(d);
}

/* rsadecrypt(ciphertext_base64, private_key_pem): PKCS #1 v1.5, as Terraform's. */
static json_t *f_rsadecrypt(fcall *c)
{
    const char *ct64 = fn_str(c, 0), *pem = fn_str(c, 1);
    if (!ct64 || !pem)
        return NULL;
    unsigned char *ct = NULL, *pt = NULL;
    size_t ctlen = 0, ptlen = 0;
    EVP_PKEY *key = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    json_t *r = NULL;
    if (fn_base64_decode(ct64, &ct, &ctlen) < 0) {
        fn_fail(c, "failed to decode the ciphertext: not valid base64");
        goto cleanup;
    }
    BIO *bio = BIO_new_mem_buf(pem, -1);
    key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
        fn_fail(c, "failed to parse the key: not an RSA private key in PEM format");
        goto cleanup;
    }
    pctx = EVP_PKEY_CTX_new(key, NULL);
    if (!pctx || EVP_PKEY_decrypt_init(pctx) <= 0 ||
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0 ||
        EVP_PKEY_decrypt(pctx, NULL, &ptlen, ct, ctlen) <= 0) {
        fn_fail(c, "failed to decrypt");
        goto cleanup;
    }
    pt = vpce_malloc(ptlen + 1);
    if (EVP_PKEY_decrypt(pctx, pt, &ptlen, ct, ctlen) <= 0) {
        fn_fail(c, "failed to decrypt: wrong key or damaged ciphertext");
        goto cleanup;
    }
    r = json_stringn((const char *)pt, ptlen);
    if (!r)
        fn_fail(c, "the decrypted text is not valid UTF-8");
cleanup:
    EVP_PKEY_CTX_free(pctx);
    EVP_PKEY_free(key);
    if (pt)
        OPENSSL_cleanse(pt, ptlen);
    free(pt);
    free(ct);
    return r;
}

const fdef vpce_fn_crypto[] = {
    {"base64sha256", 1, 1, 0, f_base64sha256},
    {"base64sha512", 1, 1, 0, f_base64sha512},
    {"bcrypt", 1, 2, 0, f_bcrypt},
    {"filebase64sha256", 1, 1, 0, f_filebase64sha256},
    {"filebase64sha512", 1, 1, 0, f_filebase64sha512},
    {"filemd5", 1, 1, 0, f_filemd5},
    {"filesha1", 1, 1, 0, f_filesha1},
    {"filesha256", 1, 1, 0, f_filesha256},
    {"filesha512", 1, 1, 0, f_filesha512},
    {"md5", 1, 1, 0, f_md5},
    {"rsadecrypt", 2, 2, 0, f_rsadecrypt},
    {"sha1", 1, 1, 0, f_sha1},
    {"sha256", 1, 1, 0, f_sha256},
    {"sha512", 1, 1, 0, f_sha512},
    {"uuid", 0, 0, 0, f_uuid},
    {"uuidv5", 2, 2, 0, f_uuidv5},
    {NULL, 0, 0, 0, NULL},
};
