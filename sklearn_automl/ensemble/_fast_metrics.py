"""Vectorised scores of adding each candidate to a greedy ensemble.

:func:`~sklearn_automl.ensemble.ensemble_selection` scores, at every step,
the average of the chosen members plus each candidate. Through a
scikit-learn scorer that means one stand-in estimator and one metric call
(with its label handling) per candidate and step. For the scorers that
:func:`sklearn.metrics.get_scorer` makes for a few common metrics, the
classes here compute the same scores from running sums kept once, with the
targets encoded once and the candidates stacked into arrays:

- ``roc_auc`` (binary): the Mann-Whitney statistic of the positive column,
  ties counted half (average ranks), which is exactly the area under the ROC
  curve;
- ``neg_log_loss``: only the true class's column matters, so its running sum
  and the running row sums are all that is kept;
- ``accuracy``: the arg-max of the summed probabilities;
- ``neg_mean_squared_error``, ``neg_root_mean_squared_error``,
  ``neg_mean_absolute_error`` and ``r2``.

:func:`fast_scores` recognises the scorer and the data it applies to as it
would be scored, and answers ``None`` for anything else (custom scorers,
other metrics, keyword arguments, targets the metric would reject), where
the caller scores through the scorer itself.
"""

from __future__ import annotations

import numpy as np
from sklearn import metrics
from sklearn.utils.multiclass import type_of_target

try:  # private: without it every scorer takes the generic path
    from sklearn.metrics._scorer import _Scorer
except ImportError:  # pragma: no cover
    _Scorer = None

__all__ = ["fast_scores"]

_BLOCK = 1 << 18  # elements of a temporary (candidates x rows) array: in cache

_REGRESSION = {
    metrics.mean_squared_error: "mse",
    metrics.root_mean_squared_error: "rmse",
    metrics.mean_absolute_error: "mae",
    metrics.r2_score: "r2",
}


