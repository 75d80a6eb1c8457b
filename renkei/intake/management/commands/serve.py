from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run renkei's web application with gunicorn (a production WSGI server)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args: Any, **options: Any) -> None:
        from django.core.management import call_command
        from gunicorn.app.wsgiapp import WSGIApplication

        call_command("collectstatic", interactive=False, verbosity=0)
        bind = f"{options['host']}:{options['port']}"
        argv = ["renkei serve", "--bind", bind, "--workers", str(options["workers"])]
        argv += ["--access-logfile", "-", "renkei.wsgi:application"]
        self.stdout.write(f"renkei is serving on http://{bind}/")
        # gunicorn reads its options from sys.argv.
        sys.argv = argv
        WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").run()  # type: ignore[no-untyped-call]
