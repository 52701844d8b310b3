// LMDB for the concurrency workloads: the environment and database the Store
// adapter (store_lmdb.cpp) loaded, MDB_INTEGERKEY, MDB_NOTLS (read transactions
// are not tied to threads). Not durable: MDB_NOSYNC | MDB_NOMETASYNC |
// MDB_WRITEMAP, as the main suite. Durable: no flags beyond MDB_NOTLS, LMDB's
// default sync (each write commit fsyncs data and meta page). Each session owns
// one read-only transaction, reset and renewed around each batch of reads;
// puts are one write transaction each (LMDB admits one writer at a time).
#include "concurrent.hpp"
#include "lmdb_common.hpp"

namespace bench {
namespace {

void check(int rc, const char *what) { lmdb_check(rc, what); }

class LmdbSession final : public Session {
public:
    LmdbSession(MDB_env *env, MDB_dbi dbi) : env_(env), dbi_(dbi) {}
    ~LmdbSession() override { if (read_txn_) mdb_txn_abort(read_txn_); }

    void begin_reads() override {
        if (read_txn_) check(mdb_txn_renew(read_txn_), "txn_renew");
        else check(mdb_txn_begin(env_, nullptr, MDB_RDONLY, &read_txn_), "read txn_begin");
        in_reads_ = true;
    }
    void end_reads() override {
        mdb_txn_reset(read_txn_);
        in_reads_ = false;
    }

    bool get(int64_t key, uint8_t *buffer, size_t capacity, size_t *length) override {
        if (!in_reads_) {
            begin_reads();
            bool found = get(key, buffer, capacity, length);
            end_reads();
            return found;
        }
        return lmdb_copy_get(read_txn_, dbi_, key, buffer, capacity, length);
    }

    void put(int64_t key, const uint8_t *value, size_t size) override {
        MDB_txn *txn;
        check(mdb_txn_begin(env_, nullptr, 0, &txn), "txn_begin");
        uint64_t k = to_lmdb_key(key);
        MDB_val mkey{sizeof k, &k}, mval{size, const_cast<uint8_t *>(value)};
        int rc = mdb_put(txn, dbi_, &mkey, &mval, 0);
        if (rc != MDB_SUCCESS) { mdb_txn_abort(txn); check(rc, "put"); }
        check(mdb_txn_commit(txn), "txn_commit");
    }

protected:
    std::string store_name() const override { return "lmdb"; }

private:
    MDB_env *env_;
    MDB_dbi dbi_;
    MDB_txn *read_txn_ = nullptr;
    bool in_reads_ = false;
};

class LmdbConcurrent final : public ConcurrentStore {
public:
    ~LmdbConcurrent() override { close(); }

    void open(const std::string &dir, const Sizing &sizing, const OpenMode &mode) override {
        check(mdb_env_create(&env_), "env_create");
        check(mdb_env_set_mapsize(env_, size_t(sizing.payload_bytes() * 4 + (64u << 20))), "set_mapsize");
        unsigned flags = MDB_NOTLS | (mode.durable ? 0 : MDB_NOSYNC | MDB_NOMETASYNC | MDB_WRITEMAP);
        check(mdb_env_open(env_, dir.c_str(), flags, 0644), "env_open");
        MDB_txn *txn;
        check(mdb_txn_begin(env_, nullptr, 0, &txn), "txn_begin");
        check(mdb_dbi_open(txn, nullptr, MDB_INTEGERKEY, &dbi_), "dbi_open");
        check(mdb_txn_commit(txn), "txn_commit");
    }

    void close() override {
        if (!env_) return;
        mdb_env_close(env_);
        env_ = nullptr;
    }

    std::unique_ptr<Session> session() override { return std::make_unique<LmdbSession>(env_, dbi_); }

private:
    MDB_env *env_ = nullptr;
    MDB_dbi dbi_ = 0;
};

}  // namespace

std::unique_ptr<ConcurrentStore> make_lmdb_concurrent() { return std::make_unique<LmdbConcurrent>(); }

}  // namespace bench
