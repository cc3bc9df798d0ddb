"""Conflicts are kept and listed, never silently settled; old revisions never win; gaps are reported;
receipts travel back and drive a resend."""

from __future__ import annotations

import pytest

from ccp_desktop.errors import NothingToExport, ValidationError
from ccp_desktop.store.records import get_record, update_record
from ccp_desktop.sync.conflicts import list_conflicts, resolve_conflict
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.importer import import_package
from ccp_desktop.sync.receipts import write_receipt
from ccp_desktop.sync.status import last_receipt, package_history, post_overview
from tests.sync.conftest import add_sample, know_hq, make_site, records_of, snapshot


@pytest.fixture
def synced(post, hq, outbox):
    sample = add_sample(post)
    assert import_package(hq, export_package(post, outbox).path).status == "applied"
    return sample


def test_edit_at_both_ends_is_a_conflict_with_both_versions_kept(post, hq, outbox, synced):
    rid = synced["activity"]["id"]
    update_record(hq, "activities", rid, {"title": "HQ's correction", "participants_male": 10})
    update_record(post, "activities", rid, {"title": "Post's new title"})
    result = import_package(hq, export_package(post, outbox).path)
    assert result.status == "applied"
    assert result.counts["activities"] == {"read": 1, "inserted": 0, "updated": 0, "unchanged": 0, "conflicting": 1, "tombstoned": 0}
    assert "in conflict" in result.message
    assert get_record(hq, "activities", rid)["title"] == "HQ's correction"  # not silently replaced
    [conflict] = list_conflicts(hq)
    assert conflict["hq_version"]["title"] == "HQ's correction"
    assert conflict["post_version"]["title"] == "Post's new title"
    assert {d["field"] for d in conflict["differences"]} == {"title", "participants_male"}
    assert result.conflict_ids == [conflict["id"]]

    kept = resolve_conflict(hq, conflict["id"], "post")
    now = get_record(hq, "activities", rid)
    assert now["title"] == "Post's new title" and now["rev"] == kept["rev"] > conflict["hq_rev"]
    assert list_conflicts(hq) == []
    with pytest.raises(ValidationError, match="settled already"):
        resolve_conflict(hq, conflict["id"], "hq")
    # After keeping the post's version, the post's next change applies cleanly.
    update_record(post, "activities", rid, {"location": "Lautoka"})
    again = import_package(hq, export_package(post, outbox).path)
    assert again.counts["activities"]["updated"] == 1
    assert get_record(hq, "activities", rid)["location"] == "Lautoka"
    assert list_conflicts(hq) == []


def test_keeping_hq_keeps_it_and_a_later_post_change_is_listed_again(post, hq, outbox, synced):
    rid = synced["partner"]["id"]
    update_record(hq, "partners", rid, {"name": "HQ name"})
    update_record(post, "partners", rid, {"name": "Post name"})
    import_package(hq, export_package(post, outbox).path)
    [conflict] = list_conflicts(hq)
    resolve_conflict(hq, conflict["id"], "hq")
    assert get_record(hq, "partners", rid)["name"] == "HQ name"
    assert [c["status"] for c in list_conflicts(hq, include_resolved=True)] == ["kept-hq"]
    update_record(post, "partners", rid, {"contact": "New contact"})
    result = import_package(hq, export_package(post, outbox).path)
    assert result.counts["partners"]["conflicting"] == 1
    assert get_record(hq, "partners", rid)["name"] == "HQ name"


def test_same_change_at_both_ends_is_not_a_conflict(post, hq, outbox, synced):
    rid = synced["activity"]["id"]
    update_record(hq, "activities", rid, {"title": "Agreed title"})
    update_record(post, "activities", rid, {"title": "Agreed title"})
    result = import_package(hq, export_package(post, outbox).path)
    assert result.counts["activities"]["unchanged"] == 1 and list_conflicts(hq) == []


def test_older_package_after_newer_never_overwrites_and_gap_is_reported(post, hq, outbox):
    sample = add_sample(post)
    first = export_package(post, outbox)
    update_record(post, "activities", sample["activity"]["id"], {"title": "Newer"})
    second = export_package(post, outbox)
    early = import_package(hq, second.path)
    assert early.status == "applied"
    assert any(f"changes {first.seq_from}–{first.seq_to} have not arrived" in w for w in early.warnings)
    assert post_overview(hq)[0]["missing"] == [(first.seq_from, first.seq_to)]
    late = import_package(hq, first.path)
    assert late.status == "applied"
    assert late.counts["activities"]["unchanged"] == 1  # rev 1 arrived after rev 2
    assert not late.warnings or all("have not arrived" not in w for w in late.warnings)
    assert get_record(hq, "activities", sample["activity"]["id"])["title"] == "Newer"
    assert records_of(hq, "FJ-SUVA") == records_of(post)
    assert post_overview(hq)[0]["missing"] == []


