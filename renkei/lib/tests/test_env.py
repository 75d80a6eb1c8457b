"""Typed environment variables: a wrong value is an error that names the variable."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from renkei.lib.env import envclosure, envfloat, envint, parse_cache_url, write_private
from renkei.lib.errors import RenkeiError


@pytest.mark.parametrize(("value", "expected"), [("0.5", 0.5), ("2", 2.0), (" ", 1.0), ("0", 0.0)])
def test_a_number_of_seconds_may_have_a_fraction(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: float
) -> None:
    monkeypatch.setenv("RENKEI_TEST_SECONDS", value)

    assert envfloat("RENKEI_TEST_SECONDS", 1.0) == expected


@pytest.mark.parametrize("value", ["soon", "nan", "inf", "1,5"])
def test_what_is_not_a_finite_number_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("RENKEI_TEST_SECONDS", value)

    with pytest.raises(RenkeiError, match="RENKEI_TEST_SECONDS"):
        envfloat("RENKEI_TEST_SECONDS", 1.0)


def test_a_number_over_its_bound_is_refused_with_the_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RENKEI_TEST_SECONDS", "4.5")

    assert envfloat("RENKEI_TEST_SECONDS", 1.0, most=5) == 4.5
    with pytest.raises(RenkeiError, match=r"at most 4, not '4.5': others wait too long"):
        envfloat("RENKEI_TEST_SECONDS", 1.0, most=4, why="others wait too long")


def test_a_whole_number_refuses_a_fraction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RENKEI_TEST_COUNT", "2.5")

    with pytest.raises(RenkeiError, match="RENKEI_TEST_COUNT must be a whole number"):
        envint("RENKEI_TEST_COUNT", 1)


@pytest.mark.parametrize(
    ("url", "backend", "location"),
    [
        ("file://", "filebased.FileBasedCache", "/srv/renkei/cache"),
        ("file:///var/cache/renkei", "filebased.FileBasedCache", "/var/cache/renkei"),
        ("redis://127.0.0.1:6379/1", "redis.RedisCache", "redis://127.0.0.1:6379/1"),
        ("locmem://", "locmem.LocMemCache", None),
    ],
)
def test_the_cache_url_names_a_backend_and_where_it_keeps_things(
    url: str, backend: str, location: str | None
) -> None:
    config = parse_cache_url(url, Path("/srv/renkei"))

    assert config["BACKEND"] == f"django.core.cache.backends.{backend}"
    assert config.get("LOCATION") == location


def test_an_unknown_cache_url_is_refused() -> None:
    with pytest.raises(RenkeiError, match="memcached"):
        parse_cache_url("memcached://127.0.0.1", Path("/srv/renkei"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12-29..01-03", ((12, 29), (1, 3))), (" 8-13..8-16 ", ((8, 13), (8, 16))), ("none", None)],
)
def test_a_yearly_closure_is_two_days_or_none(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: object
) -> None:
    monkeypatch.setenv("RENKEI_TEST_CLOSURE", value)

    assert envclosure("RENKEI_TEST_CLOSURE", "12-29..01-03") == expected


@pytest.mark.parametrize(
    "value", ["12-29", "12/29..01/03", "12-29..", "a-b..c-d", "1-2-3..4-5", "12-32..01-03"]
)
def test_a_closure_that_is_not_two_days_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("RENKEI_TEST_CLOSURE", value)

    with pytest.raises(RenkeiError, match=r"RENKEI_TEST_CLOSURE must be MM-DD\.\.MM-DD"):
        envclosure("RENKEI_TEST_CLOSURE", "none")


def test_a_private_file_is_the_owners_alone_and_the_first_writer_wins(tmp_path: Path) -> None:
    path = tmp_path / "secret_key"

    first = write_private(path, "first", replace=False)
    second = write_private(path, "second", replace=False)

    assert (first, second, path.read_text()) == (True, False, "first")
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_replaced_private_file_loses_wider_permissions(tmp_path: Path) -> None:
    path = tmp_path / "initial-admin-password"
    path.write_text("old")
    path.chmod(0o644)

    write_private(path, "new\n", replace=True)

    assert (path.read_text(), path.stat().st_mode & 0o777) == ("new\n", 0o600)


def test_processes_creating_a_private_file_at_once_all_read_the_one_written(
    tmp_path: Path,
) -> None:
    path = tmp_path / "secret_key"

    def create_then_read(text: str) -> str:
        write_private(path, text, replace=False)
        return path.read_text()

    with ThreadPoolExecutor(8) as pool:
        seen = set(pool.map(create_then_read, [f"key {n}" for n in range(64)]))

    assert len(seen) == 1 and seen != {""}
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]  # no temporary file left
