"""Native Excel charts (openpyxl chart objects, not pictures) over a report table's cells. No Qt."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from openpyxl.chart import BarChart, PieChart, Reference
from openpyxl.chart._chart import ChartBase
from openpyxl.chart.label import DataLabelList

from ccp_desktop.reports.sheets import Table

PALETTE = ["1F5F8B", "E07A1F", "3A9D5D", "B8433C", "7A5EA8", "8C6D46", "C9A227", "5C6F7E"]
WIDTH_CM, HEIGHT_CM = 17.0, 8.5


def bar_chart(title: str, table: Table, category_col: int, value_cols: Sequence[int], *, horizontal: bool = False,
              stacked: bool = False, number_format: str = "#,##0", height: float = HEIGHT_CM) -> Callable[[Any], ChartBase]:
    """Bars for `value_cols` (1-based, series named by their headers) against the labels in `category_col`."""

    def make(sheet: Any) -> ChartBase:
        chart = BarChart()
        chart.type = "bar" if horizontal else "col"
        chart.title = title
        chart.width, chart.height = WIDTH_CM, height
        if stacked:
            chart.grouping, chart.overlap = "stacked", 100
        for n, col in enumerate(value_cols):
            data = Reference(sheet, min_col=col, min_row=table.header_row, max_row=table.last_row)
            chart.add_data(data, titles_from_data=True)
            chart.series[-1].graphicalProperties.solidFill = PALETTE[n % len(PALETTE)]
            chart.series[-1].graphicalProperties.line.solidFill = PALETTE[n % len(PALETTE)]
        chart.set_categories(Reference(sheet, min_col=category_col, min_row=table.first_row, max_row=table.last_row))
        chart.y_axis.numFmt = number_format
        chart.y_axis.majorGridlines = None if horizontal else chart.y_axis.majorGridlines
        for axis in (chart.x_axis, chart.y_axis):
            axis.delete = False  # recent Excel hides axes that do not say so
        chart.x_axis.tickLblSkip = 1  # every category named, not every other one
        if horizontal:
            chart.x_axis.scaling.orientation = "maxMin"  # first row at the top, as in the table
        chart.legend.position = "b"
        if len(value_cols) == 1:
            chart.legend = None
        return chart

    return make


def pie_chart(title: str, table: Table, category_col: int, value_col: int) -> Callable[[Any], ChartBase]:
    def make(sheet: Any) -> ChartBase:
        chart = PieChart()
        chart.title = title
        chart.width, chart.height = 12.0, HEIGHT_CM
        chart.add_data(Reference(sheet, min_col=value_col, min_row=table.header_row, max_row=table.last_row),
                       titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=category_col, min_row=table.first_row, max_row=table.last_row))
        # Only the share on each slice: LibreOffice otherwise prints series, category and value as well.
        chart.dataLabels = DataLabelList(showPercent=True, showVal=False, showCatName=False, showSerName=False,
                                         showLegendKey=False, showLeaderLines=False)
        chart.legend.position = "r"
        return chart

    return make
