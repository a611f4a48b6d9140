"""Officers' photos: checked by their content, cleaned of metadata, stored under random names.

An officer's upload is untrusted bytes. `PhotoStore.accept` decides what it is by decoding it
with Pillow (never by its name), refuses anything that is not a JPEG, PNG or WebP photo of a
sensible size, and stores a re-encoded copy plus a JPEG thumbnail:

- Size is checked before anything is decoded; pixel count is checked from the header before the
  pixels are loaded, so a small file that declares a huge picture (a decompression bomb) costs
  no memory.
- EXIF orientation is applied, then every piece of metadata is dropped: EXIF (with GPS), XMP,
  comments, text chunks and ICC profiles. Colour managed photos are first converted to sRGB so
  that dropping the profile does not change their colours.
- Output format: a photo with real transparency (some pixel not fully opaque) is stored as PNG
  with alpha; everything else, whatever it came in as (JPEG, PNG or WebP), is stored as JPEG.
  WebP is never stored, because not every place a photo is shown or sent reads it.
- Animated PNG or WebP: the first frame is taken and stored as a still photo.
- Files are written atomically (temporary file in the same folder, then ``os.replace``), and
  nothing stays on disk when a photo is refused or a write fails.
- Memory: decoded pixels are what a photo costs (4 bytes a pixel, so 159 MB for a 6,300 × 6,300
  photo just under the 40 megapixel ceiling, whatever its size on disk). One photo is decoded
  and encoded at a time in the whole process, and the work keeps a single full-size copy of
  the pixels alive wherever it can (see `_PIXEL_WORK`). WebP, whose decoder needs four times
  as much, has a lower ceiling of its own (`_WEBP_MAX_PIXELS`).
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import re
import secrets
import tempfile
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from hub.errors import InvalidInput, NotFound, StoreError
from hub.i18n import N_, Message, Verbatim

if TYPE_CHECKING:
    from collections.abc import Callable

    from hub.config import Settings

__all__ = ["InvalidPhoto", "PhotoLimits", "PhotoStore", "StoredPhoto"]

# The decoders Pillow may use. Restricting them also keeps the other, less travelled decoders
# (TIFF, EPS, ...) away from untrusted bytes. MPO is how Pillow names a JPEG with extra
# embedded pictures (many phones write those); its first picture is the photo itself.
_ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
_JPEG_FORMATS = frozenset({"JPEG", "MPO"})

_PHOTO_NAME = re.compile(r"[0-9a-f]{32}\.(?:jpg|png)")
_THUMB_NAME = re.compile(r"[0-9a-f]{32}\.thumb\.jpg")
_MIME_TYPES = {"jpg": "image/jpeg", "png": "image/png"}

# Decoding, converting and encoding a photo holds its whole picture in memory, and that cost
# follows the pixel count, not the upload's size: a flat 126 KB PNG of 6,300 × 6,300 pixels
# (accepted: it is under the 40 megapixel ceiling) takes 159 MB once decoded. Several officers
# uploading such photos at once (each Streamlit session runs in its own thread, and Pillow
# releases the GIL while it decodes and encodes) used to add those costs up and broke the 1 GB
# process budget. So the pixel work of `PhotoStore.accept` happens one photo at a time in the
# whole process, whichever store instance is used; the cheap checks before it (byte size,
# header, pixel count) and the file writes after it do not wait. A near-limit photo takes
# a second or two, so a queued officer waits a few seconds at worst.
_PIXEL_WORK = threading.BoundedSemaphore(1)

# Huffman optimisation makes the JPEG encoder buffer the whole picture again (about 3 bytes
# a pixel: 117 MB at 40 megapixels) for files some 5% smaller. Up to this size pixels and
# buffer together (about 7 bytes a pixel) cost about what a near-limit photo's pixels alone
# do; larger photos are encoded in one pass with the standard tables (4 MB of buffers).
_OPTIMIZE_MAX_PIXELS = 24_000_000

# Pillow decodes WebP through libwebp's animation decoder, which keeps two canvases of the
# whole picture and hands over a third copy before Pillow fills its own: about 16 bytes a
# pixel, four times a JPEG's or PNG's 4. A 40 megapixel WebP took 610 MB to decode alone, so
# WebP gets a ceiling of its own (applied under the configured one) that keeps its decoding
# near the cost of a near-limit JPEG or PNG. Phones do not take WebP photos; exported or
# downloaded ones are far smaller than this.
_WEBP_MAX_PIXELS = 20_000_000

_SMALLER_PHOTO = N_("send a smaller photo (most phone cameras have a 'reduce size' option)")
_SEND_AGAIN = N_("choose the photo and send it again; if that fails too, take or export it again")


class InvalidPhoto(InvalidInput):
    """A photo cannot be accepted; `reason` says why, the message also what to do.

    `reason` and `advice` are catalogue strings (``N_``) filled in with `values`, so that
    `translated` shows both in the reader's language; a `kind` value is one of the
    catalogue words of `_describe_content` and is translated too.
    """

    def __init__(self, filename: str, reason: str, advice: str, **values: object) -> None:
        self.filename = filename
        self.reason = reason.format(**values) if values else reason
        self.advice = advice.format(**values) if values else advice
        self._reason_template = reason
        self._advice_template = advice
        self._part_values = values
        super().__init__(
            N_("{filename}: {reason} — {advice}"),
            filename=filename,
            reason=self.reason,
            advice=self.advice,
        )

    def as_message(self) -> Message:
        """The refusal as a sentence to keep, its reason and advice translated when shown."""
        values = {
            name: Message(value) if name == "kind" and isinstance(value, str) else value
            for name, value in self._part_values.items()
        }
        return Message(
            self.template,
            filename=Verbatim(self.filename),
            reason=Message(self._reason_template, **values),
            advice=Message(self._advice_template, **values),
        )

    def translated(self, translate: Callable[[str], str]) -> str:
        """The message in the reader's language: the reason and the advice translated too."""
        values = dict(self._part_values)
        if isinstance(values.get("kind"), str):
            values["kind"] = translate(values["kind"])
        try:
            reason = translate(self._reason_template)
            advice = translate(self._advice_template)
            if values:
                reason = reason.format(**values)
                advice = advice.format(**values)
            return translate(self.template).format(
                filename=self.filename, reason=reason, advice=advice
            )
        except (KeyError, IndexError, ValueError):
            # A translation that lost a placeholder must not hide the error itself.
            return self.message


