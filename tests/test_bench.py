"""`numrec bench` runs and prints its rows; the figures themselves live in the bench, not here."""

import json
import subprocess
import sys

import pytest

from numrec.bench import main


def test_bench_quick_json_prints_every_row():
    out = subprocess.run(
        [sys.executable, "-m", "numrec", "bench", "--quick", "--json",
         "--live-seconds", "1", "--frames", "4"],
        capture_output=True, text=True, timeout=240,
    )
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    kinds = [r["bench"] for r in rows]
    assert kinds == ["pipeline", "pipeline", "live", "startup", "preview", "preview", "preview",
                     "match", "training"]
    sizes = [r["size"] for r in rows if r["bench"] == "pipeline"]
    assert sizes == ["640x480", "1280x720"]
    for row in rows[:2]:
        assert set(row["stages"]) == {"preprocess", "localize", "classify", "assemble", "match"}
        assert row["median_ms"] > 0 and row["mser_baseline_median_ms"] > 0
    live = rows[2]
    assert live["processed_fps"] > 0 and live["rss_mb"] > 0 and live["lag_ms"] is not None
    assert [r["mode"] for r in rows[4:7]] == ["ascii", "grey", "colour"]
    assert all(r["drawn_fps"] > 0 for r in rows[4:7])
    match = rows[7]
    assert match["contacts"] == 10_000 and match["bruteforce_median_ms"] > 0
    training = rows[8]  # read from the shipped card: its labels and the bench's must agree
    assert all(training[k] for k in ("seconds_to_99_5", "first_epoch_at_99_5", "data_preparation"))


@pytest.mark.parametrize(
    "argv", [["--frames", "0"], ["--live-seconds", "0"], ["--live-seconds", "-1"]]
)
def test_bad_values_exit_2_with_one_line_before_any_work(argv, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "--frames must be at least 1 and --live-seconds above 0" in err
