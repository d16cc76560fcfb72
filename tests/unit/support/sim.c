/* tests/unit/support/sim.c: the simulator as a child process of a C test. */
#include "tests/unit/support/sim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int vpce_sim_start(vpce_sim *s, const char *const *extra_args)
{
    memset(s, 0, sizeof(*s));
    const char *script = getenv("VPCE_SIM");
    if (!script || !*script) {
        fprintf(stderr, "sim: VPCE_SIM is not set\n");
        return -1;
    }
    snprintf(s->dir, sizeof(s->dir), "/tmp/vpce-sim-XXXXXX");
    if (!mkdtemp(s->dir)) {
        fprintf(stderr, "sim: mkdtemp: %s\n", strerror(errno));
        return -1;
    }
    char portfile[300];
    snprintf(portfile, sizeof(portfile), "%s/port", s->dir);
    const char *argv[64];
    int n = 0;
    argv[n++] = "python3";
    argv[n++] = script;
    argv[n++] = "--port";
    argv[n++] = "0";
    argv[n++] = "--port-file";
    argv[n++] = portfile;
    for (const char *const *a = extra_args; a && *a && n < 62; a++)
        argv[n++] = *a;
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0)
            dup2(devnull, STDOUT_FILENO);
        execvp("python3", (char *const *)argv);
        _exit(127);
    }
    s->pid = pid;
    for (int i = 0; i < 400; i++) {
        FILE *f = fopen(portfile, "r");
        if (f) {
            int port = 0;
            if (fscanf(f, "%d", &port) == 1 && port > 0) {
                fclose(f);
                s->port = port;
                snprintf(s->endpoint, sizeof(s->endpoint), "http://127.0.0.1:%d", port);
                return 0;
            }
            fclose(f);
        }
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            fprintf(stderr, "sim: the simulator exited early\n");
            s->pid = 0;
            return -1;
        }
        sleep_ms(50);
    }
    fprintf(stderr, "sim: no port after 20 s\n");
    vpce_sim_stop(s);
    return -1;
}

void vpce_sim_stop(vpce_sim *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        int st;
        bool done = false;
        for (int i = 0; i < 100 && !done; i++) {
            if (waitpid(s->pid, &st, WNOHANG) == s->pid)
                done = true;
            else
                sleep_ms(50);
        }
        if (!done) {
            kill(s->pid, SIGKILL);
            waitpid(s->pid, &st, 0);
        }
        s->pid = 0;
    }
    if (s->dir[0]) {
        char path[300];
        snprintf(path, sizeof(path), "%s/port", s->dir);
        unlink(path);
        rmdir(s->dir);
        s->dir[0] = '\0';
    }
}

static json_t *control(vpce_sim *s, const char *method, const char *path, const char *body)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return NULL;
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)s->port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        close(fd);
        return NULL;
    }
    size_t blen = body ? strlen(body) : 0;
    char head[512];
    int hl = snprintf(head, sizeof(head),
                      "%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                      "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                      method, path, blen);
    if (write(fd, head, (size_t)hl) != hl || (blen && write(fd, body, blen) != (ssize_t)blen)) {
        close(fd);
        return NULL;
    }
    size_t cap = 1 << 24, len = 0;
    char *buf = malloc(cap + 1);
    ssize_t r;
    while (buf && len < cap && (r = read(fd, buf + len, cap - len)) > 0)
        len += (size_t)r;
    close(fd);
    if (!buf)
        return NULL;
    buf[len] = '\0';
    char *sep = strstr(buf, "\r\n\r\n");
    json_t *j = sep ? json_loads(sep + 4, 0, NULL) : NULL;
    free(buf);
    return j;
}

json_t *vpce_sim_get(vpce_sim *s, const char *path)
{
    return control(s, "GET", path, NULL);
}

json_t *vpce_sim_post(vpce_sim *s, const char *path, const char *json_body)
{
    return control(s, "POST", path, json_body ? json_body : "{}");
}

long vpce_sim_count(vpce_sim *s, const char *group, const char *key)
{
    json_t *c = vpce_sim_get(s, "/_sim/counts");
    const json_t *g = group ? json_object_get(c, group) : c;
    long v = (long)json_integer_value(json_object_get(g, key));
    json_decref(c);
    return v;
}
