"""What an operation changed, so that each view refreshes only when it must (as Anki's OpChanges).

Operations (a form saved, a delete, an import, an export) announce an `OpChanges` on the window's
`ChangeHub`; a view compares the tables it reads with the tables that changed. Hidden views only
remember that they are stale and refresh when next shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

# A saved form writes more than its own table: a delivery saves its item lines, an activity its
# partner links, and a partner created inline appears in every list that names partners.
_TABLES_WRITTEN_BY_KIND = {
    "activities": frozenset({"activities", "activity_partners", "partners"}),
    "equipment_deliveries": frozenset({"equipment_deliveries", "equipment_items", "partners"}),
    "partners": frozenset({"partners"}),
}


@dataclass(frozen=True)
class OpChanges:
    tables: frozenset[str] = frozenset()
    sync_state: bool = False  # packages sent or receipts received
    installation: bool = False  # officer name or identity
    source: object = field(default=None, compare=False)  # the widget that made the change, if any

    @classmethod
    def for_kind(cls, kind: str, source: object = None) -> OpChanges:
        return cls(tables=_TABLES_WRITTEN_BY_KIND.get(kind, frozenset({kind})), source=source)

    def touches(self, tables: frozenset[str]) -> bool:
        return bool(self.tables & tables)

    @property
    def records(self) -> bool:
        return bool(self.tables)


class ChangeHub(QObject):
    changed = Signal(object)  # OpChanges

    def announce(self, changes: OpChanges) -> None:
        self.changed.emit(changes)


class RefreshingPage(QWidget):
    """A page that refreshes at once when it is on screen, or else when it is next shown."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stale = True

    def mark_stale(self) -> None:
        self.stale = True
        if self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        """Subclasses reread what they show (and set `stale` to False)."""
        self.stale = False

    def showEvent(self, event: Any) -> None:
        if self.stale:
            self.refresh()
        super().showEvent(event)
