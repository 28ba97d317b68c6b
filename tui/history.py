"""The `h` screen: confirmed matches, newest first."""

from __future__ import annotations

import time

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static


class HistoryScreen(Screen[None]):
    BINDINGS = [Binding("escape,h", "app.pop_screen", "Back")]

    def __init__(self, rows: list, error: str = "") -> None:
        super().__init__()
        self.rows, self.error = rows, error

    def compose(self) -> ComposeResult:
        yield Header()
        if self.error:
            yield Static(self.error, id="empty")
        elif not self.rows:
            yield Static("No confirmed matches yet: press enter on a match to keep it.", id="empty")
        else:
            table = DataTable(cursor_type="row", zebra_stripes=True)
            table.add_columns("when", "name", "number", "read", "score")
            for row in self.rows:
                when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(row.time))
                table.add_row(when, row.name, row.phone, row.digits, f"{row.score:.2f}")
            yield table
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"history: {len(self.rows)} confirmed"
