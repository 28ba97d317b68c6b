"""Glyphs -> Classified: the digit model, run once per frame on all its glyphs together."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import onnxruntime as ort

from .messages import Classified, Glyphs, ReadGlyph
from .normalize import normalize_batch

NUM_CLASSES = 11


class ModelError(Exception):
    """The digit model cannot be used; the message is one line for the user."""


def default_model_path() -> Path:
    return Path(str(resources.files("models") / "digits.onnx"))


class Classifier:
    def __init__(self, path: str | Path | None = None, threads: int = 1) -> None:
        path = Path(path) if path else default_model_path()
        options = ort.SessionOptions()
        # Stages run side by side on two cores: one thread each keeps them from fighting.
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        try:
            self.session = ort.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as e:  # onnxruntime raises several unrelated types for a bad file
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise ModelError(f"cannot load digit model {path}: {first}") from e
        inputs, outputs = self.session.get_inputs(), self.session.get_outputs()
        shape = outputs[0].shape
        if len(inputs) != 1 or len(shape) != 2 or shape[1] != NUM_CLASSES:
            raise ModelError(f"digit model {path} does not give {NUM_CLASSES} class probabilities")
        self.input_name = inputs[0].name

    def probabilities(self, batch: np.ndarray) -> np.ndarray:
        """float32 [N, 1, 28, 28] in [0, 1] -> float32 [N, 11] probabilities."""
        if len(batch) == 0:
            return np.zeros((0, NUM_CLASSES), np.float32)
        return self.session.run(None, {self.input_name: batch})[0]

    def __call__(self, glyphs: Glyphs) -> Classified:
        probs = self.probabilities(normalize_batch([g.crop for g in glyphs.glyphs]))
        read = tuple(
            ReadGlyph(box=g.box, line=g.line, probs=p)
            for g, p in zip(glyphs.glyphs, probs, strict=True)
        )
        return Classified(frame=glyphs.frame, glyphs=read)
