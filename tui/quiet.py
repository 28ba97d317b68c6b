"""A Static that repaints only when its text really changed.

The side panels are told the reading every frame; repainting unchanged text would send the
same bytes to the terminal 15 times a second, which an SSH link feels.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class QuietStatic(Static):
    _shown: Text | None = None

    def show_text(self, text: Text) -> None:
        if text != self._shown:
            self._shown = text
            self.update(text)
