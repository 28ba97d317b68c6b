"""`numrec eval` end to end on a few real pages with the real model, and its metrics on
hand-made examples."""

import json

import numpy as np
import pytest

import train.evaluate as evaluate
from phonebook.match import Matcher
from pipeline.classify import default_model_path
from train.evaluate import (
    cer,
    condition_groups,
    digit_accuracy,
    digit_errors,
    handwritten,
    load_book,
    main,
    make_book,
    rotation_bucket,
)
from train.pages import make_page

FIELDS = {"digit_accuracy", "exact", "top1", "top3"}
CONDITIONS = {"paper", "rotation", "shadow", "touching", "distractor", "pen"}


def rows(capsys, *args):
    assert main([*map(str, args)]) == 0
    out, err = capsys.readouterr()
    return [json.loads(line) for line in out.splitlines()], err


def test_json_rows_have_the_figures_in_range(capsys):
    [row], _ = rows(capsys, "--pages", "20", "--json", "--split", "atlas")
    assert row["model"] == "digits.onnx" and row["role"] == "model"
    assert row["pages"] == 20 and row["digits_from"] == "atlas" and row["contacts"] == 5000
    for key in FIELDS:
        assert 0 <= row[key] <= 1, key
    assert row["ms_median"] > 0 and row["ms_median_640x480"] > 0
    assert CONDITIONS <= set(row["by"])
    for name, values in row["by"].items():
        assert sum(v["pages"] for v in values.values()) == 20, name
        for figures in values.values():
            assert all(0 <= figures[key] <= 1 for key in FIELDS)
    # Some pages are read and matched: the pipeline and the book are wired up.
    assert row["top1"] > 0 and row["digit_accuracy"] > 0
    assert row["top3"] >= row["top1"]  # the best candidate is one of those offered


def test_ablation_reads_the_same_pages(capsys):
    path = default_model_path()
    out, _ = rows(capsys, "--pages", "6", "--json", "--split", "atlas", "--seed", "3",
                  "--ablation-model", path)
    assert [r["role"] for r in out] == ["model", "ablation"]
    strip = [{k: v for k, v in r.items() if not k.startswith("ms") and k != "role"} for r in out]
    assert strip[0] == strip[1]  # same model on the same pages: the same figures


