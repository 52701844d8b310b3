// Load, RSS and core phases. Timing: CLOCK_MONOTONIC around each batch of
// operations; a repetition's figure is its total operations over the summed
// batch times. Every phase starts with an unmeasured warm-up.
#include "phases.hpp"
#include "common.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <ftw.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace bench {

// ---------------------------------------------------------------- reporting

static std::string json_string(const std::string &s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') { out += '\\'; out += c; }
        else if (uint8_t(c) < 0x20) { char buf[8]; snprintf(buf, sizeof buf, "\\u%04x", c); out += buf; }
        else out += c;
    }
    return out + "\"";
}

Reporter::Reporter(const Store &store, const Dataset &ds, uint64_t value_size)
    : version_(store.version()) {
    prefix_ = "{\"store\": " + json_string(store.name()) + ", ";
    dataset_ = ds.name;
    n_ = ds.loaded.size();
    value_size_ = value_size;
}

void Reporter::emit(const char *workload, const char *metric, double value, const char *unit,
                    int run, int threads) {
    char number[64];
    snprintf(number, sizeof number, "%.6g", value);
    std::string line = prefix_ + "\"workload\": " + json_string(workload) +
                       ", \"dataset\": " + json_string(dataset_) +
                       ", \"n\": " + std::to_string(n_) +
                       ", \"value_size\": " + std::to_string(value_size_) +
                       ", \"metric\": " + json_string(metric) + ", \"value\": " + number +
                       ", \"unit\": " + json_string(unit) + ", \"run\": " + std::to_string(run) +
                       (threads > 0 ? ", \"threads\": " + std::to_string(threads) : std::string()) +
                       ", \"version\": " + json_string(version_) + "}\n";
    fputs(line.c_str(), stdout);
    fflush(stdout);
}

// ---------------------------------------------------------------- files, memory

static uint64_t g_usage = 0;
static int add_usage(const char *, const struct stat *st, int flag, struct FTW *) {
    if (flag == FTW_F) g_usage += uint64_t(st->st_blocks) * 512;
    return 0;
}
uint64_t disk_usage(const std::string &dir) {
    g_usage = 0;
    if (nftw(dir.c_str(), add_usage, 16, FTW_PHYS) != 0) throw BenchError("cannot walk " + dir);
    return g_usage;
}

uint64_t resident_bytes() {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) throw BenchError("cannot read /proc/self/status");
    char line[256];
    uint64_t kb = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %" SCNu64 " kB", &kb) == 1) break;
    fclose(f);
    return kb * 1024;
}

static int read_entry(const char *path, const struct stat *, int flag, struct FTW *) {
    if (flag != FTW_F) return 0;
    int fd = ::open(path, O_RDONLY);
    if (fd < 0) return 0;  // e.g. a lock file another process removed
    static char buffer[1 << 20];
    while (::read(fd, buffer, sizeof buffer) > 0) {}
    ::close(fd);
    return 0;
}
void warm_page_cache(const std::string &dir) { nftw(dir.c_str(), read_entry, 16, FTW_PHYS); }

