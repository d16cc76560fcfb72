/*
 * providers/aws/xml.c: XML answers of the Query-protocol services (EC2, STS) and of S3 to
 * jansson values, parsed with libxml2 set up for untrusted input: no network, no DTD loading, no
 * entity substitution, any DOCTYPE rejected, a size cap before parsing and a depth cap while
 * walking.
 *
 * The conversion is generic (no model): an element with child elements becomes an object keyed
 * by local name (a name repeated among siblings becomes an array); an element whose children are
 * all <item> becomes an array; an element without child elements becomes its text, a string.
 */
#include "providers/aws/client.h"

#include <pthread.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#define XML_MAX_BYTES (16u << 20)

static void xml_init_once(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, xmlInitParser);
}

static bool is_elem(const xmlNode *n)
{
    return n && n->type == XML_ELEMENT_NODE;
}

static bool has_elem_children(const xmlNode *n)
{
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (is_elem(c))
            return true;
    }
    return false;
}

static json_t *text_of(const xmlNode *n)
{
    xmlChar *t = xmlNodeGetContent(n);
    json_t *s = vpce_json_string_lossy(t ? (const char *)t : "", t ? strlen((const char *)t) : 0);
    xmlFree(t);
    return s;
}

static int convert(json_t **out, const xmlNode *n, int depth, bool force_object);

static int convert_children_object(json_t **out, const xmlNode *n, int depth)
{
    json_t *obj = json_object();
    vpce_map *repeated = NULL; /* keys turned into arrays because the name repeats */
    int rc = 0;
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (!is_elem(c))
            continue;
        json_t *v = NULL;
        rc = convert(&v, c, depth + 1, false);
        if (rc < 0)
            break;
        const char *key = (const char *)c->name;
        json_t *prev = json_object_get(obj, key);
        if (!prev) {
            json_object_set_new(obj, key, v);
        } else if (repeated && vpce_map_has(repeated, key)) {
            json_array_append_new(prev, v);
        } else {
            json_t *arr = json_array();
            json_array_append(arr, prev);
            json_array_append_new(arr, v);
            json_object_set_new(obj, key, arr);
            if (!repeated)
                repeated = vpce_map_new();
            vpce_map_set(repeated, key, arr);
        }
    }
    vpce_map_free(repeated);
    if (rc < 0) {
        json_decref(obj);
        return rc;
    }
    *out = obj;
    return 0;
}

static int convert(json_t **out, const xmlNode *n, int depth, bool force_object)
{
    if (depth > VPCE_AWS_XML_MAX_DEPTH)
        return VPCE_ETOOBIG;
    if (!has_elem_children(n)) {
        *out = force_object ? json_object() : text_of(n);
        return 0;
    }
    bool all_items = !force_object;
    for (const xmlNode *c = n->children; c && all_items; c = c->next) {
        if (is_elem(c) && strcmp((const char *)c->name, "item") != 0)
            all_items = false;
    }
    if (!all_items)
        return convert_children_object(out, n, depth);
    json_t *arr = json_array();
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (!is_elem(c))
            continue;
        json_t *v = NULL;
        int rc = convert(&v, c, depth + 1, false);
        if (rc < 0) {
            json_decref(arr);
            return rc;
        }
        json_array_append_new(arr, v);
    }
    *out = arr;
    return 0;
}

static const xmlNode *child(const xmlNode *n, const char *name)
{
    for (const xmlNode *c = n ? n->children : NULL; c; c = c->next) {
        if (is_elem(c) && strcmp((const char *)c->name, name) == 0)
            return c;
    }
    return NULL;
}

static void copy_text(char *dst, size_t cap, const xmlNode *n)
{
    dst[0] = '\0';
    if (!n)
        return;
    xmlChar *t = xmlNodeGetContent(n);
    if (t)
        snprintf(dst, cap, "%s", (const char *)t);
    xmlFree(t);
}

/* True when the body declares a DOCTYPE anywhere (entity-expansion attacks start there). */
static bool has_doctype(const char *body, size_t len)
{
    for (size_t i = 0; i + 9 <= len; i++) {
        if (body[i] == '<' && body[i + 1] == '!' && strncasecmp(body + i + 2, "DOCTYPE", 7) == 0)
            return true;
        if (body[i] == '<' && body[i + 1] == '!' && strncasecmp(body + i + 2, "ENTITY", 6) == 0)
            return true;
    }
    return false;
}

