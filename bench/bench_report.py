"""How long the quarterly report takes on a large database.

    .venv/bin/python bench/bench_report.py DATABASE [--full] [--pdf] [--reuse | --existing]

DATABASE is a database URL (``postgresql://postgres@127.0.0.1:5432/renkei_bench``,
``sqlite:////tmp/bench.sqlite3``) or a file path (SQLite). The database is
emptied and filled with generated records by SQL alone (INSERT ... SELECT
over a recursive CTE on SQLite, generate_series on PostgreSQL): by default
1 million reports / 300,000 incidents, with --full 10 million reports /
3 million incidents, spread evenly over 36 months ending 2023-06, with
notifications, no-notification decisions, resolutions and scan ports in
proportions like the scenario's. --reuse keeps a database filled before at
the same size; --existing times the data already there as it is (the
imported scenario, say) and generates nothing.

It prints the machine, the database, the time to generate, the time of the
JSON figures for the quarter (default 2023-04; cold: first run; warm: best
of the next runs) and, with --pdf, of the full PDF in both languages.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

START_EPOCH = 1593529200  # 2020-07-01T00:00:00+09:00
SPAN_SECONDS = 1688137200 - START_EPOCH  # to 2023-07-01T00:00:00+09:00
QUARTER = "2023-04"
SIZES = {"small": (1_000_000, 300_000), "full": (10_000_000, 3_000_000)}
BRANDS = 360


def _database_url(target: str) -> str:
    if "://" in target:
        return target
    return f"sqlite:///{Path(target).resolve()}"


def _setup_django(url: str) -> None:
    os.environ["RENKEI_DATABASE_URL"] = url
    os.environ.setdefault("RENKEI_HOME", tempfile.mkdtemp(prefix="renkei-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "renkei.settings")
    import django

    django.setup()


def _database_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
            return f"SQLite {cursor.fetchone()[0]}"
        cursor.execute("SELECT version()")
        return str(cursor.fetchone()[0]).split(" on ")[0]


def print_machine() -> None:
    from machine import describe

    print(describe())
    print(f"database: {_database_version()}")


# Generation ----------------------------------------------------------------------------------


def _series(n: int) -> str:
    """A table expression `seq(n)` of 1..n, in this database's dialect."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return f"generate_series(1, {n}) AS seq(n)"
    return f"(WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {n}) SELECT n FROM s) AS seq"


