"""Realistic synthetic records for the seed's program: deterministic for a seed, fast for 100,000."""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import sqlite_utils

from ccp_desktop.domain.reference import ReferenceData, load_reference
from ccp_desktop.paths import resource_path
from ccp_desktop.store.installation import require_installation
from ccp_desktop.store.records import insert_records_bulk
from ccp_desktop.store.transactions import write_transaction

FIRST_DAY = dt.date(2016, 1, 1)
LAST_DAY = dt.date(2023, 12, 31)
TRANCHE_SHARE_USED = 0.9  # demo budgets take up to 90% of each tranche


def _names() -> dict[str, Any]:
    with resource_path("reference", "demo_names.json").open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _tranche_for(year: int, region: str | None, rng: random.Random) -> str:
    if year <= 2016:
        return "T2016-GRANTS"
    if year == 2017:
        return rng.choice(["T2017-ICES", "T2016-GRANTS"])
    if year == 2018:
        return "T2018-ASEAN" if region == "SEA" else "T2018-PACIFIC" if region == "PAC" else "T2017-ICES"
    return "T2019-SEA" if region == "SEA" else "T2018-PACIFIC" if region == "PAC" else "T2017-ICES"


class DemoGenerator:
    def __init__(self, post_code: str, seed: int, ref: ReferenceData | None = None) -> None:
        self.rng = random.Random(seed)
        self.ref = ref or load_reference()
        self.names = _names()
        self.seed = seed
        home = post_code.split("-")[0]
        partners = [c["code"] for c in self.ref.entries("countries") if c.get("partner")]
        self.home = home if home in partners else None
        region = self.ref.region_of(home) if self.home else None
        self.neighbours = [c for c in partners if self.ref.region_of(c) == region] if region else partners

    def place(self) -> str:
        roll = self.rng.random()
        if self.home and roll < 0.7:
            return self.home
        if roll < 0.85:
            return self.rng.choice(self.neighbours)
        return self.rng.choice(["RSEA", "RPAC", "RIPA"] if not self.home else
                               ["RSEA"] if self.ref.region_of(self.home) == "SEA" else ["RPAC"])

    def partners(self, count: int) -> list[dict[str, Any]]:
        rng, out = self.rng, []
        categories = list(self.names["partners"])
        for i in range(count):
            category = categories[i % len(categories)] if i < len(categories) else rng.choice(categories)
            base = rng.choice(self.names["partners"][category])
            if category in ("partner_government", "civil_society"):
                country = self.place()
                if country.startswith("R"):
                    country = rng.choice(self.neighbours)
                name = f"{self.ref.label('countries', country)} {base}"
            else:
                country = {"au_government": "AU", "academia": "AU", "industry": "AU"}.get(category) or rng.choice(
                    ["NZ", "US", "GB", "JP", "KR", "CA", "NL"])
                name = base
            if i >= 60:
                name += f" ({rng.choice(['regional office', 'project team', 'training unit', 'secretariat'])} {i})"
            out.append({"id": _uuid(rng), "name": name, "category": category, "country": country,
                        "contact": f"{rng.choice(self.names['people'])}, {rng.choice(self.names['titles'])}"})
        return out

    def activities(self, count: int) -> list[dict[str, Any]]:
        rng, ref, out = self.rng, self.ref, []
        types = ref.entries("activity_types")
        span = (LAST_DAY - FIRST_DAY).days
        for _ in range(count):
            atype = rng.choice(types)
            place = self.place()
            start = FIRST_DAY + dt.timedelta(days=rng.randrange(span))
            end = start + dt.timedelta(days=rng.choice([0, 1, 2, 4, 9, 30, 90, 180]))
            status = rng.choices(["completed", "in_progress", "planned", "postponed", "cancelled"], [70, 10, 10, 6, 4])[0]
            female = rng.randrange(0, 40) if atype["code"] not in ("CAP-EQUIP", "CAP-SERV") else 0
            male = rng.randrange(0, 40) if female or atype["code"] not in ("CAP-EQUIP", "CAP-SERV") else 0
            loc = rng.choice(self.names["locations"].get(place, ["Online"]))
            title = f"{rng.choice(self.names['activity_titles'][atype['code']])}, {loc} {start.year}"
            out.append({
                "id": _uuid(rng), "title": title, "stream": atype["stream"], "activity_type": atype["code"],
                "country": place, "location": loc, "start_date": start.isoformat(),
                "end_date": end.isoformat() if status in ("completed", "in_progress") or rng.random() < 0.5 else None,
                "status": status,
                "audiences": rng.sample([a["code"] for a in ref.entries("audiences")], rng.randrange(1, 4)),
                "participants_female": female, "participants_male": male, "participants_other": rng.choice([0, 0, 0, 1, 2]),
                "tranche": _tranche_for(start.year, ref.region_of(place), rng),
                "budget_aud": 1.0, "spend_aud": None,
                "pfr_marker": int(start.year >= 2020 and rng.random() < 0.6),
                "gender_marker": rng.choices(["0", "1", "2"], [30, 55, 15])[0],
                "sdg_targets": rng.sample(["4.4", "5.b", "9.c", "16.4", "16.6", "16.a", "17.9"], rng.randrange(1, 3)),
                "dac_code": atype["dac_code"],
                "summary": f"{atype['label']} delivered with partners in {ref.label('activity_places', place)}.",
                "outcomes": "Participants reported improved capability." if status == "completed" else None,
            })
        self._set_budgets(out)
        return out

    def _set_budgets(self, activities: list[dict[str, Any]]) -> None:
        """Budgets that add up to no more than each tranche; spend near budget once work has started."""
        rng = self.rng
        weights: dict[str, list[tuple[dict[str, Any], float]]] = defaultdict(list)
        for act in activities:
            weights[act["tranche"]].append((act, rng.uniform(0.3, 1.7)))
        amounts = {t["code"]: t["amount_aud"] for t in self.ref.entries("tranches")}
        for tranche, pairs in weights.items():
            total = sum(w for _, w in pairs)
            pool = amounts[tranche] * TRANCHE_SHARE_USED
            for act, weight in pairs:
                budget = round(min(pool * weight / total, 250_000.0), 2)
                act["budget_aud"] = budget
                if act["status"] in ("completed", "in_progress"):
                    act["spend_aud"] = round(budget * rng.uniform(0.6, 1.05), 2)

    def links(self, activities: list[dict[str, Any]], partners: list[dict[str, Any]]) -> list[dict[str, Any]]:
        rng, out = self.rng, []
        for act in activities:
            chosen = rng.sample(partners, min(len(partners), rng.choice([1, 1, 2, 2, 3])))
            for n, partner in enumerate(chosen):
                role = "lead" if n == 0 else rng.choice(["implementing", "implementing", "co_funding"])
                out.append({"id": _uuid(rng), "activity_id": act["id"], "partner_id": partner["id"], "role": role})
        return out

    def deliveries(self, count: int, activities: list[dict[str, Any]], partners: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        rng = self.rng
        equip = [a for a in activities if a["activity_type"] == "CAP-EQUIP"] or activities
        recipients = [p for p in partners if p["category"] == "partner_government"] or partners
        deliveries, items, serial_no = [], [], 0
        prefix = f"D{self.seed:X}"
        for _ in range(count):
            act = rng.choice(equip) if equip and rng.random() < 0.8 else None
            status = rng.choices(["ordered", "in_transit", "delivered", "handed_over", "installed", "faulty"], [5, 5, 15, 45, 25, 5])[0]
            arrived = dt.date.fromisoformat(act["start_date"]) if act else FIRST_DAY + dt.timedelta(days=rng.randrange(2900))
            handed = status in ("handed_over", "installed", "faulty")
            delivery = {
                "id": _uuid(rng), "activity_id": act["id"] if act else None,
                "recipient_partner_id": rng.choice(recipients)["id"],
                "country": act["country"] if act else self.place(), "status": status,
                "delivered_on": arrived.isoformat() if status not in ("ordered", "in_transit") else None,
                "handover_ref": f"HO-{arrived.year}-{rng.randrange(1, 9999):04d}" if handed else None,
                "received_by_name": rng.choice(self.names["people"]) if handed else None,
                "received_by_title": rng.choice(self.names["titles"]) if handed else None,
                "notes": None,
            }
            deliveries.append(delivery)
            for _line in range(rng.choice([1, 1, 2, 2, 3, 4])):
                category = rng.choice(list(self.names["items"]))
                description, make_model, value = rng.choice(self.names["items"][category])
                quantity = rng.choice([1, 1, 2, 3, 5, 10]) if category not in ("server", "forensic_kit") else 1
                serials = []
                if self.ref.is_serialised(category):
                    for _unit in range(quantity):
                        serial_no += 1
                        serials.append(f"{prefix}-{make_model.split()[0][:3].upper()}-{serial_no:07d}")
                items.append({
                    "id": _uuid(rng), "delivery_id": delivery["id"], "category": category, "description": description,
                    "make_model": make_model, "quantity": quantity, "unit_value_aud": float(value), "serials": serials,
                    "asset_tag": f"CCP-{rng.randrange(100000, 999999)}" if serials else None,
                    "warranty_end": (arrived + dt.timedelta(days=365 * rng.choice([1, 3, 5]))).isoformat() if serials else None,
                })
        return deliveries, items


def load_demo_data(
    db: sqlite_utils.Database, *, activities: int = 200, equipment: int = 50, seed: int = 1,
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Generate and insert demo records in one transaction; returns counts inserted per table."""
    install = require_installation(db)
    gen = DemoGenerator(install.post_code, seed)
    partners = gen.partners(max(12, min(activities // 25, 5000)) if activities else 12)
    acts = gen.activities(activities)
    links = gen.links(acts, partners)
    deliveries, items = gen.deliveries(equipment, acts, partners)
    counts = {}
    with write_transaction(db):
        for table, rows in (("partners", partners), ("activities", acts), ("activity_partners", links),
                            ("equipment_deliveries", deliveries), ("equipment_items", items)):
            if progress:
                progress(table, len(rows))
            counts[table] = insert_records_bulk(db, table, rows)
    return counts
