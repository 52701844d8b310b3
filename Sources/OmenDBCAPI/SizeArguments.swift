import OmenDB

// size_t arguments. C passes them unsigned, so every size_t parameter (and every
// size_t read from a caller's array or struct) is taken as UInt and range-checked
// as UInt before any conversion to Int: read as Int, 2^63 and above would be
// negative and slip past "not above the limit" checks.

/// The largest count of caller input elements (keys, lookups) or bytes of a
/// serialized buffer that a call accepts (the header's conventions: 2^60).
let maximumInputCount: UInt = 1 << 60

/// The largest value length any call accepts, before a database's own limit.
let maximumValueLength = UInt(DatabaseOptions.maximumValueSizeLimit)

/// Checks a caller input size (a count or a load length) named `name`: nil when it
/// is at most 2^60, else the recorded OMENDB_TOO_LARGE status.
@inline(__always)
func oversizedInput(_ function: StaticString, _ name: StaticString, _ value: UInt) -> Int32? {
    guard value > maximumInputCount else { return nil }
    return ThreadError.record(.tooLarge, "\(function): \(name) \(value) exceeds 2^60")
}

/// Checks a value length against the absolute limit (2^30 bytes): nil when it is
/// within, else the recorded OMENDB_TOO_LARGE status. `what` names the value (built
/// only on failure: bulk loads check every element).
@inline(__always)
func oversizedValue(_ function: StaticString, _ length: UInt, _ what: @autoclosure () -> String) -> Int32? {
    guard length > maximumValueLength else { return nil }
    return ThreadError.record(.tooLarge, "\(function): \(what()) is \(length) bytes, above the limit of 2^30 bytes")
}

/// A capacity of a caller output buffer as an Int: any value is valid, and one
/// beyond Int.max is as good as Int.max (no buffer can hold more).
@inline(__always)
func outputCapacity(_ capacity: UInt) -> Int { Int(clamping: capacity) }
