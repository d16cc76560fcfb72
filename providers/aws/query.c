/*
 * providers/aws/query.c: EC2 Query protocol parameters and their form encoding (botocore's
 * EC2Serializer rules: lists as Name.N from 1, structures with dots, empty lists send nothing).
 */
#include "providers/aws/client.h"

#include <ctype.h>
#include <string.h>

#define QUERY_BODY_CAP (8u << 20)

void vpce_aws_params_init(vpce_aws_params *p)
{
    memset(p, 0, sizeof(*p));
}

void vpce_aws_params_release(vpce_aws_params *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->len; i++) {
        free(p->names[i]);
        free(p->values[i]);
    }
    free(p->names);
    free(p->values);
    memset(p, 0, sizeof(*p));
}

void vpce_aws_params_add(vpce_aws_params *p, const char *name, const char *value)
{
    if (!value)
        return;
    if (p->len == p->alloc) {
        p->alloc = p->alloc ? p->alloc * 2 : 16;
        p->names = vpce_realloc(p->names, p->alloc * sizeof(char *));
        p->values = vpce_realloc(p->values, p->alloc * sizeof(char *));
    }
    p->names[p->len] = vpce_strdup(name);
    p->values[p->len] = vpce_strdup(value);
    p->len++;
}

void vpce_aws_params_addf(vpce_aws_params *p, const char *value, const char *name_fmt, ...)
{
    va_list ap;
    va_start(ap, name_fmt);
    char *name = vpce_vasprintf(name_fmt, ap);
    va_end(ap);
    vpce_aws_params_add(p, name, value);
    free(name);
}

void vpce_aws_params_add_bool(vpce_aws_params *p, const char *name, bool value)
{
    vpce_aws_params_add(p, name, value ? "true" : "false");
}

void vpce_aws_params_add_int(vpce_aws_params *p, const char *name, long long value)
{
    char num[32];
    snprintf(num, sizeof(num), "%lld", value);
    vpce_aws_params_add(p, name, num);
}

void vpce_aws_params_add_list(vpce_aws_params *p, const char *prefix, const char *const *values,
                              size_t n)
{
    for (size_t i = 0; i < n; i++)
        vpce_aws_params_addf(p, values[i], "%s.%zu", prefix, i + 1);
}

int vpce_aws_params_add_json_list(vpce_aws_params *p, const char *prefix, const json_t *array)
{
    size_t i;
    json_t *v;
    if (!array || json_is_null(array))
        return 0;
    if (!json_is_array(array))
        return vpce_error_setc(VPCE_EINVALID, "\"%s\": expected a list of strings", prefix);
    json_array_foreach(array, i, v)
    {
        if (!json_is_string(v))
            return vpce_error_setc(VPCE_EINVALID, "\"%s\": expected a list of strings", prefix);
    }
    json_array_foreach(array, i, v)
        vpce_aws_params_addf(p, json_string_value(v), "%s.%zu", prefix, i + 1);
    return 0;
}

void vpce_aws_params_add_filter(vpce_aws_params *p, const char *name, const char *const *values,
                                size_t n)
{
    int f = ++p->nfilters;
    vpce_aws_params_addf(p, name, "Filter.%d.Name", f);
    for (size_t i = 0; i < n; i++)
        vpce_aws_params_addf(p, values[i], "Filter.%d.Value.%zu", f, i + 1);
}

static int key_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int vpce_aws_params_add_tags(vpce_aws_params *p, const char *prefix, const json_t *tags)
{
    const char *k;
    json_t *v;
    if (!tags || json_is_null(tags))
        return 0;
    if (!json_is_object(tags))
        return vpce_error_setc(VPCE_EINVALID, "tags: expected a map of strings");
    size_t n = json_object_size(tags), i = 0;
    const char **keys = vpce_calloc(n + 1, sizeof(char *));
    json_object_foreach((json_t *)tags, k, v)
    {
        if (!json_is_string(v)) {
            free(keys);
            return vpce_error_setc(VPCE_EINVALID, "tags: the value of \"%s\" is not a string", k);
        }
        keys[i++] = k;
    }
    qsort(keys, n, sizeof(char *), key_cmp);
    for (i = 0; i < n; i++) {
        vpce_aws_params_addf(p, keys[i], "%s.%zu.Key", prefix, i + 1);
        vpce_aws_params_addf(p, json_string_value(json_object_get(tags, keys[i])), "%s.%zu.Value",
                             prefix, i + 1);
    }
    free(keys);
    return 0;
}

int vpce_aws_params_add_tag_spec(vpce_aws_params *p, const char *resource_type, const json_t *tags)
{
    if (!tags || json_is_null(tags))
        return 0;
    if (!json_is_object(tags))
        return vpce_error_setc(VPCE_EINVALID, "tags: expected a map of strings");
    if (json_object_size(tags) == 0)
        return 0;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)tags, k, v)
    {
        if (!json_is_string(v))
            return vpce_error_setc(VPCE_EINVALID, "tags: the value of \"%s\" is not a string", k);
    }
    int n = p->ntagspecs + 1;
    char *prefix = vpce_asprintf("TagSpecification.%d.Tag", n);
    vpce_aws_params_addf(p, resource_type, "TagSpecification.%d.ResourceType", n);
    int rc = vpce_aws_params_add_tags(p, prefix, tags);
    free(prefix);
    if (rc == 0)
        p->ntagspecs = n;
    return rc;
}

const char *vpce_aws_params_get(const vpce_aws_params *p, const char *name)
{
    for (size_t i = 0; p && i < p->len; i++) {
        if (strcmp(p->names[i], name) == 0)
            return p->values[i];
    }
    return NULL;
}

/* Python urlencode (quote_plus): unreserved literal, space '+', the rest %XX. */
static int form_encode(vpce_buf *b, const char *s)
{
    int rc = 0;
    for (const unsigned char *c = (const unsigned char *)s; *c && rc == 0; c++) {
        if (isalnum(*c) || *c == '-' || *c == '_' || *c == '.' || *c == '~')
            rc = vpce_buf_putc(b, (char)*c);
        else if (*c == ' ')
            rc = vpce_buf_putc(b, '+');
        else
            rc = vpce_buf_printf(b, "%%%02X", *c);
    }
    return rc;
}

char *vpce_aws_query_encode(const char *action, const char *version, const vpce_aws_params *p)
{
    vpce_buf b = VPCE_BUF_INIT(QUERY_BODY_CAP);
    int rc = vpce_buf_puts(&b, "Action=");
    if (rc == 0)
        rc = form_encode(&b, action);
    if (rc == 0)
        rc = vpce_buf_puts(&b, "&Version=");
    if (rc == 0)
        rc = form_encode(&b, version ? version : "2016-11-15");
    for (size_t i = 0; p && i < p->len && rc == 0; i++) {
        rc = vpce_buf_putc(&b, '&');
        if (rc == 0)
            rc = form_encode(&b, p->names[i]);
        if (rc == 0)
            rc = vpce_buf_putc(&b, '=');
        if (rc == 0)
            rc = form_encode(&b, p->values[i]);
    }
    if (rc < 0) {
        vpce_buf_release(&b);
        vpce_error_setc(VPCE_ETOOBIG, "request for \"%s\" too large", action);
        return NULL;
    }
    return vpce_buf_detach(&b);
}
