"""Evidence on the item lines of a delivery (a photo of the serial plate): the line's "Evidence (N)…" button,
its window with the attachments panel, a new line that must be saved first, and the photo shown at HQ
with its line in the delivery's detail panel."""
# ruff: noqa: F811 - fixtures imported from test_forms_support are test parameters here

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QTextBrowser

from ccp_desktop.reports.listing import ListQuery, fetch_page, lists_for
from ccp_desktop.store.attachments import attach_files, list_attachments, read_blob, read_files
from ccp_desktop.store.records import insert_record
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.importer import import_package
from ccp_desktop.ui.forms.attachments_panel import evidence_html
from tests.attachments.conftest import jpeg_bytes, pdf_bytes
from tests.sync.conftest import add_sample
from tests.ui.test_forms_support import open_form  # noqa: F401 - a fixture
from tests.unit import factories as f


def test_add_a_plate_photo_to_an_item_line_see_the_count_and_remove_it(qtbot, post_db, open_form, tmp_path, monkeypatch):
    sample = add_sample(post_db)
    item_id = sample["item"]["id"]
    form = open_form(post_db, "equipment_deliveries", sample["delivery"]["id"])
    [line] = form.items.lines
    assert line.evidence_button.text() == "Evidence (0)…"
    plate = tmp_path / "plate.jpg"
    plate.write_bytes(jpeg_bytes(3000, 2000))

    qtbot.mouseClick(line.evidence_button, Qt.MouseButton.LeftButton)
    dialog = form.items.evidence_dialog
    qtbot.waitExposed(dialog)
    panel = dialog.panel
    assert dialog.windowTitle() == "Evidence: item line 1 (00123 laptop)" and panel.add_button.isEnabled()
    assert not panel.signed_form.isVisible()  # the signed handover form belongs to the delivery
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(plate)], ""))
    with qtbot.waitSignal(panel.changed, timeout=20_000):  # written on the form's background worker
        qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)

    [stored] = list_attachments(post_db, "item", item_id)
    assert stored.file_name == "plate.jpg" and read_blob(post_db, stored.sha256) is not None
    assert list_attachments(post_db, "delivery", sample["delivery"]["id"]) == []  # on the line, not the delivery
    assert [panel.list.item(i).text() for i in range(panel.list.count())] == ["plate.jpg"]
    thumbnail = panel.list.item(0).icon().pixmap(96, 96)
    assert (thumbnail.width(), thumbnail.height()) == (96, 64)  # the photo itself, shrunk
    assert line.evidence_button.text() == "Evidence (1)…"
    assert not form.is_dirty()  # saved as added: closing the form asks nothing

    panel.list.setCurrentRow(0)
    with qtbot.waitSignal(panel.changed, timeout=20_000):
        qtbot.mouseClick(panel.remove_button, Qt.MouseButton.LeftButton)
    assert list_attachments(post_db, "item", item_id) == [] and panel.list.count() == 0
    assert line.evidence_button.text() == "Evidence (0)…" and panel.status.text() == "Removed plate.jpg"


def test_a_form_shows_each_lines_count_when_opened(qtbot, post_db, open_form, files):
    sample = add_sample(post_db)
    second = insert_record(post_db, "equipment_items", f.item(sample["delivery"]["id"], description="router", serials=["RT-9"], quantity=1))
    attach_files(post_db, "item", second["id"], read_files([files("a.jpg", jpeg_bytes(800, 600, seed=1)),
                                                            files("b.jpg", jpeg_bytes(800, 600, seed=2))]))
    form = open_form(post_db, "equipment_deliveries", sample["delivery"]["id"])
    assert [line.evidence_button.text() for line in form.items.lines] == ["Evidence (0)…", "Evidence (2)…"]


def test_a_new_item_line_must_be_saved_before_it_holds_files(qtbot, post_db, open_form):
    sample = add_sample(post_db)
    form = open_form(post_db, "equipment_deliveries", sample["delivery"]["id"])
    qtbot.mouseClick(form.items.add_button, Qt.MouseButton.LeftButton)
    new = form.items.lines[1]
    assert new.evidence_button.text() == "Evidence…" and "Save the delivery first" in new.evidence_button.toolTip()
    qtbot.waitUntil(lambda: new.evidence_button.height() > 0)  # laid out: a click lands on it
    qtbot.mouseClick(new.evidence_button, Qt.MouseButton.LeftButton)
    panel = form.items.evidence_dialog.panel
    qtbot.waitExposed(form.items.evidence_dialog)
    assert not panel.add_button.isEnabled() and not panel.paste_button.isEnabled()
    assert panel.status.text().startswith("This item line is new: save the delivery first")


def test_item_evidence_reaches_hq_and_shows_under_its_delivery(post, hq, outbox, files, qtbot):
    sample = add_sample(post)
    delivery, item = sample["delivery"]["id"], sample["item"]["id"]
    [plate] = attach_files(post, "item", item, read_files([files("plate.jpg", jpeg_bytes(1200, 900))]))
    attach_files(post, "delivery", delivery, read_files([files("signed.pdf", pdf_bytes())]), signed_form=True)
    exported = export_package(post, outbox)
    assert import_package(hq, exported.path).status == "applied"  # the archive lies beside it: imported with it

    [at_hq] = list_attachments(hq, "item", item)
    assert at_hq.state == "present" and read_blob(hq, at_hq.sha256) == read_blob(post, plate["sha256"])
    browser = QTextBrowser()
    qtbot.addWidget(browser)
    shown = evidence_html(browser, hq, "equipment_deliveries", delivery)
    assert shown.startswith("<h3>Evidence (2)</h3>")
    own, lines = shown.split("Item line 1: 00123 laptop")
    assert "signed.pdf <b>(signed form)</b>" in own and "plate.jpg" not in own
    assert f"<img src='evidence:{plate['sha256']}'><br>plate.jpg" in lines
    assert f"(serial {', '.join(sample['item']['serials'][:3])}" in lines



def test_the_equipment_list_marks_an_item_by_its_own_evidence_and_its_deliverys(post, files):
    sample = add_sample(post)
    delivery = sample["delivery"]["id"]
    insert_record(post, "equipment_items", f.item(delivery, description="router", serials=["RT-9"], quantity=1))
    attach_files(post, "item", sample["item"]["id"], read_files([files("plate.jpg", jpeg_bytes(800, 600))]))
    spec = lists_for(False)["equipment"]
    at, described = spec.column_index("evidence"), spec.column_index("description")

    def marks() -> dict[str, str | None]:
        return {row.values[described]: row.values[at] for row in fetch_page(post, spec, ListQuery())}

    assert marks() == {"00123 laptop": "1", "router": None}  # the plate photo is the laptop line's, not the router's
    attach_files(post, "delivery", delivery, read_files([files("signed.pdf", pdf_bytes())]), signed_form=True)
    assert marks() == {"00123 laptop": "2 · signed form", "router": "1 · signed form"}


def test_many_photos_in_the_detail_panel_wrap_instead_of_running_off_its_edge(post, files, qtbot):
    sample = add_sample(post)
    delivery = sample["delivery"]["id"]
    attach_files(post, "delivery", delivery, read_files([files(f"room-{n}.jpg", jpeg_bytes(800, 600, seed=n)) for n in range(5)]))
    browser = QTextBrowser()
    qtbot.addWidget(browser)
    browser.resize(230, 500)  # the detail panel on a 1024x600 screen
    browser.setHtml(evidence_html(browser, post, "equipment_deliveries", delivery))
    browser.show()
    qtbot.waitExposed(browser)
    assert browser.horizontalScrollBar().maximum() == 0