/* The body from its first byte that is not white space or a UTF-8 byte order mark. */
static const char *skip_space(const char *b, const char *end)
{
    if (end - b >= 3 && memcmp(b, "\xEF\xBB\xBF", 3) == 0)
        b += 3;
    while (b < end && (*b == ' ' || *b == '\t' || *b == '\r' || *b == '\n'))
        b++;
    return b;
}

static bool starts_with_ci(const char *b, const char *end, const char *prefix)
{
    size_t n = strlen(prefix);
    return (size_t)(end - b) >= n && strncasecmp(b, prefix, n) == 0;
}

/* True for an HTML page: <!DOCTYPE html ...> or <html ...> first, after an optional XML
 * declaration (XHTML). Such a body is described, never parsed. */
static bool looks_html(const char *b, const char *end)
{
    b = skip_space(b, end);
    if (starts_with_ci(b, end, "<?xml")) {
        const char *q = b;
        while (q + 1 < end && !(q[0] == '?' && q[1] == '>'))
            q++;
        b = skip_space(q + 2 <= end ? q + 2 : end, end);
    }
    while (starts_with_ci(b, end, "<!--")) { /* comments before the root */
        const char *q = b + 4;
        while (q + 2 < end && memcmp(q, "-->", 3) != 0)
            q++;
        b = skip_space(q + 3 <= end ? q + 3 : end, end);
    }
    if (starts_with_ci(b, end, "<!doctype")) {
        const char *q = skip_space(b + 9, end);
        return starts_with_ci(q, end, "html");
    }
    return starts_with_ci(b, end, "<html") && (end - b == 5 || strchr(" \t\r\n>", b[5]) != NULL);
}

/* True when the first bytes hold a NUL or control characters other than white space. */
static bool looks_binary(const char *b, size_t len)
{
    size_t n = len < 512 ? len : 512;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)b[i];
        if (c == 0 || (c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f)
            return true;
    }
    return false;
}

/* Appends up to `max` bytes of text to dst (a buffer of cap bytes, already terminated), white
 * space runs as one space, bytes that are not printable ASCII as '?', "..." when cut. */
