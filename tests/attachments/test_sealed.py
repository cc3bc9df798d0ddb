"""Evidence sealed for HQ's eyes: the archives are sealed like their workbook, HQ opens them transparently,
and a sealed archive altered on the way, or sealed for another HQ, is refused by name and stores nothing."""

from __future__ import annotations

from pathlib import Path

from ccp_desktop.store.attachments import attach_files, list_attachments, read_blob, read_files
from ccp_desktop.sync import hq_keys, seal
from ccp_desktop.sync.attachments_in import import_parts
from ccp_desktop.sync.importer import import_package
from ccp_desktop.sync.sealed_export import export_for_hq
from tests.attachments.conftest import jpeg_bytes, pdf_bytes
from tests.sync.conftest import add_sample, snapshot


def _sealed_with_evidence(post, hq, files, tmp_path: Path):
    key_file, _ = hq_keys.export_hq_key(hq, tmp_path / "hq-key.txt")
    hq_keys.learn_hq_key_file(post, key_file)
    sample = add_sample(post)
    attach_files(post, "delivery", sample["delivery"]["id"], read_files([files("signed.pdf", pdf_bytes())]), signed_form=True)
    attach_files(post, "item", sample["item"]["id"], read_files([files("plate.jpg", jpeg_bytes(2000, 1500))]))
    return sample, export_for_hq(post, tmp_path / "usb")


def test_archives_are_sealed_like_the_workbook_and_hq_opens_them(post, hq, files, tmp_path):
    sample, sent = _sealed_with_evidence(post, hq, files, tmp_path)
    [part] = sent.parts_to_send
    assert part.name == sent.export.parts[0].name + ".age" and seal.is_sealed(part)
    assert sorted(p.name for p in (tmp_path / "usb").iterdir()) == sorted([sent.send_path.name, part.name])  # nothing plain
    result = import_package(hq, sent.send_path)
    assert result.status == "applied" and "Attachments: 2 stored" in result.message, result.message
    [form] = list_attachments(hq, "delivery", sample["delivery"]["id"])
    assert form.present and read_blob(hq, form.sha256) == read_blob(post, form.sha256)


def test_a_sealed_archive_altered_or_for_another_hq_is_refused_by_name(post, hq, sites, files, tmp_path):
    _sample, sent = _sealed_with_evidence(post, hq, files, tmp_path)
    [part] = sent.parts_to_send
    later = tmp_path / "later"
    later.mkdir()
    part = part.rename(later / part.name)
    assert import_package(hq, sent.send_path).status == "applied"
    before = snapshot(hq)
    cut = later / ("cut-" + part.name)
    cut.write_bytes(part.read_bytes()[:-200])
    refused = import_parts(hq, [cut])
    assert not refused.ok and "was altered or cut short after it was sealed" in refused.refused[cut]
    other_hq = sites("AU-OTHER", role="hq", officer="Other HQ")
    hq_keys.export_hq_key(other_hq, tmp_path / "other-key.txt")  # makes the other HQ's own keys
    assert import_parts(other_hq, [part]).refused[part].startswith(f"{part.name} is sealed for another recipient")
    assert snapshot(hq) == before and hq.execute("SELECT count(*) FROM attachment_blobs").fetchone()[0] == 0
    assert import_parts(hq, [part]).stored  # the intact one still completes them
