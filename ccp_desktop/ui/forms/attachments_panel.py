"""The evidence on a record (photos, the scanned signed form): thumbnails, add by file dialog, drag and
drop or paste, open in the system's viewer, remove. Writes run on the app's background worker (photos
are re-encoded there); the panel reads the list itself (one small query)."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlite_utils
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt, QUrl, Signal
from PySide6.QtGui import (
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QIcon,
    QImage,
    QKeySequence,
    QPixmap,
    QShortcut,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStyle,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ccp_desktop.domain.attachments import REFERENCE_OF, TARGETS, megabytes, prepare_file
from ccp_desktop.errors import Cancelled
from ccp_desktop.store import attachments as store
from ccp_desktop.store.files import make_work_dir
from ccp_desktop.store.location import database_path
from ccp_desktop.store.records import iter_records
from ccp_desktop.ui.worker import BackgroundWorker, Job, JobFn

THUMB = 96
FILE_FILTER = "Photos and scans (*.jpg *.jpeg *.png *.pdf);;All files (*)"
# Replaced in tests: opening a real viewer is the desktop's business, not the test's.
open_externally: Callable[[QUrl], Any] = QDesktopServices.openUrl


def find_worker(widget: QWidget) -> BackgroundWorker | None:
    """The app's one worker: held by a window up the parent chain (the main window), else any running."""
    node: Any = widget
    while node is not None:
        worker = getattr(node, "worker", None)
        if isinstance(worker, BackgroundWorker):
            return worker
        node = node.parent()
    return next(iter(BackgroundWorker._live), None)


