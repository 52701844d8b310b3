#include "COmenDBShim.h"

#if defined(__x86_64__)
#include <nmmintrin.h>

int odb_shim_crc32c_hardware_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2") ? 1 : 0;
}

/* CRC32C (Castagnoli) of bytes[0..length), continuing from the raw register value
 * `crc` (callers do the pre/post inversion). Only call when the CPU has SSE4.2. */
__attribute__((target("sse4.2")))
uint32_t odb_shim_crc32c_hardware(uint32_t crc, const void *bytes, size_t length) {
    const unsigned char *p = (const unsigned char *)bytes;
    uint64_t c = crc;
    while (length > 0 && ((uintptr_t)p & 7) != 0) {
        c = _mm_crc32_u8((uint32_t)c, *p++);
        length--;
    }
    while (length >= 32) {
        uint64_t a, b, d, e;
        __builtin_memcpy(&a, p, 8);
        __builtin_memcpy(&b, p + 8, 8);
        __builtin_memcpy(&d, p + 16, 8);
        __builtin_memcpy(&e, p + 24, 8);
        c = _mm_crc32_u64(c, a);
        c = _mm_crc32_u64(c, b);
        c = _mm_crc32_u64(c, d);
        c = _mm_crc32_u64(c, e);
        p += 32;
        length -= 32;
    }
    while (length >= 8) {
        uint64_t a;
        __builtin_memcpy(&a, p, 8);
        c = _mm_crc32_u64(c, a);
        p += 8;
        length -= 8;
    }
    while (length > 0) {
        c = _mm_crc32_u8((uint32_t)c, *p++);
        length--;
    }
    return (uint32_t)c;
}
#else
int odb_shim_crc32c_hardware_available(void) { return 0; }
uint32_t odb_shim_crc32c_hardware(uint32_t crc, const void *bytes, size_t length) {
    (void)bytes; (void)length;
    return crc;
}
#endif
