"""worker/supervise.py: a command that exits is started again, after a growing pause; SIGTERM stops both."""
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Counts its runs in a file; the first two exit with status 3, the third waits for SIGTERM and exits with 0.
CHILD = """
import pathlib, signal, sys, time
runs = pathlib.Path(sys.argv[1])
runs.write_text(runs.read_text() + "x" if runs.exists() else "x")
if len(runs.read_text()) < 3:
    sys.exit(3)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
pathlib.Path(sys.argv[1] + ".ready").touch()
time.sleep(30)
sys.exit(9)
"""


def test_a_command_that_exits_is_started_again_until_the_supervisor_is_stopped(tmp_path):
    runs = tmp_path / "runs"
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "worker.supervise", "--min-delay", "0.1", "--max-delay", "0.2", "--",
         sys.executable, "-c", CHILD, str(runs)], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while not (tmp_path / "runs.ready").exists():
            assert time.monotonic() < deadline and supervisor.poll() is None, "the third run never started"
            time.sleep(0.05)
        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(timeout=10) == 0  # the command's own status: it was told to stop, not restarted
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
    log = supervisor.stderr.read()
    assert runs.read_text() == "xxx"
    assert "exited with status 3 after" in log and "starting it again in 0.1 s (restart 1)" in log
    assert "starting it again in 0.2 s (restart 2)" in log  # the pause doubled, up to --max-delay
    assert "restart 3" not in log


def test_without_a_command_it_says_so():
    result = subprocess.run([sys.executable, "-m", "worker.supervise", "--"], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 2 and "no command given" in result.stderr
