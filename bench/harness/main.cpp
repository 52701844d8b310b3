// omendb-bench: one phase of one benchmark cell per process. The driver
// (bench/run -> bench/driver.py) calls it; run it by hand with --help.
#include "common.hpp"
#include "concurrency.hpp"
#include "datasets.hpp"
#include "phases.hpp"
#include "store.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace bench {
std::unique_ptr<Store> make_sqlite_store(bool use_mmap);
std::unique_ptr<Store> make_lmdb_store();
std::unique_ptr<Store> make_rocksdb_store();
std::unique_ptr<Store> make_leveldb_store();
std::unique_ptr<Store> make_omendb_store();
bool omendb_compiled_in();
std::unique_ptr<ConcurrentStore> make_omendb_concurrent();
std::unique_ptr<ConcurrentStore> make_lmdb_concurrent();
std::unique_ptr<ConcurrentStore> make_sqlite_concurrent();
std::unique_ptr<ConcurrentStore> make_rocksdb_concurrent();

std::vector<std::string> store_names() {
#ifdef BENCH_LEVELDB_RELEASE
    // This binary exists only for the release LevelDB row (see bench/Makefile).
    return {"leveldb"};
#endif
    std::vector<std::string> names;
    if (omendb_compiled_in()) names.push_back("omendb");
    for (const char *n : {"sqlite", "sqlite-mmap", "lmdb", "rocksdb-debian", "leveldb-debian"})
        names.push_back(n);
    return names;
}

std::unique_ptr<Store> make_store(const std::string &name) {
    if (name == "sqlite") return make_sqlite_store(false);
    if (name == "sqlite-mmap") return make_sqlite_store(true);
    if (name == "lmdb") return make_lmdb_store();
    if (name == "rocksdb-debian" || name == "rocksdb") return make_rocksdb_store();
#ifdef BENCH_LEVELDB_RELEASE
    if (name == "leveldb") return make_leveldb_store();
    return nullptr;
#endif
    if (name == "leveldb-debian") return make_leveldb_store();
    if (name == "omendb") return make_omendb_store();
    return nullptr;
}

std::unique_ptr<ConcurrentStore> make_concurrent_store(const std::string &name) {
#ifdef BENCH_LEVELDB_RELEASE
    return nullptr;
#endif
    if (name == "omendb") return make_omendb_concurrent();
    if (name == "lmdb") return make_lmdb_concurrent();
    if (name == "sqlite") return make_sqlite_concurrent();
    if (name == "rocksdb-debian" || name == "rocksdb") return make_rocksdb_concurrent();
    return nullptr;
}
}  // namespace bench

using namespace bench;

static void usage() {
    fputs("usage: omendb-bench --list-stores | --list-concurrent-stores\n"
          "       omendb-bench --phase load|rss|core|ycsb --store NAME --dataset NAME\n"
          "                    --n N --value-size V --dir DIR [--seed S] [--reps R]\n"
          "                    [--bulk-reps R] [--read-ops N] [--scan-ops N]\n"
          "                    [--write-ops N] [--ycsb-ops N] [--dataset-cache DIR]\n"
          "       omendb-bench --phase concurrency --workload read_scaling|txn_overhead|\n"
          "                    commit_scaling|rmw_contended --store NAME --dataset NAME --n N\n"
          "                    --value-size V --dir DIR [--seed S] [--threads 1,2,4,8]\n"
          "                    [--seconds S] [--warmup-seconds S] [--writer-rate R]\n"
          "                    [--overhead-ops N] [--run I] [--dataset-cache DIR]\n"
          "Prints one JSON result object per line on stdout; exits 1 on any store error.\n",
          stderr);
}

