"""The renkei command's own subcommands: init, status, export, demo."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from renkei.accounts.models import User
from renkei.incidents.models import Incident
from renkei.intake.exporter import export_objects
from renkei.intake.models import Report
from renkei.intake.tests.helpers import import_objects, report

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_init_without_a_terminal_takes_the_password_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RENKEI_ADMIN_PASSWORD", "s3cret-for-test")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))

    output = _run("init")

    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password("s3cret-for-test")
    assert "s3cret-for-test" not in output


def test_init_generates_and_prints_a_password_and_keeps_it_on_a_second_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("RENKEI_ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))

    first = _run("init")
    password = first.split("password: ")[1].split()[0]
    second = _run("init")

    assert User.objects.get(username="admin").check_password(password)
    assert "password unchanged" in second


def test_status_json_names_the_database_and_counts_per_category(tmp_path: Path) -> None:
    import_objects(
        tmp_path, [report("a", "2023-04-01T10:00:00Z", category="scan", ip="198.51.100.1")]
    )

    status = json.loads(_run("status", "--json"))

    assert status["database"]["vendor"] in {"sqlite", "postgresql"}
    assert status["counts"]["reports"] == 1
    assert status["counts"]["incidents_by_category"]["scan"] == 1
    assert next(iter(status["counts"]["incidents_by_category"])) == "phishing"


def test_export_writes_reports_with_their_incident(tmp_path: Path) -> None:
    import_objects(tmp_path, [report("a", "2023-04-01T10:00:00Z", category="other", text="日本語")])
    path = tmp_path / "out.jsonl"

    _run("export", str(path))

    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert lines == [
        {"kind": "report", "ref": "a", "received_at": "2023-04-01T10:00:00Z", "channel": "web",
         "category": "other", "text": "日本語", "incident": Incident.objects.get().ref}
    ]  # fmt: skip


def test_export_reads_incidents_by_a_join_not_one_query_each(
    tmp_path: Path, django_assert_max_num_queries: Any
) -> None:
    reports = [
        report(f"r{n}", f"2023-04-01T10:{n:02d}:00Z", category="other", text=f"event {n}")
        for n in range(40)
    ]
    import_objects(tmp_path, reports)
    assert Incident.objects.count() == 40

    with django_assert_max_num_queries(15):
        lines = list(export_objects())

    assert [line["incident"] for line in lines] == list(
        Incident.objects.order_by("first_report_at").values_list("ref", flat=True)
    )


def test_demo_loads_data_through_the_importer_and_twice_adds_nothing() -> None:
    _run("demo", "--days", "10", "--per-day", "10")
    reports = Report.objects.count()

    output = _run("demo", "--days", "10", "--per-day", "10")

    assert reports > 50
    assert Report.objects.count() == reports
    assert "0 new reports" in output
    assert Report.objects.filter(source="demo").count() == reports