@dataclass(frozen=True)
class PhotoLimits:
    """What `PhotoStore` accepts and how it re-encodes."""

    max_bytes: int = 10 * 1024 * 1024
    max_megapixels: float = 40.0
    thumbnail_px: int = 320
    jpeg_quality: int = 88

    @classmethod
    def from_settings(cls, settings: Settings) -> PhotoLimits:
        """The limits configured in `settings` (the thumbnail size and quality are fixed)."""
        return cls(
            max_bytes=settings.photo_max_bytes,
            max_megapixels=settings.photo_max_megapixels,
        )


@dataclass(frozen=True)
class StoredPhoto:
    """A photo as stored: its random names, what it is now, and the name the officer gave."""

    id: str
    original_name: str
    stored_name: str
    thumb_name: str
    mime_type: str
    width: int
    height: int
    size_bytes: int


class PhotoStore:
    """Officers' photos in one folder, under names only this store generates.

    Holds no state besides the folder and the limits, so one instance may be shared by threads.
    """

    # PhotoLimits is frozen, so one default instance shared by every store is safe.
    def __init__(self, root: Path, limits: PhotoLimits = PhotoLimits()) -> None:
        self.root = Path(root)
        self.limits = limits

    def accept(self, original_name: str, data: bytes) -> StoredPhoto:
        """Check, clean and store one uploaded photo; raise `InvalidPhoto` if it is refused.

        Raises `StoreError` if the photo is fine but could not be written; in both cases
        nothing is left in the folder.
        """
        name = _display_name(original_name)
        image = self._decode(name, data)  # header only: refusals so far cost no pixels
        with _PIXEL_WORK:
            try:
                extension, (width, height), photo_bytes, thumb_bytes = self._process(name, image)
            finally:
                image.close()
        token = secrets.token_hex(16)
        stored = StoredPhoto(
            id=token,
            original_name=name,
            stored_name=f"{token}.{extension}",
            thumb_name=f"{secrets.token_hex(16)}.thumb.jpg",
            mime_type=_MIME_TYPES[extension],
            width=width,
            height=height,
            size_bytes=len(photo_bytes),
        )
        self._write_both(stored, photo_bytes, thumb_bytes)
        return stored

    def read(self, stored_name: str) -> bytes:
        """The stored photo's bytes; `NotFound` if there is no such photo."""
        return self._read(self._checked(stored_name, _PHOTO_NAME), "photo")

    def read_thumbnail(self, thumb_name: str) -> bytes:
        """The thumbnail's bytes (JPEG); `NotFound` if there is no such thumbnail."""
        return self._read(self._checked(thumb_name, _THUMB_NAME), "thumbnail")

    def path(self, name: str) -> Path:
        """Where a photo or thumbnail this store generated lives; other names are refused.

        Only names of the generated form pass, so no name can reach outside the folder.
        """
        if _PHOTO_NAME.fullmatch(name) or _THUMB_NAME.fullmatch(name):
            return self.root / name
        raise InvalidInput(
            N_(
                "{name!r} is not the name of a stored photo: use the name the hub gave "
                "when the photo was accepted."
            ),
            name=name[:80],
        )

    def delete(self, stored_name: str, thumb_name: str) -> None:
        """Remove a photo and its thumbnail; already missing files are not an error."""
        paths = [self._checked(stored_name, _PHOTO_NAME), self._checked(thumb_name, _THUMB_NAME)]
        try:
            for path in paths:
                path.unlink(missing_ok=True)
        except OSError as exc:
            raise StoreError(
                N_(
                    "the photo {name} could not be deleted ({reason}): "
                    "check that the photos folder is writable."
                ),
                name=stored_name,
                reason=exc.strerror,
            ) from exc

    def _process(self, name: str, image: Image.Image) -> tuple[str, tuple[int, int], bytes, bytes]:
        """Decode, clean and encode an opened photo: extension, size, photo and thumbnail bytes.

        Called under `_PIXEL_WORK`. Every step closes the image it replaces, so at most one
        full-size copy of the pixels is alive besides the one a conversion is writing.
        """
        self._load(name, image)
        image = _upright(image)
        image = _to_srgb(image)
        transparent = image.mode == "RGBA" and image.getchannel("A").getextrema()[0] < 255
        if image.mode == "RGBA" and not transparent:
            image = _replaced(image, image.convert("RGB"))
        clean = _pixels_only(image)
        try:
            image.close()  # `clean` holds the pixels now
            extension = "png" if transparent else "jpg"
            size = clean.size
            photo_bytes = self._encode(clean, extension)
            # The full-size photo is encoded: the thumbnail is made from it in place.
            thumb_bytes = self._encode_thumbnail(clean)
        finally:
            clean.close()
        return extension, size, photo_bytes, thumb_bytes

    # -- checking and decoding -------------------------------------------------------------

    def _decode(self, name: str, data: bytes) -> Image.Image:
        """Open `data` as an accepted image, checking size and pixels before decoding them.

        Only the header is read; `_load` decodes the pixels.
        """
        if not data:
            raise InvalidPhoto(name, N_("is empty (0 bytes)"), _SEND_AGAIN)
        if len(data) > self.limits.max_bytes:
            raise InvalidPhoto(
                name,
                N_("is {size}; the limit is {limit}"),
                _SMALLER_PHOTO,
                size=_human_size(len(data)),
                limit=_human_size(self.limits.max_bytes),
            )
        pixel_limit = self._pixel_limit()
        try:
            # Pillow itself raises DecompressionBombError past twice its global limit while
            # reading the header; it only warns between one and two times that limit, and
            # such sizes are above `pixel_limit` (see there), so the check below refuses them.
            # Turning the warning into an error with `warnings.catch_warnings` would change
            # process-wide state under other threads, so it is not done here.
            image = Image.open(io.BytesIO(data), formats=_ACCEPTED_FORMATS)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            # The warning arrives as an exception only when the process's warning filters
            # say so (pytest -W error, for instance). Pillow raises before the size is known
            # to us, so the message gives the bound Pillow crossed.
            pillow_limit = Image.MAX_IMAGE_PIXELS or pixel_limit
            crossed = pillow_limit * (2 if isinstance(exc, Image.DecompressionBombError) else 1)
            raise InvalidPhoto(
                name,
                N_(
                    "is over {megapixels} megapixels, far more than a photo needs; "
                    "the limit is {limit} megapixels"
                ),
                _SMALLER_PHOTO,
                megapixels=_megapixels(crossed),
                limit=_megapixels(pixel_limit),
            ) from exc
        except UnidentifiedImageError as exc:
            raise _not_accepted(name, data) from exc
        except Exception as exc:
            # Pillow's header parsers raise many undocumented exception types on hostile or
            # damaged input (SyntaxError, struct.error, ValueError...): all mean "unreadable".
            raise _damaged(name) from exc
        if image.format not in _JPEG_FORMATS and image.format not in _ACCEPTED_FORMATS:
            image.close()
            raise _not_accepted(name, data)

        width, height = image.size
        if width * height > pixel_limit:
            image.close()
            raise InvalidPhoto(
                name,
                N_(
                    "is {width}×{height} pixels ({megapixels} megapixels); "
                    "the limit is {limit} megapixels"
                ),
                _SMALLER_PHOTO,
                width=width,
                height=height,
                megapixels=_megapixels(width * height),
                limit=_megapixels(pixel_limit),
            )
        if image.format == "WEBP" and width * height > _WEBP_MAX_PIXELS:
            image.close()
            raise InvalidPhoto(
                name,
                N_(
                    "is a WebP image of {width}×{height} pixels ({megapixels} "
                    "megapixels); the limit for WebP is {limit} megapixels"
                ),
                N_("export it as JPEG, or send a smaller photo, and try again"),
                width=width,
                height=height,
                megapixels=_megapixels(width * height),
                limit=_megapixels(_WEBP_MAX_PIXELS),
            )
        return image

    @staticmethod
    def _load(name: str, image: Image.Image) -> None:
        """Decode every pixel of an image `_decode` opened; `InvalidPhoto` if it is damaged.

        The stored photo keeps its full size, so JPEGs are decoded at full scale: Pillow's
        reduced JPEG decoding (``draft``) would only serve the thumbnail, which is cheap.
        """
        try:
            # Animated PNG/WebP: Pillow opens on the first frame, which is the one kept.
            # load() decodes every pixel, so a truncated or corrupt file fails here
            # (relies on Pillow's process-wide ImageFile.LOAD_TRUNCATED_IMAGES staying off).
            image.load()
        except Exception as exc:
            raise _damaged(name) from exc

    def _pixel_limit(self) -> int:
        """Largest accepted width × height: ours, or Pillow's global limit if that is lower."""
        limit = int(self.limits.max_megapixels * 1_000_000)
        # Read, never written: Pillow's limit is process-wide. Staying under it means Pillow
        # never warns about a photo this store accepts.
        pillow_limit = Image.MAX_IMAGE_PIXELS
        if pillow_limit is not None:
            limit = min(limit, pillow_limit)
        return limit

    # -- encoding and writing --------------------------------------------------------------

    def _encode(self, image: Image.Image, extension: str) -> bytes:
        buffer = io.BytesIO()
        if extension == "png":
            image.save(buffer, format="PNG")
        else:
            optimize = image.width * image.height <= _OPTIMIZE_MAX_PIXELS
            image.save(buffer, format="JPEG", quality=self.limits.jpeg_quality, optimize=optimize)
        return buffer.getvalue()

    def _encode_thumbnail(self, image: Image.Image) -> bytes:
        """The thumbnail of `image` as JPEG; `image` itself is shrunk to it (no full copy)."""
        side = self.limits.thumbnail_px
        # With a reducing gap Pillow first shrinks by a whole factor (`Image.reduce`, cheap
        # and small), then resamples the reduced picture.
        image.thumbnail((side, side), Image.Resampling.LANCZOS, reducing_gap=3.0)
        thumb = image
        if thumb.mode == "RGBA":
            # JPEG has no transparency: show transparent parts on white, as pages do.
            background = Image.new("RGB", thumb.size, (255, 255, 255))
            background.paste(thumb, mask=thumb.getchannel("A"))
            thumb = background
        buffer = io.BytesIO()
        thumb.save(buffer, format="JPEG", quality=self.limits.jpeg_quality)
        return buffer.getvalue()

    def _write_both(self, stored: StoredPhoto, photo: bytes, thumb: bytes) -> None:
        """Write the photo and its thumbnail, or neither."""
        written: list[Path] = []
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            for name, content in ((stored.stored_name, photo), (stored.thumb_name, thumb)):
                written.append(self._write_atomically(name, content))
        except OSError as exc:
            for path in written:
                with contextlib.suppress(OSError):
                    path.unlink()
            raise StoreError(
                N_(
                    "the photo {name} could not be saved ({reason}): "
                    "try again later, and tell the IT team if it keeps happening."
                ),
                name=stored.original_name,
                reason=exc.strerror,
            ) from exc

    def _write_atomically(self, name: str, content: bytes) -> Path:
        """Write to a temporary file beside the target, then rename it into place.

        Readers never see half a photo, and the temporary name (not of the generated form)
        can never be served even if the process dies before cleaning it up.
        """
        target = self.root / name
        fd, temp_name = tempfile.mkstemp(dir=self.root, prefix=".incoming-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(content)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temp_name, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp_name)
            raise
        return target

    # -- reading ---------------------------------------------------------------------------

    def _checked(self, name: str, pattern: re.Pattern[str]) -> Path:
        if not pattern.fullmatch(name):
            raise InvalidInput(
                N_(
                    "{name!r} is not the name of a stored photo: use the name the hub gave "
                    "when the photo was accepted."
                ),
                name=name[:80],
            )
        return self.root / name

    def _read(self, path: Path, what: str) -> bytes:
        try:
            return path.read_bytes()
        except FileNotFoundError as exc:
            raise NotFound(_NOT_IN_STORE[what], name=path.name) from exc
        except OSError as exc:
            raise StoreError(_UNREADABLE[what], name=path.name, reason=exc.strerror) from exc


_NOT_IN_STORE = {
    "photo": N_("the photo {name} is not in the photo store: it may have been deleted."),
    "thumbnail": N_("the thumbnail {name} is not in the photo store: it may have been deleted."),
}
_UNREADABLE = {
    "photo": N_("the photo {name} could not be read ({reason}): check the photos folder."),
    "thumbnail": N_("the thumbnail {name} could not be read ({reason}): check the photos folder."),
}


# -- image helpers ---------------------------------------------------------------------------


def _replaced(old: Image.Image, new: Image.Image) -> Image.Image:
    """`new`, after closing `old` if it is another image: its pixels are freed at once."""
    if new is not old:
        old.close()
    return new


def _pixels_only(image: Image.Image) -> Image.Image:
    """A new image holding `image`'s pixels (the same memory, not a copy) and nothing else.

    Pillow's encoders copy some metadata from the source image's `info` (the JPEG comment,
    the PNG ICC profile and transparency) and its format-specific attributes stay with the
    decoded file object, so what is encoded must carry none. A fresh ``Image.new`` with the
    pixels pasted in would hold them twice (318 MB for a near-limit photo); `Image._new` is
    how Pillow itself wraps existing pixels in a new image, and its copied `info` is dropped.
    """
    bare = image._new(image.im)
    bare.info = {}
    return bare


def _upright(image: Image.Image) -> Image.Image:
    """The image turned as the camera's EXIF orientation says (in place: no copy if upright)."""
    # A damaged EXIF block should not cost the officer the photo: keep it as it is.
    with contextlib.suppress(Exception):
        ImageOps.exif_transpose(image, in_place=True)
    return image


def _to_srgb(image: Image.Image) -> Image.Image:
    """The image as 8-bit RGB or RGBA in sRGB, whatever its mode and colour profile.

    ICC profiles are dropped with the rest of the metadata, so a photo taken in another colour
    space (Display P3 on recent phones, Adobe RGB, a CMYK print profile) is converted first.
    Takes `image` over: it is closed when another image is returned, and an RGB or RGBA image
    without a profile (most photos) is returned as it is, without a copy.
    """
    profile = image.info.get("icc_profile")
    if image.mode in ("I", "I;16", "I;16L", "I;16B", "I;16N"):
        # 16-bit grey: a plain convert("L") clips everything above 255 to white; scale instead.
        image = _replaced(image, image.convert("I").point(lambda value: value / 256).convert("L"))
    elif image.mode == "1":
        image = _replaced(image, image.convert("L"))
    has_alpha = image.mode in ("RGBA", "LA", "La", "RGBa", "PA") or ("transparency" in image.info)
    if image.mode in ("P", "PA", "LA", "La", "RGBa") or (has_alpha and image.mode in ("L", "RGB")):
        image = _replaced(image, image.convert("RGBA" if has_alpha else "RGB"))
    if not profile and image.mode in ("RGB", "RGBA"):
        return image  # already sRGB by convention

    alpha = image.getchannel("A") if image.mode == "RGBA" else None
    colour = image.convert("RGB") if image.mode == "RGBA" else image
    converted = _profile_to_srgb(colour, profile) if profile else None
    if converted is None:
        # No profile (already sRGB by convention), or one lcms cannot use: Pillow's own
        # conversion (CMYK inversion for Adobe JPEGs happens at decoding) is the best left.
        converted = colour if colour.mode == "RGB" else colour.convert("RGB")
    if colour is not image and colour is not converted:
        colour.close()
    if alpha is not None:
        converted.putalpha(alpha)
    return _replaced(image, converted)


def _profile_to_srgb(image: Image.Image, profile: bytes) -> Image.Image | None:
    """`image` converted from its embedded ICC profile to sRGB, or None if that fails."""
    if image.mode not in ("RGB", "CMYK", "L"):
        return None
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        return ImageCms.profileToProfile(
            image,
            source,
            _srgb_profile(),
            renderingIntent=ImageCms.Intent.PERCEPTUAL,
            outputMode="RGB",
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        # A profile that does not match the pixels (an RGB profile on a CMYK JPEG) or a
        # damaged one: the photo is still worth keeping with a plain conversion.
        return None


@functools.cache
def _srgb_profile() -> ImageCms.ImageCmsProfile:
    # Built on first use, not at import time.
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


# -- messages --------------------------------------------------------------------------------


def _display_name(original_name: str) -> str:
    """The officer's file name, safe to show: no folders, no control characters, not too long."""
    base = re.split(r"[\\/]", original_name or "")[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    if len(base) > 100:
        base = base[:97] + "..."
    return base or "the photo"


def _not_accepted(name: str, data: bytes) -> InvalidPhoto:
    kind = _describe_content(data)
    if kind is None:
        # Looks like an accepted type by its first bytes but Pillow could not open it.
        return _damaged(name)
    if kind == "a HEIC photo":
        advice = N_(
            "on an iPhone choose Settings › Camera › Formats › Most Compatible, "
            "or export the photo as JPEG, and try again"
        )
    else:
        advice = N_("export it as JPEG and try again")
    return InvalidPhoto(
        name, N_("is not a JPEG, PNG or WebP image (its content is {kind})"), advice, kind=kind
    )


def _damaged(name: str) -> InvalidPhoto:
    return InvalidPhoto(
        name, N_("could not be read as an image (the file is damaged or incomplete)"), _SEND_AGAIN
    )


def _describe_content(data: bytes) -> str | None:
    """What the bytes look like, in words (catalogue strings), for the message only (never to
    decide anything).

    None when they start like a JPEG, PNG or WebP file.
    """
    head = data[:64]
    if head.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")) or (
        head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    ):
        return None
    if head.startswith(b"%PDF"):
        return N_("a PDF document")
    if head.startswith((b"GIF87a", b"GIF89a")):
        return N_("a GIF image")
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"):
            return N_("a HEIC photo")
        if brand in (b"avif", b"avis"):
            return N_("an AVIF image")
        return N_("a video")
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return N_("a TIFF image")
    if head.startswith(b"BM"):
        return N_("a BMP image")
    if head.startswith(b"PK\x03\x04"):
        return N_("a ZIP archive or an Office document")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return N_("an Office document")
    if b"<svg" in data[:1024].lower():
        return N_("an SVG drawing")
    try:
        text = data[:1024].decode("utf-8")
    except UnicodeDecodeError:
        return N_("not a picture this hub recognises")
    if all(ch.isprintable() or ch in "\r\n\t" for ch in text):
        return N_("text")
    return N_("not a picture this hub recognises")


def _human_size(size: int) -> str:
    """Bytes as people say them: "14.2 MB", "10 MB", "200 KB"."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return f"{_trim(size / scale)} {unit}"
    return f"{size} bytes"


def _megapixels(pixels: int) -> str:
    return _trim(pixels / 1_000_000)


def _trim(value: float) -> str:
    """Short numbers for people: 14.2, 10, 108, and 0.02 for the small limits of tests."""
    if value < 1:
        return f"{value:.2g}"
    text = f"{value:.1f}" if value < 100 else f"{value:.0f}"
    return text.removesuffix(".0")
