"""The one background worker: a thread with its own database connection that runs long jobs in turn.

A sqlite connection belongs to the thread that opened it, so the worker opens its own on its first
job. Jobs get `progress(done, total)` and `should_cancel()`; results and errors come back to the GUI
thread as signals, then to the callbacks given to `submit`. A job submitted with `release_db` gets no
connection: the worker closes its own first (a restore replaces the database file), and the next job
opens it again.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from ccp_desktop import logs
from ccp_desktop.errors import Cancelled
from ccp_desktop.store.changes import Changes
from ccp_desktop.store.location import database_path

if TYPE_CHECKING:  # annotations only: the window is shown before sqlite-utils is imported
    import sqlite_utils

log = logging.getLogger(__name__)

JobFn = Callable[["sqlite_utils.Database", Callable[[int, int], None], Callable[[], bool]], Any]
PROGRESS_INTERVAL_S = 0.05  # at most ~20 progress updates a second reach the GUI


@dataclass
class Job:
    id: int
    name: str
    fn: JobFn
    on_done: Callable[[Any], None] | None = None
    on_error: Callable[[BaseException], None] | None = None
    on_progress: Callable[[int, int], None] | None = None
    release_db: bool = False
    finish_on_stop: bool = False  # still written when the window closes (a form's last draft)
    cancel_event: threading.Event = field(default_factory=threading.Event)

    def cancel(self) -> None:
        self.cancel_event.set()

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()


class _Runner(QObject):
    """Lives in the worker thread."""

    progress = Signal(int, int, int)
    done = Signal(int, object)
    failed = Signal(int, object)

    def __init__(self, db_path: Path) -> None:
        super().__init__()
        self.db_path = db_path
        self.db: sqlite_utils.Database | None = None

    @Slot(object)
    def run(self, job: Job) -> None:
        if job.cancelled:
            self.failed.emit(job.id, Cancelled("Cancelled before it started; nothing was changed."))
            return
        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_INTERVAL_S or done >= total:
                last[0] = now
                self.progress.emit(job.id, int(done), int(total))

        try:
            if job.release_db:
                self.close()
            db: Any = None if job.release_db else self.connection()
            with logs.operation(f"job {job.name}", start_level=logging.DEBUG):
                result = job.fn(db, progress, lambda: job.cancelled)
                logs.note_result(result)
        except BaseException as exc:  # every failure goes back to the GUI to be shown in plain words
            self.failed.emit(job.id, exc)
        else:
            self.done.emit(job.id, result)

    def connection(self) -> sqlite_utils.Database:
        if self.db is None:
            from ccp_desktop.store.connection import open_database

            self.db = open_database(self.db_path)
        return self.db

    @Slot()
    def open(self) -> None:
        """Open the connection as soon as the thread starts, so the first job does not wait for it."""
        try:
            self.connection()
        except Exception as exc:  # the first job will meet the same error and report it
            log.info("worker could not open the database yet: %r", exc)

    @Slot()
    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    @Slot()
    def finish(self) -> None:
        """The last event of the thread: the jobs submitted before it have run (or failed as cancelled)."""
        self.close()
        QThread.currentThread().quit()


class BackgroundWorker(QObject):
    """Runs jobs one after another on one thread; the GUI thread stays free."""

    _submit = Signal(object)
    _end = Signal()
    busy_changed = Signal(bool)

    _live: weakref.WeakSet[BackgroundWorker] = weakref.WeakSet()

    @classmethod
    def stop_all(cls) -> None:
        """Stop every worker still running: a window that failed half-way through being built (a damaged
        database) must not leave a running thread to be destroyed, which aborts the whole program."""
        for worker in list(cls._live):
            worker.stop()

    def __init__(self, db_path: Path, parent: QObject | None = None, *, open_at_start: bool = True) -> None:
        """`open_at_start=False`: no connection until a job needs one (the setup wizard's worker, whose
        database does not exist yet: opening it would create it)."""
        super().__init__(parent)
        self.db_path = Path(db_path)
        BackgroundWorker._live.add(self)
        self._ids = itertools.count(1)
        self._jobs: dict[int, Job] = {}
        self._thread = QThread()
        self._thread.setObjectName("ccp-worker")
        self._runner = _Runner(db_path)
        self._runner.moveToThread(self._thread)
        self._submit.connect(self._runner.run)
        self._end.connect(self._runner.finish)
        self._runner.progress.connect(self._on_progress)
        self._runner.done.connect(self._on_done)
        self._runner.failed.connect(self._on_failed)
        if open_at_start:
            self._thread.started.connect(self._runner.open)
        self._thread.start()

    def submit(
        self,
        name: str,
        fn: JobFn,
        *,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[int, int], None] | None = None,
        release_db: bool = False,
        finish_on_stop: bool = False,
    ) -> Job:
        job = Job(next(self._ids), name, fn, on_done, on_error, on_progress, release_db, finish_on_stop)
        self._jobs[job.id] = job
        if len(self._jobs) == 1:
            self.busy_changed.emit(True)
        self._submit.emit(job)
        return job

    @property
    def pending(self) -> int:
        return len(self._jobs)

    def _finish(self, job_id: int) -> Job | None:
        job = self._jobs.pop(job_id, None)
        if not self._jobs:
            self.busy_changed.emit(False)
        return job

    def _on_progress(self, job_id: int, done: int, total: int) -> None:
        job = self._jobs.get(job_id)
        if job and job.on_progress and not job.cancelled:
            job.on_progress(done, total)

    def _on_done(self, job_id: int, result: object) -> None:
        job = self._finish(job_id)
        if job and job.on_done:
            job.on_done(result)

    def _on_failed(self, job_id: int, exc: object) -> None:
        job = self._finish(job_id)
        if job is None:
            return
        if not isinstance(exc, Cancelled):
            log.info("job %s failed: %r", job.name, exc)
        if job.on_error:
            job.on_error(exc)  # type: ignore[arg-type]

    def run_operation(
        self,
        name: str,
        operation: Callable[[sqlite_utils.Database], Changes],
        on_done: Callable[[Changes], None],
        on_error: Callable[[BaseException], None],
        *,
        finish_on_stop: bool = False,
    ) -> Job:
        """A change a person makes (a save, a delete, a draft): the core function runs here, on this
        thread's own connection, and `on_done` gets the `Changes` it returned (on the GUI thread).
        `finish_on_stop`: written even if the window closes before its turn (`stop` waits for it)."""
        return self.submit(name, lambda db, _progress, _cancelled: operation(db), on_done=on_done, on_error=on_error,
                           finish_on_stop=finish_on_stop)

    def is_running(self) -> bool:
        return self._thread.isRunning()

    def stop(self) -> None:
        """Cancel what is queued (except jobs to finish on stop), let the running job notice, close the
        connection, end the thread. The thread ends on its own `finish` event, queued after every job, so
        the jobs to finish are run before it, in order."""
        for job in list(self._jobs.values()):
            if not job.finish_on_stop:
                job.cancel()
        if self._thread.isRunning():
            self._end.emit()
            self._thread.wait()


def shared_worker(db: sqlite_utils.Database) -> BackgroundWorker:
    """The one worker writing to this database: the main window's while it is open. A form opened on its
    own (from a tool or a test) gets one that lives as long as the application."""
    file = database_path(db)
    if file is None:
        raise ValueError("an in-memory database has no background worker")
    path = file.resolve()
    for worker in list(BackgroundWorker._live):
        if worker.is_running() and worker.db_path.resolve() == path:
            return worker
    return BackgroundWorker(path, QCoreApplication.instance())


@contextlib.contextmanager
def stopping_workers() -> Iterator[None]:
    """For scripts that open forms on their own (screenshots): such forms save on workers of their own;
    end them all before Qt goes, or it aborts on a thread still running."""
    try:
        yield
    finally:
        BackgroundWorker.stop_all()
