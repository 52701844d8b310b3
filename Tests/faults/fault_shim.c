/* fault_shim.c — an LD_PRELOAD library that counts the mutating I/O steps a process
 * makes on files under one directory and injects one fault at a chosen step.
 * Used by Tests/faults/run.py; see docs/reliability.md, "Fault injection".
 *
 * A step is one call of: write/pwrite (of at least one byte), fsync/fdatasync (files
 * and directories), ftruncate, open with O_CREAT, mkdir, rename, unlink, on a path
 * under FAULT_DIR (for calls on descriptors: a descriptor opened on such a path).
 * sync_file_range is a writeback hint, not a step.
 *
 * Environment (all optional; without FAULT_DIR the shim only forwards calls):
 *   FAULT_DIR    the directory whose files are watched (absolute path)
 *   FAULT_TRACE  a file (outside FAULT_DIR) that receives one line per step:
 *                "<n> <call> <path> <bytes> <kinds>", kinds = the letters of the fault
 *                kinds that apply to the step (E enospc, I eio, S short, F fsync, C crash)
 *   FAULT_KIND   enospc | eio | short | fsync | crash
 *   FAULT_STEP   N: the fault hits the N-th step (1-based) to which FAULT_KIND applies
 *
 * Fault kinds:
 *   enospc  the step fails with ENOSPC (writes, creating a new file, mkdir) and the disk
 *           stays full: every later write and mkdir fails with ENOSPC too
 *   eio     the step fails with EIO, once (any step but fsync)
 *   short   a write of n >= 2 bytes writes n/2 bytes and returns n/2; the disk is then
 *           full as after enospc, so the caller's retry fails with ENOSPC
 *   fsync   an fsync/fdatasync fails with EIO, once (as Linux reports a writeback error once)
 *   crash   the process exits (_exit(86)) right after the step completed
 *
 * The driver asks what happened through faultshim_injected, faultshim_first,
 * faultshim_first_in_this_thread and faultshim_first_absorbable (found with dlsym).
 * Thread-safe: one mutex guards the counters and the descriptor table. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#define CRASH_STATUS 86
#define MAX_DESCRIPTORS 4096

enum kind { KIND_NONE, KIND_ENOSPC, KIND_EIO, KIND_SHORT, KIND_FSYNC, KIND_CRASH };

/* What a step is; decides which kinds apply to it. */
enum step_class { STEP_WRITE, STEP_SYNC, STEP_TRUNCATE, STEP_CREATE, STEP_MKDIR, STEP_RENAME, STEP_UNLINK };

static const char *const class_names[] = {"write", "fsync", "ftruncate", "create", "mkdir", "rename", "unlink"};

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static char watched[4096];
static size_t watched_length;
static int trace_fd = -1;
static enum kind fault_kind = KIND_NONE;
static long fault_step;
static long steps;           /* steps seen */
static long kind_steps;      /* steps to which fault_kind applies */
static int disk_full;        /* after enospc / short: writes and mkdir fail with ENOSPC */
static int injected;         /* failures injected (the first one and those of a full disk) */
static char first[1200];     /* the first injection, described */
static _Thread_local char previous[560]; /* this thread's step before the current one ("call 'path'") */
static pid_t first_thread;
static int first_absorbable; /* the first injection hit an unlink (removals may be best effort) */
static char *descriptor_paths[MAX_DESCRIPTORS];

static int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_close)(int);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_ftruncate)(int, off_t);
static int (*real_ftruncate64)(int, off_t);
static int (*real_rename)(const char *, const char *);
static int (*real_unlink)(const char *);
static int (*real_mkdir)(const char *, mode_t);

static void *next_symbol(const char *name) {
    void *symbol = dlsym(RTLD_NEXT, name);
    if (symbol == NULL) {
        static const char message[] = "fault_shim: a libc symbol is missing\n";
        (void)!syscall(SYS_write, 2, message, sizeof message - 1);
        _exit(127);
    }
    return symbol;
}

#define RESOLVE(name) do { if (real_##name == NULL) real_##name = next_symbol(#name); } while (0)

static enum kind parse_kind(const char *text) {
    if (text == NULL) return KIND_NONE;
    if (strcmp(text, "enospc") == 0) return KIND_ENOSPC;
    if (strcmp(text, "eio") == 0) return KIND_EIO;
    if (strcmp(text, "short") == 0) return KIND_SHORT;
    if (strcmp(text, "fsync") == 0) return KIND_FSYNC;
    if (strcmp(text, "crash") == 0) return KIND_CRASH;
    fprintf(stderr, "fault_shim: unknown FAULT_KIND '%s'\n", text);
    _exit(127);
}

