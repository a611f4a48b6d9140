"""A real `hub serve` on a benchmark's data folder, for the benchmarks that drive it from a
browser (memory, office load): started with the scheduler and sandbox on and the simulator off,
waited for on its health route, stopped at the end; its memory read from /proc."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from benchmarks.generate import DEPARTMENTS_FILE
from benchmarks.harness import free_port

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The generated year's first open replays nothing, but a busy machine may take a while.
START_SECONDS = 180


@dataclass(frozen=True)
class ServedHub:
    """A running `hub serve`: where to reach it, and its process (the server itself)."""

    url: str
    pid: int


def browser_available() -> bool:
    """Playwright is installed and Debian's Chromium is there to launch."""
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return False
    return Path(CHROMIUM).is_file()


@contextmanager
def served_hub(data: Path) -> Iterator[ServedHub]:
    """`hub serve` on `data` (its log in data/serve.log) until the block ends."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(
        HUB_DATA_DIR=str(data),
        HUB_SERVER_PORT=str(port),
        HUB_SANDBOX__PORT=str(free_port()),
        HUB_SANDBOX__SIMULATOR_ENABLED="false",
        HUB_DEPARTMENTS_FILE=str(DEPARTMENTS_FILE),
        # The nightly backup and retention (the hour after it) twelve hours away: a run that
        # crossed 02:00 in Kolkata would otherwise measure a backup of the year and the purge
        # of most of its raw payloads, not the office.
        HUB_BACKUP_HOUR=str((datetime.now(ZoneInfo("Asia/Kolkata")).hour + 12) % 24),
    )
    log_path = data / "serve.log"
    with log_path.open("wb") as log:
        # `hub serve` execs ui/server.py: the child's pid is the server's.
        server = subprocess.Popen(
            [str(Path(sys.executable).with_name("hub")), "serve"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_healthy(url, server, log_path)
            yield ServedHub(url, server.pid)
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()


def status_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (kB) of a process."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0])
    return found


def _wait_healthy(url: str, server: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:
                if json.loads(response.read())["ok"]:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            raise RuntimeError("the hub did not start:\n" + log_path.read_text()[-3000:])
        time.sleep(0.5)
