// Learned-index benchmark: OmenDB's index kinds (through the public C API in
// include/omendb.h) against binary search over the same array (std::lower_bound and
// a branch-free form), std::map, the machine's DRAM random-access latency and, when
// compiled with OMENDB_BENCH_PGM_REFERENCE (bench/index/run.sh sets it when
// bench/index/fetch_pgm_reference.sh found the headers), the reference PGM-index
// (github.com/gvinciguerra/PGM-index, Apache-2.0) at ε = 16, 64, 128.
//
// Output: one JSON object per line on stdout (fields store, workload, dataset, n,
// value_size, metric, value, unit, run, version). Progress goes to stderr.
//
// Lookup "latency" is measured as a dependent chain (each query depends on the
// previous answer, so lookups cannot overlap); "throughput" loops issue independent
// lookups one at a time (the CPU may overlap them); "batch" uses the batch API.
#include "omendb.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#ifdef OMENDB_BENCH_PGM_REFERENCE
#include "pgm/pgm_index.hpp"
#endif

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct Emitter {
    std::string run, version;
    void emit(const std::string &store, const std::string &workload, const std::string &dataset, size_t n,
              const std::string &metric, double value, const std::string &unit) const {
        std::printf("{\"store\":\"%s\",\"workload\":\"%s\",\"dataset\":\"%s\",\"n\":%zu,\"value_size\":0,"
                    "\"metric\":\"%s\",\"value\":%.6g,\"unit\":\"%s\",\"run\":\"%s\",\"version\":\"%s\"}\n",
                    store.c_str(), workload.c_str(), dataset.c_str(), n, metric.c_str(), value, unit.c_str(),
                    run.c_str(), version.c_str());
        std::fflush(stdout);
    }
};

// ---- Data sets ---------------------------------------------------------------

std::vector<int64_t> make_keys(const std::string &name, size_t n, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<int64_t> keys;
    keys.reserve(n);
    if (name == "seq_gaps") {
        int64_t k = 0;
        for (size_t i = 0; i < n; i++) {
            keys.push_back(k);
            k += (rng() % 10 == 0) ? int64_t(rng() % 1000) + 1 : 1;
        }
    } else if (name == "uniform") {
        for (size_t i = 0; i < n; i++) keys.push_back(int64_t(rng()));
    } else if (name == "lognormal") {
        std::lognormal_distribution<double> d(0.0, 2.0);
        for (size_t i = 0; i < n; i++) keys.push_back(int64_t(std::min(d(rng) * 1e9, 9e18)));
    } else if (name == "normal") {
        std::normal_distribution<double> d(0.0, 1.0);
        for (size_t i = 0; i < n; i++) keys.push_back(int64_t(d(rng) * 1e15));
    } else if (name == "clustered") {
        int64_t k = INT64_MIN / 2;
        while (keys.size() < n) {
            size_t run = 1 + rng() % 2000;
            for (size_t j = 0; j < run && keys.size() < n; j++) { keys.push_back(k); k += 1 + int64_t(rng() % 3); }
            k += int64_t(rng() % (1ull << 44)) + (1ll << 36);
        }
    } else {
        std::fprintf(stderr, "unknown dataset %s\n", name.c_str());
        std::exit(2);
    }
    std::sort(keys.begin(), keys.end());
    return keys;
}

std::vector<int64_t> existing_queries(const std::vector<int64_t> &keys, size_t q, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<int64_t> out(q);
    for (auto &x : out) x = keys[rng() % keys.size()];
    return out;
}

std::vector<int64_t> absent_queries(const std::vector<int64_t> &keys, size_t q, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<int64_t> out;
    out.reserve(q);
    int64_t lo = keys.front(), hi = keys.back();
    while (out.size() < q) {
        // Half between neighbours, half uniform over the key range.
        int64_t x;
        if (out.size() % 2 == 0) {
            size_t p = rng() % (keys.size() - 1);
            if (keys[p + 1] - keys[p] < 2) continue;
            x = keys[p] + 1 + int64_t(rng() % uint64_t(keys[p + 1] - keys[p] - 1));
        } else {
            x = lo + int64_t(rng() % (uint64_t(hi) - uint64_t(lo)));
        }
        if (!std::binary_search(keys.begin(), keys.end(), x)) out.push_back(x);
    }
    return out;
}

