"""The contacts that best explain the reading, best first."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class MatchList(Static):
    """Top candidates with their scores; the chosen one is marked."""

    def show(self, candidates: tuple, ambiguous: bool, chosen: int = 0) -> None:
        if not candidates:
            self.update(Text("no matching contact", "dim"))
            return
        text = Text()
        for i, c in enumerate(candidates):
            mark = ">" if i == chosen else " "
            style = "bold" if i == chosen else ""
            text.append(f"{mark}{i + 1} {c.contact.name}\n", style)
            text.append(f"   {c.contact.phone}  {c.score:.2f}\n", "dim" if i else "")
        if ambiguous:
            text.append("too close to call: check the number", "bold yellow")
        self.update(text)
