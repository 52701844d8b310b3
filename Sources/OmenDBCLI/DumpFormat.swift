import ArgumentParser
import OmenDB

/// The dump stream formats (docs/cli.md describes them byte by byte).
///
/// Text: the lines `VERSION=1`, `format=text`, `HEADER=END`, then one line per entry,
/// `<decimal key>\t<lowercase hex value>`, keys strictly increasing, then
/// `DATA=END count=<entries>`. Every line ends with `\n`.
///
/// Binary (little-endian): the 8 bytes `OMENDUMP`, u32 version 1, u32 flags 0; per
/// entry the byte 0x01, i64 key, u32 value length, the value; then the byte 0x00, u64
/// entry count and u32 CRC-32C of every byte before it.
enum DumpFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case binary

    static let binaryMagic: [UInt8] = Array("OMENDUMP".utf8)
    static let version: UInt32 = 1
    static let textHeader = "VERSION=1\nformat=text\nHEADER=END\n"
    static let textEnd = "DATA=END count="
}

/// Writes entries in one format; `finish` writes the end marker (and checksum).
final class DumpWriter {
    private let output: OutputStream
    private let format: DumpFormat
    private var crc: UInt32 = 0
    private(set) var count: UInt64 = 0
    private var line: [UInt8] = []
    private static let hexDigits = Array("0123456789abcdef".utf8)

    init(_ output: OutputStream, format: DumpFormat) throws(CLIFailure) {
        self.output = output
        self.format = format
        switch format {
        case .text: try output.write(DumpFormat.textHeader)
        case .binary:
            var header = DumpFormat.binaryMagic
            appendLittleEndian(&header, DumpFormat.version)
            appendLittleEndian(&header, UInt32(0))
            try emit(header)
        }
    }

    func append(_ key: Int64, _ value: UnsafeRawBufferPointer) throws(CLIFailure) {
        count += 1
        line.removeAll(keepingCapacity: true)
        switch format {
        case .text:
            line.append(contentsOf: String(key).utf8)
            line.append(0x09)
            for byte in value {
                line.append(Self.hexDigits[Int(byte >> 4)])
                line.append(Self.hexDigits[Int(byte & 15)])
            }
            line.append(0x0A)
            try output.write(line)
        case .binary:
            line.append(1)
            appendLittleEndian(&line, UInt64(bitPattern: key))
            appendLittleEndian(&line, UInt32(value.count))
            try emit(line)
            crc = CRC32C.checksum(value, seed: crc)
            try output.write(value)
        }
    }

    func finish() throws(CLIFailure) {
        switch format {
        case .text: try output.write("\(DumpFormat.textEnd)\(count)\n")
        case .binary:
            var end: [UInt8] = [0]
            appendLittleEndian(&end, count)
            try emit(end)
            var trailer: [UInt8] = []
            appendLittleEndian(&trailer, crc)
            try output.write(trailer)
        }
        try output.finish()
    }

    /// Writes bytes covered by the binary checksum.
    private func emit(_ bytes: [UInt8]) throws(CLIFailure) {
        crc = CRC32C.checksum(bytes, seed: crc)
        try output.write(bytes)
    }
}

func appendLittleEndian<T: FixedWidthInteger>(_ bytes: inout [UInt8], _ value: T) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
}
