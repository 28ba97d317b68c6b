"""Write models/CARD.md from a finished training run."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from train.export import ExportReport
    from train.train import Result


def _pct(x: object) -> str:
    return f"{100 * float(x):.2f}%"  # type: ignore[arg-type]


ABLATION_START = "<!-- ablation: written by python -m train --mnist-only -->"
ABLATION_END = "<!-- /ablation -->"
_ABLATION = re.compile(re.escape(ABLATION_START) + ".*?" + re.escape(ABLATION_END), re.S)


def _crop_rows(e: dict[str, object], c: object) -> list[tuple[str, object]]:
    crop: dict = e["crop"]  # type: ignore[assignment]
    per = ", ".join(
        f"{'not' if k == 10 else k} {_pct(v)}" for k, v in crop["per_class"].items()
    )
    n = sum(crop["count"].values())
    return [
        (
            f"Camera-crop accuracy ({n:,} held-out crops from test-split pages, 11 classes)",
            f"**{_pct(crop['acc'])}**",
        ),
        ("... by class (10 = not a digit)", per),
        ("... digits read as the right digit", _pct(crop["digit_acc"])),
        ('... digits read as "not a digit"', _pct(crop["digit_rejected"])),
        ('... "not a digit" crops read as a digit', _pct(crop["false_digit"])),
    ]


def _style_rows(e: dict[str, object]) -> list[tuple[str, object]]:
    """How the model reads digit forms MNIST's writers lacked (train/styles.py)."""
    cont: dict = e["continental"]  # type: ignore[assignment]
    hung: dict = e["descended"]  # type: ignore[assignment]
    return [
        (
            "MNIST test 1s and 7s written by continental hands (`train/styles.py`, every "
            "one): flagged 1s / crossed 7s read right",
            f"{_pct(cont[1])} / {_pct(cont[7])}",
        ),
        (
            "MNIST test 7s and 9s with their tails drawn below the line (`train/styles.py`, "
            "every one): read right",
            f"{_pct(hung[7])} / {_pct(hung[9])}",
        ),
    ]


def _ablation_section(path: Path) -> str:
    """The ablation's section of an existing card, kept when the main model is retrained."""
    if path.exists():
        m = _ABLATION.search(path.read_text(encoding="utf-8"))
        if m:
            return m.group(0)
    return (
        f"{ABLATION_START}\n(not trained yet: "
        f"`python -m train --mnist-only --out models`)\n{ABLATION_END}"
    )


def _sections_after(path: Path) -> str:
    """What an existing card holds after the ablation section: hand-written sections (how
    the pipeline reads pages with this model, and their figures) that a retrain keeps."""
    if path.exists():
        text = path.read_text(encoding="utf-8")
        if ABLATION_END in text:
            return text.split(ABLATION_END, 1)[1].strip("\n")
    return ""


