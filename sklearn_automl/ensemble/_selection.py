"""Greedy ensemble selection with replacement over out-of-fold predictions.

Caruana et al. (2004), "Ensemble selection from libraries of models": start
from an empty ensemble and, at each step, add (again, if it is already in)
the candidate whose addition makes the averaged predictions score best. The
number of times each candidate was added is its weight; the ensemble is the
weighted average of the members' probabilities (classification) or values
(regression), which is exactly what scikit-learn's
``VotingClassifier(voting="soft", weights=...)`` and
``VotingRegressor(weights=...)`` compute.

The running sum of the members is kept, so a step costs one score per
candidate; for the common scikit-learn scorers those scores are computed for
all candidates at once (``_fast_metrics``), for any other scorer through the
scorer itself (:class:`PredictionScorer`).
"""

from __future__ import annotations

import numbers
import time

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils import check_random_state

from ._fast_metrics import fast_scores

__all__ = ["PredictionScorer", "ensemble_selection"]

_RTOL = 1e-12  # scores closer than this (relative) are ties


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


class _ScorerScores:
    """Each candidate's addition to the running sum, scored by the scorer."""

    def __init__(self, scorer, preds, y, classes):
        self.score = PredictionScorer(scorer, y, classes)
        self.preds, self.proba = preds, classes is not None
        self.total = np.zeros(preds[0].shape, dtype=np.float64)

    def scores(self, k):
        out = np.empty(len(self.preds))
        for i, p in enumerate(self.preds):
            avg = (self.total + p) / k
            if self.proba:  # float32 members: keep rows summing to one exactly
                avg /= avg.sum(axis=1, keepdims=True)
            out[i] = self.score(avg)
        return out

    def add(self, i):
        self.total += self.preds[i]


def _subsample(y, max_rows, stratify, random_state):
    """Sorted indices of ``max_rows`` rows; at least one of each class."""
    rng = check_random_state(random_state)
    n = len(y)
    try:
        _, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    except TypeError:  # labels that do not sort: draw without strata
        stratify = False
    if not stratify:
        return np.sort(rng.choice(n, max_rows, replace=False))
    inverse = inverse.ravel()
    quota = counts * (max_rows / n)
    take = np.minimum(np.maximum(np.floor(quota).astype(np.int64), 1), counts)
    for c in np.argsort(take - quota, kind="stable"):  # largest remainders
        if take.sum() >= max_rows:
            break
        if take[c] < counts[c]:
            take[c] += 1
    by_class = np.split(np.argsort(inverse, kind="stable"), np.cumsum(counts)[:-1])
    chosen = [rng.choice(rows, t, replace=False) for rows, t in zip(by_class, take)]
    return np.sort(np.concatenate(chosen))


def _better(a, b):
    """``a > b`` by more than rounding.

    Mathematically equal scores, computed along different paths (the fast
    metrics, the scorer), must not be told apart by their last bits.
    """
    return a > b + _RTOL * abs(b) if np.isfinite(b) else a > b


def _check_params(ensemble_size, max_rows, max_time):
    if int(ensemble_size) < 1:
        raise ValueError(f"ensemble_size must be >= 1, got {ensemble_size!r}.")
    if max_rows is not None and (
        not isinstance(max_rows, numbers.Integral)
        or isinstance(max_rows, bool)
        or max_rows < 1
    ):
        raise ValueError(f"max_rows must be an int >= 1 or None, got {max_rows!r}.")
    if max_time is not None and (
        not isinstance(max_time, numbers.Real)
        or isinstance(max_time, bool)
        or not max_time >= 0
    ):
        raise ValueError(f"max_time must be a number >= 0 or None, got {max_time!r}.")


