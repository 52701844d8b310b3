/*
 * check.h — a tiny assertion and report helper for OmenDB's C tests.
 *
 *   CHECK(condition, "printf format", args...);   counts a pass or reports a failure
 *   return check_summary();                      prints "N passed, M failed", exit code
 *
 * Failures print the file, line, condition and message to stderr and the test goes
 * on, so one run shows every failure. Counters are atomic-free: CHECK is for the
 * main thread; threads collect their own results and the main thread CHECKs them.
 */
#ifndef OMENDB_TEST_CHECK_H
#define OMENDB_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static long check_passed_count;
static long check_failed_count;

/* At least one argument must follow the condition (C99 has no empty __VA_ARGS__). */
#define CHECK(condition, ...)                                                      \
    do {                                                                           \
        if (condition) {                                                           \
            check_passed_count++;                                                  \
        } else {                                                                   \
            check_failed_count++;                                                  \
            fprintf(stderr, "%s:%d: FAILED: %s\n    ", __FILE__, __LINE__, #condition); \
            fprintf(stderr, __VA_ARGS__);                                          \
            fputc('\n', stderr);                                                   \
        }                                                                          \
    } while (0)

/* Checks that an omendb_* call returned the expected status. */
#define CHECK_STATUS(call, expected)                                               \
    do {                                                                           \
        int check_status_ = (call);                                                \
        CHECK(check_status_ == (expected), "%s returned %d (%s), expected %d (%s); last error: %s", \
              #call, check_status_, omendb_status_string(check_status_), (expected), \
              omendb_status_string(expected), omendb_last_error());                \
    } while (0)

/* Checks that the calling thread's last error message contains `needle`. */
#define CHECK_ERROR_MENTIONS(needle)                                               \
    CHECK(strstr(omendb_last_error(), (needle)) != NULL,                           \
          "last error \"%s\" does not mention \"%s\"", omendb_last_error(), (needle))

/* Announces a group of checks (useful when reading a failure log). */
static inline void check_section(const char *name) {
    printf("-- %s\n", name);
    fflush(stdout);
}

/* Prints the closing summary line and returns the process exit code. */
static inline int check_summary(void) {
    printf("%ld passed, %ld failed\n", check_passed_count, check_failed_count);
    return check_failed_count == 0 ? 0 : 1;
}

#endif
