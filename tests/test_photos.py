"""PhotoStore: officers' photos checked by content, cleaned of metadata, stored under random names.

Every photo here is a real file made with Pillow in the test, never a mock of Pillow.
"""

from __future__ import annotations

import io
import os
import re
import resource
import struct
import time
import warnings
import zlib
from pathlib import Path

import pytest
from PIL import ExifTags, Image, ImageCms, ImageFile
from PIL.PngImagePlugin import PngInfo

from hub.config import Settings
from hub.errors import InvalidInput, NotFound, StoreError
from hub.publishing import photos
from hub.publishing.photos import InvalidPhoto, PhotoLimits, PhotoStore, StoredPhoto

MARKER = b"SECRET-MARKER-7f3a"

# -- making real files ----------------------------------------------------------------------


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def halves(size: tuple[int, int] = (200, 100), mode: str = "RGB") -> Image.Image:
    """Left half red, right half blue: orientation and colour are both visible."""
    image = Image.new("RGB", size, (255, 0, 0))
    image.paste((0, 0, 255), (size[0] // 2, 0, size[0], size[1]))
    return image.convert(mode)


def transparent_png() -> bytes:
    image = Image.new("RGBA", (120, 80), (0, 128, 0, 255))
    image.paste((0, 0, 0, 0), (0, 0, 60, 80))
    return encode(image, "PNG")


def png_declaring(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of one colour declaring `width`×`height`: a few KB on disk.

    Built by hand, because Pillow would need the whole picture in memory to write it.
    """

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    row = b"\x00" + bytes((width + 7) // 8)
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def files_in(root: Path) -> list[str]:
    """Everything in the store's folder, hidden temporary files included."""
    return sorted(os.listdir(root)) if root.exists() else []


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "photos"


@pytest.fixture
def store(root: Path) -> PhotoStore:
    return PhotoStore(root)


def refused(store: PhotoStore, name: str, data: bytes) -> InvalidPhoto:
    """Accepting must fail, name the file, and leave nothing in the folder."""
    before = files_in(store.root)
    with pytest.raises(InvalidPhoto) as caught:
        store.accept(name, data)
    assert files_in(store.root) == before
    assert str(caught.value).startswith(f"{name}: ")
    assert caught.value.filename == name
    return caught.value


def stored_image(store: PhotoStore, photo: StoredPhoto) -> Image.Image:
    image = Image.open(io.BytesIO(store.read(photo.stored_name)))
    image.load()
    return image


# -- accepting good photos --------------------------------------------------------------------


def test_good_jpeg_is_stored_as_jpeg_with_thumbnail(store: PhotoStore, root: Path) -> None:
    original = encode(halves((640, 480)), "JPEG", quality=90)

    photo = store.accept("site-visit.jpg", original)

    assert photo.original_name == "site-visit.jpg"
    assert photo.mime_type == "image/jpeg"
    assert (photo.width, photo.height) == (640, 480)
    assert re.fullmatch(r"[0-9a-f]{32}\.jpg", photo.stored_name)
    assert photo.stored_name.startswith(photo.id)
    assert files_in(root) == sorted([photo.stored_name, photo.thumb_name])
    stored = store.read(photo.stored_name)
    assert len(stored) == photo.size_bytes == (root / photo.stored_name).stat().st_size
    image = stored_image(store, photo)
    assert image.format == "JPEG"
    assert image.mode == "RGB"
    assert image.getpixel((10, 240))[0] > 200  # still red on the left
    thumb = Image.open(io.BytesIO(store.read_thumbnail(photo.thumb_name)))
    assert thumb.format == "JPEG"
    assert thumb.size == (320, 240)


def test_png_with_transparency_stays_png_with_alpha(store: PhotoStore) -> None:
    photo = store.accept("logo.png", transparent_png())

    assert photo.mime_type == "image/png"
    assert photo.stored_name.endswith(".png")
    image = stored_image(store, photo)
    assert image.format == "PNG"
    assert image.mode == "RGBA"
    assert image.getpixel((10, 10))[3] == 0
    assert image.getpixel((100, 10)) == (0, 128, 0, 255)
    # The thumbnail is JPEG all the same, transparent parts on white.
    thumb = Image.open(io.BytesIO(store.read_thumbnail(photo.thumb_name)))
    assert thumb.format == "JPEG"
    assert min(thumb.getpixel((5, 5))) > 240


def test_png_without_transparency_is_stored_as_jpeg(store: PhotoStore) -> None:
    opaque_alpha = encode(halves(mode="RGBA"), "PNG")

    photo = store.accept("screenshot.png", opaque_alpha)

    assert photo.mime_type == "image/jpeg"
    assert stored_image(store, photo).format == "JPEG"


def test_webp_is_accepted_and_stored_as_jpeg(store: PhotoStore) -> None:
    photo = store.accept("drain.webp", encode(halves(), "WEBP", quality=90))

    assert photo.mime_type == "image/jpeg"
    image = stored_image(store, photo)
    assert image.format == "JPEG"
    assert image.size == (200, 100)


def test_webp_with_transparency_is_stored_as_png(store: PhotoStore) -> None:
    image = Image.new("RGBA", (64, 64), (255, 0, 0, 0))
    image.paste((255, 0, 0, 255), (32, 0, 64, 64))

    photo = store.accept("sticker.webp", encode(image, "WEBP", lossless=True))

    assert photo.mime_type == "image/png"
    assert stored_image(store, photo).getpixel((0, 0))[3] == 0


def test_png_named_jpg_is_accepted_as_png(store: PhotoStore) -> None:
    photo = store.accept("actually-a-png.jpg", transparent_png())

    assert photo.mime_type == "image/png"
    assert stored_image(store, photo).format == "PNG"


def test_cmyk_jpeg_is_converted_to_rgb(store: PhotoStore) -> None:
    cmyk_red = Image.new("CMYK", (80, 60), (0, 255, 255, 0))

    photo = store.accept("print-proof.jpg", encode(cmyk_red, "JPEG", quality=95))

    image = stored_image(store, photo)
    assert image.mode == "RGB"
    red, green, blue = image.getpixel((40, 30))
    assert red > 200 and green < 60 and blue < 60


def test_palette_png_is_accepted(store: PhotoStore) -> None:
    palette = halves().convert("P", palette=Image.Palette.ADAPTIVE, colors=4)

    photo = store.accept("map.png", encode(palette, "PNG"))

    assert photo.mime_type == "image/jpeg"
    assert stored_image(store, photo).getpixel((190, 50))[2] > 200


def test_palette_png_with_transparent_colour_stays_png(store: PhotoStore) -> None:
    palette = halves().convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
    transparent_index = palette.getpixel((0, 0))

    photo = store.accept("map.png", encode(palette, "PNG", transparency=transparent_index))

    image = stored_image(store, photo)
    assert image.mode == "RGBA"
    assert image.getpixel((0, 0))[3] == 0
    assert image.getpixel((190, 50))[3] == 255


def test_16_bit_grey_png_keeps_its_tones(store: PhotoStore) -> None:
    grey16 = Image.new("I;16", (50, 50), 32768)  # mid-grey on a 16-bit scale

    photo = store.accept("scan.png", encode(grey16, "PNG"))

    value = stored_image(store, photo).getpixel((25, 25))[0]
    assert 110 < value < 145  # not clipped to white


def test_animated_png_keeps_only_the_first_frame(store: PhotoStore) -> None:
    red = Image.new("RGB", (60, 40), (255, 0, 0))
    blue = Image.new("RGB", (60, 40), (0, 0, 255))
    animated = encode(red, "PNG", save_all=True, append_images=[blue], duration=100)
    assert Image.open(io.BytesIO(animated)).n_frames == 2

    photo = store.accept("blink.png", animated)

    image = stored_image(store, photo)
    assert getattr(image, "n_frames", 1) == 1
    assert image.getpixel((30, 20))[0] > 200


def test_file_name_is_shown_without_folders_or_control_characters(store: PhotoStore) -> None:
    photo = store.accept("C:\\fakepath\\ward\x0712.jpg", encode(halves(), "JPEG"))

    assert photo.original_name == "ward12.jpg"


# -- refusing by content, never by name -------------------------------------------------------


def gif_bytes() -> bytes:
    return encode(halves().convert("P"), "GIF")


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("site-visit.jpg", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n", "PDF"),
        ("site-visit.jpg", gif_bytes(), "GIF"),
        ("notes.png", b"Road repair at ward 12 finished on time.\n", "text"),
        ("IMG_0001.jpg", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64), "HEIC"),
    ],
    ids=["pdf-named-jpg", "gif-named-jpg", "text-named-png", "heic-named-jpg"],
)
def test_other_content_is_refused_whatever_its_name(
    store: PhotoStore, name: str, data: bytes, kind: str
) -> None:
    error = refused(store, name, data)

    assert "is not a JPEG, PNG or WebP image" in str(error)
    assert kind in error.reason
    assert str(error).endswith("try again")
    assert isinstance(error, InvalidInput)


def test_truncated_jpeg_is_refused(store: PhotoStore) -> None:
    noisy = Image.frombytes("RGB", (300, 200), os.urandom(300 * 200 * 3))
    whole = encode(noisy, "JPEG", quality=90)

    error = refused(store, "half-sent.jpg", whole[: len(whole) // 2])

    assert "damaged or incomplete" in error.reason


def test_truncated_png_is_refused(store: PhotoStore) -> None:
    noisy = Image.frombytes("RGB", (300, 200), os.urandom(300 * 200 * 3))
    whole = encode(noisy, "PNG")

    error = refused(store, "half-sent.png", whole[: len(whole) * 2 // 3])

    assert "damaged or incomplete" in error.reason


def test_empty_file_is_refused(store: PhotoStore) -> None:
    assert "empty" in refused(store, "nothing.jpg", b"").reason


# -- size, pixels and decompression bombs -----------------------------------------------------


def test_too_many_bytes_is_refused_before_decoding(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = PhotoStore(root, PhotoLimits(max_bytes=2048))
    big = encode(Image.frombytes("RGB", (100, 100), os.urandom(30_000)), "PNG")
    assert len(big) > 2048

    def must_not_decode(*args: object, **kwargs: object) -> None:
        raise AssertionError("decoded a photo that was already too big")

    monkeypatch.setattr(photos.Image, "open", must_not_decode)
    error = refused(store, "huge.png", big)

    assert "the limit is 2 KB" in error.reason
    assert "reduce size" in str(error)


def test_real_file_over_the_default_limit_is_refused(store: PhotoStore) -> None:
    # Noise does not compress: an uncompressed PNG of about 10.8 MB.
    noisy = Image.frombytes("RGB", (2000, 1800), os.urandom(2000 * 1800 * 3))
    data = encode(noisy, "PNG", compress_level=0)
    assert len(data) > 10 * 1024 * 1024

    error = refused(store, "camera-original.png", data)

    assert re.fullmatch(r"is 10\.\d MB; the limit is 10 MB", error.reason)


def test_too_many_megapixels_is_refused(root: Path) -> None:
    store = PhotoStore(root, PhotoLimits(max_megapixels=0.01))

    error = refused(store, "wide.jpg", encode(halves((200, 100)), "JPEG"))

    assert error.reason == "is 200×100 pixels (0.02 megapixels); the limit is 0.01 megapixels"


@pytest.mark.parametrize(
    "size",
    [(8000, 8000), (10000, 10000), (30000, 30000)],
    ids=["over-our-limit", "over-pillows-warning", "over-pillows-error"],
)
def test_decompression_bomb_is_refused_without_decoding(
    store: PhotoStore, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    bomb = png_declaring(*size)
    assert len(bomb) < 200_000
    loads: list[object] = []
    real_load = ImageFile.ImageFile.load

    def counting_load(self: ImageFile.ImageFile) -> object:
        loads.append(self)
        return real_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", counting_load)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        error = refused(store, "bomb.png", bomb)

    assert time.monotonic() - started < 2.0
    assert loads == []
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before
    assert grown_kb < 100_000
    assert "megapixels" in error.reason
    assert "the limit is 40 megapixels" in error.reason
    if size == (8000, 8000):
        assert error.reason.startswith("is 8000×8000 pixels (64 megapixels)")


def test_pillow_bomb_warning_raised_as_error_is_refused_too(store: PhotoStore) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        error = refused(store, "bomb.png", png_declaring(10000, 10000))

    assert "megapixels" in error.reason


def test_pillow_global_pixel_limit_is_left_alone(store: PhotoStore) -> None:
    before = Image.MAX_IMAGE_PIXELS

    store.accept("a.jpg", encode(halves(), "JPEG"))
    with pytest.raises(InvalidPhoto):
        store.accept("bomb.png", png_declaring(8000, 8000))

    assert before == Image.MAX_IMAGE_PIXELS


# -- orientation and metadata -----------------------------------------------------------------


def test_exif_orientation_is_applied(store: PhotoStore) -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # "rotate 90° clockwise to display"
    landscape = encode(halves((200, 100)), "JPEG", exif=exif.tobytes())

    photo = store.accept("sideways.jpg", landscape)

    assert (photo.width, photo.height) == (100, 200)
    image = stored_image(store, photo)
    assert image.size == (100, 200)
    assert image.getpixel((50, 10))[0] > 200  # the left (red) half is now on top
    assert image.getpixel((50, 190))[2] > 200
    assert not image.getexif()


def exif_with_gps_and_marker() -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.ImageDescription] = MARKER.decode() + "-description"
    exif[ExifTags.Base.Make] = "PhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (22.0, 34.0, 20.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (88.0, 21.0, 50.0)
    return exif


def xmp_packet() -> bytes:
    return (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description>'
        + MARKER
        + b"-xmp</rdf:Description></rdf:RDF></x:xmpmeta>"
    )


def jpeg_with_metadata() -> bytes:
    return encode(
        halves(),
        "JPEG",
        exif=exif_with_gps_and_marker().tobytes(),
        comment=MARKER + b"-comment",
        xmp=xmp_packet(),
    )


def jpeg_with_metadata_and_icc_profile() -> bytes:
    # A colour-managed photo takes another path (conversion to sRGB) through the store.
    return encode(
        halves(),
        "JPEG",
        exif=exif_with_gps_and_marker().tobytes(),
        comment=MARKER + b"-comment",
        xmp=xmp_packet(),
        icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(),
    )


def png_with_metadata() -> bytes:
    info = PngInfo()
    info.add_text("Comment", MARKER.decode() + "-comment")
    info.add_itxt("XML:com.adobe.xmp", xmp_packet().decode())
    image = Image.new("RGBA", (100, 60), (0, 0, 255, 255))
    image.paste((0, 0, 0, 0), (0, 0, 30, 60))
    return encode(image, "PNG", pnginfo=info, exif=exif_with_gps_and_marker().tobytes())


def webp_with_metadata() -> bytes:
    return encode(halves(), "WEBP", exif=exif_with_gps_and_marker().tobytes(), xmp=xmp_packet())


@pytest.mark.parametrize(
    "make",
    [jpeg_with_metadata, jpeg_with_metadata_and_icc_profile, png_with_metadata, webp_with_metadata],
    ids=["jpeg", "jpeg-icc", "png", "webp"],
)
def test_all_metadata_is_stripped(store: PhotoStore, make) -> None:
    original = make()
    gps = Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert gps[ExifTags.GPS.GPSLatitudeRef] == "N"  # the original really carries GPS
    assert original.count(MARKER) >= 2

    photo = store.accept("with-location.img", original)

    stored = store.read(photo.stored_name)
    assert MARKER not in stored
    assert b"PhoneMaker" not in stored
    assert b"Exif" not in stored
    assert b"xmpmeta" not in stored
    image = Image.open(io.BytesIO(stored))
    assert not image.getexif()
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert "icc_profile" not in image.info
    assert not {"exif", "xmp", "comment", "Comment", "XML:com.adobe.xmp"} & set(image.info)
    assert MARKER not in store.read_thumbnail(photo.thumb_name)


# -- names, paths and the folder --------------------------------------------------------------


def test_same_bytes_twice_get_different_random_names(store: PhotoStore) -> None:
    data = encode(halves(), "JPEG")

    first = store.accept("a.jpg", data)
    second = store.accept("a.jpg", data)

    assert len({first.stored_name, first.thumb_name, second.stored_name, second.thumb_name}) == 4
    assert first.id != second.id
    for photo in (first, second):
        assert re.fullmatch(r"[0-9a-f]{32}\.jpg", photo.stored_name)
        assert re.fullmatch(r"[0-9a-f]{32}\.thumb\.jpg", photo.thumb_name)


def test_path_gives_generated_names_inside_the_folder(store: PhotoStore, root: Path) -> None:
    photo = store.accept("a.jpg", encode(halves(), "JPEG"))

    assert store.path(photo.stored_name) == root / photo.stored_name
    assert store.path(photo.thumb_name).read_bytes() == store.read_thumbnail(photo.thumb_name)


@pytest.mark.parametrize(
    "name",
    [
        "../x",
        "../" + "a" * 32 + ".jpg",
        "/etc/passwd",
        "/" + "a" * 32 + ".jpg",
        "photo.jpg",
        "A" * 32 + ".jpg",
        "a" * 32 + ".gif",
        "a" * 31 + ".jpg",
        "a" * 32 + ".jpg\n",
        "a" * 32 + ".jpg/..",
        "",
    ],
)
def test_path_refuses_names_the_store_did_not_generate(store: PhotoStore, name: str) -> None:
    with pytest.raises(InvalidInput):
        store.path(name)
    with pytest.raises(InvalidInput):
        store.read(name)
    with pytest.raises(InvalidInput):
        store.read_thumbnail(name)


def test_path_refuses_absolute_path_of_a_stored_photo(store: PhotoStore, root: Path) -> None:
    photo = store.accept("a.jpg", encode(halves(), "JPEG"))

    with pytest.raises(InvalidInput):
        store.path(str(root / photo.stored_name))


def test_photo_and_thumbnail_names_are_not_interchangeable(store: PhotoStore) -> None:
    photo = store.accept("a.jpg", encode(halves(), "JPEG"))

    with pytest.raises(InvalidInput):
        store.read(photo.thumb_name)
    with pytest.raises(InvalidInput):
        store.read_thumbnail(photo.stored_name)


def test_reading_a_missing_photo_is_not_found(store: PhotoStore) -> None:
    with pytest.raises(NotFound):
        store.read("0" * 32 + ".jpg")


def test_delete_removes_photo_and_thumbnail(store: PhotoStore, root: Path) -> None:
    photo = store.accept("a.jpg", encode(halves(), "JPEG"))

    store.delete(photo.stored_name, photo.thumb_name)
    store.delete(photo.stored_name, photo.thumb_name)  # already gone: fine

    assert files_in(root) == []
    with pytest.raises(InvalidInput):
        store.delete("../hub.duckdb", photo.thumb_name)


def test_thumbnail_long_side_is_at_most_320(store: PhotoStore) -> None:
    for size in [(1200, 800), (500, 1500), (100, 80)]:
        photo = store.accept("a.jpg", encode(halves(size), "JPEG"))
        thumb = Image.open(io.BytesIO(store.read_thumbnail(photo.thumb_name)))
        assert max(thumb.size) == min(320, max(size))
        assert thumb.format == "JPEG"


def test_nothing_is_left_when_writing_fails(
    store: PhotoStore, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_replace = os.replace
    calls: list[str] = []

    def replace_then_fail(src: str, dst: str) -> None:
        calls.append(dst)
        if len(calls) == 2:  # the photo is in place; the thumbnail fails
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(photos.os, "replace", replace_then_fail)

    with pytest.raises(StoreError, match="could not be saved"):
        store.accept("a.jpg", encode(halves(), "JPEG"))

    assert len(calls) == 2
    assert files_in(root) == []


def test_root_is_created_on_first_photo(tmp_path: Path) -> None:
    root = tmp_path / "data" / "photos"
    store = PhotoStore(root)

    store.accept("a.jpg", encode(halves(), "JPEG"))

    assert len(files_in(root)) == 2


# -- limits and the public surface ------------------------------------------------------------


def test_limits_come_from_settings(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, photo_max_bytes=4096, photo_max_megapixels=2.5)

    limits = PhotoLimits.from_settings(settings)

    assert limits == PhotoLimits(max_bytes=4096, max_megapixels=2.5)


def test_invalid_photo_carries_file_name_and_reason() -> None:
    error = InvalidPhoto("site-visit.jpg", "is empty (0 bytes)", "send it again")

    assert isinstance(error, InvalidInput)
    assert error.filename == "site-visit.jpg"
    assert error.reason == "is empty (0 bytes)"
    assert str(error) == "site-visit.jpg: is empty (0 bytes) — send it again"


def test_public_names() -> None:
    assert sorted(photos.__all__) == ["InvalidPhoto", "PhotoLimits", "PhotoStore", "StoredPhoto"]
