// The four phases of a benchmark cell (store x data set x n x value size). The
// driver (bench/driver.py) runs each phase in its own fresh process, in order:
// load -> rss -> core -> ycsb, all on one directory.
#pragma once

#include "datasets.hpp"
#include "store.hpp"

#include <cstdint>
#include <cstdio>
#include <string>

namespace bench {

struct Config {
    std::string dir;            // cell directory; the database lives in dir/db
    uint64_t value_size = 8;
    int reps = 3;               // measured repetitions of each workload
    int bulk_reps = 1;          // bulk loads, each into a fresh directory
    uint64_t read_ops = 100000; // point reads per repetition
    uint64_t scan_ops = 2000;   // range scans per repetition
    uint64_t scan_length = 100; // keys per range scan
    uint64_t write_ops = 50000; // inserts / overwrites / deletes per repetition
    uint64_t ycsb_ops = 50000;  // operations per YCSB repetition
};

/// Writes result lines (one JSON object per line) to stdout.
class Reporter {
public:
    Reporter(const Store &store, const Dataset &ds, uint64_t value_size);
    /// threads > 0 (the concurrency phase) adds a "threads" field to the line.
    void emit(const char *workload, const char *metric, double value, const char *unit, int run,
              int threads = 0);

private:
    std::string prefix_;
    std::string version_;
    std::string dataset_;
    uint64_t n_ = 0;
    uint64_t value_size_ = 0;
};

/// Bulk-loads dir/db (bulk_reps times, fresh each time): bulk_keys_s, disk_bytes.
void run_load_phase(Store &store, const Dataset &ds, const Config &cfg, Reporter &out);
/// Opens the loaded dir/db in this fresh process, reads, reports the RSS growth: rss_bytes.
void run_rss_phase(Store &store, const Dataset &ds, const Config &cfg, Reporter &out);
/// open_ms, get_ns, get_missing_ns, scan_keys_s, full_scan_keys_s, insert_ops_s, get_unsettled_ns,
/// overwrite_ops_s, delete_ops_s on dir/db.
void run_core_phase(Store &store, const Dataset &ds, const Config &cfg, Reporter &out);
/// YCSB A-F on a fresh bulk-loaded dir/ycsb: ycsb_ops_s.
void run_ycsb_phase(Store &store, const Dataset &ds, const Config &cfg, Reporter &out);

/// Bytes allocated on disk under `dir` (sum of st_blocks * 512, sparse-aware).
uint64_t disk_usage(const std::string &dir);
/// The process's resident set size now (VmRSS), in bytes.
uint64_t resident_bytes();
/// Reads every file under `dir` once so the OS page cache holds the database
/// (some stores write with fadvise(DONTNEED), e.g. RocksDB's SstFileWriter).
void warm_page_cache(const std::string &dir);
/// Removes `path` recursively (if present) and creates it empty.
void fresh_directory(const std::string &path);

}  // namespace bench
