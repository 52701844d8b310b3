#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include "COmenDBShim.h"

/* Starts writeback of [offset, offset + length) of `fd` without waiting for it
 * (a hint: durability still needs fsync). Returns 0, or -1 with errno set. */
int odb_shim_start_writeback(int fd, int64_t offset, int64_t length) {
#if defined(__linux__)
    return sync_file_range(fd, (off_t)offset, (off_t)length, SYNC_FILE_RANGE_WRITE);
#else
    (void)fd; (void)offset; (void)length;
    return 0;
#endif
}

/* Writes back [offset, offset + length) of `fd` and waits until it is on the device
 * (data only: metadata and durability still need fsync). Returns 0, or -1 with errno. */
int odb_shim_wait_writeback(int fd, int64_t offset, int64_t length) {
#if defined(__linux__)
    return sync_file_range(fd, (off_t)offset, (off_t)length,
                           SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
#else
    (void)fd; (void)offset; (void)length;
    return 0;
#endif
}

/* Turns direct I/O (O_DIRECT: writes bypass the page cache) on or off for `fd`.
 * Returns 0, or -1 with errno set (e.g. EINVAL where the file system lacks it, or
 * where there is no O_DIRECT). */
int odb_shim_set_direct_io(int fd, int on) {
#if defined(O_DIRECT)
    int flags = fcntl(fd, F_GETFL);
    if (flags == -1) return -1;
    return fcntl(fd, F_SETFL, on ? (flags | O_DIRECT) : (flags & ~O_DIRECT));
#else
    (void)fd; (void)on;
    errno = EINVAL;
    return -1;
#endif
}
