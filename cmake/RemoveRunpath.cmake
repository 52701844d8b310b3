# cmake -DLIBRARY=<file> -P RemoveRunpath.cmake
# Drops the RUNPATH that SwiftPM writes into every product ($ORIGIN): the
# statically linked libomendb.so needs only system libraries, and an installed
# library should not look for them next to itself.
file(RPATH_REMOVE FILE "${LIBRARY}")
