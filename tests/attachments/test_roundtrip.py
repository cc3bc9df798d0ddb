"""Evidence from the post to HQ, byte for byte: through e-mail-sized archives, re-saved workbooks, late,
lost, truncated and swapped archives, and deletions."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

from ccp_desktop.domain import attachments as att
from ccp_desktop.store.attachments import (
    attach_files,
    detach,
    list_attachments,
    read_blob,
    read_files,
)
from ccp_desktop.sync.attachments_in import import_parts
from ccp_desktop.sync.attachments_out import PART_LIMIT
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.importer import import_package
from tests.attachments.conftest import jpeg_bytes, noisy_jpeg, pdf_bytes
from tests.sync.conftest import add_sample, snapshot


def attach_evidence(post, files) -> tuple[dict, dict[str, str]]:
    """A delivery with its signed handover form and a photo of the serial plate, a training's attendance
    photo; returns the sample records and each file's SHA-256 by name, as stored at the post."""
    sample = add_sample(post)
    form = attach_files(post, "delivery", sample["delivery"]["id"], read_files([files("handover-signed.pdf", pdf_bytes())]),
                        signed_form=True)
    plate = attach_files(post, "item", sample["item"]["id"], read_files([files("plate.jpg", jpeg_bytes(orientation=3))]))
    room = attach_files(post, "activity", sample["activity"]["id"], read_files([files("room.jpg", jpeg_bytes(seed=2))]))
    return sample, {a["file_name"]: a["sha256"] for a in form + plate + room}


def move_parts(parts: list[Path], folder: Path) -> list[Path]:
    folder.mkdir(exist_ok=True)
    return [Path(shutil.move(str(p), folder / p.name)) for p in parts]


def test_round_trip_is_byte_for_byte(post, hq, outbox, files):
    sample, hashes = attach_evidence(post, files)
    exported = export_package(post, outbox)
    assert exported.counts["attachments"] == 3 and [p.name for p in exported.parts] == [exported.path.stem + ".att-01.zip"]
    result = import_package(hq, exported.path)
    assert result.status == "applied" and "Attachments: 3 stored" in result.message, result.message
    at_hq = list_attachments(hq, "delivery", sample["delivery"]["id"])
    assert [(a.file_name, a.signed_form, a.state) for a in at_hq] == [("handover-signed.pdf", True, "present")]
    for name, sha in hashes.items():
        assert read_blob(hq, sha) == read_blob(post, sha), name
        assert att.sha256_of(read_blob(hq, sha) or b"") == sha


def test_records_arrive_before_their_archive_and_are_completed_later(post, hq, outbox, files, tmp_path):
    sample, hashes = attach_evidence(post, files)
    exported = export_package(post, outbox)
    later = move_parts(exported.parts, tmp_path / "second-email")
    result = import_package(hq, exported.path)
    assert result.status == "applied" and "3 attachment file(s) still expected" in " ".join(result.warnings)
    assert [a.state for a in list_attachments(hq, "item", sample["item"]["id"])] == ["expected"]
    done = import_parts(hq, later)
    assert done.ok and sorted(done.stored) == sorted(hashes.values()) and done.still_expected == 0
    assert [a.state for a in list_attachments(hq, "item", sample["item"]["id"])] == ["present"]
    again = import_parts(hq, later)  # the same e-mail twice
    assert again.ok and again.stored == [] and again.already == 3


def test_archive_before_its_workbook_is_refused_and_changes_nothing(post, hq, outbox, files):
    attach_evidence(post, files)
    exported = export_package(post, outbox)
    before = snapshot(hq)
    early = import_parts(hq, exported.parts)
    assert not early.ok and "import the package workbook first" in early.refused[exported.parts[0]]
    assert snapshot(hq) == before and hq.execute("SELECT count(*) FROM attachment_blobs").fetchone()[0] == 0


