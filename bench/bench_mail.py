"""Benchmark renkei's e-mail parsing and observable extraction on a directory of .eml files.

    .venv/bin/python bench/bench_mail.py [DIR] [--workers N]

DIR defaults to ../shared/data/phishing-pot-sample/eml next to the repository.
Reported: the machine; renkei (parse_message + extract_observables) in one
process and in N worker processes; the eml_parser package (parsing only) in one
process on the same files; the single-process ratio. Files are read into memory
before the single-process timings, so those measure parsing, not the disk.
"""

from __future__ import annotations

import argparse
import collections
import logging
import os
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from machine import describe  # noqa: E402 - after the path set-up above

from renkei.lib.mime import parse_message  # noqa: E402
from renkei.lib.observables import KINDS, extract_observables  # noqa: E402

DEFAULT_DIR = ROOT.parent / "shared" / "data" / "phishing-pot-sample" / "eml"


class Tally:
    def __init__(self) -> None:
        self.completeness: collections.Counter[str] = collections.Counter()
        self.observables: collections.Counter[str] = collections.Counter()
        self.problems: collections.Counter[str] = collections.Counter()

    def merge(self, other: Tally) -> None:
        self.completeness.update(other.completeness)
        self.observables.update(other.observables)
        self.problems.update(other.problems)


# Problem texts carry names and numbers; these make them countable by kind.
_PROBLEM_DETAIL = re.compile(r"'[^']*'|\"[^\"]*\"|\d+|\(.*\)")


def renkei_one(raw: bytes, tally: Tally) -> None:
    message = parse_message(raw)
    text = "\n".join(dict.fromkeys([message.subject, message.text, message.html_text]))
    found = extract_observables(text, extra_urls=message.links)
    tally.completeness[message.completeness] += 1
    tally.observables.update(found.counts())
    for problem in message.problems:
        tally.problems[_PROBLEM_DETAIL.sub("…", problem)[:90]] += 1


def renkei_paths(paths: list[str]) -> Tally:
    tally = Tally()
    for path in paths:
        renkei_one(Path(path).read_bytes(), tally)
    return tally


class Clock:
    """Wall time and this process's CPU time: on a shared machine the second is
    the steadier measure of the code itself."""

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()

    def rates(self, count: int) -> str:
        wall = time.perf_counter() - self.wall
        cpu = time.process_time() - self.cpu
        return (
            f"{count / wall:7.1f} messages/s wall ({wall:.2f} s), {count / cpu:7.1f} per CPU-second"
        )


def run_renkei(messages: list[bytes]) -> tuple[str, float, Tally]:
    tally = Tally()
    clock = Clock()
    for raw in messages:
        renkei_one(raw, tally)
    cpu = time.process_time() - clock.cpu
    return clock.rates(len(messages)), len(messages) / cpu, tally


def run_renkei_parallel(paths: list[Path], workers: int) -> tuple[float, Tally]:
    chunks = [[str(path) for path in paths[i::workers]] for i in range(workers)]
    tally = Tally()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        list(pool.map(renkei_paths, [[] for _ in range(workers)]))  # start the workers first
        started = time.perf_counter()
        for part in pool.map(renkei_paths, chunks):
            tally.merge(part)
        elapsed = time.perf_counter() - started
    return elapsed, tally


def run_eml_parser(messages: list[bytes]) -> tuple[str, float, collections.Counter[str]]:
    import eml_parser

    logging.getLogger("eml_parser").setLevel(logging.CRITICAL)
    parser = eml_parser.EmlParser(include_raw_body=True, include_attachment_data=False)
    failures: collections.Counter[str] = collections.Counter()
    clock = Clock()
    for raw in messages:
        try:
            parser.decode_email_bytes(raw)
        except Exception as err:  # noqa: BLE001 - a benchmark counts failures, whatever they are
            failures[type(err).__name__] += 1
    cpu = time.process_time() - clock.cpu
    return clock.rates(len(messages)), len(messages) / cpu, failures


def print_tally(tally: Tally) -> None:
    print(
        "  completeness: "
        + ", ".join(f"{k}={tally.completeness[k]}" for k in ("full", "partial", "failed"))
    )
    print("  observables : " + ", ".join(f"{kind}={tally.observables[kind]}" for kind in KINDS))
    print("  most frequent problems:")
    for problem, count in tally.problems.most_common(10):
        print(f"    {count:5d}  {problem}")


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("directory", nargs="?", type=Path, default=DEFAULT_DIR)
    arguments.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    options = arguments.parse_args()
    paths = sorted(options.directory.resolve().glob("*.eml"))
    if not paths:
        sys.exit(f"no .eml files in {options.directory}")
    messages = [path.read_bytes() for path in paths]
    megabytes = sum(map(len, messages)) / 1e6

    print(describe())
    print(f"input    : {len(messages)} messages, {megabytes:.1f} MB, from {options.directory}")
    print()

    rates, renkei_rate, tally = run_renkei(messages)
    print(f"renkei parse + observables, 1 process : {rates}")
    print_tally(tally)

    if options.workers > 1:
        elapsed, _ = run_renkei_parallel(paths, options.workers)
        rate = len(messages) / elapsed
        print(
            f"renkei parse + observables, {options.workers} processes: "
            f"{rate:7.1f} messages/s ({elapsed:.2f} s)"
        )
    print()

    rates, eml_rate, failures = run_eml_parser(messages)
    print(f"eml_parser parse only, 1 process      : {rates}")
    print(f"  failures: {sum(failures.values())} {dict(failures) if failures else ''}")
    print()
    ratio = renkei_rate / eml_rate
    print(f"ratio renkei (parse + observables) / eml_parser (parse), per CPU-second: {ratio:.2f}")


if __name__ == "__main__":
    main()
