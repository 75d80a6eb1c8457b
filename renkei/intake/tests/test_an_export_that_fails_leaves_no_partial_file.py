"""An export stopped midway (a full disk) must not leave a file that looks like a backup."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from renkei.incidents.tests.factories import ingest
from renkei.intake.tests.helpers import files_limited_to

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["backup.jsonl", "backup.jsonl.gz"])
def test_an_export_cut_short_keeps_the_previous_file_and_leaves_no_partial_one(
    tmp_path: Path, name: str
) -> None:
    for number in range(40):  # random text: gzip cannot shrink it below the limit
        ingest(url=f"https://a{number}.example/", text=os.urandom(4000).hex())
    target = tmp_path / name
    target.write_bytes(b"the previous backup\n")

    with files_limited_to(64 * 1024), pytest.raises(CommandError) as raised:
        call_command("export", str(target))

    assert "cannot write" in str(raised.value) and "nothing was written" in str(raised.value)
    assert target.read_bytes() == b"the previous backup\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_an_export_into_a_missing_directory_says_so(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No such file or directory"):
        call_command("export", str(tmp_path / "missing" / "all.jsonl"))
