"""The contacts that best explain the reading, best first; the picked one is marked."""

from __future__ import annotations

from rich.text import Text

from .quiet import QuietStatic


class MatchList(QuietStatic):
    def show(self, candidates: tuple, ambiguous: bool, chosen: int = 0) -> None:
        if not candidates:
            self.show_text(Text("no matching contact yet", "dim"))
            return
        text = Text()
        for i, c in enumerate(candidates):
            picked = i == chosen
            text.append("▶ " if picked else "  ", "bold cyan")
            text.append(f"{i + 1} ", "dim")
            text.append(f"{c.contact.name}\n", "bold" if picked else "")
            text.append(f"    {c.contact.phone}", "" if picked else "dim")
            text.append(f"  {c.score:.2f}\n", "dim")
        if ambiguous:
            text.append("too close to call: pick with 1-3", "bold yellow")
        self.show_text(text)

    def show_error(self, error: str) -> None:
        self.show_text(Text(f"{error}\n\nFix the file: it reloads by itself.", "bold red"))
