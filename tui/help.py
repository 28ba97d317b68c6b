"""The `?` screen: what the keys do and what the screen shows."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# numrec

Hold a sheet with a phone number written on it up to the camera. The digits read appear
on the right, each coloured by how sure the model is (green sure, yellow unsure, red
doubtful), with the contacts whose numbers best explain them.

| key | what it does |
| --- | --- |
| `space` | freeze the picture (the camera rests); again to go on |
| `1` `2` `3` | pick a contact from the list |
| `enter` | confirm the picked contact: it is kept in the history |
| `r` | read the phone book file again (it also reloads by itself when it changes) |
| `h` | the history of confirmed matches |
| `p` | preview: ASCII, grey half-blocks, colour half-blocks |
| `ctrl+p` | every action by name |
| `q` | quit (`ctrl+c` too) |

**steady** tells how many of the recent frames read the same number: wait for it to fill
before you confirm. **too close to call** means two contacts explain the reading almost
equally well: write the number more clearly, or pick by hand.

The status bar shows frames per second, the lag from camera to screen, each stage's
time in ms, frames dropped because a stage was busy, and the phone book's state.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,question_mark,q", "dismiss", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Markdown(HELP)
