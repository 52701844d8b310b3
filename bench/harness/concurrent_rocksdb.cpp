// RocksDB for the concurrency workloads: the database the Store adapter
// (store_rocksdb.cpp) loaded, same options (rocksdb_tuning.hpp), one handle
// shared by every session. Puts are rocksdb_put with WriteOptions.sync = false,
// or true when opened durable (RocksDB then groups concurrent writers' WAL
// syncs itself). With OpenMode::transactions the database is opened as an
// OptimisticTransactionDB: a read-write transaction reads with GetForUpdate
// (the key is validated at commit) and a commit that loses a race fails with
// Status::Busy (or TryAgain when the memtable history is too short to check),
// reported as a conflict.
#include "concurrent.hpp"
#include "common.hpp"
#include "rocksdb_tuning.hpp"

#include <cstring>

namespace bench {
namespace {

class RocksSession final : public Session {
public:
    RocksSession(rocksdb_t *db, rocksdb_optimistictransactiondb_t *txn_db, const rocksdb_writeoptions_t *write)
        : db_(db), txn_db_(txn_db), write_(write) {
        read_ = rocksdb_readoptions_create();
        if (txn_db_) txn_options_ = rocksdb_optimistictransaction_options_create();
    }
    ~RocksSession() override {
        if (txn_) rocksdb_transaction_destroy(txn_);
        if (txn_options_) rocksdb_optimistictransaction_options_destroy(txn_options_);
        rocksdb_readoptions_destroy(read_);
    }

    bool get(int64_t key, uint8_t *buffer, size_t capacity, size_t *length) override {
        char k[8];
        encode_key_be(key, k);
        char *err = nullptr;
        return copy_out(rocksdb_get_pinned(db_, read_, k, 8, &err), err, "get_pinned", buffer, capacity, length);
    }

    void put(int64_t key, const uint8_t *value, size_t size) override {
        char k[8];
        encode_key_be(key, k);
        char *err = nullptr;
        rocksdb_put(db_, write_, k, 8, reinterpret_cast<const char *>(value), size, &err);
        rocks_check(err, "put");
    }

    void txn_begin(bool read_only) override {
        if (!txn_db_) throw BenchError("rocksdb: transactions need OpenMode::transactions");
        // Reuses the previous transaction object (the C API's old_txn argument).
        txn_ = rocksdb_optimistictransaction_begin(txn_db_, write_, txn_options_, txn_);
        read_only_ = read_only;
    }

    bool txn_get(int64_t key, uint8_t *buffer, size_t capacity, size_t *length) override {
        char k[8];
        encode_key_be(key, k);
        char *err = nullptr;
        rocksdb_pinnableslice_t *slice =
            read_only_ ? rocksdb_transaction_get_pinned(txn_, read_, k, 8, &err)
                       : rocksdb_transaction_get_pinned_for_update(txn_, read_, k, 8, 1, &err);
        return copy_out(slice, err, "transaction_get", buffer, capacity, length);
    }

    void txn_put(int64_t key, const uint8_t *value, size_t size) override {
        char k[8];
        encode_key_be(key, k);
        char *err = nullptr;
        rocksdb_transaction_put(txn_, k, 8, reinterpret_cast<const char *>(value), size, &err);
        rocks_check(err, "transaction_put");
    }

    bool txn_commit() override {
        char *err = nullptr;
        rocksdb_transaction_commit(txn_, &err);
        if (err && (std::strncmp(err, "Resource busy", 13) == 0 ||
                    std::strncmp(err, "Operation failed. Try again", 27) == 0)) {
            rocksdb_free(err);
            return false;
        }
        rocks_check(err, "transaction_commit");
        return true;
    }

protected:
    std::string store_name() const override { return "rocksdb-debian"; }

private:
    static bool copy_out(rocksdb_pinnableslice_t *slice, char *err, const char *what, uint8_t *buffer,
                         size_t capacity, size_t *length) {
        rocks_check(err, what);
        if (!slice) return false;
        size_t n;
        const char *v = rocksdb_pinnableslice_value(slice, &n);
        *length = n;
        std::memcpy(buffer, v, n < capacity ? n : capacity);
        rocksdb_pinnableslice_destroy(slice);
        return true;
    }

    rocksdb_t *db_;
    rocksdb_optimistictransactiondb_t *txn_db_;
    const rocksdb_writeoptions_t *write_;
    rocksdb_readoptions_t *read_;
    rocksdb_optimistictransaction_options_t *txn_options_ = nullptr;
    rocksdb_transaction_t *txn_ = nullptr;
    bool read_only_ = false;
};

class RocksConcurrent final : public ConcurrentStore {
public:
    ~RocksConcurrent() override { close(); }

    void open(const std::string &dir, const Sizing &sizing, const OpenMode &mode) override {
        tuning_ = std::make_unique<RocksTuning>(sizing);
        write_ = rocksdb_writeoptions_create();
        rocksdb_writeoptions_set_sync(write_, mode.durable ? 1 : 0);
        char *err = nullptr;
        if (mode.transactions) {
            txn_db_ = rocksdb_optimistictransactiondb_open(tuning_->options(), dir.c_str(), &err);
            rocks_check(err, "optimistictransactiondb_open");
            db_ = rocksdb_optimistictransactiondb_get_base_db(txn_db_);
        } else {
            db_ = rocksdb_open(tuning_->options(), dir.c_str(), &err);
            rocks_check(err, "open");
        }
    }

    void close() override {
        if (txn_db_) {
            rocksdb_optimistictransactiondb_close_base_db(db_);
            rocksdb_optimistictransactiondb_close(txn_db_);
            txn_db_ = nullptr;
        } else if (db_) {
            rocksdb_close(db_);
        }
        db_ = nullptr;
        if (write_) { rocksdb_writeoptions_destroy(write_); write_ = nullptr; }
        tuning_.reset();
    }

    bool supports_transactions() const override { return txn_db_ != nullptr; }

    std::unique_ptr<Session> session() override { return std::make_unique<RocksSession>(db_, txn_db_, write_); }

private:
    std::unique_ptr<RocksTuning> tuning_;
    rocksdb_t *db_ = nullptr;
    rocksdb_optimistictransactiondb_t *txn_db_ = nullptr;
    rocksdb_writeoptions_t *write_ = nullptr;
};

}  // namespace

std::unique_ptr<ConcurrentStore> make_rocksdb_concurrent() { return std::make_unique<RocksConcurrent>(); }

}  // namespace bench
