"""`make package-check`: check the Linux archive the way a laptop would meet it. Unpacks it into a
temporary folder (away from the source tree, so nothing can be imported from it), checks its
contents and the program folder's size, then runs the unpacked program's `--version` and
`--self-test`. Prints one line per check; exits 0 only if all held.
"""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bundle_plan as plan  # noqa: E402
from make_archive import DIST, archive_name  # noqa: E402

MAX_APP_FOLDER_MB = 150  # unpacked program folder, in MB of 1,000,000 bytes
SELF_TEST_TIMEOUT_S = 300


class CheckFailed(Exception):
    pass


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def unpack(archive: Path, into: Path) -> Path:
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        top = names[0].split("/")[0]
        if any(Path(n).is_absolute() or ".." in Path(n).parts or n.split("/")[0] != top for n in names):
            raise CheckFailed(f"{archive.name} has entries outside its top folder {top}/")
        tar.extractall(into, filter="data")
    return into / top


def check_contents(top: Path) -> None:
    app = top / plan.APP_ID
    for needed in (app / plan.APP_ID, top / f"{plan.APP_ID}.desktop", top / f"{plan.APP_ID}.png", top / "install.sh"):
        if not needed.is_file():
            raise CheckFailed(f"the archive lacks {needed.relative_to(top.parent)}")
    for runnable in (app / plan.APP_ID, top / "install.sh"):
        if not os.access(runnable, os.X_OK):
            raise CheckFailed(f"{runnable.name} in the archive is not executable")
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    entry.read(top / f"{plan.APP_ID}.desktop", encoding="utf-8")
    desktop = entry["Desktop Entry"] if entry.has_section("Desktop Entry") else {}
    for key, want in (("Type", "Application"), ("Name", plan.DISPLAY_NAME), ("Icon", plan.APP_ID)):
        if desktop.get(key) != want:
            raise CheckFailed(f"the .desktop entry's {key} is {desktop.get(key)!r}, expected {want!r}")
    if f"/opt/{plan.APP_ID}/{plan.APP_ID}" not in desktop.get("Exec", ""):
        raise CheckFailed(f"the .desktop entry's Exec does not start the program: {desktop.get('Exec')!r}")
    icons = app / "_internal" / "resources" / "icons"
    if not (icons / f"{plan.APP_ID}.svg").is_file() or not (icons / "hicolor" / "16x16" / "apps").is_dir():
        raise CheckFailed("the program folder lacks resources/icons")


def run_program(app: Path, *args: str, cwd: Path, timeout: float) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "QT_", "CCP_"))}
    env["HOME"] = str(cwd)  # the program must not need (or touch) the builder's home folder
    try:
        done = subprocess.run(
            [str(app / plan.APP_ID), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        raise CheckFailed(f"`{plan.APP_ID} {' '.join(args)}` did not finish in {timeout:.0f} s") from None
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip()
        raise CheckFailed(f"`{plan.APP_ID} {' '.join(args)}` exited {done.returncode}: {output[-2000:]}")
    return done.stdout.strip()


def run_checks(archive: Path, version: str, passed: list[str]) -> None:
    """The checks in order, each printing an `ok` line and adding its name to `passed`; raises
    CheckFailed at the first that fails."""
    if not archive.is_file():
        raise CheckFailed(f"{archive} not found: run `make package` first")
    with tempfile.TemporaryDirectory(prefix="ccp-package-check-") as tmp:
        top = unpack(archive, Path(tmp))
        check_contents(top)
        print(f"ok  {archive.name}: {archive.stat().st_size / 1e6:.1f} MB packed; app folder, .desktop, icon, install.sh")
        passed.append("contents")
        app = top / plan.APP_ID
        size_mb = folder_size(app) / 1e6
        if size_mb > MAX_APP_FOLDER_MB:
            raise CheckFailed(f"the unpacked program folder is {size_mb:.1f} MB, over {MAX_APP_FOLDER_MB} MB")
        print(f"ok  unpacked program folder {size_mb:.1f} MB (limit {MAX_APP_FOLDER_MB} MB)")
        passed.append("size")
        shown = run_program(app, "--version", cwd=Path(tmp), timeout=60)
        if shown != f"{plan.DISPLAY_NAME} {version}":
            raise CheckFailed(f"--version printed {shown!r}, expected {plan.DISPLAY_NAME} {version!r}")
        print(f"ok  --version: {shown}")
        passed.append("version")
        result = run_program(app, "--self-test", cwd=Path(tmp), timeout=SELF_TEST_TIMEOUT_S)
        print(f"ok  --self-test: {result}")
        passed.append("self-test")


def main() -> int:
    version = plan.app_version()
    archive = DIST / f"{archive_name(version)}.tar.gz"
    passed: list[str] = []
    try:
        run_checks(archive, version, passed)
    except (CheckFailed, OSError, tarfile.TarError) as exc:
        print(f"package-check FAILED: {exc}", file=sys.stderr)
        print(f"package-check: {len(passed)} passed, 1 failed")  # the closing line CI reads
        return 1
    print(f"package-check: {len(passed)} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
