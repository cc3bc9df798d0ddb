"""At HQ: the Reports menu writes the report and the IATI file on the worker, with progress and cancel;
the dashboard shows the same funding and participant figures as the report's cells."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from lxml import etree
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QPushButton

from ccp_desktop.errors import Cancelled
from ccp_desktop.reports.program_report import write_program_report
from ccp_desktop.ui.main_window import MainWindow
from tests.reports.test_program_report import table


@pytest.fixture
def hq_window(qtbot: Any, hq_path: Path) -> Iterator[MainWindow]:
    window = MainWindow(hq_path)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.close()


def test_the_dashboard_shows_the_reports_funding_and_participants(qtbot: Any, hq_window: MainWindow, tmp_path: Path) -> None:
    page = hq_window.dashboard
    hq_window.show_page("dashboard")
    qtbot.waitUntil(lambda: page.summary is not None, timeout=10_000)
    book = openpyxl.load_workbook(write_program_report(hq_window.db, tmp_path / "r.xlsx").path)
    _, people = table(book["Participants by stream"], "Line of effort")
    assert [s.value() for s in page.sex_chart.series()[0].slices()] == people[1:4]  # female, male, other
    funding, _ = table(book["Funding"], "Tranche")
    amount, spent = page.tranche_chart.series()[0].barSets()
    assert [amount.at(i) * 1e6 for i in range(amount.count())] == pytest.approx([r[2] for r in funding], abs=0.005)
    assert [spent.at(i) * 1e6 for i in range(spent.count())] == pytest.approx([r[4] for r in funding], abs=0.005)
    assert [row[4] for row in funding] == [t["spend"] for t in page.summary.tranches]  # the very same numbers
    assert page.heading.text().endswith("all posts")


def test_only_hq_has_the_reports_menu(qtbot: Any, hq_window: MainWindow, main_window: MainWindow) -> None:
    menus = [a.text() for a in hq_window.menuBar().actions()]
    assert menus == ["&File", "&Edit", "&View", "&Reports", "&Help"]
    assert "&Reports" not in [a.text() for a in main_window.menuBar().actions()]


def _hold(window: MainWindow) -> threading.Event:
    gate = threading.Event()
    window.worker.submit("hold", lambda db, progress, cancelled: gate.wait(20))  # the worker is busy for now
    return gate


def test_program_report_from_the_menu_runs_on_the_worker_with_progress(qtbot: Any, hq_window: MainWindow,
                                                                      tmp_path: Path) -> None:
    actions = hq_window.report_actions
    actions.actions["report"].trigger()
    dialog = actions.dialog
    assert dialog is not None and dialog.isVisible()
    dialog.post.setCurrentIndex(dialog.post.findData("FJ-SUVA"))
    dialog.limit_period.setChecked(True)
    dialog.date_from.setDate(QDate(2020, 1, 1))
    dialog.date_to.setDate(QDate(2019, 1, 1))
    dialog.path.setText(str(tmp_path / "out" / "hq.xlsx"))
    dialog.accept()
    assert dialog.isVisible() and "Period" in dialog.problem.text()  # refused in place, nothing started
    dialog.date_to.setDate(QDate(2021, 12, 31))
    gate = _hold(hq_window)
    dialog.accept()
    assert actions.progress is not None and actions.progress.isVisible()
    assert hq_window.isEnabled()  # the window is not frozen while the worker is busy
    with qtbot.waitSignal(actions.finished, timeout=60_000) as done:
        gate.set()
    result = done.args[0]
    assert result.path == tmp_path / "out" / "hq.xlsx" and result.path.exists()
    book = openpyxl.load_workbook(result.path)
    assert book["Funding"]["A2"].value.startswith("01 Jan 2020 to 31 Dec 2021; records made at fj-suva only")
    assert actions.progress is None and str(result.path) in hq_window.statusBar().currentMessage()


def test_iati_export_can_be_cancelled_and_leaves_no_file(qtbot: Any, hq_window: MainWindow, tmp_path: Path,
                                                       shown_errors: list[Any]) -> None:
    actions = hq_window.report_actions
    target = tmp_path / "iati.xml"
    gate = _hold(hq_window)
    actions.start("iati", target, actions.open_dialog("iati").scope())
    actions.dialog.reject()  # type: ignore[union-attr]
    with qtbot.waitSignal(actions.failed, timeout=60_000) as failed:
        qtbot.mouseClick(actions.progress.findChild(QPushButton), Qt.MouseButton.LeftButton)  # type: ignore[union-attr]
        gate.set()
    assert isinstance(failed.args[0], Cancelled) and not target.exists()
    assert list(tmp_path.glob(".*partial")) == [] and shown_errors == []
    assert "cancelled" in hq_window.statusBar().currentMessage().lower()
    with qtbot.waitSignal(actions.finished, timeout=60_000) as done:
        actions.start("iati", target, actions.open_dialog("iati").scope())
    assert etree.parse(str(done.args[0].path)).getroot().tag == "iati-activities"
