import OmenDB

/// A whole dump parsed and checked: keys strictly increasing, values back to back.
/// Nothing is loaded from a dump that fails any check (`load`'s atomicity).
struct ParsedDump {
    var keys: [Int64] = []
    /// Value `i` is `values[offsets[i]..<offsets[i + 1]]`.
    var values: [UInt8] = []
    var offsets: [Int] = [0]

    /// Parses `bytes` (either format, told apart by the first bytes); `name` is named in errors.
    init(_ bytes: [UInt8], name: String) throws(CLIFailure) {
        if bytes.starts(with: DumpFormat.binaryMagic) {
            try parseBinary(bytes, name: name)
        } else if bytes.starts(with: Array("VERSION=".utf8)) {
            try parseText(bytes, name: name)
        } else {
            throw CLIFailure(.invalid, "\(name): not an omendb dump (no OMENDUMP magic or VERSION= line)")
        }
    }

    private mutating func add(_ key: Int64, name: String, at position: String) throws(CLIFailure) {
        if let last = keys.last, key <= last {
            throw CLIFailure(.corruption, "\(name): \(position): key \(key) does not follow \(last) (keys must be strictly increasing)")
        }
        keys.append(key)
    }

    private mutating func parseBinary(_ bytes: [UInt8], name: String) throws(CLIFailure) {
        func damaged(_ what: String, _ offset: Int) -> CLIFailure {
            CLIFailure(.corruption, "\(name): \(what) at byte offset \(offset)")
        }
        func load<T: FixedWidthInteger>(_ type: T.Type, _ offset: Int) -> T {
            bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
        }
        guard bytes.count >= 16 else { throw damaged("truncated header", bytes.count) }
        let version = load(UInt32.self, 8)
        guard version == DumpFormat.version else {
            throw CLIFailure(.invalid, "\(name): binary dump version \(version) is not supported (this tool reads version \(DumpFormat.version))")
        }
        guard load(UInt32.self, 12) == 0 else { throw damaged("unknown flags", 12) }
        var offset = 16
        while true {
            guard offset < bytes.count else { throw damaged("truncated (no end marker)", offset) }
            let tag = bytes[offset]
            if tag == 0 {
                guard bytes.count - offset >= 13 else { throw damaged("truncated end marker", offset) }
                let count = load(UInt64.self, offset + 1)
                guard count == UInt64(keys.count) else {
                    throw damaged("end marker counts \(count) entries but \(keys.count) were read", offset)
                }
                let stored = load(UInt32.self, offset + 9)
                let computed = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<(offset + 9)])) }
                guard stored == computed else {
                    throw damaged("checksum mismatch (stored \(stored), computed \(computed))", offset + 9)
                }
                guard bytes.count == offset + 13 else { throw damaged("unexpected bytes after the end marker", offset + 13) }
                return
            }
            guard tag == 1 else { throw damaged("unknown record tag \(tag)", offset) }
            guard bytes.count - offset >= 13 else { throw damaged("truncated record header", offset) }
            let key = Int64(bitPattern: load(UInt64.self, offset + 1))
            let length = Int(load(UInt32.self, offset + 9))
            guard bytes.count - offset - 13 >= length else { throw damaged("truncated value of \(length) bytes", offset) }
            try add(key, name: name, at: "byte offset \(offset)")
            values.append(contentsOf: bytes[(offset + 13)..<(offset + 13 + length)])
            offsets.append(values.count)
            offset += 13 + length
        }
    }

    private mutating func parseText(_ bytes: [UInt8], name: String) throws(CLIFailure) {
        let header = Array(DumpFormat.textHeader.utf8)
        guard bytes.starts(with: header) else {
            let firstLine = String(decoding: bytes.prefix { $0 != 0x0A }.prefix(40), as: UTF8.self)
            if firstLine != "VERSION=1" {
                throw CLIFailure(.invalid, "\(name): text dump '\(firstLine)' is not supported (this tool reads VERSION=1)")
            }
            throw CLIFailure(.corruption, "\(name): line 2-3: expected 'format=text' and 'HEADER=END'")
        }
        let end = Array(DumpFormat.textEnd.utf8)
        var start = header.count
        var lineNumber = 3
        while true {
            lineNumber += 1
            guard let newline = bytes[start...].firstIndex(of: 0x0A) else {
                throw CLIFailure(.corruption, "\(name): line \(lineNumber): truncated (no DATA=END line)")
            }
            let line = bytes[start..<newline]
            if line.starts(with: end) {
                let count = UInt64(String(decoding: line.dropFirst(end.count), as: UTF8.self))
                guard count == UInt64(keys.count) else {
                    throw CLIFailure(.corruption, "\(name): line \(lineNumber): DATA=END counts \(count.map(String.init) ?? "?") entries but \(keys.count) were read")
                }
                guard newline + 1 == bytes.count else {
                    throw CLIFailure(.corruption, "\(name): line \(lineNumber + 1): unexpected text after DATA=END")
                }
                return
            }
            guard let tab = line.firstIndex(of: 0x09),
                  let key = Int64(String(decoding: bytes[start..<tab], as: UTF8.self)) else {
                throw CLIFailure(.corruption, "\(name): line \(lineNumber): expected '<key>\\t<hex value>'")
            }
            try add(key, name: name, at: "line \(lineNumber)")
            let hex = bytes[(tab + 1)..<newline]
            guard hex.count % 2 == 0 else { throw CLIFailure(.corruption, "\(name): line \(lineNumber): odd number of hex digits") }
            var i = hex.startIndex
            while i < hex.endIndex {
                guard let high = hexValue(hex[i]), let low = hexValue(hex[i + 1]) else {
                    throw CLIFailure(.corruption, "\(name): line \(lineNumber): not a hex digit")
                }
                values.append(high << 4 | low)
                i += 2
            }
            offsets.append(values.count)
            start = newline + 1
        }
    }
}

private func hexValue(_ digit: UInt8) -> UInt8? {
    switch digit {
    case 0x30...0x39: return digit - 0x30
    case 0x61...0x66: return digit - 0x61 + 10
    case 0x41...0x46: return digit - 0x41 + 10
    default: return nil
    }
}