// ---- Baselines ----------------------------------------------------------------

inline size_t branchfree_lower_bound(const int64_t *a, size_t n, int64_t key) {
    const int64_t *base = a;
    while (n > 1) {
        size_t half = n / 2;
        base = (base[half - 1] < key) ? base + half : base;
        n -= half;
    }
    return size_t(base - a) + (n == 1 && *base < key);
}

// DRAM random-access latency: a dependent pointer chase over a random cycle of
// cache lines spanning `bytes` (TLB misses included, as for a large key array).
double dram_latency_ns(size_t bytes, uint64_t seed) {
    size_t lines = bytes / 64;
    std::vector<uint32_t> order(lines);
    for (size_t i = 0; i < lines; i++) order[i] = uint32_t(i);
    std::mt19937_64 rng(seed);
    for (size_t i = lines - 1; i > 0; i--) std::swap(order[i], order[rng() % i]);  // Sattolo: one cycle
    auto *memory = static_cast<uint64_t *>(std::aligned_alloc(64, lines * 64));
    for (size_t i = 0; i < lines; i++) memory[size_t(order[i]) * 8] = uint64_t(order[(i + 1) % lines]) * 8;
    std::vector<uint32_t>().swap(order);
    std::vector<double> runs;
    uint64_t p = 0;
    const size_t steps = 4'000'000;
    for (int r = 0; r < 5; r++) {
        auto t = Clock::now();
        for (size_t s = 0; s < steps; s++) p = memory[p];
        runs.push_back(seconds_since(t) * 1e9 / double(steps));
    }
    if (p == 12345) std::fprintf(stderr, " ");
    std::free(memory);
    return median(runs);
}

// ---- Measurement helpers --------------------------------------------------------

volatile uint64_t sink;

template <class Lookup>
double latency_ns(const std::vector<int64_t> &queries, Lookup lookup) {
    uint64_t dep = 0;
    auto t = Clock::now();
    for (size_t i = 0; i < queries.size(); i++) {
        // `dep >> 63` is always 0 (positions < 2^63) but the compiler cannot know it:
        // each lookup waits for the previous one.
        dep = lookup(queries[i] + int64_t(dep >> 63));
    }
    double ns = seconds_since(t) * 1e9 / double(queries.size());
    sink = dep;
    return ns;
}

template <class Lookup>
double throughput_ns(const std::vector<int64_t> &queries, Lookup lookup) {
    uint64_t sum = 0;
    auto t = Clock::now();
    for (size_t i = 0; i < queries.size(); i++) sum += lookup(queries[i]);
    double ns = seconds_since(t) * 1e9 / double(queries.size());
    sink = sum;
    return ns;
}

struct Config {
    std::vector<size_t> sizes{1'000'000, 10'000'000};
    std::vector<std::string> datasets{"seq_gaps", "uniform", "lognormal", "clustered"};
    int runs = 5;
    int build_runs = 3;  // builds timed per variant (at most `runs`)
    size_t queries = 1'000'000;
    bool with_map = true;
    bool with_baselines = true;
    std::vector<std::string> only;  // variant names to run (empty: all)
    bool with_dram = true;
    size_t range_length = 100;
};

void check(int status, const char *what) {
    if (status != OMENDB_OK) {
        std::fprintf(stderr, "%s failed: %s (%s)\n", what, omendb_status_string(status), omendb_last_error());
        std::exit(1);
    }
}

struct Variant {
    std::string name;
    int kind;
    int search;
    uint32_t epsilon;
    size_t keys_per_leaf = 0;  // RMI only: 0 = the library's default leaf count
};

// One contender in a data set's measurement rounds.
struct Store {
    std::string name;
    enum Type { StdLowerBound, BranchFree, Map, Index, Reference } type;
    omendb_index *index = nullptr;
    size_t reference_epsilon = 0;  // Reference: which of the References it measures
    std::vector<double> hit, miss, thr, batch, range;
    Store(std::string store_name, Type store_type) : name(std::move(store_name)), type(store_type) {}
};

