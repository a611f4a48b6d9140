"""The `hub` command, run as the installed console script on a real database file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HUB = str(Path(sys.executable).with_name("hub"))
DEPARTMENTS = Path(__file__).resolve().parents[1] / "departments.csv"


def run(*args: str, data_dir: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    return subprocess.run(
        [HUB, *args, "--data-dir", str(data_dir)],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.fixture
def data_dir(tmp_path, template_database) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copyfile(template_database, folder / "hub.duckdb")
    return folder


def test_init_creates_database_departments_and_demo_accounts(tmp_path):
    folder = tmp_path / "fresh"
    first = run("init", "--demo", "--departments", str(DEPARTMENTS), data_dir=folder)
    assert first.returncode == 0, first.stderr
    assert "26 added" in first.stdout or "added" in first.stdout
    assert "demo accounts created: admin" in first.stdout
    again = run("init", "--demo", "--departments", str(DEPARTMENTS), data_dir=folder)
    assert again.returncode == 0
    assert "departments already present" in again.stdout
    assert "demo accounts already present" in again.stdout


def test_user_add_list_disable_and_reset(data_dir):
    added = run(
        "user",
        "add",
        "ward.clerk",
        "--role",
        "officer",
        "--department",
        "LIGHT",
        "--name",
        "Ward Clerk",
        data_dir=data_dir,
        stdin="clerk-password-1\n",
    )
    assert added.returncode == 0, added.stderr
    listed = run("user", "list", data_dir=data_dir)
    assert "ward.clerk" in listed.stdout and "LIGHT" in listed.stdout
    disabled = run("user", "disable", "ward.clerk", data_dir=data_dir)
    assert "ward.clerk disabled" in disabled.stdout
    reset = run(
        "user", "reset-password", "ward.clerk", "--password", "clerk-password-2", data_dir=data_dir
    )
    assert reset.returncode == 0, reset.stderr


def test_bad_input_exits_2_with_one_clear_line(data_dir):
    bad = run(
        "user",
        "add",
        "x.y",
        "--role",
        "officer",
        "--department",
        "NOPE",
        "--password",
        "long-enough-1",
        data_dir=data_dir,
    )
    assert bad.returncode == 2
    assert bad.stderr.strip() == "hub: no active department with code 'NOPE'"
    assert "Traceback" not in bad.stderr


def test_departments_export_and_failed_import_change_nothing(data_dir, tmp_path):
    exported = tmp_path / "out.csv"
    assert run("departments", "export", str(exported), data_dir=data_dir).returncode == 0
    broken = tmp_path / "broken.csv"
    text = exported.read_text(encoding="utf-8")
    broken.write_text(
        text.replace(",6,", ",six,", 1).replace("WATER,", "ROADS,", 1), encoding="utf-8"
    )
    result = run("departments", "import", str(broken), data_dir=data_dir)
    assert result.returncode == 2
    assert "nothing" in result.stderr or "not imported" in result.stderr
    assert "line " in result.stderr
    again = tmp_path / "again.csv"
    run("departments", "export", str(again), data_dir=data_dir)
    assert again.read_text(encoding="utf-8") == text


def test_commands_on_a_missing_data_folder_say_run_init(tmp_path):
    result = run("user", "list", data_dir=tmp_path / "nothing-here")
    assert result.returncode == 2
    assert "run `hub init` first" in result.stderr
    assert not (tmp_path / "nothing-here").exists()
