// Shared helpers of the benchmark harness: clock, random numbers, values,
// result lines. Everything here is deterministic given a seed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <time.h>

namespace bench {

/// Monotonic clock in nanoseconds (CLOCK_MONOTONIC).
inline uint64_t now_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

/// SplitMix64: seeds other generators and hashes integers.
inline uint64_t splitmix64(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

/// xoshiro256** pseudo-random generator (fast, good quality, reproducible).
class Rng {
public:
    explicit Rng(uint64_t seed) {
        for (auto &word : s_) { seed = splitmix64(seed); word = seed; }
    }
    uint64_t next() {
        const uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0]; s_[3] ^= s_[1]; s_[1] ^= s_[2]; s_[0] ^= s_[3];
        s_[2] ^= t; s_[3] = rotl(s_[3], 45);
        return result;
    }
    /// Uniform in [0, bound) (bound > 0), Lemire's multiply-shift reduction.
    uint64_t below(uint64_t bound) {
        return uint64_t((unsigned __int128)next() * bound >> 64);
    }
    /// Uniform double in [0, 1).
    double unit() { return double(next() >> 11) * 0x1.0p-53; }

private:
    static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    uint64_t s_[4];
};

/// Stable 64-bit hash of a string (FNV-1a), to derive per-dataset seeds.
inline uint64_t hash_string(const std::string &s) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : s) { h ^= c; h *= 0x100000001b3ull; }
    return h;
}

/// Writes the value stored under `key` at `generation` into out[0..size).
/// The first 8 bytes are the key (little-endian), so a read can be verified; the
/// rest is pseudo-random (incompressible), derived from key and generation.
inline void make_value(int64_t key, uint32_t generation, uint8_t *out, size_t size) {
    uint64_t k = uint64_t(key);
    size_t head = size < 8 ? size : 8;
    std::memcpy(out, &k, head);
    uint64_t state = splitmix64(k ^ (uint64_t(generation) << 32));
    for (size_t i = 8; i < size; i += 8) {
        state = splitmix64(state);
        size_t chunk = size - i < 8 ? size - i : 8;
        std::memcpy(out + i, &state, chunk);
    }
}

/// Checks that a value read for `key` looks like one make_value wrote.
inline bool value_matches(int64_t key, const uint8_t *value, size_t length, size_t expected_size) {
    if (length != expected_size) return false;
    uint64_t k = uint64_t(key);
    size_t head = length < 8 ? length : 8;
    return std::memcmp(value, &k, head) == 0;
}

/// Keys as big-endian bytes with the sign bit flipped: byte order == Int64 order.
/// Used by the stores that compare keys as byte strings (RocksDB, LevelDB).
inline void encode_key_be(int64_t key, char out[8]) {
    uint64_t u = uint64_t(key) ^ 0x8000000000000000ull;
    for (int i = 7; i >= 0; --i) { out[i] = char(u & 0xff); u >>= 8; }
}
inline int64_t decode_key_be(const char *in) {
    uint64_t u = 0;
    for (int i = 0; i < 8; ++i) u = (u << 8) | uint8_t(in[i]);
    return int64_t(u ^ 0x8000000000000000ull);
}

/// An error of a store or of the harness: the process reports it and exits 1.
struct BenchError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace bench
