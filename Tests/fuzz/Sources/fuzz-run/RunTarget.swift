import FuzzSupport
@testable import OmenDB

/// Fuzz target: opening a run file (`RunFile.init`: footer, layout, section CRCs,
/// columns, the stored model — PGM in versions 1–3, any array kind in `IndexFormat` in
/// version 4), then reading every entry, lookups of stored and absent keys (which check
/// version 4's column blocks on first touch), and `verify`. The descriptor the manifest would give is taken from the
/// file's own footer, so mutations are not all stopped by the manifest cross-check.
/// Input: flags (bit 0: repair the CRCs; bit 1: branchless window search), then the run file.
@main enum RunTarget {
    nonisolated(unsafe) static let scratch = ScratchDirectory()
    /// Where value bytes are folded, so that reading them is not optimized away.
    nonisolated(unsafe) static var sink: UInt8 = 0

    static func main() {
        runLibFuzzer { data, size in
            var input = FuzzInput(inputBytes(data, size))
            if input.repairsChecksums { ChecksumRepair.run(&input.body) }
            RunTarget.check(input.body, windowSearch: input.option(1) ? .branchless : .branchy)
            return 0
        }
    }

    static func descriptor(of bytes: [UInt8]) -> RunDescriptor {
        var descriptor = RunDescriptor(number: 1, count: 0, minimumKey: 0, maximumKey: 0, largestSequence: 0,
                                       fileSize: UInt64(bytes.count))
        guard bytes.count >= RunFormat.footerSize else { return descriptor }
        bytes.withUnsafeBytes { raw in
            let footer = raw.count - RunFormat.footerSize
            func field(_ i: Int) -> UInt64 { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: footer + 16 + 8 * i, as: UInt64.self)) }
            descriptor.count = field(0)
            descriptor.minimumKey = Int64(bitPattern: field(1))
            descriptor.maximumKey = Int64(bitPattern: field(2))
            descriptor.largestSequence = field(3)
        }
        return descriptor
    }

    static func check(_ bytes: [UInt8], windowSearch: WindowSearch) {
        scratch.reset([(RunFormat.fileName(1), bytes)])
        let run: RunFile
        do throws(OmenError) {
            run = try RunFile(directory: scratch.path, descriptor: descriptor(of: bytes), windowSearch: windowSearch)
        } catch {
            invariantRefusal(error, [.corruption, .unsupported])
            return
        }
        let count = run.count
        let heapEnd = run.heap + Int(run.footer.heapLength)
        for i in 0..<count {
            // A value whose heap block fails its checksum is refused; others read in bounds.
            let value: UnsafeRawBufferPointer
            do throws(OmenError) { value = try run.value(i) } catch {
                invariantRefusal(error, [.corruption])
                continue
            }
            if value.count > 0 {
                invariant(value.baseAddress! >= run.heap && value.baseAddress! + value.count <= heapEnd,
                          "value \(i) [\(value.count) bytes] lies outside the value heap")
                for byte in value { sink ^= byte }  // every byte is readable
            }
            _ = run.sequence(i)
            _ = run.isTombstone(i)
            let position = run.lowerBound(run.keys[i])
            invariant(position >= 0 && position <= count, "lowerBound(\(run.keys[i])) = \(position) outside 0...\(count)")
        }
        var probes: [Int64] = [.min, .max, 0, run.footer.minimumKey, run.footer.maximumKey,
                               run.footer.minimumKey &- 1, run.footer.maximumKey &+ 1]
        for i in stride(from: 0, to: count, by: max(1, count / 64)) { probes += [run.keys[i] &- 1, run.keys[i] &+ 1] }
        for key in probes {
            let position = run.lowerBound(key)
            invariant(position >= 0 && position <= count, "lowerBound(\(key)) = \(position) outside 0...\(count)")
            do throws(OmenError) {
                if let found = try run.position(of: key) {
                    invariant(found < count && run.keys[found] == key, "position(of: \(key)) = \(found) holds another key")
                }
            } catch {
                invariantRefusal(error, [.corruption])
            }
        }
        do throws(OmenError) {
            try run.verify()
        } catch {
            invariantRefusal(error, [.corruption])
            return
        }
        // A verified run answers every stored key exactly.
        for i in 0..<count {
            let key = run.keys[i]
            do throws(OmenError) {
                let found = try run.position(of: key)
                invariant(found == i, "verified run: position(of: \(key)) is not \(i)")
            } catch {
                invariant(false, "verified run: position(of: \(key)) threw \(error)")
            }
        }
    }
}