class AttachmentsPanel(QWidget):
    changed = Signal()  # after files were attached or removed (saved: nothing waits for the form's Save)
    failed = Signal(object)  # an error, shown to the person as well

    def __init__(self, db: sqlite_utils.Database, kind: str, parent: QWidget | None = None,
                 worker: BackgroundWorker | None = None) -> None:
        super().__init__(parent)
        self.db, self.kind = db, kind
        self.record_id: str | None = None
        self.table = store.target_of(kind)[0]
        self._worker = worker
        self.infos: list[store.AttachmentInfo] = []
        self.setAcceptDrops(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.list = QListWidget()
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setWordWrap(True)
        self.list.setGridSize(QSize(THUMB + 80, THUMB + 44))  # room for a file name on two lines
        self.list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.list.setMinimumHeight(THUMB + 56)
        self.list.setAccessibleName("Attachments")
        self.list.itemActivated.connect(lambda _item: self.open_selected())
        self.list.itemSelectionChanged.connect(self._update_buttons)
        layout.addWidget(self.list)
        row = QHBoxLayout()
        self.add_button = QPushButton("Add files…")
        self.add_button.setToolTip("Photos (JPEG, PNG) or PDF scans; you can also drop files here or paste (Ctrl+V)")
        self.paste_button = QPushButton("Paste")
        self.open_button = QPushButton("Open")
        self.remove_button = QPushButton("Remove")
        self.signed_form = QCheckBox("Signed handover form")
        self.signed_form.setToolTip("Tick before adding the scan of the form the recipient signed")
        self.signed_form.setVisible(kind == "delivery")
        self.keep_location = QCheckBox("Keep photo location")
        self.keep_location.setToolTip("Photos lose their GPS position unless this is ticked")
        for widget in (self.add_button, self.paste_button, self.open_button, self.remove_button):
            row.addWidget(widget)
        row.addStretch(1)
        layout.addLayout(row)
        options = QHBoxLayout()  # a row of its own: the form's half column is narrow on a 1024x600 screen
        options.addWidget(self.signed_form)
        options.addWidget(self.keep_location)
        options.addStretch(1)
        layout.addLayout(options)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.cancel_button = QPushButton("Cancel")  # while files are being made ready
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(lambda: self.job.cancel() if self.job else None)
        self.job: Job | None = None
        status_row = QHBoxLayout()
        status_row.addWidget(self.status, 1)
        status_row.addWidget(self.cancel_button)
        layout.addLayout(status_row)
        self.add_button.clicked.connect(self.choose_files)
        self.paste_button.clicked.connect(self.paste)
        self.open_button.clicked.connect(self.open_selected)
        self.remove_button.clicked.connect(self.remove_selected)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Paste), self.list, self.paste)
        self.set_record(None)

    # -- showing ------------------------------------------------------------------------------------
    def set_record(self, record_id: str | None) -> None:
        self.record_id = record_id
        for widget in (self.add_button, self.paste_button, self.list):
            widget.setEnabled(record_id is not None)
        self.status.setText("" if record_id else f"Save the {TARGETS_LABEL[self.kind]} first, then attach files.")
        self.refresh()

    def refresh(self) -> None:
        self.infos = store.list_attachments(self.db, self.kind, self.record_id) if self.record_id else []
        self.list.clear()
        for info in self.infos:
            text = info.file_name + (" (signed form)" if info.signed_form else "")
            if not info.present:
                text += " (expected)"
            item = QListWidgetItem(self._icon(info), text)
            item.setToolTip(f"{info.file_name}\n{info.media_type}, {megabytes(info.size_bytes)}\nSHA-256 {info.sha256}"
                            + ("" if info.present else "\nNot arrived yet: its archive has not been imported"))
            self.list.addItem(item)
        self._update_buttons()

    def _icon(self, info: store.AttachmentInfo) -> QIcon:
        data = store.read_blob(self.db, info.sha256) if info.present and info.media_type != "application/pdf" else None
        image = QImage()
        if data is not None and image.loadFromData(data):
            return QIcon(QPixmap.fromImage(image.scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                                                        Qt.TransformationMode.SmoothTransformation)))
        standard = QStyle.StandardPixmap.SP_FileIcon if info.present else QStyle.StandardPixmap.SP_MessageBoxQuestion
        return self.style().standardIcon(standard)

    def _selected(self) -> store.AttachmentInfo | None:
        row = self.list.currentRow()
        return self.infos[row] if 0 <= row < len(self.infos) and self.list.currentItem().isSelected() else None

    def _update_buttons(self) -> None:
        chosen = self._selected()
        self.open_button.setEnabled(chosen is not None and chosen.present)
        self.remove_button.setEnabled(chosen is not None)

    # -- adding -------------------------------------------------------------------------------------
    def choose_files(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "Attach photos or scans", "", FILE_FILTER)
        if names:
            self.add_paths([Path(n) for n in names])

    def add_paths(self, paths: list[Path]) -> None:
        keep, signed = self.keep_location.isChecked(), self.signed_form.isChecked()
        self._run("attach files", lambda db, progress, cancel: store.attach_files(
            db, self.kind, self._record(),
            store.read_files(paths, keep_location=keep, progress=progress, should_cancel=cancel), signed_form=signed),
            f"Attaching {len(paths)} file(s)…")

    def add_image(self, image: QImage, name: str) -> None:
        """A pasted picture (a screenshot, a photo copied from another program), kept as PNG."""
        buffer = QBuffer(array := QByteArray())
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")  # type: ignore[call-overload]  # the stubs want bytes; PySide6 wants str
        data, signed = bytes(array.data()), self.signed_form.isChecked()
        self._run("attach pasted image", lambda db, _progress, _cancel: store.attach_files(
            db, self.kind, self._record(), [prepare_file(name, data)], signed_form=signed), "Attaching the pasted image…")

    def paste(self) -> None:
        if self.record_id is None:
            return
        mime = QGuiApplication.clipboard().mimeData()
        paths = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()] if mime.hasUrls() else []
        if paths:
            self.add_paths(paths)
        elif mime.hasImage():
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            self.add_image(QImage(mime.imageData()), f"pasted-{stamp}.png")
        else:
            self.status.setText("The clipboard holds no file or picture to attach.")

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        if self.record_id is not None and event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.add_paths(paths)

    # -- opening and removing -----------------------------------------------------------------------
    def open_selected(self) -> None:
        chosen = self._selected()
        if chosen is None or not chosen.present:
            return
        try:
            where = database_path(self.db)
            path = store.write_copy(self.db, chosen, make_work_dir(where.parent if where else None))
        except Exception as exc:  # noqa: BLE001 - shown in plain words
            self._failed(exc)
            return
        open_externally(QUrl.fromLocalFile(str(path)))

    def remove_selected(self) -> None:
        chosen = self._selected()
        if chosen is not None:
            self._run("remove attachment", lambda db, _progress, _cancel: store.detach(db, self.kind, self._record(), chosen.sha256),
                      f"Removing {chosen.file_name}…")

    # -- running ------------------------------------------------------------------------------------
    def _record(self) -> str:
        assert self.record_id is not None
        return self.record_id

    def _run(self, name: str, write: JobFn, busy: str) -> None:
        worker = self._worker or find_worker(self)
        if worker is None:
            self._failed(RuntimeError("the background worker is not running"))
            return
        self.status.setText(busy)
        self.add_button.setEnabled(False)
        self.job = worker.submit(name, write, on_done=self._done, on_error=self._failed, on_progress=self._progress)
        self.cancel_button.show()

    def _progress(self, done: int, total: int) -> None:
        self.status.setText(f"Making file {done + 1} of {total} ready (photos are turned upright and made smaller)…")

    def _idle(self) -> None:
        self.add_button.setEnabled(self.record_id is not None)
        self.cancel_button.hide()
        self.job = None

    def _done(self, result: Any) -> None:
        self._idle()
        names = ", ".join(r["file_name"] for r in result)
        self.status.setText(("Removed " if result and result[0]["deleted"] else "Attached ") + names)
        self.refresh()
        self.changed.emit()

    def _failed(self, exc: BaseException) -> None:
        from ccp_desktop.ui.errors import show_error

        self._idle()
        self.status.setText(str(exc) if isinstance(exc, Cancelled) else "")
        if not isinstance(exc, Cancelled):  # the person asked for it: no dialog
            show_error(self, exc)
        self.failed.emit(exc)


