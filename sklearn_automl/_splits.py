"""The validation splits of a search: every trial is scored on the same folds.

The default (``cv=None``) is chosen so that every fold can be scored and
every training fold holds every class whenever the data allow it:

- classification: stratified folds, 5 of them, or as many as the rarest
  class that has at least two rows has rows (at least 2), so that every
  validation fold sees every such class; a class with a single row is
  always in the training rows (never validated: a model cannot learn a
  class from no rows); when every class has a single row nothing can be
  held out and the trials are scored on their training rows (with a
  warning in the log);
- regression: 5 folds, fewer for fewer than 10 rows so that each
  validation fold has two rows (an R^2 needs two); 2 or 3 rows:
  leave-one-out; 1 row: scored on the training row;
- above :data:`AUTO_HOLDOUT_ROWS` rows (or for images): one 20% holdout,
  stratified, single-row classes in training.

Whether the scorer is defined on these folds is checked next, with a
fallback scorer (see :mod:`._scoring`).
"""

from __future__ import annotations

import logging
import math
import numbers
import warnings

import numpy as np
from sklearn.model_selection import (
    KFold,
    ShuffleSplit,
    StratifiedKFold,
    StratifiedShuffleSplit,
    check_cv,
)

__all__ = ["AUTO_HOLDOUT_ROWS", "DEFAULT_FOLDS", "make_splits"]

logger = logging.getLogger("sklearn_automl")

#: rows above which cv=None uses one stratified holdout instead of 5 folds
AUTO_HOLDOUT_ROWS = 20_000
#: folds of cv=None where the data allow them
DEFAULT_FOLDS = 5


def make_splits(X, y, cv, *, classification, seed, images=False):
    """The ``(train, validation)`` index pairs for ``cv`` and the splitter.

    Parameters
    ----------
    X, y : array-like or DataFrame
    cv : int, float, splitter, iterable or None
        int: (stratified) k-fold; float in (0, 1): one (stratified) holdout
        of that fraction; a splitter or iterable: used as is. ``None``: the
        default scheme of this module's docstring. With int and float
        ``cv``, a class with a single row stays in the training rows.
    classification : bool
        Stratify where every class can be represented.
    seed : int
        Seed of the shuffles.
    images : bool, default=False

    Returns
    -------
    splits : list of (ndarray, ndarray)
    splitter : splitter or None
        A public scikit-learn splitter that ``export_code`` and stacking can
        reuse; ``None`` for wrapped iterables and for folds that keep
        single-row classes in training.
    """
    n = X.shape[0]
    given = cv
    if cv is None:
        if n > AUTO_HOLDOUT_ROWS or images:
            cv = 0.2
        else:
            return _check(_default_folds(y, n, classification, seed), given)
    if isinstance(cv, numbers.Real) and not isinstance(cv, numbers.Integral):
        n_test = math.ceil(cv * n)
        if n_test < 1 or n - n_test < 1:
            raise ValueError(
                f"cv={cv} as a holdout fraction leaves no rows to train or to "
                f"validate on with n_samples={n}."
            )
        result = _holdout(y, n, cv, classification, seed)
    elif isinstance(cv, numbers.Integral):
        if n < cv:
            raise ValueError(
                f"X has n_samples={n}, fewer than the cv={cv} folds it must be "
                "split into; pass fewer folds or more rows (or cv=None, which "
                "adapts the folds to small data)."
            )
        result = _kfold(y, n, cv, classification, seed)
    else:
        splitter = check_cv(cv, y, classifier=classification)
        result = _split(splitter, n, y), splitter
    return _check(result, given)


def _check(result, given):
    splits, splitter = result
    if not splits:
        raise ValueError(f"cv={given!r} produced no train/validation split.")
    for tr, te in splits:
        if len(tr) == 0 or len(te) == 0:
            raise ValueError(f"cv={given!r} produced an empty train or test fold.")
    public = splitter is not None and not type(splitter).__name__.startswith("_")
    return splits, (splitter if public and hasattr(splitter, "split") else None)


