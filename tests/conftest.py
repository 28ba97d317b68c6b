"""Shared fixtures: real rendered pages, the real model, the shipped sample phone book."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from phonebook.book import load_phonebook, sample_path
from pipeline.classify import Classifier
from pipeline.synth import as_written, render_page


@pytest.fixture(scope="session")
def classifier() -> Classifier:
    return Classifier()


@pytest.fixture(scope="session")
def book():
    return load_phonebook(sample_path())


written = as_written  # a number as a person copies it from the book onto paper


@pytest.fixture
def page_file(tmp_path: Path, book):
    """Write a photo of a page holding the number of contact `index` and return (path, contact)."""

    def make(index: int, seed: int = 0, size=(640, 480)) -> tuple[Path, object]:
        contact = book.contacts[index]
        image, _ = render_page([written(contact.phone)], np.random.default_rng(seed), size)
        path = tmp_path / f"page-{index}-{seed}.png"
        cv2.imwrite(str(path), image)
        return path, contact

    return make
