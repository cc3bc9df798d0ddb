"""Likely duplicate activities across posts: found after an import (the imported ones against the rest) and
on demand, listed for review, merged (counted once in HQ's figures, neither post's record changed, audited)
or dismissed with a note (not raised again)."""

from __future__ import annotations

import json

import pytest

from ccp_desktop.cli import main
from ccp_desktop.errors import ValidationError
from ccp_desktop.reports import figures as fg
from ccp_desktop.store.connection import database_path
from ccp_desktop.store.records import get_record, insert_record
from ccp_desktop.sync.duplicates import find_duplicate_activities, title_similarity
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.importer import import_package
from ccp_desktop.sync.review import flagged_item_ids, list_review_items, settle_review_item
from tests.sync.conftest import make_site
from tests.unit import factories as f

# Measured pairs: (first title, second title, a likely pair?) — the rule in sync/duplicates.py.
TITLES = [
    ("Incident response training, Suva 2021", "Suva: CERT incident response training", True),
    ("Digital forensics training for police", "Forensics training, Fiji Police", True),
    ("Incident reponse workshop", "Incident response workshop", True),  # a typo
    ("Cybercrime investigations course", "Cybercrime investigation course", True),  # a plural
    ("Cybercrime legislation review", "Review of cybercrime legislation", True),  # another order
    ("Training Suva", "Training Vila", False),  # alike as text (difflib 0.85), two events
    ("Cyber security training for officials", "Cyber policy training for parliamentarians", False),
    ("Incident response training", "Cybercrime legislation workshop", False),
    ("Training", "Cybercrime training for police", False),
]


@pytest.mark.parametrize(("first", "second", "likely"), TITLES)
def test_similar_titles_are_told_from_different_events(first, second, likely):
    assert (title_similarity(first, second) >= 0.6) is likely
    assert title_similarity(first, second) == title_similarity(second, first)


@pytest.fixture
def two_posts(hq, post, outbox, tmp_path):
    """Suva records a CERT course in Fiji; Port Moresby, which co-funded it, records it too (two days
    later, in its own words), with a different course of the same type that week and one eight days off."""
    suva = insert_record(post, "activities", f.activity(title="Incident response training for the national CERT"))
    assert import_package(hq, export_package(post, outbox).path).status == "applied"
    pom = make_site(tmp_path / "pom", "PG-PORTMORESBY")
    twin = insert_record(pom, "activities", f.activity(title="National CERT incident response training, Suva",
                                                       start_date="2021-03-03", end_date="2021-03-06"))
    insert_record(pom, "activities", f.activity(title="Cyber policy training for parliamentarians", start_date="2021-03-02"))
    insert_record(pom, "activities", f.activity(title="Incident response training for the national CERT",
                                                start_date="2021-03-09", end_date="2021-03-10"))
    result = import_package(hq, export_package(pom, outbox).path)
    yield {"result": result, "suva": suva, "twin": twin, "pom": pom}
    pom.close()


def test_an_import_raises_one_review_item_for_the_likely_pair(hq, two_posts):
    result = two_posts["result"]
    assert result.status == "applied" and result.totals()["inserted"] == 3
    [item] = list_review_items(hq)
    assert item["id"] in result.review_ids and item["kind"] == "duplicate-activity"
    assert (item["post_a"], item["record_a"], item["post_b"], item["record_b"]) == (
        "FJ-SUVA", two_posts["suva"]["id"], "PG-PORTMORESBY", two_posts["twin"]["id"])
    assert item["detail"]["days_apart"] == 2 and item["detail"]["similarity"] >= 0.6
    assert (item["a"]["title"], item["b"]["title"]) == ("Incident response training for the national CERT",
                                                        "National CERT incident response training, Suva")
    assert item["a"]["country"] == item["b"]["country"] == "FJ" and item["b"]["start_date"] == "2021-03-03"
    assert flagged_item_ids(hq) == {two_posts["suva"]["id"], two_posts["twin"]["id"]}


def test_merging_counts_the_event_once_and_keeps_both_posts_records(hq, two_posts):
    before = fg.scope_totals(hq, fg.ReportScope())
    suva_before = get_record(hq, "activities", two_posts["suva"]["id"])
    twin_before = get_record(hq, "activities", two_posts["twin"]["id"])
    [item] = list_review_items(hq)
    settle_review_item(hq, item["id"], "merged", note="one course, co-funded by PNG")
    after = fg.scope_totals(hq, fg.ReportScope())
    assert (before.activities, after.activities) == (4, 3)
    assert round(before.spend - after.spend, 2) == twin_before["spend_aud"]  # Port Moresby's copy is not counted
    assert after.participants.total == before.participants.total - 22
    # Neither record changed, neither deleted; the pair is no longer flagged; the merge is audited.
    assert get_record(hq, "activities", two_posts["suva"]["id"]) == suva_before
    assert get_record(hq, "activities", two_posts["twin"]["id"]) == twin_before
    assert list_review_items(hq) == [] and flagged_item_ids(hq) == set()
    [settled] = list_review_items(hq, include_settled=True)
    assert (settled["status"], settled["action"], settled["b"]["merged_into"]) == ("settled", "merged", two_posts["suva"]["id"])
    changes = json.loads(hq.execute("SELECT changes FROM audit_log WHERE action = 'activity-merge'").fetchone()[0])
    assert changes["kept"] == two_posts["suva"]["id"] and changes["duplicate"] == two_posts["twin"]["id"]
    # Port Moresby's own figures (a report for that post) leave it out too: HQ counts the event at Suva.
    assert fg.scope_totals(hq, fg.ReportScope(post="PG-PORTMORESBY")).activities == 2


