"""A serial number at two posts: the package imports and a review item pairs both deliveries; each action
(moved, typo, different) settles or flags as it says. Within one post a serial stays unique."""

from __future__ import annotations

import json

import pytest

from ccp_desktop.cli import main
from ccp_desktop.errors import ValidationError
from ccp_desktop.store.connection import database_path
from ccp_desktop.store.installation import require_installation
from ccp_desktop.store.records import insert_record, update_record
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.importer import import_package
from ccp_desktop.sync.review import flagged_item_ids, list_review_items, settle_review_item
from ccp_desktop.sync.trust import trust_key
from tests.sync.conftest import make_site
from tests.unit import factories as f


def _deliver(db, serials, country="FJ", recipient="Fiji Police Force Cybercrime Unit"):
    partner = insert_record(db, "partners", f.partner(name=recipient, country=country))
    delivery = insert_record(db, "equipment_deliveries", f.delivery(partner["id"], country=country))
    return insert_record(db, "equipment_items", f.item(delivery["id"], serials=serials, quantity=len(serials)))


@pytest.fixture
def collision(post, hq, outbox, tmp_path):
    """Suva's laptop SN-77, then Port Vila records a laptop with serial sn-77 (moved, or a typo)."""
    suva_item = _deliver(post, ["SN-77", "SN-78"])
    assert import_package(hq, export_package(post, outbox).path).status == "applied"
    vila = make_site(tmp_path / "vila", "VU-PORTVILA")
    vila_item = _deliver(vila, ["sn-77", "SN-V2"], country="VU", recipient="Vanuatu CERT")
    package = export_package(vila, outbox).path
    dry = import_package(hq, package, dry_run=True)
    assert dry.status == "dry-run" and any("'sn-77' is also on an item of FJ-SUVA" in w for w in dry.warnings)
    result = import_package(hq, package)
    yield {"result": result, "suva_item": suva_item, "vila_item": vila_item, "vila": vila}
    vila.close()


def test_the_package_imports_with_a_review_item_showing_both_deliveries(hq, collision):
    result = collision["result"]
    assert result.status == "applied" and result.totals()["inserted"] == 3
    [item] = list_review_items(hq)
    assert item["id"] == result.review_ids[0] and item["detail"] == {"serial": "sn-77"}
    assert (item["a"]["post"], item["a"]["recipient"], item["a"]["description"]) == (
        "FJ-SUVA", "Fiji Police Force Cybercrime Unit", "Laptop 14-inch, 16 GB")
    assert (item["b"]["post"], item["b"]["recipient"], item["b"]["delivered_on"]) == ("VU-PORTVILA", "Vanuatu CERT", "2021-06-01")
    assert flagged_item_ids(hq) == {collision["suva_item"]["id"], collision["vila_item"]["id"]}
    # Both live items hold the serial, one per post.
    assert hq.execute("SELECT post FROM serial_index WHERE serial = 'SN-77' ORDER BY post").fetchall() == [
        ("FJ-SUVA",), ("VU-PORTVILA",)]


def test_same_item_moved_records_the_transfer_and_clears_the_flag(hq, collision):
    [item] = list_review_items(hq)
    settle_review_item(hq, item["id"], "moved", note="redeployed to Port Vila in 2022")
    assert list_review_items(hq) == [] and flagged_item_ids(hq) == set()
    audit = hq.execute("SELECT changes FROM audit_log WHERE action = 'serial-transfer'").fetchone()[0]
    changes = json.loads(audit)
    assert changes["from"]["post"] == "FJ-SUVA" and changes["to"]["post"] == "VU-PORTVILA" and changes["serial"] == "sn-77"
    with pytest.raises(ValidationError, match="settled already"):
        settle_review_item(hq, item["id"], "different", note="x")


def test_typo_asks_the_post_and_stays_flagged_until_its_package_fixes_it(hq, outbox, collision):
    [item] = list_review_items(hq)
    settle_review_item(hq, item["id"], "typo", note="ask VU-PORTVILA to check the sticker")
    [waiting] = list_review_items(hq)
    assert waiting["status"] == "asked-post" and collision["vila_item"]["id"] in flagged_item_ids(hq)
    vila = collision["vila"]
    update_record(vila, "equipment_items", collision["vila_item"]["id"], {"serials": ["SN-V1", "SN-V2"]})
    assert import_package(hq, export_package(vila, outbox).path).status == "applied"
    assert list_review_items(hq) == [] and flagged_item_ids(hq) == set()


def test_different_items_are_dismissed_with_a_note(hq, collision):
    [item] = list_review_items(hq)
    with pytest.raises(ValidationError, match="say why"):
        settle_review_item(hq, item["id"], "different")
    settle_review_item(hq, item["id"], "different", note="two makers use the same serial scheme")
    [settled] = list_review_items(hq, include_settled=True)
    assert (settled["status"], settled["action"], settled["note"]) == ("settled", "different", "two makers use the same serial scheme")


def test_within_one_post_a_serial_stays_unique(post, hq, outbox, tmp_path):
    _deliver(post, ["SN-1"])
    assert import_package(hq, export_package(post, outbox).path).status == "applied"
    laptop = make_site(tmp_path / "reimaged", "FJ-SUVA")  # the same post's re-imaged laptop, its key registered
    trust_key(hq, "FJ-SUVA", require_installation(laptop).public_key or "", reason="re-imaged")
    _deliver(laptop, ["sn-1"])
    result = import_package(hq, export_package(laptop, outbox).path)
    assert result.status == "rejected"
    assert "Serial number 'sn-1' is already recorded on another item" in result.message
    laptop.close()


def test_cli_review_lists_and_settles(hq, collision, capsys):
    db = str(database_path(hq))
    assert main(["--db", db, "review", "--json"]) == 0
    [item] = json.loads(capsys.readouterr().out)
    assert main(["--db", db, "review"]) == 0
    text = capsys.readouterr().out
    assert f"#{item['id']}" in text and "sn-77" in text and "FJ-SUVA" in text and "VU-PORTVILA" in text
    assert main(["--db", db, "review", str(item["id"]), "different"]) == 1
    assert "say why" in capsys.readouterr().err
    assert main(["--db", db, "review", str(item["id"]), "moved", "--note", "redeployed"]) == 0
    assert "settled" in capsys.readouterr().out
    assert list_review_items(hq) == []
