"""Pack the one-folder build into the Linux archive IT staff copy to a laptop:

    dist/ccp-field-desk-<version>-linux-<arch>.tar.gz
      ccp-field-desk-<version>-linux-<arch>/
        ccp-field-desk/           the program (run ccp-field-desk inside it)
        ccp-field-desk.desktop    menu entry, for a program in /opt/ccp-field-desk
        ccp-field-desk.png        the icon (256 px; every size is inside the program folder)
        install.sh                installs for all users (sudo) or one user, and uninstalls

Run by `make package` after PyInstaller; prints the archive's path.
"""

from __future__ import annotations

import platform
import sys
import tarfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bundle_plan as plan  # noqa: E402

DIST = plan.ROOT / "dist"
LINUX = Path(__file__).resolve().parent / "linux"
DEFAULT_APP_DIR = f"/opt/{plan.APP_ID}"


def archive_name(version: str, machine: str | None = None) -> str:
    return f"{plan.APP_ID}-{version}-linux-{machine or platform.machine()}"


def desktop_entry(app_dir: str = DEFAULT_APP_DIR) -> str:
    return (LINUX / f"{plan.APP_ID}.desktop.in").read_text(encoding="utf-8").replace("@APP_DIR@", app_dir)


def _normalise(info: tarfile.TarInfo) -> tarfile.TarInfo:
    """Owned by root, readable by all: unpacked by `sudo tar`, the files must not belong to the
    build machine's user id."""
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    if info.isdir() or (info.isfile() and info.mode & 0o111):
        info.mode = 0o755
    elif info.isfile():
        info.mode = 0o644
    return info


def _add_text(tar: tarfile.TarFile, name: str, text: str, mode: int, mtime: float) -> None:
    import io

    data = text.encode("utf-8")
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), mode, int(mtime)
    tar.addfile(_normalise(info), io.BytesIO(data))


def make_archive(app_folder: Path = DIST / plan.APP_ID, out_dir: Path = DIST) -> Path:
    executable = app_folder / plan.APP_ID
    if not executable.is_file():
        raise SystemExit(f"{executable} not found: run PyInstaller first (make package)")
    top = archive_name(plan.app_version())
    target = out_dir / f"{top}.tar.gz"
    partial = target.with_name(target.name + ".partial")
    mtime = executable.stat().st_mtime
    with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
        tar.add(app_folder, arcname=f"{top}/{plan.APP_ID}", filter=_normalise)
        _add_text(tar, f"{top}/{plan.APP_ID}.desktop", desktop_entry(), 0o644, mtime)
        icon = plan.ROOT / "resources" / "icons" / "hicolor" / "256x256" / "apps" / f"{plan.APP_ID}.png"
        tar.add(icon, arcname=f"{top}/{plan.APP_ID}.png", filter=_normalise)
        tar.add(LINUX / "install.sh", arcname=f"{top}/install.sh", filter=_normalise)
    partial.replace(target)
    return target


if __name__ == "__main__":
    print(make_archive())
