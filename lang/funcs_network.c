/*
 * lang/funcs_network.c: built-in functions on IP networks: cidrsubnet, cidrhost, cidrnetmask.
 */
#include "lang/funcs.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

typedef struct cidr {
    unsigned char addr[16];
    int bits;   /* 32 or 128 */
    int prefix; /* prefix length */
} cidr;

static bool parse_cidr(const char *s, cidr *out)
{
    const char *slash = strchr(s, '/');
    if (!slash)
        return false;
    char host[64];
    size_t hl = (size_t)(slash - s);
    if (hl >= sizeof(host))
        return false;
    memcpy(host, s, hl);
    host[hl] = 0;
    char *end;
    long pl = strtol(slash + 1, &end, 10);
    if (*end || slash[1] == 0)
        return false;
    memset(out, 0, sizeof(*out));
    if (inet_pton(AF_INET, host, out->addr) == 1)
        out->bits = 32;
    else if (inet_pton(AF_INET6, host, out->addr) == 1)
        out->bits = 128;
    else
        return false;
    if (pl < 0 || pl > out->bits)
        return false;
    out->prefix = (int)pl;
    return true;
}

static void mask_addr(cidr *c)
{
    for (int i = 0; i < c->bits; i++)
        if (i >= c->prefix)
            c->addr[i / 8] &= (unsigned char)~(0x80u >> (i % 8));
}

/* Adds n (may be a big value; only the low bits after `from` are set) at bit range [from, to). */
static void set_bits(unsigned char *addr, int from, int to, unsigned long long n)
{
    for (int i = to - 1; i >= from; i--) {
        unsigned char bit = (unsigned char)(0x80u >> (i % 8));
        if (n & 1)
            addr[i / 8] |= bit;
        else
            addr[i / 8] &= (unsigned char)~bit;
        n >>= 1;
    }
}

static json_t *addr_json(const cidr *c, bool with_prefix)
{
    char buf[INET6_ADDRSTRLEN];
    inet_ntop(c->bits == 32 ? AF_INET : AF_INET6, c->addr, buf, sizeof(buf));
    if (!with_prefix)
        return json_string(buf);
    char *s = vpce_asprintf("%s/%d", buf, c->prefix);
    json_t *r = json_string(s);
    free(s);
    return r;
}

static json_t *f_cidrsubnet(fcall *c)
{
    const char *p = fn_str(c, 0);
    long long newbits, netnum;
    if (!p || !fn_int(c, 1, &newbits) || !fn_int(c, 2, &netnum))
        return NULL;
    cidr ci;
    if (!parse_cidr(p, &ci))
        return fn_arg_err(c, 0, "invalid CIDR expression");
    if (newbits < 0)
        return fn_arg_err(c, 1, "newbits must not be negative");
    if (ci.prefix + newbits > ci.bits)
        return fn_fail(c, "insufficient address space to extend prefix of %d by %lld", ci.prefix,
                       newbits);
    if (netnum < 0 || (newbits < 63 && (unsigned long long)netnum >= (1ULL << newbits)))
        return fn_fail(c, "prefix extension of %lld does not accommodate a subnet numbered %lld",
                       newbits, netnum);
    mask_addr(&ci);
    set_bits(ci.addr, ci.prefix, ci.prefix + (int)newbits, (unsigned long long)netnum);
    ci.prefix += (int)newbits;
    return addr_json(&ci, true);
}

/* Adds one (delta 1) or subtracts one (delta -1) to the address; true when it wrapped. */
static bool addr_step(cidr *c, int delta)
{
    for (int i = c->bits / 8 - 1; i >= 0; i--) {
        unsigned v = c->addr[i];
        c->addr[i] = (unsigned char)(v + (unsigned)delta);
        if ((delta > 0 && v != 0xFF) || (delta < 0 && v != 0))
            return false;
    }
    return true;
}

/* True if the first address of inner lies in outer. */
static bool cidr_contains(const cidr *outer, const cidr *inner)
{
    cidr a = *outer, b = *inner;
    b.prefix = a.prefix;
    mask_addr(&a);
    mask_addr(&b);
    return memcmp(a.addr, b.addr, sizeof(a.addr)) == 0;
}

/*
 * cidrsubnets(prefix, newbits...): consecutive subnets of prefix, one per newbits, each aligned
 * to its own size and placed after the previous one, as Terraform allocates them.
 */
