"""Worker processes of :class:`~sklearn_automl._execution.ProcessExecutor`.

What runs on both sides of a worker's pipe, apart from the pool itself:

- the fork server the workers start from (:func:`_context`,
  :func:`_start_fork_server`; what it preloads, :data:`NEURAL_PRELOAD`
  for searches with nets), without re-running the caller's ``__main__``;
- a worker's loop (:func:`_worker_main`): load the memory-mapped data once,
  evaluate tasks under an address-space limit, send results back, free a
  refit's model once sent, and exit with the search's process;
- the parent's handle on one worker (:class:`_Worker`) and the messages
  (:func:`_dumps`, :func:`_loads`, :func:`_failed_result`).

:mod:`sklearn_automl._isolation` runs one fit in such a process too.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import signal
import tempfile
import time
from multiprocessing import context as _mp_context

from ._evaluate import evaluate
from ._history import TrialResult
from ._profile import release_free_memory

#: modules the fork server imports once, so that a new worker starts in ms
#: (a trial's clock runs from its submission: imports a fresh worker still
#: needs count against it)
_PRELOAD = ["sklearn_automl", "sklearn_automl._execution", "sklearn_automl._workers"]
#: what the fork server imports too when a search has neural families: torch
#: and what its first training step imports lazily (some 250 MB in all). Each
#: worker that ran a net had its own copy; forked from the server, the
#: workers share one (copy-on-write) and start their first net without it.
NEURAL_PRELOAD = ("torch", "torch._dynamo", "skorch", "sklearn_automl.nas")


def _cloudpickle():
    try:
        import cloudpickle
    except ImportError:  # pragma: no cover - older joblib vendors it
        from joblib.externals import cloudpickle
    return cloudpickle


def _dumps(obj):
    return _cloudpickle().dumps(obj)


def _loads(data):
    import pickle

    return pickle.loads(data)


class _ResultFile:
    """A refit's result, which the worker wrote to a file of the data folder.

    A fitted model can be GBs (a forest of fully grown trees). Sent as one
    pickle over the pipe, it was held up to four times at once: the worker's
    model and its pickle, the parent's received bytes and the model it loads
    from them. Written and read as a stream, it is held once on each side
    (the file's pages are the kernel's cache, which it can write back and
    drop under memory pressure; the file is removed once loaded).
    """

    def __init__(self, path):
        self.path = path

    @classmethod
    def write(cls, result, folder):
        """The message for ``result`` written under ``folder``; None on failure."""
        path = os.path.join(folder, f"result_{os.getpid()}_{result.trial_id}.pkl")
        try:
            with open(path, "wb") as f:
                _cloudpickle().dump(result, f)
        except Exception:  # noqa: BLE001 - the pipe's way reports what went wrong
            with contextlib.suppress(OSError):
                os.remove(path)
            return None
        return _dumps(cls(path))

    def load(self):
        """The result (the file is removed)."""
        import pickle

        try:
            with open(self.path, "rb") as f:
                return pickle.load(f)
        finally:
            with contextlib.suppress(OSError):
                os.remove(self.path)


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
        result = _memory_status(result)
        data = None
        if result.estimator is not None:  # a refit's model: through a file
            data = _ResultFile.write(result, os.path.dirname(data_path))
        try:
            data = data or _dumps(result)
        except Exception as exc:  # noqa: BLE001 - unpicklable result: report it
            data = _dumps(_failed_result(task, "failed", f"result not picklable: {exc}"))
        try:
            conn.send_bytes(data)
        except (BrokenPipeError, OSError):
            return
        # a refit's model and its pickle are the parent's now: free them while
        # the parent loads its copy, not when the next task arrives
        refit = result.estimator is not None
        del msg, task, result, data
        if refit:
            release_free_memory()


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