int main(int argc, char **argv) {
    std::string phase, store_name, dataset = "uniform", cache_dir;
    uint64_t n = 10000, seed = 42;
    Config cfg;
    ConcurrencyConfig cc;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) { usage(); exit(2); }
            return argv[++i];
        };
        auto number = [&]() -> uint64_t { return std::strtoull(value().c_str(), nullptr, 10); };
        if (arg == "--list-stores") {
            for (auto &s : store_names()) printf("%s\n", s.c_str());
            return 0;
        } else if (arg == "--list-concurrent-stores") {
            for (auto &s : store_names())
                if (make_concurrent_store(s)) printf("%s\n", s.c_str());
            return 0;
        } else if (arg == "--phase") phase = value();
        else if (arg == "--store") store_name = value();
        else if (arg == "--dataset") dataset = value();
        else if (arg == "--n") n = number();
        else if (arg == "--value-size") cfg.value_size = number();
        else if (arg == "--dir") cfg.dir = value();
        else if (arg == "--seed") seed = number();
        else if (arg == "--dataset-cache") cache_dir = value();
        else if (arg == "--reps") cfg.reps = int(number());
        else if (arg == "--bulk-reps") cfg.bulk_reps = int(number());
        else if (arg == "--read-ops") cfg.read_ops = number();
        else if (arg == "--scan-ops") cfg.scan_ops = number();
        else if (arg == "--write-ops") cfg.write_ops = number();
        else if (arg == "--ycsb-ops") cfg.ycsb_ops = number();
        else if (arg == "--workload") cc.workload = value();
        else if (arg == "--threads") {
            cc.threads.clear();
            std::string list = value();
            for (size_t at = 0; at <= list.size();) {
                size_t comma = list.find(',', at);
                if (comma == std::string::npos) comma = list.size();
                cc.threads.push_back(std::atoi(list.substr(at, comma - at).c_str()));
                at = comma + 1;
            }
        }
        else if (arg == "--seconds") cc.seconds = std::atof(value().c_str());
        else if (arg == "--warmup-seconds") cc.warmup_seconds = std::atof(value().c_str());
        else if (arg == "--writer-rate") cc.writer_rate = number();
        else if (arg == "--overhead-ops") cc.overhead_ops = number();
        else if (arg == "--run") cc.run = int(number());
        else if (arg == "--help" || arg == "-h") { usage(); return 0; }
        else { fprintf(stderr, "unknown argument %s\n", arg.c_str()); usage(); return 2; }
    }
    if (phase.empty() || store_name.empty() || cfg.dir.empty() || n < 1000 || cfg.value_size < 8 ||
        cfg.reps < 1 || cfg.bulk_reps < 1 || cc.seconds <= 0 || cc.warmup_seconds < 0 ||
        std::any_of(cc.threads.begin(), cc.threads.end(), [](int t) { return t < 1 || t > 256; })) {
        usage();
        return 2;
    }
    std::unique_ptr<Store> store = make_store(store_name);
    if (!store) {
        fprintf(stderr, "unknown or not compiled-in store '%s'\n", store_name.c_str());
        return 2;
    }
    try {
        Dataset ds = load_or_make_dataset(cache_dir, dataset, n, seed);
        Reporter out(*store, ds, cfg.value_size);
        if (phase == "load") run_load_phase(*store, ds, cfg, out);
        else if (phase == "rss") run_rss_phase(*store, ds, cfg, out);
        else if (phase == "core") run_core_phase(*store, ds, cfg, out);
        else if (phase == "ycsb") run_ycsb_phase(*store, ds, cfg, out);
        else if (phase == "concurrency") {
            std::unique_ptr<ConcurrentStore> concurrent = make_concurrent_store(store_name);
            if (!concurrent) throw BenchError("no concurrent adapter for store " + store_name);
            cc.seed = seed;
            run_concurrency_phase(*store, *concurrent, ds, cfg, cc, out);
        }
        else { usage(); return 2; }
    } catch (const std::exception &e) {
        fprintf(stderr, "omendb-bench: %s [%s %s n=%llu v=%llu phase %s]\n", e.what(),
                store_name.c_str(), dataset.c_str(), (unsigned long long)n,
                (unsigned long long)cfg.value_size, phase.c_str());
        return 1;
    }
    return 0;
}
