"""The hostile package corpus, generated from valid packages (no binary blobs in the repository).

`build_corpus(world, out)` writes one file per case into `out` and returns the cases: what a mail
gateway, a damaged USB stick or an attacker could hand HQ (or a post). Run it alone to look at the files:
    python -m tests.reliability.hostile_corpus /tmp/corpus
"""

from __future__ import annotations

import base64
import io
import os
import re
import shutil
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl

from ccp_desktop.paths import key_path_for
from ccp_desktop.store.connection import open_database
from ccp_desktop.store.records import insert_record, update_record
from ccp_desktop.sync import format as fmt
from ccp_desktop.sync import signing
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.identity import initialise
from ccp_desktop.sync.importer import import_package
from ccp_desktop.sync.receipts import write_receipt
from tests.reliability.helpers import know_hq
from tests.unit import factories as f

REFUSED, WARNED, ACCEPTED, NO_OP = "rejected", "applied-with-warning", "applied", "already-imported"


@dataclass(frozen=True)
class Case:
    name: str
    path: Path
    expect: str = REFUSED
    at: str = "hq"  # which database it is imported into: "hq", "hq-after-first" (P1 applied) or "post"
    needle: str = ""  # a word the explanation must contain (a sheet, a column: never a whole sentence)


@dataclass
class World:
    """Valid material: two packages from FJ-SUVA (the second refers to records in the first), one from
    another post, HQ's receipt for each, and the keys and databases they came from."""

    root: Path
    post: Path
    other_post: Path
    hq: Path  # FJ-SUVA's key registered, nothing imported
    hq_after_first: Path  # p1 imported
    post_after_receipt: Path  # the genuine receipt imported: HQ's key is known
    p1: Path
    p2: Path
    other_package: Path
    receipt: Path  # for FJ-SUVA
    other_receipt: Path  # for TO-NUKU


def make_world(root: Path) -> World:
    sites = root / "sites"

    def site(code: str, role: str = "field") -> Path:
        path = sites / code / f"{code}.sqlite3"
        initialise(path, post_code=code, officer=f"Officer {code}", role=role)
        return path

    post_path, other_path, hq_path = site("FJ-SUVA"), site("TO-NUKU"), site("AU-HQ", "hq")
    know_hq(post_path, hq_path)
    know_hq(other_path, hq_path)
    post, other = open_database(post_path), open_database(other_path)
    partner = insert_record(post, "partners", f.partner())
    activities = [insert_record(post, "activities", f.activity(title=f"Training {n}")) for n in range(12)]
    insert_record(post, "activity_partners", {"activity_id": activities[0]["id"], "partner_id": partner["id"], "role": "lead"})
    delivery = insert_record(post, "equipment_deliveries", f.delivery(partner["id"], activity_id=activities[0]["id"]))
    insert_record(post, "equipment_items", f.item(delivery["id"], serials=["SN-1", "SN-2"], quantity=2))
    p1 = export_package(post, root / "outbox").path
    update_record(post, "activities", activities[1]["id"], {"status": "cancelled"})
    insert_record(post, "activity_partners", {"activity_id": activities[2]["id"], "partner_id": partner["id"], "role": "implementing"})
    insert_record(post, "equipment_items", f.item(delivery["id"], serials=["SN-3"], quantity=1))
    p2 = export_package(post, root / "outbox").path
    insert_record(other, "partners", f.partner(name="Tonga CERT", country="TO"))
    other_package = export_package(other, root / "outbox-other").path
    hq = open_database(hq_path)
    from ccp_desktop.store import sync_state

    key = signing.public_key_text(signing.load_private_key(key_path_for(post_path)))
    sync_state.pin_peer(hq, "FJ-SUVA", key, signing.fingerprint(key), "registered")
    hq.close()
    after = _copy_site(hq_path, sites / "AU-HQ-after")
    hq2 = open_database(after)
    assert import_package(hq2, p1).status == "applied"
    assert import_package(hq2, other_package).status == "applied"
    receipt = write_receipt(hq2, "FJ-SUVA", root / "receipts").path
    other_receipt = write_receipt(hq2, "TO-NUKU", root / "receipts").path
    for db in (post, other, hq2):
        db.close()
    post_after = _copy_site(post_path, sites / "FJ-SUVA-after")
    db = open_database(post_after)
    assert import_package(db, receipt).status == "applied"
    db.close()
    return World(root, post_path, other_path, hq_path, after, post_after, p1, p2, other_package, receipt, other_receipt)


