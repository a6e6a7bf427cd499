"""`make run` creates the database DATABASE_URL names when it is missing (issue 11)."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]


def run(url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "scripts/ensure_database.py"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_missing_database_is_created_once_and_an_unreachable_server_is_named():
    name = f"billing_ensure_{uuid.uuid4().hex[:8]}"
    url = f"postgres://postgres@127.0.0.1:5432/{name}"
    try:
        first = run(url)
        assert first.returncode == 0 and f"Creating database {name}" in first.stdout
        second = run(url)
        assert second.returncode == 0 and "Creating" not in second.stdout
    finally:
        with psycopg.connect(
            host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True
        ) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
    down = run("postgres://postgres@127.0.0.1:1/whatever")
    assert down.returncode == 1 and "Cannot reach PostgreSQL at 127.0.0.1:1" in down.stderr
