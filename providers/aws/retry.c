/*
 * providers/aws/retry.c: the retry policy of the AWS SDKs' "standard" mode, as pure functions:
 * which failures are retried, and how long to wait (capped exponential backoff, full jitter).
 */
#include "providers/aws/client.h"

#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

static const char *const throttle_codes[] = {
    "RequestLimitExceeded",
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottled",
    "RequestThrottledException",
    "TooManyRequestsException",
    "PriorRequestNotComplete",
    "SlowDown",
    "BandwidthLimitExceeded",
    "EC2ThrottledException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
};

/* IDPCommunicationError: STS could not reach the identity provider of a web identity token
 * (retried by the SDKs' STS clients). */
static const char *const transient_codes[] = {
    "InternalError",  "InternalFailure",         "ServiceUnavailable",    "Unavailable",
    "RequestTimeout", "RequestTimeoutException", "IDPCommunicationError",
};

static bool in_list(const char *code, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(code, list[i]) == 0)
            return true;
    }
    return false;
}

vpce_aws_retry_kind vpce_aws_retry_decide(long http_status, int curl_code,
                                          const char *aws_error_code)
{
    switch (curl_code) {
    case CURLE_OK:
        break;
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return VPCE_AWS_RETRY_TRANSIENT;
    default:
        /* TLS failures, bad URLs, a response over the size cap: retrying cannot help. */
        return VPCE_AWS_NO_RETRY;
    }
    const char *code = aws_error_code ? aws_error_code : "";
    if (*code && in_list(code, throttle_codes, sizeof(throttle_codes) / sizeof(*throttle_codes)))
        return VPCE_AWS_RETRY_THROTTLE;
    if (http_status == 429)
        return VPCE_AWS_RETRY_THROTTLE;
    if (*code && in_list(code, transient_codes, sizeof(transient_codes) / sizeof(*transient_codes)))
        return VPCE_AWS_RETRY_TRANSIENT;
    /* The SDKs' transient statuses. 501 Not Implemented (and 505 and the rest) will answer the
     * same again: retrying them only delays the error. */
    if (http_status == 500 || http_status == 502 || http_status == 503 || http_status == 504)
        return VPCE_AWS_RETRY_TRANSIENT;
    return VPCE_AWS_NO_RETRY;
}

int vpce_aws_parse_duration_ms(const char *s, int64_t *out_ms)
{
    static const struct {
        const char *unit;
        double ms;
    } units[] = {{"", 1000}, {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
    char *end = NULL;
    if (!s || !((*s >= '0' && *s <= '9') || *s == '.'))
        return VPCE_EINVALID;
    double v = strtod(s, &end);
    for (size_t i = 0; end && i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(end, units[i].unit) != 0)
            continue;
        double ms = v * units[i].ms;
        if (!(ms >= 1 && ms <= 86400000.0))
            return VPCE_EINVALID;
        *out_ms = (int64_t)ms;
        return 0;
    }
    return VPCE_EINVALID;
}

int64_t vpce_aws_backoff_ms(int attempt, double random01, int64_t base_ms, int64_t cap_ms)
{
    if (attempt < 1)
        attempt = 1;
    if (random01 < 0)
        random01 = 0;
    if (random01 >= 1)
        random01 = 0.999999;
    int64_t ceiling = base_ms;
    for (int i = 1; i < attempt && ceiling < cap_ms; i++)
        ceiling *= 2;
    if (ceiling > cap_ms)
        ceiling = cap_ms;
    return (int64_t)(random01 * (double)ceiling);
}

bool vpce_aws_retry_opaque_5xx(long http_status, const char *aws_error_code)
{
    if (http_status < 500 || http_status > 599)
        return false;
    /* Gateways and load balancers answer 502, 503 and 504 when the service behind them is busy
     * or restarting: those pass, whatever their body. */
    if (http_status == 502 || http_status == 503 || http_status == 504)
        return false;
    const char *code = aws_error_code ? aws_error_code : "";
    if (*code &&
        (in_list(code, throttle_codes, sizeof(throttle_codes) / sizeof(*throttle_codes)) ||
         in_list(code, transient_codes, sizeof(transient_codes) / sizeof(*transient_codes))))
        return false;
    return true;
}
