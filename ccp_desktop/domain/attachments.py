"""Evidence files on records: which files are allowed, how large, and how photos are made ready.

The type is decided by the file's content (its first bytes), never by its name: a PDF renamed `.jpg`
is a PDF, a text file renamed `.pdf` is refused. Photos are re-encoded so that they travel light and say
no more than they should: turned upright by their EXIF orientation, the long side brought down to 1600
pixels, and every metadata block dropped (GPS position with it) unless the officer keeps the location.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ccp_desktop.errors import Problem, ValidationError

JPEG, PNG, PDF = "image/jpeg", "image/png", "application/pdf"
MEDIA_TYPES = (JPEG, PNG, PDF)
EXTENSIONS = {JPEG: ".jpg", PNG: ".png", PDF: ".pdf"}
# Whom the record kinds are called by on the command line and in messages, and which reference holds them.
TARGETS = {"activity": ("activities", "activity_id"), "delivery": ("equipment_deliveries", "delivery_id"),
           "item": ("equipment_items", "item_id")}
REFERENCE_OF = {table: column for table, column in TARGETS.values()}

# A file must fit in one companion archive part (9 MB, under e-mail's 10 MB); a record's files together
# must still reach HQ in a few e-mails.
FILE_LIMIT = 8 * 1024 * 1024
RECORD_LIMIT = 40 * 1024 * 1024
# Larger input is refused before decoding (a phone photo is 3-12 MB; a scanned PDF may be larger than
# its limit only if it is refused anyway).
INPUT_LIMIT = 60 * 1024 * 1024
LONG_SIDE = 1600
JPEG_QUALITY = 85
MAX_PIXELS = 80_000_000  # a decompression bomb is refused, not decoded
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class PreparedFile:
    """A file made ready for storing: the bytes as they will be kept, and what they are."""

    file_name: str
    media_type: str
    data: bytes
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)


def sniff_media_type(data: bytes) -> str | None:
    """JPEG, PNG or PDF by the content's signature; None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if b"%PDF-" in data[:1024]:  # the PDF standard lets a header follow a few junk bytes
        return PDF
    return None


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def refuse(file_name: str, message: str) -> ValidationError:
    """The error for a file that cannot be attached, naming it."""
    return ValidationError([Problem("file", f"{file_name}: {message}", file_name)])


def check_input_size(file_name: str, size: int) -> None:
    """Refuse, before reading it, a file far too large to be made ready."""
    if size == 0:
        raise refuse(file_name, "the file is empty")
    if size > INPUT_LIMIT:
        raise refuse(file_name, f"the file is {megabytes(size)}; files over {megabytes(INPUT_LIMIT)} are refused")


def prepare_file(file_name: str, data: bytes, *, keep_location: bool = False) -> PreparedFile:
    """Check a file and make it ready to store. Raises ValidationError naming the file."""
    check_input_size(file_name, len(data))
    media_type = sniff_media_type(data)
    if media_type is None:
        raise refuse(file_name, "not a JPEG or PNG photo or a PDF scan (judged by its content, not its name)")
    if media_type != PDF:
        data = _prepare_image(file_name, data, media_type, keep_location)
    if len(data) > FILE_LIMIT:
        raise refuse(file_name, f"the file is {megabytes(len(data))}; the limit for one file is {megabytes(FILE_LIMIT)} "
                                 "(scan at a lower resolution, or split the document)")
    return PreparedFile(file_name, media_type, data, sha256_of(data))


def _prepare_image(file_name: str, data: bytes, media_type: str, keep_location: bool) -> bytes:
    """Upright, at most LONG_SIDE pixels on the long side, metadata dropped unless the location is kept.
    A small JPEG with nothing to drop or turn is kept as it is (no second round of compression)."""
    from PIL import Image, ImageOps

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            image.load()
    except Exception as exc:  # Pillow raises many kinds for a damaged or hostile image
        raise refuse(file_name, f"the image cannot be read ({type(exc).__name__}); it may be damaged") from None
    exif = image.getexif()
    has_metadata = bool(exif) or bool(image.info.get("exif")) or "xmp" in image.info or "icc_profile" in image.info
    if media_type == JPEG and max(image.size) <= LONG_SIDE and not has_metadata:
        return data
    upright = ImageOps.exif_transpose(image) or image
    if max(upright.size) > LONG_SIDE:
        upright.thumbnail((LONG_SIDE, LONG_SIDE), Image.Resampling.LANCZOS)
    options: dict[str, Any] = {}
    if keep_location and exif:
        kept = upright.getexif()  # exif_transpose removed the orientation tag; GPS and the rest stay
        options["exif"] = kept.tobytes()
    out = io.BytesIO()
    if media_type == PNG:
        upright.save(out, format="PNG", optimize=True, **options)
    else:
        if upright.mode not in ("RGB", "L"):
            upright = upright.convert("RGB")
        upright.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, **options)
    return out.getvalue()


def check_record_total(existing: int, adding: list[PreparedFile], label: str) -> None:
    """The per-record limit, naming the file that would pass it."""
    total = existing
    for prepared in adding:
        total += prepared.size
        if total > RECORD_LIMIT:
            raise refuse(prepared.file_name, f"this {label} would hold {megabytes(total)} of attachments; the limit "
                                              f"for one record is {megabytes(RECORD_LIMIT)}")


def attachment_rules(rec: Mapping[str, Any], ref: object = None) -> list[Problem]:
    """Rules of an attachment record (at the post, and for every row HQ imports)."""
    out = []
    targets = [column for column in REFERENCE_OF.values() if rec.get(column)]
    if len(targets) != 1:
        out.append(Problem("activity_id", "an attachment belongs to exactly one activity, delivery or item",
                           ", ".join(targets) or None))
    if not _SHA256.fullmatch(str(rec.get("sha256") or "")):
        out.append(Problem("sha256", "not a SHA-256 in hexadecimal", rec.get("sha256")))
    if rec.get("media_type") not in MEDIA_TYPES:
        out.append(Problem("media_type", "only JPEG, PNG and PDF files are attached", rec.get("media_type")))
    size = rec.get("size_bytes")
    if not isinstance(size, int) or not 0 < size <= FILE_LIMIT:
        out.append(Problem("size_bytes", f"an attachment holds 1 byte to {megabytes(FILE_LIMIT)}", size))
    return out
