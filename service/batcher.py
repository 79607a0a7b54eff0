"""DynamicBatcher: segments of many requests → length-sorted, capped batches on one thread."""

from __future__ import annotations

import contextvars
import logging
import math
import threading
import time
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, wait
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from service.errors import (
    ClientGone,
    DeadlineExceeded,
    ModelFailed,
    Overloaded,
    TarjomanError,
    Unavailable,
)

log = logging.getLogger(__name__)

Key = TypeVar("Key", bound=Hashable)
In = TypeVar("In")
Out = TypeVar("Out")

# Set per request by the HTTP layer: returns True once the client has hung up.
client_gone: contextvars.ContextVar[Callable[[], bool] | None] = contextvars.ContextVar(
    "client_gone", default=None
)
# Work of a lower priority (a higher number) waits while work of a higher one is queued: job
# runners set BACKGROUND for their thread, so live requests never queue behind a document.
LIVE, BACKGROUND = 0, 1
priority: contextvars.ContextVar[int] = contextvars.ContextVar("priority", default=LIVE)
# A background batch is at most this share of max_batch_size: a live request that arrives while
# one runs waits for a small batch, not a full one.
BACKGROUND_BATCH_SHARE = 4
# ...and gets one such batch after this many live batches in a row while it waits, so a steady
# stream of live requests (one client in a loop is enough) cannot stall a job for good.
BACKGROUND_TURN_EVERY = 4
# How often a waiting request checks whether its client is still there.
POLL_S = 0.25
# Right after a batch, its callers often come back with their next request (dashboards, clients
# in a loop). Waiting for them up to this share of that batch's compute time costs at most that
# share of throughput, and turns alternating half-full batches into full ones.
RETURN_WAIT_FRACTION = 0.1


@dataclass(frozen=True)
class BatchLimits:
    """The knobs of one batcher, from the settings."""

    max_batch_size: int = 32
    max_batch_tokens: int = 8192
    max_wait_s: float = 0.002
    max_queue: int = 4096


class BatchObserver(Protocol):
    """Receives what the worker does, for metrics."""

    def batch_run(
        self, size: int, padded_tokens: int, waits: Sequence[float], compute_s: float
    ) -> None:
        """One batch ran (successfully or not)."""
        ...

    def dropped(self, count: int, reason: str) -> None:
        """Segments dropped before compute: `expired`, `cancelled` or `overloaded`."""
        ...

    def queue_depth(self, depth: int) -> None:
        """The number of queued segments changed."""
        ...


class NullObserver:
    """An observer that records nothing."""

    def batch_run(
        self, size: int, padded_tokens: int, waits: Sequence[float], compute_s: float
    ) -> None:
        """Ignore."""

    def dropped(self, count: int, reason: str) -> None:
        """Ignore."""

    def queue_depth(self, depth: int) -> None:
        """Ignore."""


@dataclass(eq=False)
class _Item(Generic[Key, In, Out]):
    value: In
    key: Key
    tokens: int
    deadline: float
    enqueued: float
    priority: int = LIVE
    future: Future[Out] = field(default_factory=Future)