def test_table_and_saved_failures(capsys, tmp_path):
    # The MNIST-only model misreads some of these pages, so there are failures to save.
    weak = ["--model", str(default_model_path().with_name("ablation_mnist_only.onnx"))]
    assert main(["--pages", "8", "--split", "atlas", *weak, "--save-failures", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "ablation_mnist_only.onnx" in out and "paper=" in out and "rotation=" in out
    [row], _ = rows(capsys, "--pages", "8", "--split", "atlas", *weak, "--json")
    saved = sorted(tmp_path.glob("*.png"))
    records = [json.loads(line) for line in (tmp_path / "failures.jsonl").read_text().splitlines()]
    assert 0 < len(saved) == len(records) == round(8 * (1 - row["exact"]))
    for path, record in zip(saved, records, strict=True):
        assert path.name == record["file"]
        assert f"truth-{record['truth']}_" in path.name and record["truth"] != record["read"]


def test_a_forced_condition_changes_only_that_condition(capsys):
    common = ("--pages", "12", "--json", "--split", "atlas", "--seed", "4")
    [drawn], _ = rows(capsys, *common)
    [biro], _ = rows(capsys, *common, "--force", "ink=biro", "--force", "touching=false")
    assert drawn["forced"] == {} and biro["forced"] == {"ink": "biro", "touching": False}
    assert set(drawn["by"]["ink"]) != {"biro"}  # else forcing it would show nothing
    assert set(biro["by"]["ink"]) == {"biro"} and set(biro["by"]["touching"]) == {"no"}
    for name in ("paper", "rotation", "shadow", "blur", "pen", "size"):  # the same pages
        pages = {v: f["pages"] for v, f in drawn["by"][name].items()}
        assert {v: f["pages"] for v, f in biro["by"][name].items()} == pages, name
    assert main(["--pages", "2", "--split", "atlas", "--force", "size=1280x720"]) == 0
    assert "size=1280x720 forced" in capsys.readouterr().out.splitlines()[0]  # the table


@pytest.mark.parametrize("spec", [
    "ink=crayon", "colour=red", "ink", "touching=maybe", "layout=grid", "jpeg=400",
    "stroke=wide", "size=big", "size=640", "size=0x480",
])
def test_a_condition_that_cannot_be_forced_is_one_line(capsys, spec):
    with pytest.raises(SystemExit) as e:
        main(["--pages", "1", "--force", spec])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1].startswith("numrec eval: error: ")
    assert spec.split("=")[0] in err.splitlines()[-1]  # says which


def test_missing_mnist_falls_back_to_the_atlas(capsys, monkeypatch):
    monkeypatch.setattr(evaluate, "mnist_present", lambda: False)
    [row], err = rows(capsys, "--pages", "2", "--json")
    assert row["digits_from"] == "atlas" and "MNIST files not found" in err


def test_unreadable_model_is_one_line(capsys, tmp_path, monkeypatch):
    # Without MNIST eval says it writes with the atlas instead: not before this error.
    monkeypatch.setattr(evaluate, "mnist_present", lambda: False)
    bad = tmp_path / "digits.onnx"
    bad.write_bytes(b"half a model")
    assert main(["--pages", "1", "--model", str(bad)]) == 1
    out, err = capsys.readouterr()
    assert err.startswith("numrec eval: cannot load digit model") and err.count("\n") == 1
    assert out == ""


def test_a_failures_folder_that_cannot_be_made_is_one_line_before_any_page(
    capsys, tmp_path, monkeypatch
):
    monkeypatch.setattr(evaluate, "mnist_present", lambda: False)
    blocker = tmp_path / "a file"
    blocker.write_text("")
    assert main(["--pages", "300", "--save-failures", str(blocker / "failures")]) == 1
    out, err = capsys.readouterr()
    assert err.startswith(f"numrec eval: cannot save failures in {blocker / 'failures'}: ")
    assert err.count("\n") == 1 and out == ""


def test_bad_command_lines_exit_2(capsys):
    for argv in (["--pages", "0"], ["--split", "mnist"]):
        with pytest.raises(SystemExit) as e:
            main(argv)
        assert e.value.code == 2
    capsys.readouterr()


def test_character_error_rate():
    assert cer("4155550132", "415550132") == pytest.approx(0.1)  # one digit lost
    assert cer("4155550132", "4155550132") == 0
    assert cer("4155550132", "4155550182") == pytest.approx(0.1)  # one misread
    assert cer("4155550132", "44155550132") == pytest.approx(0.1)  # one stray ('+' as 4)
    assert cer("123", "") == 1
    assert cer("123", "99999999") == pytest.approx(8 / 3)  # raw CER can pass 1 ...
    assert digit_errors("123", "99999999") == 3  # ... a page counts at most its digits
    pairs = [("4155550132", "415550132"), ("123", "123")]
    assert digit_accuracy(pairs) == pytest.approx(1 - 1 / 13)
    assert digit_accuracy([("123", "")]) == 0
    assert digit_accuracy([("123", "99999999"), ("123", "123")]) == pytest.approx(0.5)


def test_rotation_buckets():
    assert [rotation_bucket(a) for a in (0, -9.9, 12, -30, 49, 88, -91)] == [
        "0-10", "0-10", "10-25", "25-50", "25-50", "50+", "50+"]


def test_pages_are_grouped_by_pen_width():
    def pen(stroke):
        _, labels = make_page(["5550123"], np.random.default_rng(0), "atlas", stroke=stroke)
        return condition_groups(labels)["pen"]

    assert [pen(s) for s in (-1, 0, 1, 2)] == ["fine", "medium", "bold", "bold"]


def test_book_loads_whole_and_handwritten_numbers_match_their_contact():
    rng = np.random.default_rng(0)
    book = load_book(make_book(400, rng))
    assert len(book.contacts) == 400 and book.skipped == ()
    assert {c.country for c in book.contacts} >= {"1", "44", "49"}
    assert len({c.name for c in book.contacts}) == 400
    matcher = Matcher(book)
    for contact in book.contacts[:120]:
        text = handwritten(contact, rng)
        digits = "".join(c for c in text if c.isdigit())
        [top, *_] = matcher.match_digits(digits)
        assert top.contact == contact, (text, contact)
