"""The handover certificate: a PDF with the program's name, the recipient, every item with its serials
and value, the total and signature lines for both sides; text is checked with pypdf."""
# ruff: noqa: F811 - fixtures imported from test_forms_support are test parameters here

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt

from ccp_desktop.domain.reference import load_reference
from ccp_desktop.store.records import insert_record
from ccp_desktop.ui.forms import save_handover_certificate
from tests.ui.test_forms_support import open_form  # noqa: F401 - fixture
from tests.unit import factories


def make_delivery(db: Any, recipient_name: str = "Ministry of ICT <Fiji> & Co", items: int = 2) -> str:
    partner = insert_record(db, "partners", factories.partner(name=recipient_name))
    delivery = insert_record(db, "equipment_deliveries", factories.delivery(partner["id"]))
    insert_record(db, "equipment_items", factories.item(delivery["id"]))
    if items > 1:
        serials = [f"FW-{n:04d}" for n in range(1, items)]
        insert_record(db, "equipment_items", factories.item(
            delivery["id"], category="security_appliance", description="Next-generation firewall",
            make_model="FortiGate 60F", quantity=len(serials), unit_value_aud=2400.0, serials=serials,
            asset_tag=None, warranty_end=None))
    return str(delivery["id"])


def pdf_text(path: Path) -> tuple[int, str]:
    reader = PdfReader(str(path))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_certificate_names_program_recipient_items_serials_and_total(qapp: Any, post_db: Any, tmp_path: Path) -> None:
    delivery_id = make_delivery(post_db)
    path = save_handover_certificate(None, post_db, delivery_id, tmp_path / "handover.pdf")
    assert path == tmp_path / "handover.pdf" and path.read_bytes().startswith(b"%PDF")
    assert not list(tmp_path.glob("*.part"))  # written aside, then renamed into place
    pages, text = pdf_text(path)
    flat = " ".join(text.split())
    assert pages == 1
    assert load_reference().program["name"] in flat
    assert "Ministry of ICT <Fiji> & Co" in flat  # escaped for the document, shown as typed
    for expected in ("SN-A1", "SN-A2", "FW-0001", "HO-2021-0042", "Dell Latitude 5440", "1,850.00", "3,700.00",
                     "2,400.00", "6,100.00", "Grace Kaupa", "Head of CERT", "Mere Tuilagi"):
        assert expected in flat, expected
    assert flat.count("Signature:") == 2 and "Handed over by" in flat and "Received by" in flat


def test_long_delivery_runs_onto_more_pages(qapp: Any, post_db: Any, tmp_path: Path) -> None:
    delivery_id = make_delivery(post_db, items=400)
    pages, text = pdf_text(save_handover_certificate(None, post_db, delivery_id, tmp_path / "long.pdf"))
    assert pages >= 2
    assert "FW-0001" in text and "FW-0399" in text  # rows break across pages, nothing is cut off
    assert "961,300.00" in text and text.count("Signature:") == 2


def test_certificate_button_on_the_delivery_form(
    qtbot: Any, open_form: Any, post_db: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    delivery_id = make_delivery(post_db, items=1)
    target = tmp_path / "chosen"
    asked: list[str] = []

    def choose_file(_parent: Any, _title: str, suggested: str, _filter: str) -> tuple[str, str]:
        asked.append(Path(suggested).name)
        return str(target), "PDF (*.pdf)"

    monkeypatch.setattr("ccp_desktop.ui.forms.certificate.QFileDialog.getSaveFileName", choose_file)
    form = open_form(post_db, "equipment_deliveries", delivery_id)
    qtbot.mouseClick(form.certificate_button, Qt.MouseButton.LeftButton)
    assert asked == ["handover-HO-2021-0042.pdf"]
    assert "SN-A2" in pdf_text(tmp_path / "chosen.pdf")[1]


def test_cancelled_file_choice_writes_nothing(qapp: Any, post_db: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    delivery_id = make_delivery(post_db, items=1)
    monkeypatch.setattr("ccp_desktop.ui.forms.certificate.QFileDialog.getSaveFileName", lambda *a: ("", ""))
    assert save_handover_certificate(None, post_db, delivery_id) is None
