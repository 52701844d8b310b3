// YCSB core workloads A-F (Cooper et al., SoCC 2010) over a fresh bulk-loaded
// database. Request keys follow a scrambled Zipfian distribution with
// theta = 0.99 (hot keys spread over the key space, as in YCSB's
// ScrambledZipfianGenerator); D reads the latest inserted keys (Zipfian over
// recency). Each operation is its own transaction: reads autocommit, each update
// or insert is a one-record write batch (sync off). Throughput is operations
// over wall time, single-threaded.
//   A: 50% read, 50% update           B: 95% read, 5% update
//   C: 100% read                      D: 95% read latest, 5% insert
//   E: 95% scan (1..100 keys), 5% insert
//   F: 50% read, 50% read-modify-write
#include "phases.hpp"
#include "common.hpp"
#include "zipfian.hpp"

#include <vector>

namespace bench {
namespace {

struct YcsbState {
    Store &store;
    const Dataset &ds;
    size_t value_size;
    Zipfian zipf;
    Rng rng{0x5eed0003};
    std::vector<int64_t> live;     // loaded keys then inserted keys, in insertion order
    size_t next_insert = 0;        // next key of ds.insert_pool to insert
    uint32_t generation = 1;
    std::vector<uint8_t> buffer, value;
    uint64_t checksum = 0;

    YcsbState(Store &s, const Dataset &d, size_t vs)
        : store(s), ds(d), value_size(vs), zipf(d.loaded.size(), 0.99), live(d.loaded),
          buffer(vs + 64), value(vs) {}

    int64_t zipf_key() { return ds.loaded[fnv64(zipf.next(rng)) % ds.loaded.size()]; }
    int64_t latest_key() { return live[live.size() - 1 - zipf.next(rng)]; }

    void read(int64_t key) {
        size_t length = 0;
        if (!store.get(key, buffer.data(), buffer.size(), &length) ||
            !value_matches(key, buffer.data(), length, value_size))
            throw BenchError(store.name() + ": YCSB read of key " + std::to_string(key) + " failed");
    }
    void update(int64_t key) {
        make_value(key, generation++, value.data(), value_size);
        store.put_batch(&key, value.data(), 1, value_size);
    }
    void insert() {
        if (next_insert >= ds.insert_pool.size()) throw BenchError("YCSB insert pool exhausted");
        int64_t key = ds.insert_pool[next_insert++];
        make_value(key, 0, value.data(), value_size);
        store.put_batch(&key, value.data(), 1, value_size);
        live.push_back(key);
    }
    void scan() {
        uint64_t length = 1 + rng.below(100);
        store.scan(zipf_key(), length, &checksum);
    }

    void op(char workload) {
        uint64_t p = rng.below(100);
        switch (workload) {
        case 'a': if (p < 50) read(zipf_key()); else update(zipf_key()); break;
        case 'b': if (p < 95) read(zipf_key()); else update(zipf_key()); break;
        case 'c': read(zipf_key()); break;
        case 'd': if (p < 95) read(latest_key()); else insert(); break;
        case 'e': if (p < 95) scan(); else insert(); break;
        case 'f':
            if (p < 50) read(zipf_key());
            else { int64_t k = zipf_key(); read(k); update(k); }
            break;
        }
    }
};

}  // namespace

void run_ycsb_phase(Store &store, const Dataset &ds, const Config &cfg, Reporter &out) {
    const std::string dir = cfg.dir + "/ycsb";
    fresh_directory(dir);
    Sizing sizing;
    sizing.key_count = ds.loaded.size() + ds.insert_pool.size();
    sizing.value_size = cfg.value_size;
    store.open(dir, sizing);
    {
        std::vector<uint8_t> values(ds.loaded.size() * cfg.value_size);
        for (size_t i = 0; i < ds.loaded.size(); ++i)
            make_value(ds.loaded[i], 0, &values[i * cfg.value_size], cfg.value_size);
        store.bulk_load(ds.loaded.data(), values.data(), ds.loaded.size(), cfg.value_size);
    }
    store.settle();
    warm_page_cache(dir);

    YcsbState state(store, ds, cfg.value_size);
    const uint64_t ops = cfg.ycsb_ops;
    for (char w : {'a', 'b', 'c', 'f', 'd', 'e'}) {
        char workload[8] = {'y', 'c', 's', 'b', '-', w, 0};
        for (uint64_t i = 0; i < ops / 10; ++i) state.op(w);  // warm-up
        for (int r = 0; r < cfg.reps; ++r) {
            uint64_t total = 0;
            for (uint64_t i = 0; i < ops; i += 1000) {
                uint64_t m = ops - i < 1000 ? ops - i : 1000;
                uint64_t t0 = now_ns();
                for (uint64_t j = 0; j < m; ++j) state.op(w);
                total += now_ns() - t0;
            }
            out.emit(workload, "ycsb_ops_s", total ? double(ops) * 1e9 / double(total) : 0, "ops/s", r);
        }
    }
    store.close();
}

}  // namespace bench
