import Glibc

/// Layout constants of WAL files (docs/format.md, "Write-ahead log").
enum WALFormat {
    static let magic: UInt64 = 0x314C_4157_4E45_4D4F  // "OMENWAL1" little-endian
    /// Version 2 adds the range delete operation (kind 3), version 3 the operations in
    /// named tables (kinds 4-6); logs of versions 1 and 2 (whose operations are all in
    /// the default table) are still replayed.
    static let version: UInt32 = 3
    static let oldestReadableVersion: UInt32 = 1
    static let headerSize = 32
    /// crc (4) + body length (4); the body is seq (8) + op count (4) + operations.
    static let recordPrefix = 8
    static let bodyMinimum = 12
    /// Largest record body accepted (keeps lengths in 32 bits with room to spare).
    static let maximumBody = 1 << 31

    static func fileName(_ number: UInt64) -> String { "wal-\(paddedNumber(number)).log" }

    static func header(number: UInt64) -> [UInt8] {
        var writer = StorageByteWriter(capacity: headerSize)
        writer.append(magic)
        writer.append(version)
        writer.append(UInt32(0))
        writer.append(number)
        let crc = CRC32C.checksum(writer.bytes)
        writer.append(crc)
        writer.append(UInt32(0))
        return writer.bytes
    }
}

/// The largest file number a database directory may hold: file names have 12 digits.
/// (Recovery gives out numbers up to it; a database never gets near 10^12 files.)
let largestFileNumber: UInt64 = 999_999_999_999

/// A decimal file number zero-padded to 12 digits, so names sort by number.
func paddedNumber(_ number: UInt64) -> String {
    let digits = String(number)
    return String(repeating: "0", count: max(0, 12 - digits.count)) + digits
}

/// Appends checksummed batch records to one WAL file. Callers serialize appends.
final class WALWriter {
    let file: PosixFile
    let number: UInt64
    /// Bytes in the file that hold complete records (the next record goes here).
    private(set) var end: Int
    /// A failed append could not be cut back: the file may end in garbage.
    private(set) var damaged = false
    private var scratch: UnsafeMutableRawPointer
    private var scratchCapacity: Int

    /// Creates the WAL file `number` in `directory` atomically: its header is written and
    /// fsynced under a temporary name that is then renamed into place (and the directory
    /// fsynced), so a failure or crash never leaves a log without a durable header; a
    /// failure removes the temporary file.
    init(directory: String, number: UInt64) throws(OmenError) {
        let path = directory + "/" + WALFormat.fileName(number)
        file = try FileSystem.createAtomically(path, directory: directory, with: WALFormat.header(number: number))
        self.number = number
        end = WALFormat.headerSize
        scratchCapacity = 1 << 16
        scratch = .allocate(byteCount: scratchCapacity, alignment: 8)
    }

    /// Reopens the existing WAL `number`, which holds a durable, checked header and no
    /// record, for appending (an open without writes since the last one creates no file).
    init(reopening directory: String, number: UInt64) throws(OmenError) {
        file = try PosixFile.open(directory + "/" + WALFormat.fileName(number), O_WRONLY)
        self.number = number
        end = WALFormat.headerSize
        scratchCapacity = 1 << 16
        scratch = .allocate(byteCount: scratchCapacity, alignment: 8)
    }

    deinit { scratch.deallocate() }

    /// Appends one record holding `batch` with sequence number `sequence`; returns
    /// the number of bytes appended. On a failed write the file is cut back so that
    /// it still ends with a complete record.
    func append(sequence: UInt64, operations: UnsafeRawBufferPointer, count: Int) throws(OmenError) -> Int {
        let body = WALFormat.bodyMinimum + operations.count
        guard body <= WALFormat.maximumBody else {
            throw OmenError(.tooLarge, "a batch of \(operations.count) bytes exceeds the WAL record limit of \(WALFormat.maximumBody) bytes")
        }
        let total = WALFormat.recordPrefix + body
        if total > scratchCapacity {
            scratch.deallocate()
            scratchCapacity = max(total, scratchCapacity * 2)
            scratch = .allocate(byteCount: scratchCapacity, alignment: 8)
        }
        scratch.storeBytes(of: UInt32(body).littleEndian, toByteOffset: 4, as: UInt32.self)
        scratch.storeBytes(of: sequence.littleEndian, toByteOffset: 8, as: UInt64.self)
        scratch.storeBytes(of: UInt32(count).littleEndian, toByteOffset: 16, as: UInt32.self)
        if operations.count > 0 { (scratch + 20).copyMemory(from: operations.baseAddress!, byteCount: operations.count) }
        let crc = CRC32C.update(0, scratch + 4, total - 4)
        scratch.storeBytes(of: crc.littleEndian, toByteOffset: 0, as: UInt32.self)
        do throws(OmenError) {
            try file.write(scratch, total, at: end)
        } catch {
            do throws(OmenError) { try file.truncate(to: end) } catch { damaged = true }
            throw error
        }
        end += total
        return total
    }
}

/// What replaying one WAL file found.
struct WALReplayResult {
    /// Offset just past the last valid record.
    var validEnd: Int
    /// Size of the file (larger than `validEnd` when a tail was cut or must be).
    var fileSize: Int
    var lastSequence: UInt64
    var records: Int
    /// The header's format version (0 when the header is missing).
    var version: UInt32 = 0
}

