"""The mail catcher of `make run`: an SMTP server on 127.0.0.1 that prints each email decoded.

aiosmtpd's own `python -m aiosmtpd` prints the raw message, so a French email reads as base64 and a
newcomer cannot follow the links in it. This one prints the headers people read, then each text part
decoded, and says where the HTML part went. It stops cleanly on SIGTERM (honcho's Ctrl-C) and SIGINT.

    python -m marketplace.mail_catcher --port 8025
"""
import argparse
import asyncio
import signal
import sys
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller

SHOWN_HEADERS = ("From", "To", "Subject", "Date", "Reply-To")


def readable(raw):
    """The message as a person reads it: main headers, then every text/plain part decoded."""
    message = message_from_bytes(raw, policy=policy.default)
    lines = [f"{name}: {message[name]}" for name in SHOWN_HEADERS if message[name]]
    lines.append("")
    texts = [part for part in message.walk() if part.get_content_type() == "text/plain"
             and part.get_content_disposition() != "attachment"]
    for part in texts:
        lines.append(part.get_content().rstrip())
    others = [part.get_content_type() for part in message.walk()
              if not part.is_multipart() and part not in texts]
    if others:
        lines.append("")
        lines.append(f"(also in this email, not printed: {', '.join(others)})")
    return "\n".join(lines)


class PrintingHandler:
    def __init__(self, out=None):
        self.out = out

    async def handle_DATA(self, server, session, envelope):
        rule = "-" * 72
        print(f"{rule}\n{readable(envelope.original_content or envelope.content)}\n{rule}", file=self.out or sys.stdout, flush=True)
        return "250 Message accepted for delivery"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    args = parser.parse_args(argv)

    controller = Controller(PrintingHandler(), hostname=args.host, port=args.port)
    controller.start()
    print(f"Emails sent to {args.host}:{args.port} are printed here.", flush=True)
    loop = asyncio.new_event_loop()
    stop = loop.create_future()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, lambda: stop.done() or stop.set_result(None))
    try:
        loop.run_until_complete(stop)
    finally:
        controller.stop()
        loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
