"""Databases the benchmarks fill: a PostgreSQL one is created when it is missing."""

from __future__ import annotations

from urllib.parse import urlsplit


def ensure_postgres_database(url: str) -> None:
    """Create the database a postgresql:// URL names, unless it exists (a fresh server)."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
