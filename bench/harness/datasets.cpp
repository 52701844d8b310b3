#include "datasets.hpp"
#include "common.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <unistd.h>

namespace bench {
namespace {

/// Sequential keys from 1,000,000 with a gap of 1..1000 after ~10% of them.
void draw_seq_gaps(Rng &rng, uint64_t total, std::vector<int64_t> &out) {
    int64_t key = 1000000;
    for (uint64_t i = 0; i < total; ++i) {
        out.push_back(key);
        key += 1;
        if (rng.below(10) == 0) key += int64_t(1 + rng.below(1000));
    }
}

/// Independent uniform draws over the full Int64 range.
void draw_uniform(Rng &rng, uint64_t count, std::vector<int64_t> &out) {
    for (uint64_t i = 0; i < count; ++i) out.push_back(int64_t(rng.next()));
}

/// exp(N(0, 2)) scaled by 1e9 (the SOSD "lognormal" shape): dense near 1e9,
/// a long right tail up to ~1e17.
void draw_lognormal(Rng &rng, uint64_t count, std::vector<int64_t> &out) {
    for (uint64_t i = 0; i < count; ++i) {
        double u1 = rng.unit(), u2 = rng.unit();
        if (u1 < 1e-300) u1 = 1e-300;
        double normal = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
        double x = std::exp(2.0 * normal) * 1e9;
        if (x > 9.0e18) x = 9.0e18;
        out.push_back(int64_t(x));
    }
}

/// Dense runs of 1,000..10,000 consecutive keys separated by gaps of 2^40..2^42,
/// starting near Int64.min (negative and positive keys, huge empty stretches).
void draw_clustered(Rng &rng, uint64_t total, std::vector<int64_t> &out) {
    int64_t key = INT64_MIN + (int64_t(1) << 40);
    while (out.size() < total) {
        uint64_t run = 1000 + rng.below(9001);
        for (uint64_t i = 0; i < run && out.size() < total; ++i) out.push_back(key++);
        key += int64_t((uint64_t(1) << 40) + rng.below(uint64_t(3) << 40));
    }
}

/// Sorts and removes duplicates, then tops up with fresh draws until `total`
/// distinct keys exist (only the random distributions can produce duplicates).
template <typename Draw>
std::vector<int64_t> distinct_keys(Rng &rng, uint64_t total, Draw draw) {
    std::vector<int64_t> keys;
    keys.reserve(total + total / 64 + 16);
    draw(rng, total, keys);
    for (;;) {
        std::sort(keys.begin(), keys.end());
        keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
        if (keys.size() >= total) break;
        draw(rng, total - keys.size(), keys);
    }
    // Trim extras at random positions so the distribution's shape is kept.
    while (keys.size() > total) keys.erase(keys.begin() + ptrdiff_t(rng.below(keys.size())));
    return keys;
}

}  // namespace

const std::vector<std::string> &dataset_names() {
    static const std::vector<std::string> names = {"seq_gaps", "uniform", "lognormal", "clustered"};
    return names;
}

Dataset make_dataset(const std::string &name, uint64_t n, uint64_t seed) {
    Rng rng(seed ^ hash_string(name) ^ (n * 0x9E3779B97F4A7C15ull));
    uint64_t total = 2 * n;
    std::vector<int64_t> keys;
    if (name == "seq_gaps") keys = distinct_keys(rng, total, draw_seq_gaps);
    else if (name == "uniform") keys = distinct_keys(rng, total, draw_uniform);
    else if (name == "lognormal") keys = distinct_keys(rng, total, draw_lognormal);
    else if (name == "clustered") keys = distinct_keys(rng, total, draw_clustered);
    else throw BenchError("unknown dataset '" + name + "'");

    // Fisher-Yates shuffle, then split: n loaded, 3n/4 insert pool, n/4 absent.
    for (uint64_t i = total - 1; i > 0; --i) std::swap(keys[i], keys[rng.below(i + 1)]);
    Dataset ds;
    ds.name = name;
    ds.loaded.assign(keys.begin(), keys.begin() + ptrdiff_t(n));
    std::sort(ds.loaded.begin(), ds.loaded.end());
    uint64_t inserts = 3 * n / 4;
    ds.insert_pool.assign(keys.begin() + ptrdiff_t(n), keys.begin() + ptrdiff_t(n + inserts));
    ds.absent.assign(keys.begin() + ptrdiff_t(n + inserts), keys.end());
    return ds;
}

namespace {

bool write_vector(FILE *f, const std::vector<int64_t> &v) {
    uint64_t size = v.size();
    return fwrite(&size, sizeof size, 1, f) == 1 && fwrite(v.data(), sizeof(int64_t), size, f) == size;
}

bool read_vector(FILE *f, std::vector<int64_t> &v) {
    uint64_t size;
    if (fread(&size, sizeof size, 1, f) != 1 || size > (uint64_t(1) << 34)) return false;
    v.resize(size);
    return fread(v.data(), sizeof(int64_t), size, f) == size;
}

}  // namespace

Dataset load_or_make_dataset(const std::string &cache_dir, const std::string &name, uint64_t n,
                             uint64_t seed) {
    if (cache_dir.empty()) return make_dataset(name, n, seed);
    std::string path = cache_dir + "/" + name + "-" + std::to_string(n) + "-" + std::to_string(seed) + ".keys";
    if (FILE *f = fopen(path.c_str(), "rb")) {
        Dataset ds;
        ds.name = name;
        bool ok = read_vector(f, ds.loaded) && read_vector(f, ds.insert_pool) && read_vector(f, ds.absent);
        fclose(f);
        if (ok && ds.loaded.size() == n) return ds;
    }
    Dataset ds = make_dataset(name, n, seed);
    std::string tmp = path + ".tmp" + std::to_string(getpid());
    if (FILE *f = fopen(tmp.c_str(), "wb")) {
        bool ok = write_vector(f, ds.loaded) && write_vector(f, ds.insert_pool) && write_vector(f, ds.absent);
        ok = (fclose(f) == 0) && ok;
        if (!ok || rename(tmp.c_str(), path.c_str()) != 0) ::remove(tmp.c_str());
    }
    return ds;
}

}  // namespace bench
