// Multi-threaded access to a store, for the concurrency workloads
// (concurrency.cpp). A ConcurrentStore opens a database that the single-threaded
// Store adapter of the same name has bulk-loaded (same files, same key encoding)
// and hands each thread its own Session. Adapters translate these calls to the
// store's C API and nothing more.
#pragma once

#include "common.hpp"
#include "store.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace bench {

struct OpenMode {
    /// false: no fsync on commit (as the main suite); true: every commit is on
    /// stable storage when it returns (each store's durable setting, see README).
    bool durable = false;
    /// Open the store's transactional flavour where it has a separate one
    /// (RocksDB: an OptimisticTransactionDB).
    bool transactions = false;
};

/// One thread's handle on an open ConcurrentStore. Not thread-safe: created and
/// used by one thread, destroyed before the store closes.
class Session {
public:
    virtual ~Session() = default;
    /// Reads between begin_reads/end_reads may share one read transaction (LMDB).
    virtual void begin_reads() {}
    virtual void end_reads() {}
    /// Point read of the newest committed value, as Store::get.
    virtual bool get(int64_t key, uint8_t *buffer, size_t capacity, size_t *length) = 0;
    /// One transaction writing one key, committed when this returns (durably
    /// when the store was opened durable).
    virtual void put(int64_t key, const uint8_t *value, size_t size) = 0;

    /// Explicit transactions (ConcurrentStore::supports_transactions). A
    /// read-write transaction's reads are validated at commit: optimistic
    /// concurrency control (OmenDB SERIALIZABLE, RocksDB GetForUpdate).
    virtual void txn_begin(bool /*read_only*/) { no_transactions(); }
    virtual bool txn_get(int64_t, uint8_t *, size_t, size_t *) { no_transactions(); }
    virtual void txn_put(int64_t, const uint8_t *, size_t) { no_transactions(); }
    /// Commits; false when the store refused the commit as a conflict (then
    /// nothing was written). The transaction is over either way.
    virtual bool txn_commit() { no_transactions(); }

protected:
    /// The store's name, for the error the txn_* defaults throw.
    virtual std::string store_name() const = 0;

private:
    [[noreturn]] void no_transactions() const {
        throw BenchError(store_name() + ": no transactions in this harness");
    }
};

class ConcurrentStore {
public:
    virtual ~ConcurrentStore() = default;
    /// Opens the existing database in `dir` (loaded by the Store adapter).
    virtual void open(const std::string &dir, const Sizing &sizing, const OpenMode &mode) = 0;
    virtual void close() = 0;
    virtual bool supports_transactions() const { return false; }
    /// A new handle for the calling thread.
    virtual std::unique_ptr<Session> session() = 0;
};

/// The concurrent adapter for store `name`, or nullptr when it has none.
std::unique_ptr<ConcurrentStore> make_concurrent_store(const std::string &name);

}  // namespace bench
