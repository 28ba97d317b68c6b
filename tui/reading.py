"""The number read: each digit coloured by how sure the model is, and how steady it is."""

from __future__ import annotations

import numpy as np
from rich.text import Text

from pipeline.messages import Number

from .quiet import QuietStatic

METER = 10  # cells in the steadiness meter
UNSURE = 0.9  # below this, a digit's runner-up is shown under it


def confidence_style(p: float) -> str:
    if p >= UNSURE:
        return "bold green"
    if p >= 0.6:
        return "bold yellow"
    return "bold red"


class DigitStrip(QuietStatic):
    """The main number, steadied over recent frames, with its confidence and steadiness."""

    def show(self, number: Number | None, steadiness: float) -> None:
        if number is None:
            self.show_text(Text("nothing read yet:\nhold a written number up to the camera", "dim"))
            return
        text = Text()
        for digit, p in zip(number.digits, number.digit_confidences, strict=True):
            text.append(digit, confidence_style(float(p)))
        # Under an unsure digit, the digit it might be instead.
        runner_up = np.argsort(number.probs, axis=1)[:, -2]
        unsure = number.digit_confidences < UNSURE
        if unsure.any():
            hint = "".join(str(r) if u else " " for r, u in zip(runner_up, unsure, strict=True))
            text.append("\n" + hint.rstrip(), "yellow")
            text.append("  or", "dim")
        filled = round(steadiness * METER)
        text.append(f"\nsure {number.confidence:4.0%}  steady ", "dim")
        text.append("█" * filled, "green" if steadiness >= 0.75 else "yellow")
        text.append("░" * (METER - filled), "dim")
        self.show_text(text)
