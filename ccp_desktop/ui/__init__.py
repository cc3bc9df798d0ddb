"""Everything that imports Qt. (PySide6 6.12.0 leaked a reference on every signal emit; pyproject pins
`pyside6<6.12` for that reason, and tests/ui/test_signal_emit_refcount.py holds the pinned version to it.)"""
