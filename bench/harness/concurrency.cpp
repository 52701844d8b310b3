// Concurrency workloads (see concurrency.hpp). Timing: for each thread count the
// threads start together, run an unmeasured warm-up, then a measured window of
// fixed length; each thread publishes its completed operations in its own
// cache line after every chunk, and the window's figure is the operations
// completed between the two snapshots over the window's wall time
// (CLOCK_MONOTONIC). Every read is checked.
#include "concurrency.hpp"
#include "common.hpp"
#include "zipfian.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <sys/resource.h>
#include <thread>

namespace bench {

namespace {

/// One thread's published progress, alone in its cache line.
struct alignas(64) Progress {
    std::atomic<uint64_t> done{0};     // operations completed (committed transactions, reads)
    std::atomic<uint64_t> aborted{0};  // transactions refused as conflicts
};

struct Window {
    double seconds = 0;
    double cpu_seconds = 0;          // CPU time (user + system) of the whole process in the window
    uint64_t done = 0, aborted = 0;  // the workers' operations in the measured window
    uint64_t background_done = 0;    // the background thread's
};

/// CPU time the process has used (all threads, user + system), in ns.
uint64_t cpu_ns() {
    rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    auto ns = [](const timeval &t) { return uint64_t(t.tv_sec) * 1000000000ull + uint64_t(t.tv_usec) * 1000ull; };
    return ns(usage.ru_utime) + ns(usage.ru_stime);
}

/// A worker: runs until `stop`, publishing into its Progress.
using Body = std::function<void(int index, Session &, Progress &, const std::atomic<bool> &stop)>;

/// Runs `workers` threads of `body` (and one thread of `background`, if given),
/// each with its own session, for the warm-up plus the measured window.
Window measure(ConcurrentStore &store, int workers, const ConcurrencyConfig &cc, const Body &body,
               const Body &background = nullptr) {
    const int total = workers + (background ? 1 : 0);
    std::vector<Progress> progress(static_cast<size_t>(total));
    std::atomic<int> ready{0};
    std::atomic<bool> go{false}, stop{false};
    std::mutex error_mutex;
    std::string error;
    std::vector<std::thread> threads;
    for (int i = 0; i < total; ++i) {
        threads.emplace_back([&, i] {
            try {
                std::unique_ptr<Session> session = store.session();
                ready.fetch_add(1);
                while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
                (i < workers ? body : background)(i, *session, progress[size_t(i)], stop);
            } catch (const std::exception &e) {
                std::lock_guard<std::mutex> lock(error_mutex);
                if (error.empty()) error = e.what();
                stop.store(true);
            }
        });
    }
    auto snapshot = [&](uint64_t *done, uint64_t *aborted, uint64_t *bg) {
        *done = *aborted = *bg = 0;
        for (int i = 0; i < total; ++i) {
            uint64_t d = progress[size_t(i)].done.load(std::memory_order_relaxed);
            if (i < workers) {
                *done += d;
                *aborted += progress[size_t(i)].aborted.load(std::memory_order_relaxed);
            } else {
                *bg += d;
            }
        }
    };
    // Sleeps until `seconds` from now, or until a thread failed.
    auto wait = [&](double seconds) {
        auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
        while (!stop.load() && std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
    };
    while (ready.load() < total && !stop.load()) std::this_thread::yield();
    go.store(true, std::memory_order_release);
    wait(cc.warmup_seconds);
    Window w;
    uint64_t d0, a0, b0, d1, a1, b1;
    snapshot(&d0, &a0, &b0);
    uint64_t t0 = now_ns(), c0 = cpu_ns();
    wait(cc.seconds);
    snapshot(&d1, &a1, &b1);
    uint64_t t1 = now_ns(), c1 = cpu_ns();
    stop.store(true);
    for (auto &t : threads) t.join();
    if (!error.empty()) throw BenchError(error);
    w.seconds = double(t1 - t0) / 1e9;
    w.cpu_seconds = double(c1 - c0) / 1e9;
    w.done = d1 - d0;
    w.aborted = a1 - a0;
    w.background_done = b1 - b0;
    return w;
}

/// Seed of thread `index` in the measurement with `threads` threads.
uint64_t thread_seed(const ConcurrencyConfig &cc, int threads, int index) {
    return splitmix64(cc.seed ^ hash_string(cc.workload) ^ (uint64_t(threads) << 32) ^ uint64_t(index) ^
                      (uint64_t(cc.run) << 48));
}

void check_read(bool found, int64_t key, const uint8_t *value, size_t length,
                size_t value_size, const char *what) {
    if (!found || !value_matches(key, value, length, value_size))
        throw BenchError(std::string(what) + ": wrong answer for key " + std::to_string(key) +
                         (found ? " (value does not carry its key)" : " (not found)"));
}

/// The CPU the process got in the window, in cores (CPU seconds / wall seconds):
/// on a shared machine, how much of it the threads actually ran on.
void emit_cores(Reporter &out, const char *workload, const Window &w, const ConcurrencyConfig &cc, int threads) {
    out.emit(workload, "cpu_cores", w.cpu_seconds / w.seconds, "cores", cc.run, threads);
}

std::string db_dir(const Config &cfg) { return cfg.dir + "/db"; }

// ---------------------------------------------------------------- workloads

void read_scaling(ConcurrentStore &store, const Dataset &ds, const Config &cfg, const ConcurrencyConfig &cc,
                  Reporter &out) {
    const auto &keys = ds.loaded;
    const size_t vs = cfg.value_size;
    for (int threads : cc.threads) {
        Body reader = [&](int i, Session &s, Progress &p, const std::atomic<bool> &stop) {
            Rng rng(thread_seed(cc, threads, i));
            std::vector<uint8_t> buffer(vs + 64);
            uint64_t done = 0;
            while (!stop.load(std::memory_order_relaxed)) {
                s.begin_reads();  // LMDB: one read transaction per 1000 gets, as the core suite
                for (int j = 0; j < 1000; ++j) {
                    int64_t key = keys[rng.below(keys.size())];
                    size_t length = 0;
                    bool found = s.get(key, buffer.data(), buffer.size(), &length);
                    check_read(found, key, buffer.data(), length, vs, "read_scaling get");
                }
                s.end_reads();
                done += 1000;
                p.done.store(done, std::memory_order_relaxed);
            }
        };
        // Overwrites random loaded keys (new value generations) at cc.writer_rate.
        Body writer = [&](int i, Session &s, Progress &p, const std::atomic<bool> &stop) {
            Rng rng(thread_seed(cc, threads, i));
            std::vector<uint8_t> value(vs);
            const auto interval = std::chrono::nanoseconds(1000000000ull / std::max<uint64_t>(cc.writer_rate, 1));
            auto next = std::chrono::steady_clock::now();
            uint64_t done = 0;
            uint32_t generation = 1;
            while (!stop.load(std::memory_order_relaxed)) {
                int64_t key = keys[rng.below(keys.size())];
                make_value(key, generation++, value.data(), vs);
                s.put(key, value.data(), vs);
                p.done.store(++done, std::memory_order_relaxed);
                next += interval;
                auto now = std::chrono::steady_clock::now();
                if (next > now) std::this_thread::sleep_until(next);
                else if (now - next > std::chrono::milliseconds(100)) next = now;  // no catch-up burst
            }
        };
        Window w = measure(store, threads, cc, reader, writer);
        out.emit("read_scaling", "reads_s", double(w.done) / w.seconds, "reads/s", cc.run, threads);
        out.emit("read_scaling", "writer_commits_s", double(w.background_done) / w.seconds, "commits/s",
                 cc.run, threads);
        emit_cores(out, "read_scaling", w, cc, threads);
    }
}

void txn_overhead(ConcurrentStore &store, const Dataset &ds, const Config &cfg, const ConcurrencyConfig &cc,
                  Reporter &out) {
    if (!store.supports_transactions()) throw BenchError("txn_overhead needs transactions");
    const size_t vs = cfg.value_size;
    // Ten rounds, each timing a tenth of every figure's operations in turn, so
    // that drift of the machine spreads over all four alike.
    constexpr uint64_t kRounds = 10;
    const uint64_t chunk = std::max<uint64_t>(cc.overhead_ops / kRounds / 1000, 1) * 1000;
    const uint64_t ops = chunk * kRounds;
    // Each figure reads its own random keys: none finds the others' keys in the CPU caches.
    Rng rng(thread_seed(cc, 1, 0));
    std::vector<int64_t> keys[3];
    for (auto &list : keys) {
        list.resize(ops);
        for (auto &k : list) k = ds.loaded[rng.below(ds.loaded.size())];
    }
    std::vector<uint8_t> buffer(vs + 64);
    std::unique_ptr<Session> session = store.session();
    Session &s = *session;

    auto gets = [&](const int64_t *list, uint64_t count) {
        uint64_t t0 = now_ns();
        for (uint64_t i = 0; i < count; ++i) {
            size_t length = 0;
            bool found = s.get(list[i], buffer.data(), buffer.size(), &length);
            check_read(found, list[i], buffer.data(), length, vs, "get");
        }
        return now_ns() - t0;
    };
    auto empty_txns = [&](uint64_t count) {
        uint64_t t0 = now_ns();
        for (uint64_t i = 0; i < count; ++i) {
            s.txn_begin(true);
            if (!s.txn_commit()) throw BenchError("read-only transaction refused at commit");
        }
        return now_ns() - t0;
    };
    // Gets inside transactions of `per_txn` reads each; only the reads are timed.
    auto txn_gets = [&](const int64_t *list, uint64_t count, bool read_only, uint64_t per_txn) {
        uint64_t total = 0;
        for (uint64_t i = 0; i < count; i += per_txn) {
            s.txn_begin(read_only);
            uint64_t t0 = now_ns();
            for (uint64_t j = i; j < i + per_txn && j < count; ++j) {
                size_t length = 0;
                bool found = s.txn_get(list[j], buffer.data(), buffer.size(), &length);
                check_read(found, list[j], buffer.data(), length, vs, "txn_get");
            }
            total += now_ns() - t0;
            if (!s.txn_commit()) throw BenchError("transaction without writes refused at commit");
        }
        return total;
    };
    // Warm-up of every path, then the measured rounds.
    gets(keys[0].data(), chunk);
    empty_txns(chunk);
    txn_gets(keys[1].data(), chunk, true, 1000);
    txn_gets(keys[2].data(), chunk, false, 100);
    uint64_t get_ns = 0, empty_ns = 0, ro_ns = 0, rw_ns = 0;
    for (uint64_t r = 0; r < kRounds; ++r) {
        const uint64_t at = r * chunk;
        get_ns += gets(keys[0].data() + at, chunk);
        empty_ns += empty_txns(chunk);
        ro_ns += txn_gets(keys[1].data() + at, chunk, true, 1000);
        rw_ns += txn_gets(keys[2].data() + at, chunk, false, 100);
    }
    out.emit("txn_overhead", "get_ns", double(get_ns) / double(ops), "ns", cc.run, 1);
    out.emit("txn_overhead", "ro_txn_begin_commit_ns", double(empty_ns) / double(ops), "ns", cc.run, 1);
    out.emit("txn_overhead", "ro_txn_get_ns", double(ro_ns) / double(ops), "ns", cc.run, 1);
    out.emit("txn_overhead", "rw_txn_get_ns", double(rw_ns) / double(ops), "ns", cc.run, 1);
}

void commit_scaling(ConcurrentStore &store, const Dataset &ds, const Config &cfg, const ConcurrencyConfig &cc,
                    Reporter &out) {
    const auto &keys = ds.loaded;
    const size_t vs = cfg.value_size;
    for (int threads : cc.threads) {
        // Thread i writes only keys[j] with j % threads == i: no two committers share a key.
        Body committer = [&](int i, Session &s, Progress &p, const std::atomic<bool> &stop) {
            Rng rng(thread_seed(cc, threads, i));
            std::vector<uint8_t> value(vs);
            const uint64_t slots = keys.size() / uint64_t(threads);
            uint64_t done = 0;
            uint32_t generation = 1;
            while (!stop.load(std::memory_order_relaxed)) {
                int64_t key = keys[rng.below(slots) * uint64_t(threads) + uint64_t(i)];
                make_value(key, generation++, value.data(), vs);
                s.put(key, value.data(), vs);
                p.done.store(++done, std::memory_order_relaxed);
            }
        };
        Window w = measure(store, threads, cc, committer);
        out.emit("commit_scaling", "commits_s", double(w.done) / w.seconds, "commits/s", cc.run, threads);
        emit_cores(out, "commit_scaling", w, cc, threads);
    }
}

/// rmw_contended values: the key (8 bytes, as make_value) then a little-endian
/// 64-bit counter, then zeros.
constexpr size_t kCounterOffset = 8;

void rmw_contended(ConcurrentStore &store, const Dataset &ds, const Config &cfg, const ConcurrencyConfig &cc,
                   Reporter &out) {
    if (!store.supports_transactions()) throw BenchError("rmw_contended needs transactions");
    const auto &keys = ds.loaded;
    const size_t vs = cfg.value_size;
    const Zipfian zipf(keys.size(), 0.99);
    std::atomic<uint64_t> committed_total{0};
    for (int threads : cc.threads) {
        Body incrementer = [&](int i, Session &s, Progress &p, const std::atomic<bool> &stop) {
            Rng rng(thread_seed(cc, threads, i));
            std::vector<uint8_t> buffer(vs + 64);
            uint64_t done = 0, aborted = 0;
            while (!stop.load(std::memory_order_relaxed)) {
                int64_t key = keys[fnv64(zipf.next(rng)) % keys.size()];
                for (;;) {
                    s.txn_begin(false);
                    size_t length = 0;
                    bool found = s.txn_get(key, buffer.data(), buffer.size(), &length);
                    check_read(found, key, buffer.data(), length, vs, "rmw txn_get");
                    uint64_t counter;
                    std::memcpy(&counter, buffer.data() + kCounterOffset, 8);
                    ++counter;
                    std::memcpy(buffer.data() + kCounterOffset, &counter, 8);
                    s.txn_put(key, buffer.data(), vs);
                    if (s.txn_commit()) break;
                    p.aborted.store(++aborted, std::memory_order_relaxed);
                }
                p.done.store(++done, std::memory_order_relaxed);
            }
            committed_total.fetch_add(done);
        };
        Window w = measure(store, threads, cc, incrementer);
        out.emit("rmw_contended", "commits_s", double(w.done) / w.seconds, "commits/s", cc.run, threads);
        double attempts = double(w.done + w.aborted);
        out.emit("rmw_contended", "abort_rate", attempts ? double(w.aborted) / attempts : 0, "fraction", cc.run,
                 threads);
        emit_cores(out, "rmw_contended", w, cc, threads);
    }
    // No lost update: the counters add up to the committed transactions.
    std::unique_ptr<Session> s = store.session();
    std::vector<uint8_t> buffer(vs + 64);
    uint64_t sum = 0;
    for (size_t i = 0; i < keys.size(); i += 1000) {
        s->begin_reads();
        for (size_t j = i; j < std::min(keys.size(), i + 1000); ++j) {
            size_t length = 0;
            bool found = s->get(keys[j], buffer.data(), buffer.size(), &length);
            check_read(found, keys[j], buffer.data(), length, vs, "rmw final get");
            uint64_t counter;
            std::memcpy(&counter, buffer.data() + kCounterOffset, 8);
            sum += counter;
        }
        s->end_reads();
    }
    if (sum != committed_total.load())
        throw BenchError("rmw_contended: the counters sum to " + std::to_string(sum) + " but " +
                         std::to_string(committed_total.load()) + " increments were committed (lost or phantom updates)");
}

}  // namespace

void run_concurrency_phase(Store &loader, ConcurrentStore &store, const Dataset &ds, const Config &cfg,
                           const ConcurrencyConfig &cc, Reporter &out) {
    const bool rmw = cc.workload == "rmw_contended";
    if (rmw && cfg.value_size < kCounterOffset + 8)
        throw BenchError("rmw_contended needs values of at least 16 bytes (--value-size 16)");
    const size_t n = ds.loaded.size(), vs = cfg.value_size;
    std::vector<uint8_t> values(n * vs, 0);
    for (size_t i = 0; i < n; ++i) {
        if (rmw) make_value(ds.loaded[i], 0, &values[i * vs], 8);  // the key, then counter 0
        else make_value(ds.loaded[i], 0, &values[i * vs], vs);
    }
    Sizing sizing;
    sizing.key_count = n;
    sizing.value_size = vs;
    fresh_directory(cfg.dir);
    fresh_directory(db_dir(cfg));
    loader.open(db_dir(cfg), sizing);
    loader.bulk_load(ds.loaded.data(), values.data(), n, vs);
    loader.settle();
    loader.close();
    values = {};
    warm_page_cache(db_dir(cfg));

    OpenMode mode;
    mode.durable = cc.workload == "commit_scaling";
    mode.transactions = rmw || cc.workload == "txn_overhead";
    store.open(db_dir(cfg), sizing, mode);
    if (cc.workload == "read_scaling") read_scaling(store, ds, cfg, cc, out);
    else if (cc.workload == "txn_overhead") txn_overhead(store, ds, cfg, cc, out);
    else if (cc.workload == "commit_scaling") commit_scaling(store, ds, cfg, cc, out);
    else if (rmw) rmw_contended(store, ds, cfg, cc, out);
    else throw BenchError("unknown concurrency workload '" + cc.workload + "'");
    store.close();
}

}  // namespace bench
