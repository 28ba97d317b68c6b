"""The app in a real terminal: tmux at 80x24, no truecolor, over a (pretend) SSH link."""

import shlex
import shutil
import subprocess
import sys
import time
import uuid

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")


def tmux(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["tmux", *args], capture_output=True, text=True)


def test_demo_in_tmux_over_ssh_shows_number_and_contact_then_quits(tmp_path, book):
    first = book.contacts[0]  # the demo writes the book's numbers in order
    digits = "".join(c for c in first.phone if c.isdigit())
    done = tmp_path / "exit-code"
    command = (
        f"env -u COLORTERM TERM=xterm-256color SSH_CONNECTION='10.0.0.1 1 10.0.0.2 22' "
        f"XDG_DATA_HOME={tmp_path} {shlex.quote(sys.executable)} -m numrec --source demo; "
        f"echo $? > {done}"
    )
    socket = f"numrec-{uuid.uuid4().hex[:8]}"
    assert tmux("-L", socket, "new-session", "-d", "-x", "80", "-y", "24", command).returncode == 0
    try:
        screen, deadline = "", time.monotonic() + 20
        while time.monotonic() < deadline:
            screen = tmux("-L", socket, "capture-pane", "-p").stdout
            if digits in screen and first.name in screen:
                break
            time.sleep(0.3)
        assert digits in screen and first.name in screen, screen
        assert "▀" not in screen  # ASCII preview over SSH
        tmux("-L", socket, "send-keys", "q")
        deadline = time.monotonic() + 10
        while not done.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert done.read_text().strip() == "0"
    finally:
        tmux("-L", socket, "kill-server")
