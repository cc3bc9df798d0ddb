"""CCP Field Desk: records and sync packages for the Cyber Cooperation Program."""

from __future__ import annotations

__version__ = "0.2.0"
APP_NAME = "CCP Field Desk"
