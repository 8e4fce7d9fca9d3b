"""Early stopping: how a boosting family trains against a validation set.

A :class:`EarlyStopping` on a :class:`~sklearn_automl.space.Component` says
which parameter counts the iterations and how the fitted model reports the
best count. In a trial, that parameter is only a cap: each fold's model is
trained on the fold's training rows and stopped on its validation rows (the
same rows it is scored on); the refit on all rows then uses a fixed count
derived from the folds' (:meth:`EarlyStopping.refit_count`), so the final
model, its parameters and the exported code train without a validation set.
"""

from __future__ import annotations

import numbers
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

    def fit(self, estimator, X, y, X_val, y_val):
        """Fit ``estimator`` on ``(X, y)``, stopping on ``(X_val, y_val)``.

        Parameters
        ----------
        estimator : estimator
            Unfitted, with :attr:`param` set to the cap; fitted in place.
        X, y : array-like
            The (featurized) training rows.
        X_val, y_val : array-like
            The (featurized) validation rows.

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


class LightGBMStopping(EarlyStopping):
    """LightGBM: the validation rows as eval set, ``lightgbm.early_stopping``.

    The validation loss is the objective's default metric (l2, binary or
    multiclass log loss); the fitted model predicts with its
    ``best_iteration_`` trees.
    """

    def __init__(self, param="n_estimators", *, rounds=50):
        super().__init__(param, rounds=rounds)

    def fit(self, estimator, X, y, X_val, y_val):
        import lightgbm

        callbacks = [lightgbm.early_stopping(self.rounds, verbose=False)]
        # eval_set, deprecated in lightgbm 4.7 for eval_X / eval_y: there
        # LGBMClassifier label-encodes eval_set only (string labels fail)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*eval_set.*deprecated")
            estimator.fit(X, y, eval_set=[(X_val, y_val)], callbacks=callbacks)
        cap = estimator.get_params()[self.param]
        best = int(getattr(estimator, "best_iteration_", 0) or 0)
        return max(1, min(best, cap)) if best else cap


class HistGradientBoostingStopping(EarlyStopping):
    """scikit-learn's HistGradientBoosting: ``fit(X, y, X_val=, y_val=)``.

    The estimator's own early stopping on the given validation rows (its
    loss; ``n_iter_no_change`` is set to :attr:`rounds`), switched on for
    the trial's fit only: the template keeps ``early_stopping=False``, so
    the refit trains exactly the recorded count on all rows. The best count
    is the argmax of ``validation_score_``; the trial's model itself keeps
    the up to ``rounds`` iterations it ran past it.
    """

    def __init__(self, param="max_iter", *, rounds=20):
        super().__init__(param, rounds=rounds)

    def fit(self, estimator, X, y, X_val, y_val):
        estimator.set_params(early_stopping=True, n_iter_no_change=self.rounds)
        estimator.fit(X, y, X_val=X_val, y_val=y_val)
        scores = np.asarray(estimator.validation_score_, dtype=float)
        # entry 0 is the model before the first iteration
        return max(1, int(np.argmax(scores[1:])) + 1) if scores.size > 1 else 1
