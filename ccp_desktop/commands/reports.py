"""Report commands for the command line: `report` (the program workbook) and `iati` (the IATI 2.03 file).
`cli.py` calls `register`; handlers parse arguments and call the core (exit 0 done, 1 rejected, 2 usage)."""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path
from typing import Any

from ccp_desktop.commands.common import EXIT_OK, Command
from ccp_desktop.commands.common import open_existing as _open


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (use YYYY-MM-DD)") from None


def _scope(args: argparse.Namespace) -> Any:
    from ccp_desktop.reports.figures import ReportScope

    return ReportScope(date_from=args.date_from, date_to=args.date_to, post=args.post)


def cmd_report(args: argparse.Namespace) -> int:
    from ccp_desktop.reports.program_report import write_program_report

    started = time.perf_counter()
    result = write_program_report(_open(args), Path(args.out), _scope(args))
    totals = result.totals
    print(f"Program report: {totals.activities:,} activities, {result.register_rows:,} register rows, "
          f"{len(result.sheets)} sheets, in {time.perf_counter() - started:.1f} s.")
    print(result.path)
    return EXIT_OK


def cmd_iati(args: argparse.Namespace) -> int:
    from ccp_desktop.reports.iati import write_iati

    started = time.perf_counter()
    result = write_iati(_open(args), Path(args.out), _scope(args))
    print(f"IATI 2.03 file: {result.activities:,} activities in {time.perf_counter() - started:.1f} s.")
    print(result.path)
    return EXIT_OK


def _scope_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from", dest="date_from", type=_date, metavar="DATE", help="activities starting on or after (YYYY-MM-DD)")
    p.add_argument("--to", dest="date_to", type=_date, metavar="DATE", help="activities starting on or before (YYYY-MM-DD)")
    p.add_argument("--post", metavar="P", help="only records made at this post, e.g. FJ-SUVA")


def register(command: Command) -> None:
    p = command("report", cmd_report, "write the program report workbook (HQ: every post's records)")
    p.add_argument("--out", required=True, metavar="FILE.xlsx")
    _scope_arguments(p)
    p = command("iati", cmd_iati, "write the activities as one IATI 2.03 iati-activities XML file")
    p.add_argument("--out", required=True, metavar="FILE.xml")
    _scope_arguments(p)
