"""`numrec bench`: what the pipeline costs, measured on fixed generated frames.

Rows (one JSON object per line with --json):
- pipeline: every stage's handler on the same frames, capture excluded, one thread, with
  the seed method's localization (OpenCV MSER) timed on the same frames in the same run;
- live: a paced 30 fps source through the pipeline with the live view attached headless;
- startup: a fresh process, from its first line to the first frame drawn;
- preview: each preview mode's frame rate and CPU, and the bytes a terminal receives;
- match: the phone book rows (`phonebook.bench`);
- training: from the shipped model's card.
Figures are medians unless named otherwise. Times depend on the machine: compare rows of
one run with each other (ratios), not with another machine's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import cv2
import numpy as np

from phonebook.book import load_phonebook, sample_path
from pipeline.classify import Classifier
from pipeline.messages import Frame
from pipeline.sources import ArraySource
from pipeline.supervisor import Pipeline
from pipeline.synth import as_written, render_page

SIZES = {"640x480": (640, 480), "1280x720": (1280, 720)}


def bench_frames(size: tuple[int, int], count: int, seed: int = 0) -> list[np.ndarray]:
    """Pages holding numbers from the sample book, the same for every run."""
    book = load_phonebook(sample_path())
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(count):
        phone = book.contacts[i % len(book.contacts)].phone
        frames.append(render_page([as_written(phone)], rng, size)[0])
    return frames


def _ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 3)


def _p95(samples: list[float]) -> float:
    return round(float(np.percentile(samples, 95)) * 1000, 3)


def pipeline_row(name: str, frames: list[np.ndarray], classifier: Classifier) -> dict:
    pipeline = Pipeline(ArraySource(frames), classifier, load_phonebook(sample_path()))
    stages = pipeline.stages
    per_stage: dict[str, list[float]] = {s.name: [] for s in stages}
    whole: list[float] = []
    mser_times: list[float] = []
    mser = cv2.MSER_create(min_diversity=0)  # the seed method's localization
    for warm in (True, False):  # a first untimed pass fills caches and wakes the threads
        for seq, image in enumerate(frames):
            item = Frame(seq, time.perf_counter(), image)
            t_start = time.perf_counter()
            for stage in stages:
                t0 = time.perf_counter()
                item = stage.handle(item)
                if not warm:
                    per_stage[stage.name].append(time.perf_counter() - t0)
            t_end = time.perf_counter()
            gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
            mser.detectRegions(gray)
            if not warm:
                whole.append(t_end - t_start)
                mser_times.append(time.perf_counter() - t_end)
    return {
        "bench": "pipeline",
        "size": name,
        "frames": len(frames),
        "median_ms": _ms(whole),
        "p95_ms": _p95(whole),
        "stages": {k: _ms(v) for k, v in per_stage.items()},
        "mser_baseline_median_ms": _ms(mser_times),
        "speedup_vs_mser": round(statistics.median(mser_times) / statistics.median(whole), 2),
    }


PREVIEW_FPS = 15.0  # the live view's default drawing rate (--fps)


async def _live(frames: list[np.ndarray], seconds: float, fps: float) -> dict:
    from tui.app import NumrecApp

    book = load_phonebook(sample_path())
    app = NumrecApp(ArraySource(frames, fps=fps), Classifier(), book, fps=PREVIEW_FPS)
    lags: list[float] = []
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(1.0)  # warm up: first frames, caches
        received, captured = app.received, app.pipeline.frames
        cpu, wall = time.process_time(), time.perf_counter()
        drawn = app.drawn
        while time.perf_counter() - wall < seconds:
            await pilot.pause(0.05)
            if app.drawn != drawn:
                drawn = app.drawn
                lags.append(app.lag_ms)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        processed, captured = app.received - received, app.pipeline.frames - captured
        stats = app.pipeline.stats()
        dropped = sum(s.dropped for s in stats.values()) + app.pipeline.results_box.dropped
        # Key to screen while frames keep coming: cycle the preview mode, which rebuilds the
        # picture at once; the terminal gets it on Textual's next refresh tick.
        key_ms = []
        for _ in range(9):
            mode, t0 = app.preview.mode, time.perf_counter()
            app.simulate_key("p")  # as the terminal's key event arrives
            while app.preview.mode == mode:
                await asyncio.sleep(0.001)
            key_ms.append((time.perf_counter() - t0) * 1000)
            await pilot.pause(0.1)
        await pilot.press("space")  # freeze: what does a still picture cost?
        frozen_cpu, frozen_wall = time.process_time(), time.perf_counter()
        await pilot.pause(min(3.0, seconds))
        frozen = (time.process_time() - frozen_cpu) / (time.perf_counter() - frozen_wall)
    return {
        "bench": "live",
        "source_fps": fps,
        "preview_fps": PREVIEW_FPS,
        "seconds": round(wall, 1),
        "captured_fps": round(captured / wall, 1),
        "processed_fps": round(processed / wall, 1),
        "dropped": dropped,
        "dropped_percent": round(100 * dropped / max(captured, 1), 2),
        "lag_ms": round(statistics.median(lags), 1) if lags else None,
        "lag_p95_ms": round(float(np.percentile(lags, 95)), 1) if lags else None,
        "cpu_percent": round(100 * cpu / wall, 1),
        "key_to_screen_ms": round(statistics.median(key_ms), 1),
        "frozen_cpu_percent": round(100 * frozen, 1),
        "rss_mb": round(_rss_mb(), 1),
    }


def live_row(seconds: float = 10.0, fps: float = 30.0) -> dict:
    """Run in a fresh process, so its memory is the app's own and not the bench's frames."""
    code = f"""
