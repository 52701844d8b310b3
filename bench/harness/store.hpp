// The interface every store adapter implements. Adapters translate these calls
// to the store's own C API and nothing more; workloads live in workloads.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace bench {

/// What a store needs to know to size caches and maps for the data set.
struct Sizing {
    uint64_t key_count = 0;      // keys the database will hold (loaded + inserted)
    uint64_t value_size = 0;     // bytes per value
    /// Raw payload bytes (keys + values), the basis for cache and map sizes.
    uint64_t payload_bytes() const { return key_count * (8 + value_size); }
};

class Store {
public:
    virtual ~Store() = default;
    /// The row label in results ("sqlite", "rocksdb-debian", ...).
    virtual std::string name() const = 0;
    /// The library's own version string.
    virtual std::string version() const = 0;

    /// Opens (creating if missing) the database in directory `dir`.
    virtual void open(const std::string &dir, const Sizing &sizing) = 0;
    /// Closes the database; everything written must be in its files afterwards.
    virtual void close() = 0;

    /// Loads `count` sorted, distinct keys into an empty database using the
    /// store's fastest native bulk path; values[i * value_size ..] holds key i's value.
    virtual void bulk_load(const int64_t *keys, const uint8_t *values, size_t count,
                           size_t value_size) = 0;
    /// Writes `count` puts atomically (one transaction / write batch).
    virtual void put_batch(const int64_t *keys, const uint8_t *values, size_t count,
                           size_t value_size) = 0;
    /// Deletes `count` keys atomically (one transaction / write batch).
    virtual void delete_batch(const int64_t *keys, size_t count) = 0;

    /// Read transactions: reads between begin_reads/end_reads may share one
    /// (LMDB, SQLite); stores without read transactions ignore these calls.
    virtual void begin_reads() {}
    virtual void end_reads() {}
    /// Copies the value of `key` into buffer (capacity bytes); returns false if absent.
    /// *length receives the value's length.
    virtual bool get(int64_t key, uint8_t *buffer, size_t capacity, size_t *length) = 0;
    /// Reads up to `count` entries in key order starting at the first key >= start;
    /// returns how many it read. Each entry's key and value are touched (checksummed).
    virtual size_t scan(int64_t start, size_t count, uint64_t *checksum) = 0;

    /// Waits until background work (flushes, compactions) has settled.
    virtual void settle() {}
};

/// Creates the store called `name`, or returns nullptr for an unknown name.
std::unique_ptr<Store> make_store(const std::string &name);
/// Names of the stores compiled into this harness, in report order.
std::vector<std::string> store_names();

}  // namespace bench
