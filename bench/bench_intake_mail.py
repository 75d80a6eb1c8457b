"""The e-mail intake path on the 1,000 real phishing e-mails, into a database.

    .venv/bin/python bench/bench_intake_mail.py [DIR] [--lmtp] [--limit N]

DIR defaults to ../shared/data/phishing-pot-sample/eml (licence CC BY-NC 4.0:
read in place, never copied into the repository). Every message goes through
`email_receive` (raw stored first, OpenPGP, parse, observables, attachments,
suggestion, ingest), or with --lmtp through a real LMTP conversation with
`renkei smtpd`'s receiver on a local port. A fresh SQLite database in a
temporary RENKEI_HOME; the brand catalog is the seed catalog plus every brand
named in the JPCERT/CC phishing URL list (when present), as an installation
that imported that list would have.

Reported: messages stored / reported / failed (with reasons), parse
completeness, observables found, attachments, the share classified as
phishing (and with a brand), categories, throughput.
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIR = ROOT.parent / "shared" / "data" / "phishing-pot-sample" / "eml"
PHISHURL = ROOT.parent / "shared" / "data" / "jpcert-phishurl-list"
SEED = ROOT / "renkei" / "intake" / "fixtures" / "brands-seed.jsonl"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def load_catalog() -> int:
    from pathlib import Path as P

    from renkei.incidents.brands import brand_upsert
    from renkei.incidents.models import Brand
    from renkei.intake.importer import ExchangeImporter

    ExchangeImporter(source="seed").run(P(SEED))
    names: set[str] = set()
    for path in PHISHURL.rglob("*.csv") if PHISHURL.is_dir() else []:
        with path.open(encoding="utf-8", newline="") as rows:
            names.update(row[2].strip() for row in list(csv.reader(rows))[1:] if len(row) == 3)
    existing = {b.casefold() for b in Brand.objects.values_list("name", flat=True)}
    for name in sorted(n for n in names if n and n != "-" and n.casefold() not in existing):
        brand_upsert(name=name, country="", industry="other", aliases=[])
    return Brand.objects.count()


def send_lmtp(files: list[Path]) -> float:
    import smtplib

    from renkei.intake.collectors.smtp import mail_receiver

    receiver = mail_receiver(host="127.0.0.1", port=0, lmtp=True)
    started = time.perf_counter()
    try:
        with smtplib.LMTP("127.0.0.1", receiver.port) as client:
            for path in files:
                wire = re.sub(rb"\r?\n", b"\r\n", path.read_bytes())  # as an MTA hands it over
                client.sendmail("mta@bench.invalid", ["report@renkei.invalid"], wire)
    finally:
        receiver.stop()
    return time.perf_counter() - started


def receive_directly(files: list[Path]) -> float:
    from renkei.intake.collectors.mail import email_receive

    messages = [path.read_bytes() for path in files]
    started = time.perf_counter()
    for raw in messages:
        email_receive(raw, collector="bench")
    return time.perf_counter() - started


def tally() -> dict[str, Any]:
    from renkei.intake.attachments import Attachment
    from renkei.intake.models import RawReport, Report

    raws = RawReport.objects.filter(channel="email").exclude(content_type__contains="decrypted")
    failures = collections.Counter(
        error.split(":")[0][:80]
        for error in raws.filter(status="failed").values_list("error", flat=True)
    )
    completeness: collections.Counter[str] = collections.Counter()
    observables: collections.Counter[str] = collections.Counter()
    with_any: collections.Counter[str] = collections.Counter()
    categories: collections.Counter[str] = collections.Counter()
    branded = 0
    for category, extra, brand_id in Report.objects.values_list("category", "extra", "brand_id"):
        categories[category] += 1
        completeness[extra["mail"]["completeness"]] += 1
        branded += brand_id is not None
        for kind, values in extra["observables"].items():
            if isinstance(values, list):
                observables[kind] += len(values)
                with_any[kind] += 1
    completeness["failed"] += raws.filter(status="failed", error__startswith="not parsed").count()
    return {
        "stored": raws.count(),
        "reported": Report.objects.count(),
        "failed": raws.filter(status="failed").count(),
        "failures": dict(failures),
        "completeness": dict(completeness),
        "observables": dict(observables),
        "messages_with": dict(with_any),
        "categories": dict(categories.most_common()),
        "branded": branded,
        "attachments": Attachment.objects.count(),
        "archives_stopped": Attachment.objects.exclude(archive__stopped=None)
        .filter(archive__has_key="stopped")
        .count(),
    }


def child(path: Path, lmtp: bool, limit: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "renkei.settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    brands = load_catalog()
    files = sorted(path.glob("*.eml"))[: limit or None]
    size = sum(f.stat().st_size for f in files)
    cpu = time.process_time()
    wall = send_lmtp(files) if lmtp else receive_directly(files)
    result = tally() | {
        "messages": len(files), "megabytes": round(size / 1e6, 1), "brands_in_catalog": brands,
        "seconds": round(wall, 2), "cpu_seconds": round(time.process_time() - cpu, 2),
        "per_second": round(len(files) / wall, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }  # fmt: skip
    print(json.dumps(result, ensure_ascii=False))


def show(r: dict[str, Any], lmtp: bool) -> None:
    n = r["messages"]
    phishing = r["categories"].get("phishing", 0)
    print(f"path: {'LMTP conversation -> ' if lmtp else ''}email_receive -> database")
    print(f"messages: {n} ({r['megabytes']} MB); stored raw {r['stored']}; reports {r['reported']}; "
          f"failed {r['failed']} {r['failures'] or ''}")  # fmt: skip
    print(f"parsed: {r['completeness']}")
    print(f"throughput: {r['seconds']} s ({r['cpu_seconds']} s CPU in this process), "
          f"{r['per_second']} messages/s, {r['megabytes'] / r['seconds']:.2f} MB/s")  # fmt: skip
    print(f"observables (total): {r['observables']}")
    print(f"messages with at least one: {r['messages_with']}")
    print(f"attachments stored: {r['attachments']}; archive walks stopped by a limit: "
          f"{r['archives_stopped']}")  # fmt: skip
    print(f"categories: {r['categories']}")
    print(f"classified phishing: {phishing}/{n} = {phishing / n:.1%}; with a brand: "
          f"{r['branded']} ({r['brands_in_catalog']} brands in the catalog)")  # fmt: skip
    print(f"peak RSS {r['peak_rss_mb']} MB")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("path", nargs="?", default=str(DEFAULT_DIR))
    parser.add_argument("--lmtp", action="store_true", help="deliver over a real LMTP conversation")
    parser.add_argument("--limit", type=int, default=0, help="only the first N messages")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    path = Path(args.path)
    if args.child:
        child(path, args.lmtp, args.limit)
        return 0
    if not path.is_dir():
        print(f"bench_intake_mail: no messages at {path}; skipped")
        return 0
    from machine import describe

    print(describe())
    command = [sys.executable, __file__, "--child", str(path), "--limit", str(args.limit)]
    if args.lmtp:
        command.append("--lmtp")
    with tempfile.TemporaryDirectory(prefix="renkei-bench-") as home:
        out = subprocess.run(
            command, env={**os.environ, "RENKEI_HOME": home, "RENKEI_LOG_LEVEL": "CRITICAL"},
            capture_output=True, text=True, check=True, cwd=ROOT,
        )  # fmt: skip
    show(json.loads(out.stdout.strip().splitlines()[-1]), args.lmtp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
