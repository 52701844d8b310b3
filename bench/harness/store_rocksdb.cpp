// RocksDB through its C API (rocksdb/c.h). Keys are 8 big-endian bytes with the
// sign bit flipped (byte order == Int64 order). Block-based table with a full
// bloom filter of 10 bits per key, an LRU block cache sized to the data, all
// other options at their defaults (so Snappy compression where the library has
// it, 64 MB memtables, 2 background jobs). Writes keep the WAL with sync off.
// Bulk load writes one SST file with SstFileWriter and ingests it.
//
// The row is labelled "rocksdb-debian": Debian builds librocksdb without
// -DNDEBUG, so its assertions are live (see bench/README.md).
#include "store.hpp"
#include "common.hpp"
#include "rocksdb_tuning.hpp"

#include <rocksdb/version.h>

#include <thread>

namespace bench {
namespace {

class RocksStore final : public Store {
public:
    ~RocksStore() override { close(); }

    std::string name() const override { return "rocksdb-debian"; }
    std::string version() const override {
        return std::to_string(ROCKSDB_MAJOR) + "." + std::to_string(ROCKSDB_MINOR) + "." +
               std::to_string(ROCKSDB_PATCH);
    }

    void open(const std::string &dir, const Sizing &sizing) override {
        dir_ = dir;
        tuning_ = std::make_unique<RocksTuning>(sizing);
        write_ = rocksdb_writeoptions_create();
        rocksdb_writeoptions_set_sync(write_, 0);
        read_ = rocksdb_readoptions_create();
        char *err = nullptr;
        db_ = rocksdb_open(tuning_->options(), dir.c_str(), &err);
        check(err, "open");
    }

    void close() override {
        if (db_) { rocksdb_close(db_); db_ = nullptr; }
        if (read_) { rocksdb_readoptions_destroy(read_); read_ = nullptr; }
        if (write_) { rocksdb_writeoptions_destroy(write_); write_ = nullptr; }
        tuning_.reset();
    }

    void bulk_load(const int64_t *keys, const uint8_t *values, size_t count,
                   size_t value_size) override {
        rocksdb_envoptions_t *env = rocksdb_envoptions_create();
        rocksdb_sstfilewriter_t *writer = rocksdb_sstfilewriter_create(env, tuning_->options());
        std::string file = dir_ + "/bulk.sst";
        char *err = nullptr;
        rocksdb_sstfilewriter_open(writer, file.c_str(), &err);
        check(err, "sstfilewriter_open");
        char key[8];
        for (size_t i = 0; i < count; ++i) {
            encode_key_be(keys[i], key);
            rocksdb_sstfilewriter_put(writer, key, 8,
                                      reinterpret_cast<const char *>(values + i * value_size),
                                      value_size, &err);
            check(err, "sstfilewriter_put");
        }
        rocksdb_sstfilewriter_finish(writer, &err);
        check(err, "sstfilewriter_finish");
        rocksdb_sstfilewriter_destroy(writer);
        rocksdb_envoptions_destroy(env);
        rocksdb_ingestexternalfileoptions_t *ingest = rocksdb_ingestexternalfileoptions_create();
        rocksdb_ingestexternalfileoptions_set_move_files(ingest, 1);
        const char *files[] = {file.c_str()};
        rocksdb_ingest_external_file(db_, files, 1, ingest, &err);
        rocksdb_ingestexternalfileoptions_destroy(ingest);
        check(err, "ingest_external_file");
    }

    void put_batch(const int64_t *keys, const uint8_t *values, size_t count,
                   size_t value_size) override {
        rocksdb_writebatch_t *batch = rocksdb_writebatch_create();
        char key[8];
        for (size_t i = 0; i < count; ++i) {
            encode_key_be(keys[i], key);
            rocksdb_writebatch_put(batch, key, 8,
                                   reinterpret_cast<const char *>(values + i * value_size),
                                   value_size);
        }
        commit(batch);
    }

    void delete_batch(const int64_t *keys, size_t count) override {
        rocksdb_writebatch_t *batch = rocksdb_writebatch_create();
        char key[8];
        for (size_t i = 0; i < count; ++i) {
            encode_key_be(keys[i], key);
            rocksdb_writebatch_delete(batch, key, 8);
        }
        commit(batch);
    }

    bool get(int64_t key, uint8_t *buffer, size_t capacity, size_t *length) override {
        char k[8];
        encode_key_be(key, k);
        char *err = nullptr;
        rocksdb_pinnableslice_t *slice = rocksdb_get_pinned(db_, read_, k, 8, &err);
        check(err, "get_pinned");
        if (!slice) return false;
        size_t n;
        const char *v = rocksdb_pinnableslice_value(slice, &n);
        *length = n;
        std::memcpy(buffer, v, n < capacity ? n : capacity);
        rocksdb_pinnableslice_destroy(slice);
        return true;
    }

    size_t scan(int64_t start, size_t count, uint64_t *checksum) override {
        rocksdb_iterator_t *it = rocksdb_create_iterator(db_, read_);
        char k[8];
        encode_key_be(start, k);
        size_t seen = 0;
        for (rocksdb_iter_seek(it, k, 8); seen < count && rocksdb_iter_valid(it);
             rocksdb_iter_next(it)) {
            size_t klen, vlen;
            const char *key = rocksdb_iter_key(it, &klen);
            const char *value = rocksdb_iter_value(it, &vlen);
            *checksum += uint64_t(decode_key_be(key)) + uint8_t(value[0]);
            ++seen;
        }
        char *err = nullptr;
        rocksdb_iter_get_error(it, &err);
        rocksdb_iter_destroy(it);
        check(err, "iterator");
        return seen;
    }

    void settle() override {
        rocksdb_flushoptions_t *flush = rocksdb_flushoptions_create();
        rocksdb_flushoptions_set_wait(flush, 1);
        char *err = nullptr;
        rocksdb_flush(db_, flush, &err);
        rocksdb_flushoptions_destroy(flush);
        check(err, "flush");
        for (;;) {
            uint64_t pending = 0, compactions = 0, flushes = 0;
            rocksdb_property_int(db_, "rocksdb.compaction-pending", &pending);
            rocksdb_property_int(db_, "rocksdb.num-running-compactions", &compactions);
            rocksdb_property_int(db_, "rocksdb.num-running-flushes", &flushes);
            if (pending == 0 && compactions == 0 && flushes == 0) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }

private:
    void commit(rocksdb_writebatch_t *batch) {
        char *err = nullptr;
        rocksdb_write(db_, write_, batch, &err);
        rocksdb_writebatch_destroy(batch);
        check(err, "write");
    }
    static void check(char *err, const char *what) { rocks_check(err, what); }

    std::string dir_;
    rocksdb_t *db_ = nullptr;
    std::unique_ptr<RocksTuning> tuning_;
    rocksdb_writeoptions_t *write_ = nullptr;
    rocksdb_readoptions_t *read_ = nullptr;
};

}  // namespace

std::unique_ptr<Store> make_rocksdb_store() { return std::make_unique<RocksStore>(); }

}  // namespace bench
