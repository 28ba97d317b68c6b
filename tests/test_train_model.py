"""The shipped models/digits.onnx, checked with onnxruntime only (no torch)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from train.data import SHARED_DIR, read_idx
from train.quantize import count_params

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "digits.onnx"
MNIST = SHARED_DIR  # the team's copy beside the repo, as training finds it


@pytest.fixture(scope="module")
def session() -> ort.InferenceSession:
    return ort.InferenceSession(str(MODEL), providers=["CPUExecutionProvider"])


def test_size_and_parameter_budget() -> None:
    assert MODEL.stat().st_size <= 100_000
    proto = onnx.load(str(MODEL))
    onnx.checker.check_model(proto)
    assert 0 < count_params(proto) <= 30_000


def test_io_signature(session: ort.InferenceSession) -> None:
    (inp,) = session.get_inputs()
    (out,) = session.get_outputs()
    assert inp.name == "input" and inp.type == "tensor(float)"
    assert inp.shape[1:] == [1, 28, 28] and not isinstance(inp.shape[0], int)
    assert out.name == "probs" and out.shape[1] == 11


@pytest.mark.parametrize("n", [1, 7])
def test_batches_give_probabilities(session: ort.InferenceSession, n: int) -> None:
    x = np.random.default_rng(n).random((n, 1, 28, 28), dtype=np.float32)
    (probs,) = session.run(["probs"], {"input": x})
    assert probs.shape == (n, 11) and probs.dtype == np.float32
    assert np.all(probs >= 0)
    np.testing.assert_allclose(probs.sum(1), 1.0, atol=1e-5)


@pytest.mark.skipif(not MNIST.is_dir(), reason="shared MNIST copy not present")
def test_first_2000_mnist_test_digits(session: ort.InferenceSession) -> None:
    x = read_idx(MNIST / "t10k-images-idx3-ubyte.gz")[:2000]
    y = read_idx(MNIST / "t10k-labels-idx1-ubyte.gz")[:2000]
    (probs,) = session.run(["probs"], {"input": (x[:, None] / np.float32(255)).astype(np.float32)})
    acc = float((probs.argmax(1) == y).mean())  # argmax over all 11: "not a digit" is wrong
    assert acc >= 0.99, f"accuracy {acc:.4f}"
