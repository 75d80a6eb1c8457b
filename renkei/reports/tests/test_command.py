"""`renkei report`: the formats and the open-data files."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from renkei.reports.tests import records

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def data() -> None:
    records.incident(
        "phishing", datetime(2023, 3, 31, 23, 0, tzinfo=TOKYO), brand=records.brand("楽天", "JP")
    )
    records.incident("phishing", datetime(2023, 4, 1, 0, 0, tzinfo=TOKYO))
    records.incident("scan", datetime(2023, 6, 30, 23, 59, tzinfo=TOKYO), ports=("23/tcp",))


def test_json_goes_to_stdout(data: None) -> None:
    out = io.StringIO()

    call_command("report", "quarterly", "2023-04", stdout=out)

    report = json.loads(out.getvalue())
    assert report["period"] == {"start": "2023-04-01", "end": "2023-06-30",
                                "months": ["2023-04", "2023-05", "2023-06"],
                                "timezone": "Asia/Tokyo"}  # fmt: skip
    assert report["totals"]["incidents"]["months"] == [1, 0, 1]
    assert report["provisional"] is False


def test_json_of_a_quarter_not_over_says_it_is_provisional() -> None:
    now = timezone.localtime(timezone.now(), TOKYO)
    records.incident("scan", now)
    out = io.StringIO()

    call_command("report", "quarterly", now.strftime("%Y-%m"), stdout=out)

    report = json.loads(out.getvalue())
    assert report["provisional"] is True
    assert datetime.fromisoformat(report["as_of"]) >= now.replace(microsecond=0)


def test_csv_is_one_file_per_table_in_a_directory_or_a_zip(data: None, tmp_path: Path) -> None:
    records.recorded_since(datetime(2020, 1, 1, tzinfo=TOKYO))
    call_command("report", "quarterly", "2023-04", "--format", "csv", "--output", str(tmp_path / "d"),
                 stderr=io.StringIO())  # fmt: skip
    call_command("report", "quarterly", "2023-04", "--format", "csv", "--lang", "en",
                 "--output", str(tmp_path / "r.zip"), stderr=io.StringIO())  # fmt: skip

    table2 = (tmp_path / "d" / "table2_categories.csv").read_text(encoding="utf-8").splitlines()
    assert table2[0].startswith("category,label,2023-04,2023-05,2023-06,total,previous_quarter")
    assert table2[1].startswith("phishing,フィッシングサイト,1,0,0,1,1,")
    names = zipfile.ZipFile(tmp_path / "r.zip").namelist()
    assert len(names) == 8 and "renkei-2023-04-en/table4_scan_ports.csv" in names


def test_csv_needs_an_output(data: None) -> None:
    with pytest.raises(CommandError, match="--output"):
        call_command("report", "quarterly", "2023-04", "--format", "csv")


def test_html_is_a_standalone_document_in_the_language_asked(data: None, tmp_path: Path) -> None:
    target = tmp_path / "r.html"

    call_command("report", "quarterly", "2023-04", "--format", "html", "--lang", "en",
                 "--output", str(target), stderr=io.StringIO())  # fmt: skip

    html = target.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and '<html lang="en">' in html
    assert "Incident Response Report" in html and "1 April 2023 – 30 June 2023" in html


def test_monthly_csv_writes_jpcert_style_files_since_the_first_report(
    data: None, tmp_path: Path
) -> None:
    call_command("report", "monthly-csv", str(tmp_path), stderr=io.StringIO())

    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([
        "incident-reports.csv", "incident-cases-coordinated.csv", "phishing.csv",
        "web-defacement.csv", "malware.csv", "scan.csv", "dos.csv", "apt.csv", "ics.csv",
        "other.csv",
    ])  # fmt: skip
    assert (tmp_path / "incident-reports.csv").read_text() == (
        "date,count\n202303,1\n202304,1\n202305,0\n202306,1\n"
    )
    assert (tmp_path / "phishing.csv").read_text().splitlines() == [
        "date,count,domestic brands,overseas brands,unknown brands",
        "202303,1,1,0,0", "202304,1,0,0,1", "202305,0,0,0,0", "202306,0,0,0,0",
    ]  # fmt: skip
    assert (tmp_path / "scan.csv").read_text().splitlines()[-1] == "202306,1"


def test_monthly_csv_leaves_out_the_month_not_over_yet(tmp_path: Path) -> None:
    now = timezone.localtime(timezone.now(), TOKYO)
    records.incident("scan", now - timedelta(days=40))
    records.incident("scan", now)
    last_month = (now.replace(day=1) - timedelta(days=1)).strftime("%Y%m")

    call_command("report", "monthly-csv", str(tmp_path), stderr=io.StringIO())

    assert (tmp_path / "scan.csv").read_text().splitlines()[-1].startswith(f"{last_month},")


def test_monthly_csv_with_reports_of_this_month_only_writes_nothing(tmp_path: Path) -> None:
    records.incident("scan", timezone.now())

    with pytest.raises(CommandError, match="before this month"):
        call_command("report", "monthly-csv", str(tmp_path / "out"), stderr=io.StringIO())


def test_a_bad_quarter_is_an_error() -> None:
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("report", "quarterly", "2023/04")


@pytest.mark.parametrize(
    ("fmt", "name"), [("json", "missing/r.json"), ("html", "missing/r.html"), ("csv", "taken")]
)
def test_an_output_that_cannot_be_written_is_a_one_line_error(
    data: None, tmp_path: Path, fmt: str, name: str
) -> None:
    (tmp_path / "taken").write_text("a file, not a directory")

    with pytest.raises(
        CommandError, match=re.escape(f"cannot write {tmp_path / name.split('/')[0]}")
    ):
        call_command("report", "quarterly", "2023-04", "--format", fmt,
                     "--output", str(tmp_path / name), stderr=io.StringIO())  # fmt: skip


def test_monthly_csv_into_a_file_is_a_one_line_error(data: None, tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file, not a directory")

    with pytest.raises(CommandError, match="cannot write"):
        call_command("report", "monthly-csv", str(tmp_path / "taken"), stderr=io.StringIO())
