"""omendb.plot_index: the segments it draws are the index's models (their count, and
every key inside its segment's error band), for learned indexes and databases.
Skipped when matplotlib is missing (scripts/setup.sh installs it for the suite)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import omendb
from omendb.plot import Segment

SEED = 20261206


def keys_of(kind: str, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if kind == "uniform":
        keys = rng.integers(-(2 ** 62), 2 ** 62, n)
    elif kind == "lognormal":
        keys = (rng.lognormal(0, 2, n) * 1e9).astype(np.int64)
    else:  # clustered, with heavy duplicates
        keys = np.concatenate([rng.integers(c, c + 5000, n // 4) for c in (-(10 ** 15), 0, 7 * 10 ** 12, 10 ** 17)])
    return np.sort(keys).astype(np.int64)


def assert_tiles_and_bands(keys: np.ndarray, segments: "list[Segment]") -> None:
    """The segments tile 0..<n in order, and the lower bound of every key lies in the
    window of the segment that covers its first occurrence."""
    assert segments[0].start == 0 and segments[-1].end == keys.shape[0]
    for previous, following in zip(segments, segments[1:]):
        assert previous.end == following.start
    for segment in segments:
        if segment.end == segment.start:
            continue
        positions = np.arange(segment.start, segment.end)
        first = np.searchsorted(keys, keys[positions], side="left")
        own = first >= segment.start        # duplicates that begin in an earlier segment route there
        lo, hi = segment.window(keys[positions][own])
        lower_bound = first[own]
        bad = np.flatnonzero((lower_bound < lo) | (lower_bound > hi))
        assert bad.size == 0, (f"key {keys[positions][own][bad[0]]} at {lower_bound[bad[0]]} outside "
                               f"[{lo[bad[0]]}, {hi[bad[0]]}] of {segment}")


def drawn_bands(plot: "omendb.plot.IndexPlot", row: int) -> int:
    """Error bands in the full panel of `row` (one per non-empty segment)."""
    from matplotlib.collections import PolyCollection

    axis = plot.figure.axes[2 * row]
    return sum(len(c.get_paths()) for c in axis.collections if isinstance(c, PolyCollection))


@pytest.fixture(autouse=True)
def matplotlib_present() -> None:
    pytest.importorskip("matplotlib")


@pytest.mark.parametrize("data", ["uniform", "lognormal", "clustered"])
@pytest.mark.parametrize("kind", ["pgm", "rmi", "linear"])
def test_learned_index_segments_match_the_model(tmp_path, data: str, kind: str) -> None:
    print(f"seed {SEED}")
    keys = keys_of(data, 20_000, SEED)
    # recursive_epsilon 4096: one PGM root over the leaf segments (two levels).
    with omendb.LearnedIndex(keys, kind=kind, epsilon=32, recursive_epsilon=4096) as index:
        plot = omendb.plot_index(index, tmp_path / "index.png")
        stats = index.stats
    (_, drawn_keys, segments), = plot.panels
    assert np.array_equal(drawn_keys, keys)
    # model_count counts every level: a PGM's upper levels, an RMI's root.
    if kind == "pgm":
        assert stats.level_count == 2, "the test expects one root above the leaf segments"
        assert len(segments) == stats.model_count - 1
    elif kind == "rmi":
        assert len(segments) == stats.model_count - 1
    else:
        assert len(segments) == stats.model_count == 1
    assert max(max(s.below, s.above) for s in segments) <= max(stats.max_error, 65535 if kind == "rmi" else 0)
    assert_tiles_and_bands(keys, segments)
    assert drawn_bands(plot, 0) == sum(1 for s in segments if s.end > s.start)
    assert (tmp_path / "index.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # Skewed positive keys get a logarithmic key axis in the overview, others a linear one.
    assert plot.figure.axes[0].get_xscale() == ("log" if data == "lognormal" else "linear")


def test_database_runs_are_drawn_with_their_models(tmp_path) -> None:
    print(f"seed {SEED}")
    keys = keys_of("lognormal", 30_000, SEED)
    keys = np.unique(keys)
    with omendb.open(tmp_path / "db", index_kind="linear", sync="off") as db:
        db.bulk_load(keys[::2], [b"v"] * keys[::2].shape[0])
        for key in keys[1::2][:5000]:
            db[int(key)] = b"w"
        db.flush()
        plot = omendb.plot_index(db, tmp_path / "db.png")
        stats = db.stats()
        every_key = np.fromiter(db.keys(), dtype=np.int64)
    assert len(plot.panels) == stats.run_count == 2
    assert sum(len(segments) for _, _, segments in plot.panels) == stats.model_count == 2
    assert np.array_equal(np.unique(np.concatenate([k for _, k, _ in plot.panels])), every_key)
    for row, (_, run_keys, segments) in enumerate(plot.panels):
        assert_tiles_and_bands(run_keys, segments)
        assert drawn_bands(plot, row) == sum(1 for s in segments if s.end > s.start) == len(segments)
    # A directory path works as well as the open handle (the database is closed now).
    again = omendb.plot_index(str(tmp_path / "db"), tmp_path / "again.svg")
    assert [len(s) for _, _, s in again.panels] == [len(s) for _, _, s in plot.panels]


def test_refusals(tmp_path, monkeypatch) -> None:
    with omendb.open(tmp_path / "empty") as db:
        db[1] = b"only in the hot tier"
        with pytest.raises(ValueError, match="flush"):
            omendb.plot_index(db, tmp_path / "x.png")
    keys = np.arange(0, 5000, 3, dtype=np.int64)
    with omendb.LearnedIndex(keys, kind="alex") as index:
        with pytest.raises(ValueError, match="alex"):
            omendb.plot_index(index, tmp_path / "x.png")
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with omendb.LearnedIndex(keys) as index:
        with pytest.raises(ImportError, match="pip install matplotlib"):
            omendb.plot_index(index, tmp_path / "x.png")
