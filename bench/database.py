"""Creating and dropping the benchmark's own database (never any other)."""

import environ
import psycopg


def _config(url: str) -> dict:
    config = environ.Env.db_url_config(url)
    name = config["NAME"]
    if not name.endswith("_bench"):
        raise SystemExit(
            f"Refusing to use database {name!r}: the benchmark's database name must end in "
            "'_bench', because the bench drops and recreates it."
        )
    host = config.get("HOST") or "127.0.0.1"
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"Refusing database host {host!r}: the benchmark runs on this machine only.")
    return config


def _maintenance(config: dict):
    return psycopg.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or "127.0.0.1",
        port=config.get("PORT") or 5432,
        autocommit=True,
        connect_timeout=10,
    )


def recreate(url: str) -> str:
    """Drop the bench database if it is there, and create it empty."""
    config = _config(url)
    name = config["NAME"]
    with _maintenance(config) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return name


def drop(url: str) -> None:
    config = _config(url)
    with _maintenance(config) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}" WITH (FORCE)')


def exists(url: str) -> bool:
    config = _config(url)
    with _maintenance(config) as connection:
        row = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
    return row is not None
