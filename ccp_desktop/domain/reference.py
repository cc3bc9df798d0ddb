"""The program's reference data (streams, countries, tranches, ...), read from `resources/reference/`.

Forms, the CLI, the importer and the database all take their lists from here; nothing is hard-coded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ccp_desktop.paths import resource_path

# Every list that a record field may draw its codes from, by name.
CHOICE_LISTS = (
    "streams",
    "activity_types",
    "partner_categories",
    "partner_roles",
    "regions",
    "countries",
    "regional_codes",
    "posts",
    "tranches",
    "activity_statuses",
    "delivery_statuses",
    "audiences",
    "item_categories",
    "gender_markers",
    "sdg_targets",
    "dac_codes",
)


@dataclass(frozen=True)
class ReferenceData:
    """All reference lists; each entry is a dict with at least `code` and `label`."""

    program: dict[str, Any]
    lists: dict[str, list[dict[str, Any]]]
    _codes: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)

    def entries(self, name: str) -> list[dict[str, Any]]:
        return self.lists[name]

    def codes(self, name: str) -> frozenset[str]:
        return self._codes[name]

    def label(self, name: str, code: str | None) -> str:
        for entry in self.lists[name]:
            if entry["code"] == code:
                return str(entry["label"])
        return code or ""

    def short_label(self, name: str, code: str | None) -> str:
        """The label where room is short (a chart axis, a list column): the entry's `short_label` if it has one."""
        entry = self.entry(name, code) if code is not None else None
        return str(entry.get("short_label") or entry["label"]) if entry else (code or "")

    def post_code_for(self, text: str) -> str:
        """The post code for what an officer typed: the code, the city ("Port Vila"), "CODE — city", or the
        country when it has one post ("Vanuatu"), in any case or spacing. Anything else comes back as
        typed, in capitals, for the code rules to judge (a new post not yet in the list)."""
        from ccp_desktop.domain.wording import name_key

        key = name_key(text)
        if not key:
            return ""
        for post in self.lists["posts"]:
            city = str(post["label"]).split(" (")[0]
            names = {post["code"], post["label"], city, f"{post['code']} — {post['label']}"}
            if key in {name_key(n) for n in names}:
                return str(post["code"])
        country = next((c["code"] for c in self.lists["countries"] if name_key(str(c["label"])) == key), None)
        in_country = [p for p in self.lists["posts"] if p.get("country") == country]
        if country and len(in_country) == 1:
            return str(in_country[0]["code"])
        return text.strip().upper()

    def entry(self, name: str, code: str) -> dict[str, Any] | None:
        return next((e for e in self.lists[name] if e["code"] == code), None)

    def stream_of(self, activity_type: str) -> str | None:
        entry = self.entry("activity_types", activity_type)
        return entry["stream"] if entry else None

    def activity_types_for(self, stream: str) -> list[dict[str, Any]]:
        return [e for e in self.lists["activity_types"] if e["stream"] == stream]

    def default_dac_code(self, activity_type: str) -> str | None:
        entry = self.entry("activity_types", activity_type)
        return entry.get("dac_code") if entry else None

    def is_serialised(self, item_category: str) -> bool:
        entry = self.entry("item_categories", item_category)
        return bool(entry and entry.get("serialised"))

    def region_of(self, place: str) -> str | None:
        entry = self.entry("countries", place) or self.entry("regional_codes", place)
        return entry["region"] if entry else None


def _load_json(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


@cache
def load_reference() -> ReferenceData:
    """Read the reference files once per process."""
    program = _load_json(resource_path("reference", "program.json"))
    dac = _load_json(resource_path("reference", "dac_sectors.json"))
    lists: dict[str, list[dict[str, Any]]] = {name: program[name] for name in CHOICE_LISTS if name in program}
    lists["dac_codes"] = [
        {"code": e["code"], "label": f"{e['code']} {e['name']}", "suggested": e["suggested"]}
        for e in dac["codes"]
    ]
    # Where an activity can take place: a partner country or a regional code.
    lists["activity_places"] = [
        {"code": c["code"], "label": c["label"], "region": c["region"]}
        for c in lists["countries"]
        if c.get("partner")
    ] + list(lists["regional_codes"])
    codes = {name: frozenset(str(e["code"]) for e in entries) for name, entries in lists.items()}
    return ReferenceData(program=program["program"], lists=lists, _codes=codes)
