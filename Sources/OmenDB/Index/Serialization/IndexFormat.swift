/// The versioned byte format of a learned index's models (docs/format.md,
/// "Learned index model format"). All integers little-endian.
///
/// ```
/// header   magic "OMDBLIDX" (8) | format version u32 | kind u32 | total length u64
///          key count u64 | first key i64 | last key i64 | key fingerprint u32
///          configured kind u32 | window search u32 | epsilon u32 | recursive epsilon u32
///          RMI leaf count u32 | note length u16 | note (UTF-8)
/// payload  linear: model
///          rmi:    root key i64 | root slope f64 | root intercept f64 | leaf count u64
///                  | knot count u64 (0: linear root) | knots i64 | leaf models
///                  (leaf slope and intercept are exact f32 values widened to f64, errors ≤ 65535,
///                  65535 meaning "the whole leaf"; see `RMILeaf`)
///          pgm:    level count u64 | segment count u64 per level | models, level 0 first
/// model    key i64 | slope f64 | intercept f64 | start u64 | end u64 | error below u64 | error above u64
/// trailer  CRC-32C of every preceding byte, u32
/// ```
enum IndexFormat {
    static let magic: [UInt8] = Array("OMDBLIDX".utf8)
    static let version: UInt32 = 2
    static let headerSize = 8 + 4 + 4 + 8 + 8 + 8 + 8 + 4 + 4 * 5 + 2
    static let modelSize = 56
    static let trailerSize = 4
    static let maximumNoteLength = 1024
    /// Offset of the total-length field.
    static let lengthOffset = 16
    /// How many evenly spaced keys the fingerprint covers.
    static let fingerprintSamples = 64

    /// CRC-32C of the keys at `fingerprintSamples` evenly spaced positions (all of them
    /// when there are fewer), first and last included: a cheap check that a loaded
    /// model is being paired with the key array it was built over.
    static func keyFingerprint(_ keys: UnsafeBufferPointer<Int64>) -> UInt32 {
        let n = keys.count
        guard n > 0 else { return 0 }
        let samples = min(n, fingerprintSamples)
        var crc: UInt32 = 0
        for s in 0..<samples {
            let position = samples == 1 ? 0 : Int((Double(s) / Double(samples - 1) * Double(n - 1)).rounded())
            var key = keys[min(position, n - 1)].littleEndian
            crc = withUnsafeBytes(of: &key) { CRC32C.checksum($0, seed: crc) }
        }
        return crc
    }
}
