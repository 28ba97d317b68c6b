"""A short real training run: data, steps, the weight average, export and card (needs torch)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

torch = pytest.importorskip("torch")

from train import train as tr  # noqa: E402
from train.data import SHARED_DIR  # noqa: E402

MNIST = SHARED_DIR  # the team's copy beside the repo, as training finds it


@pytest.mark.skipif(not MNIST.is_dir(), reason="shared MNIST copy not present")
def test_a_short_run_exports_the_weight_average_and_writes_its_card(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(tr, "CHUNK", 50)
    averages: list[torch.nn.Module] = []

    class Recorded(tr.AveragedModel):  # type: ignore[misc]
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)
            averages.append(self)

    exported: list[torch.nn.Module] = []
    real_export = tr.export_onnx

    def export(model: torch.nn.Module, *args: object) -> object:
        exported.append(model)
        return real_export(model, *args)

    monkeypatch.setattr(tr, "AveragedModel", Recorded)
    monkeypatch.setattr(tr, "export_onnx", export)
    cfg = tr.Config(
        data=MNIST, out=tmp_path, epochs=2, threads=1, batch_size=64, ema=0.9,
        mnist_per_epoch=512, neg_pool=300, neg_per_epoch=128, neg_heldout=100,
        crop_pool=100, crop_per_epoch=64, crop_heldout=100,
    )
    # A card from an earlier run: its ablation and the hand-written sections after it stay.
    ablation = f"{tr.card.ABLATION_START}\nthe ablation's figures\n{tr.card.ABLATION_END}"
    reading = "## Reading camera-like pages\n\nfigures by hand"
    (tmp_path / "CARD.md").write_text(f"# old card\n\n{ablation}\n\n{reading}\n")
    result = tr.run(cfg, "python -m train (test)")

    assert [log.epoch for log in result.epochs] == [1, 2]
    assert all(0 <= log.test_acc <= 1 for log in result.epochs)
    # What ships is the average the epochs were judged by, not the last step's weights.
    assert len(averages) == 1 and exported == [averages[0].module]
    assert averages[0].n_averaged.item() == 2 * ((512 + 128 + 64) // 64)
    card = (tmp_path / "CARD.md").read_text(encoding="utf-8")
    assert "moving average of the weights and BatchNorm statistics\n(decay 0.9" in card
    assert "old card" not in card and card.endswith(f"{ablation}\n\n{reading}\n")
    onnx_path = str(tmp_path / "digits.onnx")
    session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    (probs,) = session.run(["probs"], {"input": np.zeros((3, 1, 28, 28), np.float32)})
    assert probs.shape == (3, 11)
    np.testing.assert_allclose(probs.sum(1), 1, rtol=1e-5)


def test_corrupt_mnist_ends_training_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    from train.__main__ import main
    from train.data import FILES

    for name in FILES:
        (tmp_path / name).write_bytes(b"not mnist")
    assert main(["--data", str(tmp_path), "--out", str(tmp_path / "models")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("numrec train: ") and "does not match" in err
    assert err.count("\n") == 1 and not (tmp_path / "models").exists()
