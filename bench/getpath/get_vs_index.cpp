// Side-by-side cost of a database point read and of the learned-index lookup it
// contains, in one process on the same keys (issue 11's read-path target: a get
// costs at most the index lookup plus one cache miss for the value, ~1.3x
// omendb_index_find at 10M keys, <= 1.5x at 100M).
//
// For each data set: bulk-loads the harness's loaded keys (8-byte values, the key
// itself) into a fresh database with sync off, closes and reopens it (one run,
// settled, page cache warm), builds omendb_index (kind auto) over the same sorted
// key array, then, after one unmeasured round of gets, times in interleaved rounds the
// same random sequence of existing keys through omendb_get and omendb_index_find,
// and the same for absent keys. Prints one JSON line per (data set, n): medians
// over the rounds, and get/find ratios.
//
//   bench/getpath/run.sh [--sizes 10000000] [--datasets uniform,lognormal] [--rounds 7]
#include "../harness/datasets.hpp"

#include <omendb.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

namespace {

uint64_t now_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
}

[[noreturn]] void fail(const char *what, int rc) {
    std::fprintf(stderr, "get_vs_index: %s failed: %d (%s)\n", what, rc, omendb_last_error());
    std::exit(1);
}

void check(const char *what, int rc) {
    if (rc != OMENDB_OK) fail(what, rc);
}

std::vector<std::string> split(const std::string &list) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= list.size()) {
        size_t comma = list.find(',', start);
        if (comma == std::string::npos) comma = list.size();
        if (comma > start) out.push_back(list.substr(start, comma - start));
        start = comma + 1;
    }
    return out;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

/// Queries drawn uniformly (seeded xorshift) from `pool`.
std::vector<int64_t> sample(const std::vector<int64_t> &pool, size_t count, uint64_t seed) {
    std::vector<int64_t> out(count);
    uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
    for (auto &q : out) {
        s ^= s << 13; s ^= s >> 7; s ^= s << 17;
        q = pool[s % pool.size()];
    }
    return out;
}

/// ns per omendb_get over `queries`; `expect_found` checks every answer.
double time_gets(omendb_db *db, const std::vector<int64_t> &queries, bool expect_found) {
    uint64_t value = 0;
    size_t length = 0;
    uint64_t started = now_ns();
    for (int64_t q : queries) {
        int rc = omendb_get(db, q, &value, sizeof value, &length);
        if (expect_found ? (rc != OMENDB_OK || int64_t(value) != q) : rc != OMENDB_NOT_FOUND) fail("omendb_get (answer)", rc);
    }
    return double(now_ns() - started) / double(queries.size());
}

/// ns per omendb_index_find over `queries`, reading the found position's key as a get reads its value.
double time_finds(const omendb_index *index, const std::vector<int64_t> &keys, const std::vector<int64_t> &queries,
                  bool expect_found) {
    uint64_t position = 0;
    uint64_t started = now_ns();
    for (int64_t q : queries) {
        int rc = omendb_index_find(index, q, &position);
        if (expect_found ? (rc != OMENDB_OK || keys[position] != q) : rc != OMENDB_NOT_FOUND) fail("omendb_index_find (answer)", rc);
    }
    return double(now_ns() - started) / double(queries.size());
}

}  // namespace