def _copy_site(db_path: Path, folder: Path) -> Path:
    """A copy of a closed site (database and key) in `folder`."""
    folder.mkdir(parents=True)
    for source in db_path.parent.iterdir():
        if source.is_file() and not source.name.endswith(("-wal", "-shm")):
            shutil.copy2(source, folder / source.name)
    return folder / db_path.name


# ---- editing tools ------------------------------------------------------------------------------------

def read_entries(path: Path) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(path) as archive:
        return [(info, archive.read(info)) for info in archive.infolist()]


def write_entries(entries: list[tuple[str | zipfile.ZipInfo, bytes]], out: Path,
                  compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(out, "w", compression) as archive:
        for info, data in entries:
            name = info.filename if isinstance(info, zipfile.ZipInfo) else info
            archive.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), data, compress_type=compression)
    return out


def sheet_entry(path: Path, sheet: str) -> str:
    """The zip entry holding `sheet` (by the workbook's own map)."""
    with zipfile.ZipFile(path) as archive:
        book = archive.read("xl/workbook.xml").decode()
        rels = archive.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'<sheet [^>]*name="{re.escape(sheet)}"[^>]*r:id="([^"]+)"', book)
    assert rid, sheet
    target = re.search(rf'<Relationship [^>]*Id="{rid.group(1)}"[^>]*Target="([^"]+)"', rels) or \
        re.search(rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid.group(1)}"', rels)
    assert target
    name = target.group(1)
    return name.lstrip("/") if name.startswith("/") else f"xl/{name}"


def edit_entry(src: Path, out: Path, name: str, change: Callable[[bytes], bytes]) -> Path:
    entries = [(info, change(data) if info.filename == name else data) for info, data in read_entries(src)]
    return write_entries(entries, out)  # type: ignore[arg-type]


def edit_sheet_xml(src: Path, out: Path, sheet: str, change: Callable[[str], str]) -> Path:
    return edit_entry(src, out, sheet_entry(src, sheet), lambda data: change(data.decode()).encode())


def edit_book(src: Path, out: Path, change: Callable[[Any], None]) -> Path:
    book = openpyxl.load_workbook(src)
    change(book)
    book.save(out)
    return out


def manifest_of(book: Any) -> dict[str, Any]:
    return {row[0].value: row[1] for row in book[fmt.MANIFEST_SHEET].iter_rows(min_row=2) if row[0].value}


def resign(book: Any, key_db: Path, **changes: str) -> None:
    """Change manifest entries and sign again with the key beside `key_db`: a consistent forgery."""
    cells = manifest_of(book)
    for name, value in changes.items():
        if name in cells:
            cells[name].value = value
        else:
            book[fmt.MANIFEST_SHEET].append([name, value])
            cells = manifest_of(book)
    key = signing.load_private_key(key_path_for(key_db))
    cells["public_key"].value = signing.public_key_text(key)
    manifest = {k: fmt.manifest_text(c.value) for k, c in cells.items()}
    cells[fmt.SIGNATURE_KEY].value = signing.sign(key, fmt.manifest_message(manifest))


def column(sheet: Any, key: str) -> int:
    return [c.value for c in sheet[1]].index(key) + 1


def set_cell(sheet_name: str, key: str, value: Any, row: int = 2) -> Callable[[Any], None]:
    def change(book: Any) -> None:
        sheet = book[sheet_name]
        sheet.cell(row, column(sheet, key)).value = value
    return change


# ---- the cases -----------------------------------------------------------------------------------------

