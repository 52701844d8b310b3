import OmenDB

@_cdecl("omendb_version_number")
public func cVersionNumber() -> Int32 { Int32(OmenDBVersion.number) }

@_cdecl("omendb_version_string")
public func cVersionString() -> UnsafePointer<CChar> { staticCString(OmenDBVersion.string) }
