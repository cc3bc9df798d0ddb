"""Everything that imports Qt. (PySide6 6.12.0 leaked a reference on every signal emit; pyproject pins
`pyside6<6.12` for that reason, and tests/ui/test_signal_emit_refcount.py holds the pinned version to it.)

Imports of Qt widgets: a module that needs more QtWidgets classes than fit on one import line imports the
module, `from PySide6 import QtWidgets as qw`, and writes `qw.QLabel`; ruff's isort would otherwise stand
a dozen names one per line at the head of each such module. A module using a few names imports them.
Modules still holding a long list (the forms, the dashboard, the main window) change over when reworked."""
