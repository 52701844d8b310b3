/// One least-squares linear model over the whole key array, with exact error bounds.
///
/// Cheapest to build (one sampled fit plus one error pass) and smallest (one model,
/// 56 bytes in all); fast only when the keys are close to evenly spaced, because the
/// last-mile search spans the model's worst error over the whole array.
final class LinearIndex: WindowPredictingIndex {
    let keys: UnsafePointer<Int64>
    let count: Int
    let windowSearch: WindowSearch
    let model: BoundedLinearModel

    /// Fits the model over `keys[0..<count]` and measures its exact errors.
    convenience init(keys: UnsafePointer<Int64>, count: Int, windowSearch: WindowSearch) {
        var model = BoundedLinearModel.leastSquares(keys, start: 0, end: count)
        model.measureErrors(keys)
        self.init(keys: keys, count: count, windowSearch: windowSearch, model: model)
    }

    /// An index from an already-measured model (built or loaded and validated).
    init(keys: UnsafePointer<Int64>, count: Int, windowSearch: WindowSearch, model: BoundedLinearModel) {
        self.keys = keys
        self.count = count
        self.windowSearch = windowSearch
        self.model = model
    }

    var sizeInBytes: Int { MemoryLayout<BoundedLinearModel>.stride }

    /// The data window searched for `key` (holds its lower bound).
    @inline(__always)
    func dataWindow(_ key: Int64) -> (lo: Int, hi: Int) {
        model.window(key)
    }

    /// The first position whose key is `>= key` (`count` when every key is smaller).
    @inline(__always)
    func lowerBound(_ key: Int64) -> Int {
        let (lo, hi) = model.window(key)
        return WindowSearchKernels.search(keys, lo, hi, key, windowSearch)
    }

    @inline(__always)
    func prefetchWindow(_ key: Int64) -> (lo: Int, hi: Int) {
        let window = model.window(key)
        WindowSearchKernels.prefetchLines(keys, window.lo, window.hi)
        return window
    }

    @inline(__always)
    func lowerBound(_ key: Int64, in window: (lo: Int, hi: Int)) -> Int {
        WindowSearchKernels.lowerBound(keys, window.lo, window.hi, key, windowSearch)
    }
}
