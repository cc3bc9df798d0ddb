"""The log: a rotating file in the data folder recording operations (what, when, how long, counts,
outcome, errors with tracebacks) for IT support, never record contents.

Only what a person could read out over the phone without revealing a record goes in: command and job
names, counts, sizes, file names, error types and this program's own messages (which name fields and
rows, not values). A rejected record's problems are logged by field, never with the value typed.
No Qt here: the CLI, the core and the GUI all log through the standard `logging` module.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ccp_desktop.errors import CcpError, ValidationError

LOG_DIRNAME = "logs"
LOG_FILENAME = "ccp-field-desk.log"
MAX_BYTES = 1024 * 1024
BACKUP_COUNT = 4  # five files of 1 MB at most: months of operations, small enough to e-mail
ROOT_LOGGER = "ccp_desktop"
FORMAT = "%(asctime)s %(levelname)s pid %(process)d %(name)s: %(message)s"

log = logging.getLogger("ccp_desktop.operations")
_current: contextvars.ContextVar[Operation | None] = contextvars.ContextVar("ccp_operation", default=None)


class _UtcFormatter(logging.Formatter):
    """Times in UTC, the same clock as packages and the journal."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z"


def log_folder(data_dir: Path | None = None) -> Path:
    if data_dir is None:
        from ccp_desktop.paths import default_data_dir

        data_dir = default_data_dir()
    return Path(data_dir) / LOG_DIRNAME


def log_path(data_dir: Path | None = None) -> Path:
    return log_folder(data_dir) / LOG_FILENAME


def log_files(data_dir: Path | None = None) -> list[Path]:
    """The current log and its rotated predecessors, newest first."""
    main = log_path(data_dir)
    rotated = [main.with_name(f"{main.name}.{n}") for n in range(1, BACKUP_COUNT + 1)]
    return [p for p in [main, *rotated] if p.is_file()]


class LogFile(logging.Handler):
    """The rotating log file: the standard library's RotatingFileHandler, made at the second record.
    `logging.handlers` and the socket, pickle and queue modules it imports take 13 ms to load, and the
    desktop app's start logs one line before its window is on the screen ("start gui"): that first
    record is appended by hand, after the same size check (issue 14: start-up)."""

    def __init__(self, path: Path) -> None:
        super().__init__(logging.INFO)
        self.path = path
        self._file: logging.Handler | None = None
        self._first_written = False

    def emit(self, record: logging.LogRecord) -> None:
        # handle() holds this handler's lock around emit: one thread at a time comes here
        if self._first_written or not self._append_first(record):
            self._rotating().emit(record)

    def _rotating(self) -> logging.Handler:
        if self._file is None:
            import logging.handlers

            self._file = logging.handlers.RotatingFileHandler(self.path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT,
                                                              encoding="utf-8", delay=True)
            self._file.setFormatter(self.formatter)
        return self._file

    def _append_first(self, record: logging.LogRecord) -> bool:
        """Append the run's first record to the file, as the rotating handler would when no rollover is
        due; False (nothing written) when it is due: the rotating handler writes it, after rolling over."""
        self._first_written = True
        try:
            line = f"{self.format(record)}\n"
            try:
                size = self.path.stat().st_size
            except FileNotFoundError:
                size = 0
            if size + len(line) >= MAX_BYTES:  # the rotating handler's test (shouldRollover), as it makes it
                return False
            # text mode, as the rotating handler writes (a line ends in CRLF on Windows, as the others do)
            with open(self.path, "a", encoding="utf-8") as file:
                file.write(line)
        except Exception:  # as logging does: a log that cannot be written never stops the program
            self.handleError(record)
        return True

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        super().close()


def _our_handler(logger: logging.Logger) -> LogFile | None:
    for handler in logger.handlers:
        if isinstance(handler, LogFile):
            return handler
    return None


