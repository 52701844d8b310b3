@testable import OmenDB

/// Several database files in one fuzz input: per file, a kind byte (0 manifest, 1 WAL,
/// 2 run; others are skipped), a file number byte, a u16 length, then the bytes (cut
/// short at the end of the input).
public enum FileBundle {
    public enum Kind: UInt8 { case manifest = 0, wal = 1, run = 2 }

    public static func encode(_ files: [(Kind, UInt8, [UInt8])]) -> [UInt8] {
        var bytes: [UInt8] = []
        for (kind, number, content) in files {
            precondition(content.count <= Int(UInt16.max))
            bytes += [kind.rawValue, number, UInt8(content.count & 0xFF), UInt8(content.count >> 8)] + content
        }
        return bytes
    }

    /// The files as (name, bytes), with their checksums repaired when `repair`.
    public static func decode(_ bytes: [UInt8], repair: Bool) -> [(String, [UInt8])] {
        var files: [(String, [UInt8])] = []
        var offset = 0
        while bytes.count - offset >= 4 {
            let kind = Kind(rawValue: bytes[offset])
            let number = UInt64(bytes[offset + 1])
            let length = min(Int(bytes[offset + 2]) | Int(bytes[offset + 3]) << 8, bytes.count - offset - 4)
            var content = Array(bytes[(offset + 4)..<(offset + 4 + length)])
            offset += 4 + length
            switch kind {
            case .manifest:
                if repair { ChecksumRepair.manifest(&content) }
                files.append((Manifest.fileName, content))
            case .wal:
                if repair { ChecksumRepair.wal(&content) }
                files.append((WALFormat.fileName(number), content))
            case .run:
                if repair { ChecksumRepair.run(&content) }
                files.append((RunFormat.fileName(number), content))
            case nil:
                continue
            }
        }
        return files
    }
}
