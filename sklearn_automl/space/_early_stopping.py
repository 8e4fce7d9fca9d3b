"""Early stopping: how a boosting family trains against a validation set.

A :class:`EarlyStopping` on a :class:`~sklearn_automl.space.Component` says
which parameter counts the iterations and how the fitted model reports the
best count. In a trial, that parameter is only a cap: each fold's model is
trained on the fold's training rows and stopped on its validation rows (the
same rows it is scored on); the refit on all rows then uses a fixed count
derived from the folds' (:meth:`EarlyStopping.refit_count`), so the final
model, its parameters and the exported code train without a validation set.

A fit may also be given ``max_time``: training then stops when that many
seconds have passed, as if early stopping had stopped it there (the model
keeps its best iteration so far). A trial on data too big for its time thus
still ends with a model that can be scored, not with a timeout.
"""

from __future__ import annotations

import math
import numbers
import time
import warnings

import numpy as np

__all__ = ["EarlyStopping", "HistGradientBoostingStopping", "LightGBMStopping"]


class EarlyStopping:
    """How a model family trains with early stopping on a validation set.

    Subclasses implement :meth:`fit`; the rest is shared. Instances travel
    to the executor's workers with each trial, so they must pickle.

    Parameters
    ----------
    param : str
        The estimator's iteration parameter (``"n_estimators"``,
        ``"max_iter"``, ``"iterations"``). Its value is the cap of a trial's
        fits; the refit on all rows sets it to :meth:`refit_count`.
    rounds : int, default=50
        Patience: training stops after this many iterations without an
        improvement of the validation loss.
    """

    def __init__(self, param, *, rounds=50):
        if not isinstance(param, str) or not param:
            raise TypeError(f"EarlyStopping: param must be a parameter name, got "
                            f"{param!r}.")
        if not isinstance(rounds, numbers.Integral) or isinstance(rounds, bool) or (
                rounds < 1):
            raise ValueError(f"EarlyStopping: rounds must be an int >= 1, got "
                             f"{rounds!r}.")
        self.param = param
        self.rounds = int(rounds)

    def __repr__(self):
        return f"{type(self).__name__}({self.param!r}, rounds={self.rounds})"

    def fit(self, estimator, X, y, X_val, y_val, max_time=None):
        """Fit ``estimator`` on ``(X, y)``, stopping on ``(X_val, y_val)``.

        Parameters
        ----------
        estimator : estimator
            Unfitted, with :attr:`param` set to the cap; fitted in place.
        X, y : array-like
            The (featurized) training rows.
        X_val, y_val : array-like
            The (featurized) validation rows.
        max_time : float, optional
            Seconds the training may take: past them it stops as an early
            stop would, keeping the best iteration so far. ``None``: no
            limit. (A subclass whose ``fit`` lacks this parameter is called
            without it.)

        Returns
        -------
        n_iterations : int
            The best number of iterations (at least 1, at most the cap).
        """
        raise NotImplementedError

    @staticmethod
    def refit_count(iterations, n_train, n_total):
        """The iteration count of the refit on all ``n_total`` rows.

        Each fold's best count is scaled by how many more rows the refit
        trains on (``n_total / n_train`` of that fold: a model of more rows
        needs proportionally more boosting rounds at the same learning
        rate); the refit gets the mean over the folds, rounded (at least 1).

        Parameters
        ----------
        iterations : sequence of int
            The best iteration count of each fold.
        n_train : sequence of int
            The training rows of each fold (after any row subsample).
        n_total : int
            The rows of the refit.

        Returns
        -------
        count : int
        """
        iterations = np.asarray(iterations, dtype=float)
        n_train = np.asarray(n_train, dtype=float)
        return max(1, round(float(np.mean(iterations * n_total / n_train))))


def _stop_time(max_time):
    """``time.monotonic()`` past which training stops (``None``: never)."""
    if max_time is None or not math.isfinite(max_time):
        return None
    return time.monotonic() + max(float(max_time), 0.0)


