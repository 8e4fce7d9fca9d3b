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
import signal
import tempfile
import threading
import time
from collections import deque
from multiprocessing import context as _mp_context
from multiprocessing.connection import wait

from ._evaluate import evaluate
from ._history import TrialResult

__all__ = ["ProcessExecutor", "SequentialExecutor", "make_executor"]

#: seconds a worker gets past a trial's deadline (its own SIGALRM stops the
#: trial cleanly first) before it is killed
KILL_GRACE = 0.5
#: seconds between two checks of the workers' memory
MEMORY_POLL = 0.05
#: modules the fork server imports once, so that a new worker starts in ms
#: (a trial's clock runs from its submission: imports a fresh worker still
#: needs count against it)
_PRELOAD = ["sklearn_automl", "sklearn_automl._execution"]
#: what the fork server imports too when a search has neural families: torch
#: and what its first training step imports lazily (some 250 MB in all). Each
#: worker that ran a net had its own copy; forked from the server, the
#: workers share one (copy-on-write) and start their first net without it.
NEURAL_PRELOAD = ("torch", "torch._dynamo", "skorch", "sklearn_automl.nas")


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
        # a refit's model and its pickle are the parent's now: free them while
        # the parent loads its copy, not when the next task arrives
        refit = task.get("refit", False)
        del msg, task, result, data
        if refit:
            _release_free_memory()


def _release_free_memory():
    """Hand freed heap pages back to the system (glibc; elsewhere a no-op).

    A model's many small arrays (a forest's trees) live on the heap, which
    ``free`` alone does not shrink.
    """
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)


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


def _context(preload=()):
    """The worker process class (from the fork server: workers start in ms).

    ``preload``: modules the fork server imports too, beyond ``_PRELOAD``,
    when it is not running yet (a server already running keeps its modules;
    a module that fails to import is skipped by the server).
    """
    if hasattr(_mp_context, "ForkServerProcess"):
        _mp_context._default_context.get_context("forkserver").set_forkserver_preload(
            [*_PRELOAD, *preload]
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
