// Scrambled Zipfian request keys, as YCSB draws them: Zipfian ranks (Gray et
// al., "Quickly generating billion-record synthetic databases") spread over the
// key space by FNV-hashing the rank (YCSB's ScrambledZipfianGenerator). Used by
// the YCSB phase and the contended read-modify-write workload.
#pragma once

#include "common.hpp"

#include <cmath>
#include <cstdint>

namespace bench {

/// Zipfian ranks in [0, items) with exponent theta (Gray et al., "Quickly
/// generating billion-record synthetic databases", as used by YCSB).
class Zipfian {
public:
    Zipfian(uint64_t items, double theta) : items_(items), theta_(theta) {
        double zeta2 = 1.0 + std::pow(0.5, theta);
        zetan_ = 0;
        for (uint64_t i = 1; i <= items; ++i) zetan_ += 1.0 / std::pow(double(i), theta);
        alpha_ = 1.0 / (1.0 - theta);
        eta_ = (1.0 - std::pow(2.0 / double(items), 1.0 - theta)) / (1.0 - zeta2 / zetan_);
        half_pow_theta_ = 1.0 + std::pow(0.5, theta);
    }
    uint64_t next(Rng &rng) const {
        double u = rng.unit();
        double uz = u * zetan_;
        if (uz < 1.0) return 0;
        if (uz < half_pow_theta_) return 1;
        uint64_t r = uint64_t(double(items_) * std::pow(eta_ * u - eta_ + 1.0, alpha_));
        return r < items_ ? r : items_ - 1;
    }

private:
    uint64_t items_;
    double theta_, zetan_, alpha_, eta_, half_pow_theta_;
};

/// FNV-1a over the 8 bytes of x: YCSB's scrambling of Zipfian ranks.
inline uint64_t fnv64(uint64_t x) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (int i = 0; i < 8; ++i) { h ^= (x & 0xff); h *= 0x100000001b3ull; x >>= 8; }
    return h;
}

}  // namespace bench
