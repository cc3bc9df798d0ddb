"""Remake the samples in this folder: an HQ database consolidated from three posts' demo packages, its
program report (the workbook and its pages as LibreOffice prints them) and an IATI file for 2021.

    .venv/bin/python docs/samples/make_samples.py        (needs LibreOffice's soffice and poppler's pdftoppm)
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ccp_desktop.demo import load_demo_data
from ccp_desktop.reports.figures import ReportScope
from ccp_desktop.reports.iati import write_iati
from ccp_desktop.reports.program_report import write_program_report
from ccp_desktop.store.connection import open_database
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.identity import initialise
from ccp_desktop.sync.importer import import_package

HERE = Path(__file__).resolve().parent
POSTS = {"FJ-SUVA": 21, "ID-JAKARTA": 22, "PG-PORTMORESBY": 23}


def build_hq(root: Path) -> Path:
    hq_path = root / "hq.sqlite3"
    initialise(hq_path, post_code="AU-CANBERRA", officer="Sample HQ officer", role="hq")
    hq = open_database(hq_path)
    for post, seed in POSTS.items():
        path = root / f"{post}.sqlite3"
        initialise(path, post_code=post, officer=f"Sample officer {seed}", role="field")
        db = open_database(path)
        load_demo_data(db, activities=120, equipment=20, seed=seed)
        result = import_package(hq, export_package(db, root, kind="full").path)
        assert result.status == "applied", result.message
        db.close()
    hq.close()
    return hq_path


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        hq = open_database(build_hq(Path(tmp)))
        report = write_program_report(hq, HERE / "program-report.xlsx").path
        write_iati(hq, HERE / "iati-activities-2021.xml", ReportScope(dt.date(2021, 1, 1), dt.date(2021, 12, 31)))
        hq.close()
        profile = (Path(tmp) / "lo-profile").as_uri()
        subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                        "--outdir", tmp, str(report)], check=True, capture_output=True)
        for old in HERE.glob("program-report-page-*.png"):
            old.unlink()
        subprocess.run(["pdftoppm", "-r", "80", "-png", str(Path(tmp) / "program-report.pdf"),
                        str(HERE / "program-report-page")], check=True)
    print("\n".join(sorted(p.name for p in HERE.iterdir() if p.suffix in (".png", ".xlsx", ".xml"))))
    return 0


if __name__ == "__main__":
    if not (shutil.which("soffice") and shutil.which("pdftoppm")):
        sys.exit("needs LibreOffice (soffice) and poppler-utils (pdftoppm)")
    sys.exit(main())