class _LightGBMCallback:
    """LightGBM callback: early stopping on the first validation metric, in time.

    As ``lightgbm.early_stopping(rounds)`` (strict improvement, the best
    iteration kept at the cap too), and it also stops at ``stop_at``.
    """

    order = 30
    before_iteration = False

    def __init__(self, rounds, stop_at):
        self.rounds = rounds
        self.stop_at = stop_at
        self.best = None
        self.best_iteration = 0
        self.best_results = None

    def __call__(self, env):
        from lightgbm.callback import EarlyStopException

        results = env.evaluation_result_list
        if not results:  # no validation set: nothing to stop on
            return
        value, higher = results[0][2], results[0][3]
        if self.best is None or (value > self.best if higher else value < self.best):
            self.best, self.best_iteration, self.best_results = (
                value, env.iteration, list(results))
        if (env.iteration - self.best_iteration >= self.rounds
                or env.iteration == env.end_iteration - 1
                or (self.stop_at is not None and time.monotonic() >= self.stop_at)):
            raise EarlyStopException(self.best_iteration, self.best_results)


class LightGBMStopping(EarlyStopping):
    """LightGBM: the validation rows as eval set, stopped by a callback.

    The validation loss is the objective's default metric (l2, binary or
    multiclass log loss); training stops after :attr:`rounds` iterations
    without a strict improvement, or at ``max_time``, and the fitted model
    predicts with its ``best_iteration_`` trees.
    """

    def __init__(self, param="n_estimators", *, rounds=50):
        super().__init__(param, rounds=rounds)

    def fit(self, estimator, X, y, X_val, y_val, max_time=None):
        callbacks = [_LightGBMCallback(self.rounds, _stop_time(max_time))]
        # eval_set, deprecated in lightgbm 4.7 for eval_X / eval_y: there
        # LGBMClassifier label-encodes eval_set only (string labels fail)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*eval_set.*deprecated")
            estimator.fit(X, y, eval_set=[(X_val, y_val)], callbacks=callbacks)
        cap = estimator.get_params()[self.param]
        best = int(getattr(estimator, "best_iteration_", 0) or 0)
        return max(1, min(best, cap)) if best else cap


#: iterations of HistGradientBoosting's first block under a time limit
_HGB_FIRST_BLOCK = 32


class HistGradientBoostingStopping(EarlyStopping):
    """scikit-learn's HistGradientBoosting: ``fit(X, y, X_val=, y_val=)``.

    The estimator's own early stopping on the given validation rows (its
    loss; ``n_iter_no_change`` is set to :attr:`rounds`), switched on for
    the trial's fit only: the template keeps ``early_stopping=False``, so
    the refit trains exactly the recorded count on all rows. The best count
    is the argmax of ``validation_score_``; the trial's model itself keeps
    the up to ``rounds`` iterations it ran past it.

    With ``max_time`` the model trains in blocks (``warm_start``; the same
    model as one fit): a first block of 32 iterations; then, if the time
    left affords the rest up to the cap at the measured seconds per
    iteration, the rest at once (a second and last fit); else blocks as long
    as all before them, each shortened to what the time left allows. The
    estimator has no callback to stop it inside a block, and every block
    costs a pass over the trees so far.
    """

    def __init__(self, param="max_iter", *, rounds=20):
        super().__init__(param, rounds=rounds)

    def fit(self, estimator, X, y, X_val, y_val, max_time=None):
        estimator.set_params(early_stopping=True, n_iter_no_change=self.rounds)
        stop_at = _stop_time(max_time)
        if stop_at is None:
            estimator.fit(X, y, X_val=X_val, y_val=y_val)
        else:
            self._fit_in_blocks(estimator, X, y, X_val, y_val, stop_at)
        scores = np.asarray(estimator.validation_score_, dtype=float)
        # entry 0 is the model before the first iteration
        return max(1, int(np.argmax(scores[1:])) + 1) if scores.size > 1 else 1

    def _fit_in_blocks(self, estimator, X, y, X_val, y_val, stop_at):
        cap = int(estimator.get_params()[self.param])
        warm = estimator.get_params()["warm_start"]
        start = time.monotonic()
        done, block = 0, min(cap, _HGB_FIRST_BLOCK)
        try:
            estimator.set_params(warm_start=True)
            while True:
                estimator.set_params(**{self.param: done + block})
                estimator.fit(X, y, X_val=X_val, y_val=y_val)
                if estimator.n_iter_ < done + block or estimator.n_iter_ >= cap:
                    return  # stopped early, or at the cap
                done = estimator.n_iter_
                per_iteration = (time.monotonic() - start) / done
                affordable = int((stop_at - time.monotonic()) / per_iteration)
                if affordable >= cap - done:  # even the cap fits: the rest at once
                    block = cap - done
                else:
                    block = min(done, affordable)
                if block < 1:
                    return  # out of time: keep what was trained
        finally:  # the parameters as given; n_iter_ tells what was trained
            estimator.set_params(warm_start=warm, **{self.param: cap})
