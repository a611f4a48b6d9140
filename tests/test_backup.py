"""Backups: consistent while the hub writes, checked on restore, asked of a serving process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from hub.backup import MANIFEST, BackupError, restore, sha256_of
from hub.clock import utc_now
from hub.errors import InvalidInput
from hub.store import Store

ROOT = Path(__file__).resolve().parents[1]


def write_pairs(hub, stop: threading.Event, written: list[int]) -> None:
    """Each transaction writes an interaction and its audit row: a consistent copy has both."""
    n = 0
    while not stop.is_set():
        n += 1
        with hub.store.transaction() as cur:
            cur.execute(
                "INSERT INTO interactions (platform, platform_id, kind, thread_id, author_id,"
                " author_name, text, created_at, first_seen_at, source)"
                " VALUES ('facebook', ?, 'comment', 'load', 'c', 'Citizen', ?, ?, ?, 'poll')",
                [f"load-{n}", "জল নেই " * 50, utc_now(), utc_now()],
            )
            hub.audit.record(cur, actor=None, actor_name="load", action="load", detail=str(n))
        written.append(n)


def test_a_backup_under_write_load_restores_whole_and_consistent(hub, tmp_path):
    photos = hub.settings.photos_dir
    photos.mkdir(parents=True, exist_ok=True)
    (photos / "a1b2.jpg").write_bytes(os.urandom(50_000))
    stop, written = threading.Event(), []
    writer = threading.Thread(target=write_pairs, args=(hub, stop, written))
    writer.start()
    try:
        time.sleep(0.3)
        report = hub.backups.make()
        time.sleep(0.2)
    finally:
        stop.set()
        writer.join()
    assert written and report.files >= 2
    manifest = json.loads((report.path / MANIFEST).read_text())
    counts = restore(report.path, tmp_path / "restored")
    assert counts == manifest["rows"]
    assert 0 < counts["interactions"] <= len(written) + 10_000
    with (
        Store.open(tmp_path / "restored" / "hub.duckdb", create=False) as restored,
        restored.cursor() as cur,
    ):
        (loads,) = cur.execute(
            "SELECT count(*) FROM interactions WHERE thread_id = 'load'"
        ).fetchone()
        (audits,) = cur.execute("SELECT count(*) FROM audit_log WHERE action = 'load'").fetchone()
    assert loads == audits > 0, "no transaction is half in the copy"
    assert loads < len(written), "the writer went on after the copy (it did not wait for us)"
    restored_photo = tmp_path / "restored" / "photos" / "a1b2.jpg"
    assert sha256_of(restored_photo) == sha256_of(photos / "a1b2.jpg")


def test_a_damaged_or_incomplete_backup_and_a_non_empty_folder_are_refused(hub, tmp_path):
    report = hub.backups.make()
    damaged = tmp_path / "damaged"
    shutil.copytree(report.path, damaged)
    with (damaged / "hub.duckdb").open("r+b") as handle:
        handle.seek(5000)
        handle.write(b"\xff\xfe\xfd")
    with pytest.raises(BackupError, match=r"hub\.duckdb is damaged"):
        restore(damaged, tmp_path / "into-1")
    assert not (tmp_path / "into-1").exists(), "nothing written"
    incomplete = tmp_path / "incomplete"
    shutil.copytree(report.path, incomplete)
    (incomplete / MANIFEST).unlink()
    with pytest.raises(BackupError, match="incomplete"):
        restore(incomplete, tmp_path / "into-2")
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "hub.duckdb").write_bytes(b"the city's live data")
    with pytest.raises(InvalidInput, match="is not empty"):
        restore(report.path, occupied)
    assert (occupied / "hub.duckdb").read_bytes() == b"the city's live data"


def test_only_the_newest_backups_are_kept(hub):
    hub.settings.backup_keep = 2
    made = [hub.backups.make() for _ in range(3)]
    left = sorted(p.name for p in hub.backups.folder.iterdir())
    assert left == [made[1].path.name, made[2].path.name]
    assert made[2].removed == (made[0].path.name,)
    assert hub.backups.last().complete and hub.backups.last().name == made[2].path.name


def test_a_backup_folder_that_takes_no_files_is_a_clear_error_and_leaves_nothing(hub, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the backups should go")
    hub.settings.backup_dir = blocked
    with pytest.raises(BackupError, match="could not be written"):
        hub.backups.make()
    assert blocked.read_text() == "a file where the backups should go"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_hub_backup_beside_a_serving_hub_and_hub_restore(tmp_path, template_database):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(template_database, data / "hub.duckdb")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(
        HUB_DATA_DIR=str(data),
        HUB_SERVER_PORT=str(port),
        HUB_SANDBOX__PORT=str(free_port()),
        HUB_SANDBOX__SIMULATOR_ENABLED="false",
        HUB_BACKUP_DIR=str(tmp_path / "backups"),
    )
    hub_command = str(Path(sys.executable).with_name("hub"))
    served = subprocess.Popen(
        [hub_command, "serve"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    if json.loads(r.read())["ok"]:
                        break
            except OSError:
                time.sleep(0.5)
        forged = urllib.request.Request(
            f"http://127.0.0.1:{port}/ops/backup", method="POST", headers={"X-Hub-Ops-Token": "x"}
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(forged, timeout=10)
        assert refused.value.code == 403
        made = subprocess.run(
            [hub_command, "backup"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
        )
        assert made.returncode == 0, made.stderr
        assert made.stdout.startswith("backup backup-"), made.stdout
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
            health = json.loads(r.read())
        assert health["backup"]["complete"] and health["backup"]["last"] in made.stdout
    finally:
        served.terminate()
        served.wait(timeout=30)
    (backup,) = (tmp_path / "backups").iterdir()
    into = tmp_path / "restored"
    restored = subprocess.run(
        [hub_command, "restore", str(backup), "--into", str(into)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert restored.returncode == 0, restored.stderr
    assert f"Point HUB_DATA_DIR at {into}" in restored.stdout
    again = subprocess.run(
        [hub_command, "restore", str(backup), "--into", str(into)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (
        again.returncode == 2 and again.stderr.startswith("hub: ") and "not empty" in again.stderr
    )


def test_it_sees_the_last_backup_and_the_nightly_outcome(installed_hub, actors):
    from streamlit.testing.v1 import AppTest

    from jobs import backup as nightly

    def platforms_page():
        at = AppTest.from_file(str(ROOT / "pages" / "platforms.py"), default_timeout=30)
        at.session_state["auth_user_id"] = actors["it.team"].user_id
        return at.run()

    at = platforms_page()
    assert not at.exception
    assert any("No backup yet" in w.value for w in at.warning)
    nightly.run(installed_hub)
    at = platforms_page()
    texts = [t.value for t in at.text]
    assert any(t.startswith("Last backup: backup-") for t in texts), texts
    assert any(t.startswith("Nightly backup, ") and "files" in t for t in texts), texts
