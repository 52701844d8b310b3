/// Writes a `LearnedIndex`'s models in `IndexFormat`.
enum IndexSerializer {
    static func serialize(_ index: LearnedIndex) -> [UInt8] {
        let note = Array(index.note.utf8.prefix(IndexFormat.maximumNoteLength))
        var writer = ByteWriter(capacity: IndexFormat.headerSize + note.count + payloadSize(index.model) + 4)
        let configuration = index.configuration
        let keys = index.keys
        writer.raw(IndexFormat.magic)
        writer.u32(IndexFormat.version)
        writer.u32(UInt32(index.model.kind.rawValue))
        writer.u64(0)  // total length, patched below
        writer.u64(UInt64(keys.count))
        writer.i64(keys.first ?? 0)
        writer.i64(keys.last ?? 0)
        writer.u32(IndexFormat.keyFingerprint(keys))
        writer.u32(UInt32(configuration.kind.rawValue))
        writer.u32(UInt32(configuration.windowSearch.rawValue))
        writer.u32(UInt32(configuration.epsilon))
        writer.u32(UInt32(configuration.recursiveEpsilon))
        writer.u32(UInt32(configuration.rmiLeafCount))
        writer.u16(UInt16(note.count))
        writer.raw(note)
        writePayload(index.model, &writer)
        writer.patch(u64: UInt64(writer.bytes.count + IndexFormat.trailerSize), at: IndexFormat.lengthOffset)
        let crc = writer.bytes.withUnsafeBytes { CRC32C.checksum($0) }
        writer.u32(crc)
        return writer.bytes
    }

    /// The exact size `serialize` produces.
    static func serializedSize(_ index: LearnedIndex) -> Int {
        IndexFormat.headerSize + min(index.note.utf8.count, IndexFormat.maximumNoteLength)
            + payloadSize(index.model) + IndexFormat.trailerSize
    }

    private static func payloadSize(_ model: IndexModel) -> Int {
        switch model {
        case .linear: return IndexFormat.modelSize
        case .rmi(let rmi): return 40 + rmi.root.knots.count * 8 + rmi.leafCount * IndexFormat.modelSize
        case .pgm(let pgm): return 8 + pgm.levelCount * 8 + pgm.segmentCount * IndexFormat.modelSize
        case .alex(let alex): return ALEXModelCoding.payloadSize(alex)
        }
    }

    private static func writePayload(_ model: IndexModel, _ writer: inout ByteWriter) {
        switch model {
        case .linear(let linear):
            write(linear.model, &writer)
        case .rmi(let rmi):
            writer.i64(rmi.root.key)
            writer.f64(rmi.root.slope)
            writer.f64(rmi.root.intercept)
            writer.int(rmi.root.leafCount)
            writer.int(rmi.root.knots.count)
            for knot in rmi.root.knots { writer.i64(knot) }
            for (j, leaf) in rmi.leafModels.enumerated() { write(leaf, end: rmi.leafEnd(j), &writer) }
        case .pgm(let pgm):
            let levels = pgm.levels
            writer.int(levels.count)
            for level in levels { writer.int(level.count) }
            for level in levels { for segment in level { write(segment, &writer) } }
        case .alex(let alex):
            ALEXModelCoding.write(alex, &writer)
        }
    }

    /// An RMI leaf in the common model layout (its `Float` parameters widened exactly;
    /// an error sentinel is written as `UInt16.max`).
    private static func write(_ leaf: RMILeaf, end: Int, _ writer: inout ByteWriter) {
        writer.i64(leaf.key)
        writer.f64(Double(leaf.slope))
        writer.f64(Double(leaf.intercept))
        writer.int(leaf.start)
        writer.int(end)
        writer.int(Int(leaf.errorBelow))
        writer.int(Int(leaf.errorAbove))
    }

    private static func write(_ model: BoundedLinearModel, _ writer: inout ByteWriter) {
        writer.i64(model.key)
        writer.f64(model.slope)
        writer.f64(model.intercept)
        writer.int(model.start)
        writer.int(model.end)
        writer.int(model.errorBelow)
        writer.int(model.errorAbove)
    }
}
