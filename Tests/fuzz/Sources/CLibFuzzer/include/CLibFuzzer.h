#ifndef OMENDB_FUZZ_CLIBFUZZER_H
#define OMENDB_FUZZ_CLIBFUZZER_H
#include <stddef.h>
#include <stdint.h>

/* libFuzzer's driver (compiler-rt, linked by -sanitize=fuzzer): runs the fuzzing
   loop with `callback` as the target, parsing the usual libFuzzer flags from argv. */
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
