"""The digits read, each coloured by how sure the model is of it."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from pipeline.messages import Number


def confidence_style(p: float) -> str:
    if p >= 0.9:
        return "bold green"
    if p >= 0.6:
        return "bold yellow"
    return "bold red"


class DigitStrip(Static):
    """The main number, steadied over recent frames, with its confidence and steadiness."""

    def show(self, number: Number | None, steadiness: float) -> None:
        if number is None:
            self.update(Text("nothing read yet: hold a written number to the camera", "dim"))
            return
        digits = Text()
        for digit, p in zip(number.digits, number.digit_confidences, strict=True):
            digits.append(digit, confidence_style(float(p)))
        digits.append(f"\nconfidence {number.confidence:.2f}", "dim")
        digits.append(f" · steady {steadiness:.0%}", "dim")
        self.update(digits)
