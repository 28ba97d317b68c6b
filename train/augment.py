"""Batch augmentation in torch, ending in the same normalization the app applies.

Done on whole batches (two grid_samples and a few pools) rather than per image in cv2, so
it costs a few percent of a training step. After warping, each glyph is re-normalized the
way pipeline.normalize.normalize_glyph does it (longer side of the ink box to 20 px, centre
of mass to the centre, peak to 1), because the model only ever sees normalized glyphs.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

SIZE = 28
BOX = 20
INK = 0.05  # ~13/255: what counts as ink for the box, like `ink > 0` on the uint8 crop


# Pixel-centre coordinates in grid_sample's [-1, 1] convention (align_corners=False).
_COORD = (2 * torch.arange(SIZE, dtype=torch.float32) + 1) / SIZE - 1


def _warp(x: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
    """grid_sample with an [N, 2, 3] affine or [N, 3, 3] projective map; the grid is built by
    broadcasting, which is several times cheaper than F.affine_grid for 28x28."""
    t = theta.view(theta.shape[0], -1, 3, 1, 1)
    u, v = _COORD.view(1, 1, SIZE), _COORD.view(1, SIZE, 1)
    gx = t[:, 0, 0] * u + t[:, 0, 1] * v + t[:, 0, 2]
    gy = t[:, 1, 0] * u + t[:, 1, 1] * v + t[:, 1, 2]
    if t.shape[1] == 3:
        w = t[:, 2, 0] * u + t[:, 2, 1] * v + t[:, 2, 2]
        gx, gy = gx / w, gy / w
    grid = torch.stack([gx, gy], dim=-1)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def _affine(n: int, g: torch.Generator, strength: float) -> torch.Tensor:
    """Random rotation, shear, anisotropic scale, shift and a mild perspective tilt, as
    [n, 3, 3] grid_sample maps (output -> input coordinates)."""

    def u(lo: float, hi: float) -> torch.Tensor:
        return torch.rand(n, generator=g) * (hi - lo) + lo

    a = u(-10, 10) * strength * math.pi / 180
    sh = u(-0.3, 0.3) * strength  # handwriting slant is mostly horizontal shear
    sx, sy = 1 + u(-0.15, 0.15) * strength, 1 + u(-0.15, 0.15) * strength
    cos, sin = torch.cos(a), torch.sin(a)
    theta = torch.zeros(n, 3, 3)
    theta[:, 0, 0], theta[:, 0, 1] = cos / sx, (-sin + sh) / sx
    theta[:, 1, 0], theta[:, 1, 1] = sin / sy, cos / sy
    theta[:, :2, 2] = u(-0.1, 0.1).unsqueeze(1)  # the re-centring below undoes most of it
    # A sheet seen at an angle: one side of the glyph up to ~15% larger than the other.
    theta[:, 2, 0], theta[:, 2, 1] = u(-0.08, 0.08) * strength, u(-0.08, 0.08) * strength
    theta[:, 2, 2] = 1
    return theta


def _max3(x: torch.Tensor) -> torch.Tensor:
    """3x3 grey dilation as two separable shifted maxima (max_pool2d is slow for 1 channel)."""
    p = F.pad(x, (1, 1, 1, 1))
    h = torch.maximum(torch.maximum(p[..., :, :-2], p[..., :, 1:-1]), p[..., :, 2:])
    return torch.maximum(torch.maximum(h[..., :-2, :], h[..., 1:-1, :]), h[..., 2:, :])


def _blur3(x: torch.Tensor) -> torch.Tensor:
    """[1, 2, 1]/4 separable blur."""
    p = F.pad(x, (1, 1, 1, 1))
    h = 0.25 * p[..., :, :-2] + 0.5 * p[..., :, 1:-1] + 0.25 * p[..., :, 2:]
    return 0.25 * h[..., :-2, :] + 0.5 * h[..., 1:-1, :] + 0.25 * h[..., 2:, :]


def _some(
    x: torch.Tensor, p: float, g: torch.Generator, op: Callable[[torch.Tensor], torch.Tensor]
) -> torch.Tensor:
    """Blend a random fraction p of the batch a random amount towards op(x).

    Only the chosen rows are computed, which matters for the cost of a step.
    """
    idx = torch.nonzero(torch.rand(x.shape[0], generator=g) < p).squeeze(1)
    if len(idx):
        sub = x[idx]
        amount = torch.rand(len(idx), 1, 1, 1, generator=g)
        x = x.index_copy(0, idx, sub + (op(sub) - sub) * amount)
    return x


def _bold(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """A wider pen: grey dilation by 0-2 px at the 20 px box (a +1..+3 px pen at a 30-60 px
    written digit, the camera pages' "bold" condition, which cost the most accuracy)."""
    amount = torch.rand(x.shape[0], 1, 1, 1, generator=g) * 2
    once = _max3(x)
    first = x + (once - x) * amount.clamp(max=1)
    return first + (_max3(once) - once) * (amount - 1).clamp(min=0)


def _motion(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Motion blur: each glyph convolved with its own line kernel, 1-4 px long, any angle."""
    n = x.shape[0]
    half = (torch.rand(n, 1, 1, generator=g) * 3 + 1) / 2
    angle = torch.rand(n, 1, 1, generator=g) * math.pi
    dx, dy = torch.cos(angle), torch.sin(angle)
    r = torch.arange(-3, 4, dtype=torch.float32)
    px, py = r.view(1, 1, 7), r.view(1, 7, 1)
    t = torch.maximum(torch.minimum(px * dx + py * dy, half), -half)  # nearest point on the line
    ker = (1 - torch.hypot(px - t * dx, py - t * dy)).clamp(min=0)
    ker = ker / ker.sum((1, 2), keepdim=True)
    out = F.conv2d(x.reshape(1, n, SIZE, SIZE), ker.view(n, 1, 7, 7), padding=3, groups=n)
    return out.view_as(x)


def _grain(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Pencil: graphite leaves a grainy, broken, lighter trace."""
    depth = torch.rand(x.shape[0], 1, 1, 1, generator=g) * 0.6
    noise = torch.randn(x.shape, generator=g).abs()
    return x * (1 - depth * _blur3(noise)).clamp(min=0)


def _cut(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """The app's crops are ink above a threshold, masked: faint ink (a light pencil, a blurred
    edge) drops to zero at 20-60% of the stroke's peak, leaving hard, thin, broken strokes."""
    level = torch.rand(x.shape[0], 1, 1, 1, generator=g) * 0.4 + 0.2
    peak = x.amax((1, 2, 3), keepdim=True)
    return torch.where(x >= level * peak, x, torch.zeros_like(x))


def stroke_and_blur(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Pen width (bold up to 2 px, or soft erosion), blur (defocus or motion), pencil grain and
    the app's ink threshold, each on a random share of the batch."""
    x = _some(x, 0.3, g, lambda t: _bold(t, g))
    x = _some(x, 0.2, g, lambda t: -_max3(-t))
    x = _some(x, 0.2, g, _blur3)
    x = _some(x, 0.25, g, lambda t: _motion(t, g))
    x = _some(x, 0.2, g, lambda t: _grain(t, g))
    return _some(x, 0.35, g, lambda t: _cut(t, g))


def renormalize(x: torch.Tensor) -> torch.Tensor:
    """normalize_glyph for a batch [N, 1, 28, 28]: box to 20 px, centre of mass to 14, peak 1.

    Maps output pixel u to input pixel (u - 14) / s + c, with s the box scale and c the
    centre of mass, which is what crop + resize + shift in normalize_glyph amounts to.
    """
    n = x.shape[0]
    ink = x[:, 0] > INK
    idx = torch.arange(SIZE)
    rows, cols = ink.any(2), ink.any(1)
    height = torch.where(rows, idx, -1).amax(1) - torch.where(rows, idx, SIZE).amin(1) + 1
    width = torch.where(cols, idx, -1).amax(1) - torch.where(cols, idx, SIZE).amin(1) + 1
    empty = height <= 0
    s = BOX / torch.maximum(height, width).clamp(min=1).float()
    mass = x[:, 0].sum((1, 2)).clamp(min=1e-6)
    cx = (x[:, 0].sum(1) * idx).sum(1) / mass
    cy = (x[:, 0].sum(2) * idx).sum(1) / mass
    # The same map in grid_sample's [-1, 1] coordinates (align_corners=False).
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = theta[:, 1, 1] = 1 / s
    theta[:, 0, 2] = (2 * cx + 1) / SIZE - 1 - 1 / (SIZE * s)
    theta[:, 1, 2] = (2 * cy + 1) / SIZE - 1 - 1 / (SIZE * s)
    out = _warp(x, theta)
    out = out / out.amax((1, 2, 3), keepdim=True).clamp(min=1e-6)
    return torch.where(empty.view(n, 1, 1, 1), torch.zeros_like(out), out)


def photometric(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Contrast (gamma on ink), faint background noise and a weaker peak, as from a camera."""
    n = x.shape[0]
    gamma = torch.exp(torch.randn(n, 1, 1, 1, generator=g) * 0.3)
    x = x.clamp(min=0) ** gamma
    return _some(x, 0.2, g, lambda t: _noise(t, g))


def _noise(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    sigma = torch.rand(x.shape[0], 1, 1, 1, generator=g) * 0.16
    return (x + (torch.randn(x.shape, generator=g) * sigma).clamp(min=0)).clamp(max=1)


def augment(x: torch.Tensor, g: torch.Generator, p: float = 0.5) -> torch.Tensor:
    """Augment a fraction p of a normalized batch [N, 1, 28, 28]; the rest pass unchanged.

    Only the chosen rows are warped: augmenting the whole batch and keeping half was a
    sixth of a training step.
    """
    idx = torch.nonzero(torch.rand(x.shape[0], generator=g) < p).squeeze(1)
    if not len(idx):
        return x
    y = _warp(x[idx], _affine(len(idx), g, 1.0))
    y = photometric(renormalize(stroke_and_blur(y, g)), g)
    return x.index_copy(0, idx, y)
