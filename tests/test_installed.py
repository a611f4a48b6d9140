"""`pip install .` (not editable) into a fresh virtualenv gives a hub that serves.

The project is built from this checkout as a wheel and installed with pip into a new
virtualenv outside the checkout, so nothing can be found through the source tree. Its
dependencies are the ones this test run already has: a `.pth` file puts this environment's
site-packages after the new one's (the hub itself is found in the new one only, since the
editable install's finder lives in a `.pth` file that is not processed there). Then `hub init`
and `hub serve` run from an empty folder, and the served app answers.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=3) as response:
        return response.status, response.read()


def test_a_non_editable_install_serves_the_hub(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    new_site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (new_site / "borrowed-dependencies.pth").write_text(
        "\n".join(site.getsitepackages()) + "\n", encoding="utf-8"
    )
    source = tmp_path / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=_not_shipped,
    )
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", str(source)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stdout[-2000:] + install.stderr[-2000:]
    shutil.rmtree(source)
    where = subprocess.run(
        [str(python), "-c", "import hub, ui, pages, jobs; print(hub.__file__, pages.__path__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert str(new_site) in where.stdout, where.stdout + where.stderr
    for shipped in ("pages/home.py", "ui/app.py", "ui/favicon.png", "hub/migrations"):
        assert (new_site / shipped).exists(), shipped

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(
        HUB_DATA_DIR=str(run_dir / "data"),
        HUB_SERVER_PORT=str(port),
        HUB_SANDBOX__PORT=str(free_port()),
        HUB_SANDBOX__SIMULATOR_ENABLED="false",
    )
    hub_command = str(venv / "bin" / "hub")
    init = subprocess.run(
        [hub_command, "init", "--demo", "--departments", str(ROOT / "departments.csv")],
        cwd=run_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert init.returncode == 0, init.stderr[-2000:]
    served = subprocess.Popen(
        [hub_command, "serve"],
        cwd=run_dir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        report = None
        while time.monotonic() < deadline and served.poll() is None:
            try:
                status, body = fetch(f"http://127.0.0.1:{port}/healthz")
                report = json.loads(body)
                if status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        assert served.poll() is None, served.stderr.read()[-2000:] if served.stderr else ""
        assert report is not None and report["ok"], report
        status, page = fetch(f"http://127.0.0.1:{port}/")
        assert status == 200 and b"<noscript>" in page  # Streamlit's own page
        status, _ = fetch(f"http://127.0.0.1:{port}/_stcore/health")
        assert status == 200
    finally:
        served.terminate()
        served.wait(timeout=30)


_LEFT_BEHIND = shutil.ignore_patterns(
    ".venv", ".git", "test-artifacts", "__pycache__", "*.egg-info", "build"
)


def _not_shipped(folder: str, names: list[str]) -> set[str]:
    """What the copy leaves out: build leftovers anywhere, and the top folder's own `data/`
    (a running hub's), but not `hub/data/` (the ward shapes the package ships)."""
    left = set(_LEFT_BEHIND(folder, names))
    if Path(folder).resolve() == ROOT.resolve() and "data" in names:
        left.add("data")
    return left
