"""Where frames come from: a webcam, a video file, an image, a folder of images, or the demo.

Every source has one blocking `read()` that returns the next BGR frame or None when a finite
source is done; the capture stage calls it in a worker thread. Live sources pace themselves
to their frame rate; recognizing a file reads it as fast as the pipeline takes frames.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from .synth import as_written, render_page

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm"}


class SourceError(Exception):
    """A source cannot be opened or read; the message is one line for the user."""


class Source(ABC):
    live = True  # frames come in real time: stale ones may be dropped
    status = "ok"  # what the user should know about the source right now

    def __init__(self, name: str) -> None:
        self.name = name
        self._closed = threading.Event()

    @abstractmethod
    def read(self) -> np.ndarray | None: ...

    def close(self) -> None:
        self._closed.set()


class Pacer:
    """Hands out turns at a steady rate to a source that makes frames faster than real time."""

    def __init__(self, fps: float, closed: threading.Event) -> None:
        self.period = 1.0 / fps
        self.closed = closed
        self._next = time.perf_counter()

    def wait(self) -> bool:
        """Sleep until the next frame is due; False once the source is closed."""
        delay = self._next - time.perf_counter()
        self._next = max(self._next + self.period, time.perf_counter())
        return not self.closed.wait(max(0.0, delay))


class ImageSource(Source):
    """One image, or a folder of them. Live: shown in turn, `hold` seconds each, looping."""

    def __init__(self, paths: Sequence[Path], live: bool, fps: float = 10, hold: float = 3):
        super().__init__(str(paths[0].parent if len(paths) > 1 else paths[0]))
        self.pacer = Pacer(fps, self._closed)
        self.paths, self.live, self.hold = list(paths), live, hold
        self.frames = [load_image(p) for p in self.paths] if not live else []
        self._index, self._shown_since = 0, time.perf_counter()
        if live:
            self._current = load_image(self.paths[0])

    def read(self) -> np.ndarray | None:
        if not self.live:
            return self.frames.pop(0) if self.frames else None
        if not self.pacer.wait():
            return None
        if len(self.paths) > 1 and time.perf_counter() - self._shown_since > self.hold:
            self._index = (self._index + 1) % len(self.paths)
            self._shown_since = time.perf_counter()
            try:
                self._current = load_image(self.paths[self._index])
                self.status = "ok"
            except SourceError as e:
                self.status = str(e)  # keep showing the last good image
        return self._current


def load_image(path: Path) -> np.ndarray:
    data = np.fromfile(path, np.uint8) if path.is_file() else None
    if data is None:
        raise SourceError(f"cannot read {path}: no such file")
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if image is None:
        raise SourceError(f"cannot read {path}: not an image, or the file is damaged")
    return image


class VideoSource(Source):
    """A video file. Live: played at its own frame rate, looping; else every frame once."""

    def __init__(self, path: Path, live: bool) -> None:
        super().__init__(str(path))
        self.path, self.live = path, live
        self.capture = self._open()
        self._lock = threading.Lock()  # close() may come from another thread mid-read
        fps = self.capture.get(cv2.CAP_PROP_FPS)
        self.pacer = Pacer(fps if 1 <= fps <= 240 else 30, self._closed)

    def _open(self) -> cv2.VideoCapture:
        capture = cv2.VideoCapture(str(self.path))
        ok, _ = capture.read() if capture.isOpened() else (False, None)
        if not ok:
            capture.release()
            raise SourceError(f"cannot read {self.path}: not a video or image OpenCV can decode")
        capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
        return capture

    def read(self) -> np.ndarray | None:
        if self.live and not self.pacer.wait():
            return None
        with self._lock:
            if self._closed.is_set():
                return None
            ok, frame = self.capture.read()
            if not ok and self.live:
                self.capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
                ok, frame = self.capture.read()
        return frame if ok else None

    def close(self) -> None:
        super().close()
        with self._lock:
            self.capture.release()


class WebcamSource(Source):
    """A camera. A reader thread keeps only the newest frame, since cameras buffer stale
    ones; a watchdog reopens a camera that stopped delivering."""

    STALL = 2.0  # seconds without a frame before the camera counts as lost

    def __init__(self, index: int) -> None:
        super().__init__(f"camera {index}")
        self.index = index
        self.capture = cv2.VideoCapture(index)
        if not self.capture.isOpened():
            raise SourceError(
                f"no camera at index {index}: try --source demo, a video file or an image"
            )
        self._frame: np.ndarray | None = None
        self._fresh = threading.Condition()
        self._last = time.monotonic()
        self._ever = False  # a camera that opens but never sends is usually held by another app
        self._thread = threading.Thread(target=self._reader, name="camera", daemon=True)
        self._thread.start()

    def _reader(self) -> None:
        while not self._closed.is_set():
            ok, frame = self.capture.read()
            if ok:
                with self._fresh:
                    self._frame, self._last, self._ever = frame, time.monotonic(), True
                    self.status = "ok"
                    self._fresh.notify_all()
            elif time.monotonic() - self._last > self.STALL:
                self.status = (
                    "camera lost, retrying" if self._ever
                    else "no picture from the camera (another app may be using it), retrying"
                )
                log.warning("camera %d stopped delivering; reopening", self.index)
                self.capture.release()
                self._closed.wait(1.0)
                self.capture = cv2.VideoCapture(self.index)
            else:
                self._closed.wait(0.01)

    def read(self) -> np.ndarray | None:
        with self._fresh:
            while not self._closed.is_set():
                if self._frame is not None:
                    frame, self._frame = self._frame, None
                    return frame
                self._fresh.wait(0.25)
        return None

    def close(self) -> None:
        super().close()
        self._thread.join(timeout=2)
        self.capture.release()


class DemoSource(Source):
    """A sheet with a number from the phone book, moving a little like a hand holds it.
    Shows the next number every `hold` seconds."""

    def __init__(self, phones: Sequence[str], fps: float = 15, hold: float = 8, seed: int = 0):
        super().__init__("demo")
        self.pacer = Pacer(fps, self._closed)
        if not phones:
            raise SourceError("the demo needs a phone book with at least one number")
        self.rng = np.random.default_rng(seed)
        self.phones, self.hold = list(phones), hold
        self._turn = -1
        self._page: np.ndarray | None = None
        self._since = 0.0
        self._t0 = time.perf_counter()

    def _next_page(self) -> None:
        self._turn = (self._turn + 1) % len(self.phones)
        self._page, _ = render_page([as_written(self.phones[self._turn])], self.rng)
        self._since = time.perf_counter()

    def read(self) -> np.ndarray | None:
        if not self.pacer.wait():
            return None
        if self._page is None or time.perf_counter() - self._since > self.hold:
            self._next_page()
        return hand_jitter(self._page, time.perf_counter() - self._t0, self.rng)


class ArraySource(Source):
    """Frames held in memory: benchmarks feed the same frames to every run. With `fps` it
    acts as a live camera at that rate, looping; without, it gives each frame once."""

    def __init__(self, frames: Sequence[np.ndarray], fps: float | None = None) -> None:
        super().__init__("frames")
        self.frames, self.live = list(frames), fps is not None
        self.pacer = Pacer(fps, self._closed) if fps else None
        self._index = 0

    def read(self) -> np.ndarray | None:
        if self.pacer is not None:
            if not self.pacer.wait():
                return None
            self._index %= len(self.frames)
        if self._index >= len(self.frames):
            return None
        self._index += 1
        return self.frames[self._index - 1]


def hand_jitter(page: np.ndarray, t: float, rng: np.random.Generator) -> np.ndarray:
    """Move the page the way a hand does: slow sway, a slight tilt, fresh sensor noise."""
    h, w = page.shape[:2]
    angle = 1.5 * np.sin(t * 0.9)
    dx, dy = 8 * np.sin(t * 1.3), 5 * np.sin(t * 0.7 + 1)
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    m[:, 2] += (dx, dy)
    moved = cv2.warpAffine(page, m, (w, h), borderMode=cv2.BORDER_REPLICATE)
    noise = rng.integers(-3, 4, moved.shape, dtype=np.int16)
    return np.clip(moved.astype(np.int16) + noise, 0, 255).astype(np.uint8)


def images_in(folder: Path) -> list[Path]:
    """The images in a folder, in name order."""
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)


def open_source(spec: str, live: bool = True, phones: Sequence[str] = ()) -> Source:
    """Open `spec`: "demo", a camera index, an image, a folder of images or a video file."""
    if spec == "demo":
        return DemoSource(phones)
    if spec.isdigit():
        return WebcamSource(int(spec))
    path = Path(spec).expanduser()
    if path.is_dir():
        images = images_in(path)
        if not images:
            raise SourceError(f"no images in folder {path}")
        return ImageSource(images, live)
    if not path.exists():
        raise SourceError(f"cannot read {path}: no such file")
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return ImageSource([path], live)
    return VideoSource(path, live)
