"""The local SQLite database through sqlite-utils: connection, migrations, records, journal, backups.

Import what you need from its modules (`ccp_desktop.store.records`, `.connection`, …): the package itself
loads nothing, so that importing any one of them does not pull in the rest (the desktop app shows its
window before it imports sqlite-utils, a tenth of a second)."""
