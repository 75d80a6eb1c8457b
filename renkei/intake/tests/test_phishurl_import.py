from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from renkei.incidents.models import Brand, Incident
from renkei.intake.feeds.phishurl import PhishurlImporter, _repair, repair_url
from renkei.intake.models import RawReport, Report
from renkei.intake.reader import ParsedBatch
from renkei.lib import sqlbulk

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures" / "phishurl"
PUBLISHED = Path("/work/shared/data/jpcert-phishurl-list")


def test_phishurl_rows_become_phishing_reports_of_their_brands() -> None:
    summary = PhishurlImporter(source="phishurl").run(FIXTURES / "2024" / "202401.csv")

    assert summary.rejected == []
    assert summary.imported["report"] == 8
    amazon = Report.objects.get(url__contains="amazon-co-jp")
    assert (amazon.category, amazon.channel, amazon.brand.name) == ("phishing", "feed", "Amazon")
    assert amazon.received_at.isoformat() == "2024-01-04T01:12:00+00:00"  # 10:12 JST
    assert amazon.raw_bytes().decode().startswith("2024/01/04 10:12:00,https://amazon-co-jp")
    assert Report.objects.get(url__contains="unbranded").brand is None
    assert set(Brand.objects.values_list("name", flat=True)) >= {"Amazon", "三井住友カード"}


def test_the_same_site_listed_twice_is_one_incident() -> None:
    PhishurlImporter(source="phishurl").run(FIXTURES / "2024" / "202401.csv")

    netflix = Incident.objects.get(key="www.account.example-phish.jp/gb-en/signin/signin.php")
    assert netflix.report_count == 2


def test_reimporting_a_phishurl_file_adds_nothing() -> None:
    PhishurlImporter(source="phishurl").run(FIXTURES / "2024" / "202401.csv")

    again = PhishurlImporter(source="phishurl").run(FIXTURES / "2024" / "202401.csv")

    assert again.imported["report"] == 0
    assert again.duplicates["report"] == 8
    assert Report.objects.count() == 8


def test_known_defects_of_the_list_are_repaired_and_the_original_kept() -> None:
    PhishurlImporter(source="phishurl").run(FIXTURES / "2024" / "202401.csv")

    undated = Report.objects.get(url__contains="etc-meisai.example-phish.cn")
    assert undated.extra["date_inferred"] is True
    assert undated.received_at.isoformat() == "2024-01-05T00:00:00+00:00"  # previous row
    typo = Report.objects.get(host="aupay.example-phish.cn")
    assert typo.url == "https://aupay.example-phish.cn/"
    assert typo.extra["url_in_source"] == "hhttps://aupay.example-phish.cn"
    assert Report.objects.filter(host="www.etc-meisai.jp.example-phish.club").exists()


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("hhttps://a.example/x", "https://a.example/x"),
        ("htps://192.0.2.1/", "https://192.0.2.1/"),
        ("ttps://a.example/", "https://a.example/"),
        ("https:///a.example/p", "https://a.example/p"),
        ("\u3000https://a.example/?q=..", "https://a.example/?q=.."),
        ("https://\ufeffa.example/", "https://a.example/"),
        ("http://a..example/b..c", "http://a.example/b..c"),
        ("http://a.example/", "http://a.example/"),
    ],
)
def test_repair_url_fixes_only_what_the_list_got_wrong(written: str, meant: str) -> None:
    assert repair_url(written) == meant


_URLISH = st.lists(
    st.sampled_from(["http", "https", "h", "t", "p", "s", ":", "/", ".", "..", "a", "B", "?",
                     "=", " ", "\u3000", "\ufeff", "\u200b", "\u00ef\u00bb\u00bf", "例"]),
    max_size=12,
).map("".join)  # fmt: skip


_NEARLY_CLEAN = st.from_regex(
    r"(?i)h?https?:///?[a-z. \u3000]{0,10}(/[a-z.?]{0,5})?", fullmatch=True
)


