"""`report` and `iati` on the command line: the file path printed last, exit 0; a bad date is a usage
error (2); a period that ends before it starts or an unknown post is refused in plain words (1)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
from lxml import etree

from ccp_desktop.cli import main


def test_report_and_iati_from_the_command_line(hq_path: Path, tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "hq reports" / "report.xlsx"
    assert main(["--db", str(hq_path), "report", "--out", str(out), "--from", "2018-01-01", "--to", "2019-06-30"]) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    assert printed[-1] == str(out) and printed[0].startswith("Program report: ")
    assert openpyxl.load_workbook(out)["Funding"]["A2"].value.startswith("01 Jan 2018 to 30 Jun 2019")
    xml = tmp_path / "ccp.xml"
    assert main(["--db", str(hq_path), "iati", "--out", str(xml), "--post", "FJ-SUVA"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == str(xml)
    assert etree.parse(str(xml)).getroot().tag == "iati-activities"


def test_bad_input_exits_with_a_reason_and_writes_nothing(hq_path: Path, tmp_path: Path, capsys: Any) -> None:
    out = str(tmp_path / "r.xlsx")
    assert main(["--db", str(hq_path), "report", "--out", out, "--from", "2019-02-30"]) == 2
    assert "is not a date" in capsys.readouterr().err
    assert main(["--db", str(hq_path), "report", "--out", out, "--from", "2020-01-01", "--to", "2019-01-01"]) == 1
    assert "before it starts" in capsys.readouterr().err
    assert main(["--db", str(hq_path), "iati", "--out", str(tmp_path / "i.xml"), "--post", "ZZ-NONE"]) == 1
    err = capsys.readouterr().err
    assert "ZZ-NONE" in err and "FJ-SUVA" in err and "Traceback" not in err
    assert main(["--db", str(hq_path), "report"]) == 2
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "userdata") == ["hq"]  # userdata: the log
