"""Packaging parts that can be checked without building: where resources are found, the icon files,
what the PyInstaller spec bundles and leaves out, the Linux archive and its install script.
The build itself is checked by `make package-check`."""

from __future__ import annotations

import ast
import configparser
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tarfile
import types
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
ICONS = ROOT / "resources" / "icons"
APP_ID = "ccp-field-desk"


def load_build_module(name: str) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, BUILD / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


plan = load_build_module("bundle_plan")
make_archive = load_build_module("make_archive")


# --- resources -------------------------------------------------------------------------------------


def test_resource_path_finds_the_source_resources() -> None:
    from ccp_desktop.paths import resource_path

    assert resource_path("reference", "program.json").is_file()
    assert resource_path("icons", f"{APP_ID}.svg").is_file()


def test_resource_path_finds_resources_inside_a_frozen_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ccp_desktop.paths import resource_path

    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resource_path("icons", f"{APP_ID}.svg") == tmp_path / "resources" / "icons" / f"{APP_ID}.svg"


def test_nothing_builds_resource_paths_from_its_own_file_location() -> None:
    """Inside the frozen build, __file__-relative paths miss _internal/resources; resource_path works."""
    offenders = []
    for path in (ROOT / "ccp_desktop").rglob("*.py"):
        if path.name == "paths.py":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"__file__.*resources|resources.*__file__", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


# --- the icon --------------------------------------------------------------------------------------


def _image(path: Path) -> Any:
    from PySide6.QtGui import QImage

    image = QImage(str(path))
    assert not image.isNull(), f"{path} cannot be read"
    return image


@pytest.mark.parametrize("size", [16, 24, 32, 48, 64, 128, 256, 512])
def test_each_png_icon_size_exists_square_and_transparent_around_the_shield(size: int) -> None:
    image = _image(ICONS / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png")
    assert (image.width(), image.height()) == (size, size)
    assert image.hasAlphaChannel()
    assert image.pixelColor(0, size - 1).alpha() == 0  # a shield, not a square tile


def test_svg_sources_are_valid_for_qt() -> None:
    from PySide6.QtSvg import QSvgRenderer

    for name in (f"{APP_ID}.svg", f"{APP_ID}-small.svg"):
        assert QSvgRenderer(str(ICONS / name)).isValid(), name


def test_committed_bitmaps_match_the_svg_design() -> None:
    """Catches an SVG edited without running build/make_icons.py (compares pixels, not bytes, so a
    newer Qt rendering a shade differently does not fail it)."""
    from PySide6.QtGui import QImage

    icons = load_build_module("make_icons")
    for size, svg in ((64, ICONS / f"{APP_ID}.svg"), (32, ICONS / f"{APP_ID}-small.svg")):
        fresh = QImage.fromData(icons.render_png(svg, size)).convertToFormat(QImage.Format.Format_ARGB32)
        committed = _image(icons.png_path(size)).convertToFormat(QImage.Format.Format_ARGB32)
        diff = sum(
            abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue()) + abs(a.alpha() - b.alpha())
            for y in range(size)
            for x in range(size)
            for a, b in [(fresh.pixelColor(x, y), committed.pixelColor(x, y))]
        )
        assert diff / (size * size * 4) < 3, f"{size} px bitmap differs from {svg.name}: run build/make_icons.py"


def _sizes_in(path: Path) -> set[int]:
    from PySide6.QtGui import QImageReader

    reader = QImageReader(str(path))
    sizes = set()
    for _ in range(max(reader.imageCount(), 1)):
        image = reader.read()
        assert not image.isNull(), f"{path.name}: {reader.errorString()}"
        assert image.width() == image.height()
        sizes.add(image.width())
        if not reader.jumpToNextImage():
            break
    return sizes


def test_windows_ico_holds_every_size_windows_asks_for() -> None:
    assert _sizes_in(ICONS / f"{APP_ID}.ico") >= {16, 24, 32, 48, 64, 128, 256}


def test_macos_icns_holds_the_retina_sizes() -> None:
    assert _sizes_in(ICONS / f"{APP_ID}.icns") >= {16, 32, 128, 256, 512}


# --- the PyInstaller spec --------------------------------------------------------------------------


class _Recorder:
    def __init__(self) -> None:
        self.calls: dict[str, list[tuple[tuple[Any, ...], dict[str, Any]]]] = {}

    def api(self, name: str) -> Any:
        def record(*args: Any, **kwargs: Any) -> types.SimpleNamespace:
            self.calls.setdefault(name, []).append((args, kwargs))
            return types.SimpleNamespace(pure=[], scripts=[], binaries=[], datas=[], args=args, kwargs=kwargs)

        return record


