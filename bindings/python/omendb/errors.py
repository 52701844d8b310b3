"""The exceptions raised by omendb, and the mapping from C status codes to them.

Every failing C call returns a status code (``OMENDB_*`` in ``omendb.h``) and
leaves a per-thread message in ``omendb_last_error()``. :func:`error_for_status`
turns the pair into one of the classes below. Each exception carries:

* ``code`` -- the C status code (an ``int``), and
* ``message`` -- the library's message (or a message written by the binding when
  the binding itself rejected the call before reaching C).

Where a Python built-in exception has the same meaning, the omendb class also
derives from it, so ordinary ``except ValueError`` / ``except MemoryError`` /
``except OSError`` / ``except KeyError`` handlers keep working.

The two loader errors, :class:`LibraryNotFoundError` and
:class:`LibraryVersionError`, derive from :class:`ImportError` (not from
:class:`Error`): they mean "the shared library could not be used at all".
"""

from __future__ import annotations

from typing import Dict, Optional, Sequence, Tuple, Type

__all__ = [
    "OK",
    "NOT_FOUND",
    "INVALID_ARGUMENT",
    "IO_ERROR",
    "CORRUPTION",
    "CONFLICT",
    "BUSY",
    "NO_MEMORY",
    "MISUSE",
    "READ_ONLY",
    "TOO_LARGE",
    "UNSUPPORTED",
    "INTERNAL",
    "CANCELLED",
    "Error",
    "NotFoundError",
    "InvalidArgumentError",
    "OutOfRangeError",
    "OmenIOError",
    "CorruptionError",
    "ConflictError",
    "BusyError",
    "NoMemoryError",
    "MisuseError",
    "ClosedError",
    "ReadOnlyError",
    "TooLargeError",
    "UnsupportedError",
    "InternalError",
    "CancelledError",
    "LibraryNotFoundError",
    "LibraryVersionError",
    "error_for_status",
]

# Status codes: the values of OMENDB_* in include/omendb.h (stable across versions).
OK = 0
NOT_FOUND = 1
INVALID_ARGUMENT = 2
IO_ERROR = 3
CORRUPTION = 4
CONFLICT = 5
BUSY = 6
NO_MEMORY = 7
MISUSE = 8
READ_ONLY = 9
TOO_LARGE = 10
UNSUPPORTED = 11
INTERNAL = 12
CANCELLED = 14


class Error(Exception):
    """Base class of every error reported by the OmenDB library.

    Attributes:
        code: the C status code (``omendb.errors.*``), or the raw unknown code.
        message: the library's description of this failure.
    """

    code: int = INTERNAL

    def __init__(self, message: str, code: Optional[int] = None) -> None:
        super().__init__(message)
        self.message: str = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class NotFoundError(Error, KeyError):
    """A key is absent where a present key is required (``OMENDB_NOT_FOUND``):
    ``db[key]``, ``del db[key]``, ``db.pop(key)`` and the same on snapshots and
    transactions.

    Also a :class:`KeyError`, so mapping-style access raises what Python expects
    (``except KeyError`` catches it; ``args[0]`` is the key, as a dict's).
    Lookups that may legitimately miss (``find``, ``get``) return ``None`` instead.
    """

    code = NOT_FOUND
    #: The absent key (None when raised for another reason).
    key: Optional[int] = None

    @classmethod
    def for_key(cls, key: int) -> "NotFoundError":
        """The error for an absent ``key``, shaped as ``dict``'s KeyError."""
        error = cls(f"key {key} is absent")
        error.key = key
        error.args = (key,)
        return error


class InvalidArgumentError(Error, ValueError):
    """A bad argument: unsorted keys, an out-of-range option, a NULL pointer, ...
    (``OMENDB_INVALID_ARGUMENT``). Also a :class:`ValueError`."""

    code = INVALID_ARGUMENT


class OutOfRangeError(InvalidArgumentError, OverflowError):
    """A Python integer does not fit the C type it must be passed as (e.g. a key
    outside the signed 64-bit range). Raised by the binding before calling C.

    Both an :class:`InvalidArgumentError` (so a :class:`ValueError`) and an
    :class:`OverflowError`.
    """

    code = INVALID_ARGUMENT


class OmenIOError(Error, OSError):
    """The operating system refused a file operation (``OMENDB_IO_ERROR``).
    Also an :class:`OSError` (``IOError``)."""

    code = IO_ERROR


class CorruptionError(Error):
    """Stored data failed a checksum or a structural check (``OMENDB_CORRUPTION``)."""

    code = CORRUPTION


