"""Greedy ensemble selection with replacement over out-of-fold predictions.

Caruana et al. (2004), "Ensemble selection from libraries of models": start
from an empty ensemble and, at each step, add (again, if it is already in)
the candidate whose addition makes the averaged predictions score best. The
number of times each candidate was added is its weight; the ensemble is the
weighted average of the members' probabilities (classification) or values
(regression), which is exactly what scikit-learn's
``VotingClassifier(voting="soft", weights=...)`` and
``VotingRegressor(weights=...)`` compute.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

__all__ = ["PredictionScorer", "ensemble_selection"]


class _ClassProbabilities(ClassifierMixin, BaseEstimator):
    """A stand-in classifier that answers with given class probabilities.

    Lets a scikit-learn scorer (which takes an estimator) score an array:
    ``scorer(_ClassProbabilities(classes, proba), dummy_X, y)``.
    """

    def __init__(self, classes, proba):
        self.classes = classes
        self.proba = proba

    @property
    def classes_(self):
        return self.classes

    def predict_proba(self, X):
        return self.proba

    def predict(self, X):
        return self.classes[np.argmax(self.proba, axis=1)]


class _Values(RegressorMixin, BaseEstimator):
    """A stand-in regressor that answers with given predictions."""

    def __init__(self, values):
        self.values = values

    def predict(self, X):
        return self.values


class PredictionScorer:
    """Score arrays of predictions with a scikit-learn scorer.

    Scorers take a fitted estimator (``scorer(estimator, X, y)``); this wraps
    the predictions in a stand-in estimator whose ``predict_proba`` (for
    classifiers) or ``predict`` returns them, so any scorer made by
    :func:`sklearn.metrics.get_scorer` or :func:`~sklearn.metrics.make_scorer`
    applies as it is: probability scorers see the probabilities, label
    scorers (accuracy, F1...) the arg-max class. Scorers that need
    ``decision_function`` cannot be used (the error says so).

    Parameters
    ----------
    scorer : callable
        ``scorer(estimator, X, y) -> float``, higher is better.
    y : array-like of shape (n_samples,)
        True targets of the rows to score.
    classes : ndarray of shape (n_classes,) or None
        Class labels in the order of the probability columns; ``None`` for
        regression.
    """

    def __init__(self, scorer, y, classes=None):
        self.scorer = scorer
        self.y = np.asarray(y)
        self.classes = None if classes is None else np.asarray(classes)
        self._X = np.empty((len(self.y), 0))

    def __call__(self, predictions):
        """The score of ``predictions`` (probabilities or values)."""
        if self.classes is None:
            est = _Values(predictions)
        else:
            est = _ClassProbabilities(self.classes, predictions)
        return float(self.scorer(est, self._X, self.y))


def _as_candidates(predictions):
    preds = [np.asarray(p) for p in predictions]
    if not preds:
        raise ValueError("ensemble_selection needs at least one candidate.")
    shape = preds[0].shape
    for i, p in enumerate(preds):
        if p.shape != shape:
            raise ValueError(
                f"predictions[{i}] has shape {p.shape}, predictions[0] has {shape}; "
                "all candidates must predict the same rows (and classes)."
            )
    return preds


def ensemble_selection(predictions, y, scorer, *, ensemble_size=25, classes=None):
    """Greedy ensemble selection with replacement (Caruana et al., 2004).

    Read more in the :ref:`User Guide <ensembles>`.

    Parameters
    ----------
    predictions : list of ndarray
        Out-of-fold predictions of each candidate on the same rows:
        probabilities of shape (n_samples, n_classes) for classifiers, values
        of shape (n_samples,) for regressors. Rows where any candidate is NaN
        (no fold predicted them) are left out of the scoring. Candidates
        should be ordered best first: ties go to the earlier one.
    y : array-like of shape (n_samples,)
        True targets.
    scorer : callable
        ``scorer(estimator, X, y) -> float`` (higher is better), for example
        :func:`sklearn.metrics.get_scorer` ``("roc_auc")``; applied through a
        stand-in estimator (see :class:`PredictionScorer`).
    ensemble_size : int, default=25
        Number of greedy steps; each adds one member (possibly again).
    classes : ndarray of shape (n_classes,), optional
        Class labels of the probability columns (classification); ``None``
        for regression.

    Returns
    -------
    weights : ndarray of shape (n_candidates,)
        How many times each candidate was chosen, at the step with the best
        score (ties: the fewest steps). Sums to at most ``ensemble_size``.
    trajectory : ndarray of shape (ensemble_size,)
        The ensemble's score after each step.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.metrics import get_scorer
    >>> from sklearn_automl.ensemble import ensemble_selection
    >>> y = np.array([0, 0, 1, 1])
    >>> p1 = np.array([0.1, 0.6, 0.5, 0.9])  # each ranks one pair wrong...
    >>> p2 = np.array([0.6, 0.1, 0.9, 0.5])
    >>> probas = [np.column_stack([1 - p, p]) for p in (p1, p2)]
    >>> weights, trajectory = ensemble_selection(
    ...     probas, y, get_scorer("roc_auc"), ensemble_size=3, classes=np.array([0, 1]))
    >>> weights.tolist()  # ...their average ranks all pairs right
    [1, 1]
    >>> trajectory.tolist()
    [0.75, 1.0, 1.0]
    """
    if int(ensemble_size) < 1:
        raise ValueError(f"ensemble_size must be >= 1, got {ensemble_size!r}.")
    preds = _as_candidates(predictions)
    y = np.asarray(y)
    if len(y) != preds[0].shape[0]:
        raise ValueError(
            f"y has {len(y)} rows but the predictions have {preds[0].shape[0]}."
        )
    finite = np.ones(len(y), dtype=bool)
    for p in preds:
        finite &= np.isfinite(p).reshape(len(y), -1).all(axis=1)
    if not finite.any():
        raise ValueError("No row is predicted by every candidate; nothing to score.")
    if not finite.all():
        preds = [p[finite] for p in preds]
        y = y[finite]
    score = PredictionScorer(scorer, y, classes)
    proba = classes is not None
    total = np.zeros(preds[0].shape, dtype=np.float64)
    weights = np.zeros(len(preds), dtype=np.int64)
    trajectory = np.empty(int(ensemble_size))
    best_score, best_weights = -np.inf, weights.copy()
    for step in range(int(ensemble_size)):
        step_scores = np.empty(len(preds))
        for i, p in enumerate(preds):
            avg = (total + p) / (step + 1)
            if proba:  # float32 members: keep rows summing to one exactly
                avg /= avg.sum(axis=1, keepdims=True)
            step_scores[i] = score(avg)
        step_scores[~np.isfinite(step_scores)] = -np.inf
        chosen = int(np.argmax(step_scores))  # first maximum: the better-ranked
        total += preds[chosen]
        weights[chosen] += 1
        trajectory[step] = step_scores[chosen]
        if step_scores[chosen] > best_score:
            best_score, best_weights = step_scores[chosen], weights.copy()
    return best_weights, trajectory
