"""The one web process: scheduler at start with no browser, /healthz, and a second process."""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from hub import bootstrap
from hub.web import http_routes

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from ui import server  # noqa: E402  (the composition root of the web process)


def wait_for(condition, timeout: float = 20.0, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


@pytest.fixture
def started(settings, template_database):
    settings.db_path.parent.mkdir(parents=True)
    shutil.copyfile(template_database, settings.db_path)
    live = settings.model_copy(update={"scheduler_enabled": True, "heartbeat_seconds": 1})
    hub = server.start_process(live)
    yield hub
    server.stop_process()


def test_scheduler_runs_jobs_with_no_browser_open(started):
    runs = wait_for(lambda: started.heartbeats.last_runs().get("heartbeat"))
    first_count = runs[2]
    wait_for(lambda: started.heartbeats.last_runs()["heartbeat"][2] > first_count)


def test_the_embedded_sandbox_starts_with_the_citys_first_posts(started):
    assert started.sandbox is not None
    assert len(started.sandbox.graph.list_posts()) == 2
    assert len(started.sandbox.x.list_timeline()) == 2


def test_healthz_reports_database_and_scheduler(started):
    client = TestClient(Starlette(routes=http_routes(bootstrap.current)))
    wait_for(lambda: started.heartbeats.last_runs().get("heartbeat"))
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200 and body["ok"] is True
    assert body["database"]["ok"] and body["database"]["schema_version"] >= 1
    assert body["data_folder"] == {"path": str(started.settings.data_dir), "ok": True}
    assert body["scheduler"]["running"] is True
    # APScheduler lists jobs by next run time, which depends on each job's interval.
    assert sorted(job["id"] for job in body["scheduler"]["jobs"]) == [
        "heartbeat",
        "nightly_backup",
        "nightly_retention",
        "notices",
        "publish_due_posts",
        "pull_interactions",
        "send_replies",
        "triage_interactions",
        "whatsapp_attachments",
        "whatsapp_desk",
    ]
    assert body["scheduler"]["last_runs"]["heartbeat"]["outcome"] == "ok"


def test_healthz_says_503_when_the_scheduler_is_down(started):
    client = TestClient(Starlette(routes=http_routes(bootstrap.current)))
    started.scheduler.shutdown(wait=True)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["scheduler"]["running"] is False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_real_process_serves_health_and_a_second_process_stops_at_once(tmp_path, template_database):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(template_database, data / "hub.duckdb")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(HUB_DATA_DIR=str(data), HUB_SERVER_PORT=str(port))
    hub_command = str(Path(sys.executable).with_name("hub"))
    first = subprocess.Popen(
        [hub_command, "serve"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:

        def healthy():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    return json.loads(r.read())
            except OSError:
                return None

        report = wait_for(healthy, timeout=60, interval=0.5)
        assert report["ok"] and report["scheduler"]["running"]
        second = subprocess.run(
            [hub_command, "serve", "--port", str(free_port())],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 2
        assert f"in use by another process (PID {first.pid}" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        first.terminate()
        first.wait(timeout=30)
    wal = data / "hub.duckdb.wal"
    assert not wal.exists() or wal.stat().st_size == 0, "a clean stop checkpoints the log"


def test_the_citizen_simulator_runs_with_the_process_when_enabled(settings, template_database):
    settings.db_path.parent.mkdir(parents=True)
    shutil.copyfile(template_database, settings.db_path)
    live = settings.model_copy(
        update={
            "sandbox": settings.sandbox.model_copy(
                update={"simulator_enabled": True, "simulator_interactions_per_minute": 600}
            )
        }
    )
    hub = server.start_process(live)
    try:
        assert wait_for(lambda: hub.sandbox.x.list_mentions(), timeout=30)
    finally:
        server.stop_process()
    assert hub.sandbox is None, "stopping the process stops the sandbox and its simulator"


def test_building_the_hub_tunes_the_processs_garbage_collector(tmp_path):
    # In a fresh interpreter, so that no earlier test's hub has set it already.
    script = (
        "import gc\n"
        "from hub import bootstrap\n"
        "from hub.config import load_settings\n"
        "before = gc.get_threshold()\n"
        f"hub = bootstrap.build_hub(load_settings(data_dir={str(tmp_path)!r},"
        " scheduler_enabled=False), create=True)\n"
        "print(before, gc.get_threshold(), sep='|')\n"
        "hub.close()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"(700, 10, 10)|{bootstrap.GC_THRESHOLDS}"


def test_healthz_reports_a_data_folder_the_hub_can_no_longer_write(tmp_path):
    # Under /tmp, not pytest's private folder, so that "nobody" can reach it. The hub
    # opens its database first; then the folder stops taking files (as root, by acting
    # as nobody, since root ignores permissions; otherwise by making it read-only).
    parent = Path(tempfile.mkdtemp(prefix="hub-health-"))
    os.chmod(parent, 0o755)
    folder = parent / "data"
    script = (
        "import json, os\n"
        "from hub import bootstrap\n"
        "from hub.config import load_settings\n"
        f"folder = {str(folder)!r}\n"
        "hub = bootstrap.build_hub(load_settings(data_dir=folder, scheduler_enabled=False),"
        " create=True)\n"
        "os.chmod(folder, 0o755)\n"
        "print(json.dumps(hub.health()['data_folder']))\n"
        "if os.getuid() == 0:\n"
        "    os.setgid(65534); os.setuid(65534)\n"
        "else:\n"
        "    os.chmod(folder, 0o555)\n"
        "report = hub.health()\n"
        "print(json.dumps(report['data_folder']))\n"
        "print(report['ok'], report['database']['ok'])\n"
    )
    try:
        result = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=ROOT
        )
        assert result.returncode == 0, result.stderr
        before, after, overall = result.stdout.strip().split("\n")
        assert json.loads(before) == {"path": str(folder), "ok": True}
        assert json.loads(after) == {
            "path": str(folder),
            "ok": False,
            "error": "not writable (PermissionError)",
        }
        assert overall == "False True", "the database still answers; the folder does not"
        assert not [p for p in folder.iterdir() if p.name.startswith(".healthz-")]
    finally:
        os.chmod(folder, 0o755)
        shutil.rmtree(parent, ignore_errors=True)


def test_the_scheduler_names_its_jobs_and_a_quiet_run_logs_nothing_at_info(
    settings, template_database, caplog
):
    settings.db_path.parent.mkdir(parents=True)
    shutil.copyfile(template_database, settings.db_path)
    live = settings.model_copy(update={"scheduler_enabled": True, "heartbeat_seconds": 1})
    with caplog.at_level(logging.INFO):
        hub = server.start_process(live)
        try:
            first = wait_for(lambda: hub.heartbeats.last_runs().get("heartbeat"))[2]
            wait_for(lambda: hub.heartbeats.last_runs()["heartbeat"][2] >= first + 2)
            names = sorted(job.name for job in hub.scheduler.get_jobs())
        finally:
            server.stop_process()
    # Unnamed, every job was "run" (the function's name) in the scheduler's lines.
    assert names == [
        "heartbeat",
        "nightly_backup",
        "nightly_retention",
        "notices",
        "publish_due_posts",
        "pull_interactions",
        "send_replies",
        "triage_interactions",
        "whatsapp_attachments",
        "whatsapp_desk",
    ]
    chatter = [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("apscheduler") and r.levelno < logging.WARNING
    ]
    assert chatter == [], chatter[:3]


def test_the_web_process_listens_without_nagles_algorithm():
    # Streamlit binds its socket with protocol 0, for which asyncio leaves Nagle on; on a
    # kept-alive connection every response then waited 40 ms for a delayed acknowledgement.
    from streamlit.web.server.starlette import starlette_server

    bind = server.without_nagle(starlette_server._bind_socket)
    sock = bind("127.0.0.1", 0, 16)
    try:
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        plain = starlette_server._bind_socket("127.0.0.1", 0, 16)
        try:
            assert not plain.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        finally:
            plain.close()
    finally:
        sock.close()
