"""The headquarters desk's pictures for docs/screenshots: Import many (with a refused package's problem
table), Posts, a conflict side by side, the review of a serial and of a likely duplicate activity, the
consolidated Activities list and the dashboard by post. Part of `make screenshots`; alone:
`python -m ccp_desktop.ui.hq_screenshots docs/screenshots`."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ccp_desktop.ui.screenshots import (  # before any Qt: it chooses the offscreen screen
    WINDOW,
    _save,
    _settle,
)

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication


def _make_morning(folder: Path) -> tuple[Path, Path, str]:
    """HQ with one post imported already, and a folder of packages from three posts (one edited after export).
    Returns HQ's database, the folder, and the id of an activity changed at both ends."""
    import openpyxl

    from ccp_desktop.demo import load_demo_data
    from ccp_desktop.domain.records import record_kind
    from ccp_desktop.store.connection import open_database
    from ccp_desktop.store.records import iter_records
    from ccp_desktop.store.saving import ChildRows, save_record
    from ccp_desktop.sync.export import export_package
    from ccp_desktop.sync.identity import initialise
    from ccp_desktop.sync.importer import import_package

    hq_path = folder / "hq" / "ccp-field-desk.sqlite3"
    initialise(hq_path, post_code="AU-CANBERRA", officer="Hana Brooks", role="hq")
    hq = open_database(hq_path)
    morning, outbox = folder / "morning", folder / "outbox"
    morning.mkdir()
    outbox.mkdir()
    conflict_id, suva_serial = "", ""
    suva_activity: dict[str, object] = {}
    for n, post in enumerate(("FJ-SUVA", "VU-PORTVILA", "WS-APIA")):
        path = folder / post / "ccp-field-desk.sqlite3"
        initialise(path, post_code=post, officer=f"Officer {post.split('-')[1].title()}")
        db = open_database(path)
        load_demo_data(db, activities=30, equipment=8, seed=n + 1)
        first = export_package(db, outbox).path
        if post == "FJ-SUVA":  # imported yesterday; today both ends changed one activity
            import_package(hq, first)
            record = next(iter_records(db, "activities"))
            conflict_id = record["id"]
            suva_activity = next(a for a in iter_records(db, "activities") if a["id"] != conflict_id and a["end_date"])
            suva_serial = next(i for i in iter_records(db, "equipment_items") if i["serials"])["serials"][0]
            # The forms' operations: each edit as an officer makes it (one transaction, audited, journalled).
            save_record(hq, "activities", {"title": record["title"] + " (HQ corrected)", "location": "Nadi"},
                        record_id=conflict_id, expected_rev=record["rev"])
            save_record(db, "activities", {"title": record["title"] + " — week 2", "participants_male": 14},
                        record_id=conflict_id, expected_rev=record["rev"])
        else:
            shutil.copy2(first, morning / first.name)
        load_demo_data(db, activities=10, equipment=3, seed=n + 10)
        if post == "VU-PORTVILA":  # a laptop Suva delivered, recorded again at Port Vila
            partner = next(iter_records(db, "partners"))
            laptop = {"category": "laptop", "quantity": 1, "description": "Laptop 14-inch", "serials": [suva_serial]}
            save_record(db, "equipment_deliveries", {
                "recipient_partner_id": partner["id"], "country": "VU", "status": "handed_over",
                "delivered_on": "2023-08-14", "handover_ref": "HO-VU-2023-007", "received_by_name": "Jean Kalo",
            }, children=ChildRows("equipment_items", "delivery_id", rows=[laptop]))
            # A course Suva ran, recorded again at Port Vila (which sent trainers) in its own words.
            copied = {f.key: suva_activity[f.key] for f in record_kind("activities").user_fields} | {
                "title": f"Port Vila trainers: {suva_activity['title']}", "location": None}
            save_record(db, "activities", copied)
        second = export_package(db, outbox).path
        shutil.copy2(second, morning / second.name)
        if post == "WS-APIA":  # a second copy, opened and changed in Excel before it was sent
            book = openpyxl.load_workbook(second)
            sheet = book["activities"]
            sheet.cell(2, [c.value for c in sheet[1]].index("title") + 1).value = "Renamed in Excel"
            book.save(morning / f"edited-{second.name}")
        db.close()
    hq.close()
    return hq_path, morning, conflict_id


