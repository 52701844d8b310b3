// Deterministic key sets. Each data set draws 2n distinct keys from its
// distribution with a seeded generator, then splits them at random into the n
// loaded keys (sorted), an insert pool (3n/4, random order, never loaded) and
// an absent pool (n/4, never written). The split depends only on (name, n, seed),
// so every phase process of a run sees the same keys.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bench {

struct Dataset {
    std::string name;
    std::vector<int64_t> loaded;       // sorted, distinct
    std::vector<int64_t> insert_pool;  // distinct, disjoint from loaded, random order
    std::vector<int64_t> absent;       // distinct, never written, random order
};

/// Names of the distributions: seq_gaps, uniform, lognormal, clustered.
const std::vector<std::string> &dataset_names();

/// Builds data set `name` with n loaded keys; throws BenchError for an unknown name.
Dataset make_dataset(const std::string &name, uint64_t n, uint64_t seed);

/// As make_dataset, but reuses a copy cached in `cache_dir` (written on first use,
/// atomically) so that the several processes of one cell generate it only once.
/// An empty cache_dir means no caching.
Dataset load_or_make_dataset(const std::string &cache_dir, const std::string &name, uint64_t n,
                             uint64_t seed);

}  // namespace bench
