#ifndef COMENDB_SHIM_H
#define COMENDB_SHIM_H
/* Internal helpers for the Swift engine. Not part of the public API and not
 * exported from libomendb.so (names deliberately do not start with omendb_). */
#include <stddef.h>
#include <stdint.h>
#include "omendb.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The calling thread's error-message buffer (ODB_SHIM_ERROR_CAPACITY bytes,
 * always NUL-terminated). Lives as long as the thread. */
#define ODB_SHIM_ERROR_CAPACITY 1024
char *odb_shim_thread_error_buffer(void);

/* Prefetch the cache line holding `address` for reading. */
static inline void odb_shim_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

#ifdef __cplusplus
}
#endif
#endif