def build_corpus(w: World, out: Path) -> list[Case]:
    out.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []
    p1 = w.p1

    def add(name: str, make: Callable[[Path], Any], expect: str = REFUSED, at: str = "hq", needle: str = "") -> None:
        target = out / f"{len(cases) + 1:02d}-{name}.xlsx"
        make(target)
        cases.append(Case(name, target, expect, at, needle))

    raw = p1.read_bytes()
    # The container
    add("empty", lambda t: t.write_bytes(b""))
    add("not-a-zip", lambda t: t.write_text("Hello HQ, the package is attached.\n" * 50))
    add("pdf-renamed", lambda t: t.write_bytes(b"%PDF-1.7\n" + os.urandom(4000)))
    add("truncated-half", lambda t: t.write_bytes(raw[: len(raw) // 2]))
    add("truncated-tail", lambda t: t.write_bytes(raw[:-30]))
    add("truncated-head", lambda t: t.write_bytes(raw[:100]))
    add("garbage-in-the-middle", lambda t: t.write_bytes(raw[:2000] + os.urandom(3000) + raw[5000:]))
    add("flipped-deflate-bytes", lambda t: t.write_bytes(_flip_inside_entry(p1, "xl/workbook.xml")))
    add("zip-without-workbook", lambda t: write_entries([("hello.txt", b"hi"), ("docProps/app.xml", b"<a/>")], t))
    add("zip-bomb-ratio", lambda t: edit_entry(p1, t, sheet_entry(p1, "activities"),
                                               lambda d: d + b" " * (60 * 1024 * 1024)))
    add("zip-bomb-shared-strings", lambda t: write_entries(
        [*((i, d) for i, d in read_entries(p1)), ("xl/sharedStrings.xml", b"<sst>" + b"A" * (50 * 1024 * 1024))], t))
    add("zip-bomb-entry-count", lambda t: write_entries(
        [*((i, d) for i, d in read_entries(p1)), *((f"xl/media/pad{n}.bin", b"x") for n in range(2500))], t))
    add("duplicate-zip-entries", lambda t: _duplicate_entry(p1, t, sheet_entry(p1, "activities")))
    add("encrypted-entry-flag", lambda t: t.write_bytes(_set_flag(raw, 0x1)))
    add("unknown-compression", lambda t: t.write_bytes(_set_method(raw, 99)))
    add("stored-not-deflated", lambda t: write_entries(read_entries(p1), t, zipfile.ZIP_STORED), expect=ACCEPTED)
    # XML parsers
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
              "".join(f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10 if n > 1 else "&lol;" * 10}">' for n in range(1, 10)) +
              ']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol9;</t></si></sst>')
    add("billion-laughs", lambda t: write_entries([*read_entries(p1), ("xl/sharedStrings.xml", laughs.encode())], t))  # type: ignore[list-item]
    add("external-entity", lambda t: edit_sheet_xml(p1, t, "activities", lambda x: x.replace(
        "<worksheet", '<!DOCTYPE w [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><worksheet', 1)))
    add("external-entity-in-workbook", lambda t: edit_entry(p1, t, "xl/workbook.xml", lambda d: d.replace(
        b"<workbook", b'<!DOCTYPE w [<!ENTITY xxe SYSTEM "http://example.invalid/x">]><workbook', 1)))
    add("parameter-entity", lambda t: edit_entry(p1, t, "[Content_Types].xml", lambda d: d.replace(
        b"<Types", b'<!DOCTYPE t [<!ENTITY % p SYSTEM "file:///etc/hostname"> %p;]><Types', 1)))
    add("utf16-doctype", lambda t: edit_entry(p1, t, "xl/workbook.xml", lambda d: (
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE w [<!ENTITY a "b">]>'
        + d.decode().split("?>", 1)[-1]).encode("utf-16")))
    add("external-link-part", lambda t: write_entries([*read_entries(p1), ("xl/externalLinks/externalLink1.xml", b"<externalLink/>")], t))  # type: ignore[list-item]
    add("macros", lambda t: write_entries([*read_entries(p1), ("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0macro")], t))  # type: ignore[list-item]
    add("malformed-sheet-xml", lambda t: edit_sheet_xml(p1, t, "activities", lambda x: x[: len(x) // 2]))
    add("malformed-workbook-xml", lambda t: edit_entry(p1, t, "xl/workbook.xml", lambda d: d[:-40]))
    add("missing-workbook-rels", lambda t: write_entries([(i, d) for i, d in read_entries(p1) if i.filename != "xl/_rels/workbook.xml.rels"], t))  # type: ignore[misc]
    add("missing-content-types", lambda t: write_entries([(i, d) for i, d in read_entries(p1) if i.filename != "[Content_Types].xml"], t),  # type: ignore[misc]
        expect=ACCEPTED)  # every value still verifies; no reader here needs the content types
    add("sheet-is-binary-garbage", lambda t: edit_entry(p1, t, sheet_entry(p1, "partners"), lambda d: os.urandom(len(d))))
    add("invalid-utf8-in-sheet", lambda t: edit_entry(p1, t, sheet_entry(p1, "activities"),
                                                      lambda d: d.replace(b"Training 3", b"Training \xff\xfe3", 1)))
    add("styles-missing", lambda t: write_entries([(i, d) for i, d in read_entries(p1) if i.filename != "xl/styles.xml"], t))  # type: ignore[misc]
    add("style-index-out-of-range", lambda t: edit_sheet_xml(p1, t, "activities", lambda x: re.sub(r' s="\d+"', ' s="9999"', x)))
    # Cells
    add("formula-in-data-cell", lambda t: edit_sheet_xml(p1, t, "activities", lambda x: x.replace(
        "<v>", "<f>1+1</f><v>", 1)), needle="formula")
    add("formula-with-prefix", lambda t: edit_sheet_xml(p1, t, "partners", lambda x: x.replace(
        "<is>", '<x:f xmlns:x="urn:x">SUM(A1)</x:f><is>', 1)), needle="formula")
    add("formula-in-manifest", lambda t: edit_sheet_xml(p1, t, fmt.MANIFEST_SHEET, lambda x: x.replace(
        "</c>", '</c><c r="C2"><f>WEBSERVICE("http://x")</f></c>', 1)), needle="formula")
    add("shared-formula", lambda t: edit_sheet_xml(p1, t, "activities", lambda x: x.replace(
        "<v>", '<f t="shared" ref="A1:A9" si="0">A1</f><v>', 1)), needle="formula")
    add("string-of-10-mb", lambda t: edit_book(p1, t, set_cell("activities", "title", _big_text(10 * 1024 * 1024))))
    add("claims-1048576-rows", lambda t: edit_sheet_xml(p1, t, "activities", lambda x: x.replace(
        "</sheetData>", '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>')))
    add("claims-16384-columns", lambda t: edit_sheet_xml(p1, t, "partners", lambda x: x.replace(
        "</row>", '<c r="XFD2" t="inlineStr"><is><t>x</t></is></c></row>', 2)))
    add("shared-string-out-of-range", lambda t: write_entries(
        [(i, d.replace(b't="inlineStr"><is><t>Training 4</t></is>', b't="s"><v>99999</v>'))
         for i, d in read_entries(p1)] + [("xl/sharedStrings.xml", b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>')], t))  # type: ignore[list-item]
    add("error-cell", lambda t: edit_sheet_xml(p1, t, "activities", lambda x: x.replace(
        't="inlineStr"><is><t>Training 5</t></is>', 't="e"><v>#REF!</v>', 1)))
    add("boolean-in-text-column", lambda t: edit_sheet_xml(p1, t, "activities", lambda x: x.replace(
        't="inlineStr"><is><t>Training 6</t></is>', 't="b"><v>7</v>', 1)))
    add("number-in-id-column", lambda t: edit_book(p1, t, set_cell("activities", "id", 12345)), needle="id")
    add("text-in-money-column", lambda t: edit_book(p1, t, set_cell("activities", "budget_aud", "forty thousand")), needle="budget_aud")
    # read day/month/year (the program's one rule), so a different date: the signature catches it
    add("ambiguous-date-text", lambda t: edit_book(p1, t, set_cell("activities", "start_date", "03/04/2021")),
        needle="activities, hash")
    add("date-as-serial-same-day", lambda t: edit_book(p1, t, set_cell("activities", "end_date", 44260)),
        expect=ACCEPTED)  # 44260 is 2021-03-05, the date exported: the same value, harmless
    add("date-as-serial-other-day", lambda t: edit_book(p1, t, set_cell("activities", "end_date", 45000)))
    add("unknown-code", lambda t: edit_book(p1, t, set_cell("activities", "stream", "HACK")), needle="stream")
    add("negative-participants", lambda t: edit_book(p1, t, set_cell("activities", "participants_female", -5)))
    # Sheets and columns
    add("manifest-missing", lambda t: edit_book(p1, t, lambda b: b.remove(b[fmt.MANIFEST_SHEET])), needle="Manifest")
    add("manifest-renamed", lambda t: edit_book(p1, t, lambda b: setattr(b[fmt.MANIFEST_SHEET], "title", "Manifesto")), needle="Manifest")
    add("data-sheet-missing", lambda t: edit_book(p1, t, lambda b: b.remove(b["activities"])), needle="activities")
    add("data-sheet-renamed", lambda t: edit_book(p1, t, lambda b: setattr(b["partners"], "title", "Partners2")), needle="partners")
    add("duplicated-sheet-name", lambda t: edit_entry(p1, t, "xl/workbook.xml", lambda d: d.replace(
        b'name="activity_partners"', b'name="activities"', 1)))
    add("duplicated-column", lambda t: edit_book(p1, t, set_cell("activities", "status", "title", row=1)), needle="title")
    add("missing-column", lambda t: edit_book(p1, t, lambda b: b["activities"].delete_cols(column(b["activities"], "stream"))), needle="stream")
    add("renamed-column", lambda t: edit_book(p1, t, set_cell("partners", "country", "land", row=1)), needle="country")
    add("header-moved-down", lambda t: edit_book(p1, t, lambda b: b["partners"].insert_rows(1)))
    add("extra-column", lambda t: edit_book(p1, t, lambda b: setattr(b["partners"].cell(1, 40), "value", "comment")),
        needle="cell AN1 holds a column heading")
    # Tampering and signatures
    add("tampered-title", lambda t: edit_book(p1, t, set_cell("activities", "title", "Quietly renamed")), needle="activities")
    add("tampered-money", lambda t: edit_book(p1, t, set_cell("activities", "spend_aud", 999999.99)), needle="activities")
    add("tampered-xml-value", lambda t: edit_sheet_xml(p1, t, "activities", lambda x: x.replace("Training 7", "Training 8", 1)))
    add("row-deleted", lambda t: edit_book(p1, t, lambda b: b["activities"].delete_rows(3)), needle="activities")
    add("row-added", lambda t: edit_book(p1, t, lambda b: b["partners"].append([c.value for c in b["partners"][2]])), needle="partners")
    add("manifest-count-edited", lambda t: edit_book(p1, t, lambda b: setattr(manifest_of(b)["rows.activities"], "value", "11")))
    add("signature-garbage", lambda t: edit_book(p1, t, lambda b: setattr(manifest_of(b)["signature"], "value", "AAAA")), needle="signature")
    add("signature-swapped", lambda t: edit_book(p1, t, lambda b: setattr(
        manifest_of(b)["signature"], "value", _manifest_value(w.p2, "signature"))), needle="signature")
    add("signature-missing", lambda t: edit_book(p1, t, lambda b: setattr(manifest_of(b)["signature"], "value", None)), needle="signature")
    add("another-posts-key", lambda t: edit_book(p1, t, lambda b: resign(b, w.other_post)), needle="public_key")
    add("posing-as-hq", lambda t: edit_book(p1, t, lambda b: resign(b, w.other_post, post_code="AU-HQ")))
    add("future-format-version", lambda t: edit_book(p1, t, lambda b: resign(b, w.post, format_version="99")), needle="format_version")
    add("not-our-format", lambda t: edit_book(p1, t, lambda b: resign(b, w.post, format="someone-elses-format")), needle="format")
    add("unknown-kind", lambda t: edit_book(p1, t, lambda b: resign(b, w.post, kind="everything")), needle="kind")
    add("duplicate-manifest-key", lambda t: edit_book(p1, t, lambda b: b[fmt.MANIFEST_SHEET].append(["kind", "full"])))
    add("replay", lambda t: shutil.copy(p1, t), expect=NO_OP, at="hq-after-first")
    add("replay-altered-and-resigned", lambda t: edit_book(p1, t, lambda b: (
        set_cell("activities", "title", "Rewritten history")(b), resign(b, w.post, officer="Someone Else"))),
        at="hq-after-first", needle="package_id")
    add("refers-to-missing-records", lambda t: shutil.copy(w.p2, t), needle="activity")
    add("receipt-at-hq", lambda t: shutil.copy(w.receipt, t), needle="kind")
    add("data-package-at-a-post", lambda t: shutil.copy(w.other_package, t), at="post", needle="kind")
    add("receipt-for-another-post", lambda t: shutil.copy(w.other_receipt, t), at="post")
    add("receipt-forged", lambda t: edit_book(w.receipt, t, lambda b: resign(b, w.other_post)), at="post-after-receipt",
        needle="public_key")
    add("receipt-tampered", lambda t: edit_book(w.receipt, t, lambda b: setattr(
        manifest_of(b)["confirmed_seq"], "value", "999999")), at="post-after-receipt", needle="signature")
    return cases


def _big_text(size: int) -> str:
    """Text that does not compress away (so it is a long string, not a zip bomb)."""
    return base64.b64encode(os.urandom(size * 3 // 4)).decode()


def _manifest_value(path: Path, key: str) -> Any:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return next(row[1] for row in book[fmt.MANIFEST_SHEET].iter_rows(min_row=2, values_only=True) if row[0] == key)
    finally:
        book.close()


def _duplicate_entry(src: Path, out: Path, name: str) -> Path:
    """Two entries of the same name: one reader may see the first, another the last."""
    entries = read_entries(src)
    evil = next(d for i, d in entries if i.filename == name).replace(b"Training 1", b"Hijacked 1")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            archive.writestr(info.filename, data)
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Duplicate name": exactly the point
            archive.writestr(name, evil)
    return out


def _local_header_offsets(data: bytes) -> list[int]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [info.header_offset for info in archive.infolist()]


def _set_flag(data: bytes, flag: int) -> bytes:
    """Set a general-purpose flag bit (bit 0: encrypted) in every header."""
    out = bytearray(data)
    for sig, at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        for m in re.finditer(re.escape(sig), data):
            value = int.from_bytes(out[m.start() + at: m.start() + at + 2], "little") | flag
            out[m.start() + at: m.start() + at + 2] = value.to_bytes(2, "little")
    return bytes(out)


def _set_method(data: bytes, method: int) -> bytes:
    out = bytearray(data)
    for sig, at in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        for m in re.finditer(re.escape(sig), data):
            out[m.start() + at: m.start() + at + 2] = method.to_bytes(2, "little")
    return bytes(out)


def _flip_inside_entry(src: Path, name: str) -> bytes:
    data = bytearray(src.read_bytes())
    with zipfile.ZipFile(src) as archive:
        info = archive.getinfo(name)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for n in range(start + 5, start + min(info.compress_size, 60)):
        data[n] ^= 0x5A
    return bytes(data)


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-corpus")
    world = make_world(target / "world")
    for case in build_corpus(world, target / "cases"):
        print(f"{case.expect:<22} {case.at:<15} {case.path.name}")
