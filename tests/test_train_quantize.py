"""int8 quantization of an exported model (torch-free: a small conv net built with onnx)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from train.quantize import count_params, quantize

WEIGHTS = 4 * 1 * 3 * 3 + 4 + 4 * 3  # conv weight and bias, then the head's matrix


def _conv_net(path: Path) -> None:
    """input [N, 1, 8, 8] -> conv 3x3 (4) -> relu -> max-pool -> global pool -> 4x3 -> softmax."""
    rng = np.random.default_rng(0)
    inits = [
        numpy_helper.from_array(rng.normal(0, 0.5, (4, 1, 3, 3)).astype(np.float32), "w"),
        numpy_helper.from_array(rng.normal(0, 0.1, 4).astype(np.float32), "b"),
        numpy_helper.from_array(rng.normal(0, 1.0, (4, 3)).astype(np.float32), "head"),
    ]
    nodes = [
        helper.make_node("Conv", ["input", "w", "b"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"]),
        helper.make_node("MaxPool", ["r"], ["m"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("GlobalAveragePool", ["m"], ["g"]),
        helper.make_node("Flatten", ["g"], ["f"]),
        helper.make_node("MatMul", ["f", "head"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probs"], axis=1),
    ]
    graph = helper.make_graph(
        nodes, "net",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["n", 1, 8, 8])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["n", 3])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))


def _run(path: Path, x: np.ndarray) -> np.ndarray:
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return sess.run(["probs"], {"input": x})[0]


def test_quantized_convs_read_like_the_float_net(tmp_path: Path) -> None:
    src, dst = tmp_path / "float.onnx", tmp_path / "int8.onnx"
    _conv_net(src)
    rng = np.random.default_rng(1)
    quantize(src, dst, "input", rng.random((300, 1, 8, 8), dtype=np.float32))

    proto = onnx.load(str(dst))
    onnx.checker.check_model(proto)
    ops = [n.op_type for n in proto.graph.node]
    int8 = [list(i.dims) for i in proto.graph.initializer if i.data_type == TensorProto.INT8]
    assert "QuantizeLinear" in ops and [4, 1, 3, 3] in int8
    # Scales and zero points are not parameters: the count is the float net's.
    assert count_params(onnx.load(str(src))) == count_params(proto) == WEIGHTS

    x = rng.random((50, 1, 8, 8), dtype=np.float32)
    want, got = _run(src, x), _run(dst, x)
    # The head stays float: probabilities still sum to one and stay close.
    np.testing.assert_allclose(got.sum(1), 1, rtol=1e-5)
    assert np.abs(got - want).max() < 0.05
