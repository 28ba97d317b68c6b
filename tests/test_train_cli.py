"""`numrec train`'s command line: bad values end in one usage line, before any work (no torch)."""

from __future__ import annotations

import pytest

from train.__main__ import parse_args


@pytest.mark.parametrize("argv", [["--epochs", "0"], ["--ema", "1"], ["--ema", "-0.1"]])
def test_bad_values_exit_2_with_one_line(argv: list[str], capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as e:
        parse_args(argv)
    assert e.value.code == 2
    assert "--epochs must be at least 1 and --ema in [0, 1)" in capsys.readouterr().err


def test_defaults_are_the_cards_recipe() -> None:
    args = parse_args([])
    assert (args.epochs, args.ema, args.batch_size) == (16, 0.999, 128)
    assert parse_args(["--ema", "0"]).ema == 0  # the weights as trained, e.g. for the ablation