def render_hq_screenshots(app: QApplication, out: Path) -> list[Path]:
    from ccp_desktop.ui.main_window import MainWindow

    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        hq_path, morning, _ = _make_morning(Path(tmp))
        window = MainWindow(hq_path)
        window.resize(WINDOW)
        window.show()
        page = window.show_page("hq-import")
        window.pages["hq-import"].add_paths([morning])  # type: ignore[attr-defined]
        _settle(app, lambda: page.jobs.job is None and page.entries != [], ms=60_000)  # type: ignore[attr-defined]
        refused = next(n for n, e in enumerate(page.entries) if e.state == "rejected")  # type: ignore[attr-defined]
        _settle(app)
        _save(window, out / "hq-import-many.png", written)
        dialog = page.show_problems(refused)  # type: ignore[attr-defined]
        _settle(app)
        _save(dialog, out / "hq-import-problems.png", written)
        dialog.close()
        page.import_selected()  # type: ignore[attr-defined]
        _settle(app, lambda: page.jobs.job is None, ms=60_000)  # type: ignore[attr-defined]
        _save(window, out / "hq-import-done.png", written)

        posts = window.show_page("posts")
        _settle(app, lambda: bool(posts.posts) and window.worker.pending == 0)  # type: ignore[attr-defined]
        posts.select_post("WS-APIA")  # type: ignore[attr-defined]
        _settle(app)
        _save(window, out / "hq-posts.png", written)

        conflicts = window.show_page("conflicts")
        conflicts.refresh()  # type: ignore[attr-defined]
        _settle(app, lambda: bool(conflicts.conflicts) and window.worker.pending == 0)  # type: ignore[attr-defined]
        conflicts.choose("location", "hq")  # type: ignore[attr-defined]
        _save(window, out / "hq-conflict.png", written)

        review = window.show_page("review")
        review.refresh()  # type: ignore[attr-defined]
        _settle(app, lambda: bool(review.items) and window.worker.pending == 0)  # type: ignore[attr-defined]
        review.list.selectRow(next(n for n, i in enumerate(review.items) if i["kind"] == "serial"))  # type: ignore[attr-defined]
        _settle(app)
        _save(window, out / "hq-review.png", written)
        review.list.selectRow(next(n for n, i in enumerate(review.items)  # type: ignore[attr-defined]
                                   if i["kind"] == "duplicate-activity"))
        _settle(app)
        _save(window, out / "hq-review-duplicate.png", written)

        activities = window.show_page("activities")
        activities.refresh()  # type: ignore[attr-defined]
        model = activities.model  # type: ignore[attr-defined]
        _settle(app, lambda: model.rowCount() > 0 and window.worker.pending == 0)
        flag = model.spec.column_index("review")
        flagged = next(r for r in range(model.rowCount()) if model.index(r, flag).data())
        activities.table.selectRow(flagged)  # type: ignore[attr-defined]
        _settle(app)
        _save(window, out / "hq-activities.png", written)

        dashboard = window.show_page("dashboard")
        dashboard.refresh()  # type: ignore[attr-defined]
        _settle(app, lambda: dashboard.summary is not None and window.worker.pending == 0)  # type: ignore[attr-defined]
        _save(window, out / "hq-dashboard.png", written)
        window.close()
    return written


if __name__ == "__main__":
    from ccp_desktop.ui.app import application

    target = Path(next((a for a in sys.argv[1:] if not a.startswith("--")), "docs/screenshots"))
    target.mkdir(parents=True, exist_ok=True)
    from ccp_desktop.ui.worker import stopping_workers

    with stopping_workers():
        for path in render_hq_screenshots(application(), target):
            print(path)
