"""Many equipment items, fast, through the store's bulk path (tests and benchmarks)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import sqlite_utils

from ccp_desktop.store.records import insert_records_bulk

ITEMS_PER_DELIVERY = 4
COUNTRIES = ("FJ", "PG", "WS", "TO", "VU", "SB")


def serial_for(n: int) -> str:
    """The serial number of the n-th generated item (1-based)."""
    return f"BULK-{n:08d}"


def country_of(n: int) -> str:
    """The country of the delivery holding the n-th generated item."""
    return COUNTRIES[((n - 1) // ITEMS_PER_DELIVERY) % len(COUNTRIES)]


def load_bulk_items(db: sqlite_utils.Database, items: int) -> dict[str, Any]:
    """`items` item lines in deliveries of four to one recipient; returns ids to look things up."""
    partner_id = str(uuid.uuid4())
    insert_records_bulk(db, "partners", [{"id": partner_id, "name": "Ministry of ICT", "category": "partner_government", "country": "FJ"}])
    delivery_ids = [str(uuid.uuid4()) for _ in range((items + ITEMS_PER_DELIVERY - 1) // ITEMS_PER_DELIVERY)]

    def deliveries() -> Iterator[dict[str, Any]]:
        for n, did in enumerate(delivery_ids):
            yield {
                "id": did, "recipient_partner_id": partner_id, "country": COUNTRIES[n % len(COUNTRIES)],
                "status": "handed_over", "delivered_on": f"{2017 + n % 7}-0{1 + n % 9}-15",
                "handover_ref": f"HO-{n:07d}", "received_by_name": "Grace Kaupa",
            }

    def item_rows() -> Iterator[dict[str, Any]]:
        for n in range(1, items + 1):
            yield {
                "delivery_id": delivery_ids[(n - 1) // ITEMS_PER_DELIVERY], "category": "laptop",
                "description": "Laptop 14-inch", "make_model": "Dell Latitude 5440", "quantity": 1,
                "unit_value_aud": 1850.0, "serials": [serial_for(n)],
            }

    insert_records_bulk(db, "equipment_deliveries", deliveries(), validate=False)
    insert_records_bulk(db, "equipment_items", item_rows(), validate=False)
    return {"partner_id": partner_id, "delivery_ids": delivery_ids}
