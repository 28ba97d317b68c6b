"""Find, fetch, verify and decode the MNIST files.

Pure numpy + stdlib on purpose: the data code is tested where torch is not installed.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

# SHA-256 of the original gzipped distribution files (see shared/data/mnist/PROVENANCE.md).
SHA256: dict[str, str] = {
    "train-images-idx3-ubyte.gz": (
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"
    ),
    "train-labels-idx1-ubyte.gz": (
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"
    ),
    "t10k-images-idx3-ubyte.gz": (
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"
    ),
    "t10k-labels-idx1-ubyte.gz": (
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"
    ),
}
FILES = tuple(SHA256)

MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = REPO_ROOT.parent / "shared" / "data" / "mnist"

# IDX magic: two zero bytes, a type code (0x08 = unsigned byte) and the number of dimensions.
_UBYTE = 0x08
_MAX_DIMS = 4


class DataError(Exception):
    """The MNIST files cannot be had: the commands print it as one line."""


class IdxError(DataError, ValueError):
    """An IDX file is truncated, corrupt or not the expected kind."""


class ChecksumError(DataError, RuntimeError):
    """A downloaded or local MNIST file does not have the expected SHA-256."""


class DownloadError(DataError, RuntimeError):
    """No mirror served a missing MNIST file."""


def parse_idx(data: bytes, name: str = "<bytes>") -> np.ndarray:
    """Decode an unsigned-byte IDX payload (already decompressed) into an array."""
    if len(data) < 4:
        raise IdxError(f"{name}: {len(data)} bytes is too short for an IDX header")
    zero, dtype, ndim = int.from_bytes(data[0:2], "big"), data[2], data[3]
    if zero != 0 or dtype != _UBYTE or not 1 <= ndim <= _MAX_DIMS:
        raise IdxError(
            f"{name}: bad IDX magic 0x{data[:4].hex()} "
            "(expected 0x0000080N: unsigned bytes, N dimensions)"
        )
    header = 4 + 4 * ndim
    if len(data) < header:
        raise IdxError(f"{name}: header truncated ({len(data)} bytes, need {header})")
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = header + int(np.prod(shape, dtype=np.int64))
    if len(data) != expected:
        raise IdxError(
            f"{name}: size mismatch: header says shape {shape} = {expected} bytes, "
            f"file has {len(data)} bytes (truncated or corrupt)"
        )
    return np.frombuffer(data, np.uint8, offset=header).reshape(shape)


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX file, gzipped (by its magic bytes, not its name) or raw."""
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise IdxError(f"{path}: corrupt gzip stream ({exc})") from exc
    return parse_idx(raw, str(path))


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def verify(path: Path, expected: str | None = None) -> None:
    """Raise ChecksumError unless the file has the known SHA-256."""
    expected = expected or SHA256[path.name]
    got = sha256_file(path)
    if got != expected:
        raise ChecksumError(f"{path}: SHA-256 {got} does not match the expected {expected}")


def default_data_dir() -> Path:
    """The team's shared copy when present, else a per-user cache dir."""
    if SHARED_DIR.is_dir():
        return SHARED_DIR
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("numrec")) / "mnist"


# Anything urlopen-like: takes a URL, returns a context manager with .read().
Opener = Callable[[str], Any]


def download(
    name: str,
    dest_dir: Path,
    mirrors: Sequence[str] = MIRRORS,
    opener: Opener = urllib.request.urlopen,
    expected: str | None = None,
) -> Path:
    """Fetch one file from the first mirror that works; verify it before it lands in dest_dir.

    A file with the wrong checksum is deleted and raises ChecksumError right away: a mirror
    serving bad bytes is a problem to report, not to paper over with another mirror.
    """
    expected = expected or SHA256[name]
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / name
    errors: list[str] = []
    for base in mirrors:
        url = base.rstrip("/") + "/" + name
        # Write to a temp file in the same dir so a half download never looks like a file.
        fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.", dir=dest_dir)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out, opener(url) as resp:
                shutil.copyfileobj(resp, out)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            tmp.unlink(missing_ok=True)
            errors.append(f"{url}: {exc}")
            continue
        got = sha256_file(tmp)
        if got != expected:
            tmp.unlink(missing_ok=True)
            raise ChecksumError(
                f"{url}: downloaded file has SHA-256 {got}, expected {expected}; deleted it"
            )
        tmp.replace(dest)
        return dest
    raise DownloadError(
        f"could not download {name} into {dest_dir} ({'; '.join(errors) or 'no mirrors'}); "
        "put the four MNIST .gz files there, or pass --data with a folder that holds them"
    )


def ensure_mnist(
    data_dir: Path | None = None,
    mirrors: Sequence[str] = MIRRORS,
    opener: Opener = urllib.request.urlopen,
) -> Path:
    """Return a dir holding the four verified .gz files, downloading what is missing."""
    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    for name in FILES:
        path = data_dir / name
        if path.exists():
            verify(path)
        else:
            download(name, data_dir, mirrors, opener)
    return data_dir


def load_mnist(
    data_dir: Path | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return (x_train [60000,28,28], y_train, x_test [10000,28,28], y_test), all uint8."""
    d = ensure_mnist(data_dir)
    x_train = read_idx(d / "train-images-idx3-ubyte.gz")
    y_train = read_idx(d / "train-labels-idx1-ubyte.gz")
    x_test = read_idx(d / "t10k-images-idx3-ubyte.gz")
    y_test = read_idx(d / "t10k-labels-idx1-ubyte.gz")
    for x, y, n in ((x_train, y_train, 60000), (x_test, y_test, 10000)):
        if x.shape != (n, 28, 28) or y.shape != (n,):
            raise IdxError(f"{d}: unexpected MNIST shapes {x.shape} / {y.shape}")
        if y.max() > 9:
            raise IdxError(f"{d}: label {int(y.max())} out of range 0..9")
    return x_train, y_train, x_test, y_test


def load_test(data_dir: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Only the t10k split (verified), for the atlas and quick checks."""
    d = Path(data_dir) if data_dir is not None else default_data_dir()
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        if (d / name).exists():
            verify(d / name)
        else:
            download(name, d)
    return read_idx(d / "t10k-images-idx3-ubyte.gz"), read_idx(d / "t10k-labels-idx1-ubyte.gz")
