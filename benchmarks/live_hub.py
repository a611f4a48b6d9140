"""A real `hub serve` for the benchmarks that need the deployed process (its scheduler, its
routes), pointed at a platform sandbox that runs in the benchmark's own process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from hub.config import SANDBOX_WHATSAPP

PROJECT_ROOT = Path(__file__).resolve().parents[1]
HUB_COMMAND = str(Path(sys.executable).with_name("hub"))


def hub_environment(folder: Path, sandbox_url: str, port: int, **extra: str) -> dict[str, str]:
    """The environment of a hub on `folder`/data with the sandbox's WhatsApp number."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(
        HUB_DATA_DIR=str(folder / "data"),
        HUB_SERVER_PORT=str(port),
        HUB_SANDBOX__ENABLED="false",
        HUB_WHATSAPP__API_URL=sandbox_url,
        HUB_WHATSAPP__WABA_ID=SANDBOX_WHATSAPP["waba_id"],
        HUB_WHATSAPP__ACCESS_TOKEN=SANDBOX_WHATSAPP["access_token"],
        HUB_WHATSAPP__APP_SECRET=SANDBOX_WHATSAPP["app_secret"],
        HUB_WHATSAPP__NUMBERS=json.dumps(
            [{"phone_number_id": SANDBOX_WHATSAPP["phone_number_id"]}]
        ),
        **extra,
    )
    return env


def init_hub(folder: Path, env: dict[str, str]) -> None:
    """`hub init` with the shipped departments (and its demo accounts)."""
    subprocess.run(
        [HUB_COMMAND, "init", "--departments", str(PROJECT_ROOT / "departments.csv")],
        env=env,
        cwd=folder,
        check=True,
        capture_output=True,
        timeout=300,
    )


def serve_hub(folder: Path, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    """`hub serve` on the folder; returns the process and its URL once /healthz answers."""
    log = (folder / "serve.log").open("ab")
    server = subprocess.Popen(
        [HUB_COMMAND, "serve"], env=env, cwd=folder, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{env['HUB_SERVER_PORT']}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2):
                return server, url
        except OSError:
            if server.poll() is not None:
                break
            time.sleep(0.3)
    server.kill()
    raise RuntimeError("the hub did not start: " + (folder / "serve.log").read_text()[-2000:])
