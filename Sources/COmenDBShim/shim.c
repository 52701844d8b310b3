#include "COmenDBShim.h"

static _Thread_local char thread_error[ODB_SHIM_ERROR_CAPACITY];

char *odb_shim_thread_error_buffer(void) {
    return thread_error;
}

static _Thread_local uint32_t thread_lock_ranks;

uint32_t *odb_shim_thread_lock_ranks(void) {
    return &thread_lock_ranks;
}

/* ---- Reader epochs ---- */
#include <pthread.h>
#include <stdlib.h>

_Thread_local odb_reader_slot *odb_shim_thread_reader;
uint64_t odb_shim_global_epoch __attribute__((aligned(128))) = 1;

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static odb_reader_slot *registry_head;  /* newest first; read without the lock by scans */
static pthread_key_t slot_key;
static pthread_once_t slot_key_once = PTHREAD_ONCE_INIT;

static void release_slot(void *raw) {
    odb_reader_slot *slot = raw;
    pthread_mutex_lock(&registry_lock);
    __atomic_store_n(&slot->epoch, 0, __ATOMIC_RELEASE);
    slot->depth = 0;
    slot->in_use = 0;
    pthread_mutex_unlock(&registry_lock);
    odb_shim_thread_reader = 0;  /* a read in a later destructor registers again */
}

static void make_slot_key(void) {
    if (pthread_key_create(&slot_key, release_slot) != 0) abort();
}

odb_reader_slot *odb_shim_reader_register(void) {
    pthread_once(&slot_key_once, make_slot_key);
    pthread_mutex_lock(&registry_lock);
    odb_reader_slot *slot = registry_head;
    while (slot && slot->in_use) slot = slot->next;
    if (!slot) {
        slot = aligned_alloc(128, sizeof(odb_reader_slot));
        if (!slot) abort();
        slot->epoch = 0;
        slot->next = registry_head;
        __atomic_store_n(&registry_head, slot, __ATOMIC_RELEASE);
    }
    slot->in_use = 1;
    slot->depth = 0;
    pthread_mutex_unlock(&registry_lock);
    odb_shim_thread_reader = slot;
    pthread_setspecific(slot_key, slot);
    return slot;
}

uint64_t odb_shim_epoch_advance(void) {
    return __atomic_fetch_add(&odb_shim_global_epoch, 1, __ATOMIC_SEQ_CST);
}

uint64_t odb_shim_reader_oldest_epoch(void) {
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    uint64_t oldest = UINT64_MAX;
    for (odb_reader_slot *slot = __atomic_load_n(&registry_head, __ATOMIC_ACQUIRE); slot; slot = slot->next) {
        uint64_t epoch = __atomic_load_n(&slot->epoch, __ATOMIC_ACQUIRE);
        if (epoch != 0 && epoch < oldest) oldest = epoch;
    }
    return oldest;
}