bool selected(const Config &cfg, const std::string &name) {
    return cfg.only.empty() || std::find(cfg.only.begin(), cfg.only.end(), name) != cfg.only.end();
}

// One measurement round of a single-key lookup function: hit and absent latency, 1-by-1 throughput.
template <class Lookup>
void measure_lookups(Store &s, const std::vector<int64_t> &hits, const std::vector<int64_t> &misses, Lookup lookup) {
    s.hit.push_back(latency_ns(hits, lookup));
    s.miss.push_back(latency_ns(misses, lookup));
    s.thr.push_back(throughput_ns(hits, lookup));
}

#ifdef OMENDB_BENCH_PGM_REFERENCE
// The reference PGM-index with the library's defaults (ε_recursive = 4, float slopes),
// queried as its README does: `search` for the ε-window, then std::lower_bound in it.
template <size_t Epsilon>
using ReferencePGM = pgm::PGMIndex<int64_t, Epsilon>;

struct References {
    std::unique_ptr<ReferencePGM<16>> eps16;
    std::unique_ptr<ReferencePGM<64>> eps64;
    std::unique_ptr<ReferencePGM<128>> eps128;
};

template <size_t Epsilon>
uint64_t reference_lower_bound(const ReferencePGM<Epsilon> &pgm, const int64_t *a, int64_t key) {
    auto range = pgm.search(key);
    return uint64_t(std::lower_bound(a + range.lo, a + range.hi, key) - a);
}

template <size_t Epsilon>
std::unique_ptr<ReferencePGM<Epsilon>> build_reference(const Config &cfg, const Emitter &out, const std::string &dataset,
                                                       const std::vector<int64_t> &keys, const std::vector<int64_t> &hits,
                                                       std::vector<Store> &stores) {
    std::string name = "pgm-reference-eps" + std::to_string(Epsilon);
    if (!selected(cfg, name)) return nullptr;
    size_t n = keys.size();
    std::fprintf(stderr, "[%s n=%zu] build %s\n", dataset.c_str(), n, name.c_str());
    std::unique_ptr<ReferencePGM<Epsilon>> pgm;
    std::vector<double> builds;
    for (int r = 0; r < std::max(1, std::min(cfg.runs, cfg.build_runs)); r++) {
        pgm.reset();
        auto t = Clock::now();
        pgm = std::make_unique<ReferencePGM<Epsilon>>(keys.begin(), keys.end());
        builds.push_back(double(n) / seconds_since(t));
    }
    for (size_t i = 0; i < hits.size(); i += 97) {
        if (reference_lower_bound(*pgm, keys.data(), hits[i]) != uint64_t(std::lower_bound(keys.begin(), keys.end(), hits[i]) - keys.begin())) {
            std::fprintf(stderr, "WRONG ANSWER: %s query %zu\n", name.c_str(), i);
            std::exit(1);
        }
    }
    out.emit(name, "build", dataset, n, "throughput", median(builds), "keys/s");
    out.emit(name, "memory", dataset, n, "bytes_per_key", double(pgm->size_in_bytes()) / double(n), "bytes/key");
    out.emit(name, "model", dataset, n, "levels", double(pgm->height()), "levels");
    Store store(name, Store::Reference);
    store.reference_epsilon = Epsilon;
    stores.push_back(store);
    return pgm;
}
#endif

