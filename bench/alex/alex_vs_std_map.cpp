// ALEX (omendb_map_* C API) against std::map<int64_t, uint64_t>, in one process.
//
// Build and run (after `swift build -c release` in the repository root):
//   g++ -O2 -std=c++17 -I include bench/alex/alex_vs_std_map.cpp \
//       -L .build/release -lomendb -Wl,-rpath,$PWD/.build/release -o /tmp/alex_bench
//   /tmp/alex_bench [keys=10000000] [operations=2000000] [distribution=uniform|sequential|lognormal]
//
// Phases, each timed for both structures on the same key stream:
//   load     — insert `keys` keys one by one (random order) into an empty structure;
//   insert   — `operations` further random inserts into the loaded structure;
//   lookup   — `operations` lookups of present keys in random order;
//   95/5, 50/50 — `operations` mixed lookups / inserts.
// Prints Mops/s per phase and the ALEX/std::map ratio; a checksum keeps the
// compiler honest and cross-checks the two answers.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <vector>

extern "C" {
#include "omendb.h"
}

namespace {

double now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void check(int status, const char *what) {
    if (status != OMENDB_OK && status != OMENDB_NOT_FOUND) {
        std::fprintf(stderr, "%s failed: %s (%s)\n", what, omendb_status_string(status), omendb_last_error());
        std::exit(1);
    }
}

std::vector<int64_t> make_keys(size_t n, const char *distribution, std::mt19937_64 &rng) {
    std::vector<int64_t> keys(n);
    if (std::strcmp(distribution, "sequential") == 0) {
        for (size_t i = 0; i < n; i++) keys[i] = (int64_t)i * 2;  // even keys; odd ones are "new"
        std::shuffle(keys.begin(), keys.end(), rng);
    } else if (std::strcmp(distribution, "lognormal") == 0) {
        std::lognormal_distribution<double> d(0.0, 2.0);
        for (size_t i = 0; i < n; i++) keys[i] = (int64_t)(d(rng) * 1e9) + (int64_t)(rng() % 1000);
    } else {
        for (size_t i = 0; i < n; i++) keys[i] = (int64_t)rng();
    }
    return keys;
}

struct Result {
    double alex, std_map;
};

void report(const char *phase, size_t ops, Result r) {
    double a = ops / r.alex / 1e6, s = ops / r.std_map / 1e6;
    std::printf("%-8s ALEX %7.2f Mops/s   std::map %7.2f Mops/s   ratio %.2fx\n", phase, a, s, a / s);
}

}  // namespace

int main(int argc, char **argv) {
    size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 10000000;
    size_t ops = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 2000000;
    const char *distribution = argc > 3 ? argv[3] : "uniform";
    std::mt19937_64 rng(42);
    std::vector<int64_t> keys = make_keys(n, distribution, rng);
    std::vector<int64_t> extra = make_keys(2 * ops, distribution, rng);  // keys for insert phases
    if (std::strcmp(distribution, "sequential") == 0)
        for (auto &k : extra) k = k + 1;
    std::vector<int64_t> probes(ops);
    for (size_t i = 0; i < ops; i++) probes[i] = keys[rng() % n];
    std::vector<uint32_t> coin(ops);
    for (size_t i = 0; i < ops; i++) coin[i] = (uint32_t)(rng() % 100);
    uint64_t sum_alex = 0, sum_std = 0;

    omendb_map *map = nullptr;
    check(omendb_map_create(&map), "create");
    std::map<int64_t, uint64_t> reference;
    Result r{};

    double t = now();
    for (size_t i = 0; i < n; i++) check(omendb_map_put(map, keys[i], (uint64_t)i, nullptr), "put");
    r.alex = now() - t;
    t = now();
    for (size_t i = 0; i < n; i++) reference[keys[i]] = (uint64_t)i;
    r.std_map = now() - t;
    report("load", n, r);

    t = now();
    for (size_t i = 0; i < ops; i++) check(omendb_map_put(map, extra[i], 1, nullptr), "put");
    r.alex = now() - t;
    t = now();
    for (size_t i = 0; i < ops; i++) reference[extra[i]] = 1;
    r.std_map = now() - t;
    report("insert", ops, r);

    t = now();
    for (size_t i = 0; i < ops; i++) {
        uint64_t v = 0;
        check(omendb_map_get(map, probes[i], &v), "get");
        sum_alex += v;
    }
    r.alex = now() - t;
    t = now();
    for (size_t i = 0; i < ops; i++) {
        auto it = reference.find(probes[i]);
        if (it != reference.end()) sum_std += it->second;
    }
    r.std_map = now() - t;
    report("lookup", ops, r);

    for (int read_percent : {95, 50}) {
        size_t next_insert = ops + (read_percent == 50 ? ops / 2 : 0);
        size_t first_insert = next_insert;
        t = now();
        for (size_t i = 0; i < ops; i++) {
            if (coin[i] < (uint32_t)read_percent) {
                uint64_t v = 0;
                check(omendb_map_get(map, probes[i], &v), "get");
                sum_alex += v;
            } else {
                check(omendb_map_put(map, extra[next_insert++ % extra.size()], 2, nullptr), "put");
            }
        }
        r.alex = now() - t;
        next_insert = first_insert;
        t = now();
        for (size_t i = 0; i < ops; i++) {
            if (coin[i] < (uint32_t)read_percent) {
                auto it = reference.find(probes[i]);
                if (it != reference.end()) sum_std += it->second;
            } else {
                reference[extra[next_insert++ % extra.size()]] = 2;
            }
        }
        r.std_map = now() - t;
        report(read_percent == 95 ? "95/5" : "50/50", ops, r);
    }

    uint64_t count = 0;
    check(omendb_map_count(map, &count), "count");
    omendb_map_stats stats;
    std::memset(&stats, 0, sizeof stats);
    stats.struct_size = sizeof stats;
    check(omendb_map_get_stats(map, &stats), "stats");
    std::printf("keys: ALEX %llu std::map %zu; depth %u, %llu inner / %llu data nodes, %.1f bytes/key "
                "(std::map node ~%zu bytes/key + allocator)\n",
                (unsigned long long)count, reference.size(), stats.depth,
                (unsigned long long)stats.inner_node_count, (unsigned long long)stats.data_node_count,
                stats.bytes_per_key, sizeof(std::_Rb_tree_node<std::pair<const int64_t, uint64_t>>));
    std::printf("checksums %s (%llu vs %llu)\n", sum_alex == sum_std ? "match" : "DIFFER",
                (unsigned long long)sum_alex, (unsigned long long)sum_std);
    omendb_map_free(map);
    return sum_alex == sum_std && count == reference.size() ? 0 : 1;
}
