"""The handover certificate of an equipment delivery, as HTML (Qt's rich-text subset): the program's name,
the recipient, every item with its serials and value, the exact total, and signature lines for the person
handing over and the person receiving. `ui/forms/certificate.py` prints it to an A4 PDF."""

from __future__ import annotations

import html
import re
from typing import Any

import sqlite_utils

from ccp_desktop.domain.coerce import cents_to_money, money_to_cents
from ccp_desktop.domain.reference import load_reference
from ccp_desktop.store.installation import require_installation
from ccp_desktop.store.records import get_record, iter_records

_STYLE = """
body { font-family: 'DejaVu Sans', 'Liberation Sans', Arial, sans-serif; font-size: 9.5pt; }
h1 { font-size: 16pt; margin: 0; } h2 { font-size: 12pt; margin-top: 14px; }
.program { font-size: 10pt; color: #444; }
table.items { border-collapse: collapse; width: 100%; }
table.items th { background: #e6e6e6; text-align: left; padding: 4px; border: 1px solid #999; }
table.items td { padding: 4px; border: 1px solid #999; vertical-align: top; }
td.num, th.num { text-align: right; white-space: nowrap; }
.serials { font-family: 'DejaVu Sans Mono', monospace; font-size: 8.5pt; }
table.facts td { padding: 2px 10px 2px 0; }
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _money(value: float | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def certificate_html(db: sqlite_utils.Database, delivery_id: str) -> str:
    """The certificate as HTML (Qt's rich-text subset), from the saved delivery."""
    ref = load_reference()
    delivery = get_record(db, "equipment_deliveries", delivery_id)
    recipient = get_record(db, "partners", delivery["recipient_partner_id"]) if delivery["recipient_partner_id"] else {}
    activity = get_record(db, "activities", delivery["activity_id"]) if delivery["activity_id"] else None
    items = list(iter_records(db, "equipment_items", where="delivery_id = ?", params=[delivery_id]))
    install = require_installation(db)
    program = ref.program
    rows, total_cents = [], 0
    for number, item in enumerate(items, start=1):
        cents = (item["quantity"] or 0) * (money_to_cents(item["unit_value_aud"]) or 0)  # exact, in cents
        total_cents += cents
        value = cents_to_money(cents)
        # A few serials one per line; a long list runs on, comma-separated, to keep the pages few.
        serials = ("<br>" if len(item["serials"]) <= 8 else ", ").join(_e(s) for s in item["serials"]) or "—"
        rows.append(
            f"<tr><td>{number}</td><td><b>{_e(item['description'])}</b><br>{_e(ref.label('item_categories', item['category']))}"
            f"{'<br>' + _e(item['make_model']) if item['make_model'] else ''}"
            f"{'<br>Asset tag: ' + _e(item['asset_tag']) if item['asset_tag'] else ''}"
            f"{'<br>Warranty to ' + _e(item['warranty_end']) if item['warranty_end'] else ''}</td>"
            f"<td class='serials'>{serials}</td><td class='num'>{_e(item['quantity'])}</td>"
            f"<td class='num'>{_money(item['unit_value_aud'])}</td><td class='num'>{_money(value)}</td></tr>"
        )
    facts = [
        ("Handover reference", delivery["handover_ref"] or "—"),
        ("Recipient organisation", recipient.get("name", "—")),
        ("Country", ref.label("activity_places", delivery["country"])),
        ("Delivered on", delivery["delivered_on"] or "—"),
        ("Status", ref.label("delivery_statuses", delivery["status"])),
        ("Recorded by post", f"{ref.label('posts', install.post_code)} ({install.post_code})"),
    ]
    if activity:
        facts.append(("Activity", activity["title"]))
    fact_rows = "".join(f"<tr><td><b>{_e(k)}</b></td><td>{_e(v)}</td></tr>" for k, v in facts)
    received = _e(delivery["received_by_name"]) or "&nbsp;"
    received_title = _e(delivery["received_by_title"]) or "&nbsp;"
    line = "_" * 34
    return f"""<html><head><style>{_STYLE}</style></head><body>
<p class='program'>{_e(program.get('owner', ''))} — {_e(program['name'])}</p>
<h1>Certificate of handover of ICT equipment</h1>
<table class='facts'>{fact_rows}</table>
<h2>Items handed over</h2>
<p>Values in {_e(program.get('currency', 'AUD'))}.</p>
<table class='items' cellspacing='0' cellpadding='4' width='100%'>
<tr><th width='4%'>#</th><th width='27%'>Item</th><th width='33%'>Serial numbers</th><th class='num' width='6%'>Qty</th>
<th class='num' width='14%'>Unit value</th><th class='num' width='16%'>Value</th></tr>
{''.join(rows) or "<tr><td colspan='6'>No items recorded.</td></tr>"}
<tr><td colspan='5' class='num'><b>Total</b></td><td class='num'><b>{_money(cents_to_money(total_cents))}</b></td></tr>
</table>
<p>The items listed above, with the serial numbers shown, were handed over by the {_e(program['name'])}
to the recipient organisation named above, and received in good order unless noted here:</p>
<p>{_e(delivery['notes']) or line * 2}</p>
<h2>Signatures</h2>
<table width='100%' cellspacing='0' cellpadding='6'>
<tr><td width='50%' valign='top'><b>Handed over by</b><br>for the {_e(program['name'])}</td>
<td width='50%' valign='top'><b>Received by</b><br>for {_e(recipient.get('name', 'the recipient'))}</td></tr>
<tr><td><br>Signature: {line}</td><td><br>Signature: {line}</td></tr>
<tr><td>Name: {_e(install.officer)}</td><td>Name: {received}</td></tr>
<tr><td>Title: {line}</td><td>Title: {received_title}</td></tr>
<tr><td>Date: {line}</td><td>Date: {line}</td></tr>
</table>
</body></html>"""


def default_certificate_name(db: sqlite_utils.Database, delivery_id: str) -> str:
    delivery = get_record(db, "equipment_deliveries", delivery_id)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", delivery["handover_ref"] or delivery_id[:8]).strip("-")
    return f"handover-{stem or 'certificate'}.pdf"