static int remove_entry(const char *path, const struct stat *, int, struct FTW *) {
    return ::remove(path);
}
void fresh_directory(const std::string &path) {
    struct stat st;
    if (stat(path.c_str(), &st) == 0) nftw(path.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (mkdir(path.c_str(), 0755) != 0) throw BenchError("cannot create " + path);
}

// ---------------------------------------------------------------- helpers

static std::string db_dir(const Config &cfg) { return cfg.dir + "/db"; }

static Sizing sizing_for(const Dataset &ds, const Config &cfg) {
    Sizing s;
    s.key_count = ds.loaded.size() + ds.insert_pool.size();
    s.value_size = cfg.value_size;
    return s;
}

/// Values for keys[0..count) at `generation`, contiguous.
static std::vector<uint8_t> make_values(const int64_t *keys, size_t count, size_t value_size,
                                        uint32_t generation) {
    std::vector<uint8_t> values(count * value_size);
    for (size_t i = 0; i < count; ++i) make_value(keys[i], generation, &values[i * value_size], value_size);
    return values;
}

static uint64_t round_up_batches(uint64_t ops) { return ops < 1000 ? 1000 : ops / 1000 * 1000; }

/// Point reads of keys[0..count) in batches of 1000 (one read transaction each);
/// checks every answer. Returns the summed batch time in ns.
static uint64_t timed_gets(Store &store, const int64_t *keys, size_t count, size_t value_size,
                           bool expect_found) {
    std::vector<uint8_t> buffer(value_size + 64);
    uint64_t total = 0;
    for (size_t i = 0; i < count; i += 1000) {
        size_t m = std::min<size_t>(1000, count - i);
        uint64_t t0 = now_ns();
        store.begin_reads();
        size_t bad = SIZE_MAX;
        for (size_t j = 0; j < m; ++j) {
            size_t length = 0;
            bool found = store.get(keys[i + j], buffer.data(), buffer.size(), &length);
            if (found != expect_found ||
                (found && !value_matches(keys[i + j], buffer.data(), length, value_size)))
                bad = i + j;
        }
        store.end_reads();
        total += now_ns() - t0;
        if (bad != SIZE_MAX)
            throw BenchError(store.name() + ": wrong answer for key " + std::to_string(keys[bad]) +
                             (expect_found ? " (expected its value)" : " (expected absent)"));
    }
    return total;
}

/// `count` keys drawn uniformly (with replacement) from pool[0..pool_size).
static std::vector<int64_t> sample(Rng &rng, const int64_t *pool, size_t pool_size, size_t count) {
    std::vector<int64_t> out(count);
    for (auto &k : out) k = pool[rng.below(pool_size)];
    return out;
}

/// Writes in batches of 1000; returns summed batch time in ns.
static uint64_t timed_puts(Store &store, const int64_t *keys, size_t count, size_t value_size,
                           uint32_t generation) {
    std::vector<uint8_t> values = make_values(keys, count, value_size, generation);
    uint64_t total = 0;
    for (size_t i = 0; i < count; i += 1000) {
        size_t m = std::min<size_t>(1000, count - i);
        uint64_t t0 = now_ns();
        store.put_batch(keys + i, values.data() + i * value_size, m, value_size);
        total += now_ns() - t0;
    }
    return total;
}

static uint64_t timed_deletes(Store &store, const int64_t *keys, size_t count) {
    uint64_t total = 0;
    for (size_t i = 0; i < count; i += 1000) {
        size_t m = std::min<size_t>(1000, count - i);
        uint64_t t0 = now_ns();
        store.delete_batch(keys + i, m);
        total += now_ns() - t0;
    }
    return total;
}

static double per_second(uint64_t ops, uint64_t ns) { return ns ? double(ops) * 1e9 / double(ns) : 0; }

// ---------------------------------------------------------------- load

void run_load_phase(Store &store, const Dataset &ds, const Config &cfg, Reporter &out) {
    const size_t n = ds.loaded.size();
    std::vector<uint8_t> values = make_values(ds.loaded.data(), n, cfg.value_size, 0);
    fresh_directory(cfg.dir);
    for (int r = 0; r < cfg.bulk_reps; ++r) {
        fresh_directory(db_dir(cfg));
        store.open(db_dir(cfg), sizing_for(ds, cfg));
        uint64_t t0 = now_ns();
        store.bulk_load(ds.loaded.data(), values.data(), n, cfg.value_size);
        uint64_t ns = now_ns() - t0;
        store.close();
        out.emit("bulk_load", "bulk_keys_s", per_second(n, ns), "keys/s", r);
    }
    out.emit("disk", "disk_bytes", double(disk_usage(db_dir(cfg))), "bytes", 0);
}

// ---------------------------------------------------------------- rss

void run_rss_phase(Store &store, const Dataset &ds, const Config &cfg, Reporter &out) {
    Rng rng(0x5eed0001);
    // 200k random reads touch every leaf page of a 1M-key store; n/5 beyond that.
    size_t reads = std::min<size_t>(ds.loaded.size(), std::max<size_t>(200000, ds.loaded.size() / 5));
    std::vector<int64_t> keys = sample(rng, ds.loaded.data(), ds.loaded.size(), reads);
    warm_page_cache(db_dir(cfg));  // page cache is not part of RSS (except mapped pages)
    uint64_t before = resident_bytes();
    store.open(db_dir(cfg), sizing_for(ds, cfg));
    store.settle();
    timed_gets(store, keys.data(), keys.size(), cfg.value_size, true);
    uint64_t checksum = 0;
    store.begin_reads();
    for (size_t i = 0; i < cfg.scan_ops; ++i) store.scan(keys[i % keys.size()], cfg.scan_length, &checksum);
    store.end_reads();
    uint64_t after = resident_bytes();
    store.close();
    out.emit("rss", "rss_bytes", double(after > before ? after - before : 0), "bytes", 0);
}

// ---------------------------------------------------------------- core

void run_core_phase(Store &store, const Dataset &ds, const Config &cfg, Reporter &out) {
    const size_t n = ds.loaded.size();
    const Sizing sizing = sizing_for(ds, cfg);
    Rng rng(0x5eed0002);

    warm_page_cache(db_dir(cfg));
    // Open time of the existing database (one unmeasured warm-up open).
    for (int r = -1; r < cfg.reps; ++r) {
        uint64_t t0 = now_ns();
        store.open(db_dir(cfg), sizing);
        uint64_t ns = now_ns() - t0;
        store.close();
        if (r >= 0) out.emit("open", "open_ms", double(ns) / 1e6, "ms", r);
    }
    store.open(db_dir(cfg), sizing);
    store.settle();

    // Point reads of existing keys, then of absent keys.
    const uint64_t reads = round_up_batches(cfg.read_ops);
    timed_gets(store, sample(rng, ds.loaded.data(), n, reads / 5 + 1000).data(), reads / 5 + 1000,
               cfg.value_size, true);
    for (int r = 0; r < cfg.reps; ++r) {
        auto keys = sample(rng, ds.loaded.data(), n, reads);
        uint64_t ns = timed_gets(store, keys.data(), reads, cfg.value_size, true);
        out.emit("get", "get_ns", double(ns) / double(reads), "ns", r);
    }
    const size_t absent = ds.absent.size();
    timed_gets(store, sample(rng, ds.absent.data(), absent, 1000).data(), 1000, cfg.value_size, false);
    for (int r = 0; r < cfg.reps; ++r) {
        auto keys = sample(rng, ds.absent.data(), absent, reads);
        uint64_t ns = timed_gets(store, keys.data(), reads, cfg.value_size, false);
        out.emit("get_missing", "get_missing_ns", double(ns) / double(reads), "ns", r);
    }

    // Range scans of scan_length keys from random existing keys, 100 scans per batch.
    for (int r = -1; r < cfg.reps; ++r) {
        uint64_t scans = r < 0 ? std::max<uint64_t>(cfg.scan_ops / 5, 100) : cfg.scan_ops;
        auto starts = sample(rng, ds.loaded.data(), n, scans);
        uint64_t checksum = 0, keys_read = 0, ns = 0;
        for (size_t i = 0; i < scans; i += 100) {
            size_t m = std::min<size_t>(100, scans - i);
            uint64_t t0 = now_ns();
            store.begin_reads();
            for (size_t j = 0; j < m; ++j) {
                size_t seen = store.scan(starts[i + j], cfg.scan_length, &checksum);
                if (seen == 0) throw BenchError(store.name() + ": empty scan from an existing key");
                keys_read += seen;
            }
            store.end_reads();
            ns += now_ns() - t0;
        }
        if (r >= 0) out.emit("scan", "scan_keys_s", per_second(keys_read, ns), "keys/s", r);
    }

    // Full scans: every key in order through the store's cursor, one read transaction each.
    for (int r = -1; r < cfg.reps; ++r) {
        uint64_t checksum = 0;
        uint64_t t0 = now_ns();
        store.begin_reads();
        size_t seen = store.scan(INT64_MIN, n, &checksum);
        store.end_reads();
        uint64_t ns = now_ns() - t0;
        if (seen != n)
            throw BenchError(store.name() + ": full scan read " + std::to_string(seen) + " of " +
                             std::to_string(n) + " keys");
        if (r >= 0) out.emit("full_scan", "full_scan_keys_s", per_second(seen, ns), "keys/s", r);
    }

    // Random inserts of new keys, batches of 1000; right after each repetition,
    // point reads over everything written so far, before flushes/compactions settle.
    const uint64_t writes = round_up_batches(cfg.write_ops);
    const uint64_t warm_writes = round_up_batches(writes / 5);
    if (warm_writes + writes * uint64_t(cfg.reps) > ds.insert_pool.size())
        throw BenchError("insert pool too small for write_ops x reps; lower --write-ops");
    const int64_t *pool = ds.insert_pool.data();
    timed_puts(store, pool, warm_writes, cfg.value_size, 0);
    uint64_t inserted = warm_writes;
    for (int r = 0; r < cfg.reps; ++r) {
        uint64_t ns = timed_puts(store, pool + inserted, writes, cfg.value_size, 0);
        inserted += writes;
        out.emit("insert", "insert_ops_s", per_second(writes, ns), "ops/s", r);
        // Half the reads hit freshly inserted keys, half the loaded ones.
        std::vector<int64_t> keys(reads);
        for (size_t i = 0; i < reads; ++i)
            keys[i] = (i & 1) ? pool[rng.below(inserted)] : ds.loaded[rng.below(n)];
        uint64_t read_ns = timed_gets(store, keys.data(), reads, cfg.value_size, true);
        out.emit("get_unsettled", "get_unsettled_ns", double(read_ns) / double(reads), "ns", r);
    }

    // Overwrites of random loaded keys (new value generation per repetition).
    for (int r = -1; r < cfg.reps; ++r) {
        uint64_t count = r < 0 ? warm_writes : writes;
        auto keys = sample(rng, ds.loaded.data(), n, count);
        uint64_t ns = timed_puts(store, keys.data(), count, cfg.value_size, uint32_t(r + 2));
        if (r >= 0) out.emit("overwrite", "overwrite_ops_s", per_second(count, ns), "ops/s", r);
    }

    // Deletes of distinct random loaded keys.
    if (warm_writes + writes * uint64_t(cfg.reps) > n)
        throw BenchError("too few keys for write_ops x reps deletes; lower --write-ops");
    // A partial Fisher-Yates shuffle of the prefix that is deleted (the same victims
    // as a full shuffle, without 100M cache-missing swaps at n = 100M).
    std::vector<int64_t> victims(ds.loaded);
    const uint64_t doomed = warm_writes + writes * uint64_t(cfg.reps);
    for (size_t i = 0; i < doomed && i + 1 < victims.size(); ++i)
        std::swap(victims[i], victims[i + rng.below(victims.size() - i)]);
    timed_deletes(store, victims.data(), warm_writes);
    uint64_t deleted = warm_writes;
    for (int r = 0; r < cfg.reps; ++r) {
        uint64_t ns = timed_deletes(store, victims.data() + deleted, writes);
        deleted += writes;
        out.emit("delete", "delete_ops_s", per_second(writes, ns), "ops/s", r);
    }
    // The deleted keys must be gone, the others still there.
    timed_gets(store, victims.data(), std::min<uint64_t>(deleted, 1000), cfg.value_size, false);
    store.close();
}

}  // namespace bench
