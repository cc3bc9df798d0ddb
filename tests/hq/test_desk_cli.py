"""The HQ desk on the command line: `posts` shows the Posts page's view (key, last package, what to ask
for, overdue, refusals) and `refusals` lists refused packages with their problems, as text and JSON."""

from __future__ import annotations

import json

from ccp_desktop.cli import main
from ccp_desktop.store.connection import database_path
from ccp_desktop.sync.batch import apply_batch, dry_run_batch
from ccp_desktop.sync.posts import set_overdue_days


def _morning_imported(morning):
    hq, m = morning
    summary = apply_batch(hq, [e for e in dry_run_batch(hq, [m.folder]) if e.selectable])
    assert (summary.applied, summary.refused) == (5, 2)
    return hq, str(database_path(hq))


def test_posts_shows_the_desk_view(morning, capsys):
    hq, db = _morning_imported(morning)
    set_overdue_days(hq, 1)  # the packages were made minutes ago: nobody is overdue yet
    assert main(["--db", db, "posts", "--json"]) == 0
    posts = {p["post_code"]: p for p in json.loads(capsys.readouterr().out)}
    suva, vila, apia = posts["FJ-SUVA"], posts["VU-PORTVILA"], posts["WS-APIA"]
    assert (vila["packages"], vila["missing"], vila["ask"]) == (2, [[5, 8]], "ask VU-PORTVILA for changes 5–8")
    assert vila["fingerprint"] and vila["pinned_how"] == "first-import" and not vila["overdue"]
    assert [r["file_name"] for r in suva["refusals"]] == ["suva-other-laptop.xlsx"]  # another laptop's key
    assert apia["refusals"] == []  # its edited copy was refused, then the original imported: made good
    assert posts["KI-TARAWA"]["packages"] == 0 and posts["KI-TARAWA"]["overdue"] is False
    assert "AU-CANBERRA" not in posts  # HQ itself
    assert main(["--db", db, "posts"]) == 0
    text = capsys.readouterr().out
    assert "VU-PORTVILA (Port Vila): 2 packages" in text and "ask VU-PORTVILA for changes" in text
    assert "MISSING changes 5–8" in text and "WS-APIA (Apia): 1 package," in text
    assert "refused changes 1–4 from FJ-SUVA (suva-other-laptop.xlsx)" in text
    assert "Not heard from yet:" in text and "KI-TARAWA" in text.split("Not heard from yet:")[1]


def test_posts_flags_an_overdue_post(morning, capsys):
    hq, db = _morning_imported(morning)
    hq.execute("UPDATE sync_imports SET created_at = '2020-01-01T00:00:00Z' WHERE post_code = 'WS-APIA'")
    hq.conn.commit()
    assert main(["--db", db, "posts", "--json"]) == 0
    apia = next(p for p in json.loads(capsys.readouterr().out) if p["post_code"] == "WS-APIA")
    assert apia["overdue"] is True and apia["days_since_last_package"] > 14
    assert main(["--db", db, "posts"]) == 0
    assert "OVERDUE: no package for" in capsys.readouterr().out


def test_refusals_lists_each_refused_package_with_its_problems(morning, capsys):
    _hq, db = _morning_imported(morning)
    assert main(["--db", db, "refusals", "--json"]) == 0
    refusals = json.loads(capsys.readouterr().out)
    assert {(r["post_code"], r["file_name"]) for r in refusals} == {("FJ-SUVA", "suva-other-laptop.xlsx"),
                                                                     ("WS-APIA", "apia-edited.xlsx")}
    assert main(["--db", db, "refusals", "--post", "WS-APIA"]) == 0
    text = capsys.readouterr().out
    assert "from WS-APIA (apia-edited.xlsx)" in text and "FJ-SUVA" not in text
    assert "sheet activities" in text and "values differ" in text
    assert main(["--db", db, "refusals", "--post", "KI-TARAWA", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["--db", db, "refusals", "--post", "KI-TARAWA"]) == 0
    assert capsys.readouterr().out.strip() == "No refused packages from KI-TARAWA."