__attribute__((constructor)) static void configure(void) {
    RESOLVE(open);
    const char *dir = getenv("FAULT_DIR");
    if (dir == NULL || dir[0] != '/') return;
    watched_length = strlen(dir);
    while (watched_length > 1 && dir[watched_length - 1] == '/') watched_length--;
    if (watched_length >= sizeof watched) _exit(127);
    memcpy(watched, dir, watched_length);
    const char *trace = getenv("FAULT_TRACE");
    if (trace != NULL) trace_fd = real_open(trace, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    fault_kind = parse_kind(getenv("FAULT_KIND"));
    const char *step = getenv("FAULT_STEP");
    fault_step = step != NULL ? atol(step) : 0;
}

/* Whether `path` (absolute or relative to the working directory) is under the watched directory. */
static int is_watched(const char *path) {
    if (watched_length == 0 || path == NULL) return 0;
    char absolute[4096];
    if (path[0] != '/') {
        if (getcwd(absolute, sizeof absolute) == NULL) return 0;
        size_t length = strlen(absolute);
        if (snprintf(absolute + length, sizeof absolute - length, "/%s", path) >= (int)(sizeof absolute - length)) return 0;
        path = absolute;
    }
    return strncmp(path, watched, watched_length) == 0 && (path[watched_length] == '/' || path[watched_length] == '\0');
}

static int kind_applies(enum kind kind, enum step_class class, size_t bytes, int creates_file) {
    switch (kind) {
    case KIND_ENOSPC: return class == STEP_WRITE || class == STEP_MKDIR || (class == STEP_CREATE && creates_file);
    case KIND_EIO: return class != STEP_SYNC;
    case KIND_SHORT: return class == STEP_WRITE && bytes >= 2;
    case KIND_FSYNC: return class == STEP_SYNC;
    case KIND_CRASH: return 1;
    case KIND_NONE: return 0;
    }
    return 0;
}

/* The decision for one step. */
enum action { PROCEED, FAIL, WRITE_HALF, CRASH_AFTER };

struct decision { enum action action; int error; };

/* Records an injected failure; the first one is described for the driver. */
static void record_injection(enum step_class class, const char *call, const char *path, const char *what) {
    if (injected++ > 0) return;
    snprintf(first, sizeof first, "%s injected at step %ld (%s '%s', after %s)", what, steps, call, path,
             previous[0] ? previous : "none");
    first_thread = (pid_t)syscall(SYS_gettid);
    first_absorbable = class == STEP_UNLINK;
}

static struct decision decide(enum step_class class, const char *call, const char *path, size_t bytes, int creates_file);

/* Counts a step on `path` and decides what happens to it (mutex held by the caller). */
static struct decision step(enum step_class class, const char *call, const char *path, size_t bytes, int creates_file) {
    struct decision decision = decide(class, call, path, bytes, creates_file);
    snprintf(previous, sizeof previous, "%s '%.500s'", call, path);
    return decision;
}

static struct decision decide(enum step_class class, const char *call, const char *path, size_t bytes, int creates_file) {
    struct decision decision = {PROCEED, 0};
    steps++;
    if (trace_fd >= 0) {
        char line[4400];
        static const enum kind all[] = {KIND_ENOSPC, KIND_EIO, KIND_SHORT, KIND_FSYNC, KIND_CRASH};
        static const char letters[] = "EISFC";
        char kinds[6] = {0};
        size_t k = 0;
        for (size_t i = 0; i < 5; i++) if (kind_applies(all[i], class, bytes, creates_file)) kinds[k++] = letters[i];
        int length = snprintf(line, sizeof line, "%ld %s %s %zu %s\n", steps, call, path, bytes, kinds);
        if (length > 0) { RESOLVE(write); (void)!real_write(trace_fd, line, (size_t)length < sizeof line ? (size_t)length : sizeof line - 1); }
    }
    if (disk_full && (class == STEP_WRITE || class == STEP_MKDIR)) {
        record_injection(class, call, path, "ENOSPC (disk still full)");
        decision.action = FAIL;
        decision.error = ENOSPC;
        return decision;
    }
    if (!kind_applies(fault_kind, class, bytes, creates_file) || ++kind_steps != fault_step) return decision;
    switch (fault_kind) {
    case KIND_ENOSPC:
        disk_full = 1;
        decision.action = FAIL;
        decision.error = ENOSPC;
        record_injection(class, call, path, "ENOSPC");
        break;
    case KIND_EIO:
    case KIND_FSYNC:
        decision.action = FAIL;
        decision.error = EIO;
        record_injection(class, call, path, "EIO");
        break;
    case KIND_SHORT:
        disk_full = 1;
        decision.action = WRITE_HALF;
        record_injection(class, call, path, "short write");
        break;
    case KIND_CRASH:
        decision.action = CRASH_AFTER;
        break;
    case KIND_NONE:
        break;
    }
    return decision;
}

static const char *descriptor_path(int fd) {
    return fd >= 0 && fd < MAX_DESCRIPTORS ? descriptor_paths[fd] : NULL;
}

static void remember_descriptor(int fd, const char *path) {
    if (fd < 0 || fd >= MAX_DESCRIPTORS) return;
    free(descriptor_paths[fd]);
    descriptor_paths[fd] = is_watched(path) ? strdup(path) : NULL;
}

static void crash(void) { _exit(CRASH_STATUS); }

/* ---- open / close ---------------------------------------------------------- */

static int do_open(int (*real)(const char *, int, ...), const char *path, int flags, mode_t mode) {
    pthread_mutex_lock(&mutex);
    struct decision decision = {PROCEED, 0};
    if ((flags & O_CREAT) && is_watched(path)) {
        struct stat info;
        int creates_file = stat(path, &info) != 0;
        decision = step(STEP_CREATE, "open", path, 0, creates_file);
    }
    if (decision.action == FAIL) {
        pthread_mutex_unlock(&mutex);
        errno = decision.error;
        return -1;
    }
    int fd = real(path, flags, mode);
    int saved = errno;
    if (fd >= 0) remember_descriptor(fd, path);
    if (fd >= 0 && decision.action == CRASH_AFTER) crash();
    pthread_mutex_unlock(&mutex);
    errno = saved;
    return fd;
}

static mode_t mode_argument(int flags, va_list arguments) {
    return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? (mode_t)va_arg(arguments, int) : 0;
}

int open(const char *path, int flags, ...) {
    va_list arguments;
    va_start(arguments, flags);
    mode_t mode = mode_argument(flags, arguments);
    va_end(arguments);
    RESOLVE(open);
    return do_open(real_open, path, flags, mode);
}

int open64(const char *path, int flags, ...) {
    va_list arguments;
    va_start(arguments, flags);
    mode_t mode = mode_argument(flags, arguments);
    va_end(arguments);
    RESOLVE(open64);
    return do_open(real_open64, path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...) {
    va_list arguments;
    va_start(arguments, flags);
    mode_t mode = mode_argument(flags, arguments);
    va_end(arguments);
    RESOLVE(openat);
    if (dirfd != AT_FDCWD && path[0] != '/') return real_openat(dirfd, path, flags, mode);  /* not used by the engine */
    RESOLVE(open);
    return do_open(real_open, path, flags, mode);
}

int close(int fd) {
    RESOLVE(close);
    pthread_mutex_lock(&mutex);
    if (fd >= 0 && fd < MAX_DESCRIPTORS) {
        free(descriptor_paths[fd]);
        descriptor_paths[fd] = NULL;
    }
    pthread_mutex_unlock(&mutex);
    return real_close(fd);
}

/* ---- writes ------------------------------------------------------------------ */

/* write and pwrite: `at` < 0 for write. */
static ssize_t do_write(ssize_t (*real)(int, const void *, size_t, off_t), const char *call, int fd,
                        const void *buffer, size_t count, off_t at) {
    pthread_mutex_lock(&mutex);
    const char *path = descriptor_path(fd);
    struct decision decision = {PROCEED, 0};
    if (path != NULL && count > 0) decision = step(STEP_WRITE, call, path, count, 0);
    ssize_t result;
    int saved;
    if (decision.action == FAIL) {
        result = -1;
        saved = decision.error;
    } else {
        size_t length = decision.action == WRITE_HALF ? count / 2 : count;
        RESOLVE(write);
        result = at < 0 ? real_write(fd, buffer, length) : real(fd, buffer, length, at);
        saved = errno;
        if (result >= 0 && decision.action == CRASH_AFTER) crash();
    }
    pthread_mutex_unlock(&mutex);
    errno = saved;
    return result;
}

ssize_t write(int fd, const void *buffer, size_t count) {
    RESOLVE(pwrite);
    return do_write(real_pwrite, "write", fd, buffer, count, -1);
}

ssize_t pwrite(int fd, const void *buffer, size_t count, off_t offset) {
    RESOLVE(pwrite);
    return do_write(real_pwrite, "pwrite", fd, buffer, count, offset);
}

ssize_t pwrite64(int fd, const void *buffer, size_t count, off_t offset) {
    RESOLVE(pwrite64);
    return do_write(real_pwrite64, "pwrite", fd, buffer, count, offset);
}

/* ---- calls on a descriptor: fsync, fdatasync, ftruncate --------------------- */

static int do_descriptor_call(int (*real)(int), int (*real_truncate)(int, off_t), enum step_class class,
                              const char *call, int fd, off_t length) {
    pthread_mutex_lock(&mutex);
    const char *path = descriptor_path(fd);
    struct decision decision = {PROCEED, 0};
    if (path != NULL) decision = step(class, call, path, 0, 0);
    int result, saved;
    if (decision.action == FAIL) {
        result = -1;
        saved = decision.error;
    } else {
        result = real != NULL ? real(fd) : real_truncate(fd, length);
        saved = errno;
        if (result == 0 && decision.action == CRASH_AFTER) crash();
    }
    pthread_mutex_unlock(&mutex);
    errno = saved;
    return result;
}

int fsync(int fd) {
    RESOLVE(fsync);
    return do_descriptor_call(real_fsync, NULL, STEP_SYNC, "fsync", fd, 0);
}

int fdatasync(int fd) {
    RESOLVE(fdatasync);
    return do_descriptor_call(real_fdatasync, NULL, STEP_SYNC, "fdatasync", fd, 0);
}

int ftruncate(int fd, off_t length) {
    RESOLVE(ftruncate);
    return do_descriptor_call(NULL, real_ftruncate, STEP_TRUNCATE, "ftruncate", fd, length);
}

int ftruncate64(int fd, off_t length) {
    RESOLVE(ftruncate64);
    return do_descriptor_call(NULL, real_ftruncate64, STEP_TRUNCATE, "ftruncate", fd, length);
}

/* ---- calls on paths: rename, unlink, mkdir ------------------------------------ */

/* Counts a path step (when watched) and returns the decision (mutex held by the caller). */
static struct decision path_step(enum step_class class, const char *path, const char *other) {
    struct decision decision = {PROCEED, 0};
    if (is_watched(path) || (other != NULL && is_watched(other))) decision = step(class, class_names[class], path, 0, 0);
    return decision;
}

static int finish_path_call(struct decision decision, int result, int saved) {
    if (result == 0 && decision.action == CRASH_AFTER) crash();
    pthread_mutex_unlock(&mutex);
    errno = saved;
    return result;
}

int rename(const char *from, const char *to) {
    RESOLVE(rename);
    pthread_mutex_lock(&mutex);
    struct decision decision = path_step(STEP_RENAME, from, to);
    if (decision.action == FAIL) return finish_path_call(decision, -1, decision.error);
    int result = real_rename(from, to);
    return finish_path_call(decision, result, errno);
}

int unlink(const char *path) {
    RESOLVE(unlink);
    pthread_mutex_lock(&mutex);
    struct decision decision = path_step(STEP_UNLINK, path, NULL);
    if (decision.action == FAIL) return finish_path_call(decision, -1, decision.error);
    int result = real_unlink(path);
    return finish_path_call(decision, result, errno);
}

int mkdir(const char *path, mode_t mode) {
    RESOLVE(mkdir);
    pthread_mutex_lock(&mutex);
    struct decision decision = path_step(STEP_MKDIR, path, NULL);
    if (decision.action == FAIL) return finish_path_call(decision, -1, decision.error);
    int result = real_mkdir(path, mode);
    return finish_path_call(decision, result, errno);
}

/* ---- queries for the driver ------------------------------------------------------ */

/* How many failures were injected so far. */
int faultshim_injected(void) {
    pthread_mutex_lock(&mutex);
    int count = injected;
    pthread_mutex_unlock(&mutex);
    return count;
}

/* The first injected failure, described ("" if none). Static storage. */
const char *faultshim_first(void) {
    return first;
}

/* 1 when the first injected failure happened on the calling thread. */
int faultshim_first_in_this_thread(void) {
    pthread_mutex_lock(&mutex);
    int same = injected > 0 && first_thread == (pid_t)syscall(SYS_gettid);
    pthread_mutex_unlock(&mutex);
    return same;
}

/* 1 when the first injected failure hit an unlink, which the engine may treat as best effort. */
int faultshim_first_absorbable(void) {
    pthread_mutex_lock(&mutex);
    int absorbable = first_absorbable;
    pthread_mutex_unlock(&mutex);
    return absorbable;
}
