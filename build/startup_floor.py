"""The floor of the start-up benchmark (tests/benchmarks/startup.py): a bare QApplication and QMainWindow
that prints "shown" (and the CPU time used) at its first paint and closes, as the app does with
CCP_QUIT_WHEN_SHOWN set. Run from source, and frozen by build/startup_floor.spec with the app's options."""

from __future__ import annotations

import sys
import time
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow


class Window(QMainWindow):
    painted = False

    def paintEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name; the app's window notices its paint alike
        super().paintEvent(event)
        if not self.painted:
            self.painted = True
            print(f"shown {time.process_time():.4f}", flush=True)
            QTimer.singleShot(0, self.close)


def main() -> int:
    app = QApplication(sys.argv[:1])
    window = Window()
    window.resize(1280, 720)
    window.show()
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(main())
