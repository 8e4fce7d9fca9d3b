"""A scorer that is defined on every validation fold of the search.

Some metrics are undefined on some folds: ROC AUC on a fold with one class,
R^2 on a fold of one row, scikit-learn's log loss on a fold that lacks a
class (it infers the labels from the fold). Tiny or very imbalanced data
make such folds. :func:`fold_safe_scorer` finds them before the search (a
prior-predicting dummy is scored on each suspicious fold: the answer depends
on the fold's labels, not on the model) and then scores the whole search
with a fallback that is defined everywhere, so that every trial's folds are
scored with one metric:

- classification: the log loss over all known labels
  (:class:`KnownLabelsLogLoss`, which also aligns the probability columns
  of a model that saw fewer classes);
- regression: the mean squared error.

A fallback for a ``scoring`` the user chose is announced with a warning; for
the default scorer, in the log.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.metrics import get_scorer, log_loss

__all__ = ["FallbackScorer", "KnownLabelsLogLoss", "fold_safe_scorer"]

logger = logging.getLogger("sklearn_automl")


class KnownLabelsLogLoss:
    """Negative log loss over every known class, defined on any fold.

    The probability columns of ``estimator`` (``estimator.classes_``) are
    placed at their class's position among ``labels``; classes it never saw
    get probability 0 (then clipped as ``log_loss`` clips).

    Parameters
    ----------
    labels : array-like
        Every class of the task, sorted as ``classes_``.
    """

    def __init__(self, labels):
        self.labels = np.asarray(labels)

    def __call__(self, estimator, X, y):
        proba = np.asarray(estimator.predict_proba(X), dtype=np.float64)
        fitted = list(getattr(estimator, "classes_", self.labels))
        if len(fitted) != len(self.labels) or np.any(
                np.asarray(fitted) != self.labels):
            index = {c: i for i, c in enumerate(self.labels.tolist())}
            aligned = np.zeros((proba.shape[0], len(self.labels)))
            for j, c in enumerate(np.asarray(fitted).tolist()):
                aligned[:, index[c]] = proba[:, j]
            proba = aligned
        return -log_loss(y, proba, labels=self.labels)

    def __repr__(self):
        return "neg_log_loss(labels=all classes)"


class FallbackScorer:
    """``scorer`` standing in for a metric undefined on some folds.

    Parameters
    ----------
    scorer : callable
        The scorer used, ``scorer(estimator, X, y)``.
    name : str
        What it computes.
    replaces : str
        The scoring it replaces.
    """

    def __init__(self, scorer, name, replaces):
        self.scorer = scorer
        self.name = name
        self.replaces = replaces

    def __call__(self, estimator, X, y):
        return self.scorer(estimator, X, y)

    def __repr__(self):
        return f"{self.name} (in place of {self.replaces}, undefined on some folds)"


def fold_safe_scorer(scorer, y, splits, *, classes=None, scoring_name, given):
    """``scorer``, or a fallback when it is undefined on some fold.

    Parameters
    ----------
    scorer : callable
    y : ndarray
    splits : list of (train, validation) index arrays
    classes : ndarray or None
        All classes (classification); ``None`` for regression.
    scoring_name : str
        How to call the scorer in messages.
    given : bool
        Whether the user chose it (a fallback is then warned about).

    Returns
    -------
    scorer : callable
    """
    undefined = [k for k, (tr, te) in enumerate(splits)
                 if _suspicious(y, tr, te, classes)
                 and not _defined(scorer, y, tr, te, classes)]
    if not undefined:
        return scorer
    if classes is not None:
        fallback = FallbackScorer(KnownLabelsLogLoss(classes),
                                  "neg_log_loss over all classes", scoring_name)
    else:
        fallback = FallbackScorer(get_scorer("neg_mean_squared_error"),
                                  "neg_mean_squared_error", scoring_name)
    message = (
        f"scoring={scoring_name!r} is undefined on {len(undefined)} of "
        f"{len(splits)} validation folds (too few rows or classes in them); the "
        f"search scores every trial with {fallback.name} instead."
    )
    if given:
        warnings.warn(message, UserWarning, stacklevel=4)
    else:
        logger.info(message)
    return fallback


def _suspicious(y, train, test, classes):
    """Whether a fold is one where common metrics can be undefined."""
    if len(test) < 2:
        return True
    y_test = y[test]
    if classes is None:
        return bool(np.all(y_test == y_test[0]))
    n = len(classes)
    return len(np.unique(y_test)) < n or len(np.unique(y[train])) < n


def _defined(scorer, y, train, test, classes):
    """Whether ``scorer`` gives a finite score to a prior-predicting model."""
    dummy = (DummyClassifier(strategy="prior") if classes is not None
             else DummyRegressor())
    X_train, X_test = np.zeros((len(train), 1)), np.zeros((len(test), 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            dummy.fit(X_train, y[train])
            score = scorer(dummy, X_test, y[test])
        except (ValueError, IndexError, ZeroDivisionError):
            return False
        except Exception:  # noqa: BLE001 - a custom scorer that needs more
            return True
    return bool(np.isfinite(score))
