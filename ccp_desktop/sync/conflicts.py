"""Conflicts at HQ: a record changed at HQ and at the post since they last agreed. Both versions are kept
until a person chooses one. Choosing the post's makes it HQ's current version (as a new revision);
choosing HQ's keeps HQ's, and a later change from the post to that record is listed again, because the
post never saw HQ's version."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from ccp_desktop.domain import records as r
from ccp_desktop.domain.coerce import utc_now
from ccp_desktop.domain.validation import validate_record
from ccp_desktop.errors import NotFoundError, Problem, ValidationError
from ccp_desktop.store import sync_state
from ccp_desktop.store.audit import write_audit
from ccp_desktop.store.installation import require_installation
from ccp_desktop.store.records import StoreLookup, dependants_of, encode_row
from ccp_desktop.store.transactions import write_transaction

KEEP_CHOICES = ("post", "hq", "fields")
SIDES = ("post", "hq")


def _revive_dependants(db: sqlite_utils.Database, kind: r.RecordKind, record_id: str, post_code: str, who: str) -> None:
    """HQ's deletion of a record was overruled by the post's version: the dependants HQ deleted with it
    (links, items), which the post never deleted, come back too, so both ends hold the same record."""
    for child_name, column in dependants_of(kind.name):
        child = r.record_kind(child_name)
        rows = db.execute(f"SELECT {', '.join(child.keys)} FROM {child_name} WHERE {column} = ? AND deleted = 1",
                          [record_id]).fetchall()
        for row in rows:
            current = dict(zip(child.keys, row, strict=True))
            state = sync_state.record_state(db, child_name, current["id"])
            if state is None or current["rev"] <= state.agreed_rev:
                continue  # the post deleted it (or HQ never agreed it with the post): it stays deleted
            revived = dict(current, deleted=0, rev=current["rev"] + 1, updated_at=utc_now(), updated_by=who)
            sync_state.write_remote_rows(db, child, [tuple(revived[k] for k in child.keys)], replace=True)
            sync_state.set_record_states(db, child_name, post_code, [(current["id"], sync_state.RecordState(
                state.seen_rev, revived["rev"], state.incarnation, state.seq))])
            write_audit(db, who, "revive-with-parent", child_name, current["id"], revived["rev"], {"parent": record_id})


def list_conflicts(db: sqlite_utils.Database, *, include_resolved: bool = False) -> list[dict[str, Any]]:
    """Each conflict with both versions and the fields on which they differ."""
    out = []
    for conflict in sync_state.list_conflicts(db, include_resolved=include_resolved):
        hq, post = conflict["hq_version"], conflict["post_version"]
        kind = r.record_kind(conflict["table_name"])
        conflict["differences"] = [
            {"field": f.key, "label": f.label, "hq": hq.get(f.key), "post": post.get(f.key)}
            for f in kind.fields
            if (not f.system or f.key == "deleted") and hq.get(f.key) != post.get(f.key)
        ]
        conflict["title"] = post.get(kind.title_field) or hq.get(kind.title_field) or conflict["record_id"]
        out.append(conflict)
    return out


def differing_fields(conflict: dict[str, Any]) -> list[str]:
    """The fields a person chooses between: content and the deletion flag, where the versions differ."""
    hq, post = conflict["hq_version"], conflict["post_version"]
    kind = r.record_kind(conflict["table_name"])
    return [f.key for f in kind.fields if (not f.system or f.key == "deleted") and hq.get(f.key) != post.get(f.key)]


def _merged_version(conflict: dict[str, Any], fields: dict[str, str]) -> dict[str, Any]:
    """HQ's version with the fields chosen from the post's. Every differing field needs a choice."""
    differing = differing_fields(conflict)
    problems = [Problem(key, f"choose post or hq, not {side!r}", side) for key, side in fields.items() if side not in SIDES]
    problems += [Problem(key, "is not a field on which the versions differ", side)
                 for key, side in fields.items() if key not in differing]
    missing = [key for key in differing if key not in fields]
    if missing:
        problems.append(Problem(missing[0], f"choose which version to keep for {', '.join(missing)}"))
    if problems:
        raise ValidationError(problems)
    merged = dict(conflict["hq_version"])
    merged.update({key: conflict["post_version"][key] for key, side in fields.items() if side == "post"})
    return merged


def resolve_conflict(db: sqlite_utils.Database, conflict_id: int, keep: str, *, officer: str | None = None,
                     fields: dict[str, str] | None = None) -> dict[str, Any]:
    """Settle one conflict; returns the record as HQ now holds it. keep="post" or "hq" takes one version
    whole; keep="fields" takes each differing field from the side named in `fields` ({"title": "post",
    "location": "hq"}), and the result is a new revision, as keeping the post's is."""
    if keep not in KEEP_CHOICES:
        raise ValidationError([Problem("keep", "choose post, hq or fields", keep)])
    if (keep == "fields") != (fields is not None):
        raise ValidationError([Problem("fields", "a choice per field goes with keep=fields (and only with it)", keep)])
    install = require_installation(db)
    who = officer or install.officer
    with write_transaction(db):
        conflict = sync_state.get_conflict(db, conflict_id)
        if conflict is None:
            raise NotFoundError(f"No conflict number {conflict_id}")
        if conflict["status"] != "open":
            raise ValidationError([Problem("id", f"conflict {conflict_id} was settled already ({conflict['status']} "
                                                 f"on {conflict['resolved_at']} by {conflict['resolved_by']})", conflict_id)])
        kind = r.record_kind(conflict["table_name"])
        current_row = sync_state.stored_row(db, kind, conflict["record_id"])
        if current_row is None:
            raise NotFoundError(f"The {kind.label.lower()} {conflict['record_id']} is no longer in the database")
        current = dict(zip(kind.keys, current_row, strict=True))
        if current["rev"] != conflict["hq_rev"]:
            raise ValidationError([Problem("rev", f"the HQ record changed since this conflict was listed (now rev "
                                                  f"{current['rev']}); review it again", current["rev"])])
        kept = conflict["hq_version"]
        chosen = _merged_version(conflict, fields) if keep == "fields" and fields is not None else None
        if chosen is not None and chosen == conflict["hq_version"]:
            chosen = None  # every field from HQ: HQ's version as it stands, no new revision needed
        if keep == "post" or chosen is not None:
            kept = dict(chosen if chosen is not None else conflict["post_version"])
            kept.update(rev=max(current["rev"], kept["rev"]) + 1, updated_at=utc_now(), updated_by=who)
            problems = validate_record(kind, kept, lookup=StoreLookup(db), check_system=True)
            if problems:
                raise ValidationError(problems, f"The {'chosen' if chosen is not None else 'post'}'s version cannot be "
                                      "kept as it is: " + "; ".join(p.describe() for p in problems))
            row = encode_row(kind, kept)
            sync_state.write_remote_rows(db, kind, [tuple(row[k] for k in kind.keys)], replace=True)
            seen = sync_state.record_state(db, kind.name, kept["id"])
            # Kept whole, the post's version is what both ends hold: agreed. A mix is new to the post (no
            # package has carried it there yet), so, as with keeping HQ's, the post's next change to the
            # record is listed again rather than laid over fields HQ chose.
            agreed = kept["rev"] if chosen is None else (seen.agreed_rev if seen else 0)
            sync_state.set_record_states(db, kind.name, conflict["post_code"], [(kept["id"], sync_state.RecordState(
                conflict["post_rev"], agreed, seen.incarnation if seen else None, seen.seq if seen else None))])
            if conflict["hq_version"].get("deleted") and not kept.get("deleted"):
                _revive_dependants(db, kind, kept["id"], conflict["post_code"], who)
        sync_state.mark_conflict_resolved(db, conflict_id, f"kept-{keep}", who, fields)
        # A link deleted with its activity follows it: with the post's deletion if that was kept.
        held_keep = keep if keep != "fields" else "post" if kept.get("deleted") and not conflict["hq_version"].get("deleted") \
            or (fields or {}).get("deleted") == "post" else "hq"
        for held in sync_state.held_conflict_ids(db, conflict_id):
            resolve_conflict(db, held, held_keep, officer=who)
        write_audit(db, who, "resolve-conflict", kind.name, conflict["record_id"], kept["rev"],
                    {"conflict": conflict_id, "kept": keep, **({"fields": fields} if fields is not None else {})})
    return kept
