from __future__ import annotations

import gc
from pathlib import Path

import pytest
from django.db import connection

from renkei.incidents.models import Incident, IncidentPort
from renkei.intake.importer import ExchangeImporter
from renkei.intake.models import Report
from renkei.intake.tests.helpers import import_objects, report, write_lines
from renkei.lib import sqlbulk

pytestmark = pytest.mark.django_db


def test_it_merges_reports_with_defanged_and_respelled_urls(tmp_path: Path) -> None:
    spellings = [
        "https://example.com/login",
        "hxxps://EXAMPLE[.]com:443/login/#top",
        "http://example.com/login?id=5",
        "https://example.com/%6Cogin",
    ]
    lines = [
        report(f"r{i}", f"2023-04-0{i + 1}T10:00:00+09:00", category="phishing", url=url)
        for i, url in enumerate(spellings)
    ]

    import_objects(tmp_path, lines)

    incident = Incident.objects.get()
    assert incident.key == "example.com/login"
    assert incident.report_count == 4
    assert Report.objects.filter(incident=incident).count() == 4


def test_a_report_after_the_window_opens_a_new_incident(tmp_path: Path) -> None:
    lines = [
        report("a", "2023-04-01T10:00:00+09:00", category="phishing", url="https://x.example/"),
        report("b", "2023-05-01T10:00:00+09:00", category="phishing", url="https://x.example/"),
        report("c", "2023-06-01T10:00:01+09:00", category="phishing", url="https://x.example/"),
    ]

    import_objects(tmp_path, lines)

    # a->b is exactly 30 days: joins; b->c is 31 days and a second: new incident.
    assert sorted(Incident.objects.values_list("report_count", flat=True)) == [1, 2]


def test_the_same_key_in_another_category_is_another_incident(tmp_path: Path) -> None:
    lines = [
        report("a", "2023-04-01T10:00:00Z", category="phishing", url="https://x.example/"),
        report("b", "2023-04-01T11:00:00Z", category="defacement", url="https://x.example/"),
    ]

    import_objects(tmp_path, lines)

    assert Incident.objects.count() == 2


def test_scan_reports_join_by_source_ip_and_collect_ports(tmp_path: Path) -> None:
    lines = [
        report(
            "a", "2023-04-01T10:00:00Z", category="scan", ip="2001:DB8:0:0::1", ports=["22/tcp"]
        ),
        report(
            "b",
            "2023-04-02T10:00:00Z",
            category="scan",
            ip="2001:db8::1",
            ports=["22/tcp", "5060/UDP"],
        ),
    ]

    import_objects(tmp_path, lines)

    incident = Incident.objects.get()
    assert incident.key == "2001:db8::1"
    assert incident.ports == ["22/tcp", "5060/udp"]
    assert sorted(IncidentPort.objects.values_list("port", "protocol")) == [
        (22, "tcp"),
        (5060, "udp"),
    ]


def test_reports_without_a_key_stay_separate(tmp_path: Path) -> None:
    lines = [
        report(f"o{i}", "2023-04-01T10:00:00Z", category="other", text="same") for i in range(3)
    ]

    import_objects(tmp_path, lines)

    assert Incident.objects.count() == 3


def test_dedup_continues_across_imports(tmp_path: Path) -> None:
    import_objects(
        tmp_path,
        [report("a", "2023-04-01T10:00:00Z", category="phishing", url="https://y.example/p")],
    )
    import_objects(
        tmp_path,
        [report("b", "2023-04-03T10:00:00Z", category="phishing", url="hxxps://y[.]example/p/")],
    )

    assert Incident.objects.get().report_count == 2


def test_importing_the_same_file_twice_adds_nothing(tmp_path: Path) -> None:
    lines = [
        {"kind": "brand", "name": "Example Bank", "country": "JP", "industry": "finance"},
        report(
            "a",
            "2023-04-01T10:00:00Z",
            category="phishing",
            url="https://z.example/",
            brand="example bank",
        ),
        {
            "kind": "notification",
            "ref": "n1",
            "report": "a",
            "sent_at": "2023-04-01T12:00:00Z",
            "recipient": "abuse@example.net",
            "recipient_country": "JP",
        },
        {"kind": "resolution", "report": "a", "resolved_at": "2023-04-03T12:00:00Z"},
        {
            "kind": "no_notification",
            "report": "a",
            "decided_at": "2023-04-01T11:00:00Z",
            "reason": "already_notified",
        },
    ]
    first = import_objects(tmp_path, lines)
    second = import_objects(tmp_path, lines)

    assert sum(first.imported.values()) == 5
    assert sum(second.imported.values()) == 0
    assert sum(second.duplicates.values()) == 5
    incident = Incident.objects.get()
    assert incident.status == "resolved"
    assert incident.brand is not None and incident.brand.name == "Example Bank"


def test_unknown_keys_are_kept_as_extra_data(tmp_path: Path) -> None:
    import_objects(
        tmp_path, [report("a", "2023-04-01T10:00:00Z", category="other", ticket="T-9", tags=["x"])]
    )

    assert Report.objects.get().extra == {"ticket": "T-9", "tags": ["x"]}


def test_a_report_keeps_its_exact_bytes(tmp_path: Path) -> None:
    line = '{"kind":"report","ref":"a","received_at":"2023-04-01T10:00:00Z","category":"other","text":"日本語"}'
    import_objects(tmp_path, [report("x", "2023-04-01T09:00:00Z", category="other"), line])

    assert Report.objects.get(ref="a").raw_bytes() == line.encode()


