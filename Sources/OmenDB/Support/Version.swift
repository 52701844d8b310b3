/// The engine's version. Keep in sync with `OMENDB_VERSION_*` in `include/omendb.h`
/// (the C tests compare the header's macros with the library's answer).
public enum OmenDBVersion {
    public static let major = 0
    public static let minor = 1
    public static let patch = 0
    public static let number = major * 1_000_000 + minor * 1_000 + patch
    public static let string: StaticString = "0.1.0"
}
