"""One line of health: frame rate, lag, stage latencies and drops, source and phone book."""

from __future__ import annotations

import time

from rich.text import Text

from pipeline.actor import StageStats
from pipeline.supervisor import BookStatus

from .quiet import QuietStatic


class StatusBar(QuietStatic):
    def show(
        self,
        fps: float,
        lag_ms: float,
        stats: dict[str, StageStats],
        source_status: str,
        book: BookStatus | None,
        book_error: str = "",
    ) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        if source_status != "ok":
            text.append(f"{source_status} | ", "bold red")
        text.append(f"{fps:4.1f} fps", "bold")
        text.append(f" lag {lag_ms:3.0f}ms ")
        text.append(" ".join(f"{name[:3]} {s.median_ms:.1f}" for name, s in stats.items()), "dim")
        dropped = sum(s.dropped for s in stats.values())
        text.append(f" drop {dropped}", "yellow" if dropped else "dim")
        error = book_error or (book.error if book else "")
        if book:
            ago = time.strftime("%H:%M:%S", time.localtime(book.loaded_at))
            text.append(f" | book {book.entries} @{ago}", "dim")
            if book.skipped:
                text.append(f" ({book.skipped} rows skipped)", "yellow")
        if error:
            text.append(f" | {error}", "bold red")
        self.show_text(text)
