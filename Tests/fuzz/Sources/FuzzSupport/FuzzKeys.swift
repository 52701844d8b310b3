/// Sorted key arrays described by 4 bytes, so that a fuzz input can name the keys a
/// serialized index is loaded over (the seed corpus is built over the same arrays):
/// count (u16, at most `maximumCount`), shape, seed.
public enum FuzzKeys {
    public static let descriptorSize = 4
    public static let maximumCount = 4096

    public enum Shape: UInt8, CaseIterable {
        case dense, strided, uniform, clustered, duplicates, extremes
    }

    public static func descriptor(count: Int, shape: Shape, seed: UInt8) -> [UInt8] {
        [UInt8(count & 0xFF), UInt8(count >> 8), shape.rawValue, seed]
    }

    /// The keys a descriptor names (the first 4 bytes of `bytes`; missing bytes are 0).
    public static func keys(_ bytes: ArraySlice<UInt8>) -> [Int64] {
        let d = Array(bytes.prefix(descriptorSize)) + [UInt8](repeating: 0, count: max(0, descriptorSize - bytes.count))
        let count = (Int(d[0]) | Int(d[1]) << 8) % (maximumCount + 1)
        let shape = Shape(rawValue: d[2] % UInt8(Shape.allCases.count))!
        var state = UInt64(d[3]) &+ 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {  // SplitMix64
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        var keys: [Int64]
        switch shape {
        case .dense: keys = (0..<count).map { Int64($0) - 17 }
        case .strided: keys = (0..<count).map { Int64($0) * 1_000_003 }
        case .uniform: keys = (0..<count).map { _ in Int64(bitPattern: next()) }
        case .clustered: keys = (0..<count).map { _ in Int64(next() % 64) << 40 + Int64(next() % 4096) }
        case .duplicates: keys = (0..<count).map { _ in Int64(next() % UInt64(max(1, count / 4))) }
        case .extremes: keys = (0..<count).map { i in i % 2 == 0 ? Int64.min + Int64(i) : Int64.max - Int64(i) }
        }
        keys.sort()
        return keys
    }
}
