"""Deadlines (SIGALRM) and CatBoost: where a trial's interrupt may land.

Used by :mod:`sklearn_automl.space._catboost`; imports no catboost.
"""

from __future__ import annotations

import signal
import threading
import time

from ._early_stopping import _stop_time

#: seconds between retries of an alarm deferred out of CatBoost's C code
_ALARM_RETRY_S = 0.05
#: seconds an alarm may be deferred at most (then it is raised anyway)
_ALARM_GRACE_S = 30.0


class _AlarmGuard:
    """What a SIGALRM handler (a trial's deadline) may do inside CatBoost.

    Inside the training loop CatBoost runs Python's signal handlers and,
    when one raises, stops and raises ``KeyboardInterrupt``: the handler's
    own exception is kept in :attr:`raised`, so that the caller can raise it
    in place of the ``KeyboardInterrupt``. Outside that loop (building the
    data pools, cutting the model, predicting) CatBoost's compiled code
    calls back into Python where an exception is *ignored*, and the process
    may then crash (a segfault seen when a deadline fell into the target's
    conversion). There the alarm is deferred: re-armed every
    :data:`_ALARM_RETRY_S` until the guarded block ends or the training
    loop starts (for at most :data:`_ALARM_GRACE_S`).
    """

    def __init__(self):
        self.raised = []
        self.training = False
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

    def __exit__(self, *exc):
        if self._original is not None:
            signal.signal(signal.SIGALRM, self._original)
            if self._deferred_since is not None:  # deliver it now, out of CatBoost
                signal.setitimer(signal.ITIMER_REAL, 1e-6)
        return False

    def _handler(self, signum, frame):
        now = time.monotonic()
        if not self.training:
            if self._deferred_since is None:
                self._deferred_since = now
            if now - self._deferred_since < _ALARM_GRACE_S:
                signal.setitimer(signal.ITIMER_REAL, _ALARM_RETRY_S)
                return
        self._deferred_since = None
        try:
            self._original(signum, frame)
        except BaseException as exc:
            self.raised.append(exc)
            raise


class _TrainingLoop:
    """CatBoost callback: marks the training loop for :class:`_AlarmGuard`, and
    stops after the iteration that passes ``max_time`` seconds (if given)."""

    def __init__(self, guard, max_time=None):
        self.guard = guard
        self.stop_at = _stop_time(max_time)

    def after_iteration(self, info):  # False stops the training
        self.guard.training = True
        return self.stop_at is None or time.monotonic() < self.stop_at
