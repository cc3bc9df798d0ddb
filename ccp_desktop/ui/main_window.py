"""The main window: navigation, pages, menus and shortcuts, and a status bar of the post's sync state."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Not `Qt`, `QStyle`, QMessageBox, QAction nor QKeySequence here: PySide makes the Python enums of a Qt
# class the first time the class is touched, which costs about 60 ms for the `Qt` namespace, 15 ms for
# QStyle and 2 ms each for the others. The window's first paint needs none of them; the methods that
# run after it import them (see _complete).
from PySide6.QtCore import QLockFile, QSize, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from ccp_desktop import APP_NAME, __version__
from ccp_desktop.errors import CcpError, SetupError
from ccp_desktop.paths import resource_path
from ccp_desktop.ui.lazy_pages import LazyPages, PageSubset
from ccp_desktop.ui.settings import ui_settings

if TYPE_CHECKING:  # pages are imported when first made (start-up imports only the page shown first)
    from PySide6.QtGui import QAction

    from ccp_desktop.store.backups import BackupInfo
    from ccp_desktop.store.installation import Installation
    from ccp_desktop.store.installation_peek import InstallationPeek
    from ccp_desktop.ui.changes import ChangeHub, OpChanges
    from ccp_desktop.ui.dashboard_page import DashboardPage
    from ccp_desktop.ui.list_page import ListPage
    from ccp_desktop.ui.sync_page import SyncPage
    from ccp_desktop.ui.worker import BackgroundWorker

PAGES = ("dashboard", "activities", "equipment", "partners", "sync")
LIST_PAGES = ("activities", "equipment", "partners")  # the record lists (reports/listing.lists_for)
HQ_PAGES = ("hq-import", "posts", "conflicts", "review")  # the headquarters desk, for the HQ role only
PAGE_TITLES = {"dashboard": "Dashboard", "activities": "Activities", "equipment": "Equipment",
               "partners": "Partners", "sync": "Sync", "hq-import": "Import many", "posts": "Posts",
               "conflicts": "Conflicts", "review": "Review"}
PAGE_ICONS = {"dashboard": "SP_ComputerIcon", "activities": "SP_FileDialogDetailedView", "equipment": "SP_DriveHDIcon",
              "partners": "SP_DirHomeIcon", "sync": "SP_BrowserReload", "hq-import": "SP_DialogOpenButton",
              "posts": "SP_FileDialogListView", "conflicts": "SP_MessageBoxWarning",
              "review": "SP_MessageBoxQuestion"}  # QStyle.StandardPixmap, by name (see the imports)
DEFAULT_SIZE = QSize(1280, 720)  # fits a 1366x768 screen with a taskbar; smaller screens: fit_to_screen


def app_icon() -> QIcon:
    path = resource_path("icons", "ccp-field-desk.svg")
    return QIcon(str(path)) if path.exists() else QIcon()


def _show_error(parent: QWidget, exc: BaseException) -> None:
    from ccp_desktop.ui.errors import show_error  # Qt's message boxes: not before the first paint

    show_error(parent, exc)


def _delete_on_close(widget: QWidget) -> None:
    from PySide6.QtCore import Qt  # see the imports

    widget.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)


def _when(stamp: Any) -> str:
    from ccp_desktop.domain.wording import local_time

    return local_time(stamp, never="never")


class MainWindow(QMainWindow):
    status_refreshed = Signal()
    damaged_found = Signal(object)  # the quick check's problems (see ui/damaged_database.py)
    first_painted = Signal()  # the window is on the screen: the time to open the database (ui/app.py)
    hub: ChangeHub  # these two are made with the database (_start_work)
    worker: BackgroundWorker

    def __init__(self, db_path: Path, parent: QWidget | None = None, *, opening: InstallationPeek | None = None) -> None:
        """With `opening` (who the database belongs to, read by store/installation_peek), the window is
        made without the database: shown at once, with "Loading…" for its first page, until
        `finish_opening()` opens the database (sqlite-utils, migrations) and makes that page."""
        super().__init__(parent)
        self.db_path = Path(db_path)
        self._closed = False
        self.damaged_dialog: QWidget | None = None
        self._fitted_shown = False
        self.guide: QWidget | None = None  # Help → Guide, made when first asked for
        self.instance_lock: QLockFile | None = None  # the one-instance lock beside the db, released on close
        self.successor: MainWindow | None = None  # the window that took over after the data folder moved
        self._first_page = "dashboard"
        self._menu_places: list[QMenu] = []  # the menus' titles until the database is open (_hold_menu_places)
        self._painted = False
        self.start_handled = False  # ui/app.py opened this window's database (or gave up), once
        self.opened = opening is None
        who: Installation | InstallationPeek = self._open_database() if opening is None else opening
        if self.opened:
            self._start_work()
        self.setObjectName("main-window")

        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setAccessibleName("Pages")
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setSpacing(2)
        self.nav.setMaximumWidth(220)
        self.stack = QStackedWidget()
        self.delete_action: QAction | None = None
        self.page_names = PAGES + (HQ_PAGES if who.is_hq else ())
        self.pages = LazyPages(self.page_names, self.stack, self._make_page)
        self.lists: PageSubset[ListPage] = PageSubset(self.pages, LIST_PAGES)
        room = QPixmap(self.nav.iconSize())  # each page's icon comes with the database (_complete): its room first
        room.fill(QColor(0, 0, 0, 0))
        for name in self.page_names:
            self.nav.addItem(QListWidgetItem(QIcon(room), PAGE_TITLES[name]))
        self.setAcceptDrops(who.is_hq)  # packages dropped anywhere on the window go to Import many
        self.nav.currentRowChanged.connect(lambda row: self.pages.show(self.page_names[row]) if row >= 0 else None)
        self.splitter = QSplitter()  # side by side
        self.splitter.setObjectName("main-splitter")
        self.splitter.addWidget(self.nav)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([150, 1100])
        self.setCentralWidget(self.splitter)

        self._build_status_bar(who.is_hq)
        self._show_identity(who)
        self.restore_layout()
        if self.opened:
            self._complete()
        else:  # nothing may ask for a page before the database is open
            self._hold_menu_places(who.is_hq)
            self.menuBar().setEnabled(False)
            self.nav.setEnabled(False)

    def _open_database(self) -> Installation:
        from ccp_desktop.reports.listing import lists_for
        from ccp_desktop.store.connection import open_database
        from ccp_desktop.store.installation import require_installation

        self.db = open_database(self.db_path)
        self.installation = require_installation(self.db)
        self._list_specs = lists_for(self.installation.is_hq)
        return self.installation

    def finish_opening(self) -> None:
        """A window made with `opening`: open the database and make the first page (raises as
        MainWindow(db_path) would, e.g. on a damaged database). Does nothing a second time."""
        if self.opened:
            return
        self._open_database()
        self._start_work()
        self.opened = True
        self._show_identity(self.installation)
        self.menuBar().setEnabled(True)
        self.nav.setEnabled(True)
        self._complete()

    def _start_work(self) -> None:
        """The change hub and the background worker, made with the database (their modules bring in the
        core's change bookkeeping: not needed for the first paint)."""
        from ccp_desktop.ui.changes import ChangeHub
        from ccp_desktop.ui.worker import BackgroundWorker

        self.hub = ChangeHub(self)
        self.hub.changed.connect(self.on_changes)
        self.worker = BackgroundWorker(self.db_path, self)

    def _hold_menu_places(self, is_hq: bool) -> None:
        """The menus' titles without their actions while the window waits for its database: the menu bar
        has its height at the first paint, and nothing in it can be chosen yet (see _complete)."""
        self._menu_places = [self.menuBar().addMenu(title)
                             for title in ("&File", "&Edit", "&View", *(("&Reports",) if is_hq else ()), "&Help")]

    def _complete(self) -> None:
        """What the first paint does without, made once the database is open: the menus, the pages' icons,
        the first page and the status."""
        from PySide6.QtWidgets import QStyle

        QApplication.setWindowIcon(app_icon())  # an SVG: loads Qt's SVG library, not needed for the first paint
        self.menuBar().clear()
        for menu in self._menu_places:
            menu.deleteLater()
        self._menu_places = []
        self._build_menus(self.installation.is_hq)
        style = self.style()
        for row, name in enumerate(self.page_names):
            self.nav.item(row).setIcon(style.standardIcon(getattr(QStyle.StandardPixmap, PAGE_ICONS[name])))
        self._fill()

    def _fill(self) -> None:
        for name in ("conflicts", "review"):  # made at once: the navigation shows how many are open
            if name in self.page_names:
                self.pages[name]
        self.show_page(self._first_page)
        self.refresh_status()

    # --- pages -------------------------------------------------------------------------------------------
    @property
    def dashboard(self) -> DashboardPage:
        return self.pages["dashboard"]  # type: ignore[return-value]

    @property
    def sync_page(self) -> SyncPage:
        return self.pages["sync"]  # type: ignore[return-value]

    def _make_page(self, name: str) -> QWidget:
        """A page, the first time it is asked for (LazyPages), wired to the window."""
        if name == "dashboard":
            from ccp_desktop.ui.dashboard_page import DashboardPage

            return DashboardPage(self.worker, self.db, is_hq=self.installation.is_hq)
        if name == "sync":
            from ccp_desktop.ui.sync_page import SyncPage

            sync = SyncPage(self.db_path, self.worker, is_hq=self.installation.is_hq)
            sync.sync_changed.connect(self.hub.announce)
            return sync
        if name in self._list_specs:
            from ccp_desktop.ui.list_page import ListPage

            page = ListPage(self.db, self.db_path, self._list_specs[name], self.worker)
            page.record_changed.connect(self.hub.announce)
            if name == "equipment":
                page.extra_buttons.addWidget(self._certificate_button())
            if self.delete_action is not None:
                page.table.addAction(self.delete_action)
            return page
        return self._hq_page(name)

    # --- navigation --------------------------------------------------------------------------------------
    def show_page(self, name: str) -> QWidget:
        self.nav.setCurrentRow(self.page_names.index(name))
        return self.pages[name]

    def current_page_name(self) -> str:
        return self.page_names[max(self.stack.currentIndex(), 0)]

    def current_list(self) -> ListPage | None:
        page = self.stack.currentWidget()
        return next((p for p in self.lists.made() if p is page), None)

    def _hq_page(self, name: str) -> QWidget:
        from ccp_desktop.ui.conflicts_page import ConflictsPage
        from ccp_desktop.ui.hq_import_page import HqImportPage
        from ccp_desktop.ui.posts_page import PostsPage
        from ccp_desktop.ui.review_page import ReviewPage

        pages = {"hq-import": HqImportPage, "posts": PostsPage, "conflicts": ConflictsPage, "review": ReviewPage}
        page: Any = pages[name](self.worker)
        page.sync_changed.connect(self.hub.announce)
        if name in ("conflicts", "review"):  # the navigation shows how many are open
            page.count_changed.connect(lambda n: self.nav.item(self.page_names.index(name)).setText(
                f"{PAGE_TITLES[name]} ({n})" if n else PAGE_TITLES[name]))
            page.refresh()
        return page

    def dragEnterEvent(self, event: Any) -> None:
        self.pages["hq-import"].dragEnterEvent(event)

    def dropEvent(self, event: Any) -> None:
        self.show_page("hq-import")
        self.pages["hq-import"].dropEvent(event)

    # --- status bar ------------------------------------------------------------------------------------
    def _build_status_bar(self, is_hq: bool) -> None:
        # The same three places at HQ say what HQ does: it imports the posts' packages and writes receipts.
        self.status_labels: dict[str, QLabel] = {}
        for key, name in (("post", "Post"), ("officer", "Officer"),
                          ("pending", "Last package imported" if is_hq else "Changes waiting to be exported"),
                          ("export", "Packages imported" if is_hq else "Last export"),
                          ("receipt", "Last receipt written" if is_hq else "Last receipt")):
            label = QLabel()
            label.setObjectName(f"status-{key}")
            label.setAccessibleName(name)
            label.setContentsMargins(6, 0, 6, 0)
            self.status_labels[key] = label
            self.statusBar().addPermanentWidget(label, 1 if key == "receipt" else 0)

    def _show_identity(self, who: Installation | InstallationPeek) -> None:
        self.status_labels["post"].setText(f"Post: {who.post_code}{' (HQ)' if who.is_hq else ''}")
        self.status_labels["officer"].setText(f"Officer: {who.officer}")
        self.setWindowTitle(f"{APP_NAME} — {who.post_code}")

    def refresh_status(self) -> None:
        self._show_identity(self.installation)
        is_hq = self.installation.is_hq

        def run(db: Any, progress: Any, should_cancel: Any) -> Any:
            from ccp_desktop.sync import status

            if is_hq:
                return status.hq_glance(db)
            return status.pending_change_count(db), status.last_export(db), status.last_receipt(db)

        self.worker.submit("status", run, on_done=self._show_hq_status if is_hq else self._show_status,
                           on_error=self._status_unavailable)

    def _show_hq_status(self, glance: dict[str, Any]) -> None:
        from ccp_desktop.domain.wording import count_of  # see the imports

        last, receipt = glance["last_import"], glance["last_receipt"]
        self.status_labels["pending"].setText(
            f"Last import: {last['post_code']}, {_when(last['imported_at'])}" if last else "No package imported yet")
        self.status_labels["export"].setText(
            f"{count_of(glance['packages'], 'package')} from {count_of(glance['posts'], 'post')}"
            if glance["packages"] else "")
        self.status_labels["receipt"].setText(
            f"Last receipt written: {receipt['for_post']}, {_when(receipt['created_at'])}" if receipt
            else "No receipt written yet")
        self.status_refreshed.emit()

    def _show_status(self, answer: Any) -> None:
        pending, export, receipt = answer
        self.status_labels["pending"].setText(f"{pending:,} change{'s' if pending != 1 else ''} to export")
        self.status_labels["pending"].setStyleSheet("font-weight: bold" if pending else "")
        self.status_labels["export"].setText(f"Last export: {_when(export and export.get('created_at'))}")
        self.status_labels["receipt"].setText(f"Last receipt: {_when(receipt and receipt.get('created_at'))}")
        self.status_refreshed.emit()

    def _status_unavailable(self, exc: BaseException) -> None:
        # The status bar is a glance, not a task: it says what it cannot tell rather than raise a box.
        for key in ("pending", "export", "receipt"):
            self.status_labels[key].setText("")
        self.status_labels["pending"].setText("Sync state unavailable")
        self.status_labels["pending"].setToolTip(str(exc))
        self.status_refreshed.emit()

    # --- changes ---------------------------------------------------------------------------------------
    def on_changes(self, changes: OpChanges) -> None:
        if changes.installation:
            from ccp_desktop.store.installation import require_installation

            self.installation = require_installation(self.db)
            self._show_identity(self.installation)
        for page in self.pages.made():  # a page not made yet reads the database when it is made
            page.on_changes(changes)  # type: ignore[attr-defined]
        self.refresh_status()

    def refresh_all(self) -> None:
        from ccp_desktop.store.changes import Changes
        from ccp_desktop.ui.changes import OpChanges

        self.hub.announce(OpChanges.of(Changes.everything()))

    # --- actions ----------------------------------------------------------------------------------------
    def _action(self, menu: Any, text: str, slot: Any, shortcut: Any = None, tip: str = "") -> QAction:
        from PySide6.QtGui import QAction, QKeySequence  # see the imports

        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

    def _build_menus(self, is_hq: bool) -> None:
        from PySide6.QtCore import Qt  # see the imports
        from PySide6.QtGui import QKeySequence

        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.new_action = self._action(file_menu, "&New record…", self.new_record, QKeySequence.StandardKey.New,
                                       "A new record of the list you are looking at")
        self._action(file_menu, "New &activity…", lambda: self.new_record("activities"))
        self._action(file_menu, "New equipment &delivery…", lambda: self.new_record("equipment"), "Ctrl+Shift+N")
        self._action(file_menu, "New &partner…", lambda: self.new_record("partners"))
        file_menu.addSeparator()
        if is_hq:  # HQ sends no data package; it imports the posts' (one here, a folder on Import many)
            self._action(file_menu, "&Import a package…", self.choose_import, "Ctrl+I",
                         "Look at a post's package, then import it")
        else:
            self._action(file_menu, "&Export package", self.export_package, "Ctrl+E", "Write a sync package for HQ")
            self._action(file_menu, "&Import receipt…", self.choose_import, "Ctrl+I")
        file_menu.addSeparator()
        self._action(file_menu, "&Settings…", self.open_settings, QKeySequence.StandardKey.Preferences)
        file_menu.addSeparator()
        # Ctrl+Q spelled out: the platform's "Quit" key is empty on Windows and on some Linux desktops.
        self._action(file_menu, "&Quit", self.close, "Ctrl+Q")
        edit_menu = bar.addMenu("&Edit")
        self._action(edit_menu, "&Find…", self.find_records, QKeySequence.StandardKey.Find, "Search the list")
        self._action(edit_menu, "&Open record", self._open_selected, "Ctrl+O")
        self.delete_action = self._action(edit_menu, "&Delete record…", self._delete_selected, QKeySequence.StandardKey.Delete)
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        for page in self.lists.made():
            page.table.addAction(self.delete_action)
        view_menu = bar.addMenu("&View")
        for n, name in enumerate(self.page_names, start=1):
            self._action(view_menu, PAGE_TITLES[name], lambda name=name: self.show_page(name), f"Ctrl+{n}")
        view_menu.addSeparator()
        self._action(view_menu, "&Refresh", self.refresh_all, QKeySequence.StandardKey.Refresh)
        if is_hq:  # HQ's Reports menu: program report and IATI export (ui/report_actions.py)
            from ccp_desktop.ui.report_actions import ReportActions

            self.report_actions = ReportActions(self, self.worker, self.db, self.db_path, bar)
        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&Guide", self.show_guide, "F1", "Your first week: setup, records, packages, backups")
        from ccp_desktop.ui.problem_report import add_problem_report_action

        add_problem_report_action(self, help_menu)
        self._action(help_menu, "&About", self.about)

    def _certificate_button(self) -> QWidget:
        from PySide6.QtWidgets import QPushButton

        button = QPushButton("Handover certificate…")
        button.setObjectName("certificate")
        button.setToolTip("Save a printable PDF handover certificate for the selected delivery")
        button.clicked.connect(self.save_certificate)
        return button

    def new_record(self, list_name: str | None = None) -> None:
        page = self.lists.get(list_name or "") or self.current_list() or self.lists["activities"]
        self.show_page(page.spec.name)
        page.new_record()

    def find_records(self) -> None:
        page = self.current_list() or self.show_page("activities")
        page.focus_search()  # type: ignore[attr-defined]

    def _open_selected(self) -> None:
        if (page := self.current_list()) is not None:
            page.open_selected()

    def _delete_selected(self) -> None:
        if (page := self.current_list()) is not None:
            page.delete_selected()

    def export_package(self) -> None:
        self.show_page("sync")
        self.sync_page.start_export()

    def choose_import(self) -> None:
        """A receipt from HQ at a post; a post's package at HQ (looked at before it is imported)."""
        self.show_page("sync")
        self.sync_page._choose_import()

    def save_certificate(self) -> None:
        from ccp_desktop.ui import forms

        delivery_id = self.lists["equipment"].selected_id()
        if delivery_id is None:
            _show_error(self, _NothingSelected("Select an equipment delivery first."))
            return
        try:
            path = forms.save_handover_certificate(self, self.db, delivery_id)
        except Exception as exc:
            _show_error(self, exc)
            return
        if path:
            self.statusBar().showMessage(f"Handover certificate saved: {path}", 10_000)

    def open_settings(self) -> None:
        from ccp_desktop.ui.settings_dialog import SettingsDialog

        self.save_layout()  # so that a move of the data folder carries the layout as it is now
        dialog = SettingsDialog(self.db, self.db_path, self, worker=self.worker)
        _delete_on_close(dialog)
        dialog.data_moved.connect(self.reopen_on)
        dialog.restore_requested.connect(self.restore_backup)

        def accepted() -> None:
            from ccp_desktop.ui.changes import OpChanges

            if dialog.changes:
                self.hub.announce(OpChanges.of(dialog.changes, source=dialog))

        dialog.finished.connect(lambda _result: accepted())  # a key loaded in Settings counts even on Cancel
        dialog.open()

    def reopen_on(self, db_path: Path) -> MainWindow | None:
        """After the data folder moved: a window on the new database takes over, then this one closes."""
        from ccp_desktop.ui.settings_dialog import moved_message

        db_path, old = Path(db_path), self.db_path
        window = self.hand_over(db_path, lambda exc: f"Your data was moved to {db_path.parent}, but it cannot be "
                                f"opened now ({exc}). Quit and start the program again; it will open the new folder.")
        if window is None:
            return None
        headline, detail = moved_message(old, db_path)
        from PySide6.QtWidgets import QMessageBox  # see the imports

        box = QMessageBox(QMessageBox.Icon.Information, APP_NAME, headline, QMessageBox.StandardButton.Ok, window)
        box.setObjectName("data-moved")
        box.setInformativeText(detail)
        _delete_on_close(box)
        box.open()
        return window

    def hand_over(self, db_path: Path, failure: Callable[[BaseException], str]) -> MainWindow | None:
        """A window on `db_path` takes over with the one-instance lock, then this one closes: after the data
        folder moved, and after a restore replaced the database. None (having shown `failure(exc)`) when the
        database cannot be opened."""
        from ccp_desktop.ui.instance_lock import acquire_instance_lock

        db_path = Path(db_path)
        same = db_path == self.db_path  # a restore: this window's lock is handed on, not taken a second time
        lock: QLockFile | None = self.instance_lock if same else None
        try:
            if not same:
                lock = acquire_instance_lock(db_path)
                if lock is None:
                    raise SetupError(f"another window has {db_path} open")
            window = MainWindow(db_path)
        except (CcpError, sqlite3.Error) as exc:
            if lock is not None and not same:
                lock.unlock()
            _show_error(self, SetupError(failure(exc)))
            return None
        window.instance_lock = lock
        if same:
            self.instance_lock = None
        self.successor = window
        window.show()
        self.close()
        QTimer.singleShot(0, window.after_shown)
        return window

    # --- restoring a backup --------------------------------------------------------------------------------
    def restore_backup(self, backup: BackupInfo) -> None:
        """Settings → Restore from backup (see restore_flow: release, restore on the worker, hand over)."""
        from ccp_desktop.ui.restore_flow import start_restore

        start_restore(self, backup)

    def release_database(self) -> None:
        """Close the forms and this window's connection, keeping the lock, so that the database file can be
        replaced; the pages are hidden, since the lists read the database as they are drawn."""
        self.close_forms()
        self.save_layout()
        self._closed = True  # what closing does to the forms and layout is done
        self.splitter.hide()
        self.menuBar().setEnabled(False)
        self.db.close()

    def show_guide(self) -> None:
        from ccp_desktop.ui.guide import GuideWindow

        if self.guide is None:
            self.guide = GuideWindow(self)
        self.guide.show()
        self.guide.raise_()
        self.guide.activateWindow()

    def about(self) -> None:
        from PySide6.QtWidgets import QMessageBox  # see the imports

        box = QMessageBox(QMessageBox.Icon.Information, f"About {APP_NAME}",
                          f"{APP_NAME} {__version__}\nCyber Cooperation Program records and sync packages.\n\n"
                          f"Database: {self.db_path}", QMessageBox.StandardButton.Ok, self)
        _delete_on_close(box)
        box.open()

    # --- start and finish --------------------------------------------------------------------------------
    def after_shown(self) -> None:
        """Once the window is up: check the database in the background, and offer to bring back forms
        left open by a crash."""
        from ccp_desktop.ui import forms
        from ccp_desktop.ui.changes import OpChanges
        from ccp_desktop.ui.damaged_database import check_database_on_start

        if self._closed:
            return
        check_database_on_start(self)
        try:
            restored = forms.offer_draft_restore(self, self.db)
        except Exception as exc:
            _show_error(self, exc)
            return
        for form in restored:
            # A restored form belongs to no list page: its save must still refresh lists, dashboard and status.
            form.changed.connect(lambda changes: self.hub.announce(OpChanges.of(changes)))

    def restore_layout(self) -> None:
        settings = ui_settings(self.db_path)
        geometry = settings.value("window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(DEFAULT_SIZE)
        self.fit_to_screen()
        state = settings.value("window/state")
        if state is not None:
            self.restoreState(state)
        self._splitter_state = settings.value("window/splitter")
        page = str(settings.value("window/page", "dashboard"))
        self._first_page = page if page in self.page_names else "dashboard"
        index = self.page_names.index(self._first_page)
        self.nav.blockSignals(True)  # the page itself is made once the database is open (_fill)
        self.nav.setCurrentRow(index)
        self.nav.blockSignals(False)
        self.stack.setCurrentIndex(index)

    def fit_to_screen(self) -> None:
        """Keep the whole window (status bar and buttons too) on the screen it opens on: a layout saved on a
        larger monitor, or the default size, would put them beyond the edge of a 1024x600 netbook screen."""
        screen = self.screen() or QApplication.primaryScreen()
        if screen is None:
            return
        free = screen.availableGeometry()
        frame, inner = self.frameGeometry(), self.geometry()
        # Title bar and borders: known once the window is shown; before that, room for a usual title bar.
        extra_w, extra_h = (frame.width() - inner.width(), frame.height() - inner.height()) if frame != inner else (8, 38)
        width = min(self.width(), free.width() - extra_w)
        height = min(self.height(), free.height() - extra_h)
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
        x = min(max(frame.x(), free.left()), free.left() + free.width() - (width + extra_w))
        y = min(max(frame.y(), free.top()), free.top() + free.height() - (height + extra_h))
        if (x, y) != (frame.x(), frame.y()):
            self.move(x, y)  # a window's position is its frame's

    def paintEvent(self, event: Any) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            self.first_painted.emit()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self._fitted_shown:  # now the frame is known: fit again, once (later resizes are the officer's)
            self._fitted_shown = True
            self.fit_to_screen()
        # A splitter restored before the window has its size is squeezed by the first layout.
        if self._splitter_state is not None:
            self.splitter.restoreState(self._splitter_state)
            self._splitter_state = None

    def save_layout(self) -> None:
        settings = ui_settings(self.db_path)
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState())
        settings.setValue("window/splitter", self.splitter.saveState())
        settings.setValue("window/page", self.current_page_name())
        for page in self.lists.made():
            page.save_layout()
        settings.sync()

    def unsaved_forms(self) -> list[Any]:
        """Record forms of this window that hold changes not yet saved."""
        return [f for f in self._record_forms() if f.isVisible() and f.is_dirty()]

    def _record_forms(self) -> list[Any]:
        if "ccp_desktop.ui.forms.base" not in sys.modules:  # no form was ever opened: no import (a second) to find none
            return []
        from ccp_desktop.ui.forms.base import RecordForm

        return self.findChildren(RecordForm)

    def close_forms(self) -> None:
        """Close every open record form without a question (asked already); drafts written stay for next time."""
        for form in self._record_forms():
            if form.isVisible():
                form.draft_timer.stop()
                form.done(0)

    def closeEvent(self, event: QCloseEvent) -> None:
        from PySide6.QtWidgets import QMessageBox  # see the imports

        if "sync" in self.pages.made_names() and self.sync_page.export.job is not None:
            answer = QMessageBox.question(self, APP_NAME, "A package is being written. Stop it and quit?")
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        unsaved = [] if self._closed else self.unsaved_forms()
        if unsaved:
            count = len(unsaved)
            answer = QMessageBox.question(
                self, APP_NAME,
                f"{count} open form{'s have' if count > 1 else ' has'} unsaved changes. Quit anyway? What you "
                "typed is kept as a draft and offered the next time the app opens.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
            for form in unsaved:
                form.write_draft()  # the latest keystrokes, not the state of the last timer tick
        if not self._closed:
            self._closed = True
            self.close_forms()
            self.save_layout()
        if self.opened:  # a window closed before its database was opened has no worker and no connection
            self.worker.stop()  # both may have been done already (a restore): doing them again does nothing
            self.db.close()
        if self.instance_lock is not None:
            self.instance_lock.unlock()
            self.instance_lock = None
        super().closeEvent(event)


class _NothingSelected(CcpError):
    pass


