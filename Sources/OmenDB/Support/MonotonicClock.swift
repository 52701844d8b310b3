import Glibc

/// Nanoseconds from a monotonic clock (for measurements that drive decisions, such as
/// the `.auto` index kind; never for correctness).
enum MonotonicClock {
    static func nanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    }
}
