"""The numbers behind the dashboard, for a post's own records (or, at HQ, all posts or the one chosen, with
a by-post view). Every figure is the program report's own query (reports/figures.py). No Qt."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import sqlite_utils

from ccp_desktop.domain.reference import load_reference
from ccp_desktop.reports import figures as fg
from ccp_desktop.store.installation import get_installation


@dataclass
class DashboardSummary:
    scope: str  # "FJ-SUVA" or "all posts"
    activities_by_stream_status: dict[str, dict[str, int]] = field(default_factory=dict)
    participants_by_sex: dict[str, int] = field(default_factory=dict)
    tranches: list[dict[str, object]] = field(default_factory=list)  # code, label, amount, budget, spend
    equipment_value_by_country: list[tuple[str, float]] = field(default_factory=list)  # largest first
    activity_count: int = 0
    item_count: int = 0
    is_hq: bool = False
    post: str | None = None  # at HQ: the post chosen (None: all)
    posts: list[tuple[str, str]] = field(default_factory=list)  # at HQ: (code, "Suva (FJ-SUVA)") to choose from
    by_post: list[fg.PostStatus] = field(default_factory=list)  # at HQ: records, last package, activities, spend

    @property
    def empty(self) -> bool:
        return not self.activity_count and not self.item_count


def value_axis_ticks(most: float, *, whole: bool = False) -> tuple[float, float, int]:
    """(top, step, decimals) of a value axis from 0 that holds `most`: about five steps of 1, 2, 2.5 or 5
    times a power of ten. With `whole` (counts) the step is a whole number, so a count of 1 reads
    0, 1 and not "0, 0, 0, 0, 1" (ticks at 0.2 printed without decimals)."""
    most = max(float(most), 1.0 if whole else 1e-9)
    rough = most / 5
    power = 10.0 ** math.floor(math.log10(rough))
    multiples = (1, 2, 5, 10) if whole else (1, 2, 2.5, 5, 10)
    step = round(next(m * power for m in multiples if m * power >= rough), 12)
    if whole:
        step = max(1.0, step)
    top = round(math.ceil(most / step - 1e-9) * step, 12)
    decimals = 0 if step.is_integer() else len(f"{step:.10g}".split(".")[1])
    return top, step, decimals


def post_label(code: str) -> str:
    label = load_reference().label("posts", code)
    return f"{label} ({code})" if label and label != code else code


def dashboard_summary(db: sqlite_utils.Database, post: str | None = None) -> DashboardSummary:
    """A post sees its own records; HQ every post's (or `post`'s only), and the by-post view."""
    install = get_installation(db)
    is_hq = install is not None and install.is_hq
    own = install.post_code if install is not None and not is_hq else None
    chosen = own or (post if is_hq else None)
    scope = fg.ReportScope(post=chosen)
    summary = DashboardSummary(scope=own or (post_label(chosen) if chosen else "all posts"), is_hq=is_hq,
                               post=chosen if is_hq else None)

    for group in fg.activities_by(db, scope, "stream_status"):
        stream, status = group.key
        summary.activities_by_stream_status.setdefault(stream, {})[status] = group.activities
        summary.activity_count += group.activities

    # Funding, participants and equipment value: the program report's own queries, so both show the same.
    people = fg.participants_total(db, scope)
    summary.participants_by_sex = {"female": people.female, "male": people.male, "other": people.other}
    summary.tranches = [{"code": t.code, "label": t.label, "amount": t.amount, "budget": t.budget, "spend": t.spend}
                        for t in fg.funding_by_tranche(db, scope) if t.code is not None]
    by_country = fg.equipment_value_by(db, scope, "country")
    summary.equipment_value_by_country = [(row.key, row.value) for row in by_country]
    summary.item_count = sum(row.lines for row in by_country)
    if is_hq:
        summary.posts = sorted(((code, post_label(code)) for code in fg.known_posts(db)), key=lambda p: p[1])
        summary.by_post = fg.posts_included(db, scope)
    return summary
