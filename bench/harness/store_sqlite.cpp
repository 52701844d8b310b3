// SQLite 3: a rowid table (k INTEGER PRIMARY KEY, v BLOB) in WAL mode with
// synchronous=OFF. Two configurations: "sqlite" (defaults: 2 MB page cache, no
// mmap) and "sqlite-mmap" (mmap_size covering the whole file).
#include "store.hpp"
#include "common.hpp"

#include <sqlite3.h>

namespace bench {
namespace {

class SqliteStore final : public Store {
public:
    explicit SqliteStore(bool use_mmap) : use_mmap_(use_mmap) {}
    ~SqliteStore() override { close(); }

    std::string name() const override { return use_mmap_ ? "sqlite-mmap" : "sqlite"; }
    std::string version() const override { return sqlite3_libversion(); }

    void open(const std::string &dir, const Sizing &sizing) override {
        std::string path = dir + "/db.sqlite";
        check(sqlite3_open_v2(path.c_str(), &db_,
                              SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                              nullptr), "open");
        exec("PRAGMA journal_mode=WAL");
        exec("PRAGMA synchronous=OFF");
        if (use_mmap_) {
            // File size is about 1.5x the payload; SQLite caps this at its
            // compile-time SQLITE_MAX_MMAP_SIZE (2 GB in Debian's build).
            uint64_t bytes = sizing.payload_bytes() * 3 + (64u << 20);
            exec("PRAGMA mmap_size=" + std::to_string(bytes));
        }
        exec("CREATE TABLE IF NOT EXISTS kv (k INTEGER PRIMARY KEY, v BLOB)");
        prepare(&insert_, "INSERT OR REPLACE INTO kv (k, v) VALUES (?1, ?2)");
        prepare(&delete_, "DELETE FROM kv WHERE k = ?1");
        prepare(&get_, "SELECT v FROM kv WHERE k = ?1");
        prepare(&scan_, "SELECT k, v FROM kv WHERE k >= ?1 ORDER BY k LIMIT ?2");
        prepare(&begin_, "BEGIN");
        prepare(&commit_, "COMMIT");
    }

    void close() override {
        if (!db_) return;
        for (sqlite3_stmt **s : {&insert_, &delete_, &get_, &scan_, &begin_, &commit_}) {
            sqlite3_finalize(*s);
            *s = nullptr;
        }
        int rc = sqlite3_close(db_);
        db_ = nullptr;
        if (rc != SQLITE_OK) throw BenchError("sqlite close failed: " + std::to_string(rc));
    }

    void bulk_load(const int64_t *keys, const uint8_t *values, size_t count,
                   size_t value_size) override {
        put_batch(keys, values, count, value_size);  // one transaction, sorted order
    }

    void put_batch(const int64_t *keys, const uint8_t *values, size_t count,
                   size_t value_size) override {
        step_done(begin_, "begin");
        for (size_t i = 0; i < count; ++i) {
            sqlite3_bind_int64(insert_, 1, keys[i]);
            sqlite3_bind_blob(insert_, 2, values + i * value_size, int(value_size), SQLITE_STATIC);
            step_done(insert_, "insert");
        }
        step_done(commit_, "commit");
    }

    void delete_batch(const int64_t *keys, size_t count) override {
        step_done(begin_, "begin");
        for (size_t i = 0; i < count; ++i) {
            sqlite3_bind_int64(delete_, 1, keys[i]);
            step_done(delete_, "delete");
        }
        step_done(commit_, "commit");
    }

    // A batch of reads shares one read transaction; lone reads (YCSB) autocommit.
    void begin_reads() override { step_done(begin_, "begin"); }
    void end_reads() override { step_done(commit_, "commit"); }

    bool get(int64_t key, uint8_t *buffer, size_t capacity, size_t *length) override {
        sqlite3_bind_int64(get_, 1, key);
        int rc = sqlite3_step(get_);
        bool found = false;
        if (rc == SQLITE_ROW) {
            const void *v = sqlite3_column_blob(get_, 0);
            size_t n = size_t(sqlite3_column_bytes(get_, 0));
            *length = n;
            std::memcpy(buffer, v, n < capacity ? n : capacity);
            found = true;
        } else if (rc != SQLITE_DONE) {
            fail(rc, "get");
        }
        sqlite3_reset(get_);
        return found;
    }

    size_t scan(int64_t start, size_t count, uint64_t *checksum) override {
        sqlite3_bind_int64(scan_, 1, start);
        sqlite3_bind_int64(scan_, 2, int64_t(count));
        size_t seen = 0;
        int rc;
        while ((rc = sqlite3_step(scan_)) == SQLITE_ROW) {
            const uint8_t *v = static_cast<const uint8_t *>(sqlite3_column_blob(scan_, 1));
            *checksum += uint64_t(sqlite3_column_int64(scan_, 0)) + v[0];
            ++seen;
        }
        if (rc != SQLITE_DONE) fail(rc, "scan");
        sqlite3_reset(scan_);
        return seen;
    }

private:
    void exec(const std::string &sql) {
        char *err = nullptr;
        if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
            std::string msg = err ? err : "?";
            sqlite3_free(err);
            throw BenchError("sqlite: " + sql + ": " + msg);
        }
    }
    void prepare(sqlite3_stmt **stmt, const char *sql) {
        check(sqlite3_prepare_v2(db_, sql, -1, stmt, nullptr), sql);
    }
    void step_done(sqlite3_stmt *stmt, const char *what) {
        int rc = sqlite3_step(stmt);
        sqlite3_reset(stmt);
        if (rc != SQLITE_DONE) fail(rc, what);
    }
    void check(int rc, const char *what) {
        if (rc != SQLITE_OK) fail(rc, what);
    }
    [[noreturn]] void fail(int rc, const char *what) {
        throw BenchError(std::string("sqlite ") + what + ": " +
                         (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc)));
    }

    bool use_mmap_;
    sqlite3 *db_ = nullptr;
    sqlite3_stmt *insert_ = nullptr, *delete_ = nullptr, *get_ = nullptr, *scan_ = nullptr,
                 *begin_ = nullptr, *commit_ = nullptr;
};

}  // namespace

std::unique_ptr<Store> make_sqlite_store(bool use_mmap) {
    return std::make_unique<SqliteStore>(use_mmap);
}

}  // namespace bench
