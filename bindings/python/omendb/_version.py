"""Version of the omendb Python package and the C library version it needs."""

__version__ = "0.1.0"

#: The library major (ABI) version this package is written against. The shared
#: library's SONAME is ``libomendb.so.<major>``; a library with another major
#: version is refused at load time.
EXPECTED_LIBRARY_MAJOR = 0
