"""Typed messages from the pipeline to the app."""

from __future__ import annotations

from textual.message import Message

from pipeline.messages import Result
from pipeline.supervisor import BookStatus


class PipelineResult(Message):
    """The pipeline finished a frame."""

    def __init__(self, result: Result) -> None:
        super().__init__()
        self.result = result


class BookReloaded(Message):
    """The phone book file changed and was read again (or failed to be)."""

    def __init__(self, status: BookStatus) -> None:
        super().__init__()
        self.status = status