TARGETS_LABEL = {word: word for word in TARGETS} | {"item": "item line"}


class EvidenceBox(QGroupBox):
    """The panel in a titled box, as a form adds it (one line): `self.evidence = EvidenceBox(...)`."""

    def __init__(self, db: sqlite_utils.Database, kind: str, record_id: str | None, parent: QWidget | None = None) -> None:
        super().__init__("Evidence: photos and scans", parent)
        self.panel = AttachmentsPanel(db, kind, self)
        QVBoxLayout(self).addWidget(self.panel)
        self.panel.set_record(record_id)


def evidence_html(browser: QTextBrowser, db: sqlite_utils.Database, table: str, record_id: str) -> str:
    """The evidence of a record for the detail panel: small thumbnails of its photos (added to the
    browser's document as resources), and each file's name and state; a delivery's item lines follow with
    theirs (the photo of a serial plate). Empty for a record without any."""
    if table not in REFERENCE_OF:
        return ""
    groups = [("", store.list_attachments(db, table, record_id))]
    if table == "equipment_deliveries":
        groups += item_evidence(db, record_id)
    total = sum(len(infos) for _caption, infos in groups)
    if not total:
        return ""
    parts = [f"<h3>Evidence ({total})</h3>"]
    for caption, infos in groups:
        if infos:
            parts.append((f"<p><b>{html.escape(caption)}</b></p>" if caption else "") + _thumbnails(browser, db, infos))
    return "".join(parts)


def item_evidence(db: sqlite_utils.Database, delivery_id: str) -> list[tuple[str, list[store.AttachmentInfo]]]:
    """(caption, attachments) of each item line of a delivery that holds any, numbered as the form numbers them."""
    items = list(iter_records(db, "equipment_items", where="delivery_id = ?", params=[delivery_id]))
    held = store.evidence_of(db, "item", [item["id"] for item in items])
    out = []
    for number, item in enumerate(items, start=1):
        if item["id"] in held:
            label = item["description"] or item["make_model"] or item["category"]
            shown = item["serials"][:3] + ([f"{len(item['serials']) - 3} more"] if len(item["serials"]) > 3 else [])
            serials = f" (serial {', '.join(shown)})" if shown else ""
            out.append((f"Item line {number}: {label}{serials}", store.list_attachments(db, "item", item["id"])))
    return out


def _thumbnails(browser: QTextBrowser, db: sqlite_utils.Database, infos: list[store.AttachmentInfo]) -> str:
    cells = []
    for info in infos:
        name = html.escape(info.file_name) + (" <b>(signed form)</b>" if info.signed_form else "")
        data = store.read_blob(db, info.sha256) if info.present and info.media_type != "application/pdf" else None
        image = QImage()
        if data is not None and image.loadFromData(data):
            url = QUrl(f"evidence:{info.sha256}")
            browser.document().addResource(QTextDocument.ResourceType.ImageResource, url, image.scaled(
                THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation))
            cells.append(f"<td align='center'><img src='{url.toString()}'><br>{name}</td>")
        else:
            state = "" if info.present else " <i>(expected: not arrived yet)</i>"
            cells.append(f"<td align='center'>[{html.escape(info.media_type.split('/')[-1].upper())}]<br>{name}{state}</td>")
    # Two a row: the detail panel is about 230 px wide on a 1024x600 screen; a longer row would be cut off.
    rows = "".join(f"<tr>{''.join(cells[at:at + 2])}</tr>" for at in range(0, len(cells), 2))
    return f"<table cellspacing='6'>{rows}</table>"
