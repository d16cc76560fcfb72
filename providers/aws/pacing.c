/*
 * providers/aws/pacing.c: token buckets that keep vpce under EC2's per-account request rates,
 * one per throttling category (EC2 API reference, "Request throttling"). The bucket math takes
 * the clock as an argument so it is testable; the client wraps it in a mutex and condvar.
 */
#include "providers/aws/client.h"

#include <string.h>

void vpce_aws_rate_limits_defaults(vpce_aws_rate_limits *rl)
{
    if (rl->endpoint_capacity <= 0)
        rl->endpoint_capacity = 4;
    if (rl->endpoint_refill <= 0)
        rl->endpoint_refill = 0.3;
    if (rl->mutating_capacity <= 0)
        rl->mutating_capacity = 50;
    if (rl->mutating_refill <= 0)
        rl->mutating_refill = 5;
    if (rl->describe_capacity <= 0)
        rl->describe_capacity = 100;
    if (rl->describe_refill <= 0)
        rl->describe_refill = 20;
}

void vpce_aws_bucket_init(vpce_aws_bucket *b, double capacity, double refill_per_s, int64_t now_ms)
{
    b->capacity = capacity < 1 ? 1 : capacity;
    b->refill_per_s = refill_per_s > 0 ? refill_per_s : 0.001;
    b->tokens = b->capacity;
    b->last_ms = now_ms;
}

static void refill(vpce_aws_bucket *b, int64_t now_ms)
{
    if (now_ms > b->last_ms) {
        b->tokens += (double)(now_ms - b->last_ms) * b->refill_per_s / 1000.0;
        if (b->tokens > b->capacity)
            b->tokens = b->capacity;
        b->last_ms = now_ms;
    }
}

int64_t vpce_aws_bucket_take(vpce_aws_bucket *b, int64_t now_ms)
{
    refill(b, now_ms);
    if (b->tokens >= 1.0) {
        b->tokens -= 1.0;
        return 0;
    }
    double missing = 1.0 - b->tokens;
    int64_t wait = (int64_t)(missing * 1000.0 / b->refill_per_s + 0.999);
    return wait < 1 ? 1 : wait;
}

void vpce_aws_bucket_drain(vpce_aws_bucket *b, int64_t now_ms)
{
    refill(b, now_ms);
    b->tokens = 0;
}

int vpce_aws_action_category(const char *action)
{
    if (strcmp(action, "CreateVpcEndpoint") == 0 || strcmp(action, "ModifyVpcEndpoint") == 0 ||
        strcmp(action, "DeleteVpcEndpoints") == 0)
        return 0;
    if (strncmp(action, "Describe", 8) == 0 || strncmp(action, "Get", 3) == 0 ||
        strncmp(action, "List", 4) == 0)
        return 2;
    return 1;
}
