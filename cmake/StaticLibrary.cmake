# cmake -DARCHIVE=<libomendb_objects.a> -DRUNTIME=<toolchain>/lib/swift_static/linux
#       -DHEADER=<omendb.h> -DLINKER=<ld.lld> -DOBJCOPY=<objcopy> -DAR=<ar>
#       -DOUTPUT=<libomendb.a> -P StaticLibrary.cmake
#
# Makes libomendb.a, a static library a C program links without a Swift toolchain:
#  1. one relocatable object (ld -r) holding every object of SwiftPM's archive, the
#     Swift runtime's registration object (swiftrt.o) and the members of the static
#     Swift runtime libraries those objects need;
#  2. every global symbol but the omendb_* functions of the header made local
#     (objcopy --keep-global-symbols), so the runtime inside cannot clash with the
#     program's symbols, and debug info stripped;
#  3. that object archived.
# The program then links it with -lstdc++ -lm -lpthread -ldl (what the Swift runtime
# needs from the system), as the CMake target OmenDB::omendb_static does.
foreach(variable ARCHIVE RUNTIME HEADER LINKER OBJCOPY AR OUTPUT)
    if(NOT ${variable})
        message(FATAL_ERROR "StaticLibrary.cmake: -D${variable}= is required")
    endif()
endforeach()

get_filename_component(_work "${OUTPUT}" DIRECTORY)
set(_object "${_work}/omendb-static.o")
set(_keep "${_work}/omendb-static.exports")

file(STRINGS "${HEADER}" _declarations REGEX "omendb_[a-z0-9_]+\\(")
set(_functions "")
foreach(_line IN LISTS _declarations)
    string(REGEX MATCHALL "omendb_[a-z0-9_]+\\(" _names "${_line}")
    foreach(_name IN LISTS _names)
        string(REPLACE "(" "" _name "${_name}")
        list(APPEND _functions "${_name}")
    endforeach()
endforeach()
list(REMOVE_DUPLICATES _functions)
list(JOIN _functions "\n" _keep_text)
file(WRITE "${_keep}" "${_keep_text}\n")

execute_process(
    COMMAND "${LINKER}" -r -o "${_object}"
            "${RUNTIME}/x86_64/swiftrt.o"
            --whole-archive "${ARCHIVE}" --no-whole-archive
            -L "${RUNTIME}"
            --start-group -lswiftCore -lswift_Concurrency -lswiftSynchronization -lswiftGlibc
                          -ldispatch -lBlocksRuntime --end-group
    RESULT_VARIABLE _status)
if(NOT _status EQUAL 0)
    message(FATAL_ERROR "StaticLibrary.cmake: ${LINKER} -r failed (${_status})")
endif()
execute_process(
    COMMAND "${OBJCOPY}" --strip-debug "--keep-global-symbols=${_keep}" "${_object}"
    RESULT_VARIABLE _status)
if(NOT _status EQUAL 0)
    message(FATAL_ERROR "StaticLibrary.cmake: ${OBJCOPY} failed (${_status})")
endif()
file(REMOVE "${OUTPUT}")
execute_process(COMMAND "${AR}" rcs "${OUTPUT}" "${_object}" RESULT_VARIABLE _status)
if(NOT _status EQUAL 0)
    message(FATAL_ERROR "StaticLibrary.cmake: ${AR} failed (${_status})")
endif()
file(REMOVE "${_object}")
