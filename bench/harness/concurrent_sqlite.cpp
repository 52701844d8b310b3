// SQLite for the concurrency workloads: the table the Store adapter
// (store_sqlite.cpp) loaded, one connection per session (SQLITE_OPEN_NOMUTEX),
// journal_mode=WAL, synchronous=OFF (not durable, as the main suite) or FULL
// (durable: the WAL is fsynced at every commit). A put is BEGIN IMMEDIATE,
// INSERT OR REPLACE, COMMIT. SQLite admits one writer at a time and its busy
// handler sleeps (1 ms and more) between retries, so the sessions' write
// transactions take a mutex of the store instead: the writers queue without
// sleeping, the fastest way SQLite serves several committing threads.
#include "concurrent.hpp"
#include "common.hpp"

#include <mutex>
#include <sqlite3.h>

namespace bench {
namespace {

class SqliteSession final : public Session {
public:
    SqliteSession(const std::string &path, bool durable, std::mutex &writers) : writers_(writers) {
        int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
        if (rc != SQLITE_OK) fail(rc, "open");
        // Opening a connection and setting the journal mode take a shared lock a
        // committing connection can briefly hold against them: wait, don't fail.
        sqlite3_busy_timeout(db_, 10000);
        exec("PRAGMA journal_mode=WAL");
        exec(durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=OFF");
        prepare(&get_, "SELECT v FROM kv WHERE k = ?1");
        prepare(&insert_, "INSERT OR REPLACE INTO kv (k, v) VALUES (?1, ?2)");
        prepare(&begin_, "BEGIN IMMEDIATE");
        prepare(&commit_, "COMMIT");
    }
    ~SqliteSession() override {
        for (sqlite3_stmt *s : {get_, insert_, begin_, commit_}) sqlite3_finalize(s);
        sqlite3_close(db_);
    }

    bool get(int64_t key, uint8_t *buffer, size_t capacity, size_t *length) override {
        sqlite3_bind_int64(get_, 1, key);
        int rc = sqlite3_step(get_);
        bool found = false;
        if (rc == SQLITE_ROW) {
            size_t n = size_t(sqlite3_column_bytes(get_, 0));
            *length = n;
            std::memcpy(buffer, sqlite3_column_blob(get_, 0), n < capacity ? n : capacity);
            found = true;
        } else if (rc != SQLITE_DONE) {
            sqlite3_reset(get_);
            fail(rc, "get");
        }
        sqlite3_reset(get_);
        return found;
    }

    void put(int64_t key, const uint8_t *value, size_t size) override {
        std::lock_guard<std::mutex> lock(writers_);
        step_done(begin_, "begin");
        sqlite3_bind_int64(insert_, 1, key);
        sqlite3_bind_blob(insert_, 2, value, int(size), SQLITE_STATIC);
        step_done(insert_, "insert");
        step_done(commit_, "commit");
    }

protected:
    std::string store_name() const override { return "sqlite"; }

private:
    void exec(const char *sql) {
        char *err = nullptr;
        if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
            std::string msg = err ? err : "?";
            sqlite3_free(err);
            throw BenchError(std::string("sqlite: ") + sql + ": " + msg);
        }
    }
    void prepare(sqlite3_stmt **stmt, const char *sql) {
        int rc = sqlite3_prepare_v2(db_, sql, -1, stmt, nullptr);
        if (rc != SQLITE_OK) fail(rc, sql);
    }
    void step_done(sqlite3_stmt *stmt, const char *what) {
        int rc = sqlite3_step(stmt);
        sqlite3_reset(stmt);
        if (rc != SQLITE_DONE) fail(rc, what);
    }
    [[noreturn]] void fail(int rc, const char *what) {
        throw BenchError(std::string("sqlite ") + what + ": " + (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc)));
    }

    std::mutex &writers_;
    sqlite3 *db_ = nullptr;
    sqlite3_stmt *get_ = nullptr, *insert_ = nullptr, *begin_ = nullptr, *commit_ = nullptr;
};

class SqliteConcurrent final : public ConcurrentStore {
public:
    void open(const std::string &dir, const Sizing &, const OpenMode &mode) override {
        path_ = dir + "/db.sqlite";
        durable_ = mode.durable;
    }
    void close() override {}
    std::unique_ptr<Session> session() override {
        return std::make_unique<SqliteSession>(path_, durable_, writers_);
    }

private:
    std::string path_;
    bool durable_ = false;
    std::mutex writers_;
};

}  // namespace

std::unique_ptr<ConcurrentStore> make_sqlite_concurrent() { return std::make_unique<SqliteConcurrent>(); }

}  // namespace bench
