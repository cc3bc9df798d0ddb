"""What goes into the frozen build and what stays out, kept apart from the PyInstaller spec so that the
tests can check it without PyInstaller installed. Imported by build/ccp_desktop.spec."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

APP_ID = "ccp-field-desk"  # the app folder, the executable, the .desktop file and the icon's name
DISPLAY_NAME = "CCP Field Desk"
CLI_NAME = "ccp-desktop"  # the console companion on Windows, same name as the pip entry point
ICON_SVG = ROOT / "resources" / "icons" / f"{APP_ID}.svg"
ICON_ICO = ROOT / "resources" / "icons" / f"{APP_ID}.ico"
ICON_ICNS = ROOT / "resources" / "icons" / f"{APP_ID}.icns"

# The Qt modules the app may import. Every other PySide6 module is excluded, so a hook never drags in
# a web engine, QML or multimedia stack (hundreds of MB) because some library mentions it.
QT_MODULES_USED: tuple[str, ...] = (
    "QtCore",
    "QtGui",  # includes QPdfWriter and QPainter for the handover certificate
    "QtWidgets",
    "QtCharts",  # dashboard charts
    "QtSvg",  # the SVG icon and any SVG drawn by the UI
    "QtSvgWidgets",
    "QtPrintSupport",  # print dialogs, should the UI offer them
)

# Python packages that are installed in a development venv but never imported by the running app;
# excluding them guards against an optional import (openpyxl tries PIL, for one) pulling them in.
PYTHON_EXCLUDES: tuple[str, ...] = (
    "tkinter",
    "_tkinter",
    # Pillow makes attachments ready (domain/attachments.py: JPEG and PNG, EXIF orientation). Its parts
    # for other formats, fonts, colour management and Tk are left out: AVIF alone is 5 MB of libavif,
    # the fonts 3 MB of FreeType and HarfBuzz.
    "PIL._avif",
    "PIL.AvifImagePlugin",
    "PIL._webp",
    "PIL.WebPImagePlugin",
    "PIL._imagingft",
    "PIL.ImageFont",
    "PIL._imagingcms",
    "PIL.ImageCms",
    "PIL._imagingtk",
    "PIL.ImageTk",
    "PIL.ImageQt",
    "PIL._imagingmath",
    "PIL.ImageMath",
    "PIL._imagingmorph",
    "PIL.ImageMorph",
    "numpy",
    "pandas",
    "IPython",
    "pytest",
    "_pytest",
    "pytestqt",
    "hypothesis",
    "mypy",
    "ruff",
    "setuptools",
    "pkg_resources",
    "distutils",
    "lib2to3",
    "PyInstaller",
    # The app opens no network connection: leaving out the stdlib's OpenSSL bindings drops 5 MB of
    # libssl/libcrypto. Every stdlib module that uses them imports them inside try/except, and
    # hashlib falls back to its built-in SHA-2; cryptography carries its own OpenSSL for signing.
    "ssl",
    "_ssl",
    "_hashlib",
    # The app's background work runs on threads (Qt's and concurrent.futures' ThreadPoolExecutor), never
    # in processes. Bundled, multiprocessing makes PyInstaller run its runtime hook, and pkgutil's (through
    # runpy), at every start: about 20 ms of the frozen start-up (issue 14), for nothing.
    "multiprocessing",
    # Debugging and test helpers a user never runs (readline also drags in libreadline/libtinfo).
    "pdb",
    "doctest",
    "readline",
    # lxml is used through lxml.etree (by openpyxl and XML export); these parts are not.
    "lxml.objectify",
    "lxml.html",
    "lxml.isoschematron",
    "lxml.doctestcompare",
    "lxml.cssselect",
)

# The Qt plugins shipped, by plugin folder: a plugin is kept when its file name contains one of the
# listed parts ("" keeps the whole folder). Folders not listed are dropped whole. Why some are left out:
#   platforminputcontexts/qtvirtualkeyboard pulls in QML and Qt Quick (about 17 MB);
#   imageformats/qpdf pulls in Qt PDF (4 MB) and the app reads no PDF images;
#   platformthemes/qgtk3 would bundle the build machine's GTK 3 (15 MB) and clash with the laptop's;
#   platforms eglfs/linuxfb/vnc/minimal are for kiosks and embedded boards, not laptops;
#   wayland *-server plugins are for compositors, not clients.
QT_PLUGINS_KEPT: dict[str, tuple[str, ...]] = {
    "platforms": ("qxcb", "qwayland", "qoffscreen", "qwindows", "qcocoa"),  # offscreen: the self-test
    "platformthemes": ("qxdgdesktopportal",),  # native file dialogs through the desktop portal
    "platforminputcontexts": ("compose", "ibus"),  # accents and input methods (Thai, Vietnamese...)
    "imageformats": ("qsvg", "qico", "qjpeg", "qgif", "qicns"),
    "iconengines": ("qsvgicon",),
    "styles": ("",),
    "printsupport": ("",),
    "xcbglintegrations": ("",),
    "wayland-decoration-client": ("",),
    "wayland-graphics-integration-client": ("wayland-egl", "shm-emulation", "dmabuf"),
    "wayland-shell-integration": ("xdg-shell",),
}


def keep_qt_plugin(plugin_type: str, filename: str) -> bool:
    """Whether a Qt plugin file is bundled (see QT_PLUGINS_KEPT)."""
    stems = QT_PLUGINS_KEPT.get(plugin_type)
    if stems is None:
        return False
    name = Path(filename).name
    if plugin_type.startswith("wayland-graphics") and "server" in name:
        return False
    return any(stem in name for stem in stems)


def filter_qt_plugins() -> None:
    """Leave unused Qt plugins out before PyInstaller resolves their libraries: dropping a plugin
    after analysis would still ship what it links to (the virtual keyboard plugin alone drags in
    QML and Qt Quick). PyInstaller has no setting for this, so its plugin collector is wrapped.
    Called by the specs (the app's, and the start-up benchmark's floor)."""
    from PyInstaller.utils.hooks.qt import QtLibraryInfo

    collect = QtLibraryInfo.collect_plugins

    def collect_kept(self: QtLibraryInfo, plugin_type: str) -> list[tuple[str, str]]:
        return [(src, dst) for src, dst in collect(self, plugin_type) if keep_qt_plugin(plugin_type, src)]

    QtLibraryInfo.collect_plugins = collect_kept  # type: ignore[method-assign]


def available_qt_modules() -> list[str]:
    """Every Qt module this PySide6 installation provides (read from the package, without Qt)."""
    import importlib.util

    spec = importlib.util.find_spec("PySide6")
    if spec is None or spec.origin is None:
        return []
    text = Path(spec.origin).read_text(encoding="utf-8")
    match = re.search(r"__all__\s*=\s*(\[[^\]]*\])", text)
    if match:
        import ast

        return [str(name) for name in ast.literal_eval(match.group(1))]
    folder = Path(spec.origin).parent
    return sorted({p.name.split(".")[0] for p in folder.glob("Qt*.*") if p.suffix in {".so", ".pyd"}})


def excluded_modules() -> list[str]:
    """Module names for PyInstaller's `excludes`."""
    unused_qt = [f"PySide6.{name}" for name in available_qt_modules() if name not in QT_MODULES_USED]
    return sorted(unused_qt) + list(PYTHON_EXCLUDES)


def app_modules() -> list[str]:
    """Every module of the app, for `hiddenimports`: the CLI loads command groups by name."""
    package = ROOT / "ccp_desktop"
    names = []
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(parts))
    return names


def app_version() -> str:
    text = (ROOT / "ccp_desktop" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__\s*=\s*"([^"]+)"', text, re.MULTILINE)
    if not match:
        raise RuntimeError("ccp_desktop/__init__.py has no __version__")
    return match.group(1)


def keep_bundled_file(dest: str) -> bool:
    """False for Qt's own translations: the UI is English and installs no QTranslator for Qt."""
    parts = Path(dest).parts
    if "Qt" in parts:
        rest = parts[parts.index("Qt") + 1 :]
        return rest[:1] != ("translations",)
    return True