int main(int argc, char **argv) {
    std::string sizes = "10000000", datasets = "uniform,lognormal", dir = "bench/.cache/getpath", cache;
    int rounds = 7;
    size_t query_count = 1000000;
    uint64_t seed = 42;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string flag = argv[i], value = argv[i + 1];
        if (flag == "--sizes") sizes = value;
        else if (flag == "--datasets") datasets = value;
        else if (flag == "--rounds") rounds = std::max(1, std::atoi(value.c_str()));
        else if (flag == "--queries") query_count = std::strtoull(value.c_str(), nullptr, 10);
        else if (flag == "--dir") dir = value;
        else if (flag == "--dataset-cache") cache = value;
        else if (flag == "--seed") seed = std::strtoull(value.c_str(), nullptr, 10);
        else { std::fprintf(stderr, "unknown option %s\n", flag.c_str()); return 2; }
    }
    std::fprintf(stderr, "get_vs_index: seed %llu\n", (unsigned long long)seed);
    for (const std::string &name : split(datasets)) {
        for (const std::string &size : split(sizes)) {
            uint64_t n = std::strtoull(size.c_str(), nullptr, 10);
            bench::Dataset data = bench::load_or_make_dataset(cache, name, n, seed);
            std::string path = dir + "/" + name + "-" + size;
            std::string command = "rm -rf '" + path + "' && mkdir -p '" + dir + "'";
            if (std::system(command.c_str()) != 0) { std::fprintf(stderr, "cannot prepare %s\n", path.c_str()); return 1; }

            omendb_options *options = nullptr;
            check("omendb_options_create", omendb_options_create(&options));
            check("omendb_options_set_sync", omendb_options_set_sync(options, OMENDB_SYNC_OFF));
            omendb_db *db = nullptr;
            check("omendb_open", omendb_open(path.c_str(), options, &db));
            std::vector<const void *> values(n);
            std::vector<size_t> lengths(n, sizeof(int64_t));
            for (uint64_t i = 0; i < n; i++) values[i] = &data.loaded[i];
            check("omendb_bulk_load", omendb_bulk_load(db, data.loaded.data(), values.data(), lengths.data(), n));
            values = {};
            lengths = {};
            check("omendb_close", omendb_close(db));
            check("omendb_open (reopen)", omendb_open(path.c_str(), options, &db));
            omendb_options_free(options);

            // The index as `auto` builds it (the kind the database's runs also default
            // to; up to 4M keys auto may also pick ALEX, which runs never use).
            omendb_index_options *index_options = nullptr;
            check("omendb_index_options_create", omendb_index_options_create(&index_options));
            check("omendb_index_options_set_kind", omendb_index_options_set_kind(index_options, OMENDB_INDEX_AUTO));
            omendb_index *index = nullptr;
            check("omendb_index_build", omendb_index_build(data.loaded.data(), n, index_options, &index));
            omendb_index_options_free(index_options);
            omendb_index_stats stats;
            stats.struct_size = sizeof stats;
            check("omendb_index_get_stats", omendb_index_get_stats(index, &stats));
            for (char *c = stats.note; *c; c++) if (*c == '"' || *c == '\\') *c = '\'';

            // One unmeasured round first: a get's first touch of a page of the run's
            // mapping is a minor fault (the index's array is already mapped).
            time_gets(db, sample(data.loaded, query_count, seed + 1000), true);
            std::vector<double> get_ns, find_ns, get_missing_ns, find_missing_ns;
            for (int round = 0; round < rounds; round++) {
                std::vector<int64_t> present = sample(data.loaded, query_count, seed + 2 * round);
                std::vector<int64_t> absent = sample(data.absent, query_count, seed + 2 * round + 1);
                // Alternate which side goes first so neither always runs on the other's warm caches.
                if (round % 2 == 0) {
                    get_ns.push_back(time_gets(db, present, true));
                    find_ns.push_back(time_finds(index, data.loaded, present, true));
                } else {
                    find_ns.push_back(time_finds(index, data.loaded, present, true));
                    get_ns.push_back(time_gets(db, present, true));
                }
                get_missing_ns.push_back(time_gets(db, absent, false));
                find_missing_ns.push_back(time_finds(index, data.loaded, absent, false));
            }
            double get = median(get_ns), find = median(find_ns);
            double get_missing = median(get_missing_ns), find_missing = median(find_missing_ns);
            std::printf("{\"bench\":\"get_vs_index\",\"dataset\":\"%s\",\"n\":%llu,\"rounds\":%d,\"queries\":%zu,"
                        "\"index_kind\":%d,\"index_note\":\"%s\",\"get_ns\":%.1f,\"find_ns\":%.1f,\"ratio\":%.3f,"
                        "\"get_missing_ns\":%.1f,\"find_missing_ns\":%.1f,\"ratio_missing\":%.3f}\n",
                        name.c_str(), (unsigned long long)n, rounds, query_count, stats.kind, stats.note, get, find,
                        get / find, get_missing, find_missing, get_missing / find_missing);
            std::fflush(stdout);
            omendb_index_free(index);
            check("omendb_close", omendb_close(db));
            std::system(("rm -rf '" + path + "'").c_str());
        }
    }
    return 0;
}