import asyncio, json
from numrec.bench import _live, bench_frames
frames = bench_frames((640, 480), 30, seed=1)
print(json.dumps(asyncio.run(_live(frames, {seconds!r}, {fps!r}))))
"""
    return json.loads(_fresh_process(code))


def _fresh_process(code: str) -> str:
    """Run `code` in a new Python and return the last line it printed."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip().splitlines()[-1] if out.stderr else "failed")
    return out.stdout.strip().splitlines()[-1]


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


async def _preview(frames: list[np.ndarray], mode: str, seconds: float) -> dict:
    """Frames drawn per second and CPU in one preview mode, headless, uncapped at 30 fps in."""
    from tui.app import NumrecApp

    book = load_phonebook(sample_path())
    source = ArraySource(frames, fps=30)
    app = NumrecApp(source, Classifier(), book, fps=30, preview=mode)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.5)
        drawn, cpu, wall = app.drawn, time.process_time(), time.perf_counter()
        await pilot.pause(seconds)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        return {"drawn_fps": round((app.drawn - drawn) / wall, 1),
                "cpu_percent": round(100 * cpu / wall, 1)}


def preview_rows(seconds: float) -> Iterator[dict]:
    """Each preview mode: fps and CPU headless (fresh process each), and the bytes per second
    a real terminal receives (tmux at 100x30, when tmux is there)."""
    for mode in ("ascii", "grey", "colour"):
        code = f"""
import asyncio, json
from numrec.bench import _preview, bench_frames
frames = bench_frames((640, 480), 30, seed=1)
print(json.dumps(asyncio.run(_preview(frames, {mode!r}, {seconds!r}))))
"""
        row = {"bench": "preview", "mode": mode, **json.loads(_fresh_process(code))}
        row["bytes_per_s"] = _terminal_bytes_per_s(mode, seconds)
        yield row


