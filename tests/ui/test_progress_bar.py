"""A worker job's progress, as the HQ import page and the report dialog show it."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QProgressBar, QProgressDialog

from ccp_desktop.ui.widgets import show_progress


def test_a_job_that_has_not_counted_its_work_still_shows_a_bar_and_a_count_stops_at_the_end(qtbot: Any) -> None:
    bar = QProgressBar()
    qtbot.addWidget(bar)
    show_progress(bar, 0, 0)  # not counted yet: an empty bar, not Qt's endless "busy" one (range 0–0)
    assert (bar.minimum(), bar.maximum(), bar.value()) == (0, 1, 0)
    show_progress(bar, 3, 10)
    assert (bar.maximum(), bar.value()) == (10, 3)
    show_progress(bar, 12, 10)  # a final tick may count past the total
    assert (bar.maximum(), bar.value()) == (10, 10)


def test_the_report_dialog_takes_the_same_progress(qtbot: Any) -> None:
    dialog = QProgressDialog("Writing the report", "Cancel", 0, 0)
    qtbot.addWidget(dialog)
    show_progress(dialog, 250, 1000)
    assert (dialog.maximum(), dialog.value()) == (1000, 250)
