"""Shared fixtures for the omendb tests.

The tests exercise the real shared library. Point OMENDB_LIBRARY at it:

    OMENDB_LIBRARY=$PWD/.build/release/libomendb.so python -m pytest bindings/python/tests

When OMENDB_LIBRARY is unset and the repository's release build exists, it is
used (so a plain ``pytest`` works in a checkout). The omendb package under test
is the installed one when installed, else the source tree next to this folder.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Dict, List

import numpy as np
import pytest

HERE = Path(__file__).resolve().parent
PACKAGE_ROOT = HERE.parent  # bindings/python
REPO_ROOT = PACKAGE_ROOT.parent.parent

if not os.environ.get("OMENDB_LIBRARY"):
    built = REPO_ROOT / ".build" / "release" / "libomendb.so"
    if built.exists():
        os.environ["OMENDB_LIBRARY"] = str(built)

try:
    import omendb  # noqa: F401
except ImportError:  # not installed: test the source tree
    sys.path.insert(0, str(PACKAGE_ROOT))
    import omendb  # noqa: F401

INT64_MIN = -(2 ** 63)
INT64_MAX = 2 ** 63 - 1


def pytest_report_header(config: pytest.Config) -> List[str]:
    lines = [f"omendb package: {omendb.__file__}"]
    try:
        lines.append(f"omendb library: {omendb.library_path()} (version {omendb.library_version()})")
    except ImportError as error:
        lines.append(f"omendb library: NOT LOADED: {error}")
    return lines


def _clustered(rng: np.random.Generator, n: int) -> np.ndarray:
    """Dense clusters separated by huge gaps spread over the whole int64 range."""
    cluster_count = 20
    centers = np.sort(rng.integers(INT64_MIN // 2, INT64_MAX // 2, cluster_count, dtype=np.int64))
    sizes = np.full(cluster_count, n // cluster_count)
    sizes[: n % cluster_count] += 1
    parts = [center + np.cumsum(rng.integers(1, 4, size, dtype=np.int64)) for center, size in zip(centers, sizes)]
    return np.sort(np.concatenate(parts))


def _extremes(rng: np.random.Generator, n: int) -> np.ndarray:
    edges = np.array([INT64_MIN, INT64_MIN + 1, INT64_MIN + 2, -1, 0, 1, INT64_MAX - 2, INT64_MAX - 1, INT64_MAX],
                     dtype=np.int64)
    middle = rng.integers(INT64_MIN, INT64_MAX, n, dtype=np.int64, endpoint=True)
    return np.sort(np.concatenate([edges, middle]))


def make_distributions(n: int = 20_000, seed: int = 20260) -> Dict[str, np.ndarray]:
    """Sorted int64 key arrays of every shape the index must handle."""
    rng = np.random.default_rng(seed)
    lognormal = np.sort((rng.lognormal(0.0, 2.0, n) * 1e6).astype(np.int64))
    return {
        "empty": np.empty(0, dtype=np.int64),
        "one": np.array([42], dtype=np.int64),
        "two": np.array([-7, 7], dtype=np.int64),
        "two_equal": np.array([5, 5], dtype=np.int64),
        "one_min": np.array([INT64_MIN], dtype=np.int64),
        "one_max": np.array([INT64_MAX], dtype=np.int64),
        "min_max": np.array([INT64_MIN, INT64_MAX], dtype=np.int64),
        "sequential": np.arange(n, dtype=np.int64),
        "sequential_negative": np.arange(-n, n, 2, dtype=np.int64),
        "gaps": np.cumsum(rng.integers(1, 1000, n, dtype=np.int64)),
        "uniform_full_int64": np.sort(rng.integers(INT64_MIN, INT64_MAX, n, dtype=np.int64, endpoint=True)),
        "lognormal": lognormal,
        "clustered": _clustered(rng, n),
        "extremes": _extremes(rng, n),
        "duplicates_few_values": np.sort(rng.integers(0, 100, n, dtype=np.int64)),
        "duplicates_runs": np.repeat(np.cumsum(rng.integers(1, 50, n // 10, dtype=np.int64)),
                                     rng.integers(1, 20, n // 10)),
        "all_equal": np.full(n, -3, dtype=np.int64),
        "all_min": np.full(100, INT64_MIN, dtype=np.int64),
        "all_max": np.full(100, INT64_MAX, dtype=np.int64),
    }


DISTRIBUTIONS = make_distributions()


@pytest.fixture(params=sorted(DISTRIBUTIONS), ids=sorted(DISTRIBUTIONS))
def distribution(request: pytest.FixtureRequest):
    """(name, sorted int64 keys) for every distribution."""
    return request.param, DISTRIBUTIONS[request.param]