def run_spec(platform: str, monkeypatch: pytest.MonkeyPatch) -> tuple[_Recorder, Any]:
    """Execute build/ccp_desktop.spec the way PyInstaller does, with its build steps recorded."""

    class FakeQtLibraryInfo:
        def collect_plugins(self, plugin_type: str) -> list[tuple[str, str]]:
            return [(f"/qt/plugins/{plugin_type}/{name}", "dst") for name in FAKE_PLUGINS.get(plugin_type, [])]

    qt_hooks = types.ModuleType("PyInstaller.utils.hooks.qt")
    qt_hooks.QtLibraryInfo = FakeQtLibraryInfo  # type: ignore[attr-defined]
    for name in ("PyInstaller", "PyInstaller.utils", "PyInstaller.utils.hooks"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    monkeypatch.setitem(sys.modules, "PyInstaller.utils.hooks.qt", qt_hooks)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(sys, "platform", platform)
    recorder = _Recorder()
    namespace = {"SPECPATH": str(BUILD), "__name__": "__main__"}
    namespace |= {n: recorder.api(n) for n in ("Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE")}
    exec(compile((BUILD / "ccp_desktop.spec").read_text(encoding="utf-8"), "ccp_desktop.spec", "exec"), namespace)
    return recorder, FakeQtLibraryInfo


FAKE_PLUGINS = {
    "platforms": ["libqxcb.so", "libqwayland.so", "libqoffscreen.so", "libqeglfs.so", "libqvnc.so", "libqminimal.so"],
    "platforminputcontexts": ["libcomposeplatforminputcontextplugin.so", "libqtvirtualkeyboardplugin.so"],
    "imageformats": ["libqsvg.so", "libqpdf.so", "libqico.so", "libqtiff.so"],
    "platformthemes": ["libqgtk3.so", "libqxdgdesktopportal.so"],
    "sqldrivers": ["libqsqlite.so"],
}


def _imported_qt_modules() -> set[str]:
    found = set()
    for path in (ROOT / "ccp_desktop").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [a.name for a in node.names] if isinstance(node, ast.Import) else []
            found |= {n.split(".")[1] for n in names if n.startswith("PySide6.")}
    return found


def test_spec_bundles_resources_and_every_app_module(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder, _ = run_spec("linux", monkeypatch)
    (args, kwargs), = recorder.calls["Analysis"]
    assert args[0] == [str(ROOT / "main.py")]
    assert (str(ROOT / "resources"), "resources") in kwargs["datas"]
    # the CLI loads command groups by name, which PyInstaller cannot see
    assert {"ccp_desktop.cli", "ccp_desktop.selftest", "ccp_desktop.sync.identity"} <= set(kwargs["hiddenimports"])
    (_, collect), = recorder.calls["COLLECT"]
    assert collect["name"] == APP_ID


def test_spec_excludes_the_heavy_qt_modules_and_none_the_app_imports(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder, _ = run_spec("linux", monkeypatch)
    excludes = set(recorder.calls["Analysis"][0][1]["excludes"])
    for heavy in ("QtWebEngineCore", "QtWebEngineWidgets", "QtQml", "QtQuick", "QtMultimedia", "Qt3DCore", "QtDesigner", "QtNetwork"):
        assert f"PySide6.{heavy}" in excludes
    used = _imported_qt_modules()
    assert {"QtCore", "QtWidgets"} <= used
    assert not {f"PySide6.{m}" for m in used} & excludes, "the app imports a Qt module the spec excludes"
    assert not used - set(plan.QT_MODULES_USED), "add the new Qt module to QT_MODULES_USED in build/bundle_plan.py"


def test_spec_leaves_out_plugins_that_would_drag_in_qml_pdf_or_gtk(monkeypatch: pytest.MonkeyPatch) -> None:
    _, qt_info = run_spec("linux", monkeypatch)
    kept = {
        Path(src).name
        for kind in FAKE_PLUGINS
        for src, _ in qt_info.collect_plugins(qt_info(), kind)
    }
    assert kept == {
        "libqxcb.so", "libqwayland.so", "libqoffscreen.so", "libcomposeplatforminputcontextplugin.so",
        "libqsvg.so", "libqico.so", "libqxdgdesktopportal.so",
    }


def test_qt_translations_are_not_shipped_but_app_resources_are() -> None:
    assert not plan.keep_bundled_file("PySide6/Qt/translations/qtbase_fr.qm")
    assert plan.keep_bundled_file("resources/reference/program.json")
    assert plan.keep_bundled_file("PySide6/Qt/plugins/platforms/libqxcb.so")


def test_spec_on_windows_makes_a_windowed_app_and_a_console_twin_with_the_icon(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder, _ = run_spec("win32", monkeypatch)
    exes = {kwargs["name"]: kwargs for _, kwargs in recorder.calls["EXE"]}
    assert exes[APP_ID]["console"] is False
    assert exes["ccp-desktop"]["console"] is True
    assert Path(exes[APP_ID]["icon"]) == ICONS / f"{APP_ID}.ico"
    assert "BUNDLE" not in recorder.calls


def test_spec_on_macos_makes_an_app_bundle_with_the_icns(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder, _ = run_spec("darwin", monkeypatch)
    (_, bundle), = recorder.calls["BUNDLE"]
    assert bundle["name"] == "CCP Field Desk.app"
    assert Path(bundle["icon"]) == ICONS / f"{APP_ID}.icns"
    assert bundle["version"] == plan.app_version()


def test_version_read_by_the_build_is_the_apps() -> None:
    import ccp_desktop

    assert plan.app_version() == ccp_desktop.__version__


# --- Linux archive and install script ---------------------------------------------------------------


def fake_build(tmp_path: Path) -> Path:
    """A stand-in for dist/ccp-field-desk: an executable that answers --version, and the icons."""
    app = tmp_path / "dist" / APP_ID
    (app / "_internal").mkdir(parents=True)
    shutil.copytree(ICONS, app / "_internal" / "resources" / "icons")
    exe = app / APP_ID
    exe.write_text('#!/bin/sh\necho "CCP Field Desk test"\n', encoding="utf-8")
    exe.chmod(0o700)
    return app


def test_archive_holds_app_folder_desktop_entry_icon_and_installer(tmp_path: Path) -> None:
    archive = make_archive.make_archive(fake_build(tmp_path), tmp_path)
    top = make_archive.archive_name(plan.app_version())
    assert archive.name == f"{top}.tar.gz"
    with tarfile.open(archive) as tar:
        members = {m.name: m for m in tar.getmembers()}
        desktop = tar.extractfile(f"{top}/{APP_ID}.desktop").read().decode()  # type: ignore[union-attr]
    for name in (f"{APP_ID}/{APP_ID}", f"{APP_ID}.desktop", f"{APP_ID}.png", "install.sh"):
        assert f"{top}/{name}" in members
    assert all(m.uid == 0 and m.uname == "root" for m in members.values())
    assert members[f"{top}/{APP_ID}/{APP_ID}"].mode == 0o755
    assert members[f"{top}/install.sh"].mode == 0o755
    assert members[f"{top}/{APP_ID}.desktop"].mode == 0o644
    entry = configparser.ConfigParser(interpolation=None)
    entry.read_string(desktop)
    assert entry["Desktop Entry"]["Exec"] == f'"/opt/{APP_ID}/{APP_ID}"'
    assert entry["Desktop Entry"]["Icon"] == APP_ID
    assert not (tmp_path / f"{top}.tar.gz.partial").exists()


def test_install_script_installs_menu_entry_icons_and_command_then_uninstalls(tmp_path: Path) -> None:
    archive = make_archive.make_archive(fake_build(tmp_path), tmp_path)
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path / "unpacked", filter="data")
    unpacked = next((tmp_path / "unpacked").iterdir())
    stage = tmp_path / "stage"
    env = {**os.environ, "DESTDIR": str(stage), "HOME": str(tmp_path / "home")}
    args = ["sh", str(unpacked / "install.sh"), "--prefix", "/srv/apps"]

    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "CCP Field Desk test" in done.stdout  # it ran the installed program
    installed = stage / "srv" / "apps" / APP_ID
    assert os.access(installed / APP_ID, os.X_OK)
    share = stage / "usr/share" if os.geteuid() == 0 else stage / Path(env["HOME"]).relative_to("/") / ".local/share"
    desktop = (share / "applications" / f"{APP_ID}.desktop").read_text(encoding="utf-8")
    assert f'Exec="/srv/apps/{APP_ID}/{APP_ID}"' in desktop
    for size in (16, 48, 256, 512):
        assert (share / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png").is_file()
    assert (share / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").is_file()

    done = subprocess.run([*args, "--uninstall"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert not installed.exists()
    assert not (share / "applications" / f"{APP_ID}.desktop").exists()
    assert not (share / "icons" / "hicolor" / "48x48" / "apps" / f"{APP_ID}.png").exists()


def test_install_script_refuses_an_unknown_option(tmp_path: Path) -> None:
    done = subprocess.run(["sh", str(BUILD / "linux" / "install.sh"), "--frobnicate"], capture_output=True, text=True)
    assert done.returncode == 2
    assert "unknown option: --frobnicate" in done.stderr


def test_desktop_template_is_a_valid_application_entry() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read_string(make_archive.desktop_entry("/opt/x"))
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application" and section["Name"] == "CCP Field Desk"
    assert section["TryExec"] == f"/opt/x/{APP_ID}" and section["Terminal"] == "false"
    assert "@" not in make_archive.desktop_entry("/opt/x")


# --- Inno Setup script -----------------------------------------------------------------------------


def test_windows_installer_script_installs_the_one_folder_build_with_menu_entry_and_uninstaller() -> None:
    text = (BUILD / "installer" / "windows.iss").read_text(encoding="utf-8")
    sections = set(re.findall(r"^\[(\w+)\]", text, re.MULTILINE))
    assert {"Setup", "Files", "Icons", "Run", "Tasks"} <= sections
    assert re.search(r'^Source: "\{#DistDir\}\\\*";.*recursesubdirs', text, re.MULTILINE)
    assert re.search(r'^Name: "\{autoprograms\}\\\{#AppName\}"; Filename: "\{app\}\\\{#AppExe\}"', text, re.MULTILINE)
    assert re.search(r"^Uninstallable=yes", text, re.MULTILINE)
    assert re.search(r"^SetupIconFile=.*ccp-field-desk\.ico", text, re.MULTILINE)
    app_id = re.search(r"^#define AppGuid \"\{\{([0-9A-F-]{36})\}\"", text, re.MULTILINE)
    assert app_id, "a fixed AppId keeps upgrades and the uninstaller working"


def test_package_check_accepts_a_complete_archive_and_names_what_is_missing(tmp_path: Path) -> None:
    check = load_build_module("check_package")
    archive = make_archive.make_archive(fake_build(tmp_path), tmp_path)
    top = check.unpack(archive, tmp_path / "unpacked")
    check.check_contents(top)  # complete: no complaint
    (top / f"{APP_ID}.desktop").unlink()
    with pytest.raises(check.CheckFailed, match=f"lacks .*{APP_ID}.desktop"):
        check.check_contents(top)


def test_package_check_refuses_an_archive_reaching_outside_its_folder(tmp_path: Path) -> None:
    check = load_build_module("check_package")
    evil = tmp_path / "evil.tar.gz"
    payload = tmp_path / "x.txt"
    payload.write_text("x", encoding="utf-8")
    with tarfile.open(evil, "w:gz") as tar:
        tar.add(payload, arcname="top/x.txt")
        tar.add(payload, arcname="top/../../outside.txt")
    with pytest.raises(check.CheckFailed, match="outside its top folder"):
        check.unpack(evil, tmp_path / "unpacked")
    assert not (tmp_path / "outside.txt").exists()


def test_the_app_imports_none_of_the_python_modules_the_build_leaves_out() -> None:
    left_out = set(plan.PYTHON_EXCLUDES)
    offenders = []
    for path in (ROOT / "ccp_desktop").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
            names += [a.name for a in node.names] if isinstance(node, ast.Import) else []
            offenders += [
                f"{path.relative_to(ROOT)}: {n}" for n in names if any(n == x or n.startswith(x + ".") for x in left_out)
            ]
    assert offenders == [], "the frozen build would lack these; change build/bundle_plan.py"


def test_the_offline_guide_is_bundled_with_its_pictures() -> None:
    """Help → Guide reads resources/guide, which the spec bundles with the rest of resources/."""
    guide = ROOT / "resources" / "guide" / "guide.html"
    assert guide.exists() and plan.keep_bundled_file("resources/guide/guide.html")
    for image in re.findall(r'<img src="([^"]+)"', guide.read_text(encoding="utf-8")):
        assert (guide.parent / image).exists(), image
        assert plan.keep_bundled_file(f"resources/guide/{image}")


def test_hqs_encryption_key_placed_in_resources_ships_with_the_build(monkeypatch: pytest.MonkeyPatch,
                                                                     tmp_path: Path) -> None:
    """Sealed packages: the installer for the program's HQ carries HQ's public key as
    resources/hq_encryption_key.txt (`hq-key --export` writes it); the spec bundles resources/ whole and
    the app looks for the key where the frozen build puts it."""
    from ccp_desktop.sync import hq_keys

    assert hq_keys.shipped_key_path() == ROOT / "resources" / hq_keys.SHIPPED_KEY_FILE
    recorder, _ = run_spec("linux", monkeypatch)
    assert (str(ROOT / "resources"), "resources") in recorder.calls["Analysis"][0][1]["datas"]
    assert plan.keep_bundled_file(str(Path("resources") / hq_keys.SHIPPED_KEY_FILE))
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert hq_keys.shipped_key_path() == tmp_path / "resources" / hq_keys.SHIPPED_KEY_FILE
