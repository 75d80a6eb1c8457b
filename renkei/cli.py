"""The `renkei` command: Django management commands under one name."""

from __future__ import annotations

import os
import sys

RENKEI_COMMANDS = {
    "init": "set up the database and an admin account",
    "import": "import a file (exchange format JSONL, .gz too)",
    "export": "export everything in the exchange format",
    "backup": "back up the database, the GnuPG home and the secret key",
    "status": "database in use and record counts (--json)",
    "serve": "run the web application (gunicorn)",
    "worker": "run the background task worker",
    "smtpd": "receive reports by SMTP or LMTP (for an MTA to hand them over)",
    "fetchmail": "poll an IMAP mailbox for reports",
    "demo": "load a generated demo data set",
    "report": "quarterly report (json/html/pdf/csv) and open-data monthly CSV",
}


def _usage() -> str:
    lines = ["usage: renkei COMMAND [options]", "", "commands:"]
    lines += [f"  {name:<10} {text}" for name, text in RENKEI_COMMANDS.items()]
    lines += ["", "Every Django management command is available too (renkei help --commands)."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "renkei.settings")
    if len(argv) < 2 or argv[1] in {"-h", "--help"}:
        print(_usage())
        return
    from django.core.management import execute_from_command_line

    from renkei.lib.errors import RenkeiError

    try:
        execute_from_command_line(["renkei", *argv[1:]])
    except RenkeiError as exc:
        print(f"renkei: {exc}", file=sys.stderr)
        sys.exit(2)
    except BrokenPipeError:
        # Output piped into `head` or a pager that quit: not an error of ours. Standard
        # output is pointed at /dev/null so that flushing it at exit does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)


if __name__ == "__main__":
    main()
