"""Shared fixtures: a real DuckDB file per test, the real departments file, demo accounts."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from whatsapp_fixtures import desk  # noqa: F401  (a fixture for the WhatsApp tests)

from hub import bootstrap
from hub.config import Settings, load_settings
from hub.demo import ensure_demo_accounts, import_departments_if_empty
from hub.permissions import Actor, Role
from hub.sandbox.runtime import start_sandbox

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEPARTMENTS_FILE = PROJECT_ROOT / "departments.csv"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No HUB_ variable or hub.toml from the developer's shell leaks into a test."""
    for name in list(os.environ):
        if name.startswith("HUB_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for a hub whose data lives in this test's temporary folder."""
    return load_settings(
        data_dir=tmp_path / "data",
        departments_file=DEPARTMENTS_FILE,
        scheduler_enabled=False,
        lockout_threshold=3,
        lockout_base_seconds=30,
        lockout_max_seconds=120,
        # Port 0: a free port, so tests never meet a hub running on the default one.
        sandbox={"port": 0, "simulator_enabled": False},
    )


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated database with departments and demo accounts, built once per session.

    Hashing six passwords with argon2 per test would dominate the suite's time, so each
    test gets its own copy of this real DuckDB file instead.
    """
    folder = tmp_path_factory.mktemp("template")
    built = bootstrap.build_hub(
        load_settings(data_dir=folder, departments_file=DEPARTMENTS_FILE), create=True
    )
    import_departments_if_empty(built, DEPARTMENTS_FILE)
    ensure_demo_accounts(built)
    built.close()
    return folder / "hub.duckdb"


@pytest.fixture
def hub(settings: Settings, template_database: Path):
    """A hub on its own copy of the template database."""
    settings.db_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template_database, settings.db_path)
    built = bootstrap.build_hub(settings, create=False)
    yield built
    built.close()


@pytest.fixture
def installed_hub(hub):
    """The hub installed as this process's hub with its sandbox, as the web process has it."""
    hub.attach_sandbox(start_sandbox(hub.settings))
    bootstrap.install(hub)
    yield hub
    bootstrap.uninstall()


@pytest.fixture
def actors(hub) -> dict[str, Actor]:
    """One demo actor per username (read from the store, without logging in)."""
    setup = Actor(username="setup", role=Role.ADMIN)
    return {user.username: user.actor() for user in hub.accounts.list_users(setup)}


@pytest.fixture
def actor_of_role(actors) -> dict[Role, Actor]:
    """One demo actor per role (the water officer for officers)."""
    return {
        Role.ADMIN: actors["admin"],
        Role.IT: actors["it.team"],
        Role.COMMISSIONER: actors["commissioner"],
        Role.OFFICER: actors["officer.water"],
    }


@pytest.fixture
def audit_rows(hub):
    """A function returning audit rows matching column = value filters, oldest first."""

    def rows(**where) -> list[tuple]:
        clause = " AND ".join(f"{column} = ?" for column in where) or "TRUE"
        with hub.store.cursor() as cur:
            return cur.execute(
                "SELECT actor, action, outcome, target_id, department_code, detail"
                f" FROM audit_log WHERE {clause} ORDER BY id",
                list(where.values()),
            ).fetchall()

    return rows
