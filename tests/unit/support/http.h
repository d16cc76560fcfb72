/*
 * tests/unit/support/http.h: the two halves of a tiny HTTP/1.1 server that tests run on
 * loopback in a thread of their own (a container credentials agent, an SSO portal, an instance
 * metadata service): reading one request's head, and sending one whole answer.
 */
#ifndef VPCE_TEST_HTTP_H
#define VPCE_TEST_HTTP_H

#include <stddef.h>

/* Reads from fd until the end of the request's head (or cap - 1 bytes, or EOF) into buf, which
 * is NUL-terminated; returns the number of bytes read. */
size_t vpce_test_http_read_head(int fd, char *buf, size_t cap);
/* Sends a whole answer with status, an optional Content-Type (NULL: none) and body, then
 * "Connection: close". */
void vpce_test_http_reply(int fd, int status, const char *content_type, const char *body);

#endif
