/// What an index costs and how it is shaped.
public struct IndexStatistics: Sendable, Equatable {
    /// The kind actually built (never `.auto`).
    public var kind: IndexKind
    public var keyCount: Int
    /// Number of linear models (PGM segments, RMI models, ALEX nodes).
    public var modelCount: Int
    /// Number of levels (1 for a single model).
    public var levelCount: Int
    /// The largest error window half-width of any model that predicts data positions.
    public var maximumError: Int
    /// Bytes of index structure, excluding the key array itself.
    public var sizeInBytes: Int
    /// Why this kind was chosen (for `.auto`), or a short description.
    public var note: String

    public var bytesPerKey: Double { keyCount == 0 ? 0 : Double(sizeInBytes) / Double(keyCount) }
}
