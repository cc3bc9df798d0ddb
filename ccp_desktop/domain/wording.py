"""How numbers and codes read in sentences a person sees: one place, so every screen words them alike."""

from __future__ import annotations


def count_of(count: int, singular: str, plural: str | None = None) -> str:
    """"1 activity", "2 activities", "1,204 item lines": the noun agrees with the number."""
    noun = singular if count == 1 else (plural or singular + "s")
    return f"{count:,} {noun}"