def test_an_unknown_brand_from_a_file_joins_the_catalog_without_a_country(tmp_path: Path) -> None:
    from renkei.incidents.models import Brand

    import_objects(
        tmp_path,
        [
            report(
                "a",
                "2023-04-01T10:00:00Z",
                category="phishing",
                url="https://q.example/",
                brand="New Bank",
            )
        ],
    )

    brand = Brand.objects.get(name="New Bank")
    assert brand.country == ""
    assert Incident.objects.get().brand == brand


def test_an_untrusted_catalog_lookup_never_adds_a_brand() -> None:
    from renkei.incidents.brands import BrandCatalog
    from renkei.incidents.models import Brand

    assert BrandCatalog(create_unknown=False).resolve("Made-up Brand") is None
    assert not Brand.objects.filter(name="Made-up Brand").exists()


def test_an_import_turns_the_garbage_collector_back_on_even_when_interrupted(
    tmp_path: Path,
) -> None:
    # The import collects garbage itself, batch by batch; the process must get
    # its automatic collector back whatever happens.
    path = write_lines(tmp_path / "in.jsonl", [report("r1", "2023-04-01T00:00:00Z")])

    def interrupt(done: int, lines: int) -> None:
        assert not gc.isenabled()
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ExchangeImporter(progress=interrupt).run(path)
    assert gc.isenabled()


def _wal_autocheckpoint() -> int:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        return int(cursor.fetchone()[0])


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="optional: a SQLite setting (PostgreSQL has no WAL pragma)",
)
def test_sqlite_checkpoints_rarely_during_an_import_and_as_usual_after(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "in.jsonl", [report("r1", "2023-04-01T00:00:00Z")])
    usual = _wal_autocheckpoint()
    during: list[int] = []

    ExchangeImporter(progress=lambda done, lines: during.append(_wal_autocheckpoint())).run(path)

    assert during == [sqlbulk.BULK_CHECKPOINT_PAGES]
    assert _wal_autocheckpoint() == usual < sqlbulk.BULK_CHECKPOINT_PAGES


def test_an_import_leaves_objects_someone_else_froze_frozen(tmp_path: Path) -> None:
    # A server may freeze its start-up objects before forking workers.
    path = write_lines(tmp_path / "in.jsonl", [report("r1", "2023-04-01T00:00:00Z")])
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        ExchangeImporter().run(path)
        # A few frozen objects die meanwhile; unfrozen, none would be left.
        assert gc.get_freeze_count() > frozen * 0.9
    finally:
        gc.unfreeze()


def test_an_import_leaves_nothing_frozen_of_its_own(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "in.jsonl", [report("r1", "2023-04-01T00:00:00Z")])
    ExchangeImporter().run(path)
    assert gc.get_freeze_count() == 0 and gc.isenabled()


def test_a_later_import_moves_the_first_time_and_sets_the_brand_of_a_known_incident(
    tmp_path: Path,
) -> None:
    url = "https://late.example.com/login"
    import_objects(tmp_path, [report("a", "2023-04-02T10:00:00Z", category="phishing", url=url)])
    import_objects(
        tmp_path,
        [
            report("b", "2023-04-02T12:00:00Z", category="phishing", url=url),
            report("c", "2023-04-02T09:00:00Z", category="phishing", url=url, brand="Amazon"),
        ],
    )
    import_objects(tmp_path, [report("d", "2023-04-02T13:00:00Z", category="phishing", url=url)])

    incident = Incident.objects.get()
    assert incident.report_count == 4
    assert incident.first_report_at.isoformat() == "2023-04-02T09:00:00+00:00"
    assert incident.last_report_at.isoformat() == "2023-04-02T13:00:00+00:00"
    assert incident.brand is not None and incident.brand.name == "Amazon"


def test_reports_naming_an_incident_and_reports_matching_its_key_count_once_each(
    tmp_path: Path,
) -> None:
    url = "https://both.example.com/login"
    import_objects(
        tmp_path, [report("a", "2025-04-01T10:00:00+09:00", category="phishing", url=url)]
    )
    incident = Incident.objects.get()
    lines = [  # one batch: the first by the incident's ref (as an export has it), the next by key
        report(
            "b", "2025-04-01T11:00:00+09:00", category="phishing", url=url, incident=incident.ref
        ),
        report("c", "2025-04-01T12:00:00+09:00", category="phishing", url=url),
    ]

    import_objects(tmp_path, lines)

    incident.refresh_from_db()
    assert Incident.objects.count() == 1
    assert incident.report_count == 3 == Report.objects.filter(incident=incident).count()


def test_an_incident_opened_by_this_import_is_one_state_in_later_batches(tmp_path: Path) -> None:
    url, ref = "https://later.example.com/login", "I-0000000001"
    lines = [
        report("a", "2025-04-01T10:00:00+09:00", category="phishing", url=url, incident=ref),
        report("x", "2025-04-01T10:30:00+09:00", category="phishing", url="https://x.example/"),
        # The next batch: the same incident by its ref, then by its key.
        report("b", "2025-04-01T11:00:00+09:00", category="phishing", url=url, incident=ref),
        report("c", "2025-04-01T12:00:00+09:00", category="phishing", url=url),
    ]

    ExchangeImporter(batch_size=2).run(write_lines(tmp_path / "two-batches.jsonl", lines))

    incident = Incident.objects.get(ref=ref)
    assert incident.report_count == 3 == Report.objects.filter(incident=incident).count()
