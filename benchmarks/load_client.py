"""Meta's side of the WhatsApp benchmark, in a process of its own: POST signed deliveries.

    python -m benchmarks.load_client URL DELIVERIES.jsonl THREADS RESULT.json

Each line of DELIVERIES.jsonl is ``{"id": message id, "body": ..., "signature": ...}``. The
deliveries go out in order from THREADS threads, each with its own keep-alive session; the
result says when each message was answered (epoch seconds), the status counts and the wall
time. Out of the hub's process, as Meta is, so the client's own work is not the hub's.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests


def main(argv: list[str]) -> int:
    """Post every delivery; write the timings."""
    url, source, threads, target = argv[0], argv[1], int(argv[2]), argv[3]
    with open(source, encoding="utf-8") as handle:
        deliveries = [json.loads(line) for line in handle]
    answered: dict[str, float] = {}
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    local = threading.local()

    def post(delivery: dict) -> None:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        response = session.post(
            url,
            data=delivery["body"].encode("utf-8"),
            headers={
                "Content-Type": "application/json",
                "X-Hub-Signature-256": delivery["signature"],
            },
            timeout=60,
        )
        with lock:
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            answered[delivery["id"]] = time.time()

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(post, deliveries))
    elapsed = time.perf_counter() - started
    with open(target, "w", encoding="utf-8") as handle:
        json.dump({"answered": answered, "statuses": statuses, "elapsed": elapsed}, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
