// The concurrency phase: multi-threaded workloads on one freshly bulk-loaded
// database, each thread count measured for a fixed time in the same process.
//   read_scaling    reader threads doing point gets of uniform random keys while
//                   one writer commits single-key updates at a fixed rate (no fsync)
//   txn_overhead    one thread: get vs a read-only transaction's begin+commit vs a
//                   get inside a read-only / a SERIALIZABLE read-write transaction
//   commit_scaling  committer threads, each committing single-key transactions
//                   on its own keys, durable commits (fsync before acknowledging)
//   rmw_contended   threads incrementing a counter in the value of Zipfian keys
//                   (theta 0.99) in read-write transactions, retried on conflict
#pragma once

#include "concurrent.hpp"
#include "datasets.hpp"
#include "phases.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace bench {

struct ConcurrencyConfig {
    std::string workload;
    std::vector<int> threads{1, 2, 4, 8};  // thread counts, measured in this order
    double warmup_seconds = 0.3;           // per thread count, unmeasured
    double seconds = 2.0;                  // per thread count, measured
    uint64_t writer_rate = 1000;           // read_scaling: the writer's commits per second
    uint64_t overhead_ops = 500000;        // txn_overhead: operations per measurement
    uint64_t seed = 42;                    // the threads' random keys derive from it
    int run = 0;                           // the "run" field of the results
};

/// Bulk-loads cfg.dir/db with `loader` (the single-threaded adapter of the same
/// store), then runs cc.workload through `store` and reports one result line per
/// thread count and metric. Throws BenchError on a wrong answer or a store error.
void run_concurrency_phase(Store &loader, ConcurrentStore &store, const Dataset &ds, const Config &cfg,
                           const ConcurrencyConfig &cc, Reporter &out);

}  // namespace bench
