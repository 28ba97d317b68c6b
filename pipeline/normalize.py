"""Bring a glyph crop into the shape MNIST digits were made in.

MNIST digits were scaled so the longer side of their box is 20 px, keeping the aspect
ratio, then placed in a 28x28 field with their centre of mass at the centre. The model
only ever saw that, so every crop we classify and every crop we train on goes through
this one function.
"""

from __future__ import annotations

import cv2
import numpy as np

SIZE = 28
BOX = 20


def normalize_glyph(ink: np.ndarray) -> np.ndarray:
    """Return a float32 28x28 image in [0, 1] from an ink crop (uint8, ink bright on dark).

    The crop may carry a margin; only its ink decides the box. An empty crop gives zeros.
    """
    out = np.zeros((SIZE, SIZE), np.float32)
    x, y, w, h = cv2.boundingRect(ink)  # of the non-zero pixels
    if w == 0:
        return out
    crop = ink[y : y + h, x : x + w]
    scale = BOX / max(h, w)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    # INTER_AREA keeps thin strokes as grey instead of dropping them when shrinking.
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    small = cv2.resize(crop, (nw, nh), interpolation=interp).astype(np.float32)
    peak = cv2.minMaxLoc(small)[1]
    if peak <= 0:
        return out
    small /= peak
    if nw > 2:
        m = cv2.moments(small)
        cx, cy = m["m10"] / m["m00"], m["m01"] / m["m00"]
    else:  # cv2.moments takes an N x 2 array for a list of points: a "1" shrunk to 2 px is
        total = small.sum()
        cx = float(small.sum(axis=0) @ np.arange(nw)) / total
        cy = float(small.sum(axis=1) @ np.arange(nh)) / total
    shift = np.float32([[1, 0, SIZE / 2 - cx], [0, 1, SIZE / 2 - cy]])
    return cv2.warpAffine(small, shift, (SIZE, SIZE), flags=cv2.INTER_LINEAR)


def normalize_batch(crops: list[np.ndarray]) -> np.ndarray:
    """Stack normalized crops as the model's input, float32 [N, 1, 28, 28]."""
    if not crops:
        return np.zeros((0, 1, SIZE, SIZE), np.float32)
    return np.stack([normalize_glyph(c) for c in crops])[:, None]