enum WALReader {
    /// Replays the records of WAL file `path` in order, calling `body` with each
    /// record's sequence number, operation count and encoded operations.
    ///
    /// A record that is incomplete or fails its checksum ends the replay: with
    /// `tailMayBeTorn` (the newest WAL) it is reported through `validEnd` for the
    /// caller to cut; otherwise (an older WAL, fsynced before it was retired) it is
    /// corruption naming the file and offset.
    static func replay(path: String, expectedNumber: UInt64, tailMayBeTorn: Bool,
                       _ body: (UInt64, Int, UnsafeRawBufferPointer, Int) throws(OmenError) -> Void)
        throws(OmenError) -> WALReplayResult {
        let bytes = try FileSystem.readAll(path)
        return try withRawBytes(of: bytes) { (raw) throws(OmenError) -> WALReplayResult in
            try replay(raw, path: path, expectedNumber: expectedNumber, tailMayBeTorn: tailMayBeTorn, body)
        }
    }

    /// `replay(path:...)` over the file's bytes, already read.
    static func replay(_ raw: UnsafeRawBufferPointer, path: String, expectedNumber: UInt64, tailMayBeTorn: Bool,
                               _ body: (UInt64, Int, UnsafeRawBufferPointer, Int) throws(OmenError) -> Void)
        throws(OmenError) -> WALReplayResult {
        var result = WALReplayResult(validEnd: 0, fileSize: raw.count, lastSequence: 0, records: 0)
        if raw.count < WALFormat.headerSize {
            // A crash while creating the file (before its header was synced) leaves it short.
            if tailMayBeTorn { return result }
            throw OmenError(.corruption, "\(path): WAL header truncated (\(raw.count) bytes) at offset 0")
        }
        let base = raw.baseAddress!
        var header = StorageByteReader(base, count: WALFormat.headerSize, fileName: path)
        let magic = try header.read(UInt64.self)
        let version = try header.read(UInt32.self)
        _ = try header.read(UInt32.self)
        let number = try header.read(UInt64.self)
        let crc = try header.read(UInt32.self)
        let padding = try header.read(UInt32.self)
        guard magic == WALFormat.magic, crc == CRC32C.update(0, base, 24), padding == 0 else {
            throw OmenError(.corruption, "\(path): bad WAL header (magic or checksum) at offset 0")
        }
        guard version >= WALFormat.oldestReadableVersion && version <= WALFormat.version else {
            throw OmenError(.unsupported, "\(path): WAL format version \(version) is not supported (this build reads versions \(WALFormat.oldestReadableVersion)-\(WALFormat.version))")
        }
        result.version = version
        guard number == expectedNumber else {
            throw OmenError(.corruption, "\(path): header names WAL \(number), expected \(expectedNumber), at offset 16")
        }
        var offset = WALFormat.headerSize
        var previousSequence: UInt64 = 0
        while offset < raw.count {
            guard let record = validRecord(base, raw.count, offset) else {
                guard tailMayBeTorn, !validRecordFollows(base, raw.count, offset, after: previousSequence) else {
                    throw OmenError(.corruption, "\(path): invalid WAL record (torn or checksum mismatch) at offset \(offset)")
                }
                break
            }
            let sequence = (base + offset + 8).loadUnaligned(as: UInt64.self).littleEndian
            let count = Int((base + offset + 16).loadUnaligned(as: UInt32.self).littleEndian)
            guard sequence > previousSequence else {
                throw OmenError(.corruption, "\(path): sequence \(sequence) does not increase (previous \(previousSequence)) at offset \(offset)")
            }
            let operations = UnsafeRawBufferPointer(start: base + offset + 20, count: record - 20)
            try body(sequence, count, operations, offset + 20)
            previousSequence = sequence
            result.lastSequence = sequence
            result.records += 1
            offset += record
        }
        result.validEnd = offset
        return result
    }

    /// Whether any valid record (with a later sequence number) starts after the invalid
    /// one at `offset`: then the damage is not a torn tail (a crash only tears the end)
    /// but corruption inside the log. A linear scan with a cheap sequence filter.
    private static func validRecordFollows(_ base: UnsafeRawPointer, _ size: Int, _ offset: Int,
                                           after sequence: UInt64) -> Bool {
        let last = size - WALFormat.recordPrefix - WALFormat.bodyMinimum
        guard offset + 1 <= last else { return false }
        for candidate in (offset + 1)...last {
            let candidateSequence = (base + candidate + 8).loadUnaligned(as: UInt64.self).littleEndian
            guard candidateSequence > sequence && candidateSequence - sequence < 1 << 32 else { continue }
            if validRecord(base, size, candidate) != nil { return true }
        }
        return false
    }

    /// The total length of the record at `offset` when it is complete and its checksum holds.
    private static func validRecord(_ base: UnsafeRawPointer, _ size: Int, _ offset: Int) -> Int? {
        guard size - offset >= WALFormat.recordPrefix + WALFormat.bodyMinimum else { return nil }
        let crc = (base + offset).loadUnaligned(as: UInt32.self).littleEndian
        let body = Int((base + offset + 4).loadUnaligned(as: UInt32.self).littleEndian)
        guard body >= WALFormat.bodyMinimum, body <= size - offset - WALFormat.recordPrefix else { return nil }
        guard CRC32C.update(0, base + offset + 4, 4 + body) == crc else { return nil }
        return WALFormat.recordPrefix + body
    }
}
