"""Photos: three officers uploading near-limit photos at once, peak memory and time.

The issue: one 6,300 × 6,300 PNG of about 126 KB (39.7 megapixels, under the 40 megapixel
ceiling, so accepted) took about 376 MB while it was processed, so three at once broke the
1 GB process budget. The target: three concurrent near-limit photos keep the process under
1 GB, so their processing costs less than 400 MB (what the hub serving the board and the
dashboard leaves, see the Memory figure, less a margin).

Each set runs in a fresh Python process: it imports the hub, reads the three files, accepts a
small photo (lazy Pillow plugins load), and records ``VmHWM`` (``/proc/self/status``); three
threads released by one barrier then call `PhotoStore.accept` on one photo each. The figure
is how much ``VmHWM`` grew: the processing cost, whatever the rest of the process holds.

Sets: the issue's flat PNG, a baseline JPEG, a progressive JPEG (libjpeg keeps the whole
picture as coefficients while decoding those) and a WebP at its own 20 megapixel ceiling
(libwebp's decoder holds about four copies of the picture). At smoke size the pictures are a
tenth of the side (a hundredth of the pixels): the scripts keep working, the figures mean
nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageDraw

from benchmarks.harness import FULL, BenchContext, Figure

NAME = "Photos"
PROJECT_ROOT = Path(__file__).resolve().parents[1]
CONCURRENT = 3
BUDGET_MB = 400.0
SIDE = 6300  # 39.69 megapixels: just under the default 40 megapixel ceiling
WEBP_SIDE = 4470  # 19.98 megapixels: just under WebP's own ceiling
SMOKE_DIVISOR = 10

# Run in a fresh interpreter: argv is the photos folder, then the photo files.
MEASURE = r"""
import json, sys, threading, time
from pathlib import Path

from PIL import Image
from hub.publishing.photos import PhotoStore

def status_kb(key):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)

root, *files = sys.argv[1:]
photos = [(Path(f).name, Path(f).read_bytes()) for f in files]
store = PhotoStore(Path(root))
warm_up = Path(root).parent / "warm-up.jpg"
Image.new("RGB", (64, 48), (90, 120, 200)).save(warm_up, format="JPEG")
store.accept("warm-up.jpg", warm_up.read_bytes())
baseline = status_kb("VmHWM")

barrier = threading.Barrier(len(photos))
seconds, errors = [0.0] * len(photos), []

def upload(index):
    name, data = photos[index]
    barrier.wait()
    started = time.perf_counter()
    try:
        store.accept(name, data)
    except Exception as exc:
        errors.append(repr(exc))
    seconds[index] = time.perf_counter() - started

started = time.perf_counter()
threads = [threading.Thread(target=upload, args=(i,)) for i in range(len(photos))]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps({
    "baseline_kb": baseline,
    "peak_kb": status_kb("VmHWM"),
    "seconds": time.perf_counter() - started,
    "each_seconds": seconds,
    "errors": errors,
}))
"""

# name, description, file suffix, Pillow format, save parameters, WebP-sized
SETS = (
    ("png", "flat PNG (the issue's case)", ".png", "PNG", {}, False),
    ("jpeg", "baseline JPEG", ".jpg", "JPEG", {"quality": 90}, False),
    (
        "progressive",
        "progressive JPEG",
        ".jpg",
        "JPEG",
        {"quality": 90, "progressive": True},
        False,
    ),
    ("webp", "WebP at its 20 MP ceiling", ".webp", "WEBP", {"quality": 80, "method": 0}, True),
)


def run(context: BenchContext) -> list[Figure]:
    """Peak memory growth and time of three concurrent near-limit uploads, per format."""
    folder = context.scratch("photos")
    divisor = 1 if context.scale is FULL else SMOKE_DIVISOR
    figures: list[Figure] = []
    times: list[str] = []
    for key, description, suffix, fmt, params, webp_sized in SETS:
        side = (WEBP_SIDE if webp_sized else SIDE) // divisor
        files = _photo_files(folder / key, side, suffix, fmt, params)
        measured = _measure(folder / key / "store", files)
        if measured["errors"]:
            raise RuntimeError(f"{key}: uploads failed: {measured['errors']}")
        cost_mb = (measured["peak_kb"] - measured["baseline_kb"]) / 1024
        each = ", ".join(f"{s:.2f}" for s in sorted(measured["each_seconds"]))
        figures.append(
            Figure(
                NAME,
                f"processing memory of {CONCURRENT} concurrent near-limit uploads, {description}",
                round(cost_mb, 0),
                "MB",
                f"< {BUDGET_MB:.0f} MB",
                cost_mb < BUDGET_MB,
                f"VmHWM growth of a fresh process over its {measured['baseline_kb'] / 1024:.0f} MB"
                f" baseline (hub imported, photos read); peak {measured['peak_kb'] / 1024:.0f} MB;"
                f" {CONCURRENT} × {side}×{side} ({side * side / 1e6:.1f} MP,"
                f" {files[0].stat().st_size / 1024:,.0f} KB each) through PhotoStore.accept;"
                f" keeps the process < 1 GB with the Memory figure's serving peak",
            )
        )
        times.append(f"{description} {measured['seconds']:.2f} s (each upload {each} s)")
        if key == "png":
            png_seconds = measured["seconds"]
    figures.append(
        Figure(
            NAME,
            f"seconds until {CONCURRENT} concurrent near-limit PNG uploads are all stored",
            round(png_seconds, 2),
            "s",
            "",
            None,
            "photos are processed one at a time (a process-wide semaphore), so the last"
            " waits for the others; " + "; ".join(times),
        )
    )
    return figures


def _picture(side: int) -> Image.Image:
    """A mostly flat square picture (sky, road, a building, the sun): tiny once compressed."""
    image = Image.new("RGB", (side, side), (205, 222, 235))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, side * 2 // 3, side, side), fill=(96, 96, 100))
    draw.rectangle((side // 7, side // 4, side * 2 // 5, side * 2 // 3), fill=(180, 60, 40))
    draw.ellipse((side * 2 // 3, side // 10, side * 6 // 7, side * 2 // 7), fill=(250, 210, 80))
    return image


def _photo_files(folder: Path, side: int, suffix: str, fmt: str, params: dict) -> list[Path]:
    """Three files of the same picture, one per officer."""
    folder.mkdir(parents=True, exist_ok=True)
    with _picture(side) as image:
        first = folder / f"officer-0{suffix}"
        image.save(first, format=fmt, **params)
    data = first.read_bytes()
    files = [first]
    for index in range(1, CONCURRENT):
        path = folder / f"officer-{index}{suffix}"
        path.write_bytes(data)
        files.append(path)
    return files


def _measure(store: Path, files: list[Path]) -> dict:
    completed = subprocess.run(
        [sys.executable, "-c", MEASURE, str(store), *map(str, files)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError("the measuring process failed:\n" + completed.stderr[-3000:])
    return json.loads(completed.stdout.strip().splitlines()[-1])
