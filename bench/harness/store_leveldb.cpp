// LevelDB through its C API (leveldb/c.h). Keys are 8 big-endian bytes with the
// sign bit flipped. Bloom filter of 10 bits per key, LRU cache sized to the
// data, other options at their defaults (Snappy compression where available,
// 4 MB write buffer). Writes keep the log with sync off. LevelDB has no bulk
// path: bulk load writes sorted batches of 1000 and then compacts the whole key
// range (the only way LevelDB offers to push the memtable into table files);
// the compaction is part of the timed bulk load.
//
// Linked against Debian's libleveldb the row is labelled "leveldb-debian":
// Debian builds it without -DNDEBUG, so its assertions are live. bench/setup.sh
// also builds a release copy from Debian's source package (bench/.cache); the
// harness linked against that one (BENCH_LEVELDB_RELEASE) reports "leveldb".
#include "store.hpp"
#include "common.hpp"

#include <leveldb/c.h>

namespace bench {
namespace {

class LevelStore final : public Store {
public:
    ~LevelStore() override { close(); }

    std::string name() const override {
#ifdef BENCH_LEVELDB_RELEASE
        return "leveldb";  // release build (-O3 -DNDEBUG) of Debian's source package
#else
        return "leveldb-debian";
#endif
    }
    std::string version() const override {
        return std::to_string(leveldb_major_version()) + "." +
               std::to_string(leveldb_minor_version());
    }

    void open(const std::string &dir, const Sizing &sizing) override {
        options_ = leveldb_options_create();
        leveldb_options_set_create_if_missing(options_, 1);
        filter_ = leveldb_filterpolicy_create_bloom(10);
        leveldb_options_set_filter_policy(options_, filter_);
        cache_ = leveldb_cache_create_lru(size_t(sizing.payload_bytes() * 3 / 2 + (32u << 20)));
        leveldb_options_set_cache(options_, cache_);
        write_ = leveldb_writeoptions_create();
        leveldb_writeoptions_set_sync(write_, 0);
        read_ = leveldb_readoptions_create();
        char *err = nullptr;
        db_ = leveldb_open(options_, dir.c_str(), &err);
        check(err, "open");
    }

    void close() override {
        if (db_) { leveldb_close(db_); db_ = nullptr; }
        if (read_) { leveldb_readoptions_destroy(read_); read_ = nullptr; }
        if (write_) { leveldb_writeoptions_destroy(write_); write_ = nullptr; }
        if (options_) { leveldb_options_destroy(options_); options_ = nullptr; }
        if (cache_) { leveldb_cache_destroy(cache_); cache_ = nullptr; }
        if (filter_) { leveldb_filterpolicy_destroy(filter_); filter_ = nullptr; }
    }

    void bulk_load(const int64_t *keys, const uint8_t *values, size_t count,
                   size_t value_size) override {
        for (size_t i = 0; i < count; i += 1000) {
            size_t m = count - i < 1000 ? count - i : 1000;
            put_batch(keys + i, values + i * value_size, m, value_size);
        }
        settle();
    }

    void put_batch(const int64_t *keys, const uint8_t *values, size_t count,
                   size_t value_size) override {
        leveldb_writebatch_t *batch = leveldb_writebatch_create();
        char key[8];
        for (size_t i = 0; i < count; ++i) {
            encode_key_be(keys[i], key);
            leveldb_writebatch_put(batch, key, 8,
                                   reinterpret_cast<const char *>(values + i * value_size),
                                   value_size);
        }
        commit(batch);
    }

    void delete_batch(const int64_t *keys, size_t count) override {
        leveldb_writebatch_t *batch = leveldb_writebatch_create();
        char key[8];
        for (size_t i = 0; i < count; ++i) {
            encode_key_be(keys[i], key);
            leveldb_writebatch_delete(batch, key, 8);
        }
        commit(batch);
    }

    bool get(int64_t key, uint8_t *buffer, size_t capacity, size_t *length) override {
        char k[8];
        encode_key_be(key, k);
        char *err = nullptr;
        size_t n = 0;
        char *v = leveldb_get(db_, read_, k, 8, &n, &err);  // malloc'd copy: the only C read path
        check(err, "get");
        if (!v) return false;
        *length = n;
        std::memcpy(buffer, v, n < capacity ? n : capacity);
        leveldb_free(v);
        return true;
    }

    size_t scan(int64_t start, size_t count, uint64_t *checksum) override {
        leveldb_iterator_t *it = leveldb_create_iterator(db_, read_);
        char k[8];
        encode_key_be(start, k);
        size_t seen = 0;
        for (leveldb_iter_seek(it, k, 8); seen < count && leveldb_iter_valid(it);
             leveldb_iter_next(it)) {
            size_t klen, vlen;
            const char *key = leveldb_iter_key(it, &klen);
            const char *value = leveldb_iter_value(it, &vlen);
            *checksum += uint64_t(decode_key_be(key)) + uint8_t(value[0]);
            ++seen;
        }
        char *err = nullptr;
        leveldb_iter_get_error(it, &err);
        leveldb_iter_destroy(it);
        check(err, "iterator");
        return seen;
    }

    /// LevelDB cannot report pending compactions; a full-range compaction is the
    /// only way to reach a settled tree.
    void settle() override { leveldb_compact_range(db_, nullptr, 0, nullptr, 0); }

private:
    void commit(leveldb_writebatch_t *batch) {
        char *err = nullptr;
        leveldb_write(db_, write_, batch, &err);
        leveldb_writebatch_destroy(batch);
        check(err, "write");
    }
    static void check(char *err, const char *what) {
        if (!err) return;
        std::string msg = std::string("leveldb ") + what + ": " + err;
        leveldb_free(err);
        throw BenchError(msg);
    }

    leveldb_t *db_ = nullptr;
    leveldb_options_t *options_ = nullptr;
    leveldb_filterpolicy_t *filter_ = nullptr;
    leveldb_cache_t *cache_ = nullptr;
    leveldb_writeoptions_t *write_ = nullptr;
    leveldb_readoptions_t *read_ = nullptr;
};

}  // namespace

std::unique_ptr<Store> make_leveldb_store() { return std::make_unique<LevelStore>(); }

}  // namespace bench
