/*
 * config/hash.c: SHA-256 for the content hash of a configuration that saved plans record,
 * through OpenSSL (the language's digest functions use it too), which hashes with the CPU's
 * SHA extensions where it has them.
 */
#include "config/config.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>

void vpce_sha256_init(vpce_sha256_ctx *c)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        fputs("vpce: OpenSSL cannot hash with SHA-256\n", stderr);
        abort();
    }
    c->md = md;
}

void vpce_sha256_update(vpce_sha256_ctx *c, const void *data, size_t len)
{
    if (len)
        EVP_DigestUpdate(c->md, data, len);
}

void vpce_sha256_final(vpce_sha256_ctx *c, char hex[65])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(c->md, d, &n);
    EVP_MD_CTX_free(c->md);
    c->md = NULL;
    static const char digits[] = "0123456789abcdef";
    for (unsigned int i = 0; i < n && i < 32; i++) {
        hex[2 * i] = digits[d[i] >> 4];
        hex[2 * i + 1] = digits[d[i] & 15];
    }
    hex[64] = '\0';
}