static void append_excerpt(char *dst, size_t cap, const char *t, size_t n, size_t max)
{
    size_t at = strlen(dst);
    size_t used = 0;
    bool space = false;
    for (size_t i = 0; i < n && at + 4 < cap; i++) {
        unsigned char c = (unsigned char)t[i];
        bool ws = c == ' ' || c == '\t' || c == '\r' || c == '\n';
        if (ws) {
            space = used > 0;
            continue;
        }
        if (used >= max) {
            snprintf(dst + at, cap - at, "...");
            return;
        }
        if (space) {
            dst[at++] = ' ';
            space = false;
        }
        dst[at++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
        dst[at] = '\0';
        used++;
    }
}

/* The first line of the body that is not blank, quoted, for a message. */
static void first_line(char *dst, size_t cap, const char *b, const char *end)
{
    b = skip_space(b, end);
    const char *nl = b;
    while (nl < end && *nl != '\n' && *nl != '\r')
        nl++;
    snprintf(dst, cap, "first line: \"");
    append_excerpt(dst, cap, b, (size_t)(nl - b), 100);
    size_t at = strlen(dst);
    snprintf(dst + at, cap - at, "\"");
}

/* The <title> of an HTML page ("500 Internal Server Error"), quoted, or its first line. */
static void html_summary(char *dst, size_t cap, const char *b, const char *end)
{
    for (const char *q = b; q + 7 <= end; q++) {
        if (!starts_with_ci(q, end, "<title"))
            continue;
        const char *start = q + 6;
        while (start < end && *start != '>')
            start++;
        if (start >= end)
            break;
        start++;
        const char *stop = start;
        while (stop < end && !starts_with_ci(stop, end, "</title"))
            stop++;
        snprintf(dst, cap, "title: \"");
        append_excerpt(dst, cap, start, (size_t)(stop - start), 100);
        size_t at = strlen(dst);
        snprintf(dst + at, cap - at, "\"");
        return;
    }
    first_line(dst, cap, b, end);
}

/*
 * What came back, for a body that is not an EC2 XML document: "an HTML body (title: ...)",
 * "an empty body", "a JSON body (first line: ...)", "a binary body (N bytes)", "a text body
 * (first line: ...)". Returns false for a body that starts like XML (the caller parses it).
 */
static bool describe_non_xml(char *dst, size_t cap, const char *body, size_t len)
{
    const char *end = body + len;
    const char *b = body ? skip_space(body, end) : end;
    char detail[200];
    if (!body || b >= end) {
        snprintf(dst, cap, "an empty body");
        return true;
    }
    if (looks_html(b, end)) {
        html_summary(detail, sizeof(detail), b, end);
        snprintf(dst, cap, "an HTML body (%s)", detail);
        return true;
    }
    if (looks_binary(body, len)) {
        snprintf(dst, cap, "a binary body (%zu bytes)", len);
        return true;
    }
    if (*b == '<')
        return false;
    first_line(detail, sizeof(detail), b, end);
    snprintf(dst, cap, "%s body (%s)", *b == '{' || *b == '[' ? "a JSON" : "a text", detail);
    return true;
}

static void silent_generic(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

static void silent_structured(void *ctx, xmlErrorPtr err)
{
    (void)ctx;
    (void)err;
}

/*
 * Reads body into *out_doc with every safeguard: the size cap, no DOCTYPE or ENTITY, no network,
 * no entity substitution. Messages name the service and what was asked ("EC2" and the action).
 */
static int read_doc(xmlDoc **out_doc, const char *service, const char *what, long http_status,
                    const char *body, size_t len)
{
    char status[32] = "";
    *out_doc = NULL;
    if (http_status > 0)
        snprintf(status, sizeof(status), " (HTTP %ld)", http_status);
    if (len > XML_MAX_BYTES)
        return vpce_error_setc(VPCE_ETOOBIG,
                               "unexpected response from %s%s to %s: larger than %u bytes", service,
                               status, what, XML_MAX_BYTES);
    /* Answers that are not XML at all (an HTML error page from a proxy or an emulator, JSON, an
     * empty body) say what they are, rather than what a parser made of them. */
    char kind[320];
    if (describe_non_xml(kind, sizeof(kind), body, len))
        return vpce_error_setc(VPCE_EINVALID, "unexpected response from %s to %s: HTTP %ld with %s",
                               service, what, http_status, kind);
    if (has_doctype(body, len))
        return vpce_error_setc(VPCE_EINVALID,
                               "unexpected response from %s%s to %s: XML with a DOCTYPE refused",
                               service, status, what);
    xml_init_once();
    /* libxml2 reports some errors (encoding ones) through its per-thread generic handler even with
     * XML_PARSE_NOERROR; the library never prints, so silence both handlers on this thread. */
    xmlSetGenericErrorFunc(NULL, silent_generic);
    xmlSetStructuredErrorFunc(NULL, silent_structured);
    /* No XML_PARSE_NOENT, DTDLOAD, DTDATTR or HUGE: entities stay unexpanded, limits stay on. */
    int opts = XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
    VPCE_ASSERT(
        (opts & (XML_PARSE_NOENT | XML_PARSE_DTDLOAD | XML_PARSE_DTDATTR | XML_PARSE_HUGE)) == 0);
    xmlDoc *doc = xmlReadMemory(body, (int)len, "aws.xml", NULL, opts);
    if (!doc || !xmlDocGetRootElement(doc)) {
        if (doc)
            xmlFreeDoc(doc);
        char line[160];
        first_line(line, sizeof(line), body, body + len);
        return vpce_error_setc(
            VPCE_EINVALID, "unexpected response from %s to %s: HTTP %ld with malformed XML (%s)",
            service, what, http_status, line);
    }
    if (doc->intSubset || doc->extSubset) {
        xmlFreeDoc(doc);
        return vpce_error_setc(VPCE_EINVALID,
                               "unexpected response from %s%s to %s: XML with a DOCTYPE refused",
                               service, status, what);
    }
    *out_doc = doc;
    return 0;
}

int vpce_aws_xml_parse(json_t **out_result, vpce_aws_xml_error *err, const char *action,
                       long http_status, const char *body, size_t len)
{
    return vpce_aws_xml_parse_service(out_result, err, "EC2", action, http_status, body, len);
}

int vpce_aws_xml_parse_service(json_t **out_result, vpce_aws_xml_error *err, const char *service,
                               const char *action, long http_status, const char *body, size_t len)
{
    int rc = 0;
    xmlDoc *doc = NULL;
    char status[32] = "";

    *out_result = NULL;
    memset(err, 0, sizeof(*err));
    if (http_status > 0)
        snprintf(status, sizeof(status), " (HTTP %ld)", http_status);
    rc = read_doc(&doc, service, action, http_status, body, len);
    if (rc < 0)
        goto cleanup;
    const xmlNode *root = xmlDocGetRootElement(doc);
    const char *rname = (const char *)root->name;
    if (strcmp(rname, "Response") == 0 || strcmp(rname, "ErrorResponse") == 0) {
        const xmlNode *e = child(child(root, "Errors"), "Error");
        if (!e)
            e = child(root, "Error");
        if (!e) {
            rc = vpce_error_setc(VPCE_EINVALID,
                                 "unexpected response from %s%s to %s: an error without a code",
                                 service, status, action);
            goto cleanup;
        }
        copy_text(err->code, sizeof(err->code), child(e, "Code"));
        copy_text(err->message, sizeof(err->message), child(e, "Message"));
        const xmlNode *rid = child(root, "RequestID");
        if (!rid)
            rid = child(root, "RequestId");
        copy_text(err->request_id, sizeof(err->request_id), rid);
        if (!err->code[0]) {
            rc = vpce_error_setc(VPCE_EINVALID,
                                 "unexpected response from %s%s to %s: an error without a code",
                                 service, status, action);
            goto cleanup;
        }
        rc = vpce_error_set("%s: %s", err->code, err->message);
        goto cleanup;
    }
    if (http_status >= 300) {
        rc = vpce_error_setc(VPCE_EINVALID,
                             "unexpected response from %s%s to %s: <%s> is not an error document",
                             service, status, action, rname);
        goto cleanup;
    }
    size_t alen = strlen(action), rlen = strlen(rname);
    if (rlen != alen + 8 || strncmp(rname, action, alen) != 0 || strcmp(rname + alen, "Response")) {
        rc = vpce_error_setc(VPCE_EINVALID,
                             "unexpected response from %s%s to %s: <%s> is not its answer", service,
                             status, action, rname);
        goto cleanup;
    }
    rc = convert(out_result, root, 1, true);
    if (rc < 0) {
        rc = vpce_error_setc(VPCE_ETOOBIG,
                             "unexpected response from %s%s to %s: XML nested deeper than %d",
                             service, status, action, VPCE_AWS_XML_MAX_DEPTH);
        goto cleanup;
    }

cleanup:
    if (doc)
        xmlFreeDoc(doc);
    return rc;
}

int vpce_aws_xml_parse_rest(json_t **out_result, vpce_aws_xml_error *err, const char *what,
                            const char *root_name, long http_status, const char *body, size_t len)
{
    int rc = 0;
    xmlDoc *doc = NULL;
    char status[32] = "";

    *out_result = NULL;
    memset(err, 0, sizeof(*err));
    if (http_status > 0)
        snprintf(status, sizeof(status), " (HTTP %ld)", http_status);
    rc = read_doc(&doc, "S3", what, http_status, body, len);
    if (rc < 0)
        goto cleanup;
    const xmlNode *root = xmlDocGetRootElement(doc);
    const char *rname = (const char *)root->name;
    if (strcmp(rname, "Error") == 0) {
        copy_text(err->code, sizeof(err->code), child(root, "Code"));
        copy_text(err->message, sizeof(err->message), child(root, "Message"));
        copy_text(err->request_id, sizeof(err->request_id), child(root, "RequestId"));
        if (!err->code[0]) {
            rc = vpce_error_setc(VPCE_EINVALID,
                                 "unexpected response from S3%s to %s: an error without a code",
                                 status, what);
            goto cleanup;
        }
        rc = vpce_error_set("%s: %s", err->code, err->message);
        goto cleanup;
    }
    if (http_status >= 300 || !root_name || strcmp(rname, root_name) != 0) {
        rc = vpce_error_setc(VPCE_EINVALID,
                             "unexpected response from S3%s to %s: <%s> is not its answer", status,
                             what, rname);
        goto cleanup;
    }
    rc = convert(out_result, root, 1, true);
    if (rc < 0)
        rc = vpce_error_setc(VPCE_ETOOBIG,
                             "unexpected response from S3%s to %s: XML nested deeper than %d",
                             status, what, VPCE_AWS_XML_MAX_DEPTH);

cleanup:
    if (doc)
        xmlFreeDoc(doc);
    return rc;
}
