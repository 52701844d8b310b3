#define _GNU_SOURCE
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
