/*
 * util/file.c: opening files that must be regular files. A FIFO, a device or a socket opened
 * for reading can block forever (a FIFO waits for a writer), and a directory reads as an error
 * that says nothing useful; every reader of a user-named file goes through here instead, so
 * each of them refuses those at once with the same message.
 */
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What a non-regular file is, for messages. */
static const char *kind(mode_t mode)
{
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISFIFO(mode))
        return "a FIFO (named pipe)";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    return "of an unknown kind";
}

static int not_regular(const char *path, mode_t mode)
{
    if (S_ISDIR(mode))
        return vpce_error_setc(VPCE_EINVALID, "\"%s\" is a directory, not a file", path);
    return vpce_error_setc(VPCE_EINVALID, "\"%s\" is not a regular file: it is %s", path,
                           kind(mode));
}

static int open_error(const char *path, int err)
{
    return vpce_error_setc(err == ENOENT || err == ENOTDIR ? VPCE_ENOTFOUND : VPCE_ERROR,
                           "cannot open \"%s\": %s", path, strerror(err));
}

int vpce_open_regular(int *out_fd, const char *path, int flags)
{
    *out_fd = -1;
    /* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer. */
    int fd = open(path, flags | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        int err = errno;
        struct stat sb;
        if (err == EISDIR || (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)))
            return not_regular(path, err == EISDIR ? S_IFDIR : sb.st_mode);
        return open_error(path, err);
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int err = errno;
        close(fd);
        return vpce_error_set("cannot read \"%s\": %s", path, strerror(err));
    }
    if (!S_ISREG(sb.st_mode)) {
        close(fd);
        return not_regular(path, sb.st_mode);
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl == -1 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1) {
        int err = errno;
        close(fd);
        return vpce_error_set("cannot read \"%s\": %s", path, strerror(err));
    }
    *out_fd = fd;
    return 0;
}

int vpce_check_regular(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return open_error(path, errno);
    return S_ISREG(sb.st_mode) ? 0 : not_regular(path, sb.st_mode);
}
