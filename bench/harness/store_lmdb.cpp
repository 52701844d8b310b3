// LMDB: one unnamed database with MDB_INTEGERKEY (8-byte native-endian keys,
// sign bit flipped so unsigned order == Int64 order), environment flags
// MDB_NOSYNC | MDB_NOMETASYNC | MDB_WRITEMAP (non-durable throughput runs), map
// size sized to the data (MDB_NOTLS: read transactions are not tied to threads).
// Reads share one read-only transaction per batch.
#include "store.hpp"
#include "lmdb_common.hpp"

namespace bench {
namespace {

class LmdbStore final : public Store {
public:
    ~LmdbStore() override { close(); }

    std::string name() const override { return "lmdb"; }
    std::string version() const override {
        int major, minor, patch;
        mdb_version(&major, &minor, &patch);
        return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
    }

    void open(const std::string &dir, const Sizing &sizing) override {
        check(mdb_env_create(&env_), "env_create");
        // B+tree pages at ~50-70% fill plus copy-on-write slack: 4x payload + 64 MB.
        size_t map = size_t(sizing.payload_bytes() * 4 + (64u << 20));
        check(mdb_env_set_mapsize(env_, map), "set_mapsize");
        check(mdb_env_open(env_, dir.c_str(), MDB_NOSYNC | MDB_NOMETASYNC | MDB_WRITEMAP | MDB_NOTLS, 0644),
              "env_open");
        MDB_txn *txn;
        check(mdb_txn_begin(env_, nullptr, 0, &txn), "txn_begin");
        check(mdb_dbi_open(txn, nullptr, MDB_INTEGERKEY | MDB_CREATE, &dbi_), "dbi_open");
        check(mdb_txn_commit(txn), "txn_commit");
    }

    void close() override {
        if (!env_) return;
        if (read_txn_) { mdb_txn_abort(read_txn_); read_txn_ = nullptr; in_reads_ = false; }
        mdb_env_close(env_);  // MDB_NOSYNC: the OS writes the map back
        env_ = nullptr;
    }

    void bulk_load(const int64_t *keys, const uint8_t *values, size_t count,
                   size_t value_size) override {
        write(keys, values, count, value_size, MDB_APPEND);  // sorted input, append mode
    }

    void put_batch(const int64_t *keys, const uint8_t *values, size_t count,
                   size_t value_size) override {
        write(keys, values, count, value_size, 0);
    }

    void delete_batch(const int64_t *keys, size_t count) override {
        MDB_txn *txn;
        check(mdb_txn_begin(env_, nullptr, 0, &txn), "txn_begin");
        for (size_t i = 0; i < count; ++i) {
            uint64_t k = to_lmdb_key(keys[i]);
            MDB_val key{sizeof k, &k};
            int rc = mdb_del(txn, dbi_, &key, nullptr);
            if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) { mdb_txn_abort(txn); check(rc, "del"); }
        }
        check(mdb_txn_commit(txn), "txn_commit");
    }

    // One read-only transaction handle, reset and renewed between batches
    // (mdb_txn_reset/renew, the cheap way LMDB documents for repeated reads).
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
        if (!in_reads_) {  // a lone read (YCSB): its own read transaction
            begin_reads();
            bool found = get(key, buffer, capacity, length);
            end_reads();
            return found;
        }
        return lmdb_copy_get(read_txn_, dbi_, key, buffer, capacity, length);
    }

    size_t scan(int64_t start, size_t count, uint64_t *checksum) override {
        if (!in_reads_) {
            begin_reads();
            size_t seen = scan(start, count, checksum);
            end_reads();
            return seen;
        }
        MDB_cursor *cursor;
        check(mdb_cursor_open(read_txn_, dbi_, &cursor), "cursor_open");
        uint64_t k = to_lmdb_key(start);
        MDB_val mkey{sizeof k, &k}, mval;
        size_t seen = 0;
        int rc = mdb_cursor_get(cursor, &mkey, &mval, MDB_SET_RANGE);
        while (rc == MDB_SUCCESS && seen < count) {
            uint64_t got;
            std::memcpy(&got, mkey.mv_data, sizeof got);
            *checksum += uint64_t(from_lmdb_key(got)) + static_cast<const uint8_t *>(mval.mv_data)[0];
            ++seen;
            if (seen < count) rc = mdb_cursor_get(cursor, &mkey, &mval, MDB_NEXT);
        }
        mdb_cursor_close(cursor);
        if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) check(rc, "cursor_get");
        return seen;
    }

private:
    void write(const int64_t *keys, const uint8_t *values, size_t count, size_t value_size,
               unsigned flags) {
        MDB_txn *txn;
        check(mdb_txn_begin(env_, nullptr, 0, &txn), "txn_begin");
        MDB_cursor *cursor;
        check(mdb_cursor_open(txn, dbi_, &cursor), "cursor_open");
        for (size_t i = 0; i < count; ++i) {
            uint64_t k = to_lmdb_key(keys[i]);
            MDB_val mkey{sizeof k, &k};
            MDB_val mval{value_size, const_cast<uint8_t *>(values + i * value_size)};
            int rc = mdb_cursor_put(cursor, &mkey, &mval, flags);
            if (rc != MDB_SUCCESS) { mdb_txn_abort(txn); check(rc, "put"); }
        }
        mdb_cursor_close(cursor);
        check(mdb_txn_commit(txn), "txn_commit");
    }
    static void check(int rc, const char *what) { lmdb_check(rc, what); }

    MDB_env *env_ = nullptr;
    MDB_dbi dbi_ = 0;
    MDB_txn *read_txn_ = nullptr;
    bool in_reads_ = false;
};

}  // namespace

std::unique_ptr<Store> make_lmdb_store() { return std::make_unique<LmdbStore>(); }

}  // namespace bench
