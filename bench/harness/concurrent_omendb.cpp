// OmenDB for the concurrency workloads: the database the Store adapter
// (store_omendb.cpp) loaded, one omendb_db handle shared by every session (the
// handle is thread-safe). Sync OMENDB_SYNC_OFF (not durable, as the main suite)
// or OMENDB_SYNC_FULL (durable: a commit returns after its log fsync, which
// concurrent commits share). get is omendb_get; a put is a transaction
// (omendb_txn_begin with the default options, SERIALIZABLE read-write;
// omendb_txn_put; omendb_txn_commit). Explicit transactions are omendb_txn_*:
// read-write ones at SERIALIZABLE, read-only ones with
// omendb_txn_options_set_read_only. Compiled only when the header declares the
// transaction API (OMENDB_HAVE_TRANSACTIONS; an older OmenDB given with
// --omendb-prefix has none); the concurrency driver then leaves OmenDB out.
#include "concurrent.hpp"
#include "common.hpp"

#ifdef BENCH_WITH_OMENDB
#include <omendb.h>
#endif

#ifdef OMENDB_HAVE_TRANSACTIONS

namespace bench {
namespace {

void check(int rc, const char *what) {
    if (rc == OMENDB_OK) return;
    throw BenchError(std::string("omendb ") + what + ": " + omendb_status_string(rc) + ": " +
                     omendb_last_error());
}

class OmenSession final : public Session {
public:
    explicit OmenSession(omendb_db *db) : db_(db) {
        check(omendb_txn_options_create(&read_only_), "txn_options_create");
        check(omendb_txn_options_set_read_only(read_only_, 1), "txn_options_set_read_only");
    }
    ~OmenSession() override {
        omendb_txn_free(txn_);
        omendb_txn_options_free(read_only_);
    }

    bool get(int64_t key, uint8_t *buffer, size_t capacity, size_t *length) override {
        int rc = omendb_get(db_, key, buffer, capacity, length);
        if (rc == OMENDB_NOT_FOUND) return false;
        check(rc, "get");
        return true;
    }

    void put(int64_t key, const uint8_t *value, size_t size) override {
        txn_begin(false);
        txn_put(key, value, size);
        // A blind write of a key no other thread writes cannot conflict.
        if (!txn_commit()) throw BenchError(std::string("omendb: single-key commit refused: ") + omendb_last_error());
    }

    void txn_begin(bool read_only) override {
        check(omendb_txn_begin(db_, read_only ? read_only_ : nullptr, &txn_), "txn_begin");
    }

    bool txn_get(int64_t key, uint8_t *buffer, size_t capacity, size_t *length) override {
        int rc = omendb_txn_get(txn_, key, buffer, capacity, length);
        if (rc == OMENDB_NOT_FOUND) return false;
        check(rc, "txn_get");
        return true;
    }

    void txn_put(int64_t key, const uint8_t *value, size_t size) override {
        check(omendb_txn_put(txn_, key, value, size), "txn_put");
    }

    bool txn_commit() override {
        int rc = omendb_txn_commit(txn_);
        omendb_txn_free(txn_);
        txn_ = nullptr;
        if (rc == OMENDB_CONFLICT) return false;
        check(rc, "txn_commit");
        return true;
    }

protected:
    std::string store_name() const override { return "omendb"; }

private:
    omendb_db *db_;
    omendb_txn_options *read_only_ = nullptr;
    omendb_txn *txn_ = nullptr;
};

class OmenConcurrent final : public ConcurrentStore {
public:
    ~OmenConcurrent() override { if (db_) omendb_close(db_); }

    void open(const std::string &dir, const Sizing &, const OpenMode &mode) override {
        omendb_options *options = nullptr;
        check(omendb_options_create(&options), "options_create");
        int rc = omendb_options_set_sync(options, mode.durable ? OMENDB_SYNC_FULL : OMENDB_SYNC_OFF);
        if (rc == OMENDB_OK) rc = omendb_open(dir.c_str(), options, &db_);
        omendb_options_free(options);
        check(rc, "open");
    }

    void close() override {
        if (!db_) return;
        omendb_db *db = db_;
        db_ = nullptr;
        check(omendb_close(db), "close");
    }

    bool supports_transactions() const override { return true; }

    std::unique_ptr<Session> session() override { return std::make_unique<OmenSession>(db_); }

private:
    omendb_db *db_ = nullptr;
};

}  // namespace

std::unique_ptr<ConcurrentStore> make_omendb_concurrent() { return std::make_unique<OmenConcurrent>(); }

}  // namespace bench

#else  // no transaction API

namespace bench {
std::unique_ptr<ConcurrentStore> make_omendb_concurrent() { return nullptr; }
}  // namespace bench

#endif
