"""Fit one estimator so that it is stopped when its time is up, in any thread.

The fallback baseline (:func:`sklearn_automl._refit.fit_fallback`) is fitted
when no trial finished, and nothing else bounds it. :func:`fit_bounded`
stops it at a limit (by default ``seconds`` plus :data:`KILL_GRACE`):

- in the main thread (POSIX), in this process under ``SIGALRM``, as the
  sequential executor stops its trials: Python code (a loop, a sleep, a
  wait) is interrupted at once, at no cost;
- in any other thread, where ``SIGALRM`` cannot be used (a ``fit`` called
  from a web server's or a notebook executor's thread), in a child process
  (:func:`fit_isolated`, from the executors' fork server, so that it starts
  in milliseconds once a search has used it) killed with ``SIGKILL``.

The child's start (the fork server's first start imports the package,
unpickling the estimator may import torch) is bounded on its own, by
:data:`START_TIMEOUT`, and not counted against the fit's time: a slow start
on a loaded machine must not turn a fit of milliseconds into a failure.
A fit past its time raises a :class:`TimeoutError` that names it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time

__all__ = ["KILL_GRACE", "START_TIMEOUT", "fit_bounded", "fit_isolated"]

#: seconds the child may take to start and load the estimator and the data
START_TIMEOUT = 60.0
#: seconds past its time a fit gets (a network stops at its ``max_time``
#: after the batch in progress) before its process is killed
KILL_GRACE = 2.0


def _timeout(what, limit):
    return TimeoutError(
        f"{what} did not finish its fit within {limit:.1f}s and was stopped; no "
        "model was fitted. Check that the estimator's fit can finish, or raise "
        "time_budget."
    )


def fit_bounded(estimator, X, y, *, seconds, limit=None, what="The estimator"):
    """Fit ``estimator`` and stop it at ``limit`` seconds.

    In the main thread (POSIX): in this process, interrupted by ``SIGALRM``
    (which stops Python code, not a hung C call); elsewhere in a child
    process that is killed (:func:`fit_isolated`). ``UserWarning`` of the
    fit is ignored.

    Parameters
    ----------
    estimator : estimator
    X, y : array-like
    seconds : float
        The time the fit is meant to take (a network's ``max_time``).
    limit : float, optional
        When it is stopped; default ``seconds`` plus :data:`KILL_GRACE`.
    what : str, default="The estimator"
        Names the fit in error messages (``"The fallback baseline (linear)"``).

    Returns
    -------
    fitted : estimator
        ``estimator`` itself in the main thread, a fitted copy otherwise.

    Raises
    ------
    TimeoutError
        The fit did not finish in time and was stopped.
    """
    if not (hasattr(signal, "setitimer")
            and threading.current_thread() is threading.main_thread()):
        return fit_isolated(estimator, X, y, seconds=seconds, limit=limit, what=what)
    import warnings

    from ._evaluate import _interrupt_at, _preload_imports, _TrialTimeout

    limit = seconds + KILL_GRACE if limit is None else limit
    _preload_imports(estimator)  # torch's lazy imports: not the fit's time
    try:
        with _interrupt_at(time.monotonic() + limit), (
            warnings.catch_warnings()
        ):
            warnings.simplefilter("ignore", UserWarning)
            return estimator.fit(X, y)
    except _TrialTimeout:
        raise _timeout(what, limit) from None


def _child_main(conn, parent_pid):
    """Receive ``(estimator, X, y)``, say it started, fit, send the outcome."""
    import warnings

    from ._evaluate import _preload_imports
    from ._workers import _die_with_parent, _dumps, _exit_with, _loads

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _die_with_parent()
    _exit_with(parent_pid)
    try:
        estimator, X, y = _loads(conn.recv_bytes())
        _preload_imports(estimator)  # torch's lazy imports: not the fit's time
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        conn.send_bytes(_dumps(("failed", _portable(exc))))
        return
    conn.send_bytes(_dumps(("started", None)))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            estimator.fit(X, y)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        outcome = ("failed", _portable(exc))
    else:
        outcome = ("ok", estimator)
    try:
        data = _dumps(outcome)
    except Exception as exc:  # noqa: BLE001 - an unpicklable fitted estimator
        data = _dumps(("failed", RuntimeError(f"the fitted estimator cannot be "
                                              f"pickled: {type(exc).__name__}: {exc}")))
    conn.send_bytes(data)


def _portable(exc):
    """``exc`` if it pickles (and unpickles), else a RuntimeError describing it."""
    import pickle

    from ._workers import _dumps

    with contextlib.suppress(Exception):
        pickle.loads(_dumps(exc))
        return exc
    return RuntimeError(f"{type(exc).__name__}: {exc}")


def _receive(conn, process, until):
    """The next message from the child, or None if it died or ``until`` passed."""
    from multiprocessing.connection import wait

    from ._workers import _loads

    while True:
        left = until - time.monotonic()
        if left <= 0:
            return None
        ready = wait([conn, process.sentinel], left)
        if conn in ready:
            try:
                return _loads(conn.recv_bytes())
            except (EOFError, OSError):
                return None
        if process.sentinel in ready:
            # it may have written its last message just before it exited
            with contextlib.suppress(EOFError, OSError):
                if conn.poll():
                    return _loads(conn.recv_bytes())
            return None


def fit_isolated(estimator, X, y, *, seconds, limit=None, what="The estimator"):
    """Fit ``estimator`` on ``X``, ``y`` in a child process; the fitted estimator.

    The fit gets ``limit`` seconds (default ``seconds`` plus
    :data:`KILL_GRACE`) from the moment the child has loaded the estimator
    and the data; then the child is killed.
    The child exits with its parent (``SIGKILL`` of the search included).
    ``UserWarning`` of the fit is ignored; the fitted estimator comes back
    pickled (cloudpickle), as a trial's does from the process executor.

    Parameters
    ----------
    estimator : estimator
        Fitted in the child; this object is left unfitted.
    X, y : array-like
        Sent to the child through a pipe: keep them small (the fallback's
        row sample).
    seconds : float
        The time the fit is meant to take (a network's ``max_time``).
    limit : float, optional
        When it is killed; default ``seconds`` plus :data:`KILL_GRACE`.
    what : str, default="The estimator"
        Names the fit in error messages (``"The fallback baseline (linear)"``).

    Returns
    -------
    fitted : estimator

    Raises
    ------
    TimeoutError
        The fit did not finish in time: its process was killed.
    RuntimeError
        The child could not start, or died (a crash, a signal).
    Exception
        The exception the fit raised, re-raised (or a RuntimeError that
        describes it when it cannot be pickled).
    """
    import multiprocessing

    from ._workers import _context, _describe_exit, _dumps, _start_fork_server

    process_class = _context()
    _start_fork_server()
    conn, child = multiprocessing.Pipe(duplex=True)
    process = process_class(target=_child_main, args=(child, os.getpid()),
                            daemon=True, name="sklearn_automl-isolated-fit")
    process.start()
    child.close()
    try:
        conn.send_bytes(_dumps((estimator, X, y)))
        message = _receive(conn, process, time.monotonic() + START_TIMEOUT)
        if message is not None and message[0] == "failed":
            error = message[1]
            raise RuntimeError(
                f"{what} could not be loaded in a process of its own, where it is "
                f"fitted under the time budget: {type(error).__name__}: {error}"
            ) from error
        if message is None:
            raise RuntimeError(
                f"{what} could not be fitted in a process of its own: "
                + ("its process did not start within "
                   f"{START_TIMEOUT:.0f}s." if process.is_alive()
                   else f"{_describe_exit(process.exitcode)}.")
            )
        limit = seconds + KILL_GRACE if limit is None else limit
        message = _receive(conn, process, time.monotonic() + limit)
        if message is None:
            if process.is_alive():
                raise _timeout(what, limit)
            raise RuntimeError(
                f"{what} could not be fitted: "
                f"{_describe_exit(process.exitcode)} during its fit."
            )
        status, value = message
        if status == "failed":
            raise value
        return value
    finally:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            if process.is_alive():
                os.kill(process.pid, signal.SIGKILL)
        process.join(timeout=5)
        with contextlib.suppress(OSError):
            conn.close()
