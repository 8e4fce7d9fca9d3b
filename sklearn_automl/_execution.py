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
- :class:`DaskExecutor`: trials as ``dask.distributed`` tasks; the data is
  scattered (broadcast) once and results stream back with
  ``as_completed``.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import signal
import tempfile
import threading
import time
import uuid
from collections import deque
from multiprocessing import context as _mp_context
from multiprocessing.connection import wait

from ._evaluate import evaluate
from ._history import TrialResult

__all__ = ["DaskExecutor", "ProcessExecutor", "SequentialExecutor", "make_executor"]

#: seconds a worker gets past a trial's deadline (its own SIGALRM stops the
#: trial cleanly first) before it is killed
KILL_GRACE = 0.5
#: seconds between two checks of the workers' memory
MEMORY_POLL = 0.05
#: modules the fork server imports once, so that a new worker starts in ms
#: (a trial's clock runs from its submission: imports a fresh worker still
#: needs count against it)
_PRELOAD = ["sklearn_automl", "sklearn_automl._execution"]


def _dumps(obj):
    try:
        import cloudpickle
    except ImportError:  # pragma: no cover - older joblib vendors it
        from joblib.externals import cloudpickle

    return cloudpickle.dumps(obj)


def _loads(data):
    import pickle

    return pickle.loads(data)


def _failed_result(task, status, error, duration=0.0):
    return TrialResult(
        task["trial_id"], task.get("config") or {}, task.get("family", ""),
        task.get("params") or {}, status, error=error,
        n_resources=float(min(task.get("row_fraction", 1.0), 1.0)),
        fidelity=float(task.get("fidelity", 1.0)), duration=duration,
    )


def _memory_status(result):
    """``"memory"`` for a trial that ran out of memory (MemoryError)."""
    if result.status == "failed" and (result.error or "").startswith("MemoryError"):
        result.status = "memory"
    return result


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
def _vm_bytes(pid="self", field="VmRSS"):
    """A ``/proc/<pid>/status`` memory field in bytes (None if unreadable)."""
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(field.encode() + b":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _die_with_parent():
    """Ask Linux to SIGKILL this worker when its parent process dies."""
    with contextlib.suppress(Exception):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _exit_with(pid):
    """Exit this worker as soon as process ``pid`` (the search's) is gone.

    ``PR_SET_PDEATHSIG`` fires when the *fork server* dies, but the fork
    server lives as long as any of its children holds the descriptor that
    tells it its client is alive, and every worker holds one: after SIGKILL
    of the search, a worker busy with a long trial kept itself and the fork
    server alive. A daemon thread waits on the search process instead
    (a pidfd where Linux has them; else a check every 0.5 s).
    """
    import select
    import threading

    def watch():
        try:
            fd = os.pidfd_open(pid)
        except ProcessLookupError:
            os._exit(1)
        except (AttributeError, OSError):  # pragma: no cover - old kernels
            fd = None
        if fd is not None:
            select.select([fd], [], [])
        else:  # pragma: no cover
            while True:
                time.sleep(0.5)
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                except PermissionError:
                    pass
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="sklearn_automl-watch").start()


def _worker_main(conn, data_path, payload, search_pid=None):
    """Loop of a worker process: load the data once, evaluate tasks."""
    import resource

    import joblib

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _die_with_parent()
    if search_pid is not None:
        _exit_with(search_pid)
    X, y, splits = joblib.load(data_path, mmap_mode="r")
    scorer, shared = _loads(payload)
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    while True:
        try:
            msg = _loads(conn.recv_bytes())
        except (EOFError, OSError):
            return
        if msg is None:
            return
        task, memory_limit = msg
        _limit_torch_threads(task.get("n_threads"))
        if memory_limit is not None:
            # Address space = what is mapped now + the limit: one huge
            # allocation fails at once with MemoryError (-> "memory"); the
            # parent's watchdog on the resident size catches the rest.
            vm = _vm_bytes(field="VmSize") or 0
            limit = vm + memory_limit
            if hard != resource.RLIM_INFINITY:
                limit = min(limit, hard)
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
        try:
            result = evaluate(X=X, y=y, splits=splits, scorer=scorer, **shared, **task)
        finally:
            if memory_limit is not None:
                resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        try:
            data = _dumps(_memory_status(result))
        except Exception as exc:  # noqa: BLE001 - unpicklable result: report it
            data = _dumps(_failed_result(task, "failed", f"result not picklable: {exc}"))
        try:
            conn.send_bytes(data)
        except (BrokenPipeError, OSError):
            return


def _limit_torch_threads(n_threads):
    """torch's intra-op pool ignores threadpoolctl: set it when torch is loaded."""
    import sys

    torch = sys.modules.get("torch")
    if torch is not None and n_threads:
        with contextlib.suppress(Exception):
            torch.set_num_threads(int(n_threads))


