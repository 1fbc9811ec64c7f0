"""Keeping a dataset current: one run at a time (a lock), a schedule, a clean stop on SIGINT/SIGTERM.

The lock is an OS file lock on ``<out>/.conflictmap.lock`` (:mod:`filelock`): the kernel releases it when
its holder dies, even by SIGKILL, so a crashed run never blocks the next one. ``conflictmap update``
takes it too, so a cron entry and a ``watch`` never write the same dataset at once.
"""

from __future__ import annotations

import re
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

LOCK_NAME = ".conflictmap.lock"
_EVERY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d)?\s*$", re.IGNORECASE)
_UNIT = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


class Busy(RuntimeError):
    """Another run holds the dataset's lock."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        super().__init__(f"{out_dir}: another update is running on this dataset (lock {out_dir / LOCK_NAME}); "
                         "this run was skipped — the next one will catch up")


def parse_every(text: str) -> float:
    """``"15m"`` → 900.0 seconds (units ``s``, ``m``, ``h``, ``d``; no unit: minutes).

    Raises
    ------
    ValueError
        Quoting the value, with examples, if it is not a positive duration.
    """
    m = _EVERY.match(str(text))
    seconds = float(m.group(1)) * _UNIT[(m.group(2) or "m").lower()] if m else 0.0
    if seconds <= 0:
        raise ValueError(f"--every {text!r} is not a duration: write e.g. 15m, 1h, 90s")
    return seconds


@contextmanager
def dataset_lock(out_dir: str | Path) -> Iterator[None]:
    """Hold the dataset's lock for the block; :class:`Busy` at once if another process holds it."""
    from filelock import FileLock, Timeout

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(out / LOCK_NAME), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise Busy(out) from None
    try:
        yield
    finally:
        lock.release()


class Stopper:
    """SIGINT/SIGTERM handling for a loop: the first signal asks to stop after the current run
    (a wait is cut short); a second one interrupts the run at once (KeyboardInterrupt: the atomic
    write keeps the previous dataset)."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self._old: dict[int, object] = {}

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.event.is_set():
            raise KeyboardInterrupt
        self.event.set()

    def __enter__(self) -> "Stopper":
        for s in (signal.SIGINT, signal.SIGTERM):
            self._old[s] = signal.signal(s, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for s, h in self._old.items():
            signal.signal(s, h)  # type: ignore[arg-type]

    @property
    def stopped(self) -> bool:
        """A stop was asked."""
        return self.event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; ``True`` if a stop was asked meanwhile."""
        return self.event.wait(seconds)


def watch(run_once: Callable[[], object], every: float, stopper: Stopper, max_runs: int | None = None) -> int:
    """Call ``run_once`` now and then every ``every`` seconds (start to start) until stopped.

    Parameters
    ----------
    run_once : callable
        One update (it takes the lock itself).
    every : float
        Seconds between the starts of two runs; a run longer than that is followed at once by the next.
    stopper : Stopper
        Entered by the caller.
    max_runs : int, optional
        Stop after this many runs (tests, one-shot jobs).

    Returns
    -------
    int
        Runs made.
    """
    import time

    runs = 0
    while not stopper.stopped:
        t0 = time.monotonic()
        run_once()
        runs += 1
        if max_runs is not None and runs >= max_runs:
            break
        if stopper.wait(max(0.0, every - (time.monotonic() - t0))):
            break
    return runs
