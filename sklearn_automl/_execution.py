"""Executors: where the search's trials run.

An executor receives the training data once (:meth:`start`) and then trial
*tasks*: dicts of keyword arguments of :func:`~sklearn_automl._evaluate.evaluate`
(``estimator``, ``trial_id``, ``config``, ``family``, ``params``,
``deadline``, ``n_threads``, ``row_fraction``, ``fidelity``). The search
loop keeps at most :attr:`n_workers` tasks running and :meth:`collect` hands
back finished :class:`~sklearn_automl._history.TrialResult` objects as they
complete, so schedulers and searchers stay asynchronous.

Every executor has the same interface::

    executor.start(X, y, splits, scorer, **shared)   # ship the data once
    executor.submit(task)                             # n_running < n_workers
    results = executor.collect()                      # >= 1 finished result
    executor.close()

Three exist:

- :class:`SequentialExecutor`: in this process, one trial at a time (the
  default; bit-for-bit reproducible).
- :class:`ProcessExecutor`: a pool of worker processes on this machine,
  each with its own pipe and known pid, so that one hung, oversized or
  crashed trial is killed or lost alone and its worker replaced while the
  others go on. The data is dumped once with joblib and memory-mapped by
  every worker.
- :class:`~sklearn_automl.DaskExecutor` (in :mod:`._dask`): trials as
  ``dask.distributed`` tasks; the data is scattered (broadcast) once and
  results stream back with ``as_completed``.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import tempfile
import threading
import time
from collections import deque
from multiprocessing.connection import wait

from ._evaluate import evaluate
from ._workers import (
    _FOLDER_PREFIX,
    _context,
    _describe_exit,
    _dumps,
    _failed_result,
    _loads,
    _remove_stale_folders,
    _ResultFile,
    _start_fork_server,
    _vm_bytes,
    _Worker,
)

__all__ = ["ProcessExecutor", "SequentialExecutor", "make_executor"]

#: seconds a worker gets past a trial's deadline (its own SIGALRM stops the
#: trial cleanly first) before it is killed
KILL_GRACE = 0.5
#: seconds between two checks of the workers' memory
MEMORY_POLL = 0.05
class SequentialExecutor:
    """Run each trial in this process, one at a time.

    The trial runs when :meth:`collect` is called; its deadline is enforced
    with ``SIGALRM`` inside the process (see :func:`evaluate`), which stops
    Python code but neither a hung C call nor a crash: use
    :class:`ProcessExecutor` to isolate trials.
    """

    n_workers = 1

    def __init__(self):
        self._queue = deque()
        self._data = None

    def start(self, X, y, splits, scorer, **shared):
        """Keep references to the data every trial is evaluated on."""
        self._data = (X, y, splits, scorer)
        self._shared = shared

    @property
    def n_running(self):
        """Tasks submitted and not yet collected."""
        return len(self._queue)

    def submit(self, task):
        """Queue ``task`` (keyword arguments of ``evaluate``)."""
        self._queue.append(task)

    def collect(self):
        """Run the oldest queued task; its result in a one-element list."""
        if not self._queue:
            return []
        task = self._queue.popleft()
        X, y, splits, scorer = self._data
        return [evaluate(X=X, y=y, splits=splits, scorer=scorer, **self._shared, **task)]

    def close(self):
        """Forget the data and any queued task."""
        self._queue.clear()
        self._data = None


# ------------------------------------------------------------ local processes
class ProcessExecutor:
    """Run trials in worker processes on this machine.

    Each worker is a process of its own (started from a fork server), with a
    pipe to this one: a task is a small dict, the data is dumped once into a
    temporary folder with :func:`joblib.dump` and memory-mapped read-only by
    every worker (a DataFrame's numeric blocks included), so it is neither
    copied per trial nor per worker.

    Faults stay inside one trial:

    - a trial past its deadline (plus :data:`KILL_GRACE`) is killed with
      ``SIGKILL`` and recorded as ``"timeout"``;
    - a trial whose worker's resident memory exceeds ``memory_limit``, or
      that cannot allocate under the address-space limit set in the worker,
      is recorded as ``"memory"`` (the worker is killed in the first case);
    - a worker that dies (segfault, ``os._exit``, a signal) makes its trial
      ``"crashed"``.

    A killed or dead worker is replaced when the next task is submitted;
    the other workers' trials are not disturbed.

    Parameters
    ----------
    n_workers : int
        Worker processes (trials in parallel).
    memory_limit : int or None
        Bytes a trial may add to its worker's memory; ``None``: no limit.
    preload : tuple of str, default=()
        Modules the fork server imports once for all workers (e.g.
        :data:`NEURAL_PRELOAD`), when this executor starts it.
    """

    def __init__(self, n_workers, *, memory_limit=None, preload=()):
        self.n_workers = int(n_workers)
        self.memory_limit = memory_limit
        self.preload = tuple(preload)
        self._workers = []
        self._folder = None
        self._baseline = {}
        self._process_class = None

    def warm_up(self):
        """Start the fork server now; it imports in the background.

        Called before the work that precedes :meth:`start` (the search's
        warm start), so that the server's imports overlap it.
        """
        if self._process_class is None:
            self._process_class = _context(self.preload)
            _start_fork_server()

    def start(self, X, y, splits, scorer, **shared):
        """Dump the data once; start the workers."""
        import joblib

        self.warm_up()  # the server imports the package while the data is dumped
        _remove_stale_folders()
        self._folder = tempfile.mkdtemp(prefix=f"{_FOLDER_PREFIX}{os.getpid()}_")
        self._data_path = os.path.join(self._folder, "data.joblib")
        joblib.dump((X, y, splits), self._data_path)
        self._payload = _dumps((scorer, shared))
        self._workers = [self._spawn() for _ in range(self.n_workers)]
        self._done = deque()

    def _spawn(self):
        return _Worker(self._process_class, self._data_path, self._payload)

    @property
    def n_running(self):
        """Tasks submitted and not yet collected."""
        return sum(w.task is not None for w in self._workers) + len(self._done)

    def submit(self, task):
        """Send ``task`` to an idle worker (a dead one is replaced first)."""
        for i, w in enumerate(self._workers):
            if w.task is None:
                if not w.alive():
                    w.kill()
                    w = self._workers[i] = self._spawn()
                break
        else:
            raise RuntimeError("submit() with every worker busy; collect() first.")
        deadline = task.get("deadline")
        kill_at = math.inf if deadline is None else deadline + KILL_GRACE
        self._baseline[w.process.pid] = (
            None if self.memory_limit is None else _vm_bytes(w.process.pid, "RssAnon"))
        try:
            w.send(task, self.memory_limit, kill_at)
        except (BrokenPipeError, OSError):  # died before it could take the task
            w.kill()
            self._done.append(self._finish(w, "crashed", _describe_exit(
                w.process.exitcode)))

    def _finish(self, w, status, error):
        task, w.task = w.task, None
        return _failed_result(task, status, error, time.monotonic() - w.started)

    def collect(self):
        """Block until at least one running trial ends; the finished results."""
        out = list(self._done)
        self._done.clear()
        while not out:
            busy = [w for w in self._workers if w.task is not None]
            if not busy:
                return out
            now = time.monotonic()
            timeout = min(w.kill_at for w in busy) - now
            if self.memory_limit is not None:
                timeout = min(timeout, MEMORY_POLL)
            timeout = None if math.isinf(timeout) else max(timeout, 0.0)
            handles = [w.conn for w in busy] + [w.process.sentinel for w in busy]
            ready = set(wait(handles, timeout))
            now = time.monotonic()
            for w in busy:
                if w.conn in ready or w.process.sentinel in ready:
                    out.append(self._receive(w))
                elif now >= w.kill_at:
                    w.kill()
                    out.append(self._finish(w, "timeout", (
                        f"killed after {now - w.started:.1f}s: past the trial's "
                        "deadline")))
                elif self.memory_limit is not None:
                    self._check_memory(w, out)
        return out

    def _receive(self, w):
        try:
            if w.conn.poll():
                result = _loads(w.conn.recv_bytes())
                if isinstance(result, _ResultFile):
                    try:
                        result = result.load()
                    except Exception as exc:  # noqa: BLE001 - the trial's failure
                        return self._finish(w, "failed", f"result file unreadable: {exc}")
                w.task = None
                return result
        except (EOFError, OSError):
            pass
        w.process.join(timeout=1)
        w.kill()
        return self._finish(w, "crashed", _describe_exit(w.process.exitcode))

    def _check_memory(self, w, out):
        pid = w.process.pid
        rss = _vm_bytes(pid, "RssAnon")
        if rss is None:
            return
        base = self._baseline.get(pid)
        if base is None:  # resident size before the trial grew (data, imports)
            self._baseline[pid] = base = rss
        if rss - base > self.memory_limit:
            w.kill()
            out.append(self._finish(w, "memory", (
                f"killed: its resident memory grew by {(rss - base) / 2**20:.0f} MB, "
                f"over the limit of {self.memory_limit / 2**20:.0f} MB")))

    def close(self):
        """Stop idle workers, kill busy ones, delete the data folder."""
        for w in self._workers:
            if w.task is None and w.alive():
                w.stop()
        for w in self._workers:
            if w.task is not None:
                w.kill()
        end = time.monotonic() + 1.0
        for w in self._workers:
            w.process.join(timeout=max(end - time.monotonic(), 0.0))
            if w.process.is_alive():
                w.kill()
            with contextlib.suppress(OSError):
                w.conn.close()
        self._workers = []
        self._done = deque()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None


def make_executor(spec, n_workers, *, memory_limit=None, preload=()):
    """The executor for the ``executor`` parameter of the AutoML estimators.

    Parameters
    ----------
    spec : None, "sequential", "processes", distributed.Client or executor
        ``None``: the dask client of an active ``joblib.parallel_config``;
        else worker processes for more than one worker, a memory limit, or a
        call from a thread other than the main one (where no signal can
        stop a running trial); else this process.
    n_workers : int
        Trials in parallel (``n_jobs`` resolved).
    memory_limit : int or None
        Bytes per trial.
    preload : tuple of str, default=()
        Modules worker processes share through the fork server
        (:class:`ProcessExecutor` only).
    """
    from ._dask import DaskExecutor, _active_dask_client

    if spec is None:
        client = _active_dask_client()
        if client is not None:
            return DaskExecutor(client)
        # Only the main thread can interrupt a running trial (SIGALRM): a fit
        # called from another thread (a web server, an executor) runs its
        # trials in a worker process, which is killed at the trial's deadline.
        isolate = (n_workers > 1 or memory_limit is not None
                   or threading.current_thread() is not threading.main_thread())
        spec = "processes" if isolate else "sequential"
    if spec == "sequential":
        return SequentialExecutor()
    if spec == "processes":
        return ProcessExecutor(n_workers, memory_limit=memory_limit, preload=preload)
    if isinstance(spec, DaskExecutor):
        return spec.__sklearn_clone__()  # fit must not change its parameters
    if type(spec).__name__ == "Client" and hasattr(spec, "scatter"):  # distributed
        return DaskExecutor(spec)
    if all(hasattr(spec, m) for m in ("start", "submit", "collect", "close")):
        return spec
    raise ValueError(
        f"executor={spec!r} is not valid: use None, 'sequential', 'processes', a "
        "dask.distributed.Client or an executor with start/submit/collect/close."
    )


def __getattr__(name):
    # DaskExecutor lived here: pickles and imports that name this module load
    if name == "DaskExecutor":
        from ._dask import DaskExecutor

        return DaskExecutor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