void bench_dataset(const Config &cfg, const Emitter &out, const std::string &dataset, size_t n,
                   double dram_ns) {
    std::fprintf(stderr, "[%s n=%zu] generating\n", dataset.c_str(), n);
    auto keys = make_keys(dataset, n, 1234 + n);
    auto hits = existing_queries(keys, cfg.queries, 99);
    auto misses = absent_queries(keys, cfg.queries, 77);
    const int64_t *a = keys.data();
    std::vector<Store> stores;
    if (cfg.with_baselines) {
        stores.emplace_back("binary-search-std", Store::StdLowerBound);
        stores.emplace_back("binary-search-branchfree", Store::BranchFree);
    }
    std::map<int64_t, uint64_t> map;
    if (cfg.with_baselines && cfg.with_map && n <= 10'000'000) {
        std::fprintf(stderr, "[%s n=%zu] std::map\n", dataset.c_str(), n);
        auto t = Clock::now();
        for (size_t i = 0; i < n; i++) map.emplace_hint(map.end(), keys[i], i);
        out.emit("std-map", "build", dataset, n, "throughput", double(n) / seconds_since(t), "keys/s");
        out.emit("std-map", "memory", dataset, n, "bytes_per_key", 48.0, "bytes/key (node estimate)");
        stores.emplace_back("std-map", Store::Map);
    }

    const Variant variants[] = {
        {"omendb-linear", OMENDB_INDEX_LINEAR, OMENDB_SEARCH_BRANCHY, 64},
        {"omendb-rmi", OMENDB_INDEX_RMI, OMENDB_SEARCH_BRANCHY, 64},
        {"omendb-rmi-branchless", OMENDB_INDEX_RMI, OMENDB_SEARCH_BRANCHLESS, 64},
        {"omendb-rmi-k64", OMENDB_INDEX_RMI, OMENDB_SEARCH_BRANCHY, 64, 64},
        {"omendb-rmi-k1024", OMENDB_INDEX_RMI, OMENDB_SEARCH_BRANCHY, 64, 1024},
        {"omendb-pgm", OMENDB_INDEX_PGM, OMENDB_SEARCH_BRANCHY, 64},
        {"omendb-pgm-branchless", OMENDB_INDEX_PGM, OMENDB_SEARCH_BRANCHLESS, 64},
        {"omendb-pgm-eps16", OMENDB_INDEX_PGM, OMENDB_SEARCH_BRANCHY, 16},
        {"omendb-pgm-eps16-branchless", OMENDB_INDEX_PGM, OMENDB_SEARCH_BRANCHLESS, 16},
        {"omendb-pgm-eps8", OMENDB_INDEX_PGM, OMENDB_SEARCH_BRANCHY, 8},
        {"omendb-pgm-eps128", OMENDB_INDEX_PGM, OMENDB_SEARCH_BRANCHY, 128},
        {"omendb-auto", OMENDB_INDEX_AUTO, OMENDB_SEARCH_BRANCHY, 64},
        {"omendb-alex", OMENDB_INDEX_ALEX, OMENDB_SEARCH_BRANCHY, 64},
    };
    // Build phase: every variant, median build throughput, the last build is kept.
    for (const Variant &v : variants) {
        if (!selected(cfg, v.name)) continue;
        std::fprintf(stderr, "[%s n=%zu] build %s\n", dataset.c_str(), n, v.name.c_str());
        omendb_index_options *options = nullptr;
        check(omendb_index_options_create(&options), "options");
        check(omendb_index_options_set_kind(options, v.kind), "set_kind");
        check(omendb_index_options_set_search(options, v.search), "set_search");
        check(omendb_index_options_set_epsilon(options, v.epsilon), "set_epsilon");
        if (v.keys_per_leaf)
            check(omendb_index_options_set_rmi_leaves(options, uint32_t(std::max<size_t>(1, n / v.keys_per_leaf))), "set_rmi_leaves");
        omendb_index *index = nullptr;
        std::vector<double> builds;
        for (int r = 0; r < std::max(1, std::min(cfg.runs, cfg.build_runs)); r++) {
            if (index) omendb_index_free(index);
            auto t = Clock::now();
            check(omendb_index_build(a, n, options, &index), "build");
            builds.push_back(double(n) / seconds_since(t));
        }
        omendb_index_options_free(options);
        out.emit(v.name, "build", dataset, n, "throughput", median(builds), "keys/s");
        omendb_index_stats stats;
        std::memset(&stats, 0, sizeof stats);
        stats.struct_size = sizeof stats;
        check(omendb_index_get_stats(index, &stats), "stats");
        out.emit(v.name, "memory", dataset, n, "bytes_per_key", stats.bytes_per_key, "bytes/key");
        out.emit(v.name, "model", dataset, n, "max_error", double(stats.max_error), "positions");
        out.emit(v.name, "model", dataset, n, "levels", double(stats.level_count), "levels");
        if (v.kind == OMENDB_INDEX_AUTO) std::fprintf(stderr, "    note: %s\n", stats.note);
        Store store(v.name, Store::Index);
        store.index = index;
        stores.push_back(store);
    }

#ifdef OMENDB_BENCH_PGM_REFERENCE
    References references;
    references.eps16 = build_reference<16>(cfg, out, dataset, keys, hits, stores);
    references.eps64 = build_reference<64>(cfg, out, dataset, keys, hits, stores);
    references.eps128 = build_reference<128>(cfg, out, dataset, keys, hits, stores);
#endif

    // Measurement rounds: every store once per round, so that a noisy moment on the
    // shared machine hits all contenders alike; medians over rounds are reported.
    std::vector<int64_t> positions(cfg.queries);
    // Range scans cover [hits[i], keys[position of hits[i] + range_length]): ~range_length
    // keys each whatever the distribution (upper bounds computed outside the timing).
    const size_t scans = cfg.queries / 10;
    std::vector<int64_t> range_hi(scans);
    for (size_t i = 0; i < scans; i++) {
        size_t p = size_t(std::lower_bound(a, a + n, hits[i]) - a);
        range_hi[i] = p + cfg.range_length < n ? a[p + cfg.range_length] : INT64_MAX;
    }
    for (int r = 0; r < cfg.runs; r++) {
        std::fprintf(stderr, "[%s n=%zu] round %d\n", dataset.c_str(), n, r + 1);
        for (Store &s : stores) {
            switch (s.type) {
            case Store::StdLowerBound:
                measure_lookups(s, hits, misses, [&](int64_t k) { return uint64_t(std::lower_bound(a, a + n, k) - a); });
                break;
            case Store::BranchFree:
                measure_lookups(s, hits, misses, [&](int64_t k) { return uint64_t(branchfree_lower_bound(a, n, k)); });
                break;
            case Store::Map:
                measure_lookups(s, hits, misses, [&](int64_t k) {
                    auto it = map.lower_bound(k);
                    return it == map.end() ? uint64_t(n) : it->second;
                });
                break;
            case Store::Reference:
#ifdef OMENDB_BENCH_PGM_REFERENCE
                if (s.reference_epsilon == 16)
                    measure_lookups(s, hits, misses, [&](int64_t k) { return reference_lower_bound(*references.eps16, a, k); });
                else if (s.reference_epsilon == 64)
                    measure_lookups(s, hits, misses, [&](int64_t k) { return reference_lower_bound(*references.eps64, a, k); });
                else
                    measure_lookups(s, hits, misses, [&](int64_t k) { return reference_lower_bound(*references.eps128, a, k); });
#endif
                break;
            case Store::Index: {
                omendb_index *index = s.index;
                measure_lookups(s, hits, misses, [&](int64_t k) { uint64_t p; omendb_index_lower_bound(index, k, &p); return p; });
                auto t = Clock::now();
                check(omendb_index_lower_bound_batch(index, hits.data(), hits.size(), positions.data()), "batch");
                s.batch.push_back(seconds_since(t) * 1e9 / double(hits.size()));
                for (size_t i = 0; i < hits.size(); i += 97) {
                    if (uint64_t(positions[i]) != uint64_t(std::lower_bound(a, a + n, hits[i]) - a)) {
                        std::fprintf(stderr, "WRONG ANSWER: %s batch position %zu\n", s.name.c_str(), i);
                        std::exit(1);
                    }
                }
                uint64_t scanned = 0, total = 0;
                t = Clock::now();
                for (size_t i = 0; i < scans; i++) {
                    uint64_t first, count;
                    omendb_index_range(index, hits[i], range_hi[i], &first, &count);
                    for (uint64_t j = first; j < first + count; j++) total += uint64_t(a[j]);
                    scanned += count;
                }
                double secs = seconds_since(t);
                sink = total;
                s.range.push_back(double(scanned) / secs);
                break;
            }
            }
        }
    }
    // Paired ratios against each reference PGM-index: the median over rounds of this
    // store's latency over the reference's in the same round (drifts of a shared
    // machine's load between rounds cancel).
    for (const Store &s : stores) {
        if (s.type != Store::Index && s.type != Store::Reference) continue;
        for (const Store &ref : stores) {
            if (ref.type != Store::Reference) continue;
            std::vector<double> hit, miss;
            for (size_t r = 0; r < s.hit.size(); r++) {
                hit.push_back(s.hit[r] / ref.hit[r]);
                miss.push_back(s.miss[r] / ref.miss[r]);
            }
            out.emit(s.name, "lookup_existing", dataset, n, "vs_" + ref.name, median(hit), "ratio");
            out.emit(s.name, "lookup_absent", dataset, n, "vs_" + ref.name, median(miss), "ratio");
        }
    }
    for (Store &s : stores) {
        out.emit(s.name, "lookup_existing", dataset, n, "latency", median(s.hit), "ns/op");
        out.emit(s.name, "lookup_absent", dataset, n, "latency", median(s.miss), "ns/op");
        if (dram_ns > 0) {
            out.emit(s.name, "lookup_existing", dataset, n, "dram_misses", median(s.hit) / dram_ns, "DRAM latencies/op");
            out.emit(s.name, "lookup_absent", dataset, n, "dram_misses", median(s.miss) / dram_ns, "DRAM latencies/op");
        }
        out.emit(s.name, "lookup_throughput", dataset, n, "latency", median(s.thr), "ns/op");
        if (!s.batch.empty()) out.emit(s.name, "lookup_batch", dataset, n, "latency", median(s.batch), "ns/op");
        if (!s.range.empty()) out.emit(s.name, "range_scan", dataset, n, "throughput", median(s.range), "keys/s");
        if (s.index) omendb_index_free(s.index);
    }
}

}  // namespace

