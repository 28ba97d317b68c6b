"""Write pipeline/assets/mnist_glyphs.png: 40 real MNIST test glyphs per digit.

The app uses these to draw digits in MNIST's own hand (e.g. demo frames), so they must be
raw MNIST pixels, chosen the same way on every run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

from train.data import DataError, load_test

PER_CLASS = 40
OUT = Path(__file__).resolve().parent.parent / "pipeline" / "assets" / "mnist_glyphs.png"


def typical(x: np.ndarray) -> np.ndarray:
    """Mask of glyphs that are neither faint nor extreme within their own class.

    Ink mass outside the class's 10th..90th percentile means very thin/faint or blobby
    strokes; a bounding box narrower than 30% or shorter than 70% of the 20 px MNIST box
    is a squashed or tiny glyph (1s are narrow by nature, so width is checked per class).
    """
    mass = x.reshape(len(x), -1).astype(np.float32).sum(1)
    lo, hi = np.percentile(mass, [10, 90])
    rows, cols = x.max(2) > 0, x.max(1) > 0
    height = rows.sum(1)  # rows with ink
    peak = x.reshape(len(x), -1).max(1)
    ok = (mass >= lo) & (mass <= hi) & (height >= 17) & (peak >= 250)
    return ok & ~cols[:, 0] & ~cols[:, -1] & ~rows[:, 0] & ~rows[:, -1]


def build_atlas(x: np.ndarray, y: np.ndarray, per_class: int = PER_CLASS) -> np.ndarray:
    """10 rows (row r = digit r) x per_class columns of 28x28 glyphs, in file order."""
    tiles = []
    for digit in range(10):
        idx = np.flatnonzero(y == digit)
        chosen = idx[typical(x[idx])][:per_class]
        if len(chosen) < per_class:
            raise RuntimeError(f"only {len(chosen)} usable glyphs for digit {digit}")
        tiles.append(np.concatenate(list(x[chosen]), axis=1))
    return np.concatenate(tiles, axis=0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m train.atlas", description=__doc__)
    ap.add_argument("--data", type=Path, default=None, help="dir with the MNIST .gz files")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    try:
        x, y = load_test(args.data)
    except DataError as e:
        print(f"train.atlas: {e}", file=sys.stderr)
        return 1
    atlas = build_atlas(x, y)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(args.out), atlas, [cv2.IMWRITE_PNG_COMPRESSION, 9]):
        raise OSError(f"could not write {args.out}")
    print(f"wrote {args.out} {atlas.shape[1]}x{atlas.shape[0]} px, {args.out.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