def _terminal_bytes_per_s(mode: str, seconds: float) -> float | None:
    """Run the demo in tmux and count what the app writes to the terminal."""
    if shutil.which("tmux") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        out, socket = Path(tmp) / "out", f"numrec-bench-{os.getpid()}"
        command = (
            f"XDG_DATA_HOME={tmp} {shlex.quote(sys.executable)} -m numrec --source demo "
            f"--preview {mode}"
        )
        tmux = ["tmux", "-L", socket]
        subprocess.run([*tmux, "new-session", "-d", "-x", "100", "-y", "30", command], check=True)
        try:
            time.sleep(1.5)  # start-up and the first full paint are not the steady state
            subprocess.run([*tmux, "pipe-pane", "-o", f"cat > {out}"], check=True)
            time.sleep(seconds)
            subprocess.run([*tmux, "pipe-pane"], check=True)
            size = out.stat().st_size if out.exists() else 0
        finally:
            subprocess.run([*tmux, "kill-server"], capture_output=True)
    return round(size / seconds)


STARTUP_PROBE = """
import time
t0 = time.perf_counter()
import asyncio
from numrec.bench import first_frame_ms
print(asyncio.run(first_frame_ms(t0)))
"""


async def first_frame_ms(t0: float) -> float:
    """In a fresh process: ms from `t0` (its first line) until the live view drew a frame."""
    from phonebook.book import load_phonebook, sample_path
    from pipeline.sources import DemoSource
    from tui.app import NumrecApp

    book = load_phonebook(sample_path())
    app = NumrecApp(DemoSource([c.phone for c in book.contacts]), Classifier(), book)
    async with app.run_test(size=(100, 30)) as pilot:
        while app.drawn == 0:
            await pilot.pause(0.01)
        return round((time.perf_counter() - t0) * 1000, 1)


def startup_row() -> dict:
    runs = [float(_fresh_process(STARTUP_PROBE)) for _ in range(3)]
    return {"bench": "startup", "first_frame_ms": statistics.median(runs), "runs_ms": runs}


def training_row() -> dict:
    """Training speed as the last training run recorded it in the model card."""
    try:
        card = (resources.files("models") / "CARD.md").read_text(encoding="utf-8")
    except OSError:
        card = ""

    def figure(label: str) -> str | None:
        match = re.search(rf"\|\s*{label}[^|]*\|\s*\**([^|*]+?)\**\s*\|", card)
        return match.group(1).strip() if match else None

    return {
        "bench": "training",
        "seconds_per_epoch": figure("Seconds per epoch"),
        "first_epoch_at_99_5": figure("First epoch reaching 99.5%"),
        "seconds_to_99_5": figure("Wall time to first 99.5%"),
        "data_preparation": figure("Data preparation"),  # says whether crops came cached
        "total_seconds": figure("Total time"),
        "mnist_test_accuracy": figure("MNIST test accuracy"),
        "source": "models/CARD.md",
    }


def rows(quick: bool, live_seconds: float, frames: int) -> Iterator[dict]:
    from phonebook.bench import match_rows

    classifier = Classifier()
    for name, size in SIZES.items():
        yield pipeline_row(name, bench_frames(size, frames), classifier)
    yield live_row(seconds=live_seconds)
    yield startup_row()
    yield from preview_rows(seconds=min(live_seconds, 2.5))
    sizes = (10_000,) if quick else (10_000, 1_000_000)
    yield from match_rows(sizes=sizes)
    yield training_row()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="numrec bench", description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--quick", action="store_true", help="skip the 1M-contact match row")
    parser.add_argument("--live-seconds", type=float, default=10.0, help="live run (default 10)")
    parser.add_argument("--frames", type=int, default=60, help="frames per pipeline row")
    args = parser.parse_args(argv)
    if args.frames < 1 or not args.live_seconds > 0:
        parser.error("--frames must be at least 1 and --live-seconds above 0")
    os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
    for row in rows(args.quick, args.live_seconds, args.frames):
        print(json.dumps(row) if args.json else _describe(row), flush=True)
    return 0


def _describe(row: dict) -> str:
    fields = " ".join(f"{k}={v}" for k, v in row.items() if k != "bench")
    return f"{row['bench']:<9} {fields}"