def test_merging_may_keep_the_second_and_a_settled_pair_cannot_be_settled_again(hq, two_posts):
    [item] = list_review_items(hq)
    settle_review_item(hq, item["id"], "merged", keep="b")
    assert fg.scope_totals(hq, fg.ReportScope(post="FJ-SUVA")).activities == 0
    with pytest.raises(ValidationError, match="settled already"):
        settle_review_item(hq, item["id"], "different", note="x")


def test_different_activities_are_dismissed_with_a_note_and_not_raised_again(hq, two_posts):
    [item] = list_review_items(hq)
    with pytest.raises(ValidationError, match="say why"):
        settle_review_item(hq, item["id"], "different")
    with pytest.raises(ValidationError, match="merged or different"):
        settle_review_item(hq, item["id"], "moved")
    settle_review_item(hq, item["id"], "different", note="two courses: Suva's and Port Moresby's own")
    assert fg.scope_totals(hq, fg.ReportScope()).activities == 4
    assert find_duplicate_activities(hq) == [] and list_review_items(hq) == []


def test_on_demand_finds_pairs_recorded_before_detection_existed(hq, two_posts):
    hq.execute("DELETE FROM review_items")  # as a database upgraded from before this version holds them
    hq.conn.commit()
    [raised] = find_duplicate_activities(hq)
    [item] = list_review_items(hq)
    assert item["id"] == raised and {item["record_a"], item["record_b"]} == {two_posts["suva"]["id"], two_posts["twin"]["id"]}
    assert find_duplicate_activities(hq) == []  # each pair once


def test_the_same_post_twice_is_not_a_pair(hq, post, outbox):
    insert_record(post, "activities", f.activity(title="Incident response training"))
    insert_record(post, "activities", f.activity(title="Incident response training", start_date="2021-03-02"))
    assert import_package(hq, export_package(post, outbox).path).review_ids == []
    assert find_duplicate_activities(hq) == []


def test_cli_review_lists_finds_merges_and_dismisses(hq, two_posts, capsys):
    db = str(database_path(hq))
    assert main(["--db", db, "review", "--json"]) == 0
    [item] = json.loads(capsys.readouterr().out)
    assert item["kind"] == "duplicate-activity"
    assert main(["--db", db, "review"]) == 0
    text = capsys.readouterr().out
    assert f"#{item['id']} likely the same activity" in text and "FJ-SUVA" in text and "PG-PORTMORESBY" in text
    assert "National CERT incident response training, Suva" in text
    assert main(["--db", db, "review", str(item["id"]), "typo"]) == 1
    assert "merged or different" in capsys.readouterr().err
    assert main(["--db", db, "review", str(item["id"]), "merged", "--keep", "b"]) == 0
    assert "merged" in capsys.readouterr().out
    assert fg.scope_totals(hq, fg.ReportScope(post="FJ-SUVA")).activities == 0
    hq.execute("DELETE FROM activity_merges")
    hq.execute("DELETE FROM review_items")
    hq.conn.commit()
    assert main(["--db", db, "review", "--find-duplicates"]) == 0
    assert "1 likely duplicate" in capsys.readouterr().out


def test_a_post_alone_in_its_places_compares_no_titles(hq, post, outbox, tmp_path, monkeypatch):
    """A pair is two posts' records: a first import, or a post alone in a country, builds no title index
    (the whole likeness work of an import into an empty HQ); a second post in the same place does."""
    from ccp_desktop.sync import duplicates

    built: list[int] = []
    real = duplicates.TitleIndex

    def counting(titles, *args):
        built.append(len(titles))
        return real(titles, *args)

    monkeypatch.setattr(duplicates, "TitleIndex", counting)
    for n in range(5):
        insert_record(post, "activities", f.activity(title=f"Incident response training {n}"))
    first = import_package(hq, export_package(post, outbox).path)
    assert first.status == "applied" and built == []
    pom = make_site(tmp_path / "pom", "PG-PORTMORESBY")
    insert_record(pom, "activities", f.activity(title="Incident response training 1, Suva"))
    second = import_package(hq, export_package(pom, outbox).path)
    assert second.status == "applied" and built == [6]
    assert len(list_review_items(hq, kind=duplicates.KIND)) >= 1  # "…training 1, Suva" and "…training 1"
    pom.close()
