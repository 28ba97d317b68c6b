"""`python -m train` / `numrec train`: train the digit model and export models/digits.onnx."""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import shlex
import sys
import tempfile
from pathlib import Path

from train.config import Config

MISSING = "training needs the train extra: pip install -e '.[train]'"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    d = Config()  # the defaults
    ap = argparse.ArgumentParser(
        prog="numrec train",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        description="Train the 11-class digit CNN on MNIST, synthetic negatives and camera crops; "
        "export ONNX.",
    )
    ap.add_argument(
        "--data", type=Path, default=None,
        help="folder with the 4 MNIST .gz files; default: ../shared/data/mnist beside the repo "
        "when present, else a user cache folder, downloaded and checked by SHA-256",
    )
    ap.add_argument(
        "--epochs", type=int, default=d.epochs,
        help="epochs of --mnist-per-epoch digits, negatives and --crops-per-epoch crops",
    )
    ap.add_argument(
        "--out", type=Path, default=d.out, help="folder for digits.onnx and CARD.md"
    )
    ap.add_argument("--seed", type=int, default=d.seed, help="same seed, same model")
    ap.add_argument("--threads", type=int, default=d.threads, help="torch CPU threads")
    ap.add_argument("--batch-size", type=int, default=d.batch_size, help="images per training step")
    ap.add_argument("--lr", type=float, default=d.lr, help="OneCycle peak learning rate (AdamW)")
    ap.add_argument(
        "--crops", type=int, default=d.crop_pool,
        help="camera crops cut from generated train-split pages (cached in the user cache "
        "folder; ~2 s per 1,000 per core the first time)",
    )
    ap.add_argument(
        "--crops-per-epoch", type=int, default=d.crop_per_epoch,
        help="camera crops sampled per epoch",
    )
    ap.add_argument(
        "--mnist-per-epoch", type=int, default=d.mnist_per_epoch,
        help="MNIST training digits sampled per epoch (the ablation always takes all 60,000)",
    )
    ap.add_argument(
        "--mnist-only", action="store_true",
        help="the ablation: MNIST alone (no negatives, augmentation or crops), written to "
        "OUT/ablation_mnist_only.onnx and its own section of OUT/CARD.md",
    )
    ap.add_argument(
        "--ema", type=float, default=d.ema,
        help="evaluate and export a moving average of the weights with this decay per step "
        "(0: the weights as trained)",
    )
    ap.add_argument(
        "--bf16",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="bfloat16 autocast for training steps (default: on if the CPU has AVX512-BF16)",
    )
    args = ap.parse_args(argv)
    if args.epochs < 1 or not 0 <= args.ema < 1:
        ap.error("--epochs must be at least 1 and --ema in [0, 1)")
    return args


def unwritable(out: Path) -> str | None:
    """Why `out` cannot take the model and its card: found before minutes of training,
    not at the export that ends them. Folders made to find out are removed again: a run
    that fails leaves nothing behind."""
    made = [p for p in (out, *out.parents) if not p.exists()]  # deepest first
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as e:
        return f"cannot write to {out}: {e.strerror or e}"
    finally:
        for folder in made:
            with contextlib.suppress(OSError):
                folder.rmdir()
    return None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if why := unwritable(args.out):
        print(f"numrec train: {why}", file=sys.stderr)
        return 1
    # Checked before importing anything heavy, so a plain install gets one line, not a trace.
    if any(importlib.util.find_spec(m) is None for m in ("torch", "onnx")):
        print(MISSING, file=sys.stderr)
        return 2
    from train.data import DataError
    from train.train import bf16_is_fast, run

    cfg = Config(
        data=args.data,
        out=args.out,
        epochs=args.epochs,
        seed=args.seed,
        threads=args.threads,
        batch_size=args.batch_size,
        lr=args.lr,
        crop_pool=args.crops,
        crop_per_epoch=args.crops_per_epoch,
        mnist_per_epoch=args.mnist_per_epoch,
        mnist_only=args.mnist_only,
        ema=args.ema,
        bf16=bf16_is_fast() if args.bf16 is None else args.bf16,
    )
    given = sys.argv[1:] if argv is None else argv
    try:
        run(cfg, shlex.join(["python", "-m", "train", *given]))
    except DataError as e:
        print(f"numrec train: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
