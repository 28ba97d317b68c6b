"""The `numrec` command: the TUI by default, and subcommands for work without a screen.

Exit codes: 0 fine, 1 an input could not be used, 2 a wrong command line. Mistakes a user
can make end in one line on stderr; anything unexpected goes with its traceback to the log.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import logging
import sys
from pathlib import Path

from platformdirs import user_log_dir

from phonebook.phone import default_region

log = logging.getLogger("numrec")

# Subcommands that live in their own modules: name -> (module with main(argv), summary).
DELEGATED = {
    "train": ("train.__main__", "train the digit model (needs the 'train' extra)"),
    "eval": ("train.evaluate", "measure reading accuracy on generated camera-like pages"),
    "history": ("phonebook.history", "list or export confirmed matches"),
    "bench": ("numrec.bench", "measure the pipeline, the live view and matching"),
}

NO_TERMINAL = (
    "the live view needs a terminal to draw on and read keys from; "
    "without one, read pictures or videos with: numrec recognize PATH"
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="numrec",
        description="Read a handwritten phone number held up to a webcam and tell whose it is. "
        "With no subcommand, opens the live view.",
    )
    _add_reading_options(parser)
    parser.add_argument(
        "--source", default="0",
        help="what to read: a webcam index (default 0), a video file, an image, a folder of "
        "images, or 'demo' for a built-in page written by hand",
    )
    parser.add_argument(
        "--fps", type=float, default=15.0, help="most preview frames drawn per second (default 15)"
    )
    parser.add_argument(
        "--preview", choices=("ascii", "grey", "colour"),
        help="how the picture is drawn (p cycles): ascii is light on SSH links and is the "
        "default there and without truecolor; grey and colour use half-blocks",
    )
    parser.add_argument(
        "--history-db", type=Path,
        help="where confirmed matches are kept (default: the user data folder)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log at debug level")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    rec = sub.add_parser(
        "recognize", help="read images or videos and print the numbers found",
        description="Read images or videos (a folder stands for its images) through the same "
        "pipeline as the live view and print what each holds. Exit code 1 if any input "
        "could not be read; the others are still answered.",
    )
    # Also accepted after the subcommand. Not given there, they must not overwrite what was
    # given before it (argparse would, with their defaults): no default of their own.
    _add_reading_options(rec, default=argparse.SUPPRESS)
    rec.add_argument("paths", nargs="+", metavar="PATH", help="image, video or folder of images")
    rec.add_argument(
        "--json", action="store_true",
        help="one JSON object per input on stdout: source, numbers (digits, confidence, box, "
        "glyphs), match (name, phone, score) or null, ms",
    )

    for name, (_, summary) in DELEGATED.items():
        sub.add_parser(name, add_help=False, help=f"{summary}; 'numrec {name} --help' for more")
    return parser


def _add_reading_options(parser: argparse.ArgumentParser, default: object = None) -> None:
    """The phone book, region and model: for the live view and for recognize alike."""
    region = default_region()
    parser.add_argument(
        "--phonebook", type=Path, default=default,
        help="phone book file (default: the shipped sample.csv)",
    )
    parser.add_argument(
        "--region", default=region if default is None else default,
        help="country assumed for numbers written without a country code "
        f"(default: from the locale, else US; now {region})",
    )
    parser.add_argument(
        "--model", type=Path, default=default,
        help="digit model (.onnx) instead of the shipped one",
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] and argv[0] in DELEGATED:
        # These parse their own options, and train needs torch: import only what is asked for.
        module = importlib.import_module(DELEGATED[argv[0]][0])
        return module.main(argv[1:])
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.fps > 0:
        parser.error("--fps must be above 0")
    _setup_logging(args.verbose)
    from phonebook.book import PhoneBookError
    from pipeline.classify import ModelError
    from pipeline.sources import SourceError

    try:
        if args.command == "recognize":
            return _recognize(args)
        return _live(args)
    except (SourceError, ModelError, PhoneBookError) as e:
        print(f"numrec: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception:
        log.exception("unexpected error")
        print(f"numrec: unexpected error; details in {_log_file()}", file=sys.stderr)
        return 1


def _book_path(args: argparse.Namespace) -> Path:
    from phonebook.book import sample_path

    return args.phonebook or sample_path()


def _recognize(args: argparse.Namespace) -> int:
    from phonebook.book import load_phonebook
    from pipeline.classify import Classifier
    from pipeline.recognize import expand_inputs, recognize
    from pipeline.sources import SourceError

    classifier = Classifier(args.model)
    book_path = _book_path(args)
    book = load_phonebook(book_path, args.region)
    if skipped := book.skipped:  # the live view shows this in its status line
        rows = "; ".join(f"line {line}: {why}" for line, why in skipped[:3])
        more = "; ..." if len(skipped) > 3 else ""
        noun = "row" if len(skipped) == 1 else "rows"
        print(
            f"numrec: phone book {book_path.name}: {len(skipped)} {noun} skipped ({rows}{more})",
            file=sys.stderr,
        )
    failed = False
    for spec in expand_inputs(args.paths):
        try:
            out = asyncio.run(recognize(spec, classifier, book))
        except SourceError as e:
            print(f"numrec: {e}", file=sys.stderr)
            failed = True
            continue
        print(json.dumps(out, ensure_ascii=False) if args.json else _describe(out), flush=True)
    return 1 if failed else 0


def _describe(out: dict) -> str:
    """One readable line per input."""
    if not out["numbers"]:
        return f"{out['source']}: no number found ({out['ms']:.0f} ms)"
    read = ", ".join(f"{n['digits']} ({n['confidence']:.2f})" for n in out["numbers"])
    match = out["match"]
    who = f" -> {match['name']}, {match['phone']} (score {match['score']:.2f})" if match else ""
    return f"{out['source']}: {read}{who} ({out['ms']:.0f} ms)"


def _live(args: argparse.Namespace) -> int:
    from phonebook.book import PhoneBookError, load_phonebook
    from phonebook.store import ConfirmedStore, StoreError
    from pipeline.classify import Classifier
    from pipeline.sources import open_source
    from tui.app import NumrecApp

    classifier = Classifier(args.model)
    book_path = _book_path(args)
    book, book_error = None, ""
    try:
        book = load_phonebook(book_path, args.region)
    except PhoneBookError as e:
        book_error = str(e)  # the live view starts anyway and reloads once the file is fixed
    phones = [c.phone for c in book.contacts] if book else []
    if args.source == "demo" and not phones:
        raise PhoneBookError(book_error or "the demo needs a phone book with numbers in it")
    source = open_source(args.source, live=True, phones=phones)
    store, notices = None, []
    try:
        store = ConfirmedStore(args.history_db)
    except StoreError as e:
        notices.append(f"{e}: confirmed matches will not be kept")
    app = NumrecApp(
        source, classifier, book, book_path=book_path, region=args.region, fps=args.fps,
        preview=args.preview, store=store, book_error=book_error, notices=notices,
    )
    try:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            # Textual would draw into a file or spin on a closed input, out of reach of keys.
            print(f"numrec: {NO_TERMINAL}", file=sys.stderr)
            return 1
        app.run()
    finally:
        source.close()
        if store is not None:
            store.close()
    return app.return_code or 0


def _log_file() -> Path:
    return Path(user_log_dir("numrec")) / "numrec.log"


def _setup_logging(verbose: bool) -> None:
    path = _log_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()  # an unwritable log folder must not stop the app
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
