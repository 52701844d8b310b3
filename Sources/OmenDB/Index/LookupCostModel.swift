import Glibc

/// A fixed model of what one lookup costs on a built index, used by `.auto` to pick a
/// kind without timing anything (so the choice is the same on every run).
///
/// estimate = Σ over the index structures a lookup touches of `accessCost(structure
/// size)` + the kind's arithmetic + the data-window search: the key array's access,
/// `lineCost` per further cache line of the window (every line is prefetched, which
/// costs bandwidth) and `probeCost` per binary-search probe (`log2(width + 1)`);
/// windows wider than `WindowSearchKernels.prefetchLineLimit` lines prefetch only the
/// first probe levels, and every further level is a dependent access to the array.
///
/// The constants are fitted to this codebase's measurements (bench/index on a 2-core
/// x86-64 with 512 KiB L2 per core and a 32 MiB L3 shared with other machines' jobs,
/// docs/performance.md "Learned indexes"); only their order matters to the choice.
enum LookupCostModel {
    struct Estimate {
        var nanoseconds: Double
        /// Index-structure accesses (ns), mean data-window width (keys), window search (ns).
        var structure: Double
        var windowWidth: Double
        var window: Double

        /// "ns/wWIDTH": the estimate and the mean window width in keys.
        var summary: String { "\(Int(nanoseconds.rounded()))/w\(Int(windowWidth.rounded()))" }
    }

    /// A further prefetched line of a window (bandwidth: the lines load in parallel).
    static let lineCost = 0.5
    /// A binary-search probe in lines already loaded (a compare and, half the time, a
    /// mispredicted branch).
    static let probeCost = 2.5
    /// Routing through an RMI's spline root: the knot table, a search among its knots.
    static let splineRootCost = 30.0

    /// (structure size, cost in ns of one access to a random line of it): L1, L2, this
    /// process's share of the shared L3, then DRAM with a TLB miss. Interpolated in
    /// log2(size) between the points.
    static let accessCostPoints: [(bytes: Double, ns: Double)] = [
        (32 * 1024, 1), (256 * 1024, 5), (1024 * 1024, 40), (4 * 1024 * 1024, 80), (16 * 1024 * 1024, 100),
        (64 * 1024 * 1024, 110),
    ]

    /// The cost of one access to a random cache line of a structure of `bytes` bytes.
    static func accessCost(_ bytes: Int) -> Double {
        let size = Double(max(bytes, 1))
        let points = accessCostPoints
        if size <= points[0].bytes { return points[0].ns }
        for i in 1..<points.count where size <= points[i].bytes {
            let (b0, c0) = points[i - 1], (b1, c1) = points[i]
            return c0 + (c1 - c0) * log2(size / b0) / log2(b1 / b0)
        }
        return points[points.count - 1].ns
    }

    /// The search of a window of mean width `width` keys in an array of `arrayBytes`.
    static func windowCost(width: Double, arrayBytes: Int) -> Double {
        let miss = accessCost(arrayBytes)
        let lines = width * Double(MemoryLayout<Int64>.stride) / 64 + 1
        let probes = probeCost * log2(width + 1)
        let limit = Double(WindowSearchKernels.prefetchLineLimit)
        if lines <= limit { return miss + lineCost * (lines - 1) + probes }
        // Four probe levels (15 lines) are prefetched; each further level until the
        // range fits one line is a dependent access.
        let dependent = max(0, log2(lines) - 4)
        return miss * (1 + dependent) + lineCost * 14 + probes
    }

    /// The mean width of the data window over `sample` keys at evenly spaced positions.
    static func meanWindow(_ model: IndexModel, keys: UnsafePointer<Int64>, count: Int, sample: Int) -> Double {
        guard count > 0 else { return 0 }
        let n = min(count, sample)
        var total = 0
        for i in 0..<n {
            let window = model.dataWindow(keys[i &* count / n])
            total &+= window.hi &- window.lo
        }
        return Double(total) / Double(n)
    }

    static func estimate(_ model: IndexModel, keys: UnsafePointer<Int64>, count: Int, sample: Int) -> Estimate {
        let arrayBytes = count &* MemoryLayout<Int64>.stride
        var structure: Double
        var width: Double
        var dataBytes = arrayBytes
        switch model {
        case .linear:
            structure = 1
            width = meanWindow(model, keys: keys, count: count, sample: sample)
        case .rmi(let index):
            let leafBytes = index.leafCount &* MemoryLayout<RMILeaf>.stride
            let rootBytes = index.sizeInBytes &- leafBytes
            structure = 2 + accessCost(leafBytes) + (index.root.isSpline ? splineRootCost + accessCost(rootBytes) : 0)
            width = meanWindow(model, keys: keys, count: count, sample: sample)
        case .pgm(let index):
            structure = 5 + index.routingAccessBytes.reduce(0) { $0 + accessCost($1) }
            width = meanWindow(model, keys: keys, count: count, sample: sample)
        case .alex(let index):
            // Its own gapped arrays hold the keys: a node per level, then the search
            // over at most its largest search distance.
            let statistics = index.statistics(keyCount: count)
            structure = Double(statistics.levelCount) * (10 + accessCost(statistics.sizeInBytes))
            width = Double(statistics.maximumError)
            dataBytes = statistics.sizeInBytes
        }
        let window = windowCost(width: width, arrayBytes: dataBytes)
        return Estimate(nanoseconds: structure + window, structure: structure, windowWidth: width, window: window)
    }
}
