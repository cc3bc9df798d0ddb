"""The main window's pages, each made the first time it is asked for (shown, or named by an action).

Start-up then builds only the page shown first: the others' modules (charts, the sync page and its package
reader, the HQ desk) are imported when a person first opens them. A page not made yet has nothing to
refresh: it reads the database when it is made."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Generic, TypeVar, cast

from PySide6.QtWidgets import QLabel, QStackedWidget, QWidget

Page = TypeVar("Page", bound=QWidget)


class LazyPages(Mapping[str, QWidget]):
    """name -> page, in `names` order in `stack`; a "Loading…" label holds each page's place until it is made."""

    def __init__(self, names: tuple[str, ...], stack: QStackedWidget, build: Callable[[str], QWidget]) -> None:
        self.names = names
        self.stack = stack
        self._build = build
        self._made: dict[str, QWidget] = {}
        for _ in names:  # seen only while the window waits for its database (MainWindow.finish_opening)
            stand_in = QLabel("Loading…")
            # Centred by a style sheet, not setAlignment(Qt.AlignmentFlag...): this is painted first, before
            # anything else touches the `Qt` namespace, whose Python enums cost PySide ~60 ms to make.
            stand_in.setStyleSheet("qproperty-alignment: AlignCenter")
            stack.addWidget(stand_in)

    def __getitem__(self, name: str) -> QWidget:
        page = self._made.get(name)
        if page is None:
            if name not in self.names:
                raise KeyError(name)
            page = self._made[name] = self._build(name)
            index = self.names.index(name)
            current = self.stack.currentIndex()
            stand_in = self.stack.widget(index)
            self.stack.insertWidget(index, page)
            if stand_in is not None:
                self.stack.removeWidget(stand_in)
                stand_in.deleteLater()
            if current == index:
                self.stack.setCurrentIndex(index)
        return page

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)

    def made(self) -> list[QWidget]:
        """The pages made so far (the others have nothing to refresh or save)."""
        return [self._made[name] for name in self.made_names()]

    def made_names(self) -> list[str]:
        return [name for name in self.names if name in self._made]

    def show(self, name: str) -> QWidget:
        page = self[name]
        self.stack.setCurrentIndex(self.names.index(name))
        return page


class PageSubset(Mapping[str, Page], Generic[Page]):
    """Some of the pages (the record lists), by name: made when asked for, as in LazyPages."""

    def __init__(self, pages: LazyPages, names: tuple[str, ...]) -> None:
        self.pages, self.names = pages, names

    def __getitem__(self, name: str) -> Page:
        if name not in self.names:
            raise KeyError(name)
        return cast(Page, self.pages[name])

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)

    def made(self) -> list[Page]:
        return [cast(Page, self.pages[name]) for name in self.pages.made_names() if name in self.names]
