"""How numbers and codes read in sentences a person sees: one place, so every screen words them alike."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def count_of(count: int, singular: str, plural: str | None = None) -> str:
    """"1 activity", "2 activities", "1,204 item lines": the noun agrees with the number."""
    noun = singular if count == 1 else (plural or singular + "s")
    return f"{count:,} {noun}"


def local_time(stamp: str | None, *, never: str = "") -> str:
    """A stored UTC stamp (…Z) as the laptop's clock reads it, with the zone named: "2026-03-05 20:30 AEDT".
    Stamps stay UTC in the database and in packages; only what a person reads is local."""
    if not stamp:
        return never
    moment = dt.datetime.fromisoformat(str(stamp).strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    local = moment.astimezone()
    name = local.tzname() or ""
    if not name or name[0] in "+-":  # a zone with no abbreviation (Vanuatu's is "+11"): say so plainly
        offset = local.utcoffset() or dt.timedelta()
        minutes = int(offset.total_seconds() // 60)
        sign, minutes = ("+" if minutes >= 0 else "-"), abs(minutes)
        name = "UTC" if minutes == 0 else f"UTC{sign}{minutes // 60}" + (f":{minutes % 60:02d}" if minutes % 60 else "")
    return f"{local:%Y-%m-%d %H:%M} {name}"


def name_key(name: str) -> str:
    """A name as compared by a person: case, accents, punctuation and spacing do not count."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii") or name
    return _NOT_WORD.sub(" ", folded.casefold()).strip()