def _instant(epoch_sql: str) -> str:
    """A stored datetime from epoch seconds, in the form Django stores it."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return f"to_timestamp({epoch_sql})"
    return f"strftime('%Y-%m-%d %H:%M:%S', {epoch_sql}, 'unixepoch')"


def _category(n: str) -> str:
    # 78% phishing, 13% scan, 4% defacement, 3% other, 1% spread over the rest: like 2023-04.
    return (
        f"CASE WHEN {n} % 100 < 78 THEN 'phishing' WHEN {n} % 100 < 91 THEN 'scan' "
        f"WHEN {n} % 100 < 95 THEN 'defacement' WHEN {n} % 100 < 98 THEN 'other' "
        f"WHEN {n} % 100 = 98 THEN 'malware_site' "
        f"ELSE (CASE ({n} / 100) % 3 WHEN 0 THEN 'dos' WHEN 1 THEN 'ics' ELSE 'targeted_attack' END) END"
    )


def _execute(sql: str, label: str) -> None:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql)
    print(f"  {label}: {time.perf_counter() - started:.1f} s", flush=True)


def _wipe() -> None:
    from renkei.coordination.models import NoNotification, Notification, Resolution
    from renkei.incidents.models import Brand, BrandAlias, Incident, IncidentPort
    from renkei.intake.models import RawReport, Report
    from renkei.reports.models import QuarterNote

    for model in (Notification, NoNotification, Resolution, Report, RawReport, IncidentPort,
                  Incident, BrandAlias, Brand, QuarterNote):  # fmt: skip
        model._base_manager.all()._raw_delete(model._base_manager.db)


def generate(reports: int, incidents: int) -> None:
    from django.db import connection, transaction

    from renkei.incidents.models import Brand
    from renkei.intake.models import RawReport

    industries = ["finance", "ecommerce", "telecom", "transport", "logistics", "other"]
    first = f"({START_EPOCH} + (n - 1) * {SPAN_SECONDS // incidents})"  # incident n's first report
    with transaction.atomic():
        _wipe()
        Brand.objects.bulk_create(
            Brand(name=f"brand {i}", name_key=f"brand {i}", country="JP" if i % 3 else "US",
                  industry=industries[i % len(industries)])
            for i in range(BRANDS)
        )  # fmt: skip
        brand_base = Brand.objects.order_by("id").values_list("id", flat=True).first()
        raw = RawReport.objects.create(
            stored_at="2023-07-01T00:00:00Z", channel="import", source="bench", content=b""
        )
        _execute(
            f"""INSERT INTO incidents_incident (id, ref, category, key, status, first_report_at,
                last_report_at, report_count, brand_id, ports, merged_into_id, assignee_id,
                created_at, updated_at)
            SELECT n, 'B-' || n, {_category("n")}, NULL,
                CASE WHEN n % 100 < 45 THEN 'notified' ELSE 'not_notified' END,
                {_instant(first)}, {_instant(first + " + 86400")}, 3,
                CASE WHEN n % 100 = 0 OR n % 7 = 0 THEN NULL ELSE {brand_base} + n % {BRANDS} END,
                '[]', NULL, NULL, {_instant(first)}, {_instant(first)}
            FROM {_series(incidents)}""",
            f"{incidents:,} incidents",
        )
        per = reports // incidents
        _execute(
            f"""INSERT INTO intake_report (id, raw_id, raw_offset, raw_length, source, ref,
                received_at, channel, reporter, category, category_origin, url, url_as_received,
                host, ip, ports, brand_id, brand_as_received, incident_key, text, extra, incident_id)
            SELECT n, {raw.id}, 0, NULL, 'bench', 'r' || n,
                {_instant(f"{START_EPOCH} + (n - 1) * {SPAN_SECONDS // reports}")},
                CASE n % 3 WHEN 0 THEN 'web' WHEN 1 THEN 'email' ELSE 'fax' END, '',
                'phishing', 'reporter', '', '', '', '', '[]', NULL, '', NULL, '', '{{}}',
                1 + ((n - 1) / {per}) % {incidents}
            FROM {_series(reports)}""",
            f"{reports:,} reports",
        )
        # 45% of incidents notified (a third of them twice), 90% of those resolved.
        sent = f"({first} + 3600 * (1 + n % 200))"
        _execute(
            f"""INSERT INTO coordination_notification (source, ref, incident_id, report_id,
                sent_at, recipient, recipient_country, basis, status, extra)
            SELECT 'bench', 'n' || n, n, NULL, {_instant(sent)}, 'abuse@example.net',
                CASE WHEN n % 4 = 0 THEN 'US' ELSE 'JP' END,
                CASE WHEN n % 5 = 0 THEN 'contact_requested' ELSE 'site_confirmed' END, 'sent', '{{}}'
            FROM {_series(incidents)} WHERE n % 100 < 45""",
            "notifications",
        )
        _execute(
            f"""INSERT INTO coordination_notification (source, ref, incident_id, report_id,
                sent_at, recipient, recipient_country, basis, status, extra)
            SELECT 'bench', 'm' || n, n, NULL, {_instant(sent + " + 86400")}, 'cert@example.org',
                'US', '', 'sent', '{{}}'
            FROM {_series(incidents)} WHERE n % 100 < 45 AND n % 3 = 0""",
            "second notifications",
        )
        _execute(
            f"""INSERT INTO coordination_resolution (incident_id, report_id, resolved_at, extra)
            SELECT n, NULL, {_instant(sent + " + 86400 * (n % 20)")}, '{{}}'
            FROM {_series(incidents)} WHERE n % 100 < 45 AND n % 10 <> 1""",
            "resolutions",
        )
        _execute(
            f"""INSERT INTO coordination_nonotification (incident_id, report_id, decided_at,
                reason, extra)
            SELECT n, NULL, {_instant(first + " + 7200")},
                CASE n % 3 WHEN 0 THEN 'site_unreachable' WHEN 1 THEN 'already_notified'
                ELSE 'information_only' END, '{{}}'
            FROM {_series(incidents)} WHERE n % 100 >= 45""",
            "no-notification decisions",
        )
        ports = "CASE n % 7 WHEN 0 THEN 22 WHEN 1 THEN 23 WHEN 2 THEN 80 WHEN 3 THEN 445 WHEN 4 THEN 5060 WHEN 5 THEN 37215 ELSE 1000 + n % 5000 END"
        _execute(
            f"""INSERT INTO incidents_incidentport (incident_id, port, protocol)
            SELECT n, {ports}, CASE WHEN n % 7 = 4 THEN 'udp' ELSE 'tcp' END
            FROM {_series(incidents)} WHERE n % 100 >= 78 AND n % 100 < 91""",
            "scan ports",
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for table in ("incidents_incident", "intake_report", "coordination_notification"):
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT MAX(id) FROM {table}))"
                    )
    _analyze()


def _analyze() -> None:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")
    print(f"  analyze: {time.perf_counter() - started:.1f} s", flush=True)


def _filled(reports: int, incidents: int) -> bool:
    from renkei.incidents.models import Incident
    from renkei.intake.models import Report

    return Report.objects.count() == reports and Incident.objects.count() == incidents


# Timing --------------------------------------------------------------------------------------


def _timed(label: str, runs: int, work: object) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    warm = min(times[1:]) if len(times) > 1 else times[0]
    print(f"{label}: cold {times[0]:.3f} s, warm {warm:.3f} s (best of {len(times) - 1})")
    return warm


def _profile(quarter: object) -> None:
    from renkei.reports import selectors
    from renkei.reports.periods import month_bounds

    q = quarter
    bounds = month_bounds(q.window, q.tz)  # type: ignore[attr-defined]
    calendar = selectors.business_calendar()
    steps = {
        "reports per month": lambda: selectors.reports_per_month(bounds),
        "coordinations per month": lambda: selectors.coordinations_per_month(bounds),
        "incidents per month": lambda: selectors.incidents_per_month_by_category(bounds),
        "first bases": lambda: selectors.first_bases_by_category(q),
        "no-notification reasons": lambda: selectors.no_notification_reasons_by_category(q),
        "notified, handling days": lambda: selectors.notified_by_category(q, calendar),
        "phishing by brand": lambda: selectors.phishing_per_month_by_brand(
            month_bounds([*q.previous_months, *q.months], q.tz)  # type: ignore[attr-defined]
        ),
        "scan ports": lambda: selectors.scan_ports_per_month(
            month_bounds(q.months, q.tz)  # type: ignore[attr-defined]
        ),
    }
    for label, step in steps.items():
        started = time.perf_counter()
        step()
        print(f"    {label:28s} {time.perf_counter() - started:.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database", help="database URL, or a SQLite file path")
    parser.add_argument("--full", action="store_true", help="10M reports / 3M incidents")
    parser.add_argument("--pdf", action="store_true", help="time the full PDF too")
    parser.add_argument("--reuse", action="store_true", help="keep data of the same size")
    parser.add_argument("--profile", action="store_true", help="time each query")
    parser.add_argument(
        "--existing", action="store_true",
        help="time the data already there (e.g. the imported scenario); generate nothing",
    )  # fmt: skip
    parser.add_argument("--quarter", default=QUARTER)
    parser.add_argument("--runs", type=int, default=4)
    args = parser.parse_args()

    url = _database_url(args.database)
    if url.startswith("postgres"):
        from databases import ensure_postgres_database

        ensure_postgres_database(url)
    _setup_django(url)
    from django.core.management import call_command

    from renkei.reports.figures import quarterly_figures
    from renkei.reports.periods import Quarter

    print_machine()
    reports, incidents = SIZES["full" if args.full else "small"]
    call_command("migrate", verbosity=0)
    if args.existing:
        from renkei.incidents.models import Incident
        from renkei.intake.models import Report

        print(
            f"existing data: {Report.objects.count():,} reports, {Incident.objects.count():,} incidents"
        )
    elif args.reuse and _filled(reports, incidents):
        print(f"reusing {reports:,} reports / {incidents:,} incidents")
    else:
        print(f"generating {reports:,} reports / {incidents:,} incidents")
        started = time.perf_counter()
        generate(reports, incidents)
        print(f"generated in {time.perf_counter() - started:.1f} s")

    quarter = Quarter.parse(args.quarter)
    _timed(f"JSON figures {quarter}", args.runs, lambda: quarterly_figures(quarter))
    if args.profile:
        _profile(quarter)
    if args.pdf:
        from renkei.reports.render_pdf import quarterly_pdf

        for lang in ("ja", "en"):
            label = f"full PDF ({lang}, figures included)"
            _timed(label, 2, lambda lang=lang: quarterly_pdf(quarter, lang=lang))


if __name__ == "__main__":
    main()
