/// Reads and validates `IndexFormat` bytes. Every failure is an `OmenError`:
/// `.corruption` for damaged bytes (bad magic, length, checksum or structure),
/// `.unsupported` for an intact buffer of an unknown format version or kind,
/// `.invalidArgument` when the models were built over a different key array.
///
/// The CRC catches accidental damage; the structural checks (every model inside the
/// array, levels contiguous, slopes finite and non-negative, each model's first key
/// equal to the key at its start) keep even a deliberately crafted buffer from
/// sending a lookup outside the key array.
enum IndexLoader {
    struct Loaded {
        var model: IndexModel
        var configuration: IndexConfiguration
        var note: String
    }

    /// `keysCheckedByCaller`: the caller guards the keys itself (a run file's key column has
    /// its own block checksums, and its `verify` looks every key up), so the checks that
    /// the key array — sortedness, each model's first key and the sampled fingerprint (64
    /// page faults on a freshly mapped column) — are skipped; the count and first/last key
    /// and every bound and structure check stay, so no model can send a lookup outside the array. `windowSearch`, when given,
    /// replaces the stored last-mile search (a run is searched as its database is configured).
    static func load(_ bytes: UnsafeRawBufferPointer, keys: UnsafeBufferPointer<Int64>,
                     keysCheckedByCaller: Bool = false, windowSearch: WindowSearch? = nil) throws(OmenError) -> Loaded {
        try checkEnvelope(bytes)
        var reader = ByteReader(UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count - IndexFormat.trailerSize)]))
        _ = try reader.bytes(IndexFormat.magic.count)
        let version = try reader.u32()
        guard version == IndexFormat.version else {
            throw OmenError(.unsupported, "serialized index has format version \(version); this build reads version \(IndexFormat.version)")
        }
        let kindValue = try reader.u32()
        guard let kind = IndexKind(rawValue: Int32(bitPattern: kindValue)), [.linear, .rmi, .pgm, .alex].contains(kind) else {
            throw OmenError(.unsupported, "serialized index has model kind \(kindValue), which this build cannot load")
        }
        _ = try reader.u64()  // total length, checked by checkEnvelope
        try checkKeys(&reader, keys, sampled: !keysCheckedByCaller)
        var configuration = try readConfiguration(&reader)
        if let windowSearch { configuration.windowSearch = windowSearch }
        let noteLength = Int(try reader.u16())
        guard noteLength <= IndexFormat.maximumNoteLength else { throw corrupt("note length \(noteLength)") }
        let note = String(decoding: try reader.bytes(noteLength), as: UTF8.self)
        let base = keys.baseAddress ?? UnsafePointer(KeyStorage.empty)
        let model = try readModel(kind, &reader, base, keys.count, configuration, anchors: !keysCheckedByCaller)
        guard reader.remaining == 0 else { throw corrupt("\(reader.remaining) unexpected bytes after the models") }
        return Loaded(model: model, configuration: configuration, note: note)
    }

    private static func corrupt(_ what: String) -> OmenError {
        OmenError(.corruption, "serialized index: \(what)")
    }

    /// Magic, total length and checksum.
    private static func checkEnvelope(_ bytes: UnsafeRawBufferPointer) throws(OmenError) {
        let minimum = IndexFormat.headerSize + IndexFormat.trailerSize
        guard bytes.count >= minimum, let base = bytes.baseAddress else {
            throw OmenError(.corruption, "serialized index is \(bytes.count) bytes, shorter than the \(minimum)-byte minimum")
        }
        guard IndexFormat.magic.indices.allSatisfy({ bytes[$0] == IndexFormat.magic[$0] }) else {
            throw OmenError(.corruption, "serialized index does not start with the OMDBLIDX magic")
        }
        let length = UInt64(littleEndian: (base + IndexFormat.lengthOffset).loadUnaligned(as: UInt64.self))
        guard length == UInt64(bytes.count) else {
            throw OmenError(.corruption, "serialized index says it is \(length) bytes but \(bytes.count) were given (truncated or damaged)")
        }
        let body = UnsafeRawBufferPointer(start: base, count: bytes.count - IndexFormat.trailerSize)
        let stored = UInt32(littleEndian: (base + body.count).loadUnaligned(as: UInt32.self))
        let computed = CRC32C.checksum(body)
        guard stored == computed else {
            throw OmenError(.corruption, "serialized index checksum mismatch (stored \(stored), computed \(computed))")
        }
    }

    /// Count, first and last key, fingerprint, and sortedness of the caller's keys.
    private static func checkKeys(_ reader: inout ByteReader, _ keys: UnsafeBufferPointer<Int64>,
                                  sampled: Bool) throws(OmenError) {
        let count = try reader.u64()
        let first = try reader.i64(), last = try reader.i64()
        let fingerprint = try reader.u32()
        func mismatch(_ what: String) -> OmenError {
            OmenError(.invalidArgument, "the serialized index was built over different keys: \(what)")
        }
        guard count == UInt64(keys.count) else { throw mismatch("\(count) keys, but \(keys.count) were given") }
        if keys.count > 0 {
            guard first == keys[0], last == keys[keys.count - 1] else {
                throw mismatch("first/last key \(first)/\(last), given \(keys[0])/\(keys[keys.count - 1])")
            }
        }
        guard sampled else { return }
        guard fingerprint == IndexFormat.keyFingerprint(keys) else { throw mismatch("the sampled-key fingerprint differs") }
        try KeyValidation.requireSorted(keys)
    }

    private static func readConfiguration(_ reader: inout ByteReader) throws(OmenError) -> IndexConfiguration {
        var configuration = IndexConfiguration()
        guard let kind = IndexKind(rawValue: Int32(bitPattern: try reader.u32())),
              let search = WindowSearch(rawValue: Int32(bitPattern: try reader.u32())) else {
            throw corrupt("unknown configured kind or window search")
        }
        configuration.kind = kind
        configuration.windowSearch = search
        configuration.epsilon = Int(try reader.u32())
        configuration.recursiveEpsilon = Int(try reader.u32())
        configuration.rmiLeafCount = Int(try reader.u32())
        do throws(OmenError) {
            return try configuration.validated()
        } catch {
            throw corrupt("configuration: \(error.message)")
        }
    }

    private static func readModel(_ kind: IndexKind, _ reader: inout ByteReader, _ keys: UnsafePointer<Int64>,
                                  _ count: Int, _ configuration: IndexConfiguration, anchors: Bool) throws(OmenError) -> IndexModel {
        let search = configuration.windowSearch
        switch kind {
        case .linear:
            let model = try readModels(&reader, 1, over: keys, count: count, allowEmpty: true, anchors: anchors)[0]
            return .linear(LinearIndex(keys: keys, count: count, windowSearch: search, model: model))
        case .rmi:
            return .rmi(try readRMI(&reader, keys, count, search, anchors: anchors))
        case .alex:
            return .alex(try ALEXModelCoding.read(&reader, keys: keys, count: count))
        default:
            let levelCount = try reader.count(atMost: 64, "PGM level count")
            guard (levelCount == 0) == (count == 0) else { throw corrupt("PGM level count \(levelCount) for \(count) keys") }
            var sizes: [Int] = []
            for _ in 0..<levelCount {
                sizes.append(try reader.count(atMost: reader.remaining / IndexFormat.modelSize, "PGM level size"))
            }
            var levels: [[BoundedLinearModel]] = []
            for size in sizes {
                guard size >= 1 else { throw corrupt("empty PGM level") }
                let level: [BoundedLinearModel]
                if let below = levels.last {
                    let targets = below.map(\.key)
                    var levelReader = reader
                    level = try targets.withUnsafeBufferPointer { t in
                        Result { () throws(OmenError) in
                            try readModels(&levelReader, size, over: t.baseAddress!, count: t.count, allowEmpty: false)
                        }
                    }.get()
                    reader = levelReader
                } else {
                    level = try readModels(&reader, size, over: keys, count: count, allowEmpty: false, anchors: anchors)
                }
                levels.append(level)
            }
            guard sizes.last.map({ $0 == 1 }) ?? true else { throw corrupt("PGM root level has \(sizes.last!) segments") }
            return .pgm(PGMIndex(keys: keys, count: count, epsilon: configuration.epsilon,
                                 recursiveEpsilon: configuration.recursiveEpsilon, windowSearch: search,
                                 levels: levels))
        }
    }

    /// Root (linear part, knots), then the leaves.
    private static func readRMI(_ reader: inout ByteReader, _ keys: UnsafePointer<Int64>, _ count: Int,
                                _ search: WindowSearch, anchors: Bool) throws(OmenError) -> RMIIndex {
        let rootKey = try reader.i64(), slope = try reader.f64(), intercept = try reader.f64()
        let leafCount = try reader.count(atMost: reader.remaining / IndexFormat.modelSize, "RMI leaf count")
        let knotCount = try reader.count(atMost: min(RMIRoot.maximumKnotIntervals + 1, reader.remaining / 8), "RMI knot count")
        guard leafCount >= 1, slope.isFinite, slope >= 0, intercept.isFinite, knotCount != 1,
              knotCount == 0 || leafCount % (knotCount - 1) == 0 else { throw corrupt("RMI root") }
        var knots: [Int64] = []
        for _ in 0..<knotCount { knots.append(try reader.i64()) }
        for i in knots.indices.dropFirst() where knots[i - 1] > knots[i] { throw corrupt("RMI knots out of order") }
        let leaves = try readModels(&reader, leafCount, over: keys, count: count, allowEmpty: true, anchors: anchors,
                                    errorLimit: Int(RMILeaf.wideError)).map(rmiLeaf)
        var storage: UnsafeMutableBufferPointer<Int64>?
        var knotBuffer = UnsafeBufferPointer<Int64>(start: nil, count: 0)
        if knotCount > 0 {
            let buffer = UnsafeMutableBufferPointer<Int64>.allocate(capacity: knotCount)
            _ = buffer.initialize(from: knots)
            storage = buffer
            knotBuffer = UnsafeBufferPointer(buffer)
        }
        let root = RMIRoot(key: rootKey, slope: slope, intercept: intercept, leafCount: leafCount, knots: knotBuffer)
        return RMIIndex(keys: keys, count: count, windowSearch: search, root: root, leaves: leaves, knotStorage: storage)
    }

    /// An RMI leaf from its common-layout model: parameters must be exact `Float`s
    /// (as written), errors fit the 16-bit fields (`UInt16.max` is the whole-leaf sentinel).
    private static func rmiLeaf(_ model: BoundedLinearModel) throws(OmenError) -> RMILeaf {
        let slope = Float(model.slope), intercept = Float(model.intercept)
        guard Double(slope) == model.slope, Double(intercept) == model.intercept,
              model.errorBelow <= Int(RMILeaf.wideError), model.errorAbove <= Int(RMILeaf.wideError) else {
            throw corrupt("RMI leaf at position \(model.start) has parameters or errors out of range")
        }
        let width = model.end - model.start
        return RMILeaf(key: model.key, start: model.start, slope: slope, intercept: intercept,
                       width: width < Int(RMILeaf.wideLeaf) ? UInt32(width) : RMILeaf.wideLeaf,
                       errorBelow: UInt16(model.errorBelow), errorAbove: UInt16(model.errorAbove))
    }

    /// `modelCount` models that tile `0..<count` in order, each anchored at its first target
    /// (checked when `anchors`).
    /// `errorLimit`: the largest error bound a model may state (default `count`: a
    /// `BoundedLinearModel` clamps its prediction to its positions; an RMI leaf does not,
    /// so its bounds may exceed the key count, up to its whole-leaf sentinel).
    private static func readModels(_ reader: inout ByteReader, _ modelCount: Int, over targets: UnsafePointer<Int64>,
                                   count: Int, allowEmpty: Bool, anchors: Bool = true,
                                   errorLimit: Int? = nil) throws(OmenError) -> [BoundedLinearModel] {
        guard modelCount <= reader.remaining / IndexFormat.modelSize else { throw corrupt("model count \(modelCount)") }
        var models: [BoundedLinearModel] = []
        models.reserveCapacity(modelCount)
        var expectedStart = 0
        for m in 0..<modelCount {
            let key = try reader.i64(), slope = try reader.f64(), intercept = try reader.f64()
            let start = try reader.count(atMost: count, "model start")
            let end = try reader.count(atMost: count, "model end")
            let below = try reader.count(atMost: errorLimit ?? count, "error below")
            let above = try reader.count(atMost: errorLimit ?? count, "error above")
            guard start == expectedStart, end >= start, allowEmpty || end > start,
                  slope.isFinite, slope >= 0, intercept.isFinite else {
                throw corrupt("model \(m) (positions \(start)..<\(end), slope \(slope))")
            }
            guard !anchors || end == start || targets[start] == key else { throw corrupt("model \(m) key does not match its first key") }
            var model = BoundedLinearModel(key: key, slope: slope, intercept: intercept, start: start, end: end)
            model.errorBelow = below
            model.errorAbove = above
            models.append(model)
            expectedStart = end
        }
        guard expectedStart == count else { throw corrupt("models cover \(expectedStart) of \(count) positions") }
        return models
    }
}
