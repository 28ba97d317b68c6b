"""Export the trained net to one self-contained ONNX file (int8 convolutions), checked
against torch."""

from __future__ import annotations

import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from torch import nn

from train.model import WithSoftmax
from train.quantize import count_params, quantize

INPUT = "input"
OUTPUT = "probs"
OPSET = 17


@dataclass
class ExportReport:
    path: Path
    size_bytes: int
    onnx_params: int  # weights and biases, after BatchNorm is folded into the convs
    float_size_bytes: int  # the float32 file before quantization
    max_abs_diff: float  # int8 onnxruntime vs float torch probabilities on a check batch
    agreement: float  # share of the check batch where both pick the same class


def export_onnx(
    net: nn.Module, path: Path, check_batch: np.ndarray, calibration: np.ndarray
) -> ExportReport:
    """Write probs = softmax(net(input)) as ONNX with a dynamic batch axis, its convolutions
    int8 with activations calibrated on `calibration`, then check it against the float net.

    The TorchScript exporter (dynamo=False) is used: it needs no onnxscript and folds
    BatchNorm into the convs in eval mode, giving a smaller file.
    """
    model = WithSoftmax(net).eval().to(memory_format=torch.contiguous_format)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        float_path = Path(tmp) / "float.onnx"
        _export_float(model, float_path)
        float_size = float_path.stat().st_size
        quantize(float_path, path, INPUT, calibration)
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto)
    for init in proto.graph.initializer:
        if init.data_location == onnx.TensorProto.EXTERNAL:
            raise RuntimeError(f"{path}: initializer {init.name} stored as external data")

    batch = np.ascontiguousarray(check_batch, dtype=np.float32)
    with torch.no_grad():
        want = model(torch.from_numpy(batch)).numpy()
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = sess.run([OUTPUT], {INPUT: batch})[0]
    return ExportReport(
        path, path.stat().st_size, count_params(proto), float_size,
        float(np.abs(got - want).max()), float((got.argmax(1) == want.argmax(1)).mean()),
    )


def _export_float(model: nn.Module, path: Path) -> None:
    dummy = torch.zeros(1, 1, 28, 28)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
        torch.onnx.export(
            model,
            (dummy,),
            str(path),
            dynamo=False,
            input_names=[INPUT],
            output_names=[OUTPUT],
            dynamic_axes={INPUT: {0: "batch"}, OUTPUT: {0: "batch"}},
            opset_version=OPSET,
            do_constant_folding=True,
        )
