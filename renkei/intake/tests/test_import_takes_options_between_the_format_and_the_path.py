"""`renkei import shadowserver --source shadowserver-jp FILE` imports FILE.

argparse alone takes the positionals before an option as all there are: the
path after `--source NAME` (or `--no-progress`, `--json`) was refused as
"unrecognized arguments", though the usage line reads `[FORMAT] PATH`.
"""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from renkei.intake.models import Report

pytestmark = pytest.mark.django_db
SCAN = Path(__file__).parent / "fixtures" / "shadowserver" / "scan_ssh.csv"


def test_the_options_may_stand_between_the_format_and_the_path() -> None:
    out = StringIO()

    with pytest.raises(CommandError, match=r"2 line\(s\) rejected"):  # the fixture's bad rows
        call_command(
            "import", "shadowserver", "--source", "shadowserver-jp", "--no-progress", str(SCAN),
            stdout=out, stderr=StringIO(),
        )  # fmt: skip

    assert Report.objects.filter(source="shadowserver-jp").count() == 3
    assert out.getvalue().startswith("6 lines: imported report 3;")
