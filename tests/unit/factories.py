"""Valid records in user-facing form, for tests to start from and break one field at a time."""

from __future__ import annotations

from typing import Any


def activity(**overrides: Any) -> dict[str, Any]:
    base = {
        "title": "Incident response training, Suva 2021",
        "stream": "CAP",
        "activity_type": "CAP-TRAIN",
        "country": "FJ",
        "location": "Suva",
        "start_date": "2021-03-01",
        "end_date": "2021-03-05",
        "status": "completed",
        "audiences": ["cert_staff", "gov_officials"],
        "participants_female": 12,
        "participants_male": 9,
        "participants_other": 1,
        "tranche": "T2018-PACIFIC",
        "budget_aud": 45000.0,
        "spend_aud": 43125.5,
        "pfr_marker": 1,
        "gender_marker": "1",
        "sdg_targets": ["17.9", "16.a"],
        "summary": "Five-day course for the national CERT.",
        "outcomes": "CERT staff ran their first tabletop exercise.",
    }
    return base | overrides


def partner(**overrides: Any) -> dict[str, Any]:
    return {"name": "Fiji Police Force Cybercrime Unit", "category": "partner_government", "country": "FJ",
            "contact": "Josaia Ravuvu"} | overrides


def delivery(recipient_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "recipient_partner_id": recipient_id,
        "country": "FJ",
        "status": "handed_over",
        "delivered_on": "2021-06-01",
        "handover_ref": "HO-2021-0042",
        "received_by_name": "Grace Kaupa",
        "received_by_title": "Head of CERT",
    } | overrides


def item(delivery_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "delivery_id": delivery_id,
        "category": "laptop",
        "description": "Laptop 14-inch, 16 GB",
        "make_model": "Dell Latitude 5440",
        "quantity": 2,
        "unit_value_aud": 1850.0,
        "serials": ["SN-A1", "SN-A2"],
        "asset_tag": "CCP-100001",
        "warranty_end": "2024-06-01",
    } | overrides
