"""The Dask executor: the search's trials as ``dask.distributed`` tasks.

The data is scattered (broadcast) once and results stream back with
``as_completed``; the interface is that of every executor (see
:mod:`sklearn_automl._execution`).
"""

from __future__ import annotations

import contextlib
import math
import time
import uuid
from collections import deque

from ._evaluate import evaluate
from ._execution import KILL_GRACE
from ._workers import _failed_result, _memory_status

__all__ = ["DaskExecutor"]


def _dask_evaluate(X, y, splits, scorer, shared, task, seconds):
    """``evaluate`` on a dask worker: the deadline arrives as seconds left."""
    task = dict(task)
    task["deadline"] = None if seconds is None else time.monotonic() + seconds
    return _memory_status(evaluate(X=X, y=y, splits=splits, scorer=scorer, **shared,
                                   **task))


class DaskExecutor:
    """Run trials on a ``dask.distributed`` cluster.

    The data is scattered to every worker once (``broadcast=True``); each
    trial is one task whose result streams back through
    ``distributed.as_completed``. Deadlines travel as seconds left (clocks
    differ between machines). A trial past its deadline is stopped between
    folds by the worker (inside a fold only where the worker runs it in its
    main thread); the executor stops waiting for it at the deadline plus
    :data:`KILL_GRACE`, records ``"timeout"``, cancels it and restarts the
    worker that ran it (a hung task cannot be killed otherwise). A trial
    whose worker died (``KilledWorker``) is recorded as ``"crashed"``.

    Parameters
    ----------
    client : distributed.Client
        The cluster's client.
    ordered : bool, default=False
        Hand results back in submission order (deterministic mode): the
        searcher then learns the results in the order a sequential search
        would, so that a search with a non-adaptive searcher (``"random"``,
        ``"grid"``) at full fidelity, a ``max_trials`` budget and an int
        ``random_state`` evaluates exactly the trials of the sequential
        search, with the same scores.
    n_workers : int, optional
        Trials in flight at once; by default the cluster's total threads.
    """

    def __init__(self, client, *, ordered=False, n_workers=None):
        self.client = client
        self.ordered = ordered
        self.n_workers = n_workers
        self._futures = {}
        self._finished = {}

    def __sklearn_clone__(self):
        # A client is a live connection: clones share it instead of copying.
        return type(self)(self.client, ordered=self.ordered, n_workers=self.n_workers)

    def __repr__(self):
        return f"DaskExecutor({self.client!r}, ordered={self.ordered!r})"

    def start(self, X, y, splits, scorer, **shared):
        """Scatter the data to every worker once."""
        from distributed import as_completed

        if self.n_workers is None:
            info = self.client.scheduler_info(**(
                {"n_workers": -1} if _accepts_n_workers(self.client) else {}))
            threads = sum(w.get("nthreads", 1) for w in info["workers"].values())
            self.n_workers = max(threads, 1)
        self._local = [X, y, splits]
        self._scatter()
        self._scorer = scorer
        self._shared = shared
        self._futures = {}  # future key -> (future, task, kill_at, submitted)
        self._order = deque()  # trial ids in submission order (ordered mode)
        self._finished = {}  # trial id -> result (ordered mode)
        self._queue = as_completed()

    @property
    def n_running(self):
        """Tasks submitted and not yet collected."""
        return len(self._futures) + len(self._finished)

    def _scatter(self):
        self._data = self.client.scatter(self._local, broadcast=True, hash=False)

    def _data_lost(self):
        """Whether the scattered data is gone from the cluster.

        A worker that dies or is restarted loses its replica; when every
        worker holding one is gone (e.g. the data was scattered while a
        worker was restarting, then the only holder died), the trials that
        need it cannot run.
        """
        return any(f.status != "finished" for f in self._data)

    def submit(self, task, *, _retried=False):
        """Submit one trial as a dask task."""
        if self._data_lost():
            self._scatter()
        deadline = task.get("deadline")
        seconds = None if deadline is None else deadline - time.monotonic()
        sent = dict(task, deadline=None)
        fut = self.client.submit(
            _dask_evaluate, *self._data, self._scorer, self._shared, sent, seconds,
            key=f"sklearn_automl-trial-{task['trial_id']}-{uuid.uuid4().hex[:8]}",
            pure=False, retries=0,
        )
        kill_at = math.inf if deadline is None else deadline + KILL_GRACE
        self._futures[fut.key] = (fut, task, kill_at, time.monotonic(), _retried)
        if not _retried:
            self._order.append(task["trial_id"])
        self._queue.add(fut)

    def collect(self):
        """Block until a result is available (the next one in ordered mode)."""
        while True:
            if self.ordered and self._order and self._order[0] in self._finished:
                return [self._finished.pop(self._order.popleft())]
            results = self._wait()
            if not self.ordered:
                return results
            for r in results:
                self._finished[r.trial_id] = r

    def _wait(self):
        from distributed import TimeoutError as DaskTimeout

        if not self._futures:
            return []
        while True:
            kill_at = min(v[2] for v in self._futures.values())
            timeout = kill_at - time.monotonic()
            try:
                if math.isinf(timeout):
                    fut = next(self._queue)
                    futs = [fut]
                else:
                    futs = self._next_within(max(timeout, 0.0))
            except (DaskTimeout, StopIteration):
                futs = []
            results = [self._result(f) for f in futs if f.key in self._futures]
            results = [r for r in results if r is not None]
            results += self._expire()
            if results:
                return results

    def _next_within(self, timeout):
        end = time.monotonic() + timeout
        while True:
            if self._queue.has_ready():
                return self._queue.next_batch(block=False)
            if time.monotonic() >= end:
                return []
            time.sleep(min(0.01, max(end - time.monotonic(), 0)))

    def _result(self, fut):
        """The trial's result; ``None`` when it was resubmitted instead.

        A trial that could not run because the scattered data was lost (not
        because of the trial itself) is resubmitted once with the data
        scattered again, keeping its deadline.
        """
        _, task, _, submitted, retried = self._futures.pop(fut.key)
        try:
            return fut.result()
        except Exception as exc:  # noqa: BLE001 - a lost trial is data
            name = type(exc).__name__
            if name != "KilledWorker" and not retried and self._data_lost():
                self.submit(task, _retried=True)
                return None
            status = "crashed" if name == "KilledWorker" else "failed"
            return _failed_result(task, status, f"{name}: {exc}",
                                  time.monotonic() - submitted)

    def _expire(self):
        now = time.monotonic()
        out = []
        for key, (fut, task, kill_at, submitted, _) in list(self._futures.items()):
            if now < kill_at:
                continue
            del self._futures[key]
            self._restart_worker_of(fut)
            fut.cancel()
            out.append(_failed_result(
                task, "timeout",
                f"stopped waiting after {now - submitted:.1f}s: past the trial's "
                "deadline; its worker was restarted", now - submitted,
            ))
        return out

    def _restart_worker_of(self, fut):
        with contextlib.suppress(Exception):
            processing = self.client.processing()
            workers = [w for w, keys in processing.items() if fut.key in keys]
            if workers:
                self.client.restart_workers(workers=workers, raise_for_error=False)

    def close(self):
        """Cancel what still runs and release the scattered data."""
        futures = [v[0] for v in self._futures.values()]
        with contextlib.suppress(Exception):
            if futures:
                self.client.cancel(futures)
        self._futures = {}
        self._finished = {}
        self._order = deque()
        self._data = None
        self._local = None


def _accepts_n_workers(client):
    import inspect

    try:
        return "n_workers" in inspect.signature(client.scheduler_info).parameters
    except (TypeError, ValueError):
        return False


def _active_dask_client():
    """The client of an active ``joblib.parallel_config(backend="dask")``."""
    try:
        from joblib.parallel import get_active_backend
    except ImportError:  # pragma: no cover
        return None
    backend, _ = get_active_backend()
    return getattr(backend, "client", None)
