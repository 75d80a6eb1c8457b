"""`renkei backup DIR`: the database, the center's GnuPG home and the secret key, restored
as docs/backup.md says into an instance that has the
same records; a backup that fails leaves nothing that looks like one."""

from __future__ import annotations

import hashlib
import json
import shutil
import socket
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from renkei.incidents.models import Incident
from renkei.incidents.tests.factories import ingest
from renkei.intake.models import RawReport, Report
from renkei.intake.tests.helpers import RENKEI, files_limited_to, renkei_env

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def instance(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """Records, a GnuPG home with a running agent's socket, a generated secret key."""
    home = tmp_path / "home"
    gnupg = home / "gnupg"
    (gnupg / "private-keys-v1.d").mkdir(parents=True)
    (gnupg / "pubring.kbx").write_bytes(b"the contacts' keys")
    (gnupg / "private-keys-v1.d" / "CENTER.key").write_bytes(b"the center's secret key")
    settings.RENKEI_HOME, settings.RENKEI_GPG_HOME = str(home), str(gnupg)
    (home / "secret_key").write_text(settings.SECRET_KEY)
    for number in range(3):
        ingest(url=f"https://bank{number}.example/login", text="本文 \x00\xff")
    with socket.socket(socket.AF_UNIX) as agent:
        agent.bind(str(gnupg / "S.gpg-agent"))
        yield tmp_path / "backup"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_backup_holds_the_keys_and_a_manifest_that_checks_out(instance: Path) -> None:
    call_command("backup", str(instance))

    manifest = json.loads((instance / "manifest.json").read_text())
    assert manifest["counts"]["intake_report"] == Report.objects.count() == 3
    assert manifest["counts"]["incidents_incident"] == Incident.objects.count()
    assert manifest["migrations"]["intake"]
    assert manifest["not_included"] == []
    assert manifest["files"] == {name: _sha256(instance / name) for name in manifest["files"]}
    assert (instance / "gnupg/private-keys-v1.d/CENTER.key").read_bytes() == (
        b"the center's secret key"
    )
    assert not (instance / "gnupg" / "S.gpg-agent").exists()
    assert (instance / "secret_key").exists()
    assert instance.stat().st_mode & 0o077 == 0
    assert sorted(p.name for p in instance.parent.iterdir()) == ["backup", "home"]


def test_a_backup_restored_into_a_new_home_has_the_same_records(
    instance: Path, tmp_path: Path, made_databases: list[str]
) -> None:
    call_command("backup", str(instance))
    restored = tmp_path / "restored"
    restored.mkdir()
    shutil.copytree(instance / "gnupg", restored / "gnupg")
    shutil.copy(instance / "secret_key", restored / "secret_key")
    env = renkei_env(restored)
    if connection.vendor == "sqlite":
        shutil.copy(instance / "database.sqlite3", restored / "renkei.sqlite3")
        _check_raw_bytes(restored / "renkei.sqlite3")
    else:
        env["RENKEI_DATABASE_URL"] = _restore_postgres(instance / "database.pgdump", made_databases)

    status = subprocess.run(
        [RENKEI, "status", "--json"], env=env, capture_output=True, text=True, check=True
    )

    counts = json.loads(status.stdout)["counts"]
    assert counts["reports"] == 3
    assert counts["incidents"] == Incident.objects.count()


def _check_raw_bytes(database: Path) -> None:
    with sqlite3.connect(database) as copy:
        stored = dict(copy.execute("SELECT id, content FROM intake_rawreport").fetchall())
    assert stored == dict(RawReport.objects.values_list("id", "content"))


@pytest.fixture
def made_databases() -> Iterator[list[str]]:
    """PostgreSQL databases a test made, dropped after it."""
    names: list[str] = []
    yield names
    for name in names:
        with _server() as server:
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _server() -> psycopg.Connection:
    params = connection.get_connection_params()
    keep = ("host", "port", "user", "password")
    return psycopg.connect(
        dbname="postgres", **{k: v for k, v in params.items() if k in keep}, autocommit=True
    )


def _restore_postgres(dump: Path, made: list[str]) -> str:
    pg_restore = shutil.which("pg_restore")
    if pg_restore is None:
        pytest.skip("pg_restore is not installed (Debian: postgresql-client)")
    db = connection.settings_dict
    name = f"{db['NAME']}_restored"
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    with _server() as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.execute(f'CREATE DATABASE "{name}"')
    made.append(name)
    subprocess.run(
        [pg_restore, "--no-owner", f"--host={host}", f"--port={port}",
         f"--username={db['USER']}", f"--dbname={name}", str(dump)],
        check=True, capture_output=True,
    )  # fmt: skip
    return f"postgresql://{db['USER']}@{host}:{port}/{name}"


def test_an_existing_directory_is_refused(instance: Path) -> None:
    instance.mkdir()
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", str(instance))
    assert list(instance.iterdir()) == []


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="optional: pg_dump is a process of its own"
)
def test_a_backup_cut_short_by_a_full_disk_leaves_nothing(instance: Path) -> None:
    with files_limited_to(16 * 1024), pytest.raises(CommandError) as raised:
        call_command("backup", str(instance))

    assert "failed" in str(raised.value)
    assert sorted(p.name for p in instance.parent.iterdir()) == ["home"]
