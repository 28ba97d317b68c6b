"""The command line as a user meets it: help, wrong options, missing things."""

import subprocess
import sys

import pytest

from numrec.cli import DELEGATED, NO_TERMINAL, main


def numrec(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "numrec", *args], capture_output=True, text=True, timeout=60
    )


def test_help_explains_every_command_and_option():
    out = numrec("--help")
    assert out.returncode == 0
    for word in ("recognize", *DELEGATED, "--source", "--phonebook", "--preview", "--fps"):
        assert word in out.stdout


def test_wrong_option_is_exit_2():
    out = numrec("--no-such-option")
    assert out.returncode == 2 and "unrecognized arguments" in out.stderr


@pytest.mark.parametrize("fps", ["0", "-5", "nan"])
def test_a_preview_rate_of_zero_or_less_is_one_usage_line(fps):
    out = numrec("--source", "demo", "--fps", fps)
    assert out.returncode == 2
    assert out.stderr.strip().splitlines()[-1] == "numrec: error: --fps must be above 0"


def test_missing_camera_is_one_line_suggesting_the_demo():
    out = numrec("--source", "7")
    assert out.returncode == 1
    assert out.stderr.strip().splitlines() == [
        "numrec: no camera at index 7: try --source demo, a video file or an image"
    ]


def test_the_live_view_without_a_terminal_is_one_line_pointing_to_recognize():
    # Output captured here, as in a pipe or a container without a tty: Textual would draw
    # into it and wait for keys that cannot come.
    out = numrec("--source", "demo")
    assert out.returncode == 1 and out.stdout == ""
    assert out.stderr.strip().splitlines() == [f"numrec: {NO_TERMINAL}"]


def test_a_folder_without_images_is_one_line_and_the_rest_is_read(tmp_path, capsys, page_file):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("not an image")
    path, _ = page_file(0)
    assert main(["recognize", str(empty), str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.err.strip().splitlines() == [f"numrec: no images in folder {empty}"]
    assert captured.out.startswith(f"{path}: ")  # the image after it is still read


@pytest.mark.parametrize("content", [None, "", "just,some\nwords,here\n"])
def test_unusable_phone_book_is_one_line(tmp_path, capsys, page_file, content):
    book = tmp_path / "contacts.csv"
    if content is not None:
        book.write_text(content)
    path, _ = page_file(0)
    assert main(["recognize", "--phonebook", str(book), str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("numrec: phone book contacts.csv") and err.count("\n") == 1


@pytest.mark.parametrize("before", [True, False])
def test_recognize_options_count_before_or_after_the_subcommand(
    tmp_path, capsys, page_file, before
):
    path, contact = page_file(0)
    book = tmp_path / "mine.csv"
    book.write_text(f"name,phone\nOnly In My Book,{contact.phone}\n")
    bad_model = tmp_path / "digits.onnx"
    bad_model.write_bytes(b"half a model")

    def run(*options: str) -> int:
        order = [*options, "recognize"] if before else ["recognize", *options]
        return main([*order, str(path)])

    assert run("--phonebook", str(book)) == 0
    assert "-> Only In My Book" in capsys.readouterr().out
    assert run("--model", str(bad_model)) == 1
    assert "cannot load digit model" in capsys.readouterr().err


def test_skipped_phone_book_rows_are_one_line_and_the_rest_is_used(tmp_path, capsys, page_file):
    path, contact = page_file(0)
    book = tmp_path / "mine.csv"
    book.write_text(f"name,phone\nNo Number,\nOnly In My Book,{contact.phone}\n,+1 555\n")
    assert main(["recognize", "--phonebook", str(book), str(path)]) == 0
    out, err = capsys.readouterr()
    assert "-> Only In My Book" in out
    assert err.splitlines() == [
        "numrec: phone book mine.csv: 2 rows skipped (line 2: no phone number; line 4: no name)"
    ]


def test_region_follows_the_locale():
    from phonebook.phone import default_region

    assert default_region({"LANG": "en_GB.UTF-8"}) == "GB"
    assert default_region({"LC_ALL": "de_DE.UTF-8", "LANG": "en_US.UTF-8"}) == "DE"
    assert default_region({"LANG": "C.UTF-8"}) == "US"
    assert default_region({}) == "US"
