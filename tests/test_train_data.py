"""train.data: IDX parsing, checksums and the download path (no torch, no internet)."""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from train import atlas, data
from train.data import SHARED_DIR

MNIST = SHARED_DIR  # the team's copy beside the repo, as training finds it
needs_mnist = pytest.mark.skipif(
    not (MNIST / "t10k-images-idx3-ubyte.gz").exists(), reason="shared MNIST copy not present"
)


def _idx(shape: tuple[int, ...], payload: bytes | None = None) -> bytes:
    header = bytes([0, 0, 8, len(shape)]) + b"".join(n.to_bytes(4, "big") for n in shape)
    return header + (payload if payload is not None else bytes(int(np.prod(shape))))


@needs_mnist
def test_reads_real_test_split() -> None:
    x = data.read_idx(MNIST / "t10k-images-idx3-ubyte.gz")
    y = data.read_idx(MNIST / "t10k-labels-idx1-ubyte.gz")
    assert x.shape == (10000, 28, 28) and x.dtype == np.uint8
    assert y.shape == (10000,)
    # Published per-class counts of the MNIST test set.
    assert np.bincount(y).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert y[:5].tolist() == [7, 2, 1, 0, 4]


@needs_mnist
def test_raw_and_gzipped_idx_agree(tmp_path: Path) -> None:
    raw = tmp_path / "labels-idx1-ubyte"
    raw.write_bytes(gzip.decompress((MNIST / "t10k-labels-idx1-ubyte.gz").read_bytes()))
    np.testing.assert_array_equal(
        data.read_idx(raw), data.read_idx(MNIST / "t10k-labels-idx1-ubyte.gz")
    )


@needs_mnist
def test_load_mnist_verifies_and_loads() -> None:
    x_train, y_train, x_test, y_test = data.load_mnist(MNIST)
    assert x_train.shape == (60000, 28, 28) and y_train.shape == (60000,)
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    assert int(y_train.max()) == 9


def test_parse_idx_roundtrip() -> None:
    payload = bytes(range(24))
    arr = data.parse_idx(_idx((2, 3, 4), payload))
    assert arr.shape == (2, 3, 4)
    assert arr.ravel().tolist() == list(range(24))


@pytest.mark.parametrize(
    ("blob", "message"),
    [
        (b"\x00\x00", "too short"),
        (b"\x00\x00\x0d\x01" + (3).to_bytes(4, "big") + bytes(12), "bad IDX magic"),  # float
        (b"\x12\x34\x08\x01" + (3).to_bytes(4, "big") + bytes(3), "bad IDX magic"),
        (b"\x00\x00\x08\x03" + (3).to_bytes(4, "big"), "header truncated"),
        (_idx((10, 28, 28))[:-5], "size mismatch"),
        (_idx((4,)) + b"extra", "size mismatch"),
    ],
)
def test_corrupt_idx_is_rejected_clearly(blob: bytes, message: str) -> None:
    with pytest.raises(data.IdxError, match=message):
        data.parse_idx(blob, "x.idx")


def test_corrupt_gzip_is_rejected_clearly(tmp_path: Path) -> None:
    bad = tmp_path / "t10k-labels-idx1-ubyte.gz"
    bad.write_bytes(gzip.compress(_idx((100,)))[:-12])  # truncated stream
    with pytest.raises(data.IdxError, match="corrupt gzip"):
        data.read_idx(bad)


def test_truncated_idx_inside_valid_gzip(tmp_path: Path) -> None:
    bad = tmp_path / "images.gz"
    bad.write_bytes(gzip.compress(_idx((3, 28, 28))[:-1]))
    with pytest.raises(data.IdxError, match=r"images\.gz: size mismatch"):
        data.read_idx(bad)


def test_local_file_with_wrong_checksum_is_rejected(tmp_path: Path) -> None:
    for name in data.FILES:
        (tmp_path / name).write_bytes(b"not mnist")
    with pytest.raises(data.ChecksumError, match="does not match"):
        data.ensure_mnist(tmp_path, mirrors=())


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A real HTTP server on 127.0.0.1 serving tmp_path/'mirror'."""
    root = tmp_path / "mirror"
    root.mkdir()
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", root
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        pass


def test_download_rejects_and_deletes_corrupt_file(
    served: tuple[str, Path], tmp_path: Path
) -> None:
    url, root = served
    name = "t10k-labels-idx1-ubyte.gz"
    (root / name).write_bytes(b"\x1f\x8b corrupted download")
    dest = tmp_path / "cache"
    with pytest.raises(data.ChecksumError, match="deleted"):
        data.download(name, dest, mirrors=[url])
    assert not (dest / name).exists()
    assert list(dest.iterdir()) == []  # no temp file left behind either


def test_download_falls_back_to_next_mirror_and_verifies(
    served: tuple[str, Path], tmp_path: Path
) -> None:
    url, root = served
    content = _idx((5,), bytes([1, 2, 3, 4, 5]))
    name = "t10k-labels-idx1-ubyte.gz"
    (root / name).write_bytes(gzip.compress(content))
    expected = hashlib.sha256((root / name).read_bytes()).hexdigest()
    dead = "http://127.0.0.1:9/nothing/"  # port 9 (discard): connection refused
    got = data.download(name, tmp_path / "cache", mirrors=[dead, url], expected=expected)
    assert data.read_idx(got).tolist() == [1, 2, 3, 4, 5]


def test_download_all_mirrors_failing_names_them(tmp_path: Path) -> None:
    missing = (tmp_path / "nowhere").as_uri() + "/"
    with pytest.raises(data.DownloadError, match="could not download") as e:
        data.download("t10k-labels-idx1-ubyte.gz", tmp_path / "cache", mirrors=[missing])
    assert missing in str(e.value) and "--data" in str(e.value)
    assert "\n" not in str(e.value)  # the commands print it as their one error line


def test_atlas_with_corrupt_mnist_says_so_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    for name in data.FILES:
        (tmp_path / name).write_bytes(b"not mnist")
    out = tmp_path / "atlas.png"
    assert atlas.main(["--data", str(tmp_path), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("train.atlas: ") and "does not match" in err
    assert err.count("\n") == 1 and not out.exists()


@needs_mnist
def test_ensure_mnist_downloads_missing_files_via_file_url(tmp_path: Path) -> None:
    dest = tmp_path / "cache"
    dest.mkdir()
    for name in data.FILES[:2]:  # two present locally, two to be "downloaded"
        shutil.copy(MNIST / name, dest / name)
    assert data.ensure_mnist(dest, mirrors=[MNIST.as_uri() + "/"]) == dest
    assert sorted(p.name for p in dest.iterdir()) == sorted(data.FILES)
