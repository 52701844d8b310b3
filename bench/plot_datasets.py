#!/usr/bin/env python3
"""Draws, with omendb.plot_index, the learned index a database builds over each bench
data set: the harness's keys (bench/harness/datasets.cpp, as cached by its drivers in
bench/.cache/datasets/<name>-<n>-<seed>.keys), bulk-loaded into a fresh database with
the default options (index kind auto), one image per data set.

    bench/getpath/run.sh --sizes 1000000 --datasets seq_gaps,uniform,lognormal,clustered \\
        --rounds 1 --queries 1000 --out /dev/null        # writes the key files
    python bench/plot_datasets.py --n 1000000 --out docs/img

Needs the omendb package (OMENDB_LIBRARY or an installed library) and matplotlib.
"""
import argparse
import struct
import tempfile
from pathlib import Path

import numpy as np

import omendb

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ["seq_gaps", "uniform", "lognormal", "clustered"]


def loaded_keys(path: Path) -> np.ndarray:
    """The first vector of a key file (u64 count, then int64 keys): the loaded keys."""
    with open(path, "rb") as f:
        (count,) = struct.unpack("<Q", f.read(8))
        return np.frombuffer(f.read(8 * count), dtype="<i8").astype(np.int64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--cache", type=Path, default=ROOT / "bench/.cache/datasets")
    parser.add_argument("--out", type=Path, default=ROOT / "docs/img")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name in DATASETS:
        keys = loaded_keys(args.cache / f"{name}-{args.n}-{args.seed}.keys")
        with tempfile.TemporaryDirectory() as directory:
            with omendb.open(Path(directory) / "db", sync="off") as db:
                db.bulk_load(keys, [b"\0" * 8] * keys.shape[0])
                target = args.out / f"index-{name}-{args.n}.png"
                plot = omendb.plot_index(db, target, max_points=20_000)
        (title, _, segments), = plot.panels
        widths = [s.below + s.above for s in segments]
        print(f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}: {name}: {title}; "
              f"window width median {int(np.median(widths))}, max {max(widths)} positions")


if __name__ == "__main__":
    main()
