"""Triage queue speed: the first page, with filters, over 1,000,000 incidents.

    .venv/bin/python bench/bench_queue.py [--database-url URL ...] [--incidents N] [--repeat R]

Without --database-url it runs on SQLite (var/bench/queue-N.sqlite3). Pass
`--database-url postgresql://postgres@127.0.0.1:5432/renkei_bench_queue`
(the database is created when missing) and/or a sqlite:/// URL to choose.
Each database is filled once with bulk SQL (a recursive CTE on SQLite,
generate_series on PostgreSQL): N incidents over five years, one report and,
for notified or resolved incidents, one notification each; then ANALYZE.
Each scenario is a GET of the queue page by a signed-in analyst through
Django's test client (middleware, view, selectors, template), timed as the
median and the worst of R runs after one warm-up run: server time, without
a network. Target (issue 4): under 200 ms for every queue scenario. The
API's incident list and its feed of changes are timed the same way, with a
token, against the same yardstick.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

TARGET_MS = 200
YEARS = 5
SITES = 300_000


def _dialect(vendor: str) -> dict[str, str]:
    if vendor == "sqlite":
        return {
            "seq": "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {count}) ",
            "from": "FROM seq",
            "ts": "datetime({end} - ({count} - n) * {step}, 'unixepoch')",
            "ref": "'{prefix}' || printf('%010d', n)",
            "json": "'{value}'",
            "plus_day": "datetime(first_report_at, '+1 day')",
        }
    return {
        "seq": "",
        "from": "FROM generate_series(1, {count}) AS seq(n)",
        "ts": "to_timestamp({end} - ({count} - n) * {step})",
        "ref": "'{prefix}' || lpad(n::text, 10, '0')",
        "json": "'{value}'::jsonb",
        "plus_day": "first_report_at + interval '1 day'",
    }


CATEGORY = """CASE WHEN n % 100 < 75 THEN 'phishing' WHEN n % 100 < 85 THEN 'scan'
  WHEN n % 100 < 88 THEN 'defacement' WHEN n % 100 < 90 THEN 'malware_site' WHEN n % 100 < 92 THEN 'dos'
  WHEN n % 100 < 93 THEN 'ics' WHEN n % 100 < 94 THEN 'targeted_attack' ELSE 'other' END"""
# The last 60 days hold most open work; older incidents are mostly closed.
STATUS = """CASE WHEN n % 200 = 199 THEN 'merged'
  WHEN ({count} - n) * {step} < 60 * 86400 THEN
    CASE WHEN n % 10 < 4 THEN 'open' WHEN n % 10 < 7 THEN 'notified' WHEN n % 10 < 9 THEN 'not_notified' ELSE 'resolved' END
  WHEN n % 100 = 0 THEN 'open' WHEN n % 100 < 3 THEN 'notified' WHEN n % 2 = 0 THEN 'resolved' ELSE 'not_notified' END"""
HOST = "'site' || (n % {sites}) || '.example'"
IP = "'10.' || (n / 65536 % 256) || '.' || (n / 256 % 256) || '.' || (n % 256)"


def _fill(count: int) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    d = _dialect(connection.vendor)
    end, step = int(time.time()), YEARS * 365 * 86400 // count
    fmt = {"count": count, "end": end, "step": step, "sites": SITES}
    category, status = CATEGORY, STATUS.format(**fmt)
    host, ip = HOST.format(**fmt), IP
    site = "(n % 100 < 75 OR (n % 100 >= 85 AND n % 100 < 90))"
    scan = "(n % 100 >= 75 AND n % 100 < 85)"
    key = f"CASE WHEN {site} THEN {host} || '/login' WHEN {scan} OR n % 100 IN (90, 91) THEN {ip} ELSE NULL END"
    ts = d["ts"].format(**fmt)
    scan_ports, no_ports, empty = (
        d["json"].format(value=v) for v in ('["22/tcp", "23/tcp"]', "[]", "{}")
    )
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO incidents_brand (name, name_key, country, industry) "
            + d["seq"].format(count=200)
            + "SELECT 'Brand ' || n, 'brand ' || n, "
            + "CASE WHEN n % 2 = 0 THEN 'JP' ELSE 'US' END, 'finance' "
            + d["from"].format(count=200)
        )
        cursor.execute("SELECT MIN(id) FROM incidents_brand")
        brand0 = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO incidents_incident (ref, category, key, status, first_report_at, last_report_at, "
            "report_count, brand_id, ports, created_at, updated_at) "
            + d["seq"].format(**fmt)
            + f"SELECT {d['ref'].format(prefix='I-')}, {category}, {key}, {status}, {ts}, {ts}, 1, "
            + f"CASE WHEN n % 100 < 75 AND n % 7 <> 0 THEN {brand0} + n % 200 ELSE NULL END, "
            + f"CASE WHEN {scan} THEN {scan_ports} ELSE {no_ports} END, {ts}, {ts} "
            + d["from"].format(**fmt)
        )
        cursor.execute("SELECT MIN(id) FROM incidents_incident")
        incident0 = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO intake_rawreport (stored_at, channel, source, content, content_type, status, error) "
            "VALUES (%s, 'import', 'bench', %s, 'application/jsonl', 'parsed', '')",
            [now, b"{}"],
        )
        cursor.execute("SELECT MAX(id) FROM intake_rawreport")
        raw = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO intake_report (raw_id, raw_offset, source, ref, received_at, channel, reporter, category, "
            "category_origin, url, url_as_received, host, ip, ports, brand_as_received, incident_key, text, extra, incident_id) "
            + d["seq"].format(**fmt)
            + f"SELECT {raw}, 0, 'bench', {d['ref'].format(prefix='r')}, {ts}, 'web', 'bench', {category}, 'reporter', "
            + f"CASE WHEN {site} THEN 'https://' || {host} || '/login' ELSE '' END, "
            + f"CASE WHEN {site} THEN 'hxxps://' || {host} || '/login' ELSE '' END, "
            + f"CASE WHEN {site} THEN {host} ELSE '' END, CASE WHEN {scan} THEN {ip} ELSE '' END, "
            + f"{no_ports}, '', {key}, '', {empty}, {incident0} + n - 1 "
            + d["from"].format(**fmt)
        )
        cursor.execute(
            "INSERT INTO coordination_notification (source, ref, incident_id, sent_at, recipient, recipient_country, "
            "basis, status, extra, language, subject, body, attempts, error, message_id) "
            f"SELECT 'bench', 'n' || id, id, {d['plus_day']}, 'abuse@host' || (id % 5000) || '.example', "
            f"CASE WHEN id % 3 = 0 THEN 'US' ELSE 'JP' END, 'site_confirmed', 'sent', {empty}, "
            "'ja', '', '', 1, '', '' FROM incidents_incident WHERE status IN ('notified', 'resolved')"
        )
    with connection.cursor() as cursor:
        # What autovacuum does soon after a bulk load on PostgreSQL (statistics and
        # the visibility map for index-only scans); statistics on SQLite.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def _scenarios(count: int) -> list[tuple[str, dict[str, str]]]:
    from renkei.incidents.models import Brand, Incident

    middle = (
        Incident.objects.filter(ref=f"I-{count // 2:010d}")
        .values_list("first_report_at", flat=True)
        .first()
    )
    month = f"{middle:%Y-%m}" if middle else "2024-01"
    brands = list(Brand.objects.order_by("pk").values_list("pk", flat=True)[:20])
    n = count - 1234 - (count - 1234) % 100 + 66  # a recent phishing site: n % 100 == 66
    s = count - 1234 - (count - 1234) % 100 + 80  # a recent scan: n % 100 == 80
    scan_ip = f"10.{s // 65536 % 256}.{s // 256 % 256}.{s % 256}"
    return [
        ("queue, oldest first (default)", {}),
        ("queue, newest first", {"order": "newest"}),
        ("category = scan", {"category": "scan"}),
        ("category = ics (rare)", {"category": "ics"}),
        ("category = phishing, month", {"category": "phishing", "month": month, "status": "all"}),
        ("status = resolved", {"status": "resolved"}),
        ("status = all", {"status": "all"}),
        ("brand", {"brand": str(brands[2])}),
        ("brand without open incidents", {"brand": str(brands[17])}),
        ("notified to country US", {"country": "US"}),
        ("has no notification", {"has_notification": "no"}),
        ("overdue", {"overdue": "on"}),
        ("overdue, category = phishing", {"overdue": "on", "category": "phishing"}),
        ("search: defanged URL", {"q": f"hxxps://SITE{n % SITES}[.]example/login"}),
        ("search: host", {"q": f"site{n % SITES}.example"}),
        ("search: IP address", {"q": scan_ip}),
        ("search: e-mail address", {"q": "Abuse@Host42.example"}),
    ]


def _time(client: object, url: str, repeat: int) -> tuple[float, float, Any]:
    response = client.get(url)  # type: ignore[attr-defined]
    assert response.status_code == 200, (url, response.status_code)
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)  # type: ignore[attr-defined]
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples), response


def _queue_rows(response: Any) -> int:
    return int(response.content.count(b'name="incidents"'))


def _api_rows(response: Any) -> int:
    return len(response.json()["items"])


def _measure(
    client: object, name: str, url: str, repeat: int, rows_of: Callable[[Any], int]
) -> dict[str, Any]:
    median, worst, response = _time(client, url, repeat)
    rows = rows_of(response)
    flag = "ok" if median < TARGET_MS else "SLOW"
    print(
        f"  {name:<34} median {median:7.1f} ms  max {worst:7.1f} ms  rows {rows:3d}  {flag}",
        flush=True,
    )
    return {
        "scenario": name,
        "median_ms": round(median, 1),
        "max_ms": round(worst, 1),
        "rows": rows,
    }


def _api_scenarios() -> list[tuple[str, dict[str, str]]]:
    from django.utils import timezone

    month_ago = (timezone.now() - timedelta(days=30)).isoformat()
    year_ago = (timezone.now() - timedelta(days=365)).isoformat()
    return [
        ("API: latest change first", {}),
        ("API: category = ics (rare)", {"category": "ics"}),
        ("API: offset 10,000", {"offset": "10000"}),
        ("API: changes, a month ago", {"changed_since": month_ago, "limit": "500"}),
        ("API: phishing changes, a year ago", {"changed_since": year_ago, "category": "phishing"}),
    ]


def _time_api(analyst: object, repeat: int) -> list[dict[str, Any]]:
    """GET /api/incidents with a token: the same 200 ms yardstick as the queue."""
    from django.test import Client

    from renkei.accounts.services import api_token_create

    token = api_token_create(actor=analyst, user=analyst, name="bench")[1]  # type: ignore[arg-type]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    return [
        _measure(client, name, "/api/incidents?" + urlencode(query), repeat, _api_rows)
        for name, query in _api_scenarios()
    ]


def child(url: str, count: int, repeat: int) -> None:
    import django

    os.environ["RENKEI_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "renkei.settings")
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from renkei.accounts.models import Role, User
    from renkei.incidents.models import Incident

    settings.ALLOWED_HOSTS.append("testserver")
    call_command("migrate", verbosity=0)
    have = Incident.objects.count()
    if have == 0:
        started = time.perf_counter()
        _fill(count)
        print(
            f"filled {count:,} incidents (+ reports, notifications) in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
    elif have < count:
        raise SystemExit(
            f"{url} holds {have:,} incidents, fewer than {count:,}: use an empty database"
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sqlite_version()" if connection.vendor == "sqlite" else "SHOW server_version"
        )
        version = cursor.fetchone()[0]
    print(
        f"database: {connection.vendor} {version}; {Incident.objects.count():,} incidents",
        flush=True,
    )
    analyst, _ = User.objects.get_or_create(
        username="bench-analyst", defaults={"role": Role.ANALYST}
    )
    client = Client()
    client.force_login(analyst)
    results = [
        _measure(client, name, "/incidents/?" + urlencode(query), repeat, _queue_rows)
        for name, query in _scenarios(count)
    ]
    dash_median, dash_max, _ = _time(client, "/", repeat)
    print(
        f"  {'(dashboard, for information)':<34} median {dash_median:7.1f} ms  max {dash_max:7.1f} ms",
        flush=True,
    )
    results += _time_api(analyst, repeat)
    slow = [r["scenario"] for r in results if r["median_ms"] >= TARGET_MS]
    print(json.dumps({"vendor": connection.vendor, "version": version, "slow": slow}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", action="append", default=[])
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.incidents, args.repeat)
        return 0
    from databases import ensure_postgres_database
    from machine import describe

    print(describe())
    bench_home = ROOT / "var" / "bench"
    bench_home.mkdir(parents=True, exist_ok=True)
    urls = args.database_url or [f"sqlite:///{bench_home / f'queue-{args.incidents}.sqlite3'}"]
    failed = False
    for url in urls:
        print(f"\n== {url}", flush=True)
        if url.startswith("postgres"):
            ensure_postgres_database(url)
        env = {**os.environ, "RENKEI_HOME": str(bench_home), "RENKEI_LOG_LEVEL": "ERROR"}
        command = [
            sys.executable,
            __file__,
            "--child",
            url,
            "--incidents",
            str(args.incidents),
            "--repeat",
            str(args.repeat),
        ]
        output = subprocess.run(command, env=env, check=False, capture_output=False)
        failed = failed or output.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
