/* providers/schema.c: lookups in resource, data-source and provider schemas. */
#include "providers/provider.h"

#include <string.h>

const vpce_attr_schema *vpce_schema_attr(const vpce_block_schema *s, const char *name)
{
    if (!s || !s->attrs || !name)
        return NULL;
    for (const vpce_attr_schema *a = s->attrs; a->name; a++)
        if (strcmp(a->name, name) == 0)
            return a;
    return NULL;
}

const vpce_nested_block *vpce_schema_block(const vpce_block_schema *s, const char *name)
{
    if (!s || !s->blocks || !name)
        return NULL;
    for (const vpce_nested_block *b = s->blocks; b->name; b++)
        if (strcmp(b->name, name) == 0)
            return b;
    return NULL;
}
