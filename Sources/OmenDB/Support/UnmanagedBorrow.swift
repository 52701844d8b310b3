extension Unmanaged {
    /// `_withUnsafeGuaranteedRef` for typed throws: uses the instance without retaining
    /// it (the caller guarantees it stays alive for the call).
    @inline(__always)
    func withBorrowed<T, E: Error>(_ body: (Instance) throws(E) -> T) throws(E) -> T {
        try _withUnsafeGuaranteedRef { instance -> Result<T, E> in
            do throws(E) { return .success(try body(instance)) } catch { return .failure(error) }
        }.get()
    }
}
