"""The two orientations of the offers scan, one BLAS thread, on a built bundle's offer rows.

Run: ``.venv/bin/python -m bench.orientation BUNDLE_DIR`` (e.g. ``models/current``). For 1, 3 and
5 query rows, times ``needs @ rows.T`` (before issue 29) against ``rows @ needs.T`` (after),
20 products each, twice, and says whether the two results are bitwise equal.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from matcher import load_bundle


def main() -> None:
    vectors = load_bundle(Path(sys.argv[1])).vectors
    rows, seeks = vectors.offers, vectors.seeks
    rng = np.random.default_rng(0)
    with threadpool_limits(1, "blas"):
        for m in (1, 3, 5):
            needs = seeks[rng.integers(0, len(seeks), m)]
            equal = np.array_equal(needs @ rows.T, (rows @ needs.T).T)
            for _ in range(2):
                t = time.perf_counter()
                for _ in range(20):
                    needs @ rows.T
                before = (time.perf_counter() - t) / 20 * 1000
                t = time.perf_counter()
                for _ in range(20):
                    rows @ needs.T
                after = (time.perf_counter() - t) / 20 * 1000
                print(f"m={m} rows={rows.shape} needs @ rows.T {before:.2f} ms, "
                      f"rows @ needs.T {after:.2f} ms, bitwise equal {equal}")


if __name__ == "__main__":
    main()
