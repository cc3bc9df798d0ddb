"""What an officer may attach, judged by content, and how photos are made ready to travel."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from ccp_desktop.domain import attachments as att
from ccp_desktop.errors import ValidationError
from tests.attachments.conftest import jpeg_bytes, pdf_bytes, png_bytes


def test_type_is_judged_by_content_not_name():
    assert att.prepare_file("scan.jpg", pdf_bytes()).media_type == att.PDF  # a PDF named .jpg is a PDF
    with pytest.raises(ValidationError) as caught:
        att.prepare_file("notes.pdf", b"these are not the minutes you are looking for")
    assert "notes.pdf" in str(caught.value) and "not a JPEG or PNG photo or a PDF" in str(caught.value)
    with pytest.raises(ValidationError, match="empty.pdf: the file is empty"):
        att.prepare_file("empty.pdf", b"")


def test_phone_photo_is_turned_upright_shrunk_and_loses_its_location():
    raw = jpeg_bytes(4000, 3000, orientation=6, gps=True)  # 6: the camera was held on its side
    ready = att.prepare_file("IMG_0001.JPG", raw)
    image = Image.open(io.BytesIO(ready.data))
    assert image.format == "JPEG" and image.size == (1200, 1600)  # upright: portrait, long side 1600
    assert 0x8825 not in image.getexif() and 0x0112 not in image.getexif()
    assert image.getpixel((1200 - 10, 10))[0] > 150  # the red corner is now top right: turned, not just resized
    assert ready.size < len(raw) and ready.sha256 == att.sha256_of(ready.data)


def test_location_is_kept_only_when_the_officer_asks():
    ready = att.prepare_file("site.jpg", jpeg_bytes(2000, 1500, gps=True), keep_location=True)
    exif = Image.open(io.BytesIO(ready.data)).getexif()
    assert 0x8825 in exif and exif.get_ifd(0x8825)[1] == "S"


def test_small_clean_jpeg_is_kept_byte_for_byte_and_png_stays_png():
    clean = io.BytesIO()
    Image.new("RGB", (640, 480), (1, 2, 3)).save(clean, format="JPEG")
    assert att.prepare_file("a.jpg", clean.getvalue()).data == clean.getvalue()
    ready = att.prepare_file("plan.png", png_bytes(3200, 1000))
    assert ready.media_type == att.PNG and Image.open(io.BytesIO(ready.data)).size == (1600, 500)


def test_size_limits_name_the_file():
    big_pdf = pdf_bytes(pad=att.FILE_LIMIT + 10)
    with pytest.raises(ValidationError) as caught:
        att.prepare_file("whole-binder.pdf", big_pdf)
    assert "whole-binder.pdf" in str(caught.value) and "limit for one file is 8.0 MB" in str(caught.value)
    files = [att.prepare_file(f"scan{i}.pdf", pdf_bytes(pad=7 * 1024 * 1024 + i)) for i in range(6)]
    with pytest.raises(ValidationError) as caught:
        att.check_record_total(0, files, "delivery")
    assert "scan5.pdf" in str(caught.value) and "limit for one record is 40.0 MB" in str(caught.value)


def test_damaged_image_is_refused_by_name():
    with pytest.raises(ValidationError, match="broken.jpg: the image cannot be read"):
        att.prepare_file("broken.jpg", jpeg_bytes(800, 600)[:400])