int main(int argc, char **argv) {
    Config cfg;
    Emitter out;
    out.version = omendb_version_string();
    out.run = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch()).count());
    for (int i = 1; i < argc; i++) {
        std::string arg = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) { std::fprintf(stderr, "%s needs a value\n", arg.c_str()); std::exit(2); }
            return argv[++i];
        };
        if (arg == "--sizes") {
            cfg.sizes.clear();
            std::string s = next();
            for (size_t p = 0; p < s.size();) {
                size_t q = s.find(',', p);
                cfg.sizes.push_back(std::stoull(s.substr(p, q - p)));
                p = q == std::string::npos ? s.size() : q + 1;
            }
        } else if (arg == "--datasets") {
            cfg.datasets.clear();
            std::string s = next();
            for (size_t p = 0; p < s.size();) {
                size_t q = s.find(',', p);
                cfg.datasets.push_back(s.substr(p, q - p));
                p = q == std::string::npos ? s.size() : q + 1;
            }
        } else if (arg == "--runs") {
            cfg.runs = std::stoi(next());
        } else if (arg == "--build-runs") {
            cfg.build_runs = std::stoi(next());
        } else if (arg == "--queries") {
            cfg.queries = std::stoull(next());
        } else if (arg == "--only") {
            std::string s = next();
            for (size_t p = 0; p < s.size();) {
                size_t q = s.find(',', p);
                cfg.only.push_back(s.substr(p, q - p));
                p = q == std::string::npos ? s.size() : q + 1;
            }
        } else if (arg == "--no-baselines") {
            cfg.with_baselines = false;
        } else if (arg == "--no-dram") {
            cfg.with_dram = false;
        } else if (arg == "--no-map") {
            cfg.with_map = false;
        } else if (arg == "--run-id") {
            out.run = next();
        } else {
            std::fprintf(stderr, "usage: %s [--sizes N,N] [--datasets a,b] [--runs R] [--build-runs B] [--queries Q] [--no-map] [--no-baselines] [--no-dram] [--only a,b] [--run-id ID]\n", argv[0]);
            return 2;
        }
    }
    double dram = 0;
    if (cfg.with_dram) {
        std::fprintf(stderr, "DRAM latency (pointer chase over 1 GiB)...\n");
        dram = dram_latency_ns(size_t(1) << 30, 5);
        out.emit("machine", "dram_random_access", "1GiB", size_t(1) << 30, "latency", dram, "ns/op");
    }
    for (size_t n : cfg.sizes)
        for (const auto &d : cfg.datasets) bench_dataset(cfg, out, d, n, dram);
    return 0;
}
