"""``omendb.plot_index``: draws a learned index over its keys, to see why a data set
is fast or slow.

For a :class:`~omendb.LearnedIndex` it draws the keys' CDF (position against key)
with every model segment over it and the segment's error band (the window in which a
lookup searches); for a database it draws each run file's keys and model the same way
(the in-memory hot tier has no model: ``db.flush()`` first to include it).

The segments come from the models' serialized form (``LearnedIndex.serialize()``, and
each version-4 or version-5 run file's model section), parsed as docs/format.md describes
("Learned index model format", "Run file", "Manifest"): no C call is needed beyond
``omendb_index_serialize``. matplotlib is an optional dependency
(``pip install matplotlib``).
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, List, Sequence, Tuple, Union

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from .database import Database
    from .index import LearnedIndex

__all__ = ["Segment", "IndexPlot", "plot_index", "index_segments"]

_INDEX_MAGIC = b"OMDBLIDX"
_INDEX_VERSION = 2
_KIND_NAMES = {1: "linear", 2: "rmi", 3: "pgm", 4: "alex"}
_MODEL = struct.Struct("<qddQQQQ")          # key, slope, intercept, start, end, below, above
_RMI_WIDE = 65535                            # an RMI leaf's "whole leaf" error
_RMI_LIMIT = float(1 << 52)
_RUN_MAGIC = b"OMENRUN1"
_RUN_FOOTER = struct.Struct("<8sII12QIIIIIIII")  # docs/format.md, "Run file": footer, 144 bytes
_MANIFEST_MAGIC = b"OMENMAN1"


@dataclass(frozen=True)
class Segment:
    """One linear model of an index: it covers positions ``start..<end`` (keys from
    ``key`` on), predicts ``start + intercept + slope * (q - key)`` and guarantees that
    the lower bound of a query routed to it lies within ``below`` positions under and
    ``above`` over the prediction (clamped to ``start..end``)."""

    key: int
    slope: float
    intercept: float
    start: int
    end: int
    below: int
    above: int
    rmi_leaf: bool = False   # RMI leaves: prediction not clamped to the leaf; 65535 = whole leaf

    def predict(self, queries: np.ndarray) -> np.ndarray:
        """Predicted positions of ``queries`` (int64), computed as the engine does."""
        q = np.asarray(queries, dtype=np.int64)
        with np.errstate(over="ignore"):
            dx = (q - np.int64(self.key)).view(np.uint64).astype(np.float64)
        dx[q <= self.key] = 0.0
        relative = self.intercept + self.slope * dx
        if self.rmi_leaf:
            relative = np.clip(relative, -_RMI_LIMIT, _RMI_LIMIT)
        else:
            relative = np.clip(relative, 0.0, float(self.end - self.start))
        return self.start + np.trunc(relative).astype(np.int64)

    def window(self, queries: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """The search window ``[lo, hi]`` of each query (positions)."""
        p = self.predict(queries)
        if self.rmi_leaf and self.below == _RMI_WIDE:
            lo = np.full_like(p, self.start)
        else:
            lo = p - self.below
        if self.rmi_leaf and self.above == _RMI_WIDE:
            hi = np.full_like(p, self.end)
        else:
            hi = p + self.above
        return np.clip(lo, self.start, self.end), np.clip(hi, self.start, self.end)


@dataclass(frozen=True)
class IndexPlot:
    """What :func:`plot_index` drew: one panel per index (a run, for a database)."""

    figure: "Figure"
    panels: List[Tuple[str, np.ndarray, List[Segment]]]   # (title, keys, segments)


def index_segments(models: bytes, key_count: int) -> Tuple[str, List[Segment]]:
    """The kind name and the segments over the keys (PGM level 0, RMI leaves, the one
    linear model) of a serialized learned index (``LearnedIndex.serialize()``)."""
    data = bytes(models)
    if len(data) < 78 or data[:8] != _INDEX_MAGIC:
        raise ValueError("not a serialized OmenDB learned index (magic OMDBLIDX missing)")
    version, kind, total, count = struct.unpack_from("<IIQQ", data, 8)
    if version != _INDEX_VERSION:
        raise ValueError(f"learned index format version {version}; plot_index reads version {_INDEX_VERSION}")
    if total != len(data) or count != key_count:
        raise ValueError(f"the models describe {count} keys in {total} bytes; got {key_count} keys, {len(data)} bytes")
    (note_length,) = struct.unpack_from("<H", data, 72)
    offset = 74 + note_length
    end = len(data) - 4

    def models_at(at: int, n: int, rmi: bool) -> List[Segment]:
        if at + n * _MODEL.size > end:
            raise ValueError("truncated model payload")
        segments = []
        for i in range(n):
            key, slope, intercept, start, stop, below, above = _MODEL.unpack_from(data, at + i * _MODEL.size)
            segments.append(Segment(key, slope, intercept, start, stop, below, above, rmi))
        return segments

    if kind == 1:
        return "linear", models_at(offset, 1, False)
    if kind == 2:
        leaves, knots = struct.unpack_from("<QQ", data, offset + 24)
        return "rmi", models_at(offset + 40 + 8 * knots, leaves, True)
    if kind == 3:
        (levels,) = struct.unpack_from("<Q", data, offset)
        (level0,) = struct.unpack_from("<Q", data, offset + 8)
        return "pgm", models_at(offset + 8 + 8 * levels, level0, False)
    raise ValueError(f"an index of kind {_KIND_NAMES.get(kind, kind)} has no position models to draw "
                     "(ALEX routes keys to gapped-array slots); build kind 'pgm', 'rmi' or 'linear'")


def _manifest_runs(directory: str) -> List[int]:
    with open(os.path.join(directory, "MANIFEST"), "rb") as f:
        data = f.read()
    if data[:8] != _MANIFEST_MAGIC:
        raise ValueError(f"{directory}: MANIFEST has no OMENMAN1 magic: not an OmenDB database")
    (version,) = struct.unpack_from("<I", data, 8)
    if version == 1:
        (runs,) = struct.unpack_from("<Q", data, 48)
        return [struct.unpack_from("<Q", data, 56 + 48 * i)[0] for i in range(runs)]
    if version != 2:
        raise ValueError(f"{directory}: MANIFEST format version {version}; plot_index reads versions 1 and 2")
    # Version 2 (docs/format.md, "Manifest"): the named tables, then runs tagged with their table.
    (tables,) = struct.unpack_from("<I", data, 52)
    offset = 56
    for _ in range(tables):
        (name_length,) = struct.unpack_from("<H", data, offset + 4)
        offset += 6 + name_length
    (runs,) = struct.unpack_from("<Q", data, offset)
    return [struct.unpack_from("<Q", data, offset + 8 + 52 * i + 4)[0] for i in range(runs)]


def _run_panel(path: str) -> Tuple[str, np.ndarray, List[Segment]]:
    with open(path, "rb") as f:
        f.seek(-_RUN_FOOTER.size, os.SEEK_END)
        footer = _RUN_FOOTER.unpack(f.read(_RUN_FOOTER.size))
        magic, version = footer[0], footer[1]
        if magic != _RUN_MAGIC or footer[2] != _RUN_FOOTER.size:
            raise ValueError(f"{path}: not a run file (no OMENRUN1 footer of {_RUN_FOOTER.size} bytes)")
        # Version 5 adds only an optional range tombstones section before the footer.
        if version not in (4, 5):
            raise ValueError(f"{path}: run format version {version}; plot_index reads version 4 and 5 runs "
                             "(omendb_compact rewrites older runs in the current version)")
        count, keys_offset, model_offset, model_length = footer[3], footer[9], footer[12], footer[13]
        f.seek(keys_offset)
        keys = np.frombuffer(f.read(8 * count), dtype="<i8").astype(np.int64)
        f.seek(model_offset)
        models = f.read(model_length)
    kind, segments = index_segments(models, count)
    return f"{os.path.basename(path)}: {count:,} keys, {kind}, {len(segments):,} segments", keys, segments


def _database_panels(directory: str) -> List[Tuple[str, np.ndarray, List[Segment]]]:
    def read() -> List[Tuple[str, np.ndarray, List[Segment]]]:
        return [_run_panel(os.path.join(directory, f"run-{number:012d}.run"))
                for number in _manifest_runs(directory)]

    # A compaction may delete a listed run between reading the manifest and the run:
    # read again (a third miss raises FileNotFoundError).
    for _ in range(2):
        try:
            return read()
        except FileNotFoundError:
            pass
    return read()


def _draw(ax: Any, keys: np.ndarray, segments: Sequence[Segment], title: str, max_points: int,
          window: Tuple[int, int]) -> None:
    """Draws keys[window] and every segment over them (the part inside the window)."""
    from matplotlib.collections import LineCollection, PolyCollection

    first, last = window
    step = max(1, (last - first) // max_points)
    positions = np.arange(first, last, step)
    ax.plot(keys[positions].astype(np.float64), positions, ".", color="0.45", markersize=2,
            label="keys (position vs key)", rasterized=True)
    lines, bands = [], []
    for s in segments:
        lo, hi = max(s.start, first), min(s.end, last)
        if hi <= lo:
            continue
        xs = np.unique(keys[[lo, (lo + hi - 1) // 2, hi - 1]])
        p = s.predict(xs)
        below, above = s.window(xs)
        fx = xs.astype(np.float64)
        lines.append(list(zip(fx, p)))
        bands.append(list(zip(fx, below)) + list(zip(fx[::-1], above[::-1])))
    ax.add_collection(PolyCollection(bands, facecolors="tab:orange", edgecolors="tab:orange", linewidths=0.5,
                                     alpha=0.35, label="error band (search window)"))
    ax.add_collection(LineCollection(lines, colors="tab:blue", linewidths=1.0, label="model segments"))
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("key")
    ax.set_ylabel("position")
    ax.autoscale_view()
    ax.legend(loc="upper left", fontsize=7, markerscale=3)


def plot_index(db_or_index: Union["LearnedIndex", "Database", str, "os.PathLike[str]"],
               path: Union[str, "os.PathLike[str]"], *, zoom: int = 400, max_points: int = 200_000) -> IndexPlot:
    """Draws the key CDF with each model segment and its error band into ``path``
    (any format matplotlib writes, by extension: .png, .svg, .pdf).

    ``db_or_index``: a :class:`~omendb.LearnedIndex` (kinds linear, RMI, PGM), an open
    :class:`~omendb.Database` or a database directory (its run files as listed by the
    manifest; run format versions 4 and 5). Each index gets two panels: all of it (a
    logarithmic key axis when the keys are positive and half of them lie in the first
    1% of their range),
    and ``zoom`` positions around its middle, where the bands are visible; at most ``max_points``
    keys are drawn per panel (evenly spaced). Returns the figure and the segments
    drawn. Raises ImportError when matplotlib is missing.
    """
    try:
        import matplotlib  # noqa: F401
    except ImportError as error:
        raise ImportError("omendb.plot_index needs matplotlib: pip install matplotlib "
                          ) from error
    from matplotlib.figure import Figure   # drawn without pyplot: no GUI backend involved

    from .index import LearnedIndex

    if isinstance(db_or_index, LearnedIndex):
        keys = np.ascontiguousarray(db_or_index.keys, dtype=np.int64)
        kind, segments = index_segments(db_or_index.serialize(), keys.shape[0])
        panels = [(f"LearnedIndex: {keys.shape[0]:,} keys, {kind}, {len(segments):,} segments", keys, segments)]
    else:
        directory = db_or_index if isinstance(db_or_index, (str, os.PathLike)) else db_or_index.path
        panels = _database_panels(os.fsdecode(directory))
        if not panels:
            raise ValueError(f"{os.fsdecode(directory)}: the database has no run files to draw "
                             "(its data is in the hot tier: call db.flush() first)")
    figure = Figure(figsize=(11, 4.2 * len(panels)), layout="constrained")
    axes = figure.subplots(len(panels), 2, squeeze=False)
    for row, (title, keys, segments) in enumerate(panels):
        n = keys.shape[0]
        _draw(axes[row][0], keys, segments, title, max_points, (0, n))
        if n and keys[0] > 0 and int(keys[n // 2]) - int(keys[0]) < (int(keys[-1]) - int(keys[0])) // 100:
            # Positive keys whose lower half fills less than 1% of their range (lognormal,
            # say): on a linear axis the CDF is one vertical line at the left edge.
            axes[row][0].set_xscale("log")
            axes[row][0].set_xlabel("key (log scale)")
        first = max(0, min(n - zoom, n // 2 - zoom // 2))
        window = (first, min(n, first + zoom))
        inside = sum(1 for s in segments if max(s.start, window[0]) < min(s.end, window[1]))
        _draw(axes[row][1], keys, segments, f"zoom: positions {window[0]:,}-{window[1]:,} "
              f"({inside} segment{'s' if inside != 1 else ''})", max_points, window)
    figure.savefig(os.fspath(path), dpi=110)
    return IndexPlot(figure, panels)
