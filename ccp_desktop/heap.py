"""Giving memory back to the system after a big piece of work (an import).

glibc's malloc keeps what a program frees for its next allocations, in one heap per thread that
allocated, and returns to the system only free space at the very top of a heap. An import parses,
checks and writes hundreds of megabytes on three threads, and HQ's app keeps running afterwards: after
a package of 430,363 rows the process held 273 MB. Collecting the import's garbage cycles and then
`malloc_trim(0)` at the end of the import leaves 162 MB (198 MB without the collection). Other C libraries
(Windows', macOS', musl) give large blocks back themselves or have no such call: there this does nothing."""

from __future__ import annotations

import sys


def give_back_freed_memory(*, collect: bool = False) -> bool:
    """Return the free pages of every malloc heap to the system (glibc's `malloc_trim`, about 2 ms).
    `collect`: first collect the garbage the work left (cycles hold some of a big import's structures until
    a collection: 36 MB more after 430,363 rows), at the cost of a full collection (17 ms after 43,040 rows;
    more in a process holding many objects). False where the C library has no such call."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes  # here: a start or an export never needs it

    if collect:
        import gc

        gc.collect()
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the C library this process already runs on
    except (OSError, AttributeError):  # musl and other C libraries without it
        return False
    trim(0)
    return True
