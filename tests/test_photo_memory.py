"""Memory: three officers uploading near-limit photos at once stay well inside the 1 GB budget.

The issue: one 6,300 × 6,300 PNG of about 126 KB (under the 40 megapixel ceiling, so accepted)
cost about 376 MB while it was processed, so three at once broke the process's 1 GB budget.

Each case runs in a fresh Python process so that its peak resident set (``VmHWM`` in
``/proc/self/status``) belongs to this work alone. The process imports the hub, reads the
photos into memory and accepts one small photo first (so lazily loaded Pillow plugins and the
sRGB profile count as baseline), then records ``VmHWM`` as the baseline; three threads then
call `PhotoStore.accept` on a near-limit photo each, released together by a barrier. The
figure asserted is the growth of ``VmHWM`` over that baseline: what processing cost.

Budget: 400 MB for the three together, what is left of the 1 GB process budget once the hub
serves the board and the dashboard (``bench_memory``: 572 MB at peak), less a margin. A
near-limit photo is 39.7 megapixels and Pillow holds RGB in 4 bytes a pixel, so one decoded
copy is 159 MB: one photo at a time with a single full-size copy alive fits, three at once (or
one with two or three copies alive, as before the fix: 378 MB alone) do not. Before the fix
the three cost 985-992 MB.

Cases: the issue's flat PNG, a baseline and a progressive JPEG (libjpeg buffers a progressive
picture as coefficients while decoding), and a WebP just under the lower ceiling WebP has
because its decoder holds about four copies of the picture.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from hub.publishing.photos import InvalidPhoto, PhotoStore

pytestmark = pytest.mark.slow

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SIDE = 6300  # 39.69 megapixels: just under the default 40 megapixel ceiling
WEBP_SIDE = 4470  # 19.98 megapixels: just under the ceiling of WebP (its decoder costs 4x)
CONCURRENT = 3
BUDGET_MB = 400

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
results, errors = [None] * len(photos), []

def upload(index):
    name, data = photos[index]
    barrier.wait()
    try:
        stored = store.accept(name, data)
        results[index] = [stored.mime_type, stored.width, stored.height]
    except Exception as exc:
        errors.append(repr(exc))

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
    "results": results,
    "errors": errors,
}))
"""


def near_limit_picture(side: int = SIDE) -> Image.Image:
    """A mostly flat square picture, as a scanned notice or a sky: tiny once compressed."""
    image = Image.new("RGB", (side, side), (205, 222, 235))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, side * 2 // 3, side, side), fill=(96, 96, 100))  # the road
    draw.rectangle((side // 7, side // 4, side * 2 // 5, side * 2 // 3), fill=(180, 60, 40))
    draw.ellipse((side * 2 // 3, side // 10, side * 6 // 7, side * 2 // 7), fill=(250, 210, 80))
    return image


@pytest.fixture(scope="module")
def near_limit_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("near-limit")
    image = near_limit_picture()
    files = {
        "png": folder / "near-limit.png",
        "jpeg": folder / "near-limit.jpg",
        "progressive-jpeg": folder / "near-limit-progressive.jpg",
    }
    image.save(files["png"], format="PNG")
    image.save(files["jpeg"], format="JPEG", quality=90)
    # libjpeg buffers a progressive JPEG's whole picture as coefficients while decoding it.
    image.save(files["progressive-jpeg"], format="JPEG", quality=90, progressive=True)
    image.close()
    with near_limit_picture(WEBP_SIDE) as image:
        files["webp"] = folder / "near-limit.webp"
        image.save(files["webp"], format="WEBP", quality=80, method=0)
    return files


def measure(files: list[Path], workdir: Path) -> dict:
    completed = subprocess.run(
        [sys.executable, "-c", MEASURE, str(workdir / "photos"), *map(str, files)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("kind", ["png", "jpeg", "progressive-jpeg", "webp"])
def test_three_concurrent_near_limit_photos_stay_under_budget(
    near_limit_files: dict[str, Path], tmp_path: Path, kind: str
) -> None:
    source = near_limit_files[kind]
    files = []
    for index in range(CONCURRENT):  # three officers, three files
        copy = tmp_path / f"officer-{index}{source.suffix}"
        copy.write_bytes(source.read_bytes())
        files.append(copy)

    figures = measure(files, tmp_path)

    assert figures["errors"] == []
    side = WEBP_SIDE if kind == "webp" else SIDE
    assert figures["results"] == [["image/jpeg", side, side]] * CONCURRENT
    cost_mb = (figures["peak_kb"] - figures["baseline_kb"]) / 1024
    print(
        f"{kind}: {CONCURRENT} concurrent {side}x{side} ({source.stat().st_size // 1024} KB each)"
        f" cost {cost_mb:.0f} MB over a {figures['baseline_kb'] / 1024:.0f} MB baseline,"
        f" peak {figures['peak_kb'] / 1024:.0f} MB, {figures['seconds']:.1f} s"
    )
    assert cost_mb < BUDGET_MB, (
        f"{CONCURRENT} concurrent near-limit {kind} photos cost {cost_mb:.0f} MB"
        f" (budget {BUDGET_MB} MB; peak {figures['peak_kb'] / 1024:.0f} MB)"
    )


def test_webp_over_its_own_ceiling_is_refused_before_decoding(tmp_path: Path) -> None:
    # Under the 40 megapixel ceiling, but a WebP this size took 610 MB to decode.
    with near_limit_picture(4600) as image:
        data = io.BytesIO()
        image.save(data, format="WEBP", quality=50, method=0)
    store = PhotoStore(tmp_path / "photos")

    with pytest.raises(InvalidPhoto) as caught:
        store.accept("export.webp", data.getvalue())

    assert caught.value.reason == (
        "is a WebP image of 4600×4600 pixels (21.2 megapixels); the limit for WebP is 20 megapixels"
    )
    assert "export it as JPEG" in str(caught.value)
    assert not (tmp_path / "photos").exists()
