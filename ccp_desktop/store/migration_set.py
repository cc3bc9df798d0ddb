"""The one migration set every schema step registers with (sqlite_utils.Migrations), in the order the
step modules are imported by `store/migrations.py`."""

from __future__ import annotations

from sqlite_utils import Migrations

migrations = Migrations("ccp_desktop")
