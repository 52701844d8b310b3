import COmenDBShim

/// Hints the CPU to start loading the cache line at `address`.
@inline(__always)
func odb_prefetch(_ address: UnsafeRawPointer) {
    odb_shim_prefetch(address)
}