class DynamicBatcher(Generic[Key, In, Out]):
    """Queues items of many callers; one worker runs them in batches of equal keys."""

    def __init__(
        self,
        name: str,
        run: Callable[[Key, list[In]], list[Out]],
        limits: BatchLimits,
        observer: BatchObserver | None = None,
    ) -> None:
        self.name = name
        self._run = run
        self._limits = limits
        self._observer: BatchObserver = observer or NullObserver()
        self._queue: list[_Item[Key, In, Out]] = []
        self._cond = threading.Condition()
        self._in_flight = 0
        self._closed = False
        self._seconds_per_item = 0.0  # moving average, for Retry-After
        self._last_done = -math.inf  # when the last batch ended, its size and compute time
        self._last_size = 0
        self._last_compute = 0.0
        self._queued_at_done = 0  # items already waiting when it ended (not returning callers)
        self._live_streak = 0  # live batches taken in a row while background work waited
        self._thread = threading.Thread(target=self._work, name=f"batcher-{name}", daemon=True)
        self._thread.start()

    @property
    def depth(self) -> int:
        """Segments queued, not yet taken by the worker."""
        return len(self._queue)

    @property
    def busy(self) -> bool:
        """True while anything is queued or running."""
        with self._cond:
            return bool(self._queue) or self._in_flight > 0

    def submit(
        self, values: Sequence[In], key: Key, tokens: Sequence[int], deadline: float
    ) -> list[Future[Out]]:
        """Queue all values of one request at once; 503 at once when the queue is full."""
        now = time.monotonic()
        level = priority.get()
        items = [
            _Item[Key, In, Out](v, key, t, deadline, now, level)
            for v, t in zip(values, tokens, strict=True)
        ]
        with self._cond:
            if self._closed:
                raise Unavailable(f"model {self.name} is being unloaded; retry", retry_after=1)
            # Background work queued does not count against a live request: it waits anyway.
            queued = sum(1 for item in self._queue if item.priority <= level)
            # An empty queue takes any request, so one larger than max_queue is not refused forever.
            if queued and queued + len(items) > self._limits.max_queue:
                self._observer.dropped(len(items), "overloaded")
                raise Overloaded(
                    f"{queued} segments are queued for {self.name}; retry later",
                    retry_after=self._retry_after(queued),
                )
            self._queue.extend(items)
            self._observer.queue_depth(len(self._queue))
            self._cond.notify()
        return [item.future for item in items]

    def _retry_after(self, queued: int) -> float:
        return min(60.0, max(1.0, math.ceil(queued * self._seconds_per_item)))

    def wait(self, futures: Sequence[Future[Out]], deadline: float) -> list[Out]:
        """The results in order; on deadline, error or a gone client, cancel what is left."""
        gone = client_gone.get()
        pending: set[Future[Out]] = set(futures)
        try:
            while pending:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise DeadlineExceeded(
                        f"the request ran past its deadline; {len(pending)} of "
                        f"{len(futures)} segments were not done"
                    )
                timeout = min(remaining, POLL_S) if gone else remaining
                done, pending = wait(pending, timeout=timeout, return_when=FIRST_EXCEPTION)
                for future in done:
                    error = None if future.cancelled() else future.exception()
                    if error is not None:
                        raise error
                if pending and gone is not None and gone():
                    raise ClientGone("the client closed the connection")
            return [future.result() for future in futures]
        finally:
            cancelled = sum(1 for future in futures if future.cancel())
            if cancelled:
                self._observer.dropped(cancelled, "cancelled")
                with self._cond:
                    self._queue = [i for i in self._queue if not i.future.cancelled()]
                    self._observer.queue_depth(len(self._queue))

    def close(self) -> None:
        """Stop the worker; anything still queued fails with 503."""
        with self._cond:
            self._closed = True
            left, self._queue = self._queue, []
            self._cond.notify_all()
        for item in left:
            item.future.set_exception(Unavailable(f"model {self.name} was unloaded; retry"))
        self._thread.join(timeout=30)

    def _work(self) -> None:
        while True:
            batch = self._next_batch()
            if batch is None:
                return
            if batch:
                self._execute(batch)

    def _next_batch(self) -> list[_Item[Key, In, Out]] | None:
        """Block until work is queued, top it up briefly, and take one batch (None: closed)."""
        limits = self._limits
        with self._cond:
            while not self._queue and not self._closed:
                self._cond.wait()
            if self._closed:
                return None
            self._await_returning_callers()
            # Top up a batch that is not full: each arrival restarts a short wait, so a burst
            # of requests lands in one batch while a lone request waits max_wait_s at most.
            while len(self._queue) < limits.max_batch_size and limits.max_wait_s > 0:
                seen = len(self._queue)
                self._cond.wait(limits.max_wait_s)
                if len(self._queue) == seen or self._closed:
                    break
            batch = self._take()
            self._in_flight += len(batch)
            self._observer.queue_depth(len(self._queue))
            return batch

    def _await_returning_callers(self) -> None:
        """Just after a batch, wait (briefly) until its callers' next segments are queued too."""
        window = RETURN_WAIT_FRACTION * self._last_compute
        end = self._last_done + window
        target = min(self._limits.max_batch_size, self._queued_at_done + self._last_size)
        while len(self._queue) < target and not self._closed:
            remaining = end - time.monotonic()
            if remaining <= 0:
                return
            self._cond.wait(remaining)

    def _take(self) -> list[_Item[Key, In, Out]]:
        """Remove one batch from the queue: live items of the oldest item's key, by length."""
        now = time.monotonic()
        live: list[_Item[Key, In, Out]] = []
        expired = 0
        for item in self._queue:
            if item.future.cancelled():
                continue
            if item.deadline <= now:
                item.future.set_exception(
                    DeadlineExceeded("the request ran past its deadline before its turn")
                )
                expired += 1
                continue
            live.append(item)
        if expired:
            self._observer.dropped(expired, "expired")
        if not live:
            self._queue = []
            return []
        level = self._turn(live)
        oldest = next(item for item in live if item.priority == level)
        same = sorted(
            (i for i in live if i.key == oldest.key and i.priority == level), key=lambda i: i.tokens
        )
        # A window of the length-sorted items that holds the oldest one (so nothing starves),
        # grown towards shorter items first: they add no padding.
        low = high = same.index(oldest)
        longest = oldest.tokens
        limits = self._limits
        most = limits.max_batch_size
        if level > LIVE:
            most = max(1, most // BACKGROUND_BATCH_SHARE)
        while high - low + 1 < most:
            size = high - low + 2
            if low > 0 and max(longest, same[low - 1].tokens) * size <= limits.max_batch_tokens:
                low -= 1
            elif (
                high + 1 < len(same)
                and max(longest, same[high + 1].tokens) * size <= limits.max_batch_tokens
            ):
                high += 1
                longest = max(longest, same[high].tokens)
            else:
                break
        chosen = same[low : high + 1]
        taken = set(map(id, chosen))
        self._queue = [i for i in live if id(i) not in taken]
        return [item for item in chosen if item.future.set_running_or_notify_cancel()]

    def _turn(self, queued: list[_Item[Key, In, Out]]) -> int:
        """The priority whose batch runs next: live first, background every few live batches."""
        level = min(item.priority for item in queued)
        waiting = [item.priority for item in queued if item.priority > level]
        if not waiting:
            self._live_streak = 0
            return level
        if self._live_streak >= BACKGROUND_TURN_EVERY:
            self._live_streak = 0
            return min(waiting)
        self._live_streak += 1
        return level

    def _execute(self, batch: list[_Item[Key, In, Out]]) -> None:
        """Run one batch and resolve each future with its own output."""
        started = time.monotonic()
        outputs: list[Out] = []
        error: Exception | None = None
        try:
            outputs = self._run(batch[0].key, [item.value for item in batch])
            if len(outputs) != len(batch):
                error = ModelFailed(
                    f"model {self.name} returned {len(outputs)} outputs for {len(batch)} inputs"
                )
        except TarjomanError as exc:
            error = exc
        except Exception:  # the worker must outlive any failure of the model
            log.exception("a batch of %d segments failed on %s", len(batch), self.name)
            # The client gets no internals; the log has them.
            error = ModelFailed(
                f"model {self.name} failed on a batch of {len(batch)} segments; "
                "the error has been logged"
            )
        compute = time.monotonic() - started
        per_item = compute / len(batch)
        average = self._seconds_per_item
        self._seconds_per_item = per_item if not average else 0.8 * average + 0.2 * per_item
        # Not in flight any more before callers wake, so a release may evict the model at once.
        with self._cond:
            self._in_flight -= len(batch)
            self._last_done = time.monotonic()
            self._last_size = len(batch)
            self._last_compute = compute
            self._queued_at_done = len(self._queue)
        self._observer.batch_run(
            len(batch),
            max(item.tokens for item in batch) * len(batch),
            [started - item.enqueued for item in batch],
            compute,
        )
        if error is not None:
            for item in batch:
                item.future.set_exception(error)
        else:
            for item, output in zip(batch, outputs, strict=True):
                item.future.set_result(output)
