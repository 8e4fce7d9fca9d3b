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
"""

from __future__ import annotations

from collections import deque

from ._evaluate import evaluate

__all__ = ["SequentialExecutor"]


class SequentialExecutor:
    """Run each trial in this process, one at a time.

    The trial runs when :meth:`collect` is called; its deadline is enforced
    with ``SIGALRM`` inside the process (see :func:`evaluate`).
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