def test_receipt_round_trip_and_resend_of_a_lost_package(post, hq, outbox):
    know_hq(post, hq)
    add_sample(post)
    lost = export_package(post, outbox)
    lost.path.unlink()  # lost in transit
    update_record(post, "partners", records_of(post)["partners"].popitem()[0], {"name": "Renamed"})
    import_package(hq, export_package(post, outbox).path)
    receipt = write_receipt(hq, "FJ-SUVA", outbox)
    assert receipt.seq_to == 0  # nothing confirmed: the first changes never arrived
    result = import_package(post, receipt.path)
    assert result.status == "applied", result.errors
    assert last_receipt(post)["confirmed_seq"] == 0
    resend = export_package(post, outbox, kind="since-receipt")
    assert resend.seq_from == 1
    assert import_package(hq, resend.path).status == "applied"
    assert records_of(hq, "FJ-SUVA") == records_of(post)
    confirmed = write_receipt(hq, "FJ-SUVA", outbox)
    assert confirmed.seq_to == resend.seq_to
    import_package(post, confirmed.path)
    assert last_receipt(post)["confirmed_seq"] == resend.seq_to
    with pytest.raises(NothingToExport, match="HQ has confirmed every change"):
        export_package(post, outbox, kind="since-receipt")
    directions = [h["direction"] for h in package_history(post)]
    assert directions.count("received") == 2 and directions.count("sent") == 3


def test_packages_go_only_where_they_belong(sites, post, hq, outbox, tmp_path):
    add_sample(post)
    data = export_package(post, outbox).path
    other_post = sites("TO-NUKU")
    before = snapshot(other_post)
    refused = import_package(other_post, data)
    assert refused.status == "rejected" and "imported at HQ" in refused.errors[0].message
    assert snapshot(other_post) == before
    import_package(hq, data)
    receipt = write_receipt(hq, "FJ-SUVA", outbox).path
    assert "imported at a post" in import_package(hq, receipt).errors[0].message
    wrong = import_package(other_post, receipt)
    assert wrong.status == "rejected" and "this receipt is for post FJ-SUVA, not for TO-NUKU" in wrong.errors[0].message
    # A second HQ signing receipts for the same HQ code is refused once the real one is pinned.
    know_hq(post, hq)
    assert import_package(post, receipt).status == "applied"
    fake_hq = make_site(tmp_path / "fake", "AU-HQ", role="hq")
    import_package(fake_hq, data)
    forged = write_receipt(fake_hq, "FJ-SUVA", outbox).path
    assert "not the one trusted for AU-HQ" in import_package(post, forged).errors[0].message


def test_apply_backs_up_first_and_keeps_a_ledger(post, hq, outbox):
    from ccp_desktop.errors import PackageError
    from ccp_desktop.store import sync_state

    add_sample(post)
    path = export_package(post, outbox).path
    seen = []
    dry = import_package(hq, path, dry_run=True, progress=lambda d, t: seen.append((d, t)))
    assert dry.status == "dry-run" and dry.backup_path is None and sync_state.list_imports(hq) == []
    assert seen and seen[-1][0] == seen[-1][1]
    result = import_package(hq, path)
    backup = result.backup_path
    assert backup and __import__("pathlib").Path(backup).exists()
    from ccp_desktop.store.connection import open_database

    before = open_database(backup)
    assert before.execute("SELECT count(*) FROM activities").fetchone()[0] == 0  # taken before applying
    before.close()
    [entry] = sync_state.list_imports(hq)
    assert entry["post_code"] == "FJ-SUVA" and entry["kind"] == "changes" and entry["imported_by"] == "Hana HQ"
    assert (entry["seq_from"], entry["seq_to"]) == (1, 5) and len(entry["content_hash"]) == 64
    assert entry["summary"]["counts"]["activities"]["inserted"] == 1
    assert hq.execute("SELECT count(*) FROM audit_log WHERE action = 'import-package'").fetchone()[0] == 1
    with pytest.raises(PackageError, match="HQ does not export"):
        export_package(hq, outbox)


def test_package_referring_into_a_missing_package_says_which_to_import_first(post, hq, outbox):
    from ccp_desktop.store.records import insert_record
    from tests.unit import factories as f

    partner = insert_record(post, "partners", f.partner())
    activity = insert_record(post, "activities", f.activity())
    first = export_package(post, outbox)
    insert_record(post, "activity_partners", {"activity_id": activity["id"], "partner_id": partner["id"], "role": "lead"})
    second = export_package(post, outbox)
    early = import_package(hq, second.path)
    assert early.status == "rejected"
    assert "changes 1–2, which have not arrived: import that package first" in early.message
    assert import_package(hq, first.path).status == "applied"
    assert import_package(hq, second.path).status == "applied"
    assert records_of(hq, "FJ-SUVA") == records_of(post)