def write_ablation(path: Path, r: Result) -> None:
    """Put the MNIST-only ablation's figures into the card, leaving the rest as it is."""
    e = r.extra
    rep: ExportReport = e["export"]  # type: ignore[assignment]
    first = next((log.epoch for log in r.epochs if log.test_acc >= 0.995), None)
    rows = [
        ("MNIST test accuracy (raw /255, argmax over 11)", _pct(e["test_acc_raw"])),
        *_crop_rows(e, r.cfg),
        *_style_rows(e),
        (
            f"False-digit rate on {r.cfg.neg_heldout:,} held-out synthetic negatives",
            _pct(e["false_digit"]),
        ),
        ("Parameters / ONNX size", f"{r.params:,} / {rep.size_bytes:,} bytes"),
        ("Epochs / first reaching 99.5%", f"{len(r.epochs)} / {first or 'not reached'}"),
        ("Total time", f"{e['t_total']:.0f} s"),
    ]
    table = "\n".join(f"| {k} | {v} |" for k, v in rows)
    section = f"""{ABLATION_START}
`models/ablation_mnist_only.onnx` (for `numrec eval --ablation-model`): the same architecture
trained on MNIST alone (raw and `normalize_glyph`ed, no negatives, no augmentation, no
camera crops). It has 11 outputs, but class 10 was never a target.

| | |
| --- | --- |
{table}

Command: `{r.command}`
{ABLATION_END}"""
    text = path.read_text(encoding="utf-8") if path.exists() else "# digits.onnx — model card\n"
    if _ABLATION.search(text):
        text = _ABLATION.sub(lambda _: section, text)
    else:
        text = text.rstrip("\n") + "\n\n## Ablation: MNIST only\n\n" + section + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def write(path: Path, r: Result) -> None:
    """The card of a new digits.onnx; the ablation's section and the sections after it are
    kept from the card it replaces."""
    e = r.extra
    rep: ExportReport = e["export"]  # type: ignore[assignment]
    c = r.cfg
    first_log = next((log for log in r.epochs if log.test_acc >= 0.995), None)
    first = first_log.epoch if first_log else None
    reached = f"{first_log.elapsed:.0f} s" if first_log else "not reached"
    per_epoch = sum(log.seconds for log in r.epochs) / len(r.epochs)
    sums = "\n".join(f"| {name} | `{sha}` |" for name, sha in e["sha256"].items())  # type: ignore[union-attr]
    kinds = ", ".join(f"{k} {_pct(v)}" for k, v in e["false_digit_by_kind"].items())  # type: ignore[union-attr]
    epochs = "\n".join(
        f"| {x.epoch} | {x.loss:.4f} | {_pct(x.test_acc)} | {_pct(x.false_digit)} "
        f"| {_pct(x.crop_acc)} | {x.seconds:.1f} |"
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
        *_style_rows(e),
        (
            f"False-digit rate on {c.neg_heldout:,} held-out synthetic negatives (as 0-9)",
            f"**{_pct(e['false_digit'])}**",
        ),
        ("... by kind", kinds),
        *_crop_rows(e, c),
        ("Parameters (torch, incl. BatchNorm)", f"{r.params:,}"),
        (
            "Parameters in the ONNX file (BatchNorm folded into the convs; the input mean and std)",
            f"{rep.onnx_params:,}",
        ),
        (
            "ONNX file size (int8; float32 before quantization)",
            f"{rep.size_bytes:,} bytes ({rep.float_size_bytes:,})",
        ),
        (
            "int8 onnxruntime vs float torch on 256 test images: same class, max abs difference",
            f"{_pct(rep.agreement)}, {rep.max_abs_diff:.3f}",
        ),
        ("Epochs", len(r.epochs)),
        ("First epoch reaching 99.5% MNIST test accuracy", first or "not reached"),
        ("Seconds per epoch (training steps, mean)", f"{per_epoch:.1f}"),
        # The cores may be shared with other work; the fastest epoch is the uncontended speed.
        ("Seconds per epoch (fastest)", f"{min(log.seconds for log in r.epochs):.1f}"),
        (
            "Data preparation (load, normalize, negatives, camera crops)",
            f"{e['t_data']:.1f} s (camera crops {e['t_crops']:.1f} s"
            + (", from the cache)" if e["crops_cached"] else ")"),
        ),
        ("Wall time to first 99.5% MNIST test accuracy (from the start of the run)", reached),
        ("Total time (data + training + evaluation + export)", f"{e['t_total']:.0f} s"),
    ]
    results = "\n".join(f"| {k} | {v} |" for k, v in rows)
    ema = (
        "\nEvaluation and export use a moving average of the weights and BatchNorm statistics\n"
        f"(decay {c.ema} per step), not the last step's weights."
        if c.ema else ""
    )
    text = f"""# digits.onnx — model card

Handwritten digit classifier for numrec. Input: one glyph after
`pipeline.normalize.normalize_glyph`, as float32 `input` [N, 1, 28, 28] in [0, 1] (ink bright
on dark; the model subtracts the MNIST mean / divides by the std itself). Output: `probs`
float32 [N, 11], softmax probabilities for digits 0-9 and class 10 = "not a digit".
Dynamic batch axis, ONNX opset 17, one self-contained file. The convolutions run in int8
(`train/quantize.py`: onnxruntime static quantization, weights per channel in 7 bits,
activation ranges from {e["calibration"]:,} inputs of the training mix); the head and softmax
stay float32. The figures below are the shipped file's in onnxruntime, except the per-epoch
table: the float net in torch.

## Results

| | |
| --- | --- |
{results}

| epoch | loss | MNIST test | false-digit | camera crops | train s |
| ---: | ---: | ---: | ---: | ---: | ---: |
{epochs}

## Data

- **MNIST** (Yann LeCun, Corinna Cortes, Christopher J.C. Burges; derived from NIST; commonly
  distributed under CC BY-SA 3.0): 60,000 training images for training
  ({c.mnist_per_epoch:,} sampled per epoch), the 10,000 test images only for evaluation.
  The original gzipped IDX files, verified by SHA-256:

| file | sha256 |
| --- | --- |
{sums}

- Training digits go through `normalize_glyph`; {c.aug_p:.0%} of each batch is augmented
  (`train/augment.py`: rotation ±10°, shear ±0.3, scale ±15%, perspective tilt; a bolder
  pen (grey dilation up to 2 px at the 20 px box), soft erosion, defocus and motion blur
  (1-4 px line kernels), pencil grain, the app's ink threshold (faint ink cut at 20-60% of
  the peak); gamma, faint noise) and re-normalized the same way.
- **Continental hands** (`train/styles.py`): {c.continental:.0%} of the training 1s and 7s are
  rewritten once per run with an up-stroke flag (a foot under some) or a bar through the
  stem, as most of continental Europe writes them and MNIST's writers did not. A quarter of
  the camera-crop pages, and of the benchmark's, are written so too.
- **Descenders** (`train/styles.py`): {c.descended:.0%} of the other training 7s and 9s are
  rewritten once per run with their lower half drawn out 20-50% of their height, a tail
  hanging below the line. A fifth of the camera-crop pages' writers, and of the
  benchmark's, write their 7s and 9s so.
- **Camera crops** (`train/pages.py` `glyph_crops`): {e["crop_train_count"]:,} glyphs cut by
  the real `preprocess` + `localize` from camera-like pages written with MNIST *training*
  digits (≤15° turned), labelled 0-9 or 10 ({e["crop_train_not_digit"]:,} are "not a digit":
  separators, '+', brackets, letters of nearby words, sheet edges, touching pairs), through
  `normalize_glyph`; {c.crop_per_epoch:,} sampled per epoch (same augmentation). Built on
  {c.threads} processes and cached in the user cache folder, keyed by the contents of
  `train/pages.py`, `pipeline/*.py` and the seed. Held out: {c.crop_heldout:,} crops from
  pages written with MNIST *test* digits (always page seed 0, so runs compare).
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
then the last map averaged over its four overlapping 4x4 corners (where a stroke lies tells a
6 from a 0), linear 4x{c.stages[-1][-1]}→11, and softmax (in the export).

## Training

AdamW (weight decay {c.weight_decay}), OneCycleLR peak {c.lr} (rising for
{c.pct_start:.0%} of the steps), batch {c.batch_size},
cross-entropy over 11 classes, channels_last, {"bfloat16 autocast" if c.bf16 else "float32"},
seed {c.seed}, {c.threads} torch threads. Half of the unaugmented digits are fed as raw MNIST
pixels, half after `normalize_glyph`; the per-epoch evaluation is float32.{ema}

Machine: {e["cores"]} CPU cores ({e["cpu"]}), no GPU; torch {e["torch"]}, Python {e["python"]}.

Command (from the repo root):

```
{r.command}
```

## Ablation: MNIST only

{_ablation_section(path)}
"""
    if after := _sections_after(path):
        text += f"\n{after}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