class ConflictError(Error):
    """A transaction conflicted with a concurrent one (``OMENDB_CONFLICT``).

    Raised by :meth:`Transaction.commit <omendb.Transaction.commit>` (never
    earlier) when a commit made after the transaction began changed something it
    depends on: a key it read or wrote, or a range it scanned (serializable), or
    a key it wrote (repeatable read). The message names the key or range and the
    other commit's sequence. The transaction has ended and wrote nothing; running
    it again in a new transaction is safe, and
    :meth:`Database.run_transaction <omendb.Database.run_transaction>` does that.
    """

    code = CONFLICT


class BusyError(Error):
    """A resource is held by someone else, e.g. a database lock (``OMENDB_BUSY``)."""

    code = BUSY


class NoMemoryError(Error, MemoryError):
    """An allocation failed (``OMENDB_NO_MEMORY``). Also a :class:`MemoryError`."""

    code = NO_MEMORY


class MisuseError(Error):
    """The API was called in a way it must not be (``OMENDB_MISUSE``)."""

    code = MISUSE


class ClosedError(MisuseError, ValueError):
    """An object was used after ``close()``.

    Both a :class:`MisuseError` and a :class:`ValueError` (as Python's own closed
    files raise ``ValueError``), so either handler catches it.
    """

    code = MISUSE


class ReadOnlyError(Error):
    """A write through a read-only handle (``OMENDB_READ_ONLY``)."""

    code = READ_ONLY


class TooLargeError(Error):
    """A size exceeds a documented limit (``OMENDB_TOO_LARGE``)."""

    code = TOO_LARGE


class UnsupportedError(Error):
    """An operation, option value or file format this build does not support
    (``OMENDB_UNSUPPORTED``)."""

    code = UNSUPPORTED


class InternalError(Error):
    """A bug in OmenDB (``OMENDB_INTERNAL``): please report it."""

    code = INTERNAL


class CancelledError(Error):
    """A progress callback cancelled a long call (``OMENDB_CANCELLED``): the
    database is as it was before the call (nothing loaded, compacted or copied).

    When the callback cancelled by raising an exception, that exception is
    raised instead, with this one as its ``__context__``.
    """

    code = CANCELLED


class LibraryNotFoundError(ImportError):
    """No usable ``libomendb`` shared library was found.

    Attributes:
        attempts: ``(place, reason)`` pairs, one per place tried, in order.
    """

    def __init__(self, attempts: Sequence[Tuple[str, str]], hint: str = "") -> None:
        self.attempts: Tuple[Tuple[str, str], ...] = tuple(attempts)
        lines = ["could not load the OmenDB shared library (libomendb); tried:"]
        if self.attempts:
            lines += [f"  - {place}: {reason}" for place, reason in self.attempts]
        else:
            lines.append("  (nothing)")
        if hint:
            lines.append(hint)
        super().__init__("\n".join(lines))


class LibraryVersionError(LibraryNotFoundError):
    """Only ``libomendb`` libraries of another major (ABI) version were found.

    A :class:`LibraryNotFoundError` (so an :class:`ImportError`) whose message
    leads with the version problem.

    Attributes:
        path: the first mismatching library file.
        found: its version number (major * 1000000 + minor * 1000 + patch).
        expected_major: the major version this package was written against.
        attempts: every place tried, as in :class:`LibraryNotFoundError`.
    """

    def __init__(self, path: str, found: int, expected_major: int,
                 attempts: Sequence[Tuple[str, str]] = (), hint: str = "") -> None:
        found_text = f"{found // 1000000}.{found // 1000 % 1000}.{found % 1000}"
        headline = (f"the OmenDB library at {path} has version {found_text}, but this omendb "
                    f"Python package needs major version {expected_major}; install a matching "
                    "libomendb or point OMENDB_LIBRARY at one.")
        super().__init__(attempts, hint)
        # Set after ImportError.__init__, which resets its own ``path`` attribute.
        self.path = path
        self.found = found
        self.expected_major = expected_major
        self.msg = headline + "\n" + str(self.msg)
        self.args = (self.msg,)


_CLASS_FOR_CODE: Dict[int, Type[Error]] = {
    NOT_FOUND: NotFoundError,
    INVALID_ARGUMENT: InvalidArgumentError,
    IO_ERROR: OmenIOError,
    CORRUPTION: CorruptionError,
    CONFLICT: ConflictError,
    BUSY: BusyError,
    NO_MEMORY: NoMemoryError,
    MISUSE: MisuseError,
    READ_ONLY: ReadOnlyError,
    TOO_LARGE: TooLargeError,
    UNSUPPORTED: UnsupportedError,
    INTERNAL: InternalError,
    CANCELLED: CancelledError,
}


def error_for_status(code: int, message: str) -> Error:
    """The exception for C status ``code`` with ``message`` (not raised here).

    Unknown codes (from a newer library) give a plain :class:`Error` whose
    ``code`` is the raw value.
    """
    cls = _CLASS_FOR_CODE.get(code)
    if cls is None:
        return Error(message or f"unknown status code {code}", code)
    return cls(message)
