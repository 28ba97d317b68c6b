"""`numrec train`'s command line: bad values end in one usage line, before any work (no torch)."""

from __future__ import annotations

from pathlib import Path

import pytest

from train.__main__ import main, parse_args, unwritable


@pytest.mark.parametrize("argv", [["--epochs", "0"], ["--ema", "1"], ["--ema", "-0.1"]])
def test_bad_values_exit_2_with_one_line(argv: list[str], capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as e:
        parse_args(argv)
    assert e.value.code == 2
    assert "--epochs must be at least 1 and --ema in [0, 1)" in capsys.readouterr().err


def test_defaults_are_the_cards_recipe() -> None:
    # `make train` (no options) makes the shipped model again (here, byte for byte).
    card = (Path(__file__).resolve().parent.parent / "models" / "CARD.md").read_text()
    command = card.split("Command (from the repo root):", 1)[1].split("```")[1].split()
    assert command[:3] == ["python", "-m", "train"]
    shipped, defaults = vars(parse_args(command[3:])), vars(parse_args([]))
    assert {k: v for k, v in shipped.items() if k != "out"} == \
        {k: v for k, v in defaults.items() if k != "out"}
    assert parse_args(["--ema", "0"]).ema == 0  # the weights as trained, e.g. for the ablation


def test_an_out_folder_that_cannot_be_written_is_one_line_before_training(
    capsys: pytest.CaptureFixture, tmp_path: Path
) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("")
    assert main(["--out", str(blocker / "models")]) == 1
    err = capsys.readouterr().err
    assert err == f"numrec train: cannot write to {blocker / 'models'}: Not a directory\n"


def test_a_writable_out_folder_is_checked_without_a_trace(tmp_path: Path) -> None:
    assert unwritable(tmp_path / "new" / "models") is None
    assert list(tmp_path.iterdir()) == []  # made to try, removed again
    assert unwritable(tmp_path) is None and tmp_path.is_dir()
