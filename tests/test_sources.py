"""Sources on real files: images, folders, videos, the demo, and the errors a user can cause."""

from pathlib import Path

import cv2
import numpy as np
import pytest

from pipeline.sources import DemoSource, SourceError, open_source
from pipeline.synth import render_page


def write_page(path: Path, seed: int = 0) -> np.ndarray:
    image, _ = render_page(["555 0100"], np.random.default_rng(seed))
    cv2.imwrite(str(path), image)
    return image


def test_image_file_gives_one_frame_then_ends(tmp_path):
    write_page(tmp_path / "a.png")
    source = open_source(str(tmp_path / "a.png"), live=False)
    assert source.read().shape == (480, 640, 3)
    assert source.read() is None


def test_folder_in_live_mode_keeps_showing_frames(tmp_path):
    for i in range(2):
        write_page(tmp_path / f"{i}.png", seed=i)
    source = open_source(str(tmp_path), live=True)
    frames = [source.read() for _ in range(3)]
    source.close()
    assert all(f is not None for f in frames)
    assert source.read() is None  # closed


def test_video_file_gives_every_frame(tmp_path):
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (640, 480))
    for i in range(5):
        writer.write(render_page(["555 0100"], np.random.default_rng(i))[0])
    writer.release()
    source = open_source(str(path), live=False)
    frames = []
    while (frame := source.read()) is not None:
        frames.append(frame)
    source.close()
    assert len(frames) == 5


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.png", None, "no such file"),
        ("broken.png", b"\x89PNG\r\n\x1a\n not really", "not an image"),
        ("empty.jpg", b"", "not an image"),
        ("clip.mp4", b"garbage" * 100, "not a video"),
    ],
)
def test_bad_files_give_one_line_errors(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SourceError) as err:
        open_source(str(path), live=False).read()
    assert message in str(err.value) and "\n" not in str(err.value)


def test_missing_camera_suggests_the_demo():
    with pytest.raises(SourceError, match="--source demo"):
        open_source("97")


def test_empty_folder_is_an_error(tmp_path):
    with pytest.raises(SourceError, match="no images"):
        open_source(str(tmp_path))


def test_demo_moves_like_a_hand_and_writes_book_numbers():
    source = DemoSource(["(415) 555-0132"], fps=200)
    a, b = source.read(), source.read()
    source.close()
    assert a.shape == b.shape == (480, 640, 3)
    assert np.abs(a.astype(int) - b.astype(int)).mean() > 0.5  # not a still picture


def test_demo_needs_numbers():
    with pytest.raises(SourceError):
        DemoSource([])