def _blocks(n_candidates, n_rows):
    step = max(1, _BLOCK // max(n_rows, 1))
    for start in range(0, n_candidates, step):
        yield slice(start, min(start + step, n_candidates))


def _stack(columns):
    return np.stack([np.asarray(c, dtype=np.float64) for c in columns])


class _RegressionScores:
    """MSE, RMSE, MAE or R2 of ``(total + p_i) / k`` for every candidate."""

    def __init__(self, kind, sign, preds, y):
        self.kind, self.sign = kind, sign
        self.P = _stack(preds)
        self.y = np.asarray(y, dtype=np.float64)
        self.total = np.zeros(len(self.y))
        self.den = float(((self.y - self.y.mean()) ** 2).sum())

    def scores(self, k):
        out = np.empty(len(self.P))
        for s in _blocks(len(self.P), len(self.y)):
            err = (self.total + self.P[s]) / k
            err -= self.y
            if self.kind == "mae":
                out[s] = np.abs(err, out=err).mean(axis=1)
                continue
            err *= err
            if self.kind == "r2":
                out[s] = 1 - err.sum(axis=1) / self.den
            else:
                out[s] = err.mean(axis=1)
        if self.kind == "rmse":
            out = np.sqrt(out)
        return self.sign * out

    def add(self, i):
        self.total += self.P[i]


class _LogLossScores:
    """Log loss of the row-normalised averages, from the true-class column."""

    def __init__(self, sign, preds, y_idx):
        rows = np.arange(len(y_idx))
        self.sign = sign
        self.true = _stack([p[rows, y_idx] for p in preds])
        self.sums = np.stack([p.sum(axis=1, dtype=np.float64) for p in preds])
        self.t_true = np.zeros(len(y_idx))
        self.t_sums = np.zeros(len(y_idx))
        self.eps = np.finfo(np.float64).eps  # the averages are float64

    def scores(self, k):  # the average's 1/k cancels in the normalisation
        out = np.empty(len(self.true))
        for s in _blocks(len(self.true), len(self.t_true)):
            q = (self.t_true + self.true[s]) / (self.t_sums + self.sums[s])
            np.clip(q, self.eps, 1 - self.eps, out=q)  # as log_loss clips
            out[s] = -np.log(q, out=q).mean(axis=1)
        return self.sign * out

    def add(self, i):
        self.t_true += self.true[i]
        self.t_sums += self.sums[i]


class _BinaryAUCScores:
    """ROC AUC of the positive column of the row-normalised averages.

    The Mann-Whitney statistic: over the positives, the number of negatives
    scored below plus half the number tied (their average ranks), counted
    exactly in integers by binary search of the sorted negatives.
    """

    def __init__(self, sign, preds, positive):
        self.sign = sign
        self.P0 = _stack([p[:, 0] for p in preds])
        self.P1 = _stack([p[:, 1] for p in preds])
        self.t0 = np.zeros(len(positive))
        self.t1 = np.zeros(len(positive))
        self.pos, self.neg = np.flatnonzero(positive), np.flatnonzero(~positive)

    def scores(self, k):
        twice_u = np.empty(len(self.P0))
        for s in _blocks(len(self.P0), len(self.t0)):
            a0 = (self.t0 + self.P0[s]) / k  # the very operations of the
            a1 = (self.t1 + self.P1[s]) / k  # generic path: the same ties
            a1 /= a0 + a1
            neg = np.sort(a1[:, self.neg], axis=1)
            pos = np.sort(a1[:, self.pos], axis=1)
            for j, (n_row, p_row) in enumerate(zip(neg, pos), start=s.start):
                twice_u[j] = (np.searchsorted(n_row, p_row, "left").sum()
                              + np.searchsorted(n_row, p_row, "right").sum())
        return self.sign * (twice_u / (2.0 * len(self.pos) * len(self.neg)))

    def add(self, i):
        self.t0 += self.P0[i]
        self.t1 += self.P1[i]


class _AccuracyScores:
    """Accuracy of the arg-max class of the summed probabilities.

    Normalising a row (dividing by a positive number) keeps its arg-max up to
    rounding, so the sum is not normalised.
    """

    def __init__(self, sign, preds, y_idx):
        self.sign, self.preds, self.y_idx = sign, preds, y_idx
        self.total = np.zeros(preds[0].shape)

    def scores(self, k):
        buf = np.empty(self.total.shape)
        out = np.empty(len(self.preds))
        for i, p in enumerate(self.preds):
            np.add(self.total, p, out=buf)
            out[i] = np.count_nonzero(buf.argmax(axis=1) == self.y_idx)
        return self.sign * (out / len(self.y_idx))

    def add(self, i):
        self.total += self.preds[i]


def _response(method, available):
    """The method the scorer calls on a stand-in that has ``available``."""
    methods = (method,) if isinstance(method, str) else tuple(method)
    return next((m for m in methods if m in available), None)


def _encode(y, classes):
    """``(indices of y in classes, n classes in y)``, or None if unusual.

    Unusual: classes not sorted and unique (the metrics assume the columns in
    sorted order), y not binary/multiclass, or y has labels not in classes.
    """
    try:
        if y.ndim != 1 or type_of_target(y) not in ("binary", "multiclass"):
            return None
        if len(classes) == 0 or not np.array_equal(np.unique(classes), classes):
            return None
        labels, inverse = np.unique(y, return_inverse=True)
        idx = np.searchsorted(classes, labels)
        if idx.max() >= len(classes) or not np.array_equal(classes[idx], labels):
            return None
    except (TypeError, ValueError):
        return None
    return idx[inverse.ravel()], len(labels)


def fast_scores(scorer, preds, y, classes):
    """The vectorised scores of ``scorer``, or None where it has none.

    Parameters
    ----------
    scorer : callable
        The scorer of :func:`ensemble_selection`.
    preds : list of ndarray
        The candidates' predictions on the rows scored (all finite).
    y : ndarray of shape (n_samples,)
        True targets of those rows.
    classes : ndarray of shape (n_classes,) or None
        Class labels of the probability columns; ``None`` for regression.

    Returns
    -------
    scores : object or None
        ``scores(k)`` gives, for every candidate, the score of the average
        of the ``k - 1`` members added so far (``add(i)``) and itself.
    """
    if _Scorer is None or type(scorer) is not _Scorer or scorer._kwargs:
        return None
    func, sign = scorer._score_func, scorer._sign
    p0 = preds[0]
    if classes is None:
        kind = _REGRESSION.get(func)
        y_ok = y.ndim == 1 and y.dtype.kind in "biuf" and np.isfinite(y).all()
        numeric = all(p.ndim == 1 and p.dtype.kind in "biuf" for p in preds)
        if kind is None or not y_ok or not numeric:
            return None
        if _response(scorer._response_method, ("predict",)) != "predict":
            return None
        if kind == "r2" and (len(y) < 2 or np.ptp(y) == 0):
            return None  # R2 is undefined there (scikit-learn warns or pads)
        return _RegressionScores(kind, sign, preds, y)
    classes = np.asarray(classes)
    if p0.ndim != 2 or p0.shape[1] != len(classes):
        return None
    if any(p.dtype.kind != "f" for p in preds):
        return None
    encoded = _encode(y, classes)
    if encoded is None:
        return None
    y_idx, n_labels = encoded
    response = _response(scorer._response_method, ("predict_proba", "predict"))
    if any((p.sum(axis=1) <= 0).any() for p in preds):
        return None  # NaN averages: the metrics raise
    if func is metrics.accuracy_score and response == "predict":
        return _AccuracyScores(sign, preds, y_idx)
    if response != "predict_proba" or n_labels != len(classes):
        return None
    if func is metrics.log_loss and n_labels >= 2:
        if any(p.min() < 0 for p in preds):
            return None
        return _LogLossScores(sign, preds, y_idx)
    if func is metrics.roc_auc_score and n_labels == 2:
        return _BinaryAUCScores(sign, preds, y_idx == 1)
    return None
