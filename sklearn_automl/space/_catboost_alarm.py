"""Deadlines (SIGALRM) and CatBoost: where a trial's interrupt may land.

Used by :mod:`sklearn_automl.space._catboost`; imports no catboost.
"""

from __future__ import annotations

import signal
import sys
import threading
import time

from ._early_stopping import _stop_time

#: seconds between retries of an alarm deferred out of CatBoost's C code
_ALARM_RETRY_S = 0.05
#: seconds an alarm may be deferred at most (then it is raised anyway)
_ALARM_GRACE_S = 30.0


class _AlarmGuard:
    """Keeps a SIGALRM handler's exception (a trial's deadline) out of CatBoost.

    CatBoost's compiled code calls back into Python in many places where an
    exception is *ignored*: building the data pools, converting a
    callback's metrics, cutting the model, predicting. An exception raised
    there is lost, and the process may then crash (a segfault seen when a
    deadline fell into the target's conversion). So the alarm is deferred:
    the handler only notes it (re-armed every :data:`_ALARM_RETRY_S`, so
    that it is delivered at the latest :data:`_ALARM_GRACE_S` later); in
    the training loop :class:`_TrainingLoop` then stops training at the
    next iteration, and on leaving the guarded block the original handler
    runs, out of CatBoost, and raises its exception there.

    Only past the grace does the handler raise inside CatBoost; in its
    training loop CatBoost then stops and raises ``KeyboardInterrupt``, and
    the handler's own exception is kept in :attr:`raised` for the caller to
    raise instead.
    """

    def __init__(self):
        self.raised = []
        self.pending = False
        self._original = None
        self._deferred_since = None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread() and hasattr(
                signal, "SIGALRM"):
            original = signal.getsignal(signal.SIGALRM)
            if callable(original):
                self._original = original
                signal.signal(signal.SIGALRM, self._handler)
        return self

    def __exit__(self, exc_type, exc, tb):
        if self._original is None:
            return False
        signal.signal(signal.SIGALRM, self._original)
        if self.pending:  # deliver it now, out of CatBoost
            self.pending = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            if exc_type is None:
                self._original(signal.SIGALRM, sys._getframe())
        return False

    def _handler(self, signum, frame):
        now = time.monotonic()
        if self._deferred_since is None:
            self._deferred_since = now
        if now - self._deferred_since < _ALARM_GRACE_S:
            self.pending = True
            signal.setitimer(signal.ITIMER_REAL, _ALARM_RETRY_S)
            return
        self.pending = False  # past the grace: raised here, inside CatBoost
        try:
            self._original(signum, frame)
        except BaseException as exc:
            self.raised.append(exc)
            raise


class _TrainingLoop:
    """CatBoost callback: stops training after the iteration in which
    :class:`_AlarmGuard` noted an alarm, or that passes ``max_time`` seconds
    (if given)."""

    def __init__(self, guard, max_time=None):
        self.guard = guard
        self.stop_at = _stop_time(max_time)

    def after_iteration(self, info):  # False stops the training
        if self.guard.pending:
            return False
        return self.stop_at is None or time.monotonic() < self.stop_at
