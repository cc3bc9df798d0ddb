"""The attachment commands as a script or an HQ data officer uses them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from ccp_desktop.cli import main
from ccp_desktop.store.connection import open_database
from tests.attachments.conftest import jpeg_bytes, pdf_bytes
from tests.sync.conftest import add_sample


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_attach_list_detach_export_and_import_parts_given_by_name(tmp_path, capsys):
    post, hq, out, mail = tmp_path / "post.db", tmp_path / "hq.db", tmp_path / "out", tmp_path / "mail"
    assert run(capsys, "--db", post, "init", "--post", "FJ-SUVA", "--officer", "Mere")[0] == 0
    assert run(capsys, "--db", hq, "init", "--post", "AU-HQ", "--officer", "Hana", "--role", "hq")[0] == 0
    db = open_database(post)
    delivery = add_sample(db)["delivery"]["id"]
    db.close()
    form, photo, text = tmp_path / "form.pdf", tmp_path / "plate.jpg", tmp_path / "notes.pdf"
    form.write_bytes(pdf_bytes())
    photo.write_bytes(jpeg_bytes(3000, 2000, gps=True))
    text.write_text("not a scan")

    code, stdout, _ = run(capsys, "--db", post, "attach", "delivery", delivery, form, "--signed-form")
    assert code == 0 and stdout.startswith("attached form.pdf (application/pdf")
    code, _, err = run(capsys, "--db", post, "attach", "delivery", delivery, photo, text)
    assert code == 1 and "notes.pdf: not a JPEG or PNG photo or a PDF scan" in err  # and plate.jpg was not attached
    code, stdout, _ = run(capsys, "--db", post, "attach", "delivery", delivery, photo)
    assert code == 0
    code, stdout, _ = run(capsys, "--db", post, "attachments", "delivery", delivery, "--json")
    listed = json.loads(stdout)
    assert [(a["file_name"], a["state"], a["signed_form"]) for a in listed] == [
        ("form.pdf", "present", True), ("plate.jpg", "present", False)]
    code, stdout, _ = run(capsys, "--db", post, "attachments", "delivery", delivery)
    assert f"{listed[0]['sha256']}  present" in stdout and "[signed handover form]" in stdout

    code, stdout, _ = run(capsys, "--db", post, "export", "--out", out)
    lines = stdout.strip().splitlines()
    package = Path(lines[-1])
    assert code == 0 and lines[-2] == f"attachments: {package.with_name(package.stem + '.att-01.zip')}"
    mail.mkdir()
    part = Path(shutil.move(lines[-2].removeprefix("attachments: "), mail))  # the archive comes in a second e-mail

    code, stdout, _ = run(capsys, "--db", hq, "import", package)
    assert code == 0
    code, stdout, _ = run(capsys, "--db", hq, "attachments", "delivery", delivery, "--json")
    assert [a["state"] for a in json.loads(stdout)] == ["expected", "expected"]
    code, stdout, _ = run(capsys, "--db", hq, "import", part)
    assert code == 0 and stdout.startswith(f"Attachments: 2 stored, 0 already here, from {part.name}")
    saved = tmp_path / "saved"
    code, stdout, _ = run(capsys, "--db", hq, "attachments", "delivery", delivery, "--save", saved)
    assert stdout.count("present") == 2
    assert (saved / f"{listed[0]['sha256'][:8]}-form.pdf").read_bytes() == form.read_bytes()

    code, stdout, _ = run(capsys, "--db", post, "detach", "delivery", delivery, listed[1]["sha256"][:10])
    assert code == 0 and stdout.startswith("removed plate.jpg")
    code, _, err = run(capsys, "--db", post, "detach", "delivery", delivery, listed[1]["sha256"][:10])
    assert code == 1 and "No attachment with SHA-256" in err
    code, _, err = run(capsys, "--db", post, "attach", "partner", delivery, form)
    assert code == 2  # not a kind that takes attachments: a usage error


def test_a_tampered_archive_is_refused_by_name_with_exit_code_1(tmp_path, capsys):
    hq = tmp_path / "hq.db"
    assert run(capsys, "--db", hq, "init", "--post", "AU-HQ", "--officer", "Hana", "--role", "hq")[0] == 0
    bogus = tmp_path / "FJ-SUVA-x.att-01.zip"
    bogus.write_bytes(b"PK\x03\x04 this is not what the post sent")
    code, _, err = run(capsys, "--db", hq, "import", bogus)
    assert code == 1 and f"{bogus.name} refused: the archive is damaged or incomplete" in err
