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


def test_the_app_quits_when_its_terminal_hangs_up_without_a_sighup(tmp_path):
    """An SSH link that drops closes the terminal; under make, nohup or another wrapper no
    SIGHUP reaches the app. It must quit, not spin on the dead terminal holding the camera."""
    import fcntl
    import os
    import pty
    import select
    import struct
    import termios

    main, side = pty.openpty()
    fcntl.ioctl(side, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "XDG_DATA_HOME": str(tmp_path)}
    # A session of its own: the terminal is not its controlling one, so closing it sends
    # no SIGHUP, as under make.
    app = subprocess.Popen(
        [sys.executable, "-m", "numrec", "--source", "demo"], stdin=side, stdout=side,
        stderr=side, env=env, start_new_session=True,
    )
    os.close(side)
    try:
        seen, deadline = b"", time.monotonic() + 20
        while b"Freeze" not in seen and time.monotonic() < deadline:
            if select.select([main], [], [], 0.2)[0]:
                seen += os.read(main, 65536)
        assert b"Freeze" in seen, seen[-500:]  # the footer is drawn: the app is up
        os.close(main)
        assert app.wait(timeout=10) == 129  # as if SIGHUP had ended it
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
