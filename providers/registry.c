/*
 * providers/registry.c: the provider types vpce knows. The built-in "aws" provider is always
 * present; tests may add their own with vpce_providers_register(). Registration happens at
 * start-up, before any lookup runs concurrently.
 */
#include "providers/provider.h"

#include <pthread.h>
#include <string.h>

extern const vpce_provider_type vpce_aws_provider;

#define MAX_PROVIDERS 16

static const vpce_provider_type *registered[MAX_PROVIDERS] = {&vpce_aws_provider};
static size_t nregistered = 1;

void vpce_providers_register(const vpce_provider_type *t)
{
    VPCE_ASSERT(t && t->name);
    for (size_t i = 0; i < nregistered; i++)
        if (strcmp(registered[i]->name, t->name) == 0) {
            registered[i] = t;
            return;
        }
    VPCE_ASSERT(nregistered < MAX_PROVIDERS);
    registered[nregistered++] = t;
}

const vpce_provider_type *vpce_providers_find(const char *name)
{
    for (size_t i = 0; name && i < nregistered; i++)
        if (strcmp(registered[i]->name, name) == 0)
            return registered[i];
    return NULL;
}

const vpce_provider_type *vpce_providers_for_type(const char *type_name)
{
    if (!type_name)
        return NULL;
    const char *us = strchr(type_name, '_');
    size_t n = us ? (size_t)(us - type_name) : strlen(type_name);
    for (size_t i = 0; i < nregistered; i++)
        if (strlen(registered[i]->name) == n && strncmp(registered[i]->name, type_name, n) == 0)
            return registered[i];
    return NULL;
}

static const vpce_resource_type *find_in(const vpce_resource_type *const *list, const char *name)
{
    for (size_t i = 0; list && list[i]; i++)
        if (strcmp(list[i]->name, name) == 0)
            return list[i];
    return NULL;
}

const vpce_resource_type *vpce_providers_resource(const char *type_name)
{
    const vpce_provider_type *p = vpce_providers_for_type(type_name);
    return p ? find_in(p->resources, type_name) : NULL;
}

const vpce_resource_type *vpce_providers_data_source(const char *type_name)
{
    const vpce_provider_type *p = vpce_providers_for_type(type_name);
    return p ? find_in(p->data_sources, type_name) : NULL;
}

const char **vpce_providers_type_names(bool data, size_t *n)
{
    size_t count = 0;
    for (size_t i = 0; i < nregistered; i++) {
        const vpce_resource_type *const *list =
            data ? registered[i]->data_sources : registered[i]->resources;
        for (size_t j = 0; list && list[j]; j++)
            count++;
    }
    const char **names = vpce_malloc((count + 1) * sizeof(*names));
    size_t k = 0;
    for (size_t i = 0; i < nregistered; i++) {
        const vpce_resource_type *const *list =
            data ? registered[i]->data_sources : registered[i]->resources;
        for (size_t j = 0; list && list[j]; j++)
            names[k++] = list[j]->name;
    }
    names[k] = NULL;
    *n = count;
    return names;
}

static pthread_mutex_t stop_lock = PTHREAD_MUTEX_INITIALIZER;
static char *stop_reason;

void vpce_providers_request_stop(const char *reason)
{
    pthread_mutex_lock(&stop_lock);
    if (!stop_reason)
        stop_reason = vpce_strdup(reason ? reason : "a provider asked to stop");
    pthread_mutex_unlock(&stop_lock);
}

const char *vpce_providers_stop_reason(void)
{
    pthread_mutex_lock(&stop_lock);
    const char *r = stop_reason;
    pthread_mutex_unlock(&stop_lock);
    return r;
}
