"""Multiprocess metric files a full disk cannot crash: blocks allocated first, writes guarded."""

from __future__ import annotations

import contextlib
import logging
import os
import struct
import threading
from typing import Any

from prometheus_client import values
from prometheus_client.mmap_dict import _INITIAL_MMAP_SIZE, MmapedDict

log = logging.getLogger(__name__)

_MUTEX_VALUE: Any = values.MutexValue  # prometheus_client leaves it untyped
_installed = False
_warned = False


class AllocatedMmapedDict(MmapedDict):
    """An MmapedDict whose file blocks exist before they are mapped.

    prometheus_client sizes its files with truncate(), which leaves holes; on a full disk the
    first write into a hole is a SIGBUS that kills the worker (then the next, in a loop).
    posix_fallocate reserves the blocks first and fails with ENOSPC instead, an OSError that
    GuardedValue turns into a metric not recorded.
    """

    def __init__(self, filename: str, read_mode: bool = False) -> None:
        if not read_mode:
            _allocate(filename)
        super().__init__(filename, read_mode)  # type: ignore[no-untyped-call]

    def _init_value(self, key: str) -> None:
        # The entry's size as MmapedDict lays it out: length, padded key, value, timestamp.
        encoded = key.encode("utf-8")
        padded = len(encoded) + (8 - (len(encoded) + 4) % 8)
        needed = self._used + struct.calcsize(f"i{padded}sdd")
        capacity = self._capacity
        while needed > capacity:
            capacity *= 2
        if capacity != self._capacity:
            os.posix_fallocate(self._f.fileno(), 0, capacity)
        super()._init_value(key)  # type: ignore[no-untyped-call]


def _allocate(filename: str) -> None:
    """Reserve a metric file's blocks; a new file appears whole (an empty one breaks /metrics)."""
    if os.path.exists(filename):
        with open(filename, "r+b") as handle:  # fill any holes of a file from before
            size = os.fstat(handle.fileno()).st_size
            os.posix_fallocate(handle.fileno(), 0, max(size, _INITIAL_MMAP_SIZE))
        return
    partial = f"{filename}.partial"  # /metrics reads *.db only
    try:
        with open(partial, "wb") as handle:
            os.posix_fallocate(handle.fileno(), 0, _INITIAL_MMAP_SIZE)
        os.rename(partial, filename)
    except OSError:
        with contextlib.suppress(OSError):
            os.remove(partial)
        raise


def _degraded(error: OSError) -> None:
    global _warned
    if not _warned:  # once per process: a full disk would otherwise flood the log
        _warned = True
        log.warning(
            "metrics are not being recorded: the metrics folder %s is not writable (%s); "
            "the API keeps serving",
            os.environ.get("PROMETHEUS_MULTIPROC_DIR"),
            error,
        )


def _guarded(inner: type[Any]) -> type[Any]:
    """A value class that records through `inner` while it can, and in memory when it cannot."""

    class GuardedValue:
        """A metric value whose file errors never reach the caller."""

        _multiprocess = True

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self._args, self._kwargs = args, kwargs
            self._memory: Any = _MUTEX_VALUE(*args, **kwargs)
            self._file: Any = None
            self._lock = threading.Lock()
            self._attach()

        def _attach(self) -> Any:
            """The file-backed value, created now if the disk has room again (None if not)."""
            with self._lock:
                if self._file is None:
                    try:
                        self._file = inner(*self._args, **self._kwargs)
                    except OSError as error:
                        _degraded(error)
                return self._file

        def inc(self, amount: float) -> None:
            self._memory.inc(amount)
            self._write(lambda f: f.inc(amount))

        def set(self, value: float, timestamp: float | None = None) -> None:
            self._memory.set(value)
            self._write(lambda f: f.set(value, timestamp))

        def _write(self, action: Any) -> None:
            file = self._attach()
            if file is not None:
                try:
                    action(file)
                except OSError as error:
                    _degraded(error)

        def set_exemplar(self, exemplar: Any) -> None:
            """Multiprocess mode has no exemplars."""

        def get(self) -> float:
            value: float = self._memory.get()
            return value

        def get_exemplar(self) -> None:
            return None

    return GuardedValue


def install() -> None:
    """Use allocated, guarded files for every metric created after this (once per process)."""
    global _installed
    if _installed:
        return
    _installed = True
    # The documented hook (prometheus_client's multiprocess docs set ValueClass themselves);
    # MmapedValue looks up MmapedDict in its module each time it opens a file.
    values.MmapedDict = AllocatedMmapedDict  # type: ignore[attr-defined]
    values.ValueClass = _guarded(values.MultiProcessValue())  # type: ignore[no-untyped-call]
