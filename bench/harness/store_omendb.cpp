// OmenDB through its installed C API (include/omendb.h, libomendb.so). Compiled
// only when the header declares the database API (OMENDB_HAVE_DATABASE); until
// then the harness runs the peers alone. Settings: sync OFF (same durability as
// the peers' throughput runs), everything else at OmenDB's defaults. Bulk load
// uses omendb_bulk_load_fixed (one call, sorted distinct keys, the harness's packed
// value array as is: as LMDB's adapter reads it); point reads use the
// copying omendb_get; scans share one iterator, moved to the database's current
// state before each scan (omendb_iterator_refresh, as LMDB's adapter renews its read
// transaction), and read its entries zero-copy with omendb_iterator_read_borrowed
// (keys, lengths and value pointers for up to 256 entries per call), as LMDB's
// adapter reads MDB_val pointers.
#include "store.hpp"
#include "common.hpp"

#ifdef BENCH_WITH_OMENDB
#include <omendb.h>
#endif

#ifdef OMENDB_HAVE_DATABASE

#include <algorithm>
#include <vector>

namespace bench {
namespace {

class OmenStore final : public Store {
public:
    ~OmenStore() override {
        omendb_iterator_free(scan_it_);
        if (db_) omendb_close(db_);
        omendb_batch_free(batch_);
    }

    std::string name() const override { return "omendb"; }
    std::string version() const override { return omendb_version_string(); }

    void open(const std::string &dir, const Sizing &) override {
        omendb_options *options = nullptr;
        check(omendb_options_create(&options), "options_create");
        int rc = omendb_options_set_create_if_missing(options, 1);
        if (rc == OMENDB_OK) rc = omendb_options_set_sync(options, OMENDB_SYNC_OFF);
        if (rc == OMENDB_OK) rc = omendb_open(dir.c_str(), options, &db_);
        omendb_options_free(options);
        check(rc, "open");
        if (!batch_) check(omendb_batch_create(&batch_), "batch_create");
    }

    void close() override {
        omendb_iterator_free(scan_it_);
        scan_it_ = nullptr;
        if (!db_) return;
        omendb_db *db = db_;
        db_ = nullptr;
        check(omendb_close(db), "close");
    }

    void bulk_load(const int64_t *keys, const uint8_t *values, size_t count,
                   size_t value_size) override {
        check(omendb_bulk_load_fixed(db_, keys, values, value_size, count), "bulk_load_fixed");
    }

    void put_batch(const int64_t *keys, const uint8_t *values, size_t count,
                   size_t value_size) override {
        check(omendb_batch_clear(batch_), "batch_clear");
        for (size_t i = 0; i < count; ++i)
            check(omendb_batch_put(batch_, keys[i], values + i * value_size, value_size), "batch_put");
        check(omendb_write(db_, batch_), "write");
    }

    void delete_batch(const int64_t *keys, size_t count) override {
        check(omendb_batch_clear(batch_), "batch_clear");
        for (size_t i = 0; i < count; ++i) check(omendb_batch_delete(batch_, keys[i]), "batch_delete");
        check(omendb_write(db_, batch_), "write");
    }

    bool get(int64_t key, uint8_t *buffer, size_t capacity, size_t *length) override {
        int rc = omendb_get(db_, key, buffer, capacity, length);
        if (rc == OMENDB_NOT_FOUND) return false;
        check(rc, "get");
        return true;
    }

    size_t scan(int64_t start, size_t count, uint64_t *checksum) override {
        // One iterator for all scans, moved to the current state before each one
        // (omendb_iterator_refresh: as a fresh iterator, without rebuilding it).
        if (!scan_it_) check(omendb_iterator_create(db_, nullptr, &scan_it_), "iterator_create");
        else check(omendb_iterator_refresh(scan_it_), "iterator_refresh");
        check(omendb_iterator_seek(scan_it_, start), "iterator_seek");
        size_t seen = 0;
        while (seen < count) {
            size_t want = std::min(count - seen, scan_keys_.size()), got = 0;
            check(omendb_iterator_read_borrowed(scan_it_, 1, want, scan_keys_.data(), scan_values_.data(),
                                                scan_lengths_.data(), &got),
                  "iterator_read_borrowed");
            for (size_t i = 0; i < got; ++i)
                *checksum += uint64_t(scan_keys_[i]) +
                             (scan_lengths_[i] ? static_cast<const uint8_t *>(scan_values_[i])[0] : 0);
            seen += got;
            if (got < want) break;  // the end of the data
        }
        return seen;
    }

    void settle() override { check(omendb_flush(db_), "flush"); }

private:
    static void check(int rc, const char *what) {
        if (rc == OMENDB_OK) return;
        throw BenchError(std::string("omendb ") + what + ": " + omendb_status_string(rc) + ": " +
                         omendb_last_error());
    }

    omendb_db *db_ = nullptr;
    omendb_batch *batch_ = nullptr;
    omendb_iterator *scan_it_ = nullptr;
    std::vector<int64_t> scan_keys_ = std::vector<int64_t>(256);
    std::vector<const void *> scan_values_ = std::vector<const void *>(256);
    std::vector<size_t> scan_lengths_ = std::vector<size_t>(256);
};

}  // namespace

std::unique_ptr<Store> make_omendb_store() { return std::make_unique<OmenStore>(); }
bool omendb_compiled_in() { return true; }

}  // namespace bench

#else  // !OMENDB_HAVE_DATABASE

namespace bench {
std::unique_ptr<Store> make_omendb_store() { return nullptr; }
bool omendb_compiled_in() { return false; }
}  // namespace bench

#endif
