"""The posts desk: every post, what to ask each for, refusals kept (a refused range is not "lost"),
overdue posts by the threshold in settings."""

from __future__ import annotations

import datetime as dt

import pytest

from ccp_desktop.errors import ValidationError
from ccp_desktop.sync.batch import apply_batch, dry_run_batch
from ccp_desktop.sync.posts import posts_desk, set_overdue_days


def _desk(hq, **kw):
    return {p["post_code"]: p for p in posts_desk(hq, **kw)}


def test_every_reference_post_is_listed_and_what_to_ask_for_is_said(morning):
    hq, m = morning
    apply_batch(hq, [e for e in dry_run_batch(hq, [m.folder]) if e.selectable])
    desk = _desk(hq)
    assert "AU-CANBERRA" not in desk and desk["TO-NUKUALOFA"]["packages"] == 0
    vila = desk["VU-PORTVILA"]
    assert vila["missing"] == [(5, 8)] and vila["ask"] == "ask VU-PORTVILA for changes 5–8"
    assert vila["fingerprint"] and vila["pinned_how"] == "first-import" and vila["confirmed_seq"] == 4
    suva = desk["FJ-SUVA"]
    assert suva["pinned_how"] == "registered" and suva["confirmed_seq"] == 8
    [refusal] = suva["refusals"]
    assert refusal["file_name"] == "suva-other-laptop.xlsx" and "not the one trusted" in refusal["problems"][0]["message"]


def test_a_gap_left_by_a_refused_package_is_refused_not_lost(morning, tmp_path):
    hq, m = morning
    # Vila's second package arrives edited (refused), then its third: the gap is the refused one.
    from tests.hq.conftest import tamper

    bad = tamper(m.lost, tmp_path / "vila-2-edited.xlsx")
    apply_batch(hq, [e for e in dry_run_batch(hq, [m.good[2], bad, m.after_gap]) if e.selectable])
    vila = _desk(hq)["VU-PORTVILA"]
    assert vila["missing"] == [(5, 8)]
    assert vila["ask"] == "changes 5–8 were refused: send VU-PORTVILA the reasons to fix"
    apply_batch(hq, [e for e in dry_run_batch(hq, [m.lost]) if e.selectable])  # the good copy arrives
    vila = _desk(hq)["VU-PORTVILA"]
    assert vila["missing"] == [] and vila["refusals"] == [] and vila["ask"] == ""


def test_overdue_posts_by_the_threshold_in_settings(morning):
    hq, m = morning
    apply_batch(hq, [e for e in dry_run_batch(hq, m.good) if e.selectable])
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=15)
    desk = _desk(hq, now=later)
    assert desk["FJ-SUVA"]["days_since_last_package"] == 15 and desk["FJ-SUVA"]["overdue"]
    assert desk["TO-NUKUALOFA"]["days_since_last_package"] is None and not desk["TO-NUKUALOFA"]["overdue"]
    set_overdue_days(hq, 30)
    desk = _desk(hq, now=later)
    assert not desk["FJ-SUVA"]["overdue"] and desk["FJ-SUVA"]["overdue_days"] == 30
    with pytest.raises(ValidationError, match="1 day or more"):
        set_overdue_days(hq, 0)
