/* util/log.c: the log sink the CLI installs; the library itself never prints. */
#include "util/util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

static vpce_log_sink log_sink;
static void *log_ctx;
static vpce_log_level log_max = VPCE_LOG_WARN;

void vpce_log_set_sink(vpce_log_sink sink, void *ctx, vpce_log_level max_level)
{
    log_sink = sink;
    log_ctx = ctx;
    log_max = max_level;
}

bool vpce_log_enabled(vpce_log_level level)
{
    return log_sink && level <= log_max;
}

void vpce_log(vpce_log_level level, const char *fmt, ...)
{
    if (!vpce_log_enabled(level))
        return;
    va_list ap;
    va_start(ap, fmt);
    char *msg = vpce_vasprintf(fmt, ap);
    va_end(ap);
    log_sink(level, msg, log_ctx);
    free(msg);
}

int64_t vpce_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Lock-free, hence safe to set from a signal handler. */
static atomic_int cancel_flag;

void vpce_cancel_request(void)
{
    atomic_store(&cancel_flag, 1);
}

bool vpce_cancel_requested(void)
{
    return atomic_load(&cancel_flag) != 0;
}

void vpce_cancel_reset(void)
{
    atomic_store(&cancel_flag, 0);
}

/* Sleeps in slices of at most this long, to notice a cancellation soon. */
#define SLEEP_SLICE_MS 50

void vpce_sleep_ms(int64_t ms)
{
    int64_t end = vpce_now_ms() + ms;
    while (ms > 0 && !vpce_cancel_requested()) {
        int64_t nap = ms < SLEEP_SLICE_MS ? ms : SLEEP_SLICE_MS;
        struct timespec ts = {nap / 1000, (nap % 1000) * 1000000};
        while (nanosleep(&ts, &ts) != 0)
            ;
        ms = end - vpce_now_ms();
    }
}
