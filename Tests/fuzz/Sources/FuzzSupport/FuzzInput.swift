/// A fuzz input: a flags byte, then the bytes under test (an engine file or buffer).
/// The committed corpora use this layout.
public struct FuzzInput {
    /// Bit 0: recompute the checksums (and length fields) of `body` before parsing, so
    /// that mutations reach the structural checks behind the CRCs (a crafted file
    /// passes its CRCs too). Other bits are target options.
    public let flags: UInt8
    public var body: [UInt8]

    public init(_ bytes: [UInt8]) {
        flags = bytes.first ?? 0
        body = Array(bytes.dropFirst())
    }

    public var repairsChecksums: Bool { flags & 1 != 0 }
    public func option(_ bit: Int) -> Bool { flags & (1 << bit) != 0 }

    /// The corpus file for `body` with `flags`.
    public static func encode(flags: UInt8, _ body: [UInt8]) -> [UInt8] { [flags] + body }
}
