"""Write models/CARD.md from a finished training run."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from train.export import ExportReport
    from train.train import Result


def _pct(x: object) -> str:
    return f"{100 * float(x):.2f}%"  # type: ignore[arg-type]


def write(path: Path, r: Result) -> None:
    e = r.extra
    rep: ExportReport = e["export"]  # type: ignore[assignment]
    c = r.cfg
    first = next((log.epoch for log in r.epochs if log.test_acc >= 0.995), None)
    per_epoch = sum(log.seconds for log in r.epochs) / len(r.epochs)
    sums = "\n".join(f"| {name} | `{sha}` |" for name, sha in e["sha256"].items())  # type: ignore[union-attr]
    kinds = ", ".join(f"{k} {_pct(v)}" for k, v in e["false_digit_by_kind"].items())  # type: ignore[union-attr]
    epochs = "\n".join(
        f"| {x.epoch} | {x.loss:.4f} | {_pct(x.test_acc)} | {_pct(x.false_digit)} "
        f"| {x.seconds:.1f} |"
        for x in r.epochs
    )
    rows = [
        (
            "MNIST test accuracy (10,000 raw test images /255, argmax over all 11 classes)",
            f"**{_pct(e['test_acc_raw'])}**",
        ),
        (
            "MNIST test accuracy after `normalize_glyph` (as the app feeds it)",
            _pct(e["test_acc_norm"]),
        ),
        ('MNIST test digits predicted as "not a digit"', e["test_rejected"]),
        (
            f"False-digit rate on {c.neg_heldout:,} held-out synthetic negatives (as 0-9)",
            f"**{_pct(e['false_digit'])}**",
        ),
        ("... by kind", kinds),
        ("Parameters (torch, incl. BatchNorm)", f"{r.params:,}"),
        ("Parameters in the ONNX file (BatchNorm folded into the convs)", f"{rep.onnx_params:,}"),
        ("ONNX file size", f"{rep.size_bytes:,} bytes"),
        ("max abs difference onnxruntime vs torch (256 test images)", f"{rep.max_abs_diff:.1e}"),
        ("Epochs", len(r.epochs)),
        ("First epoch reaching 99.5% MNIST test accuracy", first or "not reached"),
        ("Seconds per epoch (training steps, mean)", f"{per_epoch:.1f}"),
        # The cores may be shared with other work; the fastest epoch is the uncontended speed.
        ("Seconds per epoch (fastest)", f"{min(log.seconds for log in r.epochs):.1f}"),
        ("Data preparation (load, normalize, negatives pool)", f"{e['t_data']:.1f} s"),
        ("Total time (data + training + evaluation + export)", f"{e['t_total']:.0f} s"),
    ]
    results = "\n".join(f"| {k} | {v} |" for k, v in rows)
    text = f"""# digits.onnx — model card

Handwritten digit classifier for numrec. Input: one glyph after
`pipeline.normalize.normalize_glyph`, as float32 `input` [N, 1, 28, 28] in [0, 1] (ink bright
on dark; the model subtracts the MNIST mean / divides by the std itself). Output: `probs`
float32 [N, 11], softmax probabilities for digits 0-9 and class 10 = "not a digit".
Dynamic batch axis, ONNX opset 17, one self-contained file.

## Results

| | |
| --- | --- |
{results}

| epoch | loss | MNIST test | false-digit | train s |
| ---: | ---: | ---: | ---: | ---: |
{epochs}

## Data

- **MNIST** (Yann LeCun, Corinna Cortes, Christopher J.C. Burges; derived from NIST; commonly
  distributed under CC BY-SA 3.0): 60,000 training images for training, the 10,000 test
  images only for evaluation. The original gzipped IDX files, verified by SHA-256:

| file | sha256 |
| --- | --- |
{sums}

- Training digits go through `normalize_glyph`; {c.aug_p:.0%} of each batch gets light
  augmentation (`train/augment.py`: rotation ±10°, shear ±0.25, scale ±10%, soft
  dilate/erode, blur, gamma, faint noise) and is re-normalized the same way.
- **Negatives** (class 10, `train/negatives.py`): a pool of {c.neg_pool:,} synthetic crops
  drawn once per run, {c.neg_per_epoch:,} sampled per epoch (same augmentation): dashes, dots
  and specks, near-horizontal line fragments (≤35° off horizontal; steeper is a "1"), long
  rule fragments, noise blobs, parentheses, +, x, =, #, *, letters and short words (Hershey
  fonts, italic, warped), two MNIST training digits touching/overlapping as one crop, and
  top/bottom cuts of MNIST digits. Each is drawn at 20-60 px and passed through
  `normalize_glyph`. Held-out negatives use another seed and MNIST *test* digits.

## Architecture

`train/model.py` `DigitNet(stages={c.stages})`: input (x - 0.1307) / 0.3081, then per
stage (28x28, 14x14, 7x7; 2x2 max-pool between) 3x3 conv + BatchNorm + ReLU with those widths,
then global average pool, linear {c.stages[-1][-1]}→11, and softmax (in the export).

## Training

AdamW (weight decay {c.weight_decay}), OneCycleLR peak {c.lr}, batch {c.batch_size},
cross-entropy over 11 classes, channels_last, {"bfloat16 autocast" if c.bf16 else "float32"},
seed {c.seed}, {c.threads} torch threads. Half of the unaugmented digits are fed as raw MNIST
pixels, half after `normalize_glyph`; evaluation and export are float32.

Machine: {e["cores"]} CPU cores ({e["cpu"]}), no GPU; torch {e["torch"]}, Python {e["python"]}.

Command (from the repo root):

```
{r.command}
```
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
