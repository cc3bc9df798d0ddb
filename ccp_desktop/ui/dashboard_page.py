"""The dashboard: four charts of the post's own work, refreshed (on the worker) when records change. At HQ
every chart follows a post filter (all posts, or one), and a by-post view lists each post's records, last
package, activities and spend (double-click a post to show only its records)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QPieSeries,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ccp_desktop.domain.reference import load_reference
from ccp_desktop.domain.wording import count_of, local_time
from ccp_desktop.ui.changes import OpChanges, RefreshingPage
from ccp_desktop.ui.worker import BackgroundWorker

if TYPE_CHECKING:  # the figures' module is imported by the first refresh, on the worker: not at start-up
    from ccp_desktop.reports.dashboard import DashboardSummary

PALETTE = ["#1f5f8b", "#e07a1f", "#3a9d5d", "#b8433c", "#7a5ea8", "#8c6d46", "#c9a227", "#5c6f7e"]
SEX_LABELS = {"female": "Female", "male": "Male", "other": "Other/not stated"}
# review_items: at HQ a merged duplicate activity is counted once.
DEPENDS_ON = frozenset({"activities", "equipment_deliveries", "equipment_items", "review_items"})
BY_POST_COLUMNS = ("Post", "Records", "Activities", "Spend (AUD)", "Item lines", "Last package made", "Imported")


def _chart(title: str) -> tuple[QChart, QChartView]:
    chart = QChart()
    chart.setTitle(title)
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.setMargins(QMargins(4, 4, 4, 4))
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    view = QChartView(chart)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setMinimumSize(260, 170)  # four fit in the window on a 1024x600 screen
    view.setAccessibleName(title)
    return chart, view


class DashboardPage(RefreshingPage):
    refreshed = Signal()

    def __init__(self, worker: BackgroundWorker | None, db: Any = None, parent: QWidget | None = None,
                 *, is_hq: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("page-dashboard")
        self.worker, self.db, self.is_hq = worker, db, is_hq
        self.stale = True
        self.summary: DashboardSummary | None = None
        self.heading = QLabel()
        self.heading.setObjectName("dashboard-heading")
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self.heading.setFont(font)
        self.streams_chart, streams_view = _chart("Activities by line of effort and status")
        self.sex_chart, sex_view = _chart("Participants by sex")
        self.tranche_chart, tranche_view = _chart("Spend against each funding tranche (AUD millions)")
        self.country_chart, country_view = _chart("Equipment value by country (AUD thousands)")
        grid = QGridLayout()
        grid.addWidget(streams_view, 0, 0)
        grid.addWidget(sex_view, 0, 1)
        grid.addWidget(tranche_view, 1, 0)
        grid.addWidget(country_view, 1, 1)
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(grid, 1)
        # HQ: a post filter over every chart, and the by-post view (a post's own app has neither).
        self.post_filter = QComboBox()
        self.post_filter.setObjectName("dashboard-post")
        self.post_filter.setAccessibleName("Show the records of")
        self.post_filter.addItem("All posts", "")
        self.post_filter.currentIndexChanged.connect(self._post_chosen)
        self.by_post = QTableWidget(0, len(BY_POST_COLUMNS))
        self.by_post.setObjectName("dashboard-by-post")
        self.by_post.setAccessibleName("By post")
        self.by_post.setHorizontalHeaderLabels(list(BY_POST_COLUMNS))
        self.by_post.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.by_post.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.by_post.verticalHeader().setVisible(False)
        self.by_post.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.by_post.setToolTip("Double-click a post to show only its records")
        self.by_post.cellDoubleClicked.connect(self._post_row_chosen)
        self.by_post.setMaximumHeight(170)
        if is_hq:
            top.addWidget(QLabel("Post:"))
            top.addWidget(self.post_filter)
            grid.addWidget(self.by_post, 2, 0, 1, 2)
        else:
            self.post_filter.hide()
            self.by_post.hide()

    # --- refreshing ------------------------------------------------------------------------------------
    def on_changes(self, changes: OpChanges) -> None:
        if changes.touches(DEPENDS_ON):
            self.mark_stale()

    def chosen_post(self) -> str | None:
        data = self.post_filter.currentData()
        return str(data) if self.is_hq and data else None

    def _post_chosen(self) -> None:
        if not self._filling:
            self.refresh()

    def _post_row_chosen(self, row: int, _column: int) -> None:
        item = self.by_post.item(row, 0)
        index = self.post_filter.findData(item.data(Qt.ItemDataRole.UserRole)) if item else -1
        if index >= 0:
            self.post_filter.setCurrentIndex(index)

    _filling = False

    def refresh(self) -> None:
        self.stale = False
        self.heading.setText("Counting…" if self.summary is None else self.heading.text())
        post = self.chosen_post()

        def summarise(db: Any, progress: Any = None, cancelled: Any = None) -> DashboardSummary:
            from ccp_desktop.reports.dashboard import dashboard_summary

            return dashboard_summary(db, post)

        if self.worker is None:
            self.show_summary(summarise(self.db))
            return
        self.worker.submit("dashboard", summarise,
                           on_done=self.show_summary, on_error=lambda exc: self.heading.setText(f"Dashboard unavailable: {exc}"))

    def show_summary(self, summary: DashboardSummary) -> None:
        self.summary = summary
        self.heading.setText(
            f"{count_of(summary.activity_count, 'activity', 'activities')} and "
            f"{count_of(summary.item_count, 'equipment item line')}, {summary.scope}"
            if not summary.empty else f"No records yet for {summary.scope}: add an activity or a delivery to see them here."
        )
        self._streams(summary)
        self._participants(summary)
        self._tranches(summary)
        self._countries(summary)
        if summary.is_hq:
            self._fill_posts(summary)
        self.refreshed.emit()

    # --- HQ: the post filter and the by-post view ---------------------------------------------------------
    def _fill_posts(self, summary: DashboardSummary) -> None:
        """The filter lists the posts HQ holds records or packages from; the choice is kept across refreshes."""
        from ccp_desktop.reports.dashboard import post_label

        chosen = self.post_filter.currentData()
        self._filling = True
        try:
            self.post_filter.clear()
            self.post_filter.addItem("All posts", "")
            for code, label in summary.posts:
                self.post_filter.addItem(label, code)
            self.post_filter.setCurrentIndex(max(self.post_filter.findData(chosen), 0))
        finally:
            self._filling = False
        self.by_post.setRowCount(len(summary.by_post))
        for row, p in enumerate(summary.by_post):
            values = [post_label(p.post), f"{p.activities + p.item_lines:,}", f"{p.activities:,}", f"{p.spend:,.2f}",
                      f"{p.item_lines:,}", local_time(p.last_package_made, never="none"),
                      local_time(p.last_imported, never="none")]
            for col, value in enumerate(values):
                cell = QTableWidgetItem(value)
                if col == 0:
                    cell.setData(Qt.ItemDataRole.UserRole, p.post)
                if 1 <= col <= 4:
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.by_post.setItem(row, col, cell)
        self.by_post.resizeColumnsToContents()
        self.by_post.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)

    # --- the charts --------------------------------------------------------------------------------------
    @staticmethod
    def _reset(chart: QChart) -> None:
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)

    def _streams(self, summary: DashboardSummary) -> None:
        ref = load_reference()
        chart = self.streams_chart
        self._reset(chart)
        streams = [s["code"] for s in ref.entries("streams")]
        names = [ref.short_label("streams", code) for code in streams]  # labels, not codes, where a person reads
        series = QStackedBarSeries()
        for n, status in enumerate(ref.entries("activity_statuses")):
            bar = QBarSet(status["label"])
            bar.setColor(QColor(PALETTE[n % len(PALETTE)]))
            for stream in streams:
                bar.append(summary.activities_by_stream_status.get(stream, {}).get(status["code"], 0))
            series.append(bar)
        chart.addSeries(series)
        most = max((sum(v.values()) for v in summary.activities_by_stream_status.values()), default=0)
        _add_axes(chart, series, names, most, whole=True)

    def _participants(self, summary: DashboardSummary) -> None:
        chart = self.sex_chart
        self._reset(chart)
        series = QPieSeries()
        total = sum(summary.participants_by_sex.values())
        for n, (key, label) in enumerate(SEX_LABELS.items()):
            count = summary.participants_by_sex.get(key, 0)
            pie = series.append(f"{label} {count:,}" + (f" ({100 * count / total:.0f}%)" if total else ""), count)
            pie.setColor(QColor(PALETTE[n]))
        series.setPieSize(0.75)
        chart.addSeries(series)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignRight)

    def _tranches(self, summary: DashboardSummary) -> None:
        chart = self.tranche_chart
        self._reset(chart)
        series = QHorizontalBarSeries()
        amount, spend = QBarSet("Tranche"), QBarSet("Spent")
        amount.setColor(QColor("#c8d6e5"))
        spend.setColor(QColor(PALETTE[0]))
        labels = []
        for t in summary.tranches:
            amount.append(float(t["amount"]) / 1e6)  # type: ignore[arg-type]
            spend.append(float(t["spend"]) / 1e6)  # type: ignore[arg-type]
            labels.append(str(t["code"]).removeprefix("T"))
        series.append(amount)
        series.append(spend)
        chart.addSeries(series)
        most = max((float(t["amount"]) / 1e6 for t in summary.tranches), default=1.0)  # type: ignore[arg-type]
        _add_axes(chart, series, labels, most, horizontal=True)

    def _countries(self, summary: DashboardSummary) -> None:
        ref = load_reference()
        chart = self.country_chart
        self._reset(chart)
        top = summary.equipment_value_by_country[:8]
        series = QBarSeries()
        bar = QBarSet("Equipment value")
        bar.setColor(QColor(PALETTE[2]))
        for _, value in top:
            bar.append(value / 1000)
        series.append(bar)
        chart.addSeries(series)
        chart.legend().setVisible(False)
        names = [code if len(ref.label("activity_places", code)) > 12 else ref.label("activity_places", code)
                 for code, _ in top] or ["(none)"]
        _add_axes(chart, series, names, max((v / 1000 for _, v in top), default=1.0))


def _add_axes(chart: Any, series: Any, categories: list[str], most: float,
              *, whole: bool = False, horizontal: bool = False) -> None:
    """A category axis and a value axis from 0 to `most` (rounded to nice numbers; whole numbers for
    counts), attached to `series`; a horizontal bar chart has its categories on the left."""
    category_side, value_side = Qt.AlignmentFlag.AlignBottom, Qt.AlignmentFlag.AlignLeft
    if horizontal:
        category_side, value_side = value_side, category_side
    categories_axis = QBarCategoryAxis()
    categories_axis.append(categories)
    chart.addAxis(categories_axis, category_side)
    series.attachAxis(categories_axis)
    from ccp_desktop.reports.dashboard import value_axis_ticks

    values_axis = QValueAxis()
    top, step, decimals = value_axis_ticks(most, whole=whole)
    values_axis.setLabelFormat(f"%.{decimals}f")
    values_axis.setRange(0, top)
    values_axis.setTickCount(round(top / step) + 1)
    chart.addAxis(values_axis, value_side)
    series.attachAxis(values_axis)
