"""Progress reports (and cancellation) for the long calls: ``bulk_load``,
``compact``, ``verify`` and ``checkpoint``.

Each takes ``progress=``:

* ``None`` (default): no reports;
* a callable ``progress(done, total)``: called on the calling thread at the
  start (``done == 0``), whenever ``done`` grew by at least 1/64 of ``total``,
  and once with ``done == total`` just before the call commits -- at most 66
  times, ``done`` never decreasing (the unit is the call's: keys, entries or
  bytes). Raising any exception from it cancels the call: the database is left
  as it was and that exception propagates (a :class:`~omendb.CancelledError` as
  its ``__context__``). ``KeyboardInterrupt`` therefore cancels cleanly.
* ``True``: a ``tqdm`` progress bar (needs the ``tqdm`` package:
  ``pip install omendb[progress]``).

The callback must not call into the same :class:`~omendb.Database` (it runs
inside the C call); other databases and other threads are fine.
"""

from __future__ import annotations

import ctypes
import importlib
from typing import Any, Callable, Optional, Union

from . import _ffi
from .errors import CANCELLED, CancelledError, OK

__all__ = ["Progress", "ProgressCallback", "Reporter"]

#: ``progress(done, total)``; its return value is ignored, an exception cancels.
ProgressCallback = Callable[[int, int], object]
#: What the long calls accept as ``progress=``.
Progress = Union[None, bool, ProgressCallback]


class Reporter:
    """One long call's progress: the C struct to pass (``pointer``, NULL when
    no reports were asked for) and the call's outcome (:meth:`finish`)."""

    def __init__(self, progress: Progress, description: str, unit: str) -> None:
        self._callback: Optional[ProgressCallback] = None
        self._bar: Any = None
        self._error: Optional[BaseException] = None
        if progress is None or progress is False:
            self.pointer: Any = None
            return
        if progress is True:
            try:
                tqdm = importlib.import_module("tqdm")
            except ImportError:
                raise ImportError("progress=True draws a tqdm bar: install tqdm "
                                  "(pip install 'omendb[progress]')") from None
            self._bar = tqdm.tqdm(desc=description, unit=unit, unit_scale=True, leave=False)
        elif callable(progress):
            self._callback = progress
        else:
            raise TypeError(f"progress must be None, True or a callable (done, total), "
                            f"not {type(progress).__name__}")
        # The CFUNCTYPE object must outlive the call: it is an attribute of self.
        self._function = _ffi.ProgressFunction(self._report)
        self._struct = _ffi.ProgressStruct(ctypes.sizeof(_ffi.ProgressStruct), self._function, None)
        self.pointer = ctypes.byref(self._struct)

    def _report(self, _context: Optional[int], done: int, total: int) -> int:
        try:
            if self._callback is not None:
                self._callback(done, total)
            else:
                bar = self._bar
                if bar.total != total:
                    bar.total = total
                bar.update(done - bar.n)
            return 0
        except BaseException as error:  # cancels the C call; re-raised by finish()
            self._error = error
            return 1

    def finish(self, api: "_ffi.Api", status: int) -> None:
        """Closes the bar and raises what the call's ``status`` means: the
        callback's own exception when it cancelled the call."""
        if self._bar is not None:
            self._bar.close()
        if status == OK:
            return
        error = api.error(status)
        if status == CANCELLED and self._error is not None:
            try:
                raise error
            except CancelledError:
                raise self._error
        raise error