@given(st.one_of(_URLISH, _NEARLY_CLEAN, st.text(max_size=30)))
def test_urls_left_alone_by_the_shortcut_are_those_the_repairs_leave_alone(url: str) -> None:
    assert repair_url(url) == _repair(url)


def test_a_directory_imports_every_csv_file_and_names_the_file_of_a_bad_row() -> None:
    summary = PhishurlImporter(source="phishurl").run(FIXTURES)

    assert summary.imported["report"] == 10
    assert summary.lines == 13  # both files' lines, headers included
    [(line, reason)] = summary.rejected
    assert line == 4
    assert reason.startswith("2024/202402.csv: date '2024/02/30 08:30:00'")
    failure = RawReport.objects.get(status="failed")
    assert bytes(failure.content).startswith(b"2024/02/30")
    # The same URL a month later joins the January incident (within 30 days).
    assert Incident.objects.get(key="amazon-co-jp.example-phish.xyz/signin").report_count == 2


def test_renkei_import_phishurl_takes_a_directory(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(CommandError, match="1 line"):  # one row rejected: exit status 1
        call_command("import", "phishurl", str(FIXTURES), "--no-progress")

    assert "imported report 10" in capsys.readouterr().out


def test_a_published_month_of_the_jpcert_list_imports_whole() -> None:
    month = PUBLISHED / "2019" / "201901.csv"
    if not month.exists():  # a skip fails the suite when CI=true (conftest.py)
        pytest.skip(f"the JPCERT/CC phishurl list is not at {PUBLISHED}")
    rows = len(month.read_text(encoding="utf-8").splitlines()) - 1

    summary = PhishurlImporter(source="phishurl").run(month)

    assert summary.rejected == []
    assert summary.imported["report"] + summary.duplicates["report"] == rows
    assert Brand.objects.filter(name="Netflix").exists()


def _wal_autocheckpoint() -> int:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        return int(cursor.fetchone()[0])


class _WatchedImporter(PhishurlImporter):
    """Looks at the setting as each file's batch is stored (start_file runs in the
    read-ahead thread, which must not touch the database)."""

    def __init__(self) -> None:
        super().__init__(source="phishurl")
        self.seen_at_file_start: list[int] = []

    def _import_batch(self, parsed: ParsedBatch) -> None:
        self.seen_at_file_start.append(_wal_autocheckpoint())
        super()._import_batch(parsed)


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="optional: a SQLite setting (PostgreSQL has no WAL pragma)",
)
def test_a_directory_import_keeps_checkpoints_rare_between_its_files(tmp_path: Path) -> None:
    for month in ("01", "02"):
        row = f"2024/{month}/04 10:12:00,https://m{month}.example/,Amazon"
        (tmp_path / f"2024{month}.csv").write_text(f"date,URL,description\n{row}\n")
    importer = _WatchedImporter()
    usual = _wal_autocheckpoint()

    importer.run(tmp_path)

    assert importer.seen_at_file_start == [sqlbulk.BULK_CHECKPOINT_PAGES] * 2
    assert _wal_autocheckpoint() == usual


def test_a_brand_too_long_to_store_rejects_its_line_only(tmp_path: Path) -> None:
    rows = [f"2024/01/0{n} 10:00:00,https://site{n}.example-phish.jp/,Amazon" for n in range(1, 6)]
    rows.insert(3, "2024/01/03 11:00:00,https://long.example-phish.jp/," + "B" * 250)
    path = tmp_path / "202401.csv"
    path.write_text("date,URL,description\n" + "\n".join(rows) + "\n", encoding="utf-8")

    summary = PhishurlImporter(source="phishurl").run(path)

    assert summary.imported["report"] == 5
    assert summary.rejected == [(5, "brand is longer than 200 characters")]
    assert not Brand.objects.filter(name__startswith="BBB").exists()
