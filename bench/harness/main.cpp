// omendb-bench: one phase of one benchmark cell per process. The driver
// (bench/run -> bench/driver.py) calls it; run it by hand with --help.
#include "common.hpp"
#include "datasets.hpp"
#include "phases.hpp"
#include "store.hpp"

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
}  // namespace bench

using namespace bench;

static void usage() {
    fputs("usage: omendb-bench --list-stores\n"
          "       omendb-bench --phase load|rss|core|ycsb --store NAME --dataset NAME\n"
          "                    --n N --value-size V --dir DIR [--seed S] [--reps R]\n"
          "                    [--bulk-reps R] [--read-ops N] [--scan-ops N]\n"
          "                    [--write-ops N] [--ycsb-ops N] [--dataset-cache DIR]\n"
          "Prints one JSON result object per line on stdout; exits 1 on any store error.\n",
          stderr);
}

int main(int argc, char **argv) {
    std::string phase, store_name, dataset = "uniform", cache_dir;
    uint64_t n = 10000, seed = 42;
    Config cfg;
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
        else if (arg == "--help" || arg == "-h") { usage(); return 0; }
        else { fprintf(stderr, "unknown argument %s\n", arg.c_str()); usage(); return 2; }
    }
    if (phase.empty() || store_name.empty() || cfg.dir.empty() || n < 1000 || cfg.value_size < 8 ||
        cfg.reps < 1 || cfg.bulk_reps < 1) {
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
        else { usage(); return 2; }
    } catch (const std::exception &e) {
        fprintf(stderr, "omendb-bench: %s [%s %s n=%llu v=%llu phase %s]\n", e.what(),
                store_name.c_str(), dataset.c_str(), (unsigned long long)n,
                (unsigned long long)cfg.value_size, phase.c_str());
        return 1;
    }
    return 0;
}