def _split(splitter, n, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return [(np.asarray(tr), np.asarray(te))
                for tr, te in splitter.split(np.zeros((n, 1)), y)]


def _codes(y):
    """Class codes of ``y`` and the count of each class."""
    codes = np.unique(np.asarray(y), return_inverse=True)[1].reshape(-1)
    return codes, np.bincount(codes)


def _in_sample(n, why):
    logger.warning(
        "%s: no rows can be held out for validation, so trials are scored on "
        "the rows they are trained on (an optimistic score).", why)
    rows = np.arange(n)
    return [(rows, rows)], None


def _default_folds(y, n, classification, seed):
    if not classification:
        if n == 1:
            return _in_sample(n, "one row")
        k = min(DEFAULT_FOLDS, n // 2) if n >= 4 else n  # 2, 3 rows: leave-one-out
        return _split(KFold(k, shuffle=True, random_state=seed), n, y), KFold(
            k, shuffle=True, random_state=seed)
    codes, counts = _codes(y)
    several = counts[counts >= 2]
    if not len(several):
        return _in_sample(n, f"every class has a single row ({n} rows)")
    k = int(min(DEFAULT_FOLDS, several.min()))
    return _kfold(y, n, k, True, seed, codes=codes, counts=counts)


def _kfold(y, n, k, classification, seed, *, codes=None, counts=None):
    """k folds; stratified where a class can be in every fold's training rows."""
    if not classification:
        splitter = KFold(k, shuffle=True, random_state=seed)
        return _split(splitter, n, y), splitter
    if codes is None:
        codes, counts = _codes(y)
    single = counts[codes] == 1
    if not single.any():
        splitter = (StratifiedKFold(k, shuffle=True, random_state=seed)
                    if counts.max() >= k else KFold(k, shuffle=True, random_state=seed))
        return _split(splitter, n, y), splitter
    rest = np.flatnonzero(~single)
    if len(rest) < k:  # too few rows beside the single ones: plain k-fold
        splitter = KFold(k, shuffle=True, random_state=seed)
        return _split(splitter, n, y), splitter
    inner = (StratifiedKFold(k, shuffle=True, random_state=seed)
             if counts[codes[rest]].max() >= k
             else KFold(k, shuffle=True, random_state=seed))
    return _with_single_rows(_split(inner, len(rest), codes[rest]), rest,
                             np.flatnonzero(single)), None


def _holdout(y, n, fraction, classification, seed):
    """One holdout of ``fraction``; stratified, single-row classes in training."""
    if not classification:
        splitter = ShuffleSplit(1, test_size=fraction, random_state=seed)
        return _split(splitter, n, y), splitter
    codes, counts = _codes(y)
    single = counts[codes] == 1
    rest = np.flatnonzero(~single)
    n_test = math.ceil(fraction * len(rest))
    n_classes = len(np.unique(codes[rest]))
    if len(rest) < 2 or n_test < 1 or len(rest) - n_test < 1:
        splitter = ShuffleSplit(1, test_size=fraction, random_state=seed)
        return _split(splitter, n, y), splitter
    if n_test >= n_classes and len(rest) - n_test >= n_classes:
        inner = StratifiedShuffleSplit(1, test_size=fraction, random_state=seed)
    else:
        inner = ShuffleSplit(1, test_size=fraction, random_state=seed)
    if not single.any():
        return _split(inner, n, y), inner
    return _with_single_rows(_split(inner, len(rest), codes[rest]), rest,
                             np.flatnonzero(single)), None


def _with_single_rows(splits, rest, single):
    """Splits of the rows ``rest`` mapped back, ``single`` added to training."""
    return [(np.sort(np.concatenate([rest[tr], single])), rest[te])
            for tr, te in splits]