class _Worker:
    """One worker process and the task it runs."""

    def __init__(self, process_class, data_path, payload):
        import multiprocessing

        self.conn, child = multiprocessing.Pipe(duplex=True)
        self.process = process_class(
            target=_worker_main, args=(child, data_path, payload, os.getpid()),
            daemon=True,
            name="sklearn_automl-worker",
        )
        self.process.start()
        child.close()
        self.task = None
        self.started = None
        self.kill_at = math.inf

    def alive(self):
        return self.process.is_alive()

    def send(self, task, memory_limit, kill_at):
        self.task = task
        self.started = time.monotonic()
        self.kill_at = kill_at
        self.conn.send_bytes(_dumps((task, memory_limit)))

    def kill(self):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.join(timeout=5)
        with contextlib.suppress(OSError):
            self.conn.close()

    def stop(self):
        with contextlib.suppress(OSError, ValueError):
            self.conn.send_bytes(_dumps(None))


def _without_main(get_preparation_data):
    """``get_preparation_data`` that does not re-run the parent's ``__main__``.

    Workers need nothing from the main module (tasks are pickled with
    cloudpickle, which sends classes defined there by value), and re-running
    it would execute a user's script again in every worker, or fail in one
    without an ``if __name__ == "__main__":`` guard.
    """

    def prepare(name):
        data = get_preparation_data(name)
        data.pop("init_main_from_path", None)
        data.pop("init_main_from_name", None)
        return data

    return prepare


class _LaunchWithoutMain:
    """Mixin of a ``Popen`` class: launch with :func:`_without_main`."""

    def _launch(self, process_obj):
        from multiprocessing import spawn

        original = spawn.get_preparation_data
        spawn.get_preparation_data = _without_main(original)
        try:
            super()._launch(process_obj)
        finally:
            spawn.get_preparation_data = original


if hasattr(_mp_context, "ForkServerProcess"):
    from multiprocessing import popen_forkserver as _popen

    class _Popen(_LaunchWithoutMain, _popen.Popen):
        pass

    class _WorkerProcess(_mp_context.ForkServerProcess):
        """A fork-server process whose start skips the parent's ``__main__``."""

        @staticmethod
        def _Popen(process_obj):
            return _Popen(process_obj)

else:  # pragma: no cover - Windows: no fork server
    _WorkerProcess = _mp_context.SpawnProcess


def _context():
    """The worker process class (from the fork server: workers start in ms)."""
    if hasattr(_mp_context, "ForkServerProcess"):
        _mp_context._default_context.get_context("forkserver").set_forkserver_preload(
            _PRELOAD
        )
    return _WorkerProcess


_FOLDER_PREFIX = "sklearn_automl_data_"


def _remove_stale_folders():
    """Delete data folders left by searches whose process was killed (SIGKILL)."""
    import glob

    pattern = os.path.join(tempfile.gettempdir(), f"{_FOLDER_PREFIX}*_*")
    for folder in glob.glob(pattern):
        pid = os.path.basename(folder)[len(_FOLDER_PREFIX):].split("_", 1)[0]
        if not pid.isdigit() or os.path.exists(f"/proc/{pid}"):
            continue
        if not os.path.exists("/proc/self"):  # pragma: no cover - no procfs
            return
        shutil.rmtree(folder, ignore_errors=True)


def _start_fork_server():
    """Start the fork server, importing the package from the parent's path.

    The server runs ``python -c``, so its ``sys.path`` starts with the
    current directory, and before Python 3.12 it imports the preloaded
    modules before taking the parent's ``sys.path``: a folder or file in the
    current directory named like a preloaded module (a checkout of another
    version of this package, a ``numpy.py``) was what every worker ran.
    ``PYTHONSAFEPATH`` (Python 3.11+) leaves the current directory out of the
    server's path; the workers still get the parent's ``sys.path``.
    """
    with contextlib.suppress(Exception):
        from multiprocessing import forkserver

        saved = os.environ.get("PYTHONSAFEPATH")
        os.environ["PYTHONSAFEPATH"] = "1"
        try:
            forkserver.ensure_running()
        finally:
            if saved is None:
                os.environ.pop("PYTHONSAFEPATH", None)
            else:
                os.environ["PYTHONSAFEPATH"] = saved


def _describe_exit(exitcode):
    if exitcode is None:
        return "worker process died"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"worker process killed by {name}"
    return f"worker process exited with code {exitcode}"


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
    """

    def __init__(self, n_workers, *, memory_limit=None):
        self.n_workers = int(n_workers)
        self.memory_limit = memory_limit
        self._workers = []
        self._folder = None
        self._baseline = {}

    def start(self, X, y, splits, scorer, **shared):
        """Dump the data once; start the workers."""
        import joblib

        self._process_class = _context()
        _start_fork_server()  # it imports the package while the data is dumped
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


# ---------------------------------------------------------------------- dask
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


def make_executor(spec, n_workers, *, memory_limit=None):
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
    """
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
        return ProcessExecutor(n_workers, memory_limit=memory_limit)
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