def _rewrite_part(part: Path, change) -> None:
    with zipfile.ZipFile(part) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    members = change(members)
    with zipfile.ZipFile(part, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


@pytest.mark.parametrize("damage", ["truncated", "swapped", "altered"])
def test_a_damaged_or_tampered_archive_is_refused_by_name(post, hq, outbox, files, tmp_path, damage):
    sample, hashes = attach_evidence(post, files)
    exported = export_package(post, outbox)
    parts = move_parts(exported.parts, tmp_path / "usb")
    assert import_package(hq, exported.path).status == "applied"
    part = parts[0]
    if damage == "truncated":
        part.write_bytes(part.read_bytes()[: part.stat().st_size // 2])
    elif damage == "swapped":  # each file under the other's name
        def swap(members):
            a, b = sorted(members)[:2]
            return {a: members[b], b: members[a], **{k: v for k, v in members.items() if k not in (a, b)}}
        _rewrite_part(part, swap)
    else:  # one byte of the signed form changed
        def alter(members):
            name = next(n for n in members if n.startswith(hashes["handover-signed.pdf"]))
            return {**members, name: members[name].replace(b"Signed", b"Forged")}
        _rewrite_part(part, alter)
    before = snapshot(hq)
    result = import_parts(hq, [part])
    assert not result.ok and part in result.refused and result.stored == []
    reason = result.refused[part]
    expected_words = {"truncated": "damaged or incomplete", "swapped": "does not match its SHA-256",
                      "altered": f"{hashes['handover-signed.pdf']}.pdf does not match its SHA-256"}[damage]
    assert expected_words in reason
    assert snapshot(hq) == before and hq.execute("SELECT count(*) FROM attachment_blobs").fetchone()[0] == 0
    assert [a.state for a in list_attachments(hq, "delivery", sample["delivery"]["id"])] == ["expected"]


def test_a_thirty_megabyte_set_travels_in_email_sized_parts(post, hq, outbox, files, tmp_path):
    sample = add_sample(post)
    photos = [files(f"p{i:02d}.jpg", noisy_jpeg(i, quality=95)) for i in range(22)]
    prepared = read_files(photos)
    targets = [("activity", sample["activity"]["id"]), ("delivery", sample["delivery"]["id"]), ("item", sample["item"]["id"])]
    for index, (kind, rid) in enumerate(targets):
        attach_files(post, kind, rid, prepared[index::3])  # each record under its 40 MB limit
    total = sum(p.size for p in prepared)
    assert 28 * 1024 * 1024 <= total <= 36 * 1024 * 1024, total  # about 30 MB of photos
    exported = export_package(post, outbox)
    assert len(exported.parts) >= 3 and all(p.stat().st_size <= PART_LIMIT for p in exported.parts)
    result = import_package(hq, exported.path)
    assert result.status == "applied" and f"Attachments: {len(prepared)} stored" in result.message
    for photo in prepared:
        assert read_blob(hq, photo.sha256) == photo.data


def test_deleting_and_detaching_travel_as_tombstones(post, hq, outbox, files):
    sample, hashes = attach_evidence(post, files)
    assert import_package(hq, export_package(post, outbox).path).status == "applied"
    detach(post, "activity", sample["activity"]["id"], hashes["room.jpg"][:12])
    from ccp_desktop.store.records import tombstone_record

    tombstone_record(post, "equipment_deliveries", sample["delivery"]["id"])  # its items and their evidence go with it
    second = export_package(post, outbox)
    assert second.parts == []  # nothing new to carry
    assert import_package(hq, second.path).status == "applied"
    for kind, rid in (("activity", sample["activity"]["id"]), ("delivery", sample["delivery"]["id"]),
                      ("item", sample["item"]["id"])):
        assert list_attachments(hq, kind, rid) == []
    live = hq.execute("SELECT count(*) FROM attachments WHERE deleted = 0").fetchone()[0]
    assert live == 0


def test_the_same_file_on_two_records_is_stored_once(post, files):
    sample = add_sample(post)
    scan = files("form.pdf", pdf_bytes())
    attach_files(post, "delivery", sample["delivery"]["id"], read_files([scan]))
    attach_files(post, "item", sample["item"]["id"], read_files([scan]))
    assert post.execute("SELECT count(*) FROM attachment_blobs").fetchone()[0] == 1
    with pytest.raises(Exception, match="form.pdf: this equipment delivery holds the same file already"):
        attach_files(post, "delivery", sample["delivery"]["id"], read_files([scan]))


def _resave_openpyxl(path: Path, out: Path) -> Path:
    openpyxl.load_workbook(path).save(out)
    return out


@pytest.mark.parametrize("tool", ["openpyxl", "libreoffice"])
def test_a_resaved_workbook_still_brings_its_evidence(post, hq, outbox, files, tmp_path, tool, request):
    sample, hashes = attach_evidence(post, files)
    exported = export_package(post, outbox)
    resaved = tmp_path / "resaved"
    resaved.mkdir()
    if tool == "openpyxl":
        copy = _resave_openpyxl(exported.path, resaved / exported.path.name)
    else:
        soffice = request.getfixturevalue("soffice")
        subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'lo'}", "--headless", "--convert-to", "xlsx",
                        "--outdir", str(resaved), str(exported.path)], check=True, capture_output=True, timeout=180)
        copy = resaved / exported.path.name
    for part in exported.parts:
        shutil.copy(part, resaved / part.name)
    result = import_package(hq, copy)
    assert result.status == "applied", result.errors
    assert "Attachments: 3 stored" in result.message
    for sha in hashes.values():
        assert read_blob(hq, sha) == read_blob(post, sha)


def test_importing_the_package_again_with_its_late_archive_beside_it_completes_the_files(post, hq, outbox, files, tmp_path):
    """What the desk does with a late archive: save it beside the package and import the package again."""
    sample, hashes = attach_evidence(post, files)
    exported = export_package(post, outbox)
    later = move_parts(exported.parts, tmp_path / "later")
    assert import_package(hq, exported.path).status == "applied"
    for part in later:
        shutil.move(str(part), exported.path.parent / part.name)
    again = import_package(hq, exported.path)
    assert again.status == "already-imported" and "Attachments: 3 stored" in again.message
    assert [a.state for a in list_attachments(hq, "delivery", sample["delivery"]["id"])] == ["present"]
