"""Export the trained net to one self-contained ONNX file and check it against torch."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from torch import nn

from train.model import WithSoftmax

INPUT = "input"
OUTPUT = "probs"
OPSET = 17


@dataclass
class ExportReport:
    path: Path
    size_bytes: int
    onnx_params: int  # initializer elements, after BatchNorm is folded into the convs
    max_abs_diff: float  # onnxruntime vs torch probabilities on a check batch


def export_onnx(net: nn.Module, path: Path, check_batch: np.ndarray) -> ExportReport:
    """Write probs = softmax(net(input)) as ONNX with a dynamic batch axis, then verify it.

    The TorchScript exporter (dynamo=False) is used: it needs no onnxscript and folds
    BatchNorm into the convs in eval mode, giving a smaller file.
    """
    model = WithSoftmax(net).eval().to(memory_format=torch.contiguous_format)
    path.parent.mkdir(parents=True, exist_ok=True)
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
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto)
    for init in proto.graph.initializer:
        if init.data_location == onnx.TensorProto.EXTERNAL:
            raise RuntimeError(f"{path}: initializer {init.name} stored as external data")
    n_params = sum(int(np.prod(init.dims)) for init in proto.graph.initializer)

    batch = np.ascontiguousarray(check_batch, dtype=np.float32)
    with torch.no_grad():
        want = model(torch.from_numpy(batch)).numpy()
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = sess.run([OUTPUT], {INPUT: batch})[0]
    return ExportReport(path, path.stat().st_size, n_params, float(np.abs(got - want).max()))
