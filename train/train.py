"""Train the digit net on MNIST, synthetic negatives and camera crops; export it, write its card.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import platform
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from pipeline.classify import Classifier
from pipeline.normalize import normalize_glyph
from train import card
from train.augment import augment
from train.config import Config
from train.data import SHA256, ensure_mnist, load_mnist
from train.export import export_onnx
from train.model import NOT_A_DIGIT, DigitNet, count_params
from train.negatives import kinds, make_pool
from train.styles import continental_digits, descended_digits


@dataclass
class EpochLog:
    epoch: int
    loss: float
    test_acc: float
    false_digit: float
    crop_acc: float  # held-out camera crops, all 11 classes
    seconds: float  # training steps only
    wall: float  # including evaluation
    elapsed: float  # since the start of the run, at the end of this epoch's evaluation


@dataclass
class Result:
    cfg: Config
    command: str
    params: int
    epochs: list[EpochLog] = field(default_factory=list)
    extra: dict[str, object] = field(default_factory=dict)


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def bf16_is_fast() -> bool:
    """bfloat16 autocast pays off only with native support; elsewhere it is emulated, slowly."""
    probe = getattr(torch.cpu, "_is_avx512_bf16_supported", None)  # private, so guarded
    return bool(probe and probe())


def normalize_all(x: np.ndarray) -> np.ndarray:
    return np.stack([normalize_glyph(g) for g in x])


CALIBRATION = 2048  # inputs that set the int8 model's activation scales
KEEP_POOLS = 3  # cached crop pools kept per kind (split, seed, size), made by any sources
CHUNK = 500  # crops per work unit; unit i always uses the same seed, whatever the workers


def _crop_chunk(args: tuple[int, int, str]) -> tuple[np.ndarray, np.ndarray, int]:
    """CHUNK normalized camera crops and their classes, from pages drawn with seed (seed, i).

    As train.pages.glyph_crops, page by page, so that a page the pipeline fails on (it is
    being worked on) is skipped and counted instead of ending the run.
    """
    seed, i, split = args
    from train.pages import crop_page, page_crops

    rng = np.random.default_rng([seed, i, split == "test"])
    crops: list[np.ndarray] = []
    classes: list[int] = []
    failed = 0
    while len(crops) < CHUNK:
        image, labels = crop_page(rng, split)
        try:
            found = page_crops(image, labels)
        except (IndexError, ValueError):
            failed += 1
            continue
        for glyph, label in found:
            crops.append(normalize_glyph(glyph.crop))  # exactly what the classifier is fed
            classes.append(label)
    return np.stack(crops[:CHUNK]), np.array(classes[:CHUNK], np.int64), failed


def _source_hash() -> str:
    """Everything that decides what a crop looks like: the page generator and the pipeline."""
    root = Path(__file__).resolve().parent.parent
    files = [root / "train" / n for n in ("pages.py", "styles.py", "negatives.py", "data.py")]
    files.append(root / "phonebook" / "phone.py")  # how numbers are written
    files += sorted((root / "pipeline").glob("*.py"))
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:16]


def _cache_path(n: int, seed: int, split: str) -> Path:
    from platformdirs import user_cache_dir

    key = f"{split}-{seed}-{-(-n // CHUNK) * CHUNK}-{_source_hash()}"
    return Path(user_cache_dir("numrec")) / "crops" / f"{key}.npz"


def _worker_init() -> None:
    # One OpenCV thread per worker: the workers already fill the cores, and cv2's own
    # threads would only fight them for the same two.
    import cv2

    cv2.setNumThreads(1)


def crop_executor(workers: int) -> ProcessPoolExecutor | None:
    """Worker processes for CropPool (None: build in this process)."""
    if workers <= 1:
        return None
    # spawn: a forked child would inherit torch's thread pools.
    ctx = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(workers, mp_context=ctx, initializer=_worker_init)


class CropPool:
    """n normalized camera crops float32 [n, 28, 28], classes 0-10, pages skipped.

    ~2 s per 1,000 on one core, so the pool is cached in the user cache folder, keyed by the
    sources that make it, the seed and the split. When it is not cached, its chunks are
    queued on `executor` as soon as the pool is made, and result() collects them: the caller
    gets on with other work (MNIST, negatives) meanwhile.
    """

    def __init__(
        self, n: int, seed: int, split: str, executor: ProcessPoolExecutor | None = None
    ) -> None:
        self.n, self.path = n, _cache_path(n, seed, split)
        self.jobs = [(seed, i, split) for i in range(-(-n // CHUNK))]
        self.futures = None
        self.cached = self.path.exists()
        if executor is not None and not self.cached:
            self.futures = [executor.submit(_crop_chunk, job) for job in self.jobs]

    def result(self) -> tuple[np.ndarray, np.ndarray, int]:
        path = self.path
        if path.exists():
            os.utime(path)  # last used now: the pools pruned below are the least recent
            with np.load(path) as z:
                return z["x"][: self.n], z["y"][: self.n], int(z["failed"])
        if self.futures is not None:
            parts = [f.result() for f in self.futures]
        else:
            parts = [_crop_chunk(job) for job in self.jobs]
        x = np.concatenate([p[0] for p in parts])
        y = np.concatenate([p[1] for p in parts])
        failed = sum(p[2] for p in parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        # A file of this process's own: two runs building the same pool side by side must
        # not write into, or clear away, each other's half-written file.
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp")
        with tmp.open("wb") as f:
            np.savez_compressed(f, x=x, y=y, failed=failed)
        tmp.replace(path)
        # Pools of other sources: an experiment on a branch would otherwise cost the main
        # line its pool (40 s to rebuild). The few used last are kept, 24 MB each.
        stem = path.name.rsplit("-", 1)[0]
        pools = sorted(path.parent.glob(f"{stem}-*.npz"), key=_last_used, reverse=True)
        for old in pools[KEEP_POOLS:]:
            old.unlink(missing_ok=True)
        return x[: self.n], y[: self.n], failed


def _last_used(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:  # cleared by a run side by side
        return 0.0


def crop_pool(n: int, seed: int, split: str, workers: int) -> tuple[np.ndarray, np.ndarray, int]:
    """CropPool(...).result() on `workers` processes."""
    ex = crop_executor(workers)
    try:
        return CropPool(n, seed, split, ex).result()
    finally:
        if ex is not None:
            ex.shutdown()


def crop_figures(pred: np.ndarray, y: np.ndarray) -> dict[str, object]:
    """Accuracy on camera crops, per class, and the two ways of confusing digit and not."""
    digit = y != NOT_A_DIGIT
    return {
        "acc": float((pred == y).mean()),
        "per_class": {c: float((pred[y == c] == c).mean()) for c in range(11) if (y == c).any()},
        "count": {c: int((y == c).sum()) for c in range(11)},
        "digit_rejected": float((pred[digit] == NOT_A_DIGIT).mean()),
        "digit_acc": float((pred[digit] == y[digit]).mean()),
        "false_digit": float((pred[~digit] != NOT_A_DIGIT).mean()),
    }


@torch.no_grad()
def predict(model: torch.nn.Module, x: np.ndarray, batch: int = 500) -> np.ndarray:
    """Argmax over all 11 classes for float32 [N, 28, 28] input in [0, 1]."""
    model.eval()
    out = []
    for i in range(0, len(x), batch):
        xb = torch.from_numpy(x[i : i + batch, None]).contiguous(memory_format=torch.channels_last)
        out.append(model(xb).argmax(1).numpy())
    return np.concatenate(out)


def predict_onnx(shipped: Classifier, x: np.ndarray, batch: int = 500) -> np.ndarray:
    """predict() with the exported file, loaded as the app loads it: the figures of what
    ships."""
    return np.concatenate([
        shipped.probabilities(np.ascontiguousarray(x[i : i + batch, None])).argmax(1)
        for i in range(0, len(x), batch)
    ])


def run(cfg: Config, command: str) -> Result:
    t_start = time.perf_counter()
    torch.set_num_threads(cfg.threads)
    torch.set_flush_denormal(True)  # blurred/warped glyph edges leave denormals: slow on CPU
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)

    data_dir = ensure_mnist(cfg.data)  # before the crop workers, which read it too
    # Camera crops are most of the data preparation: their chunks go to worker processes
    # first, and MNIST and the negatives are prepared here while they run.
    t0 = time.perf_counter()
    executor = crop_executor(cfg.threads)
    try:
        # Held-out crops always come from seed 0's test pages: every run is judged on the
        # same set.
        eval_pool = CropPool(cfg.crop_heldout, 0, "test", executor)
        train_pool = None if cfg.mnist_only else CropPool(
            cfg.crop_pool, cfg.seed, "train", executor
        )
        x_train, y_train, x_test, y_test = load_mnist(data_dir)
        # Train on what the app feeds the model: glyphs through normalize_glyph. The standard
        # test metric stays on the raw MNIST pixels (/255), with the normalized one reported
        # too.
        xd = normalize_all(x_train)
        x_raw = x_train.astype(np.float32) / 255
        if not cfg.mnist_only:
            # MNIST's US writers never flag a 1 or cross a 7; a share of them is rewritten so.
            # Those glyphs exist normalized only, so their raw form is the normalized one.
            restyled, glyphs = continental_digits(x_train, y_train, rng, cfg.continental)
            xd[restyled] = x_raw[restyled] = glyphs
            # ... nor did they let a 7 or 9 hang below the line (a crossed 7 stays crossed).
            others = y_train.astype(np.int64)  # a copy that can hold -1: "not to rewrite"
            others[restyled] = -1
            hung, glyphs = descended_digits(x_train, others, rng, cfg.descended)
            xd[hung] = x_raw[hung] = glyphs
        x_test_raw = x_test.astype(np.float32) / 255
        neg_eval, neg_eval_kind = make_pool(cfg.neg_heldout, cfg.seed + 10_007, x_test, y_test)
        if train_pool is None:
            neg = np.zeros((0, 28, 28), np.float32)
            crops, crop_y, failed = neg, np.zeros(0, np.int64), 0
        else:
            neg, _ = make_pool(cfg.neg_pool, cfg.seed, x_train, y_train)
            crops, crop_y, failed = train_pool.result()
        crop_eval, crop_eval_y, failed_eval = eval_pool.result()
    finally:
        if executor is not None:
            executor.shutdown()
    t_crops = time.perf_counter() - t0  # queued until all arrived, overlapping the rest
    t_data = time.perf_counter() - t_start
    print(
        f"data ready in {t_data:.1f} s (camera crops {t_crops:.1f} s): {len(xd)} digits, "
        f"{len(neg)} negatives, {len(crops)} training crops "
        f"({int((crop_y == NOT_A_DIGIT).sum())} not a digit), {len(crop_eval)} held-out crops"
        + (f"; {failed + failed_eval} pages skipped: the pipeline raised" if failed + failed_eval
           else ""),
        flush=True,
    )

    x_all = torch.from_numpy(np.concatenate([xd, neg, crops]))[:, None]
    # Raw MNIST pixels too: unaugmented digits come raw or normalized half the time each,
    # so the model is at home with both (normalize_glyph shifts a box by a pixel or so).
    # Negatives and crops exist in one form only.
    x_raw = torch.from_numpy(x_raw)[:, None]
    y_all = torch.from_numpy(
        np.concatenate([
            y_train.astype(np.int64), np.full(len(neg), NOT_A_DIGIT, np.int64), crop_y
        ])
    )
    n_digits, n_neg = len(xd), len(neg)
    # The ablation keeps whole passes over MNIST, as its card section reports.
    mnist_per_epoch = n_digits if cfg.mnist_only else min(cfg.mnist_per_epoch, n_digits)
    neg_per_epoch = min(cfg.neg_per_epoch, n_neg)
    crop_per_epoch = min(cfg.crop_per_epoch, len(crops))
    # Drop the ragged end.
    steps = (mnist_per_epoch + neg_per_epoch + crop_per_epoch) // cfg.batch_size
    aug_p = 0.0 if cfg.mnist_only else cfg.aug_p

    model = DigitNet(cfg.stages).to(memory_format=torch.channels_last)
    result = Result(cfg, command, count_params(model))
    # AdamW beat Nesterov SGD here (99.45% vs 99.19% after 5 epochs, same OneCycle).
    ema = None
    if cfg.ema:  # BatchNorm's running statistics are averaged too (use_buffers)
        ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(cfg.ema), use_buffers=True)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=cfg.lr, total_steps=cfg.epochs * steps, pct_start=cfg.pct_start
    )
    print(
        f"model: {result.params} parameters, {steps} steps of {cfg.batch_size} per epoch",
        flush=True,
    )

    for epoch in range(1, cfg.epochs + 1):
        t0 = time.perf_counter()
        model.train()
        digits = rng.choice(n_digits, mnist_per_epoch, replace=False)
        negs = n_digits + rng.choice(n_neg, neg_per_epoch, replace=False)
        cams = n_digits + n_neg + rng.choice(len(crops), crop_per_epoch, replace=False)
        order = rng.permutation(np.concatenate([digits, negs, cams]))
        order = torch.from_numpy(order[: steps * cfg.batch_size]).view(steps, cfg.batch_size)
        total = 0.0
        for idx in order:
            raw = (torch.rand(len(idx), generator=gen) < 0.5) & (idx < n_digits)
            xb = x_all[idx]
            xb[raw] = x_raw[idx[raw]]
            xb = augment(xb, gen, aug_p).contiguous(memory_format=torch.channels_last)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=cfg.bf16):
                loss = F.cross_entropy(model(xb), y_all[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            if ema is not None:
                ema.update_parameters(model)
            total += loss.item()
        t_train = time.perf_counter() - t0
        net = model if ema is None else ema.module
        acc = float((predict(net, x_test_raw) == y_test).mean())
        false_digit = float((predict(net, neg_eval) != NOT_A_DIGIT).mean())
        crop_acc = float((predict(net, crop_eval) == crop_eval_y).mean())
        now = time.perf_counter()
        log = EpochLog(
            epoch, total / steps, acc, false_digit, crop_acc, t_train, now - t0, now - t_start
        )
        result.epochs.append(log)
        print(
            f"epoch {epoch:2d}/{cfg.epochs}  loss {log.loss:.4f}  test {100 * acc:.2f}%  "
            f"false-digit {100 * false_digit:.2f}%  crops {100 * crop_acc:.2f}%  "
            f"{t_train:.1f} s (+{log.wall - t_train:.1f} s eval, {log.elapsed:.0f} s in)",
            flush=True,
        )
    t_train_total = time.perf_counter() - t_start
    model = net  # what ships is what the epochs were judged by

    name = "ablation_mnist_only.onnx" if cfg.mnist_only else "digits.onnx"
    onnx_path = cfg.out / name
    # int8 activation scales are set on inputs like the training mix (digits, negatives,
    # camera crops), drawn after the last step so that training is the same without it.
    pick = rng.choice(len(x_all), min(CALIBRATION, len(x_all)), replace=False)
    calibration = x_all[torch.from_numpy(pick)].numpy()
    rep = export_onnx(model.eval(), onnx_path, x_test_raw[:256, None], calibration)
    print(
        f"exported {onnx_path}: int8, {rep.size_bytes} bytes, {rep.onnx_params} parameters, "
        f"same class as torch on {100 * rep.agreement:.1f}% of 256 test images "
        f"(max |p difference| {rep.max_abs_diff:.3f})"
    )
    shipped = Classifier(onnx_path, threads=cfg.threads)
    pred_raw = predict_onnx(shipped, x_test_raw)
    pred_norm = predict_onnx(shipped, normalize_all(x_test))
    pred_neg = predict_onnx(shipped, neg_eval)
    crop = crop_figures(predict_onnx(shipped, crop_eval), crop_eval_y)
    # Every test 1 and 7 rewritten by a continental hand, the same ones in every run.
    which, restyled = continental_digits(x_test, y_test, np.random.default_rng(0), share=1.0)
    right = predict_onnx(shipped, restyled) == y_test[which]
    hung, glyphs = descended_digits(x_test, y_test, np.random.default_rng(0), share=1.0)
    hung_right = predict_onnx(shipped, glyphs) == y_test[hung]
    names = kinds()
    result.extra = {
        "data_dir": str(data_dir),
        "sha256": SHA256,
        "t_data": t_data,
        "t_crops": t_crops,
        "crops_cached": eval_pool.cached and (train_pool is None or train_pool.cached),
        "t_train_total": t_train_total,
        "t_total": time.perf_counter() - t_start,
        "test_acc_raw": float((pred_raw == y_test).mean()),
        "test_acc_norm": float((pred_norm == y_test).mean()),
        "test_rejected": int((pred_raw == NOT_A_DIGIT).sum()),
        "false_digit": float((pred_neg != NOT_A_DIGIT).mean()),
        "false_digit_by_kind": {
            names[k]: float((pred_neg[neg_eval_kind == k] != NOT_A_DIGIT).mean())
            for k in range(len(names))
            if (neg_eval_kind == k).any()
        },
        "crop": crop,
        "continental": {d: float(right[y_test[which] == d].mean()) for d in (1, 7)},
        "descended": {d: float(hung_right[y_test[hung] == d].mean()) for d in (7, 9)},
        "crop_train_count": len(crops),
        "crop_train_not_digit": int((crop_y == NOT_A_DIGIT).sum()),
        "pages_failed": failed + failed_eval,
        "export": rep,
        "calibration": len(calibration),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
    }
    card_path = cfg.out / "CARD.md"
    if cfg.mnist_only:
        card.write_ablation(card_path, result)
    else:
        card.write(card_path, result)
    print(
        f"MNIST test {100 * result.extra['test_acc_raw']:.2f}% "
        f"(normalized {100 * result.extra['test_acc_norm']:.2f}%), "
        f"false-digit {100 * result.extra['false_digit']:.2f}%, "
        f"crops {100 * crop['acc']:.2f}% (digit->not {100 * crop['digit_rejected']:.2f}%, "  # type: ignore[operator]
        f"not->digit {100 * crop['false_digit']:.2f}%), "  # type: ignore[operator]
        f"total {result.extra['t_total']:.0f} s; wrote {card_path}"
    )
    return result
