#include "COmenDBShim.h"

static _Thread_local char thread_error[ODB_SHIM_ERROR_CAPACITY];

char *odb_shim_thread_error_buffer(void) {
    return thread_error;
}

static _Thread_local uint32_t thread_lock_ranks;

uint32_t *odb_shim_thread_lock_ranks(void) {
    return &thread_lock_ranks;
}