def setup_logging(data_dir: Path | None = None) -> Path | None:
    """Send this program's log records (INFO and up) to the rotating file in the data folder. Safe to
    call again (a moved data folder, each test): the handler is replaced, never doubled. Returns the
    log's path, or None when the folder cannot be written (logging is never a reason to stop)."""
    path = log_path(data_dir)
    target = path.absolute()
    logger = logging.getLogger(ROOT_LOGGER)
    current = _our_handler(logger)
    if current is not None and current.path == target:
        return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if os.name != "nt":
            os.chmod(path.parent, 0o700)
    except OSError:
        return None
    handler = LogFile(target)
    handler.setFormatter(_UtcFormatter(FORMAT))
    if current is not None:
        logger.removeHandler(current)
        current.close()
    logger.addHandler(handler)
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)
    return path


def stop_logging() -> None:
    """Close the log file (tests; a moved data folder)."""
    logger = logging.getLogger(ROOT_LOGGER)
    current = _our_handler(logger)
    if current is not None:
        logger.removeHandler(current)
        current.close()


def describe_failure(exc: BaseException) -> str:
    """An error as the log keeps it: this program's message, but a rejected record by field only."""
    if isinstance(exc, ValidationError):
        fields = sorted({p.field for p in exc.problems})
        return f"ValidationError: {len(exc.problems)} problem(s) in field(s) {', '.join(fields)}"
    return f"{type(exc).__name__}: {exc}"


class Operation:
    """Facts gathered while an operation runs (counts, sizes, outcome), logged when it ends."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.facts: dict[str, Any] = {}
        self.outcome = "done"

    def note(self, **facts: Any) -> None:
        self.facts.update(facts)


def note(**facts: Any) -> None:
    """Add facts (numbers, statuses, file names) to the operation running in this thread, if any."""
    op = _current.get()
    if op is not None:
        op.note(**facts)


def note_result(result: Any) -> None:
    """The loggable part of an export, import or verify result: status and row totals, no values."""
    facts: dict[str, Any] = {}
    for key in ("status", "kind", "post_code", "seq_from", "seq_to"):
        value = getattr(result, key, None)
        if value not in (None, ""):
            facts[key] = value
    counts = getattr(result, "counts", None)
    if isinstance(counts, dict):
        totals: dict[str, int] = {}
        for value in counts.values():
            for k, n in (value.items() if isinstance(value, dict) else [("rows", value)]):
                if isinstance(n, int):
                    totals[k] = totals.get(k, 0) + n
        facts.update({k: v for k, v in totals.items() if v})
    for key in ("warnings", "errors"):
        items = getattr(result, key, None)
        if items:
            facts[key] = len(items)
    path = getattr(result, "path", None)
    if path:
        facts["file"] = Path(path).name
    note(**facts)


@contextlib.contextmanager
def operation(name: str, *, start_level: int = logging.INFO, **facts: Any) -> Iterator[Operation]:
    """Log `name` starting and ending: how long, its facts, and the outcome. The project's own errors
    are logged as refusals (their messages are written for people); anything else with its traceback.
    The exception is re-raised: logging never changes what the caller sees. A start without an end in
    the log is an operation that was killed (a power cut, a crash)."""
    op = Operation(name)
    op.note(**facts)
    started = time.perf_counter()
    log.log(start_level, "start %s%s", name, _facts(op.facts))
    token = _current.set(op)
    try:
        yield op
    except CcpError as exc:
        log.warning("%s %s after %.2f s%s: %s", "cancelled" if type(exc).__name__ == "Cancelled" else "refused",
                    name, time.perf_counter() - started, _facts(op.facts), describe_failure(exc))
        raise
    except BaseException as exc:
        log.error("failed %s after %.2f s%s: %s", name, time.perf_counter() - started, _facts(op.facts),
                  describe_failure(exc), exc_info=exc)
        raise
    finally:
        _current.reset(token)
    log.info("%s %s in %.2f s%s", op.outcome, name, time.perf_counter() - started, _facts(op.facts))


def _facts(facts: dict[str, Any]) -> str:
    return (" (" + ", ".join(f"{k}={v}" for k, v in facts.items()) + ")") if facts else ""
