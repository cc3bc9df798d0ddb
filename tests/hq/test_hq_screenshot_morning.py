"""The README's HQ pictures are made from a scripted morning (`ui/hq_screenshots._make_morning`): its edits
go through the forms' operations (store/saving), so the pictures show what an officer's edits leave."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ccp_desktop.store.connection import open_database
from ccp_desktop.store.records import get_record, iter_records
from ccp_desktop.ui.hq_screenshots import _make_morning


def test_the_scripted_morning_edits_as_the_forms_do(tmp_path: Path) -> None:
    hq_path, morning, conflict_id = _make_morning(tmp_path)
    hq = open_database(hq_path)
    edited = get_record(hq, "activities", conflict_id)
    assert edited["title"].endswith(" (HQ corrected)") and edited["location"] == "Nadi" and edited["rev"] == 2
    audited = hq.execute("SELECT officer, action FROM audit_log WHERE record_id = ? ORDER BY id DESC LIMIT 1",
                         [conflict_id]).fetchone()
    assert tuple(audited) == ("Hana Brooks", "update")
    hq.close()
    vila = open_database(tmp_path / "VU-PORTVILA" / "ccp-field-desk.sqlite3")
    [delivery] = iter_records(vila, "equipment_deliveries", where="handover_ref = ?", params=["HO-VU-2023-007"])
    [item] = iter_records(vila, "equipment_items", where="delivery_id = ?", params=[delivery["id"]])
    assert item["description"] == "Laptop 14-inch" and len(item["serials"]) == 1
    [copy] = [a for a in iter_records(vila, "activities") if a["title"].startswith("Port Vila trainers: ")]
    assert copy["origin_post"] == "VU-PORTVILA" and copy["location"] is None
    vila.close()
    assert len(list(morning.glob("*.xlsx"))) == 6  # two posts' two packages, Apia's second twice (one edited)


def test_the_hq_and_evidence_pictures_render(qapp: Any, tmp_path: Path) -> None:
    """`make screenshots` draws HQ's screens from the scripted morning: a renamed attribute once broke it
    unseen (it waited on the Import many page's old `job`), since nothing ran it but a person."""
    from PySide6.QtGui import QImage

    from ccp_desktop.ui.evidence_screenshots import render_evidence_screenshots
    from ccp_desktop.ui.hq_screenshots import render_hq_screenshots
    from ccp_desktop.ui.worker import stopping_workers

    with stopping_workers():
        written = render_hq_screenshots(qapp, tmp_path) + render_evidence_screenshots(qapp, tmp_path)
    names = {p.name for p in written}
    assert {"hq-import-many.png", "hq-import-done.png", "hq-posts.png", "hq-dashboard.png",
            "hq-delivery-evidence.png"} <= names
    for path in written:
        image = QImage(str(path))
        assert not image.isNull() and image.width() >= 800 and image.height() >= 400, path.name
