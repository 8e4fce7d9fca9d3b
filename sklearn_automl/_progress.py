"""Search progress: a tqdm bar (``verbose=1``) and user callbacks."""

from __future__ import annotations

import sys
import time

__all__ = ["Progress", "StopSearch", "run_callbacks"]


class StopSearch(Exception):
    """Raise it from a callback to stop the search (returning ``True`` does too)."""


class Progress:
    """A progress bar on stderr: trials done, best score, budget left.

    Parameters
    ----------
    enabled : bool
        Show the bar (needs ``tqdm``; without it nothing is shown).
    time_budget : float or None
        Seconds of the whole fit.
    max_trials : int or None
        The bar's total when set.
    start : float
        ``time.monotonic()`` at the start of the fit.
    """

    def __init__(self, enabled, *, time_budget=None, max_trials=None, start=None):
        self.time_budget = time_budget
        self.start = time.monotonic() if start is None else start
        self.bar = None
        if not enabled:
            return
        try:
            from tqdm.auto import tqdm
        except ImportError:  # pragma: no cover - tqdm is an optional extra
            return
        self.bar = tqdm(
            total=max_trials, desc="sklearn_automl", unit="trial", file=sys.stderr,
            dynamic_ncols=True, leave=True,
        )

    def update(self, result, history, n_done):
        """Advance by one finished trial."""
        if self.bar is None:
            return
        best = history.best()
        postfix = {"best": "-" if best is None else f"{best.mean_score:.4g}"}
        if self.time_budget is not None:
            left = self.time_budget - (time.monotonic() - self.start)
            postfix["left"] = f"{max(left, 0):.0f}s"
        self.bar.set_postfix(postfix, refresh=False)
        self.bar.update(max(n_done - self.bar.n, 0))

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def run_callbacks(callbacks, result):
    """Call each callback with ``result``; whether one asked to stop.

    A callback stops the search by returning ``True`` or raising
    :class:`StopSearch`; other exceptions propagate (a broken callback is a
    bug in the caller's code, not a failed trial).
    """
    stop = False
    for cb in callbacks or ():
        try:
            if cb(result) is True:
                stop = True
        except StopSearch:
            stop = True
    return stop

