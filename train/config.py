"""Settings of a training run: `python -m train`'s options take their defaults from here.

No torch in this module: the command line is parsed before the train extra is checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

Stages = tuple[tuple[int, ...], ...]
# Conv widths per resolution (28, 14, 7), a 2x2 max-pool between stages. One conv at full
# resolution: on CPU, per-pixel work at 28x28 (BN, ReLU, memory) costs more than the MACs.
# Widths are multiples of 8, which oneDNN runs markedly faster than e.g. 12.
STAGES: Stages = ((16,), (24, 24), (24, 32))
SHARE = 0.3  # of the MNIST training digits a style rewrites (train/styles.py)


@dataclass
class Config:
    data: Path | None = None
    out: Path = Path("models")
    epochs: int = 30
    seed: int = 0
    threads: int = 2
    batch_size: int = 128
    lr: float = 0.01
    weight_decay: float = 1e-4
    aug_p: float = 0.5  # fraction of each batch augmented
    pct_start: float = 0.25  # OneCycle: share of the steps spent warming up
    mnist_per_epoch: int = 60_000  # MNIST training digits sampled per epoch
    neg_pool: int = 24_000  # drawn once per run; each epoch samples neg_per_epoch of them
    neg_per_epoch: int = 9_000  # ~1.5x a digit class, so "not a digit" is not a rare class
    neg_heldout: int = 5_000  # built from MNIST *test* digits with another seed
    # Camera crops (train/pages.py glyph_crops): what localize really cuts out of photos.
    crop_pool: int = 30_000  # from train-split pages, drawn once per run (cached on disk)
    crop_per_epoch: int = 15_000  # ~20% of an epoch: MNIST stays the bulk
    crop_heldout: int = 5_000  # from test-split pages (MNIST test writers)
    mnist_only: bool = False  # the ablation: MNIST alone, no negatives/augmentation/crops
    continental: float = SHARE  # of the training 1s and 7s rewritten as continental writers do
    descended: float = SHARE  # of the other training 7s and 9s rewritten with a tail below the line
    stages: Stages = STAGES
    bf16: bool = False  # autocast to bfloat16: ~35% faster steps where the CPU has AVX512-BF16
    # Evaluate and export a moving average of the weights (decay per step; 0: off). It sits
    # near where the noisy steps circle: 99.5% MNIST comes epochs sooner than without.
    ema: float = 0.999