static json_t *f_cidrsubnets(fcall *c)
{
    const char *p = fn_str(c, 0);
    if (!p)
        return NULL;
    cidr base;
    if (!parse_cidr(p, &base))
        return fn_arg_err(c, 0, "invalid CIDR expression");
    mask_addr(&base);
    json_t *out = json_array();
    cidr cur = base;
    for (size_t i = 1; i < c->n; i++) {
        long long nb;
        if (!fn_int(c, i, &nb))
            goto fail;
        if (nb < 1 || base.prefix + nb > base.bits) {
            fn_fail(c, "would extend prefix to %lld bits, which is too long for an IPv%d address",
                    base.prefix + nb, base.bits == 32 ? 4 : 6);
            goto fail;
        }
        int len = base.prefix + (int)nb;
        if (i == 1) {
            /* Start just before the base network, so the first step lands on its start. */
            cur = base;
            bool wrapped = addr_step(&cur, -1);
            cur.prefix = len;
            mask_addr(&cur);
            if (wrapped) { /* the base starts at address zero: the first subnet is there */
                cur = base;
                cur.prefix = len;
                json_array_append_new(out, addr_json(&cur, true));
                continue;
            }
        }
        /* The subnet of length len holding the last address of cur, then the one after it. */
        cidr next = cur;
        for (int b = next.prefix; b < next.bits; b++)
            next.addr[b / 8] |= (unsigned char)(0x80u >> (b % 8));
        next.prefix = len;
        for (int b = len; b < next.bits; b++)
            next.addr[b / 8] |= (unsigned char)(0x80u >> (b % 8));
        bool rolled = addr_step(&next, 1);
        mask_addr(&next);
        if (rolled || !cidr_contains(&base, &next)) {
            fn_fail(c,
                    "not enough remaining address space for a subnet with a prefix of %d bits "
                    "after %s",
                    len, json_string_value(json_array_get(out, json_array_size(out) - 1)));
            goto fail;
        }
        json_array_append_new(out, addr_json(&next, true));
        cur = next;
    }
    return out;
fail:
    json_decref(out);
    return NULL;
}

static json_t *f_cidrhost(fcall *c)
{
    const char *p = fn_str(c, 0);
    long long hostnum;
    if (!p || !fn_int(c, 1, &hostnum))
        return NULL;
    cidr ci;
    if (!parse_cidr(p, &ci))
        return fn_arg_err(c, 0, "invalid CIDR expression");
    int hostbits = ci.bits - ci.prefix;
    unsigned long long max = hostbits >= 63 ? ULLONG_MAX : (1ULL << hostbits);
    long long orig = hostnum;
    if (hostnum < 0) {
        if (hostbits < 63 && (unsigned long long)(-hostnum) > max)
            return fn_fail(c, "prefix of %d does not accommodate a host numbered %lld", ci.prefix,
                           orig);
        hostnum = (long long)(max + (unsigned long long)hostnum);
        if (hostbits >= 63)
            return fn_fail(c, "negative host numbers are not supported in prefixes this large");
    } else if (hostbits < 63 && (unsigned long long)hostnum >= max) {
        return fn_fail(c, "prefix of %d does not accommodate a host numbered %lld", ci.prefix,
                       orig);
    }
    mask_addr(&ci);
    int from = ci.prefix;
    if (ci.bits - from > 64)
        from = ci.bits - 64;
    set_bits(ci.addr, from, ci.bits, (unsigned long long)hostnum);
    return addr_json(&ci, false);
}

static json_t *f_cidrnetmask(fcall *c)
{
    const char *p = fn_str(c, 0);
    if (!p)
        return NULL;
    cidr ci;
    if (!parse_cidr(p, &ci))
        return fn_arg_err(c, 0, "invalid CIDR expression");
    if (ci.bits != 32)
        return fn_fail(c, "IPv6 addresses cannot have a netmask: %s", p);
    cidr m = {{0}, 32, 32};
    for (int i = 0; i < ci.prefix; i++)
        m.addr[i / 8] |= (unsigned char)(0x80u >> (i % 8));
    return addr_json(&m, false);
}

const fdef vpce_fn_network[] = {
    {"cidrhost", 2, 2, 0, f_cidrhost},
    {"cidrnetmask", 1, 1, 0, f_cidrnetmask},
    {"cidrsubnet", 3, 3, 0, f_cidrsubnet},
    {"cidrsubnets", 2, -1, 0, f_cidrsubnets},
    {NULL, 0, 0, 0, NULL},
};
