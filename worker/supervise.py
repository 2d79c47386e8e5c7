"""Run a command and start it again whenever it exits by itself, after a growing pause.

    python -m worker.supervise -- celery -A worker.app worker --loglevel=INFO

The Procfiles run the worker and beat through this: honcho stops every process
as soon as one exits, and a platform that runs a Procfile may not restart a
process at all, so a worker that dies (an unrecoverable broker error, an
out-of-memory kill) would leave emails unsent until someone noticed. Under
systemd, `Restart=always` does the same job (docs/ops-notes/worker.md).

The pause doubles from --min-delay up to --max-delay seconds, and starts again
from --min-delay once the command has run for --reset-after seconds. SIGTERM,
SIGINT, SIGQUIT and SIGHUP are passed on to the command; after SIGTERM, SIGINT
or SIGQUIT this exits with the command's status instead of restarting it. One
line on stderr says each time the command ended and when it starts again.
"""
import argparse
import signal
import subprocess
import sys
import threading
import time

STOPPING_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT)


def _say(message):
    print(f"supervise: {message}", file=sys.stderr, flush=True)


class Supervisor:
    def __init__(self, command, min_delay=1.0, max_delay=30.0, reset_after=60.0):
        self.command = command
        self.min_delay, self.max_delay, self.reset_after = min_delay, max_delay, reset_after
        self.child = None
        self.stopping = threading.Event()
        self.restarts = 0

    def _on_signal(self, signum, frame):
        if signum in STOPPING_SIGNALS:
            self.stopping.set()
        child = self.child
        if child is not None and child.poll() is None:
            # SIGINT becomes SIGTERM: a terminal's Ctrl-C reaches the command too, and a second SIGINT
            # would make celery stop at once (cold) instead of finishing its tasks.
            child.send_signal(signal.SIGTERM if signum == signal.SIGINT else signum)

    def run(self):
        for signum in (*STOPPING_SIGNALS, signal.SIGHUP):
            signal.signal(signum, self._on_signal)
        name = " ".join(self.command)
        delay = self.min_delay
        while True:
            started = time.monotonic()
            try:
                self.child = subprocess.Popen(self.command)
            except OSError as exc:
                _say(f"cannot start {name!r}: {exc}")
                return 127
            status = self.child.wait()
            if self.stopping.is_set():
                return status
            ran = time.monotonic() - started
            if ran >= self.reset_after:
                delay = self.min_delay
            self.restarts += 1
            _say(f"{name!r} exited with status {status} after {ran:.1f} s; starting it again in {delay:g} s "
                 f"(restart {self.restarts})")
            if self.stopping.wait(delay):
                return status
            delay = min(self.max_delay, delay * 2)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m worker.supervise", description=__doc__.split("\n\n")[0])
    parser.add_argument("--min-delay", type=float, default=1.0, help="seconds before the first restart")
    parser.add_argument("--max-delay", type=float, default=30.0, help="the longest pause between restarts")
    parser.add_argument("--reset-after", type=float, default=60.0,
                        help="a run this long (seconds) brings the pause back to --min-delay")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command, after --")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    return Supervisor(command, args.min_delay, args.max_delay, args.reset_after).run()


if __name__ == "__main__":
    sys.exit(main())