def ensemble_selection(
    predictions,
    y,
    scorer,
    *,
    ensemble_size=25,
    classes=None,
    max_rows=None,
    max_time=None,
    random_state=None,
):
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
        stand-in estimator (see :class:`PredictionScorer`). The scorers that
        ``get_scorer`` makes for ``"roc_auc"`` (binary), ``"neg_log_loss"``,
        ``"accuracy"``, ``"neg_mean_squared_error"``,
        ``"neg_root_mean_squared_error"``, ``"neg_mean_absolute_error"`` and
        ``"r2"`` are computed directly, for all candidates at once, with the
        same result up to floating-point rounding (ROC AUC exactly, as the
        Mann-Whitney statistic); any other scorer is called on each average.
    ensemble_size : int, default=25
        Number of greedy steps; each adds one member (possibly again).
    classes : ndarray of shape (n_classes,), optional
        Class labels of the probability columns (classification); ``None``
        for regression.
    max_rows : int, optional
        When more rows than this are predicted by every candidate, select on
        a random sample of ``max_rows`` of them, stratified by class for
        classifiers (every class keeps at least one row, so a sample may be
        a few rows larger). ``None`` (default): all rows.
    max_time : float, optional
        Seconds, counted from the call, after which no further step starts:
        the loop checks the clock after each step and stops once they are
        spent, keeping the best ensemble found so far. At least one step
        always runs. ``None`` (default): all ``ensemble_size`` steps.
    random_state : int, RandomState instance or None, default=None
        Seeds the row sample of ``max_rows``; unused without one.

    Returns
    -------
    weights : ndarray of shape (n_candidates,)
        How many times each candidate was chosen, at the step with the best
        score (ties: the fewest steps). Sums to at most ``ensemble_size``.
        Scores within a relative 1e-12 of each other count as tied, in the
        choice of each step too, so that rounding does not decide.
    trajectory : ndarray of shape (n_steps,)
        The ensemble's score after each step run. ``n_steps`` is
        ``ensemble_size`` unless ``max_time`` stopped the selection early:
        ``len(trajectory) < ensemble_size`` tells that it did.

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
    start = time.monotonic()
    _check_params(ensemble_size, max_rows, max_time)
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
    rows = np.flatnonzero(finite)
    if max_rows is not None and len(rows) > max_rows:
        rows = rows[_subsample(y[rows], max_rows, classes is not None, random_state)]
    if len(rows) < len(y):
        preds = [p[rows] for p in preds]
        y = y[rows]
    metric = fast_scores(scorer, preds, y, classes)
    if metric is None:
        metric = _ScorerScores(scorer, preds, y, classes)
    weights = np.zeros(len(preds), dtype=np.int64)
    trajectory = []
    best_score, best_weights = -np.inf, weights.copy()
    for step in range(int(ensemble_size)):
        step_scores = np.asarray(metric.scores(step + 1), dtype=np.float64)
        step_scores[~np.isfinite(step_scores)] = -np.inf
        top = step_scores.max()  # the first (best-ranked) maximum, up to rounding
        near = step_scores >= top - _RTOL * abs(top) if top > -np.inf else True
        chosen = int(np.argmax(near))
        metric.add(chosen)
        weights[chosen] += 1
        trajectory.append(step_scores[chosen])
        if _better(step_scores[chosen], best_score):
            best_score, best_weights = step_scores[chosen], weights.copy()
        if max_time is not None and time.monotonic() - start >= max_time:
            break
    return best_weights, np.asarray(trajectory, dtype=np.float64)


def blend_score(predictions, weights, y, scorer, classes=None):
    """The score of the weighted average of ``predictions``.

    Scored on the rows every prediction covers (out-of-fold predictions of a
    holdout leave the training rows as NaN), so blends of different members
    are compared on the same rows when ``predictions`` are the same arrays.

    Parameters
    ----------
    predictions : list of ndarray
        Probabilities of shape (n_samples, n_classes) or values of shape
        (n_samples,), one per member.
    weights : array-like of float
        One weight per member (normalised here).
    y : array-like of shape (n_samples,)
    scorer : callable
        ``scorer(estimator, X, y)``, higher is better.
    classes : ndarray or None
        Class labels in the probability columns' order; ``None`` for
        regression.

    Returns
    -------
    score : float

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.metrics import get_scorer
    >>> from sklearn_automl.ensemble._selection import blend_score
    >>> y = np.array([0, 1, 0, 1])
    >>> p = np.array([[0.6, 0.4], [0.4, 0.6], [0.7, 0.3], [0.2, 0.8]])
    >>> blend_score([p, p[::-1]], [1, 0], y, get_scorer("accuracy"), np.array([0, 1]))
    1.0
    """
    preds = _as_candidates(predictions)
    y = np.asarray(y)
    w = np.asarray(weights, dtype=np.float64)
    w = w / w.sum()
    finite = np.ones(len(y), dtype=bool)
    for p in preds:
        finite &= np.isfinite(p).reshape(len(y), -1).all(axis=1)
    blend = sum(wi * p[finite] for wi, p in zip(w, preds, strict=True))
    return PredictionScorer(scorer, y[finite], classes)(blend)

